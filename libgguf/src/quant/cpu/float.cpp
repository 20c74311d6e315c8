// F32, F16 and BF16 rows: ggml's conversions (numeric.h), element by element,
// or many elements at a time where vector instructions round identically.
#include <algorithm>
#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "kernels.h"
#include "numeric.h"

namespace gguf::quant {
namespace {

void quantize_f32(const float* src, uint8_t* dst, int64_t n, const float*) { std::memcpy(dst, src, n * sizeof(float)); }
void dequantize_f32(const uint8_t* src, float* dst, int64_t n) { std::memcpy(dst, src, n * sizeof(float)); }

// One implementation for both 16-bit formats: they differ only in the conversion.
template <uint16_t (*ToHalf)(float)>
void quantize_16(const float* src, uint8_t* dst, int64_t n, const float* = nullptr) {
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

#if defined(__x86_64__) && defined(__GNUC__)
GGUF_MTP_AVX512_HEADERS_BEGIN
#define FLOAT_AVX2 GGUF_MTP_TARGET_AVX2
#define FLOAT_AVX512 GGUF_MTP_TARGET_AVX512

// A row through `Lanes` (Lanes::width floats a time, Lanes::convert storing
// their halves, or declining a step it cannot round as ggml does, which then
// goes element by element). The stores are streaming stores: a tensor's
// conversion writes far more than the caches hold, and normal stores would
// first read every destination line they overwrite. They need the
// destination aligned to the vector, so the first few elements go one by one.
template <class Lanes, uint16_t (*ToHalf)(float)>
inline void convert_row(const float* src, uint8_t* dst, int64_t n) {
    constexpr int64_t bytes = 2 * Lanes::width;
    const uintptr_t offset = reinterpret_cast<uintptr_t>(dst) % bytes;
    if (offset % 2 != 0) return quantize_16<ToHalf>(src, dst, n);
    int64_t i = std::min<int64_t>(n, offset ? (bytes - static_cast<int64_t>(offset)) / 2 : 0);
    quantize_16<ToHalf>(src, dst, i);
    for (; i + Lanes::width <= n; i += Lanes::width) {
        if (!Lanes::convert(src + i, dst + 2 * i)) quantize_16<ToHalf>(src + i, dst + 2 * i, Lanes::width);
    }
    _mm_sfence();
    quantize_16<ToHalf>(src + i, dst + 2 * i, n - i);
}

// Halves by F16C: round to nearest even, overflow to infinity and subnormal
// halves exactly as numeric.h's fp32_to_fp16, but a NaN keeps its payload
// where ggml writes 0x7e00, so steps holding a NaN are declined.
struct HalfAvx2 {
    static constexpr int width = 16;
    FLOAT_AVX2 static bool convert(const float* src, uint8_t* dst) {
        const __m256 a = _mm256_loadu_ps(src), b = _mm256_loadu_ps(src + 8);
        if (_mm256_movemask_ps(_mm256_cmp_ps(a, b, _CMP_UNORD_Q))) return false;
        const __m128i ha = _mm256_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT), hb = _mm256_cvtps_ph(b, _MM_FROUND_TO_NEAREST_INT);
        _mm256_stream_si256(reinterpret_cast<__m256i*>(dst), _mm256_set_m128i(hb, ha));
        return true;
    }
};

struct HalfAvx512 {
    static constexpr int width = 32;
    FLOAT_AVX512 static bool convert(const float* src, uint8_t* dst) {
        const __m512 a = _mm512_loadu_ps(src), b = _mm512_loadu_ps(src + 16);
        if (_mm512_cmp_ps_mask(a, b, _CMP_UNORD_Q)) return false;
        const __m256i ha = _mm512_cvtps_ph(a, _MM_FROUND_TO_NEAREST_INT), hb = _mm512_cvtps_ph(b, _MM_FROUND_TO_NEAREST_INT);
        _mm512_stream_si512(reinterpret_cast<__m512i*>(dst), _mm512_inserti64x4(_mm512_castsi256_si512(ha), hb, 1));
        return true;
    }
};

// bfloat16 is numeric.h's fp32_to_bf16 in integer lanes, exact by
// construction: (u + 0x7fff + bit 16 of u) >> 16, or for a NaN its top half
// with the quiet bit. It runs at memory speed with 256-bit vectors, so the
// AVX-512 instance uses the same lanes (measured: wider ones gain nothing).
struct Bfloat {
    static constexpr int width = 16;
    FLOAT_AVX2 static __m256i convert8(__m256i u) {
        const __m256i high = _mm256_srli_epi32(u, 16);
        // Signed compare: both sides are below 2^31.
        const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(u, _mm256_set1_epi32(0x7fffffff)), _mm256_set1_epi32(0x7f800000));
        const __m256i bias = _mm256_add_epi32(_mm256_set1_epi32(0x7fff), _mm256_and_si256(high, _mm256_set1_epi32(1)));
        const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(u, bias), 16);
        return _mm256_blendv_epi8(rounded, _mm256_or_si256(high, _mm256_set1_epi32(64)), nan);
    }
    FLOAT_AVX2 static bool convert(const float* src, uint8_t* dst) {
        const __m256i a = convert8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src)));
        const __m256i b = convert8(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + 8)));
        // packus works within 128-bit halves (a0-3 b0-3 | a4-7 b4-7), hence the permute.
        const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), _MM_SHUFFLE(3, 1, 2, 0));
        _mm256_stream_si256(reinterpret_cast<__m256i*>(dst), packed);
        return true;
    }
};

// Each instance compiled for its instruction set as a whole (flatten inlines
// the lanes' steps into the loop).
template <class Lanes, uint16_t (*ToHalf)(float)>
FLOAT_AVX2 __attribute__((flatten)) void convert_row_avx2(const float* src, uint8_t* dst, int64_t n) {
    convert_row<Lanes, ToHalf>(src, dst, n);
}
template <class Lanes, uint16_t (*ToHalf)(float)>
FLOAT_AVX512 __attribute__((flatten)) void convert_row_avx512(const float* src, uint8_t* dst, int64_t n) {
    convert_row<Lanes, ToHalf>(src, dst, n);
}

template <uint16_t (*ToHalf)(float), class Avx2, class Avx512>
void quantize_16_simd(const float* src, uint8_t* dst, int64_t n, const float*) {
    switch (simd_level()) {
        case Simd::avx512: return convert_row_avx512<Avx512, ToHalf>(src, dst, n);
        case Simd::avx2: return convert_row_avx2<Avx2, ToHalf>(src, dst, n);
        case Simd::scalar: break;
    }
    quantize_16<ToHalf>(src, dst, n);
}

constexpr QuantizeRow quantize_f16 = quantize_16_simd<fp32_to_fp16, HalfAvx2, HalfAvx512>;
constexpr QuantizeRow quantize_bf16 = quantize_16_simd<fp32_to_bf16, Bfloat, Bfloat>;
GGUF_MTP_AVX512_HEADERS_END
#else
constexpr QuantizeRow quantize_f16 = quantize_16<fp32_to_fp16>;
constexpr QuantizeRow quantize_bf16 = quantize_16<fp32_to_bf16>;
#endif

constexpr Kernels kFloat[] = {
    {TensorType::F32, quantize_f32, dequantize_f32, false},
    {TensorType::F16, quantize_f16, dequantize_16<fp16_to_fp32>, false},
    {TensorType::BF16, quantize_bf16, dequantize_16<bf16_to_fp32>, false},
};

}  // namespace

std::span<const Kernels> float_kernels() { return kFloat; }

}  // namespace gguf::quant
