// What every dequantize shader shares: the float controls, the encoded
// blocks in, the floats out (as their bits, so that no load or store can
// flush or canonicalize them) and the flag telling the host that some value
// is one the GPU quantizers must not see: non-finite, or, on devices that
// flush subnormals, near the subnormal range (near_subnormal in
// gpu_quantizer.h). The host redoes such chunks on the CPU.
//
// One invocation writes one piece (params.piece_values consecutive values)
// of one unit (a block of params.unit_values values in params.unit_bytes
// bytes). Each shader defines dequantize_piece and includes dequant_main.glsl.
#include "compute_shader.glsl"

layout(std430, binding = 0) readonly buffer Encoded { uint8_t encoded[]; };
layout(std430, binding = 1) writeonly buffer Values { uint values[]; };
layout(std430, binding = 2) coherent buffer Flags { uint flags[]; };

layout(push_constant) uniform Params {
    uint pieces;          // invocations with work in this dispatch
    uint unit_values;
    uint unit_bytes;
    uint piece_values;
    uint check_subnormal; // the device flushes subnormals: flag magnitudes near them
} params;

#include "exact_float.glsl"
#include "cpu_nan.glsl"

uint byte_at(uint at) { return uint(encoded[at]); }
uint u16_at(uint at) { return byte_at(at) | (byte_at(at + 1u) << 8); }
uint u32_at(uint at) { return u16_at(at) | (u16_at(at + 2u) << 16); }
float half_at(uint at) { return fp16_to_fp32(u16_at(at)); }
// A byte as the CPU's int8_t.
int int8_at(uint at) { return int(byte_at(at) << 24) >> 24; }

// Bit patterns of 2^-30 and 2^30, near_subnormal's bounds.
const uint kLowBits = 0x30800000u, kHighBits = 0x4e800000u;

void emit(uint at, float v) {
    const uint bits = floatBitsToUint(v);
    values[at] = bits;
    const uint magnitude = bits & 0x7fffffffu;
    const bool non_finite = magnitude >= 0x7f800000u;
    const bool near_subnormal = params.check_subnormal != 0u && magnitude != 0u && (magnitude < kLowBits || magnitude > kHighBits);
    if (non_finite || near_subnormal) atomicOr(flags[0], 1u);
}
