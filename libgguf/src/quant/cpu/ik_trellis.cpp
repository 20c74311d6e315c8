// ik_llama.cpp's trellis types IQ1_KT, IQ2_KT, IQ3_KT, IQ4_KT (dequantize
// only). A row starts with one f32 scale; each group of 8 (IQ4_KT: 4) values
// is not stored but generated from an index by a small integer recurrence,
// so only indices and block scales are in the blocks.
//
// Every product below is a single float multiply of exactly representable
// integers by scales, so no multiply-add could be contracted: the results
// are the same whatever -ffp-contract or -march ik was built with.
#include <cmath>
#include <cstdint>
#include <cstring>

#include "i_quant_grids.h"
#include "kernels.h"

namespace gguf::quant {
namespace {

constexpr int kTrellisSuper = 256;
constexpr uint32_t kDefaultOffset = 4096;

// The trellis: index + offset seeds a multiplicative congruential generator
// (mod 2^32); each step's value is the sum of the four low-6-bit bytes of the
// state, centred on 126 (|value| when `magnitude`).
template <int group, bool magnitude>
void trellis_group(uint32_t index, float scale, float* out, uint32_t offset = kDefaultOffset) {
    constexpr uint32_t kMultiplier = 0xCBAC1FEDu;
    uint32_t state = index + offset;
    for (int k = 0; k < group; ++k) {
        state *= kMultiplier;
        const uint32_t six_bits = state & 0x3f3f3f3fu;
        const int sum = static_cast<int>((six_bits & 0xff) + ((six_bits >> 8) & 0xff) + ((six_bits >> 16) & 0xff) + (six_bits >> 24));
        const float centred = static_cast<float>(sum) - 126.0f;
        out[k] = scale * (magnitude ? std::fabs(centred) : centred);
    }
}

float row_scale(const uint8_t* row) {
    float d;
    std::memcpy(&d, row, sizeof d);
    return d;
}

uint16_t u16_at(const uint8_t* p, int i) {
    uint16_t v;
    std::memcpy(&v, p + 2 * i, sizeof v);
    return v;
}

// IQ1_KT, 56 bytes: 8 block bytes (4-bit scale index, then the 13th index
// bit of each of the block's 4 groups), 32 low index bytes, 16 bytes of
// index bits 8..11 (block b's in nibble b / 4 of byte 4 * (b % 4) + group).
void dequantize_iq1_kt(const uint8_t* src, float* dst, int64_t n) {
    const float d = row_scale(src);
    const uint8_t* block = src + 4;
    for (int64_t s = 0; s < n / kTrellisSuper; ++s, block += 56) {
        const uint8_t* sh = block;
        const uint8_t* ql = block + 8;
        const uint8_t* qh = block + 40;
        for (int b = 0; b < 8; ++b) {
            const float scale = d * static_cast<float>(iq::kIq4Levels[sh[b] & 0xf]);
            for (int g = 0; g < 4; ++g) {
                const uint32_t high = (static_cast<uint32_t>(qh[(b % 4) * 4 + g]) << (8 - 4 * (b / 4))) & 0xf00u;
                const uint32_t top = (static_cast<uint32_t>(sh[b]) << (8 - g)) & 0x1000u;
                trellis_group<8, false>(ql[b * 4 + g] | high | top, scale, dst);
                dst += 8;
            }
        }
    }
}

// IQ2_KT, 68 bytes: 4 bytes of two 4-bit scale indices (block b of the low
// half in the low nibble of byte b, block b of the high half in its high
// nibble), then 32 u16 indices: 16 for the low 128 values, 16 for the high.
// IQ3_KT, 100 bytes: the same, with plain 4-bit magnitudes for scales,
// generating |value|; then 32 sign bytes: bit b of byte 8 * group + j negates
// value j of group `group` of block b of the low half, bit b + 4 of the high.
template <bool kIq3>
void dequantize_kt_halves(const uint8_t* src, float* dst, int64_t n) {
    constexpr int kBytes = kIq3 ? 100 : 68;
    const float d = row_scale(src);
    const uint8_t* block = src + 4;
    for (int64_t s = 0; s < n / kTrellisSuper; ++s, block += kBytes) {
        const uint8_t* indices = block + 4;
        const uint8_t* signs = block + 68;
        float* low = dst + s * kTrellisSuper;
        float* high = low + kTrellisSuper / 2;
        for (int b = 0; b < 4; ++b) {
            const int low_scale = block[b] & 0xf, high_scale = block[b] >> 4;
            const float scale_low = d * static_cast<float>(kIq3 ? low_scale : iq::kIq4Levels[low_scale]);
            const float scale_high = d * static_cast<float>(kIq3 ? high_scale : iq::kIq4Levels[high_scale]);
            for (int g = 0; g < 4; ++g) {
                trellis_group<8, kIq3>(u16_at(indices, 4 * b + g), scale_low, low);
                trellis_group<8, kIq3>(u16_at(indices, 16 + 4 * b + g), scale_high, high);
                for (int j = 0; kIq3 && j < 8; ++j) {
                    if (signs[8 * g + j] & (1u << b)) low[j] = -low[j];
                    if (signs[8 * g + j] & (1u << (b + 4))) high[j] = -high[j];
                }
                low += 8;
                high += 8;
            }
        }
    }
}

// IQ4_KT, 128 bytes: 8 u32 block words (bit 0: the generator's second
// offset; bits 1..7: scale + 64; bits 8 + 3g..10 + 3g: index bits 12..14 of
// group g), 64 low index bytes, 32 bytes of index bits 8..11 (group j's in
// nibble j / 32 of byte j % 32). Groups of 4.
void dequantize_iq4_kt(const uint8_t* src, float* dst, int64_t n) {
    const float d = row_scale(src);
    const uint8_t* block = src + 4;
    for (int64_t s = 0; s < n / kTrellisSuper; ++s, block += 128) {
        const uint8_t* ql = block + 32;
        const uint8_t* qh = block + 96;
        for (int b = 0; b < 8; ++b) {
            uint32_t word;
            std::memcpy(&word, block + 4 * b, sizeof word);
            const uint32_t offset = (word & 1u) ? 32768u + kDefaultOffset : kDefaultOffset;
            const float scale = d * static_cast<float>(static_cast<int>((word & 0xffu) >> 1) - 64);
            for (int g = 0; g < 8; ++g) {
                const int j = 8 * b + g;
                const uint32_t high = (static_cast<uint32_t>(qh[j % 32]) << (8 - 4 * (j / 32))) & 0xf00u;
                const uint32_t top = ((word >> (8 + 3 * g)) & 7u) << 12;
                trellis_group<4, false>(ql[j] | high | top, scale, dst, offset);
                dst += 4;
            }
        }
    }
}

constexpr Kernels kTrellis[] = {
    {TensorType::IQ1_KT, nullptr, dequantize_iq1_kt, false},
    {TensorType::IQ2_KT, nullptr, dequantize_kt_halves<false>, false},
    {TensorType::IQ3_KT, nullptr, dequantize_kt_halves<true>, false},
    {TensorType::IQ4_KT, nullptr, dequantize_iq4_kt, false},
};

}  // namespace

std::span<const Kernels> ik_trellis_kernels() { return kTrellis; }

}  // namespace gguf::quant
