#version 460
// TQ1_0 and TQ2_0 (ternary super-blocks of 256 with an fp16 scale) and
// MXFP4 (32 E2M1 values with an E8M0 exponent) back to floats;
// dequantize_row_tq1_0, dequantize_row_tq2_0 and Fp4::dequantize in
// libgguf/src/quant/cpu/ternary_fp4.cpp are the definitions followed, the
// layouts those of ternary_fp4_blocks.h.
#include "dequant_bindings.glsl"

layout(constant_id = 0) const int kType = 0;  // 0: TQ1_0, 1: TQ2_0, 2: MXFP4
layout(constant_id = 1) const int kUnused = 0;

// TQ1_0's trit of value v: groups of 32 bytes (values 0..159, five trits a
// byte), 16 bytes (160..239, five) and 4 bytes (240..255, four); trit n of a
// byte is its n-th base-3 digit from the top, read as (byte * 3^n) * 3 >> 8
// in 8-bit arithmetic.
int trit(uint at, uint v) {
    uint start = 0u, bytes = 32u, offset = 0u;
    if (v >= 240u) {
        start = 240u, bytes = 4u, offset = 48u;
    } else if (v >= 160u) {
        start = 160u, bytes = 16u, offset = 32u;
    }
    const uint n = (v - start) / bytes, m = (v - start) % bytes;
    const uint powers[5] = uint[5](1u, 3u, 9u, 27u, 81u);
    const uint q = (byte_at(at + offset + m) * powers[n]) & 0xffu;
    return int((q * 3u) >> 8);
}

// E2M1 code times the E8M0 scale 2^(e - 128), as the CPU's float product
// gives it, built from bits: the product is exact (or infinite), so this
// holds on devices that flush subnormals too.
float fp4_value(uint code, uint e) {
    const int values[8] = int[8](0, 1, 2, 3, 4, 6, 8, 12);
    const int k = values[code & 7u];
    if (k == 0) return 0.0;
    const uint sign = (code & 8u) != 0u ? 0x80000000u : 0u;
    const int odd = (k % 3 == 0) ? 3 : 1;
    const int exponent = findLSB(uint(k / odd)) + int(e) - 128;  // k = odd * 2^exponent / 2^(e - 128)
    // odd * 2^exponent: normal when its top bit is at 2^-126 or above.
    const int top = exponent + (odd == 3 ? 1 : 0);
    uint bits;
    if (top > 127) bits = 0x7f800000u;
    else if (top >= -126) bits = (uint(top + 127) << 23) | (odd == 3 ? 0x00400000u : 0u);
    else bits = uint(odd) << uint(exponent + 149);
    return uintBitsToFloat(sign | bits);
}

void dequantize_piece(uint at, uint first, uint out_at) {
    for (uint i = first; i < first + params.piece_values; ++i) {
        float v;
        if (kType == 0) {
            v = cpu_mul(float(trit(at, i) - 1), half_at(at + 52u));
        } else if (kType == 1) {
            const uint q = (byte_at(at + 32u * (i / 128u) + i % 32u) >> (2u * ((i % 128u) / 32u))) & 3u;
            v = cpu_mul(float(int(q) - 1), half_at(at + 64u));
        } else {
            const uint nibbles = byte_at(at + 1u + i % 16u);
            v = fp4_value(i < 16u ? nibbles & 0xfu : nibbles >> 4, byte_at(at));
        }
        emit(out_at + i - first, v);
    }
}

#include "dequant_main.glsl"
