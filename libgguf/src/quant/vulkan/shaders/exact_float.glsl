// Float arithmetic exactly as the CPU core performs it. Vulkan rounds
// additions and products correctly (RTE is requested for 32-bit floats) but
// lets division and square root be off by a few units in the last place, so
// both are rounded here by testing the candidates' midpoints with double
// products, which are exact (25-bit by 24-bit significands). Every float
// expression in the shaders is assigned to a `precise` variable so that no
// multiply and add are fused.
#ifndef EXACT_FLOAT_GLSL
#define EXACT_FLOAT_GLSL

// Neighbours of a non-negative finite float.
float next_up(float c) { return uintBitsToFloat(floatBitsToUint(c) + 1u); }
float next_down(float c) { return uintBitsToFloat(floatBitsToUint(c) - 1u); }

// Halfway between c and its neighbour, exact in double.
double midpoint(float c, float neighbour) {
    precise double m = (double(c) + double(neighbour)) * 0.5lf;
    return m;
}

// The float nearest a / b (halves to even) for finite a >= 0, b > 0.
float div_positive(float a, float b) {
    const double da = double(a), db = double(b);
    float c = float(da / db);  // a guess within a few units
    for (int step = 0; step < 16; ++step) {
        precise double up = midpoint(c, next_up(c)) * db;
        if (up < da) {
            c = next_up(c);
            continue;
        }
        if (up == da) {  // only for subnormal quotients
            if ((floatBitsToUint(c) & 1u) != 0u) c = next_up(c);
            break;
        }
        if (c > 0.0) {
            precise double down = midpoint(c, next_down(c)) * db;
            if (down > da) {
                c = next_down(c);
                continue;
            }
            if (down == da && (floatBitsToUint(c) & 1u) != 0u) c = next_down(c);
        }
        break;
    }
    return c;
}

// IEEE a / b for finite a and b (b == 0 gives the signed infinity or NaN).
float fdiv(float a, float b) {
    const uint sign = (floatBitsToUint(a) ^ floatBitsToUint(b)) & 0x80000000u;
    if (b == 0.0) return a == 0.0 ? uintBitsToFloat(0x7fc00000u) : uintBitsToFloat(sign | 0x7f800000u);
    if (a == 0.0) return uintBitsToFloat(sign);
    return uintBitsToFloat(floatBitsToUint(div_positive(abs(a), abs(b))) | sign);
}

// The float nearest sqrt(x) for finite x >= 0 (sqrt(-0) is -0).
float fsqrt(float x) {
    if (x == 0.0) return x;
    const double dx = double(x);
    float c = float(sqrt(dx));
    for (int step = 0; step < 16; ++step) {
        precise double up = midpoint(c, next_up(c));
        precise double up2 = up * up;
        if (up2 < dx) {
            c = next_up(c);
            continue;
        }
        if (c > 0.0) {
            precise double down = midpoint(c, next_down(c));
            precise double down2 = down * down;
            if (down2 > dx) {
                c = next_down(c);
                continue;
            }
        }
        break;
    }
    return c;
}

// ggml's nearest_int: add 1.5 * 2^23 and read the mantissa (halves to even).
int nearest_int(float x) {
    precise float shifted = x + 12582912.0;
    return int(floatBitsToUint(shifted) & 0x007fffffu) - 0x00400000;
}

// (int)x as x86-64 computes it: truncation, INT_MIN for NaN and |x| >= 2^31.
int truncate_to_int(float x) {
    if (!(abs(x) < 2147483648.0)) return int(0x80000000u);
    return int(x);
}

// (int)roundf(x): halves away from zero.
int round_half_away(float x) {
    if (!(abs(x) < 8388608.0)) return truncate_to_int(x);
    int i = int(x);
    precise float frac = x - float(i);
    i += (frac >= 0.5 ? 1 : 0) - (frac <= -0.5 ? 1 : 0);
    return i;
}

// IEEE half from float, nearest even; NaN to the quiet 0x7e00, overflow to infinity.
uint fp32_to_fp16(float f) {
    const uint x = floatBitsToUint(f);
    const uint sign = (x >> 16) & 0x8000u;
    const uint a = x & 0x7fffffffu;
    if (a > 0x7f800000u) return sign | 0x7e00u;
    if (a >= 0x477ff000u) return sign | 0x7c00u;
    if (a < 0x38800000u) {
        precise float scaled = uintBitsToFloat(a) * 16777216.0;  // 2^24: exact
        return sign | uint(nearest_int(scaled));
    }
    const uint rounded = a + 0xfffu + ((a >> 13) & 1u);
    return sign | ((rounded - 0x38000000u) >> 13);
}

float fp16_to_fp32(uint h) {
    const uint sign = (h & 0x8000u) << 16;
    const uint e = (h >> 10) & 0x1fu;
    const uint m = h & 0x3ffu;
    if (e == 0u) {
        precise float magnitude = float(m) * 5.9604644775390625e-8;  // 2^-24: exact
        return uintBitsToFloat(sign | floatBitsToUint(magnitude));
    }
    if (e == 31u) return uintBitsToFloat(sign | 0x7f800000u | (m != 0u ? 0x00400000u : 0u) | (m << 13));
    return uintBitsToFloat(sign | ((e + 112u) << 23) | (m << 13));
}

#endif
