#version 460
// F16 and BF16 values to f32, by their bits (exact, NaN payloads and
// subnormals included, whatever the device does with subnormal floats);
// fp16_to_fp32 and bf16_to_fp32 in libgguf/src/quant/cpu/numeric.h are the
// definitions followed.
#include "dequant_bindings.glsl"

layout(constant_id = 0) const int kBrain = 0;  // 0: F16, 1: BF16
layout(constant_id = 1) const int kUnused = 0;

void dequantize_piece(uint at, uint first, uint out_at) {
    for (uint i = first; i < first + params.piece_values; ++i) {
        const uint h = u16_at(at + 2u * i);
        emit(out_at + i - first, kBrain != 0 ? uintBitsToFloat(h << 16) : fp16_to_fp32(h));
    }
}

#include "dequant_main.glsl"
