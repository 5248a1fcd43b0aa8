// CRC-32 of the zip/gzip polynomial (reflected 0xEDB88320), giving zlib's crc32() for every input.
//
// On x86-64 the bulk is folded with carry-less multiplication (V. Gopal, E. Ozturk et al., "Fast
// CRC Computation for Generic Polynomials Using PCLMULQDQ Instruction", Intel, 2009): four
// 128-bit accumulators with PCLMULQDQ, or four 512-bit ones with VPCLMULQDQ on AVX-512, reduced to
// one 128-bit value, then to the 32-bit CRC register by Barrett reduction. Inputs under 16 bytes
// and the last < 16 bytes go through a byte table. See include/CkptKernels.h.
#include "CkptKernels.h"

// Entry b is the register after shifting byte b through it from 0 (zlib's crc_table[0]);
// Tests/CkptKitTests/Internals/CRC32Tests.swift compares every path with zlib.
static const uint32_t crc_table[256] = {
    0x00000000, 0x77073096, 0xee0e612c, 0x990951ba, 0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
    0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988, 0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
    0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de, 0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
    0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec, 0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
    0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172, 0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
    0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940, 0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
    0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116, 0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
    0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924, 0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
    0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a, 0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
    0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818, 0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
    0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e, 0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
    0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c, 0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
    0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2, 0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
    0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0, 0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
    0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086, 0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
    0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4, 0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
    0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a, 0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
    0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8, 0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
    0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe, 0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
    0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc, 0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
    0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252, 0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
    0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60, 0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
    0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236, 0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
    0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04, 0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
    0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a, 0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
    0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38, 0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
    0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e, 0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
    0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c, 0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
    0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2, 0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
    0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0, 0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
    0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6, 0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
    0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94, 0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

/// The register after shifting p[0 ..< n] through it, a byte at a time.
static uint32_t crc_bytes(uint32_t reg, const uint8_t *p, size_t n) {
    for (size_t i = 0; i < n; i++) reg = crc_table[(reg ^ p[i]) & 0xFF] ^ (reg >> 8);
    return reg;
}

#if defined(__x86_64__) && defined(__clang__)
#define CKPT_CRC_X86 1
#include <immintrin.h>

// K(n) = x^n mod P(x), bit-reflected in 32 bits and shifted left once (33 bits). In the reflected
// domain a 128-bit block (h, l) (h = its first 8 bytes, the higher-degree half) times x^d is
// congruent to clmul(h, K(d + 32)) ^ clmul(l, K(d - 32)), a 96-bit value: folding a block d bits
// forward. Values computed from P = 0x104C11DB7 (the same figures as Intel's paper and
// Chromium's crc32_simd.c for the 512- and 2048-bit distances); the tests check them all.
#define K_2080 0x11542778aULL  // 4 × 512 bits: the 4 accumulators of the VPCLMULQDQ loop
#define K_2016 0x1322d1430ULL
#define K_544 0x154442bd4ULL  // 512 bits: the 4 accumulators of the PCLMULQDQ loop, or 1 zmm
#define K_480 0x1c6e41596ULL
#define K_416 0x03db1ecdcULL  // 384 bits: lane 0 of a zmm onto lane 3
#define K_352 0x174359406ULL
#define K_288 0x0f1da05aaULL  // 256 bits: lane 1 onto lane 3
#define K_224 0x15a546366ULL
#define K_160 0x1751997d0ULL  // 128 bits
#define K_96 0x0ccaa009eULL  // 128 → 64 bits of the final reduction
#define K_64 0x163cd6124ULL  // 64 → 32 bits
#define POLY 0x1db710641ULL  // P(x), reflected in 33 bits
#define MU 0x1f7011641ULL  // floor(x^64 / P(x)), reflected in 33 bits: Barrett's constant

#define PCLMUL __attribute__((target("sse4.1,pclmul")))
#define VPCLMUL __attribute__((target("sse4.1,pclmul,avx512f,vpclmulqdq")))

/// x folded by the distance of k (K(d + 32) in the low half, K(d − 32) in the high half).
PCLMUL static inline __m128i fold128(__m128i x, __m128i k) {
    return _mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11));
}

/// The CRC register of the 16 bytes x holds (a register of 0 shifted through them).
PCLMUL static inline uint32_t reduce128(__m128i x) {
    const __m128i low32 = _mm_setr_epi32(-1, 0, -1, 0);
    // 128 → 96 bits: the first 8 bytes move 64 bits on, onto the last 8.
    x = _mm_xor_si128(_mm_srli_si128(x, 8), _mm_clmulepi64_si128(x, _mm_set_epi64x(0, K_96), 0x00));
    // 96 → 64 bits: the first 4 bytes move 64 bits on.
    x = _mm_xor_si128(_mm_srli_si128(x, 4),
                      _mm_clmulepi64_si128(_mm_and_si128(x, low32), _mm_set_epi64x(0, K_64), 0x00));
    // Barrett: q = floor(x · µ / x^64), remainder x − q · P in the second 32-bit word.
    const __m128i constants = _mm_set_epi64x(MU, POLY);
    __m128i q = _mm_clmulepi64_si128(_mm_and_si128(x, low32), constants, 0x10);
    q = _mm_clmulepi64_si128(_mm_and_si128(q, low32), constants, 0x00);
    return (uint32_t)_mm_extract_epi32(_mm_xor_si128(x, q), 1);
}

/// The register after shifting p[0 ..< n] through it, n ≥ 16: 4 × 128-bit folding.
PCLMUL static uint32_t crc_pclmul(uint32_t reg, const uint8_t *p, size_t n) {
    const __m128i k128 = _mm_set_epi64x(K_96, K_160);
    // The register is the first bytes' offset from 0: XOR it into them and start from 0.
    __m128i x = _mm_xor_si128(_mm_loadu_si128((const __m128i *)p), _mm_cvtsi32_si128((int)reg));
    p += 16, n -= 16;
    if (n >= 48) {
        const __m128i k512 = _mm_set_epi64x(K_480, K_544);
        __m128i x1 = _mm_loadu_si128((const __m128i *)p);
        __m128i x2 = _mm_loadu_si128((const __m128i *)(p + 16));
        __m128i x3 = _mm_loadu_si128((const __m128i *)(p + 32));
        p += 48, n -= 48;
        for (; n >= 64; p += 64, n -= 64) {
            x = _mm_xor_si128(fold128(x, k512), _mm_loadu_si128((const __m128i *)p));
            x1 = _mm_xor_si128(fold128(x1, k512), _mm_loadu_si128((const __m128i *)(p + 16)));
            x2 = _mm_xor_si128(fold128(x2, k512), _mm_loadu_si128((const __m128i *)(p + 32)));
            x3 = _mm_xor_si128(fold128(x3, k512), _mm_loadu_si128((const __m128i *)(p + 48)));
        }
        x = _mm_xor_si128(fold128(x, k128), x1);
        x = _mm_xor_si128(fold128(x, k128), x2);
        x = _mm_xor_si128(fold128(x, k128), x3);
    }
    for (; n >= 16; p += 16, n -= 16) x = _mm_xor_si128(fold128(x, k128), _mm_loadu_si128((const __m128i *)p));
    return crc_bytes(reduce128(x), p, n);
}

/// x folded by the distance of k in each 128-bit lane, XORed with y.
VPCLMUL static inline __m512i fold512(__m512i x, __m512i k, __m512i y) {
    return _mm512_ternarylogic_epi64(_mm512_clmulepi64_epi128(x, k, 0x00), _mm512_clmulepi64_epi128(x, k, 0x11),
                                     y, 0x96);
}

/// The register after shifting p[0 ..< n] through it, n ≥ 256: 4 × 512-bit folding.
VPCLMUL static uint32_t crc_vpclmul(uint32_t reg, const uint8_t *p, size_t n) {
    const __m512i k2048 = _mm512_broadcast_i32x4(_mm_set_epi64x(K_2016, K_2080));
    const __m512i k512 = _mm512_broadcast_i32x4(_mm_set_epi64x(K_480, K_544));
    __m512i z0 = _mm512_xor_si512(_mm512_loadu_si512(p), _mm512_zextsi128_si512(_mm_cvtsi32_si128((int)reg)));
    __m512i z1 = _mm512_loadu_si512(p + 64);
    __m512i z2 = _mm512_loadu_si512(p + 128);
    __m512i z3 = _mm512_loadu_si512(p + 192);
    p += 256, n -= 256;
    for (; n >= 256; p += 256, n -= 256) {
        z0 = fold512(z0, k2048, _mm512_loadu_si512(p));
        z1 = fold512(z1, k2048, _mm512_loadu_si512(p + 64));
        z2 = fold512(z2, k2048, _mm512_loadu_si512(p + 128));
        z3 = fold512(z3, k2048, _mm512_loadu_si512(p + 192));
    }
    z0 = fold512(z0, k512, z1);
    z0 = fold512(z0, k512, z2);
    z0 = fold512(z0, k512, z3);
    for (; n >= 64; p += 64, n -= 64) z0 = fold512(z0, k512, _mm512_loadu_si512(p));
    // Lanes 0, 1, 2 move 384, 256 and 128 bits on, onto lane 3 (lane 3 of k is 0).
    const __m512i lanes = _mm512_set_epi64(0, 0, K_96, K_160, K_224, K_288, K_352, K_416);
    const __m512i folded = fold512(z0, lanes, _mm512_setzero_si512());
    __m128i x = _mm_xor_si128(
        _mm_xor_si128(_mm512_extracti32x4_epi32(folded, 0), _mm512_extracti32x4_epi32(folded, 1)),
        _mm_xor_si128(_mm512_extracti32x4_epi32(folded, 2), _mm512_extracti32x4_epi32(z0, 3)));
    const __m128i k128 = _mm_set_epi64x(K_96, K_160);
    for (; n >= 16; p += 16, n -= 16) x = _mm_xor_si128(fold128(x, k128), _mm_loadu_si128((const __m128i *)p));
    return crc_bytes(reduce128(x), p, n);
}
#endif

int ckpt_crc32_level(void) {
#ifdef CKPT_CRC_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("vpclmulqdq")) return 2;
    if (__builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1")) return 1;
#endif
    return 0;
}

uint32_t ckpt_crc32(int level, uint32_t crc, const void *data, size_t n) {
    const uint8_t *p = data;
    // zlib's crc32 starts from and ends with the complement of the register.
    uint32_t reg = ~crc;
#ifdef CKPT_CRC_X86
    if (level >= 2 && n >= 256) return ~crc_vpclmul(reg, p, n);
    if (level >= 1 && n >= 16) return ~crc_pclmul(reg, p, n);
#endif
    (void)level;
    return ~crc_bytes(reg, p, n);
}
