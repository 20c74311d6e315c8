// Byte layouts of ggml's ternary (TQ1_0, TQ2_0), FP4 (MXFP4, NVFP4) and
// 1-/2-bit (Q1_0, Q2_0) blocks, as stored in GGUF. Fields are bytes, so
// blocks may sit at any address; halves go through load_half / store_half.
#pragma once

#include <cstdint>

#include "legacy_blocks.h"  // load_half, store_half

namespace gguf::quant {

inline constexpr int kSuperBlock = 256;

// TQ1_0: 240 values five to a byte (base 3, first value most significant,
// scaled to a byte by ceil(q * 256 / 243)), 16 values four to a byte, scale last.
struct BlockTQ1_0 {
    uint8_t qs[(kSuperBlock - 4 * kSuperBlock / 64) / 5];
    uint8_t qh[kSuperBlock / 64];
    uint8_t d[2];
};

// TQ2_0: 2 bits per value (q + 1), value m + 32 n of each 128 in bits 2n of byte m.
struct BlockTQ2_0 {
    uint8_t qs[kSuperBlock / 4];
    uint8_t d[2];
};

// MXFP4: one E8M0 exponent for 32 E2M1 values; value j in the low nibble of
// byte j, value j + 16 in its high nibble.
struct BlockMXFP4 {
    uint8_t e;
    uint8_t qs[16];
};

// NVFP4: four UE4M3 scales, one per 16 values, then each 16 values' 8 bytes
// of nibbles laid out as in MXFP4.
struct BlockNVFP4 {
    uint8_t d[4];
    uint8_t qs[32];
};

// Q1_0: scale (mean |x|), then one sign bit per value (set: x >= 0), LSB first.
struct BlockQ1_0 {
    uint8_t d[2];
    uint8_t qs[128 / 8];
};

// Q2_0: scale (max |x|), then 2 bits per value (round(x / d) + 1, in 0..3), LSB first.
struct BlockQ2_0 {
    uint8_t d[2];
    uint8_t qs[64 / 4];
};

static_assert(sizeof(BlockTQ1_0) == 54);
static_assert(sizeof(BlockTQ2_0) == 66);
static_assert(sizeof(BlockMXFP4) == 17);
static_assert(sizeof(BlockNVFP4) == 36);
static_assert(sizeof(BlockQ1_0) == 18);
static_assert(sizeof(BlockQ2_0) == 18);

}  // namespace gguf::quant
