// Float-to-integer conversions as ggml's reference C code performs them on
// x86-64: a C cast compiles to cvttss2si, which truncates and gives INT_MIN
// for NaN and out-of-range values; narrower casts then keep the low bits.
#pragma once

#include <climits>
#include <cmath>
#include <cstdint>

namespace gguf::quant {

// (int)x, with cvttss2si's INT_MIN for NaN and |x| >= 2^31.
inline int32_t truncate_to_int(float x) {
    if (!(std::fabs(x) < 0x1p31f)) return INT_MIN;
    return static_cast<int32_t>(x);
}

// (int)roundf(x): halves away from zero. x - trunc(x) is exact, so comparing
// it with one half decides the rounding as roundf does.
inline int32_t round_half_away(float x) {
    if (!(std::fabs(x) < 0x1p23f)) return truncate_to_int(x);  // already whole, or NaN
    int32_t i = static_cast<int32_t>(x);
    const float frac = x - static_cast<float>(i);
    i += (frac >= 0.5f) - (frac <= -0.5f);
    return i;
}

// lroundf(x), narrowed to int.
inline int32_t lround_to_int(float x) {
    if (!(std::fabs(x) < 0x1p23f)) return static_cast<int32_t>(static_cast<uint32_t>(std::lround(x)));
    return round_half_away(x);
}

}  // namespace gguf::quant
