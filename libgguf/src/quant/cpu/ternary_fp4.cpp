// Ternary (TQ1_0, TQ2_0), FP4 (MXFP4, NVFP4) and 1-/2-bit (Q1_0, Q2_0) rows.
//
// Arithmetic follows ggml's reference quantizers operation for operation, so
// bytes and floats are identical (tests/oracle_quant/ternary_fp4_test.cpp).
// ggml ignores importance weights for all of these types.
#include <array>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "float_int.h"
#include "kernels.h"
#include "numeric.h"
#include "ternary_fp4_blocks.h"

namespace gguf::quant {
namespace {

// ---- ternary ----------------------------------------------------------------

// ggml's MAX(amax, |x|) chain over a block.
inline float chained_absmax(const float* x, int n) {
    float amax = 0.0f;
    for (int j = 0; j < n; ++j) {
        const float a = std::fabs(x[j]);
        amax = amax > a ? amax : a;
    }
    return amax;
}

// A trit: lroundf(x * id) + 1, which is 0, 1 or 2 for finite rows.
inline int trit(float x, float id) { return lround_to_int(x * id) + 1; }

// `bytes` bytes of `per_byte` trits; trit n of byte m is x[m + n * bytes].
// `pad` extra trit places shift the first trit to the top of five.
inline void pack_trit_group(const float* x, float id, uint8_t* out, int bytes, int per_byte) {
    for (int m = 0; m < bytes; ++m) {
        uint8_t q = 0;
        for (int n = 0; n < per_byte; ++n) q = static_cast<uint8_t>(q * 3 + trit(x[m + n * bytes], id));
        for (int n = per_byte; n < 5; ++n) q = static_cast<uint8_t>(q * 3);
        out[m] = static_cast<uint8_t>((static_cast<uint16_t>(q) * 256 + (243 - 1)) / 243);
    }
}

void quantize_block_tq1_0(const float* x, BlockTQ1_0* y) {
    const float d = chained_absmax(x, kSuperBlock);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(y->d, fp32_to_fp16(d));
    pack_trit_group(x, id, y->qs, 32, 5);
    pack_trit_group(x + 160, id, y->qs + 32, 16, 5);
    pack_trit_group(x + 240, id, y->qh, 4, 4);
}

// Trit n (0 = most significant) of a byte written by pack_trit_group, as x / d.
inline void unpack_trit_group(const uint8_t* in, int bytes, int per_byte, float d, float* y) {
    static constexpr uint8_t pow3[5] = {1, 3, 9, 27, 81};
    for (int n = 0; n < per_byte; ++n) {
        for (int m = 0; m < bytes; ++m) {
            const uint8_t q = static_cast<uint8_t>(in[m] * pow3[n]);
            const int16_t xi = static_cast<int16_t>((static_cast<uint16_t>(q) * 3) >> 8);
            *y++ = static_cast<float>(xi - 1) * d;
        }
    }
}

void dequantize_row_tq1_0(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t b = 0; b < n / kSuperBlock; ++b) {
        const auto* y = reinterpret_cast<const BlockTQ1_0*>(src + b * sizeof(BlockTQ1_0));
        float* out = dst + b * kSuperBlock;
        const float d = fp16_to_fp32(load_half(y->d));
        unpack_trit_group(y->qs, 32, 5, d, out);
        unpack_trit_group(y->qs + 32, 16, 5, d, out + 160);
        unpack_trit_group(y->qh, 4, 4, d, out + 240);
    }
}

void quantize_block_tq2_0(const float* x, BlockTQ2_0* y) {
    const float d = chained_absmax(x, kSuperBlock);
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    store_half(y->d, fp32_to_fp16(d));
    for (int g = 0; g < 2; ++g) {
        const float* xg = x + g * 128;
        for (int m = 0; m < 32; ++m) {
            uint8_t q = 0;
            for (int k = 0; k < 4; ++k) q = static_cast<uint8_t>(q + ((trit(xg[m + 32 * k], id) & 3) << (2 * k)));
            y->qs[g * 32 + m] = q;
        }
    }
}

void dequantize_row_tq2_0(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t b = 0; b < n / kSuperBlock; ++b) {
        const auto* y = reinterpret_cast<const BlockTQ2_0*>(src + b * sizeof(BlockTQ2_0));
        float* out = dst + b * kSuperBlock;
        const float d = fp16_to_fp32(load_half(y->d));
        for (int g = 0; g < 2; ++g) {
            for (int k = 0; k < 4; ++k) {
                for (int m = 0; m < 32; ++m) *out++ = static_cast<float>(((y->qs[g * 32 + m] >> (2 * k)) & 3) - 1) * d;
            }
        }
    }
}

// ---- FP4 (E2M1 values, doubled) -----------------------------------------------

constexpr int8_t kE2M1[16] = {0, 1, 2, 3, 4, 6, 8, 12, 0, -1, -2, -3, -4, -6, -8, -12};

// The first code whose value times e is nearest x.
inline uint8_t nearest_e2m1(float x, float e) {
    int best = 0;
    float best_err = std::fabs(static_cast<float>(kE2M1[0]) * e - x);
    for (int i = 1; i < 16; ++i) {
        const float err = std::fabs(static_cast<float>(kE2M1[i]) * e - x);
        if (err < best_err) {
            best = i;
            best_err = err;
        }
    }
    return static_cast<uint8_t>(best);
}

// |x| maximum with NaNs passed over (ggml's `if (amax < |x|)` scan).
inline float absmax(const float* x, int n) {
    float amax = 0.0f;
    for (int j = 0; j < n; ++j) {
        if (amax < std::fabs(x[j])) amax = std::fabs(x[j]);
    }
    return amax;
}

// MXFP4's E8M0 exponent: 2^(e - 127) is the block's power of two over 4; the
// value used is half of it (the codes are doubled).
struct E8M0Scale {
    static uint8_t encode(float amax) {
        if (!(amax > 0.0f)) return 0;
        const float e = std::floor(std::log2(amax)) - 2.0f + 127.0f;
        return static_cast<uint8_t>(truncate_to_int(e));
    }
    static float decode(uint8_t e) {
        const uint32_t bits = e < 2 ? 0x00200000u << e : static_cast<uint32_t>(e - 1) << 23;
        return std::bit_cast<float>(bits);
    }
};

// NVFP4's UE4M3 scale of amax / 6 (the largest E2M1 value), halved as above.
struct UE4M3Scale {
    static uint8_t encode(float amax) {
        float x = amax / 6.0f;
        if (!(x > 0.0f)) return 0;
        if (x > 448.0f) x = 448.0f;
        const uint32_t bits = std::bit_cast<uint32_t>(x);
        const int exponent = static_cast<int>((bits >> 23) & 0xff) - 127 + 7;
        if (exponent <= 0) {
            int man = truncate_to_int(x * 512.0f + 0.5f);
            if (man > 7) man = 7;
            return man < 1 ? 0 : static_cast<uint8_t>(man);
        }
        if (exponent >= 15) return 0x7e;
        int e = exponent;
        int man = static_cast<int>((bits >> 20) & 7) + static_cast<int>((bits >> 19) & 1);
        if (man > 7) {
            man = 0;
            if (++e >= 15) return 0x7e;
        }
        return static_cast<uint8_t>((e << 3) | man);
    }
    static float decode(uint8_t u) { return table()[u]; }
    static const std::array<float, 256>& table() {
        static const std::array<float, 256> t = [] {
            std::array<float, 256> v{};
            for (int u = 0; u < 256; ++u) {
                if (u == 0 || u == 0x7f) continue;
                const int exponent = (u >> 3) & 0xf, man = u & 7;
                const float raw = exponent == 0 ? std::ldexp(static_cast<float>(man), -9)
                                                : std::ldexp(1.0f + static_cast<float>(man) / 8.0f, exponent - 7);
                v[u] = raw * 0.5f;
            }
            return v;
        }();
        return t;
    }
};

#if defined(__x86_64__)
// nearest_e2m1 for 8 values at once, over half the codes. The negative
// codes 8..15 are the positive ones negated (exactly, in float), so for x >= 0
// none of them errs strictly less than its positive twin, which comes first;
// for x < 0 no positive code but 0 errs less than |x|, and code 8 + j errs
// exactly as code j does for |x|. Hence: the first of codes 0..7 nearest |x|
// (strictly smaller error wins; NaN errors never win), plus 8 when x < 0 and
// the code is not 0. Codes land in `out`.
__attribute__((target("avx2"))) inline void nearest_e2m1_x8(const __m256* scaled_codes, const float* x, uint8_t* out) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 v = _mm256_loadu_ps(x);
    const __m256 magnitude = _mm256_andnot_ps(sign, v);
    __m256 best = _mm256_andnot_ps(sign, _mm256_sub_ps(scaled_codes[0], magnitude));
    __m256 index = _mm256_setzero_ps();
    for (int i = 1; i < 8; ++i) {
        const __m256 err = _mm256_andnot_ps(sign, _mm256_sub_ps(scaled_codes[i], magnitude));
        const __m256 better = _mm256_cmp_ps(err, best, _CMP_LT_OQ);
        best = _mm256_blendv_ps(best, err, better);
        index = _mm256_blendv_ps(index, _mm256_set1_ps(static_cast<float>(i)), better);
    }
    const __m256 negative = _mm256_and_ps(_mm256_cmp_ps(v, _mm256_setzero_ps(), _CMP_LT_OQ),
                                          _mm256_cmp_ps(index, _mm256_setzero_ps(), _CMP_NEQ_OQ));
    index = _mm256_add_ps(index, _mm256_and_ps(negative, _mm256_set1_ps(8.0f)));
    const __m256i codes = _mm256_cvttps_epi32(index);
    const __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(codes), _mm256_extracti128_si256(codes, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(out), _mm_packus_epi16(words, words));
}

// absmax over a multiple of 8 values: max(|x|, acc) keeps acc when |x| is NaN,
// and the maximum of non-negative non-NaN floats does not depend on order.
__attribute__((target("avx2"))) inline float absmax_x8(const float* x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 acc = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8) acc = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), acc);
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}
#endif

// One implementation for both FP4 types: `Subs` groups of `Sub` values per
// block, each with its own scale byte (stored first), nibbles after.
template <int Sub, int Subs, typename Scale>
struct Fp4 {
    static constexpr int kBlock = Sub * Subs;
    static constexpr int kBytes = Subs + kBlock / 2;

    static void quantize(const float* src, uint8_t* dst, int64_t n, const float*) {
        for (int64_t b = 0; b < n / kBlock; ++b) {
            uint8_t* y = dst + b * kBytes;
            for (int s = 0; s < Subs; ++s) {
                const float* x = src + b * kBlock + s * Sub;
                const uint8_t code = Scale::encode(absmax(x, Sub));
                const float e = Scale::decode(code);
                y[s] = code;
                uint8_t* qs = y + Subs + s * (Sub / 2);
                for (int j = 0; j < Sub / 2; ++j) {
                    qs[j] = static_cast<uint8_t>(nearest_e2m1(x[j], e) | (nearest_e2m1(x[j + Sub / 2], e) << 4));
                }
            }
        }
    }

#if defined(__x86_64__)
    __attribute__((target("avx2"))) static void quantize_avx2(const float* src, uint8_t* dst, int64_t n) {
        static_assert(Sub % 16 == 0);
        for (int64_t b = 0; b < n / kBlock; ++b) {
            uint8_t* y = dst + b * kBytes;
            for (int s = 0; s < Subs; ++s) {
                const float* x = src + b * kBlock + s * Sub;
                const uint8_t code = Scale::encode(absmax_x8(x, Sub));
                const float e = Scale::decode(code);
                y[s] = code;
                __m256 scaled[8];
                for (int i = 0; i < 8; ++i) scaled[i] = _mm256_set1_ps(static_cast<float>(kE2M1[i]) * e);
                uint8_t codes[Sub];
                for (int j = 0; j < Sub; j += 8) nearest_e2m1_x8(scaled, x + j, codes + j);
                uint8_t* qs = y + Subs + s * (Sub / 2);
                for (int j = 0; j < Sub / 2; ++j) qs[j] = static_cast<uint8_t>(codes[j] | (codes[j + Sub / 2] << 4));
            }
        }
    }
#endif

    static void quantize_row(const float* src, uint8_t* dst, int64_t n, const float* importance) {
#if defined(__x86_64__)
        if (cpu_has_avx2()) return quantize_avx2(src, dst, n);
#endif
        quantize(src, dst, n, importance);
    }

    static void dequantize(const uint8_t* src, float* dst, int64_t n) {
        for (int64_t b = 0; b < n / kBlock; ++b) {
            const uint8_t* y = src + b * kBytes;
            for (int s = 0; s < Subs; ++s) {
                const float e = Scale::decode(y[s]);
                const uint8_t* qs = y + Subs + s * (Sub / 2);
                float* out = dst + b * kBlock + s * Sub;
                for (int j = 0; j < Sub / 2; ++j) {
                    out[j] = static_cast<float>(kE2M1[qs[j] & 0x0f]) * e;
                    out[j + Sub / 2] = static_cast<float>(kE2M1[qs[j] >> 4]) * e;
                }
            }
        }
    }
};

using MXFP4 = Fp4<32, 1, E8M0Scale>;
using NVFP4 = Fp4<16, 4, UE4M3Scale>;
static_assert(MXFP4::kBytes == sizeof(BlockMXFP4) && NVFP4::kBytes == sizeof(BlockNVFP4));

// ---- Q1_0, Q2_0 ---------------------------------------------------------------

constexpr int kQ2Block = 64;

void quantize_row_q1_0(const float* src, uint8_t* dst, int64_t n, const float*) {
    constexpr int qk = 128;
    for (int64_t b = 0; b < n / qk; ++b) {
        const float* x = src + b * qk;
        auto* y = reinterpret_cast<BlockQ1_0*>(dst + b * sizeof(BlockQ1_0));
        float sum_abs = 0.0f;
        for (int j = 0; j < qk; ++j) sum_abs += std::fabs(x[j]);
        store_half(y->d, fp32_to_fp16(sum_abs / static_cast<float>(qk)));
        for (int k = 0; k < qk / 8; ++k) {
            uint8_t bits = 0;
            for (int j = 0; j < 8; ++j) bits = static_cast<uint8_t>(bits | ((x[8 * k + j] >= 0.0f) << j));
            y->qs[k] = bits;
        }
    }
}

void dequantize_row_q1_0(const uint8_t* src, float* dst, int64_t n) {
    constexpr int qk = 128;
    for (int64_t b = 0; b < n / qk; ++b) {
        const auto* y = reinterpret_cast<const BlockQ1_0*>(src + b * sizeof(BlockQ1_0));
        const float d = fp16_to_fp32(load_half(y->d));
        for (int j = 0; j < qk; ++j) dst[b * qk + j] = (y->qs[j / 8] >> (j % 8)) & 1 ? d : -d;
    }
}

void quantize_block_q2_0(const float* x, BlockQ2_0* y) {
    float amax = 0.0f;
    for (int j = 0; j < kQ2Block; ++j) {
        const float a = std::fabs(x[j]);
        if (a > amax) amax = a;
    }
    const float d = amax;
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    store_half(y->d, fp32_to_fp16(d));
    for (int k = 0; k < kQ2Block / 4; ++k) {
        uint8_t bits = 0;
        for (int j = 0; j < 4; ++j) {
            int q = round_half_away(x[4 * k + j] * id) + 1;
            q = q < 0 ? 0 : (q > 3 ? 3 : q);
            bits = static_cast<uint8_t>(bits | (q << (2 * j)));
        }
        y->qs[k] = bits;
    }
}

void dequantize_row_q2_0(const uint8_t* src, float* dst, int64_t n) {
    constexpr int qk = kQ2Block;
    for (int64_t b = 0; b < n / qk; ++b) {
        const auto* y = reinterpret_cast<const BlockQ2_0*>(src + b * sizeof(BlockQ2_0));
        const float d = fp16_to_fp32(load_half(y->d));
        for (int j = 0; j < qk; ++j) dst[b * qk + j] = static_cast<float>(((y->qs[j / 4] >> (2 * (j % 4))) & 3) - 1) * d;
    }
}

// ---- ternary and Q2_0 blocks in vectors ------------------------------------
// For blocks whose scale and its inverse are finite (so every x * id lies
// within [-1, 1] up to rounding); other blocks return false and go the
// scalar way, which keeps ggml's results for NaN and infinity too.

#if defined(__x86_64__)
#define TERNARY_AVX2 GGUF_MTP_TARGET_AVX2

// ggml's chained MAX of |x|: order does not matter without NaN, so a NaN
// (which the chain treats by position) reports -1, for the scalar way.
TERNARY_AVX2 inline float chained_absmax_avx2(const float* x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 acc = _mm256_setzero_ps(), nan = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8) {
        const __m256 a = _mm256_andnot_ps(sign, _mm256_loadu_ps(x + j));
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(a, a, _CMP_UNORD_Q));
        acc = _mm256_max_ps(acc, a);
    }
    if (_mm256_movemask_ps(nan)) return -1.0f;
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(acc), _mm256_extractf128_ps(acc, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    return _mm_cvtss_f32(_mm_max_ss(m, _mm_shuffle_ps(m, m, 1)));
}

// round_half_away (float_int.h) for |v| < 2^23: truncate, then step away from
// zero when the exact remainder reaches one half (compare masks are -1).
TERNARY_AVX2 inline __m256i round_half_away_x8(__m256 v) {
    const __m256i t = _mm256_cvttps_epi32(v);
    const __m256 frac = _mm256_sub_ps(v, _mm256_cvtepi32_ps(t));
    const __m256i up = _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ));
    const __m256i down = _mm256_castps_si256(_mm256_cmp_ps(frac, _mm256_set1_ps(-0.5f), _CMP_LE_OQ));
    return _mm256_add_epi32(_mm256_sub_epi32(t, up), down);
}

// The low bytes of 8 lanes (each 0..255) to out[0..count).
TERNARY_AVX2 inline void store_low_bytes(__m256i v, uint8_t* out, int count) {
    const __m128i words = _mm_packus_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    const uint64_t bytes = static_cast<uint64_t>(_mm_cvtsi128_si64(_mm_packus_epi16(words, words)));
    std::memcpy(out, &bytes, count);
}

// pack_trit_group, 8 bytes at a time (fewer lanes loaded for a 4-byte group).
// q * 256 + 242 is at most 62194, where (v * 8631) >> 21 is exactly v / 243.
TERNARY_AVX2 inline void pack_trit_group_avx2(const float* x, __m256 id, uint8_t* out, int bytes, int per_byte) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int m = 0; m < bytes; m += 8) {
        const int count = bytes - m < 8 ? bytes - m : 8;
        const __m256i load = _mm256_cmpgt_epi32(_mm256_set1_epi32(count), lanes);
        __m256i q = _mm256_setzero_si256();
        for (int n = 0; n < 5; ++n) {
            q = _mm256_add_epi32(q, _mm256_add_epi32(q, q));
            if (n >= per_byte) continue;
            const __m256 v = _mm256_mul_ps(_mm256_maskload_ps(x + m + n * bytes, load), id);
            q = _mm256_add_epi32(q, _mm256_add_epi32(round_half_away_x8(v), _mm256_set1_epi32(1)));
        }
        const __m256i scaled = _mm256_add_epi32(_mm256_slli_epi32(q, 8), _mm256_set1_epi32(243 - 1));
        store_low_bytes(_mm256_srli_epi32(_mm256_mullo_epi32(scaled, _mm256_set1_epi32(8631)), 21), out + m, count);
    }
}

// The scale of a ternary block, or false where the vector way does not apply.
inline bool ternary_scale(float d, float* id) {
    if (!(d >= 0.0f) || !std::isfinite(d)) return false;
    *id = d != 0.0f ? 1.0f / d : 0.0f;
    return std::isfinite(*id);
}

TERNARY_AVX2 bool quantize_block_tq1_0_avx2(const float* x, BlockTQ1_0* y) {
    const float d = chained_absmax_avx2(x, kSuperBlock);
    float id;
    if (!ternary_scale(d, &id)) return false;
    store_half(y->d, fp32_to_fp16(d));
    const __m256 vid = _mm256_set1_ps(id);
    pack_trit_group_avx2(x, vid, y->qs, 32, 5);
    pack_trit_group_avx2(x + 160, vid, y->qs + 32, 16, 5);
    pack_trit_group_avx2(x + 240, vid, y->qh, 4, 4);
    return true;
}

TERNARY_AVX2 bool quantize_block_tq2_0_avx2(const float* x, BlockTQ2_0* y) {
    const float d = chained_absmax_avx2(x, kSuperBlock);
    float id;
    if (!ternary_scale(d, &id)) return false;
    store_half(y->d, fp32_to_fp16(d));
    const __m256 vid = _mm256_set1_ps(id);
    for (int g = 0; g < 2; ++g) {
        for (int m = 0; m < 32; m += 8) {
            __m256i q = _mm256_setzero_si256();
            for (int k = 0; k < 4; ++k) {
                const __m256i t = round_half_away_x8(_mm256_mul_ps(_mm256_loadu_ps(x + g * 128 + m + 32 * k), vid));
                q = _mm256_add_epi32(q, _mm256_slli_epi32(_mm256_add_epi32(t, _mm256_set1_epi32(1)), 2 * k));
            }
            store_low_bytes(q, y->qs + g * 32 + m, 8);
        }
    }
    return true;
}

// Q2_0's maximum skips NaN (`if (a > amax)`), as max_ps(|x|, acc) does; codes
// are clamped, so only a non-finite inverse scale needs the scalar way.
TERNARY_AVX2 bool quantize_block_q2_0_avx2(const float* x, BlockQ2_0* y) {
    const float d = absmax_x8(x, kQ2Block);
    const float id = d > 0.0f ? 1.0f / d : 0.0f;
    if (!std::isfinite(id)) return false;
    store_half(y->d, fp32_to_fp16(d));
    const __m256 vid = _mm256_set1_ps(id);
    // Lane j of a group of 8 holds element j; its code goes to bits 2 (j % 4).
    const __m256i shift = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    for (int k = 0; k < kQ2Block; k += 8) {
        __m256i q = _mm256_add_epi32(round_half_away_x8(_mm256_mul_ps(_mm256_loadu_ps(x + k), vid)), _mm256_set1_epi32(1));
        q = _mm256_min_epi32(_mm256_max_epi32(q, _mm256_setzero_si256()), _mm256_set1_epi32(3));
        q = _mm256_sllv_epi32(q, shift);
        // The four codes of a byte hold disjoint bits: adding them is or-ing them.
        q = _mm256_hadd_epi32(q, q);
        q = _mm256_hadd_epi32(q, q);
        y->qs[k / 4] = static_cast<uint8_t>(_mm256_cvtsi256_si32(q));
        y->qs[k / 4 + 1] = static_cast<uint8_t>(_mm256_extract_epi32(q, 4));
    }
    return true;
}
#else
// Without x86 vectors every block goes the scalar way.
inline bool quantize_block_tq1_0_avx2(const float*, BlockTQ1_0*) { return false; }
inline bool quantize_block_tq2_0_avx2(const float*, BlockTQ2_0*) { return false; }
inline bool quantize_block_q2_0_avx2(const float*, BlockQ2_0*) { return false; }
#endif

// A row block by block: the vector block where the CPU has AVX2 and it
// applies, the scalar one otherwise.
template <class Block, int QK, void (*Scalar)(const float*, Block*), bool (*Vector)(const float*, Block*)>
void quantize_blocks(const float* src, uint8_t* dst, int64_t n, const float*) {
    const bool vector = cpu_has_avx2();
    for (int64_t b = 0; b < n / QK; ++b) {
        const float* x = src + b * QK;
        auto* y = reinterpret_cast<Block*>(dst + b * sizeof(Block));
        if (!vector || !Vector(x, y)) Scalar(x, y);
    }
}

constexpr Kernels kTernaryFp4[] = {
    {TensorType::TQ1_0, quantize_blocks<BlockTQ1_0, kSuperBlock, quantize_block_tq1_0, quantize_block_tq1_0_avx2>, dequantize_row_tq1_0, false},
    {TensorType::TQ2_0, quantize_blocks<BlockTQ2_0, kSuperBlock, quantize_block_tq2_0, quantize_block_tq2_0_avx2>, dequantize_row_tq2_0, false},
    {TensorType::MXFP4, MXFP4::quantize_row, MXFP4::dequantize, false},
    {TensorType::NVFP4, NVFP4::quantize_row, NVFP4::dequantize, false},
    {TensorType::Q1_0, quantize_row_q1_0, dequantize_row_q1_0, false},
    {TensorType::Q2_0, quantize_blocks<BlockQ2_0, kQ2Block, quantize_block_q2_0, quantize_block_q2_0_avx2>, dequantize_row_q2_0, false},
};

}  // namespace

std::span<const Kernels> ternary_fp4_kernels() { return kTernaryFp4; }

}  // namespace gguf::quant
