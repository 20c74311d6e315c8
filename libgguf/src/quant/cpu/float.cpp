// F32, F16 and BF16 rows: ggml's conversions (numeric.h), element by element.
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "kernels.h"
#include "numeric.h"

namespace gguf::quant {
namespace {

void quantize_f32(const float* src, uint8_t* dst, int64_t n, const float*) { std::memcpy(dst, src, n * sizeof(float)); }
void dequantize_f32(const uint8_t* src, float* dst, int64_t n) { std::memcpy(dst, src, n * sizeof(float)); }

// One implementation for both 16-bit formats: they differ only in the conversion.
template <uint16_t (*ToHalf)(float)>
void quantize_16(const float* src, uint8_t* dst, int64_t n, const float*) {
    for (int64_t i = 0; i < n; ++i) {
        const uint16_t h = ToHalf(src[i]);
        std::memcpy(dst + 2 * i, &h, sizeof h);
    }
}

template <float (*FromHalf)(uint16_t)>
void dequantize_16(const uint8_t* src, float* dst, int64_t n) {
    for (int64_t i = 0; i < n; ++i) {
        uint16_t h;
        std::memcpy(&h, src + 2 * i, sizeof h);
        dst[i] = FromHalf(h);
    }
}

// BF16 four at a time: numeric.h's fp32_to_bf16 (round to nearest even, NaN
// kept quiet) in integer SSE2 lanes, which is exact by construction.
void quantize_bf16(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    int64_t i = 0;
#if defined(__SSE2__)
    const __m128i abs_mask = _mm_set1_epi32(0x7fffffff), inf = _mm_set1_epi32(0x7f800000);
    const __m128i bias = _mm_set1_epi32(0x7fff), one = _mm_set1_epi32(1), quiet = _mm_set1_epi32(64);
    auto convert = [&](__m128i u) {
        const __m128i nan = _mm_cmpgt_epi32(_mm_and_si128(u, abs_mask), inf);  // signed compare: both operands < 2^31
        const __m128i high = _mm_srli_epi32(u, 16);
        const __m128i rounded = _mm_srli_epi32(_mm_add_epi32(u, _mm_add_epi32(bias, _mm_and_si128(high, one))), 16);
        const __m128i r = _mm_or_si128(_mm_and_si128(nan, _mm_or_si128(high, quiet)), _mm_andnot_si128(nan, rounded));
        return _mm_srai_epi32(_mm_slli_epi32(r, 16), 16);  // sign-extended, so the pack below cannot saturate
    };
    for (; i + 8 <= n; i += 8) {
        const __m128i a = convert(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i)));
        const __m128i b = convert(_mm_loadu_si128(reinterpret_cast<const __m128i*>(src + i + 4)));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst + 2 * i), _mm_packs_epi32(a, b));
    }
#endif
    quantize_16<fp32_to_bf16>(src + i, dst + 2 * i, n - i, importance);
}

constexpr Kernels kFloat[] = {
    {TensorType::F32, quantize_f32, dequantize_f32, false},
    {TensorType::F16, quantize_16<fp32_to_fp16>, dequantize_16<fp16_to_fp32>, false},
    {TensorType::BF16, quantize_bf16, dequantize_16<bf16_to_fp32>, false},
};

}  // namespace

std::span<const Kernels> float_kernels() { return kFloat; }

}  // namespace gguf::quant
