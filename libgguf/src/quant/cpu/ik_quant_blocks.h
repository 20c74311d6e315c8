// Byte layouts and value tables of ik_llama.cpp's own quant types (the
// block structs of its ggml-common.h), as stored in GGUF. Fields are read by
// byte offset: blocks follow a row's metadata and sit at any address.
//
// Row metadata (TypeTraits::row_meta_bytes) is one scale per row, before the
// row's blocks: an f32 for IQ4_KS, IQ4_KSS, IQ5_KS, IQ2_BN; an f16 for
// IQ2_KS, IQ3_KS, IQ2_KL, IQ1_BN; Q8_KV's is an f32 scale and the int32 sum
// of the row's quants. A group of interleaved rows (_R4) keeps the
// scales of its four rows together, before the group's blocks.
#pragma once

#include <cstdint>
#include <cstring>

#include "legacy_blocks.h"
#include "numeric.h"

namespace gguf::quant::ik {

inline constexpr int kSuperBlockSize = 256;  // QK_K
inline constexpr int kBitnetBlock = 64;  // IQ1_BN, IQ2_BN
inline constexpr int kQ6_0Block = 32;
inline constexpr int kI2sBlock = 128;
inline constexpr int kQ8KvRowMeta = 8;  // f32 scale, int32 sum of the row's quants

inline float load_f32(const uint8_t* p) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
}

inline float load_f16(const uint8_t* p) { return fp16_to_fp32(load_half(p)); }

inline uint16_t load_u16(const uint8_t* p) { return static_cast<uint16_t>(p[0] | (p[1] << 8)); }

// Non-linear value tables: each type has two shifted variants, chosen per
// sub-block by a bit of `extra` (or of the scale byte).
inline constexpr int8_t kIq2Values[8] = {-31, -13, 1, 17, -26, -8, 6, 22};
inline constexpr int8_t kIq3Values[16] = {-63, -40, -23, -10, 1, 13, 28, 47, -59, -36, -19, -6, 5, 17, 32, 51};
inline constexpr int8_t kIq4Values[32] = {-127, -104, -83, -65, -49, -35, -22, -10, 1,  13, 25, 38, 53, 69, 89, 113,
                                          -123, -100, -79, -61, -45, -31, -18, -6,  5,  17, 29, 42, 57, 73, 93, 117};
inline constexpr int8_t kIq5Values[64] = {
    -126, -114, -103, -92, -83, -74, -65, -57, -50, -43, -36, -30, -24, -18, -12, -6, -1, 5,  11, 17, 23, 29,
    36,   43,   51,   59,  68,  77,  87,  97,  109, 121, -124, -112, -101, -90, -81, -72, -63, -55, -48, -41,
    -34,  -28,  -22,  -16, -10, -4,  1,   7,   13,  19,  25,  31,  38,  45,  53,  61,  70,  79,  89,  99,
    111,  123};
// IQ2_KL: a 5-bit index picks a pair of values (low byte first, as int8).
inline constexpr uint16_t kIq2klPairs[32] = {
    0xe9c1, 0x0dc1, 0xc1d8, 0xf6d8, 0x0dd8, 0x2fd8, 0xd8e9, 0xe9e9, 0x01e9, 0x0de9, 0x1ce9, 0xc1f6, 0x01f6, 0x0df6, 0x2ff6, 0xe901,
    0xf601, 0x0101, 0x0d01, 0x1c01, 0xd80d, 0xe90d, 0xf60d, 0x010d, 0x0d0d, 0xc11c, 0xe91c, 0x011c, 0x1c1c, 0x2f1c, 0xe92f, 0x0d2f};

// IQ6_K: values are a cubic in the 6-bit index, plus a shift for sub-blocks
// whose extra bit is set.
inline constexpr float kIq6A = -127.f, kIq6B = 6.2568f, kIq6C = 0.11218f, kIq6D = 0.0011972f, kIq6Shift = 1.f;

// Q6_0 (26 bytes): f16 d, qh[8] (bits 5-6 of all 32 values), qs[16].
struct Q6_0Layout { static constexpr int kD = 0, kQh = 2, kQs = 10, kBytes = 26; };
// IQ1_BN (13 bytes): ql[12] (three base-3 digit groups of five), extra.
struct Iq1bnLayout { static constexpr int kQl = 0, kExtra = 12, kBytes = 13; };
// IQ2_BN (16 bytes): 2-bit values, four per byte at stride 16.
struct Iq2bnLayout { static constexpr int kBytes = 16; };
// IQ2_K (76): f16 d, u16 extra, scales[8], qs[64].
struct Iq2kLayout { static constexpr int kD = 0, kExtra = 2, kScales = 4, kQs = 12, kBytes = 76; };
// IQ2_KS (70): u16 extra, scales[4], qs[64].
struct Iq2ksLayout { static constexpr int kExtra = 0, kScales = 2, kQs = 6, kBytes = 70; };
// IQ2_KL (86): u16 scales_h, scales_l[4], qs[64], qh[16].
struct Iq2klLayout { static constexpr int kScalesH = 0, kScalesL = 2, kQs = 6, kQh = 70, kBytes = 86; };
// IQ3_K (110): f16 d, u16 extra, u16 scales_h, scales_l[8], qs[64], qh[32].
struct Iq3kLayout { static constexpr int kD = 0, kExtra = 2, kScalesH = 4, kScalesL = 6, kQs = 14, kQh = 78, kBytes = 110; };
// IQ3_KS (102): u16 extra, scales[4], qs[64], qh[32].
struct Iq3ksLayout { static constexpr int kExtra = 0, kScales = 2, kQs = 6, kQh = 70, kBytes = 102; };
// IQ4_K (144) and IQ5_K (176): f16 d, u16 extra, scales_h[4], scales_l[8], qs[128], IQ5_K: qh[32].
struct Iq45kLayout {
    static constexpr int kD = 0, kExtra = 2, kScalesH = 4, kScalesL = 8, kQs = 16, kQh = 144, kBytesIq4 = 144, kBytesIq5 = 176;
};
// IQ6_K (212): f16 d, u16 extra, int8 scales[16], qs[128], qh[64].
struct Iq6kLayout { static constexpr int kD = 0, kExtra = 2, kScales = 4, kQs = 20, kQh = 148, kBytes = 212; };
// IQ4_KS (136) and IQ5_KS (168): scales[8] (bit 0 picks the table), qs[128], IQ5_KS: qh[32].
struct Iq45ksLayout { static constexpr int kScales = 0, kQs = 8, kQh = 136, kBytesIq4 = 136, kBytesIq5 = 168; };
// IQ4_KSS (128): 64 little-endian u16, eight per 32 values; bit 0 of each
// carries a bit of the sub-block's scale byte.
struct Iq4kssLayout { static constexpr int kBytes = 128; };

}  // namespace gguf::quant::ik
