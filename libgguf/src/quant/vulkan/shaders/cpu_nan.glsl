// Products and sums whose NaN results are the CPU core's (x86 SSE rules): a
// NaN operand comes back quieted (the first when both are NaN), and an
// invalid operation (0 * inf, inf - inf) gives the default NaN 0xffc00000.
// A GPU may return any NaN it likes, so every dequantizing operation that
// can meet an fp16 NaN or infinity goes through these. NaNs are found by
// their bits, which no compiler assumption about NaNs can fold away.
#ifndef CPU_NAN_GLSL
#define CPU_NAN_GLSL

bool is_nan_bits(float x) { return (floatBitsToUint(x) & 0x7fffffffu) > 0x7f800000u; }

float cpu_nan(float a, float b) {
    if (is_nan_bits(a)) return uintBitsToFloat(floatBitsToUint(a) | 0x00400000u);
    if (is_nan_bits(b)) return uintBitsToFloat(floatBitsToUint(b) | 0x00400000u);
    return uintBitsToFloat(0xffc00000u);
}

float cpu_mul(float a, float b) {
    precise float r = a * b;
    return is_nan_bits(r) ? cpu_nan(a, b) : r;
}

float cpu_add(float a, float b) {
    precise float r = a + b;
    return is_nan_bits(r) ? cpu_nan(a, b) : r;
}

float cpu_sub(float a, float b) {
    precise float r = a - b;
    return is_nan_bits(r) ? cpu_nan(a, b) : r;
}

#endif
