// Vector kernels for ckpt's random streams (AVX2 and AVX-512 on x86-64, chosen at run time),
// and CRC-32 by carry-less multiplication (CRC32.c).
//
// Every kernel computes exactly the bits of the Swift reference in Sources/CkptKit/Random
// (docs/random-streams.md): the same operations in the same order, no fused multiply-adds.
// The Swift code stays the portable path; these are only called at a level the CPU supports.
#ifndef CKPT_KERNELS_H
#define CKPT_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// 0: no vector kernels (use the Swift code), 1: AVX2, 2: AVX-512F.
int ckpt_kernel_level(void);

/// Philox4x32-10 blocks with counters (lo + b, hi, c2, 0) for b in 0..<blocks, written to
/// out[4b ..< 4b + 4]. lo + blocks must not pass 2^32.
void ckpt_philox_fill(int level, uint32_t *out, uint32_t k0, uint32_t k1, uint32_t lo, uint32_t hi,
                      uint32_t c2, size_t blocks);

/// float32 uniform values from words[0 ..< n] (docs/random-streams.md §5, "Uniform").
void ckpt_uniform_f32(int level, const uint32_t *words, float *out, size_t n, float mid, float half,
                      float low, float high);

/// float32 normal values mean + std·PPND7(q, r) from words[0 ..< n].
void ckpt_normal_f32(int level, const uint32_t *words, float *out, size_t n, float mean, float std);

/// float32 truncated-normal values (the float32 kernel, mass ≥ 2^-60) from words[0 ..< n].
void ckpt_truncated_f32(int level, const uint32_t *words, float *out, size_t n, float mean, float std,
                        float lowerMass, float upperMass, float mass, float low, float high);

/// float32 → bfloat16 bits (round to nearest even, NaN made quiet) for in[0 ..< n], as
/// FloatConversion.bfloat16Bits.
void ckpt_bfloat16_from_f32(int level, const float *in, uint16_t *out, size_t n);

/// The best CRC-32 kernel this CPU runs: 0: none (a byte table), 1: PCLMULQDQ + SSE4.1 (4 × 128-bit
/// folding), 2: VPCLMULQDQ + AVX-512F (4 × 512-bit folding).
int ckpt_crc32_level(void);

/// zlib's crc32(crc, data, n) (the zip polynomial 0xEDB88320), computed by the kernel of `level`
/// (at most ckpt_crc32_level(); lower levels are always allowed).
uint32_t ckpt_crc32(int level, uint32_t crc, const void *data, size_t n);

#endif
