// Byte layouts of ggml's legacy blocks (32 values each), as stored in GGUF.
// Blocks may sit at any address (fields are bytes or byte offsets); halves are
// little-endian IEEE fp16 read and written through load_half / store_half.
#pragma once

#include <cstdint>
#include <cstring>

namespace gguf::quant {

inline uint16_t load_half(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof h);
    return h;
}

inline void store_half(uint8_t* p, uint16_t h) { std::memcpy(p, &h, sizeof h); }

inline constexpr int kLegacyBlock = 32;

// Q4_0 / Q5_0 (HasMin false) and Q4_1 / Q5_1 (HasMin true): byte offsets of
// the fp16 scale d, the fp16 minimum m (HasMin), the fifth bits of all 32
// values as one little-endian word (5-bit types), and 16 bytes of nibbles:
// value j in the low nibble of byte j, value j + 16 in its high nibble.
template <int Bits, bool HasMin>
struct LegacyLayout {
    static_assert(Bits == 4 || Bits == 5);
    static constexpr int kD = 0;
    static constexpr int kM = 2;
    static constexpr int kQh = HasMin ? 4 : 2;
    static constexpr int kQs = kQh + (Bits == 5 ? 4 : 0);
    static constexpr int kBytes = kQs + kLegacyBlock / 2;
};

// Q8_0: scale, then 32 signed bytes.
struct BlockQ8_0 {
    uint8_t d[2];
    int8_t qs[kLegacyBlock];
};

// Q8_1: scale, d * sum(qs), then 32 signed bytes (ggml's dot-product operand;
// ggml neither writes it to files through ggml_quantize_chunk nor reads it back).
struct BlockQ8_1 {
    uint8_t d[2];
    uint8_t s[2];
    int8_t qs[kLegacyBlock];
};

static_assert(LegacyLayout<4, false>::kBytes == 18);
static_assert(LegacyLayout<4, true>::kBytes == 20);
static_assert(LegacyLayout<5, false>::kBytes == 22);
static_assert(LegacyLayout<5, true>::kBytes == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);

}  // namespace gguf::quant
