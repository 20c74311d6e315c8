#version 460
// Legacy 32-value blocks back to floats: Q4_0, Q5_0 (symmetric), Q4_1, Q5_1
// (affine) and Q8_0, chosen by specialization constants;
// dequantize_row_legacy and dequantize_row_q8_0 in
// libgguf/src/quant/cpu/legacy.cpp are the definitions followed.
#include "dequant_bindings.glsl"

layout(constant_id = 0) const int kBits = 4;  // 4, 5 or 8
layout(constant_id = 1) const bool kHasMin = false;

const uint kQh = kHasMin ? 4u : 2u;  // byte offsets, as legacy_blocks.h
const uint kQs = kQh + (kBits == 5 ? 4u : 0u);

// Value j's quant: its nibble (low for j < 16, high for j + 16), and for
// 5-bit types bit j of the little-endian qh word above it.
int quant(uint at, uint j) {
    if (kBits == 8) return int8_at(at + 2u + j);
    const uint nibbles = byte_at(at + kQs + j % 16u);
    uint q = j < 16u ? nibbles & 0xfu : nibbles >> 4;
    if (kBits == 5) q |= ((u32_at(at + kQh) >> j) & 1u) << 4;
    return int(q);
}

void dequantize_piece(uint at, uint first, uint out_at) {
    const float d = half_at(at);
    const float m = kHasMin ? half_at(at + 2u) : 0.0;
    const int offset = kHasMin || kBits == 8 ? 0 : 1 << (kBits - 1);
    for (uint j = first; j < first + params.piece_values; ++j) {
        const float q = float(quant(at, j) - offset);
        emit(out_at + j - first, kHasMin ? cpu_add(cpu_mul(q, d), m) : cpu_mul(q, d));
    }
}

#include "dequant_main.glsl"
