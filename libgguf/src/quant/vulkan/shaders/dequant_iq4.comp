#version 460
// IQ4_NL (blocks of 32, one fp16 scale) and IQ4_XS (super-blocks of 256, a
// 6-bit scale per 32) back to floats; dequantize_iq4_nl and
// dequantize_iq4_xs in libgguf/src/quant/cpu/i_quant_iq4.cpp are the
// definitions followed. A piece never straddles a block of 32.
#include "dequant_bindings.glsl"

layout(constant_id = 0) const int kSuper = 0;  // 0: IQ4_NL, 1: IQ4_XS
layout(constant_id = 1) const int kUnused = 0;

const float kLevels[16] = float[16](-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0, 13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);

void dequantize_piece(uint at, uint first, uint out_at) {
    const float d = half_at(at);
    const uint block = first / 32u;
    float dl = d;
    uint qs = at + 2u;
    if (kSuper != 0) {
        const uint low = (byte_at(at + 4u + block / 2u) >> (4u * (block % 2u))) & 0xfu;
        const uint high = (u16_at(at + 2u) >> (2u * block)) & 3u;
        dl = cpu_mul(d, float(int(low | (high << 4)) - 32));
        qs = at + 8u + 16u * block;
    }
    for (uint i = first; i < first + params.piece_values; ++i) {
        const uint j = i % 32u;
        const uint nibbles = byte_at(qs + j % 16u);
        emit(out_at + i - first, cpu_mul(dl, kLevels[j < 16u ? nibbles & 0xfu : nibbles >> 4]));
    }
}

#include "dequant_main.glsl"
