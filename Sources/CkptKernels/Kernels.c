// Run-time dispatch for the vector kernels. The kernel bodies are in KernelsImpl.h, compiled once
// per instruction set. See include/CkptKernels.h.
#include "CkptKernels.h"

#include <string.h>

// No a·b + c may become a fused multiply-add: the spec rounds every product.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#define CKPT_X86 1

#define W 8
#define SUFFIX avx2
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#include "KernelsImpl.h"
#pragma clang attribute pop
#undef W
#undef SUFFIX

#define W 16
#define SUFFIX avx512
#pragma clang attribute push(__attribute__((target("avx512f"))), apply_to = function)
#include "KernelsImpl.h"
#pragma clang attribute pop
#undef W
#undef SUFFIX
#endif

int ckpt_kernel_level(void) {
#ifdef CKPT_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
#endif
    return 0;
}

#ifdef CKPT_X86
#define DISPATCH(name, ...)                                  \
    do {                                                     \
        if (level >= 2) { name##_avx512(__VA_ARGS__); return; } \
        if (level == 1) { name##_avx2(__VA_ARGS__); return; }   \
    } while (0)
#else
#define DISPATCH(name, ...) ((void)0)
#endif

void ckpt_philox_fill(int level, uint32_t *out, uint32_t k0, uint32_t k1, uint32_t lo, uint32_t hi,
                      uint32_t c2, size_t blocks) {
    DISPATCH(philox, out, k0, k1, lo, hi, c2, blocks);
    (void)level; (void)out; (void)k0; (void)k1; (void)lo; (void)hi; (void)c2; (void)blocks;
}

void ckpt_uniform_f32(int level, const uint32_t *words, float *out, size_t n, float mid, float half,
                      float low, float high) {
    DISPATCH(uniform, words, out, n, mid, half, low, high);
    (void)level; (void)words; (void)out; (void)n; (void)mid; (void)half; (void)low; (void)high;
}

void ckpt_normal_f32(int level, const uint32_t *words, float *out, size_t n, float mean, float std) {
    DISPATCH(quantiles, words, out, n, 0, mean, std, 0, 0, 0, 0, 0);
    (void)level; (void)words; (void)out; (void)n; (void)mean; (void)std;
}

void ckpt_truncated_f32(int level, const uint32_t *words, float *out, size_t n, float mean, float std,
                        float lowerMass, float upperMass, float mass, float low, float high) {
    DISPATCH(quantiles, words, out, n, 1, mean, std, lowerMass, upperMass, mass, low, high);
    (void)level; (void)words; (void)out; (void)n; (void)mean; (void)std;
    (void)lowerMass; (void)upperMass; (void)mass; (void)low; (void)high;
}

void ckpt_bfloat16_from_f32(int level, const float *in, uint16_t *out, size_t n) {
    DISPATCH(bf16, in, out, n);
    (void)level; (void)in; (void)out; (void)n;
}
