// IQ4_NL (blocks of 32, one fp16 scale) and IQ4_XS (super-blocks of 256:
// fp16 scale and a 6-bit scale per 32): 4-bit indices into kIq4Levels.
#include <cmath>
#include <cstring>
#include <utility>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "i_quant_grids.h"
#include "i_quant_rows.h"
#include "numeric.h"

namespace gguf::quant::iq {
namespace {

constexpr int kSub = 32;
constexpr int kSearch = 7;  // scale candidates tried each side of the first guess

// Index of the level nearest to x (ties to the lower level), found by
// bisection exactly like ggml so NaN lands where it does there.
inline int nearest_level(float x) {
    if (x <= kIq4Levels[0]) return 0;
    if (x >= kIq4Levels[15]) return 15;
    int lo = 0, hi = 15;
    while (hi - lo > 1) {
        const int mid = (lo + hi) / 2;
        if (x < kIq4Levels[mid]) hi = mid;
        else lo = mid;
    }
    return x - kIq4Levels[hi - 1] < kIq4Levels[hi] - x ? hi - 1 : hi;
}

// The block's largest magnitude and the signed value that has it (the first
// one, on ties), where both scale searches start.
std::pair<float, float> largest_magnitude(const float* xb) {
    float amax = 0, max = 0;
    for (int j = 0; j < kSub; ++j) {
        const float ax = std::fabs(xb[j]);
        if (ax > amax) {
            amax = ax;
            max = xb[j];
        }
    }
    return {amax, max};
}

// Best scale of one 32-value block (0 for a block of near-zeros).
float block_scale_scalar(const float* xb, const float* weight) {
    const auto [amax, max] = largest_magnitude(xb);
    if (amax < 1e-15f) return 0;
    const float first = static_cast<float>(kIq4Levels[0]);
    float d = -max / first;
    float id = 1 / d;
    float sumqx = 0, sumq2 = 0;
    for (int j = 0; j < kSub; ++j) {
        const float q = kIq4Levels[nearest_level(id * xb[j])];
        const float w = weight[j];
        sumqx += w * q * xb[j];
        sumq2 += w * q * q;
    }
    d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int itry = -kSearch; itry <= kSearch; ++itry) {
        id = static_cast<float>(itry + kIq4Levels[0]) / max;
        sumqx = sumq2 = 0;
        for (int j = 0; j < kSub; ++j) {
            const float q = kIq4Levels[nearest_level(id * xb[j])];
            const float w = weight[j];
            sumqx += w * q * xb[j];
            sumq2 += w * q * q;
        }
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

// Picks the winner from the 1 + 2*kSearch candidates' sums exactly as the
// scalar search does (first guess, then itry = -kSearch..kSearch in order).
inline float pick_scale(const float* sqx, const float* sq2) {
    float sumqx = sqx[0], sumq2 = sq2[0];
    float d = sumq2 > 0 ? sumqx / sumq2 : 0.f;
    float best = d * sumqx;
    for (int c = 1; c <= 2 * kSearch + 1; ++c) {
        sumqx = sqx[c];
        sumq2 = sq2[c];
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            d = sumqx / sumq2;
            best = d * sumqx;
        }
    }
    return d;
}

#if defined(__x86_64__) && defined(__GNUC__)
#define IQ4_AVX2 __attribute__((target("avx2")))

// Level tables for the vector lookup: kLo[i] = level i, kHi[i] = level i+1.
alignas(32) constexpr float kLo[16] = {-127, -104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113};
alignas(32) constexpr float kHi[16] = {-104, -83, -65, -49, -35, -22, -10, 1, 13, 25, 38, 53, 69, 89, 113, 113};

IQ4_AVX2 inline __m256 lookup16(const float* table, __m256i idx) {
    const __m256 a = _mm256_permutevar8x32_ps(_mm256_load_ps(table), idx);
    const __m256 b = _mm256_permutevar8x32_ps(_mm256_load_ps(table + 8), idx);
    return _mm256_blendv_ps(a, b, _mm256_castsi256_ps(_mm256_cmpgt_epi32(idx, _mm256_set1_epi32(7))));
}

// Per lane, the same result as nearest_level (bisection + ggml's tie rule,
// NaN -> 15): ml = number of levels 1..14 that are <= x, then pick ml or
// ml+1 with the scalar comparison x - lo < hi - x.
// Returns the chosen level value; *index receives the index.
IQ4_AVX2 inline __m256 nearest_level_x8(__m256 x, __m256i* index) {
    __m256i ml = _mm256_setzero_si256();
    for (int k = 1; k <= 14; ++k) {
        const __m256 ge = _mm256_cmp_ps(x, _mm256_set1_ps(kLo[k]), _CMP_GE_OQ);
        ml = _mm256_sub_epi32(ml, _mm256_castps_si256(ge));
    }
    const __m256 lo = lookup16(kLo, ml);
    const __m256 hi = lookup16(kHi, ml);
    const __m256 take_lo = _mm256_cmp_ps(_mm256_sub_ps(x, lo), _mm256_sub_ps(hi, x), _CMP_LT_OQ);
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    if (index) {
        __m256i idx = _mm256_add_epi32(ml, _mm256_set1_epi32(1));
        idx = _mm256_add_epi32(idx, _mm256_castps_si256(take_lo));
        idx = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(idx), _mm256_castsi256_ps(_mm256_set1_epi32(15)), nan));
        *index = idx;
    }
    const __m256 q = _mm256_blendv_ps(hi, lo, take_lo);
    return _mm256_blendv_ps(q, _mm256_set1_ps(113.f), nan);
}

// All 16 candidates at once, one per lane: lane c of the two vectors runs
// exactly the scalar loop for candidate c (same operations, same order).
IQ4_AVX2 float block_scale_avx2(const float* xb, const float* weight) {
    const auto [amax, max] = largest_magnitude(xb);
    if (amax < 1e-15f) return 0;
    const float first = static_cast<float>(kIq4Levels[0]);
    alignas(32) float ids[16];
    ids[0] = 1 / (-max / first);
    for (int itry = -kSearch; itry <= kSearch; ++itry) ids[itry + kSearch + 1] = static_cast<float>(itry + kIq4Levels[0]) / max;
    const __m256 id0 = _mm256_load_ps(ids), id1 = _mm256_load_ps(ids + 8);
    __m256 sqx0 = _mm256_setzero_ps(), sq20 = _mm256_setzero_ps();
    __m256 sqx1 = _mm256_setzero_ps(), sq21 = _mm256_setzero_ps();
    for (int j = 0; j < kSub; ++j) {
        const __m256 x = _mm256_set1_ps(xb[j]);
        const __m256 w = _mm256_set1_ps(weight[j]);
        const __m256 q0 = nearest_level_x8(_mm256_mul_ps(id0, x), nullptr);
        const __m256 q1 = nearest_level_x8(_mm256_mul_ps(id1, x), nullptr);
        const __m256 wq0 = _mm256_mul_ps(w, q0), wq1 = _mm256_mul_ps(w, q1);
        sqx0 = _mm256_add_ps(sqx0, _mm256_mul_ps(wq0, x));
        sq20 = _mm256_add_ps(sq20, _mm256_mul_ps(wq0, q0));
        sqx1 = _mm256_add_ps(sqx1, _mm256_mul_ps(wq1, x));
        sq21 = _mm256_add_ps(sq21, _mm256_mul_ps(wq1, q1));
    }
    alignas(32) float sqx[16], sq2[16];
    _mm256_store_ps(sqx, sqx0);
    _mm256_store_ps(sqx + 8, sqx1);
    _mm256_store_ps(sq2, sq20);
    _mm256_store_ps(sq2 + 8, sq21);
    return pick_scale(sqx, sq2);
}

// Level indices of 32 values scaled by id (nearest_level per element).
IQ4_AVX2 void block_levels_avx2(const float* xb, float id, uint8_t* L) {
    const __m256 vid = _mm256_set1_ps(id);
    alignas(32) int32_t idx[kSub];
    for (int j = 0; j < kSub; j += 8) {
        __m256i v;
        nearest_level_x8(_mm256_mul_ps(vid, _mm256_loadu_ps(xb + j)), &v);
        _mm256_store_si256(reinterpret_cast<__m256i*>(idx + j), v);
    }
    for (int j = 0; j < kSub; ++j) L[j] = static_cast<uint8_t>(idx[j]);
}
#endif

float block_scale(const float* xb, const float* weight) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2()) return block_scale_avx2(xb, weight);
#endif
    return block_scale_scalar(xb, weight);
}

void block_levels(const float* xb, float id, uint8_t* L) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2()) return block_levels_avx2(xb, id, L);
#endif
    for (int j = 0; j < kSub; ++j) L[j] = static_cast<uint8_t>(nearest_level(id * xb[j]));
}

void block_weights(const float* xb, const float* qw, float sigma2, float* weight) {
    if (qw) {
        for (int j = 0; j < kSub; ++j) weight[j] = qw[j] * std::sqrt(sigma2 + xb[j] * xb[j]);
    } else {
        for (int j = 0; j < kSub; ++j) weight[j] = xb[j] * xb[j];
    }
}

float importance_sigma2(const float* x, int count) {
    float sigma2 = 0;
    for (int j = 0; j < count; ++j) sigma2 += x[j] * x[j];
    sigma2 *= 2.f / count;
    return sigma2;
}

// Two 16-value halves of each 32 go to the low and high nibbles.
void pack_nibbles(const uint8_t* L, int count, uint8_t* q4) {
    for (int i = 0; i < count / 32; ++i) {
        for (int j = 0; j < 16; ++j) q4[16 * i + j] = static_cast<uint8_t>(L[32 * i + j] | (L[32 * i + 16 + j] << 4));
    }
}

}  // namespace

void quantize_iq4_nl(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    float weight[kSub];
    uint8_t L[kSub];
    for (int64_t ib = 0; ib < n / kSub; ++ib, src += kSub, dst += kIq4NlBytes) {
        const float* qw = importance ? importance + kSub * ib : nullptr;
        block_weights(src, qw, importance_sigma2(src, kSub), weight);
        const float d = block_scale(src, weight);
        store_u16(dst, fp32_to_fp16(d));
        const float id = d ? 1 / d : 0;
        block_levels(src, id, L);
        pack_nibbles(L, kSub, dst + 2);
    }
}

void quantize_iq4_xs(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    constexpr int kBlocks = kSuper / kSub;
    float weight[kSub];
    float scales[kBlocks];
    uint8_t L[kSuper];
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kIq4XsBytes) {
        const float sigma2 = importance_sigma2(src, kSuper);
        float max_scale = 0, amax_scale = 0;
        for (int ib = 0; ib < kBlocks; ++ib) {
            const float* xb = src + kSub * ib;
            block_weights(xb, importance ? importance + kSuper * ibl + kSub * ib : nullptr, sigma2, weight);
            scales[ib] = block_scale(xb, weight);
            const float abs_d = std::fabs(scales[ib]);
            if (abs_d > amax_scale) {
                amax_scale = abs_d;
                max_scale = scales[ib];
            }
        }
        const float d = -max_scale / 32;
        store_u16(dst, fp32_to_fp16(d));
        const float id = d ? 1 / d : 0.f;
        uint16_t scales_h = 0;
        uint8_t* scales_l = dst + 4;
        std::memset(scales_l, 0, kBlocks / 2);
        for (int ib = 0; ib < kBlocks; ++ib) {
            int l = nearest_int(id * scales[ib]);
            l = max_of(-32, min_of(31, l));
            const float dl = d * l;
            const float idl = dl ? 1 / dl : 0.f;
            const float* xb = src + kSub * ib;
            block_levels(xb, idl, L + kSub * ib);
            l += 32;
            scales_l[ib / 2] |= static_cast<uint8_t>((l & 0xf) << (4 * (ib % 2)));
            scales_h |= static_cast<uint16_t>((l >> 4) << (2 * ib));
        }
        store_u16(dst + 2, scales_h);
        pack_nibbles(L, kSuper, dst + 8);
    }
}

void dequantize_iq4_nl(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t ib = 0; ib < n / kSub; ++ib, src += kIq4NlBytes, dst += kSub) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint8_t* qs = src + 2;
        for (int j = 0; j < 16; ++j) {
            dst[j] = d * kIq4Levels[qs[j] & 0xf];
            dst[j + 16] = d * kIq4Levels[qs[j] >> 4];
        }
    }
}

void dequantize_iq4_xs(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq4XsBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint16_t scales_h = load_u16(src + 2);
        const uint8_t* scales_l = src + 4;
        const uint8_t* qs = src + 8;
        for (int ib = 0; ib < kSuper / kSub; ++ib, qs += 16, dst += kSub) {
            const int ls = ((scales_l[ib / 2] >> (4 * (ib % 2))) & 0xf) | (((scales_h >> (2 * ib)) & 3) << 4);
            const float dl = d * (ls - 32);
            for (int j = 0; j < 16; ++j) {
                dst[j] = dl * kIq4Levels[qs[j] & 0xf];
                dst[j + 16] = dl * kIq4Levels[qs[j] >> 4];
            }
        }
    }
}

}  // namespace gguf::quant::iq
