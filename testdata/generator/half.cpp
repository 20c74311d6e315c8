#include "half.h"

#include <bit>

namespace fixtures {
namespace {

// Drops the low `shift` bits of `bits`, rounding to nearest with ties to even.
uint32_t round_shift(uint32_t bits, uint32_t shift) {
    const uint32_t kept = bits >> shift;
    const uint32_t rest = bits & ((1u << shift) - 1);
    const uint32_t half = 1u << (shift - 1);
    return kept + ((rest > half || (rest == half && (kept & 1))) ? 1 : 0);
}

}  // namespace

uint16_t f32_to_f16(float value) {
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    const uint32_t sign = (bits >> 16) & 0x8000;
    const uint32_t exponent = (bits >> 23) & 0xff;
    const uint32_t mantissa = bits & 0x7fffff;
    if (exponent == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mantissa ? 0x200 | (mantissa >> 13) : 0));
    const int32_t e = static_cast<int32_t>(exponent) - 127 + 15;
    if (e >= 31) return static_cast<uint16_t>(sign | 0x7c00);
    if (e <= 0) {
        // Subnormal half: below 2^-25 everything rounds to zero; otherwise the
        // implicit bit joins the mantissa and the shift grows as e falls. A
        // carry out of the top lands exactly on the smallest normal.
        if (e < -10) return static_cast<uint16_t>(sign);
        return static_cast<uint16_t>(sign | round_shift(mantissa | 0x800000, static_cast<uint32_t>(14 - e)));
    }
    // A carry out of the mantissa bumps the exponent, up to infinity: the
    // rounding the format itself defines.
    return static_cast<uint16_t>(sign | round_shift((static_cast<uint32_t>(e) << 23) | mantissa, 13));
}

uint16_t f32_to_bf16(float value) {
    const uint32_t bits = std::bit_cast<uint32_t>(value);
    if ((bits & 0x7fffffff) > 0x7f800000) return static_cast<uint16_t>((bits >> 16) | 0x40);  // stay NaN
    return static_cast<uint16_t>(round_shift(bits, 16));
}

}  // namespace fixtures
