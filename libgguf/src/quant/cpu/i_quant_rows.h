// Row kernels of the i-quant family (the Kernels rows of i_quants.cpp), and
// small helpers they share. Each quantizer performs ggml's reference
// arithmetic in ggml's order, so its bytes equal ggml_quantize_chunk's.
#pragma once

#include <cstdint>
#include <cstring>

namespace gguf::quant::iq {

void quantize_iq4_nl(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq4_xs(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq3_xxs(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq3_s(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq2_xxs(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq2_xs(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq2_s(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq1_s(const float* src, uint8_t* dst, int64_t n, const float* importance);
// IQ1_M as llama.cpp v0.5.0 quantizes it, and as v0.4.0 did (llama_release.h).
void quantize_iq1_m(const float* src, uint8_t* dst, int64_t n, const float* importance);
void quantize_iq1_m_full_sums(const float* src, uint8_t* dst, int64_t n, const float* importance);

void dequantize_iq4_nl(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq4_xs(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq3_xxs(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq3_s(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq2_xxs(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq2_xs(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq2_s(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq1_s(const uint8_t* src, float* dst, int64_t n);
void dequantize_iq1_m(const uint8_t* src, float* dst, int64_t n);

// Super-block of 256 values, as in ggml (QK_K).
inline constexpr int kSuper = 256;

// Block sizes in bytes.
inline constexpr int kIq4NlBytes = 2 + 16;
inline constexpr int kIq4XsBytes = 2 + 2 + 4 + 128;
inline constexpr int kIq3XxsBytes = 2 + 96;
inline constexpr int kIq3SBytes = 2 + 64 + 8 + 32 + 4;
inline constexpr int kIq2XxsBytes = 2 + 64;
inline constexpr int kIq2XsBytes = 2 + 64 + 8;
inline constexpr int kIq2SBytes = 2 + 64 + 8 + 8;
inline constexpr int kIq1SBytes = 2 + 32 + 16;
inline constexpr int kIq1MBytes = 32 + 16 + 8;

// Little-endian fields of a block.
inline uint16_t load_u16(const uint8_t* p) {
    uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline uint32_t load_u32(const uint8_t* p) {
    uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline void store_u16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, sizeof v); }
inline void store_u32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, sizeof v); }

// ggml's MAX and MIN macros, kept for their exact behaviour on ties and NaN.
template <typename T>
inline T max_of(T a, T b) { return a > b ? a : b; }
template <typename T>
inline T min_of(T a, T b) { return a < b ? a : b; }

}  // namespace gguf::quant::iq
