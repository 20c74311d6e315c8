#version 460
// F32, F16 and BF16 as targets: one invocation per value, written as the
// CPU core's float.cpp writes it (F32 as its bits, F16 by fp32_to_fp16, BF16
// by numeric.h's fp32_to_bf16: nearest even, NaN kept quiet). Importance
// weights play no part, as on the CPU. F32 is also how dequantized rows
// come back from the device (GpuQuantizer::dequantize).
#include "bindings.glsl"

layout(constant_id = 0) const int kBytes = 4;  // 4: F32, 2: F16 or BF16
layout(constant_id = 1) const int kBrain = 0;  // 1: BF16

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    if (unit >= params.units) return;
    const uint u = floatBitsToUint(src[unit]);
    if (kBytes == 4) {
        store_u16(unit * 4u, u & 0xffffu);
        store_u16(unit * 4u + 2u, u >> 16);
        return;
    }
    uint h;
    if (kBrain == 0) h = fp32_to_fp16(uintBitsToFloat(u));
    else if ((u & 0x7fffffffu) > 0x7f800000u) h = (u >> 16) | 64u;
    else h = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
    store_u16(unit * 2u, h & 0xffffu);
}
