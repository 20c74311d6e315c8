// Legacy 32-value blocks: Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 (and Q8_1's layout).
//
// The arithmetic follows ggml's reference quantizers operation for operation
// (same float expressions in the same order), so the bytes are identical; see
// tests/oracle_quant/legacy_test.cpp. One implementation per scheme, driven
// by the bit width and whether the block carries a minimum.
#include <cfloat>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "float_int.h"
#include "kernels.h"
#include "legacy_blocks.h"
#include "legacy_search.h"
#include "numeric.h"

namespace gguf::quant {
namespace {

// ---- packing --------------------------------------------------------------

// Packs 32 quants (each the low byte of what the reference computed) into
// nibbles and, for 5-bit types, the fifth-bit word. 4-bit types OR whole
// bytes as the reference does; 5-bit types mask each nibble.
template <int Bits>
inline void pack_quants(const uint8_t* q, uint8_t* qs, uint8_t* qh) {
    if constexpr (Bits == 4) {
        for (int j = 0; j < kLegacyBlock / 2; ++j) qs[j] = static_cast<uint8_t>(q[j] | (q[j + kLegacyBlock / 2] << 4));
    } else {
        uint32_t high = 0;
        for (int j = 0; j < kLegacyBlock / 2; ++j) {
            qs[j] = static_cast<uint8_t>((q[j] & 0x0f) | ((q[j + kLegacyBlock / 2] & 0x0f) << 4));
            high |= static_cast<uint32_t>((q[j] & 0x10u) >> 4) << j;
            high |= static_cast<uint32_t>((q[j + kLegacyBlock / 2] & 0x10u) >> 4) << (j + kLegacyBlock / 2);
        }
        std::memcpy(qh, &high, sizeof high);
    }
}

template <int Bits>
inline void unpack_quants(const uint8_t* qs, const uint8_t* qh, int* q) {
    uint32_t high = 0;
    if constexpr (Bits == 5) std::memcpy(&high, qh, sizeof high);
    for (int j = 0; j < kLegacyBlock / 2; ++j) {
        int lo = qs[j] & 0x0f, hi = qs[j] >> 4;
        if constexpr (Bits == 5) {
            lo |= static_cast<int>(((high >> j) << 4) & 0x10);
            hi |= static_cast<int>((high >> (j + 12)) & 0x10);
        }
        q[j] = lo;
        q[j + kLegacyBlock / 2] = hi;
    }
}

// ---- without importance: the reference's direct formulas ----------------

// The value of largest magnitude, the first one when several tie; NaNs are
// passed over and an all-zero block gives +0.
inline float signed_absmax(const float* x, int n) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < n; ++j) {
        if (amax < std::fabs(x[j])) {
            amax = std::fabs(x[j]);
            max = x[j];
        }
    }
    return max;
}

// Q4_0 / Q5_0: d = max / -2^(Bits-1); q = min(2^Bits - 1, int8(x / d + 2^(Bits-1) + 0.5)).
template <int Bits>
void quantize_block_symmetric(const float* x, uint8_t* y) {
    using L = LegacyLayout<Bits, false>;
    constexpr int half = 1 << (Bits - 1);
    constexpr int top = (1 << Bits) - 1;
    const float max = signed_absmax(x, kLegacyBlock);
    const float d = max / static_cast<float>(-half);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(y + L::kD, fp32_to_fp16(d));
    uint8_t q[kLegacyBlock];
    for (int j = 0; j < kLegacyBlock; ++j) {
        const int8_t v = static_cast<int8_t>(truncate_to_int(x[j] * id + (static_cast<float>(half) + 0.5f)));
        q[j] = static_cast<uint8_t>(v < top ? v : top);
    }
    pack_quants<Bits>(q, y + L::kQs, y + L::kQh);
}

// Q4_1 / Q5_1: d = (max - min) / (2^Bits - 1), m = min, q = trunc((x - min) / d + 0.5);
// the reference clamps the 4-bit quant (as int8) to 15 and leaves the 5-bit one unclamped.
template <int Bits>
void quantize_block_affine(const float* x, uint8_t* y) {
    using L = LegacyLayout<Bits, true>;
    constexpr int top = (1 << Bits) - 1;
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kLegacyBlock; ++j) {
        if (x[j] < min) min = x[j];
        if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / static_cast<float>(top);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(y + L::kD, fp32_to_fp16(d));
    store_half(y + L::kM, fp32_to_fp16(min));
    uint8_t q[kLegacyBlock];
    for (int j = 0; j < kLegacyBlock; ++j) {
        const int32_t v = truncate_to_int((x[j] - min) * id + 0.5f);
        if constexpr (Bits == 4) {
            const int8_t s = static_cast<int8_t>(v);
            q[j] = static_cast<uint8_t>(s < top ? s : top);
        } else {
            q[j] = static_cast<uint8_t>(v);
        }
    }
    pack_quants<Bits>(q, y + L::kQs, y + L::kQh);
}

#if defined(__x86_64__)
// The same two schemes, 8 lanes at a time. Min, max and |max| searches are
// order-independent except for which zero or which tied value they return,
// and those cases take the scalar scan; the per-value formulas are the scalar
// ones lane by lane (cvttps2dq truncates like cvttss2si, INT_MIN included).

// Quants from lane-wise int32 results: the low byte, or (Clamp) the low byte
// as int8 clamped above to `top`, as the reference's casts do.
template <bool Clamp>
__attribute__((target("avx2"))) inline void store_quants_x8(__m256i t, int top, uint8_t* q) {
    if constexpr (Clamp) t = _mm256_min_epi32(_mm256_srai_epi32(_mm256_slli_epi32(t, 24), 24), _mm256_set1_epi32(top));
    t = _mm256_and_si256(t, _mm256_set1_epi32(0xff));
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(t), _mm256_extracti128_si256(t, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(q), _mm_packus_epi16(words, words));
}

__attribute__((target("avx2"))) inline float hmax8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

__attribute__((target("avx2"))) inline float hmin8(__m256 v) {
    __m128 m = _mm_min_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_min_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_min_ss(m, _mm_shuffle_ps(m, m, 1)));
}

template <int Bits>
__attribute__((target("avx2"))) void quantize_block_symmetric_avx2(const float* x, uint8_t* y) {
    using L = LegacyLayout<Bits, false>;
    constexpr int half = 1 << (Bits - 1);
    constexpr int top = (1 << Bits) - 1;
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 v[4], acc = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        acc = _mm256_max_ps(_mm256_andnot_ps(sign, v[k]), acc);  // NaN |x| keeps acc, as `amax < |x|` does
    }
    const float amax = hmax8(acc);
    float max = 0.0f;
    if (amax > 0.0f) {  // the first value reaching amax, as the scalar scan finds it
        const __m256 target = _mm256_set1_ps(amax);
        for (int k = 0; k < 4; ++k) {
            const int hits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign, v[k]), target, _CMP_EQ_OQ));
            if (hits) {
                max = x[8 * k + __builtin_ctz(hits)];
                break;
            }
        }
    }
    const float d = max / static_cast<float>(-half);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(y + L::kD, fp32_to_fp16(d));
    const __m256 vid = _mm256_set1_ps(id), offset = _mm256_set1_ps(static_cast<float>(half) + 0.5f);
    uint8_t q[kLegacyBlock];
    for (int k = 0; k < 4; ++k) {
        store_quants_x8<true>(_mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(v[k], vid), offset)), top, q + 8 * k);
    }
    pack_quants<Bits>(q, y + L::kQs, y + L::kQh);
}

template <int Bits>
__attribute__((target("avx2"))) void quantize_block_affine_avx2(const float* x, uint8_t* y) {
    using L = LegacyLayout<Bits, true>;
    constexpr int top = (1 << Bits) - 1;
    __m256 v[4], lo = _mm256_set1_ps(FLT_MAX), hi = _mm256_set1_ps(-FLT_MAX);
    for (int k = 0; k < 4; ++k) {
        v[k] = _mm256_loadu_ps(x + 8 * k);
        lo = _mm256_min_ps(v[k], lo);  // NaN keeps the running value, as the scalar compares do
        hi = _mm256_max_ps(v[k], hi);
    }
    float min = hmin8(lo), max = hmax8(hi);
    if (min == 0.0f || max == 0.0f) {  // which zero the scan keeps depends on order: scan
        min = FLT_MAX, max = -FLT_MAX;
        for (int j = 0; j < kLegacyBlock; ++j) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
    }
    const float d = (max - min) / static_cast<float>(top);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(y + L::kD, fp32_to_fp16(d));
    store_half(y + L::kM, fp32_to_fp16(min));
    const __m256 vid = _mm256_set1_ps(id), vmin = _mm256_set1_ps(min), half = _mm256_set1_ps(0.5f);
    uint8_t q[kLegacyBlock];
    for (int k = 0; k < 4; ++k) {
        const __m256i t = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(_mm256_sub_ps(v[k], vmin), vid), half));
        store_quants_x8<Bits == 4>(t, top, q + 8 * k);
    }
    pack_quants<Bits>(q, y + L::kQs, y + L::kQh);
}
#endif

// ---- with importance: weighted scale searches ----------------------------

// The reference's per-row weights: importance * sqrt(mean(x^2) + x^2).
inline float row_sigma2(const float* x, int64_t n) {
    float sum_x2 = 0.0f;
    for (int64_t j = 0; j < n; ++j) sum_x2 += x[j] * x[j];
    return sum_x2 / static_cast<float>(n);
}

inline void block_weights(const float* x, const float* importance, float sigma2, float* w) {
    for (int j = 0; j < kLegacyBlock; ++j) w[j] = importance[j] * std::sqrt(sigma2 + x[j] * x[j]);
}

template <int Bits, bool HasMin>
void quantize_row_legacy(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    using L = LegacyLayout<Bits, HasMin>;
    const int64_t blocks = n / kLegacyBlock;
    if (!importance) {
#if defined(__x86_64__)
        if (cpu_has_avx2()) {
            for (int64_t b = 0; b < blocks; ++b) {
                if constexpr (HasMin) quantize_block_affine_avx2<Bits>(src + b * kLegacyBlock, dst + b * L::kBytes);
                else quantize_block_symmetric_avx2<Bits>(src + b * kLegacyBlock, dst + b * L::kBytes);
            }
            return;
        }
#endif
        for (int64_t b = 0; b < blocks; ++b) {
            if constexpr (HasMin) quantize_block_affine<Bits>(src + b * kLegacyBlock, dst + b * L::kBytes);
            else quantize_block_symmetric<Bits>(src + b * kLegacyBlock, dst + b * L::kBytes);
        }
        return;
    }
    const float sigma2 = row_sigma2(src, n);
    float w[kLegacyBlock];
    uint8_t q[kLegacyBlock];
    for (int64_t b = 0; b < blocks; ++b) {
        const float* x = src + b * kLegacyBlock;
        uint8_t* y = dst + b * L::kBytes;
        block_weights(x, importance + b * kLegacyBlock, sigma2, w);
        if constexpr (HasMin) {
            float neg_min = 0.0f;
            const float d = search::weighted_affine_scale(x, w, (1 << Bits) - 1, q, &neg_min);
            store_half(y + L::kD, fp32_to_fp16(d));
            store_half(y + L::kM, fp32_to_fp16(-neg_min));
        } else {
            const float d = search::weighted_symmetric_scale(x, w, 1 << (Bits - 1), q);
            store_half(y + L::kD, fp32_to_fp16(d));
        }
        pack_quants<Bits>(q, y + L::kQs, y + L::kQh);
    }
}

template <int Bits, bool HasMin>
void dequantize_row_legacy(const uint8_t* src, float* dst, int64_t n) {
    using L = LegacyLayout<Bits, HasMin>;
    constexpr int offset = HasMin ? 0 : 1 << (Bits - 1);
    for (int64_t b = 0; b < n / kLegacyBlock; ++b) {
        const uint8_t* y = src + b * L::kBytes;
        float* out = dst + b * kLegacyBlock;
        const float d = fp16_to_fp32(load_half(y + L::kD));
        int q[kLegacyBlock];
        unpack_quants<Bits>(y + L::kQs, y + L::kQh, q);
        if constexpr (HasMin) {
            const float m = fp16_to_fp32(load_half(y + L::kM));
            for (int j = 0; j < kLegacyBlock; ++j) out[j] = static_cast<float>(q[j]) * d + m;
        } else {
            for (int j = 0; j < kLegacyBlock; ++j) out[j] = static_cast<float>(q[j] - offset) * d;
        }
    }
}

// ---- Q8_0 -----------------------------------------------------------------

void quantize_row_q8_0(const float* src, uint8_t* dst, int64_t n, const float* /*importance: unused by ggml*/) {
    for (int64_t b = 0; b < n / kLegacyBlock; ++b) {
        const float* x = src + b * kLegacyBlock;
        auto* y = reinterpret_cast<BlockQ8_0*>(dst + b * sizeof(BlockQ8_0));
        float amax = 0.0f;
        for (int j = 0; j < kLegacyBlock; ++j) {
            const float a = std::fabs(x[j]);
            amax = amax > a ? amax : a;
        }
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        store_half(y->d, fp32_to_fp16(d));
        for (int j = 0; j < kLegacyBlock; ++j) y->qs[j] = static_cast<int8_t>(round_half_away(x[j] * id));
    }
}

void dequantize_row_q8_0(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t b = 0; b < n / kLegacyBlock; ++b) {
        const auto* y = reinterpret_cast<const BlockQ8_0*>(src + b * sizeof(BlockQ8_0));
        const float d = fp16_to_fp32(load_half(y->d));
        for (int j = 0; j < kLegacyBlock; ++j) dst[b * kLegacyBlock + j] = static_cast<float>(y->qs[j]) * d;
    }
}

constexpr Kernels kLegacy[] = {
    {TensorType::Q4_0, quantize_row_legacy<4, false>, dequantize_row_legacy<4, false>, false},
    {TensorType::Q4_1, quantize_row_legacy<4, true>, dequantize_row_legacy<4, true>, false},
    {TensorType::Q5_0, quantize_row_legacy<5, false>, dequantize_row_legacy<5, false>, false},
    {TensorType::Q5_1, quantize_row_legacy<5, true>, dequantize_row_legacy<5, true>, false},
    {TensorType::Q8_0, quantize_row_q8_0, dequantize_row_q8_0, false},
};

}  // namespace

std::span<const Kernels> legacy_kernels() { return kLegacy; }

}  // namespace gguf::quant
