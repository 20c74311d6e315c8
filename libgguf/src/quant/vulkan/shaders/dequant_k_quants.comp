#version 460
// K-quant super-blocks (256 values) back to floats: Q2_K, Q3_K, Q4_K, Q5_K
// and Q6_K, chosen by the bit width; the dequantize_block_* functions of
// libgguf/src/quant/cpu/k_quants.cpp are the definitions followed, and the
// layouts are those of k_quant_blocks.h. Each value is computed on its own
// with the CPU's expression, so pieces may split a super-block anywhere.
#include "dequant_bindings.glsl"

layout(constant_id = 0) const int kBits = 4;  // 2, 3, 4, 5 or 6
layout(constant_id = 1) const int kUnused = 0;

// Value i of a Q2_K (affine, 4-bit scale and minimum per 16) or Q3_K
// (symmetric, 6-bit signed scale per 16) super-block: both keep the low two
// bits of value 128h + 32s + l at bits 2s of byte 32h + l.
float value_2_3(uint at, uint i) {
    const uint h = i / 128u, s = (i % 128u) / 32u, l = i % 32u;
    const uint qs = kBits == 2 ? 16u : 32u;
    const int low = int((byte_at(at + qs + 32u * h + l) >> (2u * s)) & 3u);
    const uint j = i / 16u;  // the sub-block
    if (kBits == 2) {
        const uint sc = byte_at(at + j);
        const float dl = cpu_mul(half_at(at + 80u), float(sc & 0xfu));
        const float ml = cpu_mul(half_at(at + 82u), float(sc >> 4));
        return cpu_sub(cpu_mul(dl, float(low)), ml);
    }
    // Q3_K: sixteen 6-bit scales biased by 32 in 12 bytes at 96; the third
    // bit of value 32k + l in bit k of hmask byte l.
    const uint nibble = j < 8u ? byte_at(at + 96u + j) & 0xfu : byte_at(at + 96u + j - 8u) >> 4;
    const uint top = (byte_at(at + 104u + j % 4u) >> (2u * (j / 4u))) & 3u;
    const int scale = int(nibble | (top << 4)) - 32;
    const float dl = cpu_mul(half_at(at + 108u), float(scale));
    const bool high = (byte_at(at + l) & (1u << (i / 32u))) != 0u;
    return cpu_mul(dl, float(low - (high ? 0 : 4)));
}

// Value i of a Q4_K or Q5_K super-block: eight sub-blocks of 32 with 6-bit
// scales and minimums (unpack_scale_min_k4); value 64p + l in the low nibble
// and 64p + 32 + l in the high nibble of byte 32p + l; Q5_K's fifth bit of
// value 32k + l in bit k of qh byte l.
float value_4_5(uint at, uint i) {
    const uint j = i / 32u, l = i % 32u;
    uint sc, m;
    if (j < 4u) {
        sc = byte_at(at + 4u + j) & 63u;
        m = byte_at(at + 8u + j) & 63u;
    } else {
        sc = (byte_at(at + 8u + j) & 0xfu) | ((byte_at(at + j) >> 6) << 4);
        m = (byte_at(at + 8u + j) >> 4) | ((byte_at(at + 4u + j) >> 6) << 4);
    }
    const uint qs = kBits == 4 ? 16u : 48u;
    const uint nibbles = byte_at(at + qs + 32u * (j / 2u) + l);
    uint v = j % 2u == 0u ? nibbles & 0xfu : nibbles >> 4;
    if (kBits == 5) v += ((byte_at(at + 16u + l) >> j) & 1u) << 4;
    const float d = cpu_mul(half_at(at), float(sc));
    const float dm = cpu_mul(half_at(at + 2u), float(m));
    return cpu_sub(cpu_mul(d, float(v)), dm);
}

// Value i of a Q6_K super-block: per half h, value 128h + 32k + l (k < 4)
// has its low nibble in byte 64h + 32(k % 2) + l (low nibble for k < 2,
// high otherwise) and its top two bits at bits 2k of qh byte 32h + l; the
// signed scale of sub-block i / 16 at 192; fp16 d at 208.
float value_6(uint at, uint i) {
    const uint h = i / 128u, k = (i % 128u) / 32u, l = i % 32u;
    const uint nibbles = byte_at(at + 64u * h + 32u * (k % 2u) + l);
    const uint low = k < 2u ? nibbles & 0xfu : nibbles >> 4;
    const uint top = (byte_at(at + 128u + 32u * h + l) >> (2u * k)) & 3u;
    const int q = int(low | (top << 4)) - 32;
    const float dl = cpu_mul(half_at(at + 208u), float(int8_at(at + 192u + i / 16u)));
    return cpu_mul(dl, float(q));
}

void dequantize_piece(uint at, uint first, uint out_at) {
    for (uint i = first; i < first + params.piece_values; ++i) {
        const float v = kBits <= 3 ? value_2_3(at, i) : kBits == 6 ? value_6(at, i) : value_4_5(at, i);
        emit(out_at + i - first, v);
    }
}

#include "dequant_main.glsl"
