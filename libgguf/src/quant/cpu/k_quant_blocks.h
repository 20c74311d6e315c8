// Byte layouts of ggml's k-quant super-blocks (256 values each), as stored in
// GGUF. Offsets are in bytes from the start of a block; halves are
// little-endian fp16 (load_half / store_half), so blocks may sit at any
// address.
#pragma once

#include <cstdint>

#include "legacy_blocks.h"  // load_half, store_half

namespace gguf::quant {

inline constexpr int kSuperBlock = 256;

// Q2_K: 16 sub-blocks of 16. Per sub-block a byte holding the 4-bit scale
// (low nibble) and 4-bit minimum (high nibble); 2-bit quants, value
// 128 * h + 32 * s + l in bits 2s..2s+1 of byte 32 * h + l; fp16 d, fp16 dmin.
struct Q2KLayout {
    static constexpr int kScales = 0, kQs = 16, kD = 80, kDmin = 82, kBytes = 84;
};

// Q3_K: 16 sub-blocks of 16. The third bit of value 32 * s + l in bit s of
// hmask byte l; the low two bits as Q2_K's; sixteen 6-bit scales (biased by
// 32) in 12 bytes: low nibbles in bytes 0..7 (sub-blocks 0..7 low, 8..15
// high), top two bits of sub-block j in byte 8 + j % 4 at bit 2 * (j / 4);
// fp16 d.
struct Q3KLayout {
    static constexpr int kHmask = 0, kQs = 32, kScales = 96, kD = 108, kBytes = 110;
};

// Q4_K: 8 sub-blocks of 32. fp16 d, fp16 dmin, eight 6-bit scales and eight
// 6-bit minimums in 12 bytes (see pack_scales_mins_k4), then value
// 64 * p + l in the low nibble and 64 * p + 32 + l in the high nibble of
// byte 32 * p + l.
struct Q4KLayout {
    static constexpr int kD = 0, kDmin = 2, kScales = 4, kQs = 16, kBytes = 144;
};

// Q5_K: Q4_K's fields, the fifth bit of value 32 * s + l in bit s of qh byte
// l, then Q4_K's nibbles.
struct Q5KLayout {
    static constexpr int kD = 0, kDmin = 2, kScales = 4, kQh = 16, kQs = 48, kBytes = 176;
};

// Q6_K: 16 sub-blocks of 16. Low nibbles: for each half h (128 values),
// value 128h + l (l < 64) in the low nibble and 128h + 64 + l in the high
// nibble of byte 64h + l; top two bits of 128h + 32s + l in bits 2s..2s+1 of
// qh byte 32h + l; sixteen signed 8-bit scales; fp16 d.
struct Q6KLayout {
    static constexpr int kQl = 0, kQh = 128, kScales = 192, kD = 208, kBytes = 210;
};

// Q8_K: fp32 d, 256 signed quants, sixteen int16 sums of 16 quants.
struct Q8KLayout {
    static constexpr int kD = 0, kQs = 4, kBsums = 260, kBytes = 292;
};

// Scale j and minimum j (6 bits each) of Q4_K / Q5_K's 12 scale bytes.
inline void unpack_scale_min_k4(int j, const uint8_t* q, uint8_t* scale, uint8_t* min) {
    if (j < 4) {
        *scale = q[j] & 63;
        *min = q[j + 4] & 63;
    } else {
        *scale = static_cast<uint8_t>((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *min = static_cast<uint8_t>((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

// The inverse, from eight scale and minimum bytes as the quantizers computed
// them (wider values spill exactly as ggml's byte arithmetic does).
inline void pack_scales_mins_k4(const uint8_t* ls, const uint8_t* lm, uint8_t* q) {
    for (int j = 0; j < 8; ++j) {
        if (j < 4) {
            q[j] = ls[j];
            q[j + 4] = lm[j];
        } else {
            q[j + 4] = static_cast<uint8_t>((ls[j] & 0xF) | ((lm[j] & 0xF) << 4));
            q[j - 4] |= static_cast<uint8_t>((ls[j] >> 4) << 6);
            q[j] |= static_cast<uint8_t>((lm[j] >> 4) << 6);
        }
    }
}

}  // namespace gguf::quant
