// K-quants: Q2_K, Q3_K, Q4_K, Q5_K, Q6_K (quantize and dequantize) and Q8_K
// (dequantize), in super-blocks of 256 values.
//
// Each quantizer follows ggml's reference operation for operation: without
// importance weights the "_ref" quantizer, with them the weighted one. The
// per-sub-block scale searches live in k_quant_search.cpp, shared by all the
// types; this file computes the weights, the super-block scales, the final
// quants and the packing. See tests/oracle_quant/k_quant_test.cpp.
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "k_quant_blocks.h"
#include "k_quant_search.h"
#include "kernels.h"
#include "numeric.h"

namespace gguf::quant {
namespace {

constexpr float kGroupMaxEps = 1e-15f;

inline int clamp_int(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// ---- packing ----------------------------------------------------------------

// Four 2-bit quants per byte: value 128h + 32s + l in bits 2s of byte 32h + l.
inline void pack_2bit_scalar(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < kSuperBlock; j += 128) {
        for (int l = 0; l < 32; ++l) {
            qs[j / 4 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 2) | (L[j + l + 64] << 4) | (L[j + l + 96] << 6));
        }
    }
}

// Two nibbles per byte: value 64p + l low, 64p + 32 + l high, in byte 32p + l.
inline void pack_4bit_scalar(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < kSuperBlock; j += 64) {
        for (int l = 0; l < 32; ++l) qs[j / 2 + l] = static_cast<uint8_t>(L[j + l] | (L[j + l + 32] << 4));
    }
}

// Q5_K: the fifth bits into qh, the rest as pack_4bit.
inline void pack_5bit_scalar(const uint8_t* L, uint8_t* qh, uint8_t* qs) {
    std::memset(qh, 0, kSuperBlock / 8);
    uint8_t m1 = 1, m2 = 2;
    for (int n = 0; n < kSuperBlock; n += 64) {
        for (int j = 0; j < 32; ++j) {
            int l1 = L[n + j];
            if (l1 > 15) {
                l1 -= 16;
                qh[j] |= m1;
            }
            int l2 = L[n + j + 32];
            if (l2 > 15) {
                l2 -= 16;
                qh[j] |= m2;
            }
            qs[n / 2 + j] = static_cast<uint8_t>(l1 | (l2 << 4));
        }
        m1 = static_cast<uint8_t>(m1 << 2);
        m2 = static_cast<uint8_t>(m2 << 2);
    }
}

// Q3_K: the third bits (quants are 0..7) into hmask, the low two bits as pack_2bit.
inline void pack_3bit_scalar(int8_t* L, uint8_t* hmask, uint8_t* qs) {
    std::memset(hmask, 0, kSuperBlock / 8);
    int m = 0;
    uint8_t hm = 1;
    for (int j = 0; j < kSuperBlock; ++j) {
        if (L[j] > 3) {
            hmask[m] |= hm;
            L[j] = static_cast<int8_t>(L[j] - 4);
        }
        if (++m == kSuperBlock / 8) {
            m = 0;
            hm = static_cast<uint8_t>(hm << 1);
        }
    }
    pack_2bit_scalar(reinterpret_cast<const uint8_t*>(L), qs);
}

// Q6_K: quants 0..63 into low nibbles and high bit pairs.
inline void pack_6bit_scalar(const int8_t* L, uint8_t* ql, uint8_t* qh) {
    for (int j = 0; j < kSuperBlock; j += 128) {
        for (int l = 0; l < 32; ++l) {
            const uint8_t q1 = L[j + l + 0] & 0xF;
            const uint8_t q2 = L[j + l + 32] & 0xF;
            const uint8_t q3 = L[j + l + 64] & 0xF;
            const uint8_t q4 = L[j + l + 96] & 0xF;
            ql[l + 0] = static_cast<uint8_t>(q1 | (q3 << 4));
            ql[l + 32] = static_cast<uint8_t>(q2 | (q4 << 4));
            qh[l] = static_cast<uint8_t>((L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) |
                                         ((L[j + l + 96] >> 4) << 6));
        }
        ql += 64;
        qh += 32;
    }
}

// Q3_K's sixteen 6-bit scales (already biased by 32) into 12 bytes.
inline void pack_scales_q3(const int* ls, uint8_t* scales) {
    std::memset(scales, 0, 12);
    for (int j = 0; j < 16; ++j) {
        int l = ls[j];
        if (j < 8) {
            scales[j] = static_cast<uint8_t>(l & 0xF);
        } else {
            scales[j - 8] |= static_cast<uint8_t>((l & 0xF) << 4);
        }
        l >>= 4;
        scales[j % 4 + 8] |= static_cast<uint8_t>(l << (2 * (j / 4)));
    }
}

inline int8_t scale_q3(const uint8_t* scales, int j) {
    int8_t sc = static_cast<int8_t>(j < 8 ? scales[j] & 0xF : scales[j - 8] >> 4);
    sc = static_cast<int8_t>((sc | (((scales[8 + j % 4] >> (2 * (j / 4))) & 3) << 4)) - 32);
    return sc;
}

// ---- final quants from the stored scales ---------------------------------------

// Affine sub-block of n: l = clamp(round((x + m) / d), 0, top), unless d is 0.
inline void requantize_affine_scalar(const float* x, int n, float d, float m, int top, uint8_t* L) {
    for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(clamp_int(nearest_int((x[i] + m) / d), 0, top));
}

// Symmetric sub-block of n: l = clamp(round(x / d), lo, hi) + bias.
inline void requantize_symmetric_scalar(const float* x, int n, float d, int lo, int hi, int8_t* L) {
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(clamp_int(nearest_int(x[i] / d), lo, hi) - lo);
}

// Sum of x^2 over the super-block, in order.
inline float sum_squares(const float* x, int n) {
    float s = 0;
    for (int i = 0; i < n; ++i) s += x[i] * x[i];
    return s;
}

// The importance-weighted quantizers' weights: qw * sqrt(sigma2 + x^2), and their sum.
inline float sigma_weights_scalar(const float* x, const float* qw, int n, float sigma2, float* w) {
    for (int l = 0; l < n; ++l) w[l] = qw[l] * std::sqrt(sigma2 + x[l] * x[l]);
    float sum = 0;
    for (int l = 0; l < n; ++l) sum += w[l];
    return sum;
}

// ---- AVX2 versions of the element-wise steps (no sums: any order is exact) ----

#if defined(__x86_64__)
#define KQ_AVX2 __attribute__((target("avx2")))

KQ_AVX2 inline __m256i nearest_int8(__m256 v) {
    const __m256 shifted = _mm256_add_ps(v, _mm256_set1_ps(12582912.0f));
    return _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x007fffff)),
                            _mm256_set1_epi32(0x00400000));
}

// Eight int32 in 0..255 to eight bytes.
KQ_AVX2 inline void store_bytes8(__m256i v, uint8_t* dst) {
    const __m128i p16 = _mm_packs_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm_packus_epi16(p16, p16));
}

KQ_AVX2 void requantize_affine_avx2(const float* x, int n, float d, float m, int top, uint8_t* L) {
    const __m256 vd = _mm256_set1_ps(d), vm = _mm256_set1_ps(m);
    const __m256i lo = _mm256_setzero_si256(), hi = _mm256_set1_epi32(top);
    for (int i = 0; i < n; i += 8) {
        const __m256 v = _mm256_div_ps(_mm256_add_ps(_mm256_loadu_ps(x + i), vm), vd);
        store_bytes8(_mm256_min_epi32(hi, _mm256_max_epi32(lo, nearest_int8(v))), L + i);
    }
}

KQ_AVX2 void requantize_symmetric_avx2(const float* x, int n, float d, int lo, int hi, int8_t* L) {
    const __m256 vd = _mm256_set1_ps(d);
    const __m256i vlo = _mm256_set1_epi32(lo), vhi = _mm256_set1_epi32(hi);
    for (int i = 0; i < n; i += 8) {
        const __m256i l = _mm256_min_epi32(vhi, _mm256_max_epi32(vlo, nearest_int8(_mm256_div_ps(_mm256_loadu_ps(x + i), vd))));
        store_bytes8(_mm256_sub_epi32(l, vlo), reinterpret_cast<uint8_t*>(L + i));
    }
}

KQ_AVX2 inline __m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }
KQ_AVX2 inline void store32(void* p, __m256i v) { _mm256_storeu_si256(static_cast<__m256i*>(p), v); }

// Quants 0..3: four per byte (a shift by 2, 4 or 6 never leaves its byte).
KQ_AVX2 void pack_2bit_avx2(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < kSuperBlock; j += 128) {
        const __m256i a = load32(L + j), b = load32(L + j + 32), c = load32(L + j + 64), e = load32(L + j + 96);
        const __m256i r = _mm256_or_si256(_mm256_or_si256(a, _mm256_slli_epi16(b, 2)), _mm256_or_si256(_mm256_slli_epi16(c, 4), _mm256_slli_epi16(e, 6)));
        store32(qs + j / 4, r);
    }
}

KQ_AVX2 void pack_4bit_avx2(const uint8_t* L, uint8_t* qs) {
    for (int j = 0; j < kSuperBlock; j += 64) store32(qs + j / 2, _mm256_or_si256(load32(L + j), _mm256_slli_epi16(load32(L + j + 32), 4)));
}

KQ_AVX2 void pack_5bit_avx2(const uint8_t* L, uint8_t* qh, uint8_t* qs) {
    const __m256i low = _mm256_set1_epi8(0x0F), fifteen = _mm256_set1_epi8(15);
    __m256i h = _mm256_setzero_si256();
    for (int n = 0, p = 0; n < kSuperBlock; n += 64, ++p) {
        const __m256i a = load32(L + n), b = load32(L + n + 32);
        h = _mm256_or_si256(h, _mm256_and_si256(_mm256_cmpgt_epi8(a, fifteen), _mm256_set1_epi8(static_cast<char>(1 << (2 * p)))));
        h = _mm256_or_si256(h, _mm256_and_si256(_mm256_cmpgt_epi8(b, fifteen), _mm256_set1_epi8(static_cast<char>(2 << (2 * p)))));
        store32(qs + n / 2, _mm256_or_si256(_mm256_and_si256(a, low), _mm256_slli_epi16(_mm256_and_si256(b, low), 4)));
    }
    store32(qh, h);
}

KQ_AVX2 void pack_3bit_avx2(int8_t* L, uint8_t* hmask, uint8_t* qs) {
    const __m256i three = _mm256_set1_epi8(3);
    __m256i h = _mm256_setzero_si256();
    for (int s = 0; s < 8; ++s) {
        const __m256i v = load32(L + 32 * s);
        h = _mm256_or_si256(h, _mm256_and_si256(_mm256_cmpgt_epi8(v, three), _mm256_set1_epi8(static_cast<char>(1 << s))));
        store32(L + 32 * s, _mm256_and_si256(v, three));
    }
    store32(hmask, h);
    pack_2bit_avx2(reinterpret_cast<const uint8_t*>(L), qs);
}

// Bits 4..5 of each byte (quants 0..63), in bits 0..1.
KQ_AVX2 inline __m256i top2(__m256i v) { return _mm256_and_si256(_mm256_srli_epi16(v, 4), _mm256_set1_epi8(0x03)); }

KQ_AVX2 void pack_6bit_avx2(const int8_t* L, uint8_t* ql, uint8_t* qh) {
    const __m256i low = _mm256_set1_epi8(0x0F);
    for (int j = 0; j < kSuperBlock; j += 128) {
        const __m256i a = load32(L + j), b = load32(L + j + 32), c = load32(L + j + 64), e = load32(L + j + 96);
        store32(ql, _mm256_or_si256(_mm256_and_si256(a, low), _mm256_slli_epi16(_mm256_and_si256(c, low), 4)));
        store32(ql + 32, _mm256_or_si256(_mm256_and_si256(b, low), _mm256_slli_epi16(_mm256_and_si256(e, low), 4)));
        store32(qh, _mm256_or_si256(_mm256_or_si256(top2(a), _mm256_slli_epi16(top2(b), 2)),
                                    _mm256_or_si256(_mm256_slli_epi16(top2(c), 4), _mm256_slli_epi16(top2(e), 6))));
        ql += 64;
        qh += 32;
    }
}

KQ_AVX2 void sigma_products_avx2(const float* x, const float* qw, int n, float sigma2, float* w) {
    const __m256 s2 = _mm256_set1_ps(sigma2);
    for (int l = 0; l < n; l += 8) {
        const __m256 xv = _mm256_loadu_ps(x + l);
        _mm256_storeu_ps(w + l, _mm256_mul_ps(_mm256_loadu_ps(qw + l), _mm256_sqrt_ps(_mm256_add_ps(s2, _mm256_mul_ps(xv, xv)))));
    }
}
#endif

inline bool simd() { return kq::simd_enabled(); }

#if defined(__x86_64__)
#define KQ_DISPATCH(call_avx2, call_scalar) \
    do {                                    \
        if (simd()) {                       \
            call_avx2;                      \
        } else {                            \
            call_scalar;                    \
        }                                   \
    } while (0)
#else
#define KQ_DISPATCH(call_avx2, call_scalar) call_scalar
#endif

inline void pack_2bit(const uint8_t* L, uint8_t* qs) { KQ_DISPATCH(pack_2bit_avx2(L, qs), pack_2bit_scalar(L, qs)); }
inline void pack_4bit(const uint8_t* L, uint8_t* qs) { KQ_DISPATCH(pack_4bit_avx2(L, qs), pack_4bit_scalar(L, qs)); }
inline void pack_5bit(const uint8_t* L, uint8_t* qh, uint8_t* qs) { KQ_DISPATCH(pack_5bit_avx2(L, qh, qs), pack_5bit_scalar(L, qh, qs)); }
inline void pack_3bit(int8_t* L, uint8_t* hm, uint8_t* qs) { KQ_DISPATCH(pack_3bit_avx2(L, hm, qs), pack_3bit_scalar(L, hm, qs)); }
inline void pack_6bit(const int8_t* L, uint8_t* ql, uint8_t* qh) { KQ_DISPATCH(pack_6bit_avx2(L, ql, qh), pack_6bit_scalar(L, ql, qh)); }
inline void requantize_affine(const float* x, int n, float d, float m, int top, uint8_t* L) {
    KQ_DISPATCH(requantize_affine_avx2(x, n, d, m, top, L), requantize_affine_scalar(x, n, d, m, top, L));
}
inline void requantize_symmetric(const float* x, int n, float d, int lo, int hi, int8_t* L) {
    KQ_DISPATCH(requantize_symmetric_avx2(x, n, d, lo, hi, L), requantize_symmetric_scalar(x, n, d, lo, hi, L));
}
// The weights qw * sqrt(sigma2 + x^2), and their sum in order.
inline float sigma_weights(const float* x, const float* qw, int n, float sigma2, float* w) {
#if defined(__x86_64__)
    if (simd()) {
        sigma_products_avx2(x, qw, n, sigma2, w);
        float sum = 0;
        for (int l = 0; l < n; ++l) sum += w[l];
        return sum;
    }
#endif
    return sigma_weights_scalar(x, qw, n, sigma2, w);
}

// ---- Q2_K --------------------------------------------------------------------

void quantize_block_q2_k(const float* x, uint8_t* y, const float* qw) {
    using B = Q2KLayout;
    uint8_t L[kSuperBlock];
    float mins[16], scales[16], weights[kSuperBlock];
    uint8_t* sc = y + B::kScales;
    float dm, mm;
    const kq::AffineSteps steps = qw ? kq::AffineSteps{-0.9f, 0.05f, 36, false} : kq::AffineSteps{-0.5f, 0.1f, 15, true};
    if (!qw) {
        float max_scale = 0, max_min = 0;
        for (int l = 0; l < kSuperBlock; ++l) weights[l] = std::fabs(x[l]);
        kq::affine_scales(16, 16, 3, x, weights, nullptr, scales, mins, steps);
        for (int j = 0; j < 16; ++j) {
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        if (max_scale > 0) {
            const float iscale = 15.f / max_scale;
            for (int j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(nearest_int(iscale * scales[j]));
            store_half(y + B::kD, fp32_to_fp16(max_scale / 15.f));
        } else {
            std::memset(sc, 0, 16);
            store_half(y + B::kD, fp32_to_fp16(0.f));
        }
        if (max_min > 0) {
            const float iscale = 15.f / max_min;
            for (int j = 0; j < 16; ++j) sc[j] |= static_cast<uint8_t>(nearest_int(iscale * mins[j]) << 4);
            store_half(y + B::kDmin, fp32_to_fp16(max_min / 15.f));
        } else {
            store_half(y + B::kDmin, fp32_to_fp16(0.f));
        }
        dm = fp16_to_fp32(load_half(y + B::kD));
        mm = fp16_to_fp32(load_half(y + B::kDmin));
    } else {
        float sw[16];
        uint8_t Ls[16], Lm[16];
        const float sigma2 = sum_squares(x, kSuperBlock) / kSuperBlock;
        for (int j = 0; j < 16; ++j) sw[j] = sigma_weights(x + 16 * j, qw + 16 * j, 16, sigma2, weights + 16 * j);
        kq::affine_scales(16, 16, 3, x, weights, nullptr, scales, mins, steps);
        dm = kq::positive_scale(16, 15, scales, Ls, sw);
        mm = kq::positive_scale(16, 15, mins, Lm, sw);
        store_half(y + B::kD, fp32_to_fp16(dm));
        store_half(y + B::kDmin, fp32_to_fp16(mm));
        dm = fp16_to_fp32(load_half(y + B::kD));
        mm = fp16_to_fp32(load_half(y + B::kDmin));
        for (int j = 0; j < 16; ++j) sc[j] = static_cast<uint8_t>(Ls[j] | (Lm[j] << 4));
    }
    for (int j = 0; j < 16; ++j) {
        const float d = dm * static_cast<float>(sc[j] & 0xF);
        if (!d) {  // the search's own quants stay
            float unused;
            kq::affine_scale(16, 3, x + 16 * j, weights + 16 * j, L + 16 * j, &unused, steps);
            continue;
        }
        const float m = mm * static_cast<float>(sc[j] >> 4);
        requantize_affine(x + 16 * j, 16, d, m, 3, L + 16 * j);
    }
    pack_2bit(L, y + B::kQs);
}

void dequantize_block_q2_k(const uint8_t* b, float* y) {
    using B = Q2KLayout;
    const float d = fp16_to_fp32(load_half(b + B::kD));
    const float min = fp16_to_fp32(load_half(b + B::kDmin));
    const uint8_t* q = b + B::kQs;
    const uint8_t* scales = b + B::kScales;
    int is = 0;
    for (int n = 0; n < kSuperBlock; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const uint8_t sc = scales[is++];
                const float dl = d * static_cast<float>(sc & 0xF), ml = min * static_cast<float>(sc >> 4);
                for (int l = 0; l < 16; ++l) *y++ = dl * static_cast<float>((q[l + 16 * half] >> shift) & 3) - ml;
            }
        }
        q += 32;
    }
}

// ---- Q3_K --------------------------------------------------------------------

// Stores the super-block scale and the final quants of a Q3_K block whose
// packed 6-bit scales are in place. Sub-blocks whose scale is zero keep the
// quants of their search (refined without weights, else weighted).
void finish_block_q3_k(const float* x, uint8_t* y, float d_block, const float* weights) {
    using B = Q3KLayout;
    int8_t L[kSuperBlock];
    const uint8_t* sc = y + B::kScales;
    store_half(y + B::kD, fp32_to_fp16(d_block));
    const float dd = fp16_to_fp32(load_half(y + B::kD));
    for (int j = 0; j < 16; ++j) {
        const float d = dd * static_cast<float>(scale_q3(sc, j));
        if (!d) {
            if (weights) {
                kq::symmetric_scale(16, 4, x + 16 * j, weights + 16 * j, L + 16 * j);
            } else {
                kq::symmetric_scale_refined(16, 4, x + 16 * j, L + 16 * j);
            }
            continue;
        }
        requantize_symmetric(x + 16 * j, 16, d, -4, 3, L + 16 * j);
    }
    pack_3bit(L, y + B::kHmask, y + B::kQs);
}

// Without importance: the scales of the refined search, quantized with 6
// bits against the largest in magnitude.
void finish_block_q3_k_plain(const float* x, uint8_t* y, const float* scales) {
    uint8_t* sc = y + Q3KLayout::kScales;
    float max_scale = 0, amax = 0;
    for (int j = 0; j < 16; ++j) {
        const float a = std::fabs(scales[j]);
        if (a > amax) {
            amax = a;
            max_scale = scales[j];
        }
    }
    float d_block;
    if (max_scale) {
        const float iscale = -32.f / max_scale;
        int ls[16];
        for (int j = 0; j < 16; ++j) {
            const int8_t l = static_cast<int8_t>(nearest_int(iscale * scales[j]));
            ls[j] = clamp_int(l, -32, 31) + 32;
        }
        pack_scales_q3(ls, sc);
        d_block = 1 / iscale;
    } else {
        std::memset(sc, 0, 12);
        d_block = 0.f;
    }
    finish_block_q3_k(x, y, d_block, nullptr);
}

void quantize_block_q3_k(const float* x, uint8_t* y, const float* qw) {
    float scales[16];
    if (!qw) {
        kq::symmetric_scales_refined(16, 16, 4, x, nullptr, scales);
        finish_block_q3_k_plain(x, y, scales);
        return;
    }
    float weights[kSuperBlock], sw[16];
    int8_t Ls[16];
    const float sigma2 = 2 * sum_squares(x, kSuperBlock) / kSuperBlock;
    for (int j = 0; j < 16; ++j) sw[j] = sigma_weights(x + 16 * j, qw + 16 * j, 16, sigma2, weights + 16 * j);
    kq::symmetric_scales(16, 16, 4, x, weights, nullptr, scales);
    const float d_block = kq::symmetric_scale(16, 32, scales, sw, Ls);
    int ls[16];
    for (int j = 0; j < 16; ++j) ls[j] = Ls[j];
    pack_scales_q3(ls, y + Q3KLayout::kScales);
    finish_block_q3_k(x, y, d_block, weights);
}

// Without importance the refined search is a chain of dependent steps per
// sub-block: two blocks' 32 sub-blocks searched together keep more of them
// in flight.
void quantize_row_q3_k(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    constexpr int B = Q3KLayout::kBytes;
    const int64_t nb = n / kSuperBlock;
    int64_t i = 0;
    if (!importance) {
        for (; i + 2 <= nb; i += 2) {
            float scales[32];
            kq::symmetric_scales_refined(32, 16, 4, src + kSuperBlock * i, nullptr, scales);
            finish_block_q3_k_plain(src + kSuperBlock * i, dst + B * i, scales);
            finish_block_q3_k_plain(src + kSuperBlock * (i + 1), dst + B * (i + 1), scales + 16);
        }
    }
    for (; i < nb; ++i) quantize_block_q3_k(src + kSuperBlock * i, dst + B * i, importance ? importance + kSuperBlock * i : nullptr);
}

void dequantize_block_q3_k(const uint8_t* b, float* y) {
    using B = Q3KLayout;
    const float d_all = fp16_to_fp32(load_half(b + B::kD));
    const uint8_t* q = b + B::kQs;
    const uint8_t* hm = b + B::kHmask;
    int8_t scales[16];
    for (int j = 0; j < 16; ++j) scales[j] = static_cast<int8_t>(scale_q3(b + B::kScales, j) + 32);
    uint8_t m = 1;
    int is = 0;
    for (int n = 0; n < kSuperBlock; n += 128) {
        for (int shift = 0; shift < 8; shift += 2) {
            for (int half = 0; half < 2; ++half) {
                const float dl = d_all * static_cast<float>(scales[is++] - 32);
                for (int l = 0; l < 16; ++l) {
                    const int v = ((q[l + 16 * half] >> shift) & 3) - ((hm[l + 16 * half] & m) ? 0 : 4);
                    *y++ = dl * static_cast<float>(v);
                }
            }
            m = static_cast<uint8_t>(m << 1);
        }
        q += 32;
    }
}

// ---- Q4_K and Q5_K -------------------------------------------------------------

// The shared part of Q4_K and Q5_K: eight sub-blocks of 32, 6-bit scales and
// minimums; quants 0..top into L. Bits 4 or 5.
template <int Bits>
void quantize_scales_q45(const float* x, uint8_t* head, const float* qw, uint8_t* L) {
    constexpr int top = (1 << Bits) - 1;
    float mins[8], scales[8], weights[kSuperBlock];
    uint8_t ls[8], lm[8];
    uint8_t* sc = head + Q4KLayout::kScales;
    const kq::AffineSteps steps = qw ? kq::AffineSteps{-0.9f, 0.05f, 36, false}
                                     : (Bits == 4 ? kq::AffineSteps{-1.f, 0.1f, 20, false} : kq::AffineSteps{-0.5f, 0.1f, 15, false});
    if (!qw) {
        float max_scale = 0, max_min = 0;
        for (int j = 0; j < 8; ++j) {
            const float* xb = x + 32 * j;
            const float av_x = std::sqrt(sum_squares(xb, 32) / 32);
            for (int l = 0; l < 32; ++l) weights[32 * j + l] = av_x + std::fabs(xb[l]);
        }
        kq::affine_scales(8, 32, top, x, weights, nullptr, scales, mins, steps);
        for (int j = 0; j < 8; ++j) {
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
        const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
        for (int j = 0; j < 8; ++j) {
            const uint8_t s = static_cast<uint8_t>(nearest_int(inv_scale * scales[j]));
            const uint8_t m = static_cast<uint8_t>(nearest_int(inv_min * mins[j]));
            ls[j] = s < 63 ? s : 63;
            lm[j] = m < 63 ? m : 63;
        }
        pack_scales_mins_k4(ls, lm, sc);
        store_half(head + Q4KLayout::kD, fp32_to_fp16(max_scale / 63.f));
        store_half(head + Q4KLayout::kDmin, fp32_to_fp16(max_min / 63.f));
    } else {
        float sw[8];
        const float sigma2 = 2 * sum_squares(x, kSuperBlock) / kSuperBlock;
        for (int j = 0; j < 8; ++j) sw[j] = sigma_weights(x + 32 * j, qw + 32 * j, 32, sigma2, weights + 32 * j);
        kq::affine_scales(8, 32, top, x, weights, nullptr, scales, mins, steps);
        const float d_block = kq::positive_scale(8, 63, scales, ls, sw);
        const float m_block = kq::positive_scale(8, 63, mins, lm, sw);
        if constexpr (Bits == 5) {
            for (int j = 0; j < 8; ++j) {
                ls[j] = ls[j] < 63 ? ls[j] : 63;
                lm[j] = lm[j] < 63 ? lm[j] : 63;
            }
        }
        pack_scales_mins_k4(ls, lm, sc);
        store_half(head + Q4KLayout::kD, fp32_to_fp16(d_block));
        store_half(head + Q4KLayout::kDmin, fp32_to_fp16(m_block));
    }
    const float dd = fp16_to_fp32(load_half(head + Q4KLayout::kD));
    const float dmin = fp16_to_fp32(load_half(head + Q4KLayout::kDmin));
    for (int j = 0; j < 8; ++j) {
        uint8_t s, m;
        unpack_scale_min_k4(j, sc, &s, &m);
        const float d = dd * static_cast<float>(s);
        if (!d) {  // the search's own quants stay
            float unused;
            kq::affine_scale(32, top, x + 32 * j, weights + 32 * j, L + 32 * j, &unused, steps);
            continue;
        }
        const float dm = dmin * static_cast<float>(m);
        requantize_affine(x + 32 * j, 32, d, dm, top, L + 32 * j);
    }
}

void quantize_block_q4_k(const float* x, uint8_t* y, const float* qw) {
    uint8_t L[kSuperBlock];
    quantize_scales_q45<4>(x, y, qw, L);
    pack_4bit(L, y + Q4KLayout::kQs);
}

void quantize_block_q5_k(const float* x, uint8_t* y, const float* qw) {
    uint8_t L[kSuperBlock];
    quantize_scales_q45<5>(x, y, qw, L);
    pack_5bit(L, y + Q5KLayout::kQh, y + Q5KLayout::kQs);
}

template <int Bits>
void dequantize_block_q45(const uint8_t* b, float* y) {
    using B = std::conditional_t<Bits == 4, Q4KLayout, Q5KLayout>;
    const float d = fp16_to_fp32(load_half(b + B::kD));
    const float min = fp16_to_fp32(load_half(b + B::kDmin));
    const uint8_t* q = b + B::kQs;
    const uint8_t* qh = nullptr;
    if constexpr (Bits == 5) qh = b + Q5KLayout::kQh;
    uint8_t u1 = 1, u2 = 2;
    for (int j = 0, is = 0; j < kSuperBlock; j += 64, is += 2) {
        uint8_t sc, m;
        unpack_scale_min_k4(is + 0, b + B::kScales, &sc, &m);
        const float d1 = d * static_cast<float>(sc), m1 = min * static_cast<float>(m);
        unpack_scale_min_k4(is + 1, b + B::kScales, &sc, &m);
        const float d2 = d * static_cast<float>(sc), m2 = min * static_cast<float>(m);
        for (int l = 0; l < 32; ++l) {
            int v = q[l] & 0xF;
            if constexpr (Bits == 5) v += (qh[l] & u1) ? 16 : 0;
            *y++ = d1 * static_cast<float>(v) - m1;
        }
        for (int l = 0; l < 32; ++l) {
            int v = q[l] >> 4;
            if constexpr (Bits == 5) v += (qh[l] & u2) ? 16 : 0;
            *y++ = d2 * static_cast<float>(v) - m2;
        }
        q += 32;
        u1 = static_cast<uint8_t>(u1 << 2);
        u2 = static_cast<uint8_t>(u2 << 2);
    }
}

// ---- Q6_K --------------------------------------------------------------------

void quantize_block_q6_k(const float* x, uint8_t* y, const float* qw) {
    using B = Q6KLayout;
    int8_t L[kSuperBlock];
    float scales[16];
    float max_scale = 0, max_abs_scale = 0;
    kq::symmetric_scales(16, 16, 32, x, qw, nullptr, scales);
    for (int ib = 0; ib < 16; ++ib) {
        const float scale = scales[ib];
        const float a = std::fabs(scale);
        if (a > max_abs_scale) {
            max_abs_scale = a;
            max_scale = scale;
        }
    }
    if (max_abs_scale < kGroupMaxEps) {
        std::memset(y, 0, B::kBytes);
        store_half(y + B::kD, fp32_to_fp16(0.f));
        return;
    }
    const float iscale = -128.f / max_scale;
    store_half(y + B::kD, fp32_to_fp16(1 / iscale));
    int8_t* sc = reinterpret_cast<int8_t*>(y + B::kScales);
    for (int ib = 0; ib < 16; ++ib) {
        const int l = nearest_int(iscale * scales[ib]);
        sc[ib] = static_cast<int8_t>(l < 127 ? l : 127);
    }
    const float dd = fp16_to_fp32(load_half(y + B::kD));
    for (int j = 0; j < 16; ++j) {
        const float d = dd * static_cast<float>(sc[j]);
        if (!d) {  // the search's own quants stay
            kq::symmetric_scale(16, 32, x + 16 * j, qw ? qw + 16 * j : nullptr, L + 16 * j);
            continue;
        }
        requantize_symmetric(x + 16 * j, 16, d, -32, 31, L + 16 * j);
    }
    pack_6bit(L, y + B::kQl, y + B::kQh);
}

void dequantize_block_q6_k(const uint8_t* b, float* y) {
    using B = Q6KLayout;
    const float d = fp16_to_fp32(load_half(b + B::kD));
    const uint8_t* ql = b + B::kQl;
    const uint8_t* qh = b + B::kQh;
    const int8_t* sc = reinterpret_cast<const int8_t*>(b + B::kScales);
    for (int n = 0; n < kSuperBlock; n += 128) {
        for (int l = 0; l < 32; ++l) {
            const int is = l / 16;
            const int q1 = static_cast<int8_t>((ql[l + 0] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            const int q2 = static_cast<int8_t>((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            const int q3 = static_cast<int8_t>((ql[l + 0] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            const int q4 = static_cast<int8_t>((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l + 0] = d * static_cast<float>(sc[is + 0]) * static_cast<float>(q1);
            y[l + 32] = d * static_cast<float>(sc[is + 2]) * static_cast<float>(q2);
            y[l + 64] = d * static_cast<float>(sc[is + 4]) * static_cast<float>(q3);
            y[l + 96] = d * static_cast<float>(sc[is + 6]) * static_cast<float>(q4);
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

// ---- Q8_K (read only) ------------------------------------------------------------

void dequantize_block_q8_k(const uint8_t* b, float* y) {
    float d;
    std::memcpy(&d, b + Q8KLayout::kD, sizeof d);
    const int8_t* qs = reinterpret_cast<const int8_t*>(b + Q8KLayout::kQs);
    for (int j = 0; j < kSuperBlock; ++j) y[j] = d * static_cast<float>(qs[j]);
}

// ---- rows ----------------------------------------------------------------------

using QuantizeBlock = void (*)(const float*, uint8_t*, const float*);
using DequantizeBlock = void (*)(const uint8_t*, float*);

template <QuantizeBlock Q, int Bytes>
void quantize_row(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    for (int64_t i = 0; i < n / kSuperBlock; ++i) Q(src + kSuperBlock * i, dst + Bytes * i, importance ? importance + kSuperBlock * i : nullptr);
}

template <DequantizeBlock D, int Bytes>
void dequantize_row(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n / kSuperBlock; ++i) D(src + Bytes * i, dst + kSuperBlock * i);
}

constexpr Kernels kKQuants[] = {
    {TensorType::Q2_K, quantize_row<quantize_block_q2_k, Q2KLayout::kBytes>, dequantize_row<dequantize_block_q2_k, Q2KLayout::kBytes>, false},
    {TensorType::Q3_K, quantize_row_q3_k, dequantize_row<dequantize_block_q3_k, Q3KLayout::kBytes>, false},
    {TensorType::Q4_K, quantize_row<quantize_block_q4_k, Q4KLayout::kBytes>, dequantize_row<dequantize_block_q45<4>, Q4KLayout::kBytes>, false},
    {TensorType::Q5_K, quantize_row<quantize_block_q5_k, Q5KLayout::kBytes>, dequantize_row<dequantize_block_q45<5>, Q5KLayout::kBytes>, false},
    {TensorType::Q6_K, quantize_row<quantize_block_q6_k, Q6KLayout::kBytes>, dequantize_row<dequantize_block_q6_k, Q6KLayout::kBytes>, false},
    {TensorType::Q8_K, nullptr, dequantize_row<dequantize_block_q8_k, Q8KLayout::kBytes>, false},
};

}  // namespace

std::span<const Kernels> k_quant_kernels() { return kKQuants; }

}  // namespace gguf::quant
