// Number conversions every quantizer family shares, rounding exactly as
// ggml's reference code rounds (see the quantize core's differential tests).
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace gguf::quant {

// IEEE half from float, round to nearest even (what ggml's software and F16C
// conversions both give). Every NaN becomes the quiet NaN 0x7e00 with its
// sign, overflow becomes infinity.
inline uint16_t fp32_to_fp16(float f) {
    const uint32_t x = std::bit_cast<uint32_t>(f);
    const uint32_t sign = (x >> 16) & 0x8000u;
    const uint32_t abs = x & 0x7fffffffu;
    if (abs > 0x7f800000u) return static_cast<uint16_t>(sign | 0x7e00u);
    if (abs >= 0x477ff000u) return static_cast<uint16_t>(sign | 0x7c00u);  // rounds to >= 65520: infinity
    if (abs < 0x38800000u) {
        // Subnormal half (or zero): scale so the half's last bit is the unit, rounding to even.
        const float scaled = std::bit_cast<float>(abs) * 0x1p24f;  // exact: a power-of-two scale
        return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(scaled)));
    }
    const uint32_t rounded = abs + 0xfffu + ((abs >> 13) & 1u);  // to nearest even at bit 13
    return static_cast<uint16_t>(sign | ((rounded - 0x38000000u) >> 13));
}

inline float fp16_to_fp32(uint16_t h) {
    const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
    const uint32_t exponent = (h >> 10) & 0x1fu;
    const uint32_t mantissa = h & 0x3ffu;
    if (exponent == 0) {
        const float magnitude = static_cast<float>(mantissa) * 0x1p-24f;  // exact
        return std::bit_cast<float>(sign | std::bit_cast<uint32_t>(magnitude));
    }
    if (exponent == 31) {
        // ggml's conversion quiets a signalling NaN (sets the top mantissa bit).
        const uint32_t quiet = mantissa ? 0x00400000u : 0u;
        return std::bit_cast<float>(sign | 0x7f800000u | quiet | (mantissa << 13));
    }
    return std::bit_cast<float>(sign | ((exponent + 112) << 23) | (mantissa << 13));
}

// bfloat16 from float as ggml's reference does: round to nearest even, NaN
// kept quiet.
inline uint16_t fp32_to_bf16(float f) {
    const uint32_t u = std::bit_cast<uint32_t>(f);
    if ((u & 0x7fffffffu) > 0x7f800000u) return static_cast<uint16_t>((u >> 16) | 64u);
    return static_cast<uint16_t>((u + (0x7fffu + ((u >> 16) & 1u))) >> 16);
}

inline float bf16_to_fp32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// Round to nearest, halves to even, for |x| < 2^22: ggml adds 1.5 * 2^23 and
// reads the mantissa, which is what the float addition's own rounding gives.
inline int nearest_int(float x) {
    const float shifted = x + 12582912.0f;
    return static_cast<int>(std::bit_cast<uint32_t>(shifted) & 0x007fffffu) - 0x00400000;
}

}  // namespace gguf::quant
