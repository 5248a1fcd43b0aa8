// Kernel bodies, included by Kernels.c once per instruction set with W (float32 lanes: 8 for
// AVX2, 16 for AVX-512) and SUFFIX defined. Written with Clang vector extensions so both widths
// share one text; each line mirrors a line of the Swift reference (Philox4x32.swift,
// Sampler.swift, NormalQuantile.swift) operation for operation. Constants are the float32 values
// the Swift literals round to, written as hexadecimal floats.
#include <immintrin.h>
#include <string.h>

#ifndef CKPT_KERNEL_CONSTANTS
#define CKPT_KERNEL_CONSTANTS
#define C_S0 (0x1.71eb860000000p-3f)
#define C_A0 (0x1.d8e0000000000p+5f)
#define C_A1 (0x1.3e95100000000p+7f)
#define C_A2 (0x1.9379640000000p+5f)
#define C_A3 (0x1.b18d900000000p+1f)
#define C_B0 (0x1.0cc0100000000p+6f)
#define C_B1 (0x1.3b07f20000000p+6f)
#define C_B2 (0x1.1e529e0000000p+4f)
#define C_C0 (0x1.5ca5da0000000p-3f)
#define C_C1 (0x1.4e85c20000000p+0f)
#define C_C2 (0x1.60df540000000p+1f)
#define C_C3 (0x1.6c66620000000p+0f)
#define C_D0 (0x1.ec62b80000000p-4f)
#define C_D1 (0x1.7958480000000p-1f)
#define C_E0 (0x1.1c0d820000000p-6f)
#define C_E1 (0x1.b6f8aa0000000p-2f)
#define C_E2 (0x1.8a65a00000000p+1f)
#define C_E3 (0x1.aa1b1e0000000p+2f)
#define C_F0 (0x1.91ad420000000p-7f)
#define C_F1 (0x1.ef92a80000000p-3f)
#define C_NEAR (0x1.99999a0000000p+0f)
#define C_SQRTH (0x1.6a09e60000000p-1f)
#define C_L0 (0x1.2043760000000p-4f)
#define C_L1 (0x1.d7a3700000000p-4f)
#define C_L2 (0x1.de4a340000000p-4f)
#define C_L3 (0x1.fcba9e0000000p-4f)
#define C_L4 (0x1.23d37e0000000p-3f)
#define C_L5 (0x1.555ca00000000p-3f)
#define C_L6 (0x1.999d580000000p-3f)
#define C_L7 (0x1.fffff80000000p-3f)
#define C_L8 (0x1.5555540000000p-2f)
#define C_LQ1 (-0x1.bd01060000000p-13f)
#define C_LQ2 (0x1.6300000000000p-1f)
#define C_T075 (0x1.3333340000000p-4f)
#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define F(name) CAT(name, SUFFIX)
/// Elements per block of the quantile loop: its tail lists live on the stack.
#define QBLOCK 1024
static const uint32_t ckpt_iota[16] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
#endif

#define vf F(vf)
#define vi F(vi)
#define vu F(vu)
#define vu2 F(vu2)
#define vu64 F(vu64)
typedef float vf __attribute__((ext_vector_type(W)));
typedef int32_t vi __attribute__((ext_vector_type(W)));
typedef uint32_t vu __attribute__((ext_vector_type(W)));
typedef uint32_t vu2 __attribute__((ext_vector_type(2 * W)));
typedef uint64_t vu64 __attribute__((ext_vector_type(W)));

#if W == 8
#define INTERLEAVE 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15
#else
#define INTERLEAVE 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23, \
    8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31
#endif

/// m ? a : b, lane by lane (m is all ones or all zeros per lane).
static inline vf F(sel)(vi m, vf a, vf b) { return (vf)((m & (vi)a) | (~m & (vi)b)); }
static inline vu F(loadu)(const uint32_t *p) { vu v; memcpy(&v, p, sizeof v); return v; }
static inline void F(storef)(float *p, vf v) { memcpy(p, &v, sizeof v); }
static inline vf F(cvt)(vi x) { return __builtin_convertvector(x, vf); }

// MARK: Philox4x32-10

/// The 32×32→64 products of every lane with M: even and odd lanes as 64-bit products
/// (vpmuludq), recombined into the low and high words.
static inline void F(mulhilo)(vu x, uint64_t m, vu *hi, vu *lo) {
    typedef uint64_t half64 __attribute__((ext_vector_type(W / 2)));
    half64 x64 = (half64)x;
    half64 even = (x64 & 0xFFFFFFFFull) * m;
    half64 odd = (x64 >> 32) * m;
    *lo = (vu)((even & 0xFFFFFFFFull) | (odd << 32));
    *hi = (vu)((even >> 32) | (odd & 0xFFFFFFFF00000000ull));
}

/// W blocks (counters lo + 0 … lo + W − 1), words interleaved block by block into out[0 ..< 4W].
static inline void F(philox_vector)(uint32_t *out, uint32_t k0, uint32_t k1, uint32_t lo, uint32_t hi,
                                    uint32_t c2) {
    vu x0 = (vu)lo + F(loadu)(ckpt_iota), x1 = (vu)hi, x2 = (vu)c2, x3 = (vu)0u;
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        vu hi0, lo0, hi1, lo1;
        F(mulhilo)(x0, 0xD2511F53u, &hi0, &lo0);
        F(mulhilo)(x2, 0xCD9E8D57u, &hi1, &lo1);
        vu n0 = hi1 ^ x1 ^ k0, n2 = hi0 ^ x3 ^ k1;
        x0 = n0; x1 = lo1; x2 = n2; x3 = lo0;
    }
    vu2 x01 = __builtin_shufflevector(x0, x1, INTERLEAVE);
    vu2 x23 = __builtin_shufflevector(x2, x3, INTERLEAVE);
    vu64 a = (vu64)(x01), b = (vu64)(x23);
    typedef uint64_t wide64 __attribute__((ext_vector_type(2 * W)));
    wide64 blocks = __builtin_shufflevector(a, b, INTERLEAVE);
    memcpy(out, &blocks, sizeof blocks);
}

/// PHILOX_CHAINS independent groups of W / 2 blocks, each block's words in the low halves of
/// 64-bit lanes: vpmuludq reads only those, so a round is two products, two shifts and two
/// three-way XORs with no recombining of even and odd lanes, and the groups' dependency chains
/// overlap (one chain waits on the multiplier's latency). Same words as philox_vector.
#define PHILOX_CHAINS 4
static inline void F(philox_chains)(uint32_t *out, uint32_t k0, uint32_t k1, uint32_t lo, uint32_t hi,
                                    uint32_t c2) {
    typedef uint64_t q __attribute__((ext_vector_type(W / 2)));
    typedef uint64_t q2 __attribute__((ext_vector_type(W)));
    q iota;
    for (int j = 0; j < W / 2; j++) iota[j] = (uint64_t)j;
    const q low = (q)0xFFFFFFFFull;
    q x0[PHILOX_CHAINS], x1[PHILOX_CHAINS], x2[PHILOX_CHAINS], x3[PHILOX_CHAINS];
    for (int c = 0; c < PHILOX_CHAINS; c++) {
        x0[c] = ((q)(uint64_t)lo + iota + (uint64_t)(c * (W / 2))) & low;
        x1[c] = (q)(uint64_t)hi;
        x2[c] = (q)(uint64_t)c2;
        x3[c] = (q)0;
    }
    for (int round = 0; round < 10; round++) {
        if (round > 0) { k0 += 0x9E3779B9u; k1 += 0xBB67AE85u; }
        for (int c = 0; c < PHILOX_CHAINS; c++) {
            q p0 = (x0[c] & low) * 0xD2511F53ull;
            q p1 = (x2[c] & low) * 0xCD9E8D57ull;
            q n0 = (p1 >> 32) ^ x1[c] ^ (uint64_t)k0;
            q n2 = (p0 >> 32) ^ x3[c] ^ (uint64_t)k1;
            x0[c] = n0; x1[c] = p1; x2[c] = n2; x3[c] = p0;
        }
    }
    for (int c = 0; c < PHILOX_CHAINS; c++) {
        q a = (x0[c] & low) | (x1[c] << 32); // words 0 and 1 of each block
        q b = (x2[c] & low) | (x3[c] << 32); // words 2 and 3
#if W == 8
        q2 words = __builtin_shufflevector(a, b, 0, 4, 1, 5, 2, 6, 3, 7);
#else
        q2 words = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11, 4, 12, 5, 13, 6, 14, 7, 15);
#endif
        memcpy(out + 2 * W * c, &words, sizeof words);
    }
}

static void F(philox)(uint32_t *out, uint32_t k0, uint32_t k1, uint32_t lo, uint32_t hi, uint32_t c2,
                      size_t blocks) {
    size_t b = 0;
    for (; b + PHILOX_CHAINS * (W / 2) <= blocks; b += PHILOX_CHAINS * (W / 2)) {
        F(philox_chains)(out + 4 * b, k0, k1, lo + (uint32_t)b, hi, c2);
    }
    for (; b + W <= blocks; b += W) {
        F(philox_vector)(out + 4 * b, k0, k1, lo + (uint32_t)b, hi, c2);
    }
    if (b < blocks) {
        uint32_t rest[4 * W];
        F(philox_vector)(rest, k0, k1, lo + (uint32_t)b, hi, c2);
        memcpy(out + 4 * b, rest, 4 * (blocks - b) * sizeof(uint32_t));
    }
}

// MARK: Uniform

static inline vf F(uniform_vector)(vu w, float mid, float half, float low, float high) {
    vi j = (vi)(w >> 9) - 0x400000;
    vf v = F(cvt)(j) * 0x1p-22f + 0x1p-23f;
    vf x = mid + half * v;
    x = F(sel)((vf)low >= x, (vf)low, x);    // Swift max(x, low)
    return F(sel)((vf)high < x, (vf)high, x); // Swift min(x, high)
}

static void F(uniform)(const uint32_t *words, float *out, size_t n, float mid, float half, float low,
                       float high) {
    size_t i = 0;
    for (; i + W <= n; i += W) F(storef)(out + i, F(uniform_vector)(F(loadu)(words + i), mid, half, low, high));
    if (i < n) {
        uint32_t w[W] = {0};
        float x[W];
        memcpy(w, words + i, (n - i) * sizeof(uint32_t));
        F(storef)(x, F(uniform_vector)(F(loadu)(w), mid, half, low, high));
        memcpy(out + i, x, (n - i) * sizeof(float));
    }
}

// MARK: Normal and truncated normal (AS 241 PPND7, Cephes logf)

static inline vf F(logf)(vf x) {
    vu bits = (vu)x;
    vf e = F(cvt)((vi)((bits >> 23) & 0xFFu) - 126);
    vf m = (vf)((bits & 0x807FFFFFu) | 0x3F000000u);
    vi isSmall = m < C_SQRTH;
    e = F(sel)(isSmall, e - 1.0f, e);
    m = F(sel)(isSmall, m + m - 1.0f, m - 1.0f);
    vf z = m * m;
    vf y = (vf)C_L0;
    y = y * m - C_L1;
    y = y * m + C_L2;
    y = y * m - C_L3;
    y = y * m + C_L4;
    y = y * m - C_L5;
    y = y * m + C_L6;
    y = y * m - C_L7;
    y = y * m + C_L8;
    y = y * m * z;
    y = y + C_LQ1 * e;
    y = y + -0.5f * z;
    return m + y + C_LQ2 * e;
}

static inline vf F(central)(vf q) {
    vf s = C_S0 - q * q;
    vf an = q * (((C_A0 * s + C_A1) * s + C_A2) * s + C_A3);
    vf ad = ((C_B0 * s + C_B1) * s + C_B2) * s + 1.0f;
    return an / ad;
}

static inline vf F(tail)(vf q, vf r) {
    vf l = -F(logf)(r);
    vf t = __builtin_elementwise_sqrt(F(sel)(l < 0.0f, (vf)0.0f, l));
    vf near = t - C_NEAR;
    vf cn = ((C_C0 * near + C_C1) * near + C_C2) * near + C_C3;
    vf cd = (C_D0 * near + C_D1) * near + 1.0f;
    vf far = t - 5.0f;
    vf en = ((C_E0 * far + C_E1) * far + C_E2) * far + C_E3;
    vf ed = (C_F0 * far + C_F1) * far + 1.0f;
    vi isFar = t > 5.0f;
    vf x = F(sel)(isFar, en, cn) / F(sel)(isFar, ed, cd);
    return F(sel)(q < 0.0f, -x, x);
}

/// The parameters of one quantile loop; `truncated` selects the truncated-normal mapping.
typedef struct {
    int truncated;
    float mean, std, lowerMass, upperMass, mass, low, high;
} F(params);

/// q = u − ½ and r = min(u, 1 − u) (normal), or q and r of the truncated probability.
static inline void F(prepare)(vu w, const F(params) *p, vf *q, vf *r) {
    vi ws = (vi)w;
    vu m = w ^ (vu)(ws >> 31);
    if (!p->truncated) {
        *r = (F(cvt)((vi)m) + 0.5f) * 0x1p-32f;
        *q = F(cvt)((vi)(w ^ 0x80000000u)) * 0x1p-32f + 0x1p-33f;
    } else {
        vi isUpper = ws < 0;
        vf small = (F(cvt)((vi)m) + 0.5f) * 0x1p-32f;
        vf large = 1.0f - small;
        vf lower = p->lowerMass + F(sel)(isUpper, large, small) * p->mass;
        vf upper = p->upperMass + F(sel)(isUpper, small, large) * p->mass;
        *q = 0.5f * (lower - upper);
        *r = F(sel)(upper < lower, upper, lower); // Swift min(lower, upper)
    }
}

static inline vf F(finish)(vf z, const F(params) *p) {
    vf x = p->mean + p->std * z;
    if (!p->truncated) return x;
    x = F(sel)((vf)p->low >= x, (vf)p->low, x);
    return F(sel)((vf)p->high < x, (vf)p->high, x);
}

/// One vector, both branches blended (the tail computed only when a lane needs it).
static inline vf F(quantile_vector)(vu w, const F(params) *p) {
    vf q, r;
    F(prepare)(w, p, &q, &r);
    vf z = F(central)(q);
    vi isTail = r < C_T075;
    if (__builtin_reduce_or(isTail) != 0) z = F(sel)(isTail, F(tail)(q, r), z);
    return F(finish)(z, p);
}

static void F(quantile_block)(const uint32_t *words, float *out, size_t n, const F(params) *p) {
    size_t i = 0;
#if W == 16
    // AVX-512: the central formula on every lane, the tail lanes compressed into a list and
    // computed 16 at a time afterwards (15 % of the lanes; blending would cost a log, a square
    // root and a division on every lane), then expanded back into their vectors by each
    // vector's mask (a scatter by index measured a third slower on Zen 4).
    float tq[QBLOCK + W], tr[QBLOCK + W], tz[QBLOCK + W];
    __mmask16 masks[QBLOCK / W];
    size_t tails = 0, vectors = 0;
    for (; i + W <= n; i += W) {
        vf q, r;
        F(prepare)(F(loadu)(words + i), p, &q, &r);
        F(storef)(out + i, F(finish)(F(central)(q), p));
        __mmask16 k = _mm512_cmp_ps_mask((__m512)r, _mm512_set1_ps(C_T075), _CMP_LT_OQ);
        _mm512_storeu_ps(tq + tails, _mm512_maskz_compress_ps(k, (__m512)q));
        _mm512_storeu_ps(tr + tails, _mm512_maskz_compress_ps(k, (__m512)r));
        masks[vectors++] = k;
        tails += (size_t)__builtin_popcount((unsigned)k);
    }
    for (size_t j = tails; j < tails + W; j++) { tq[j] = 0.25f; tr[j] = 0.25f; }
    for (size_t j = 0; j < tails; j += W) {
        vf q, r;
        memcpy(&q, tq + j, sizeof q);
        memcpy(&r, tr + j, sizeof r);
        F(storef)(tz + j, F(finish)(F(tail)(q, r), p));
    }
    size_t next = 0;
    for (size_t v = 0; v < vectors; v++) {
        __mmask16 k = masks[v];
        __m512 merged = _mm512_mask_expand_ps(_mm512_loadu_ps(out + W * v), k, _mm512_loadu_ps(tz + next));
        _mm512_storeu_ps(out + W * v, merged);
        next += (size_t)__builtin_popcount((unsigned)k);
    }
#else
    for (; i + W <= n; i += W) F(storef)(out + i, F(quantile_vector)(F(loadu)(words + i), p));
#endif
    if (i < n) {
        uint32_t w[W] = {0};
        float x[W];
        memcpy(w, words + i, (n - i) * sizeof(uint32_t));
        F(storef)(x, F(quantile_vector)(F(loadu)(w), p));
        memcpy(out + i, x, (n - i) * sizeof(float));
    }
}

static void F(quantiles)(const uint32_t *words, float *out, size_t n, int truncated, float mean, float std,
                         float lowerMass, float upperMass, float mass, float low, float high) {
    F(params) p = {truncated, mean, std, lowerMass, upperMass, mass, low, high};
    while (n > 0) {
        size_t count = n < QBLOCK ? n : QBLOCK;
        F(quantile_block)(words, out, count, &p);
        words += count;
        out += count;
        n -= count;
    }
}

// MARK: bfloat16

/// float32 → bfloat16 bits, round to nearest even; a NaN keeps its top bits, made quiet (the
/// Swift `FloatConversion.bfloat16Bits`).
static inline vu F(bf16_vector)(vu b) {
    vu rounded = (b + (0x7FFFu + ((b >> 16) & 1u))) >> 16;
    vu nan = (vu)((b & 0x7FFFFFFFu) > 0x7F800000u);
    vu quiet = (b >> 16) | 0x40u;
    return (nan & quiet) | (~nan & rounded);
}

static void F(bf16)(const float *in, uint16_t *out, size_t n) {
    typedef uint16_t vh __attribute__((ext_vector_type(W)));
    size_t i = 0;
    for (; i + W <= n; i += W) {
        vu b;
        memcpy(&b, in + i, sizeof b);
        vh h = __builtin_convertvector(F(bf16_vector)(b), vh);
        memcpy(out + i, &h, sizeof h);
    }
    if (i < n) {
        uint32_t w[W] = {0};
        uint16_t h[W];
        memcpy(w, in + i, (n - i) * sizeof(float));
        vh v = __builtin_convertvector(F(bf16_vector)(F(loadu)(w)), vh);
        memcpy(h, &v, sizeof v);
        memcpy(out + i, h, (n - i) * sizeof(uint16_t));
    }
}

#undef vf
#undef vi
#undef vu
#undef vu2
#undef vu64
#undef INTERLEAVE
#undef PHILOX_CHAINS
