// ik_llama.cpp's interleaved forms of mainline types (_R4, _R8, _R16, and
// the Q4_0_4_4 / Q4_0_4_8 / Q4_0_8_8 repacks of ggml's aarch64 code, ik ids
// 31-33), dequantize only. A group of R rows is stored block by block: block
// b of the group holds block b of each of the R rows, with the rows' quants
// interleaved in runs of 4 bytes (8 for Q4_0_4_8 / Q4_0_8_8, 2 values for
// BF16_R16). A kernel takes the bytes of one group and `n` = R * row length
// and writes the R rows one after another, as ik's dequantize_row_*_r4 do.
//
// Where ik's arithmetic is mainline's (Q4_0_R8, Q8_0_R8, IQ4_NL_R4, the
// Q4_0 repacks), the group is regrouped into R rows of mainline blocks and
// the mainline kernel runs. The others have their own arithmetic or scale
// packing (Q5_0_R4 adds -16 d instead of subtracting 16 first, which differs
// in the sign of zero; Q8_K_R16 stores unsigned quants; the k-quant and IQ
// forms pack their scales differently), so they are decoded here in ik's
// order of operations.
//
// ik has no to_float for BF16_R16 and the Q4_0 repacks (its llama-quantize
// refuses them as input): their floats are the rows' own, in row order,
// which are what ik's repacking was given (BF16's plain conversion, Q4_0's
// dequantizer).
#include <cstdint>
#include <cstring>
#include <vector>

#include "i_quant_grids.h"
#include "kernels.h"
#include "legacy_blocks.h"
#include "numeric.h"

namespace gguf::quant {
namespace {

constexpr int kInterleavedSuper = 256;

float half_at(const uint8_t* p, int i) { return fp16_to_fp32(load_half(p + 2 * i)); }

// Runs `decode(group, r, y)` for row r of every super-block group of a
// kernel's n = R * row-length values: `group` is the group's kGroupBytes,
// `y` row r's 256 outputs of that super-block.
template <int R, int kGroupBytes, class Decode>
void for_each_interleaved_row(const uint8_t* src, float* dst, int64_t n, Decode decode) {
    const int64_t per_row = n / R;
    for (int64_t b = 0; b < per_row / kInterleavedSuper; ++b) {
        for (int r = 0; r < R; ++r) decode(src + b * kGroupBytes, r, dst + r * per_row + b * kInterleavedSuper);
    }
}

// The mainline kernel of `type` (from the family tables).
DequantizeRow mainline_dequantizer(TensorType type) {
    for (auto family : {legacy_kernels(), i_quant_kernels()}) {
        for (const auto& k : family) {
            if (k.type == type) return k.dequantize;
        }
    }
    return nullptr;
}

// Nibble order of Q4_K_R4 / Q5_K_R4 / Q6_K_R4 / IQ4_NL_R4: a 32-value
// sub-block of 4 rows takes 64 bytes; value 4q + i (q < 8) of row r is in
// byte 4r + i + 16 (q >> 2) + 32 (q & 1), in the high nibble when bit 1 of q
// is set.
int quarter_byte(int row, int i, int q) { return 4 * row + i + 16 * (q >> 2) + 32 * (q & 1); }
int quarter_shift(int q) { return 4 * ((q >> 1) & 1); }

// 6-bit scales of Q3_K_R4 / IQ4_XS_R8: low 4 bits in nibble is / 32 of
// scales_l[is % 32], high 2 bits at bit 2 * (is / 16) of scales_h[is % 16].
int scale6_split(const uint8_t* scales_h, const uint8_t* scales_l, int is) {
    return ((scales_l[is % 32] >> (4 * (is / 32))) & 0xf) | (((scales_h[is % 16] >> (2 * (is / 16))) & 3) << 4);
}

// Scale and minimum of Q4_K_R4 / Q5_K_R4's sub-block `is`: low nibbles of
// scales_l[is], top two bits each from scales_h[is % 16] (bits 0-1 and 2-3 of
// nibble is / 16).
int scale_k4(const uint8_t* scales_h, const uint8_t* scales_l, int is) {
    return (scales_l[is] & 0xf) | (((scales_h[is % 16] >> (4 * (is / 16))) & 0x03) << 4);
}
int min_k4(const uint8_t* scales_h, const uint8_t* scales_l, int is) {
    return (scales_l[is] >> 4) | (((scales_h[is % 16] >> (4 * (is / 16))) & 0x0c) << 2);
}

// Regrouped forms: row r's mainline block b is assembled into `block`, a
// whole row of them, then mainline's kernel decodes the row.
template <int R, int kGroupBlock, int kMainBlock, int kValues, TensorType kMain, void (*assemble)(const uint8_t*, int, uint8_t*)>
void dequantize_regrouped(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / R;
    const int64_t blocks = per_row / kValues;
    const DequantizeRow decode = mainline_dequantizer(kMain);
    std::vector<uint8_t> row(static_cast<size_t>(blocks * kMainBlock));
    for (int r = 0; r < R; ++r) {
        for (int64_t b = 0; b < blocks; ++b) assemble(src + b * kGroupBlock, r, row.data() + b * kMainBlock);
        decode(row.data(), dst + r * per_row, per_row);
    }
}

// Q4_0_R8: 8 f16 scales, then 128 bytes: row r's mainline byte 4l + i is
// byte 32l + 4r + i.
void assemble_q4_0(const uint8_t* g, int r, uint8_t* out) {
    std::memcpy(out, g + 2 * r, 2);
    for (int l = 0; l < 4; ++l) std::memcpy(out + 2 + 4 * l, g + 16 + 32 * l + 4 * r, 4);
}

// Q8_0_R8: 8 f16 scales, then values 0..15 of row r at 32l + 4r + i (value
// 4l + i) and values 16..31 128 bytes further.
void assemble_q8_0(const uint8_t* g, int r, uint8_t* out) {
    std::memcpy(out, g + 2 * r, 2);
    for (int l = 0; l < 4; ++l) {
        std::memcpy(out + 2 + 4 * l, g + 16 + 32 * l + 4 * r, 4);
        std::memcpy(out + 2 + 16 + 4 * l, g + 16 + 128 + 32 * l + 4 * r, 4);
    }
}

// Q4_0_4_4 (R 4, I 4), Q4_0_4_8 (R 4, I 8), Q4_0_8_8 (R 8, I 8): R f16
// scales, then the rows' 16 quant bytes each in runs of I bytes, row 0's
// first run, row 1's, ..., row 0's second run ..., every byte XORed with
// 0x88 (which makes the nibbles signed for ggml's aarch64 kernels).
template <int R, int I>
void assemble_q4_0_repacked(const uint8_t* g, int r, uint8_t* out) {
    std::memcpy(out, g + 2 * r, 2);
    const uint8_t* qs = g + 2 * R;
    for (int run = 0; run < 16 / I; ++run) {
        for (int i = 0; i < I; ++i) out[2 + I * run + i] = static_cast<uint8_t>(qs[I * (R * run + r) + i] ^ 0x88);
    }
}

// IQ4_NL_R4: 4 f16 scales, then 64 nibble bytes in quarter order.
void assemble_iq4_nl(const uint8_t* g, int r, uint8_t* out) {
    std::memcpy(out, g + 2 * r, 2);
    const uint8_t* qs = g + 8;
    auto nibble = [&](int value) { return (qs[quarter_byte(r, value % 4, value / 4)] >> quarter_shift(value / 4)) & 0xf; };
    for (int j = 0; j < 16; ++j) out[2 + j] = static_cast<uint8_t>(nibble(j) | (nibble(j + 16) << 4));
}

// Q5_0_R4, 88 bytes: 4 f16 scales, 16 bytes of fifth bits, 64 nibble bytes.
// Value ll + i (ll = 16 (l % 2) + 4 (l / 2)) takes the low nibble of byte
// 4r + i + 16l and bit l of qh byte 4r + i; value ll + i + 8 the high nibble
// and bit l + 4.
void dequantize_q5_0_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / 4;
    for (int64_t b = 0; b < per_row / 32; ++b) {
        const uint8_t* g = src + b * 88;
        const uint8_t* qh = g + 8;
        const uint8_t* qs = g + 24;
        for (int r = 0; r < 4; ++r) {
            const float d = half_at(g, r);
            const float m = -16.0f * d;
            float* y = dst + r * per_row + b * 32;
            for (int l = 0; l < 4; ++l) {
                const int ll = 16 * (l % 2) + 4 * (l / 2);
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qs[4 * r + i + 16 * l];
                    const uint8_t h = qh[4 * r + i];
                    y[ll + i] = d * static_cast<float>((q & 0xf) | (((h >> l) & 1) << 4)) + m;
                    y[ll + i + 8] = d * static_cast<float>((q >> 4) | (((h >> (l + 4)) & 1) << 4)) + m;
                }
            }
        }
    }
}

// Q2_K_R4, 336 bytes: f16 d of the 4 rows, f16 min of the 4 rows, 64 scale
// bytes (sub-block 2s + h of row r in byte 8s + 4h + r: scale low nibble,
// minimum high), 256 quant bytes (for sub-block pair s: value 16h + 4j + i
// in bits 2j of byte 32s + 16h + 4r + i).
void dequantize_q2_k_r4(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<4, 336>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* scales = g + 16;
        const float d = half_at(g, r);
        const float m = half_at(g, r + 4);
        for (int s = 0; s < 8; ++s) {
            const uint8_t* qs = g + 80 + 32 * s;
            for (int h = 0; h < 2; ++h) {
                const uint8_t sc = scales[8 * s + 4 * h + r];
                const float dl = d * static_cast<float>(sc & 0xf);
                const float ml = m * static_cast<float>(sc >> 4);
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qs[16 * h + 4 * r + i];
                    for (int j = 0; j < 4; ++j) y[32 * s + 16 * h + 4 * j + i] = dl * static_cast<float>((q >> (2 * j)) & 3) - ml;
                }
            }
        }
    });
}

// Q3_K_R4, 440 bytes: 4 f16 d, 16 + 32 bytes of 6-bit scales (scale6_split,
// sub-block 2s + h of row r is 8s + 4h + r), 128 high-bit bytes, 256 low-bit
// bytes. Value 16h + 4j + i of sub-block pair s: bits 2j of byte
// 32s + 16h + 4r + i, third bit = bit 4h + j of qh byte 16s + 4r + i.
void dequantize_q3_k_r4(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<4, 440>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* scales_h = g + 8;
        const uint8_t* scales_l = g + 24;
        const float d = half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            const uint8_t* qh = g + 56 + 16 * s;
            const uint8_t* qs = g + 184 + 32 * s;
            for (int h = 0; h < 2; ++h) {
                const float dl = d * static_cast<float>(scale6_split(scales_h, scales_l, 8 * s + 4 * h + r) - 32);
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qs[16 * h + 4 * r + i];
                    const uint8_t hi = qh[4 * r + i];
                    for (int j = 0; j < 4; ++j) {
                        const int v = (((q >> (2 * j)) & 3) | (((hi >> (4 * h + j)) & 1) << 2)) - 4;
                        y[32 * s + 16 * h + 4 * j + i] = dl * static_cast<float>(v);
                    }
                }
            }
        }
    });
}

// Q4_K_R4 (576 bytes) and Q5_K_R4 (704): 4 f16 d, 4 f16 min, 16 + 32 bytes
// of 6-bit scales and minimums (scale_k4 / min_k4 of sub-block 4s + r), for
// Q5 128 bytes of fifth bits (16 per sub-block), then 64 nibble bytes per
// sub-block in quarter order. Fifth bit of quarter q: bit
// 4 (q >> 2) + 2 (q & 1) + ((q >> 1) & 1) of byte 4r + i.
template <bool kFifthBit>
void dequantize_q45_k_r4(const uint8_t* src, float* dst, int64_t n) {
    constexpr int kBytes = kFifthBit ? 704 : 576;
    constexpr int kQs = kFifthBit ? 192 : 64;
    for_each_interleaved_row<4, kBytes>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* scales_h = g + 16;
        const uint8_t* scales_l = g + 32;
        const float d = half_at(g, r);
        const float m = half_at(g, r + 4);
        for (int s = 0; s < 8; ++s) {
            const float dl = d * static_cast<float>(scale_k4(scales_h, scales_l, 4 * s + r));
            const float ml = m * static_cast<float>(min_k4(scales_h, scales_l, 4 * s + r));
            const uint8_t* qs = g + kQs + 64 * s;
            const uint8_t* qh = g + 64 + 16 * s;
            for (int q = 0; q < 8; ++q) {
                for (int i = 0; i < 4; ++i) {
                    int v = (qs[quarter_byte(r, i, q)] >> quarter_shift(q)) & 0xf;
                    if constexpr (kFifthBit) v |= ((qh[4 * r + i] >> (4 * (q >> 2) + 2 * (q & 1) + ((q >> 1) & 1))) & 1) << 4;
                    y[32 * s + 4 * q + i] = dl * static_cast<float>(v) - ml;
                }
            }
        }
    });
}

// Q6_K_R4, 840 bytes: 4 f16 d, 64 signed scales (half h of sub-block s of row
// r at 8s + 4h + r), 256 bytes of top bits (32 per sub-block), 512 nibble
// bytes (64 per sub-block, quarter order). Top two bits of quarter q: bits
// 2 (2 (q & 1) + ((q >> 1) & 1)) of byte 4r + i + 16 (q >> 2).
void dequantize_q6_k_r4(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<4, 840>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const auto* scales = reinterpret_cast<const int8_t*>(g + 8);
        const float d = half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            const uint8_t* qh = g + 72 + 32 * s;
            const uint8_t* ql = g + 328 + 64 * s;
            const float dl[2] = {d * static_cast<float>(scales[8 * s + r]), d * static_cast<float>(scales[8 * s + 4 + r])};
            for (int q = 0; q < 8; ++q) {
                for (int i = 0; i < 4; ++i) {
                    const int low = (ql[quarter_byte(r, i, q)] >> quarter_shift(q)) & 0xf;
                    const int high = (qh[4 * r + i + 16 * (q >> 2)] >> (2 * (2 * (q & 1) + ((q >> 1) & 1)))) & 3;
                    y[32 * s + 4 * q + i] = dl[q >> 2] * static_cast<float>((low | (high << 4)) - 32);
                }
            }
        }
    });
}

// IQ4_XS_R8, 1088 bytes: 8 f16 d, 16 + 32 bytes of 6-bit scales
// (scale6_split of 8s + r), then 128 bytes per sub-block: value 8l + i (low
// nibble) and 8l + i + 4 (high) of row r in byte 128s + 32l + 4r + i.
void dequantize_iq4_xs_r8(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<8, 1088>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* scales_h = g + 16;
        const uint8_t* scales_l = g + 32;
        const uint8_t* qs = g + 64;
        const float d = half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            const float dl = d * static_cast<float>(scale6_split(scales_h, scales_l, 8 * s + r) - 32);
            for (int l = 0; l < 4; ++l) {
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qs[128 * s + 32 * l + 4 * r + i];
                    y[32 * s + 8 * l + i] = dl * static_cast<float>(iq::kIq4Levels[q & 0xf]);
                    y[32 * s + 8 * l + i + 4] = dl * static_cast<float>(iq::kIq4Levels[q >> 4]);
                }
            }
        }
    });
}

// Coordinate j of a grid point, as ik reads it (int8 or uint8 bytes).
template <class Point>
int8_t coordinate(Point point, int j) {
    return static_cast<int8_t>(static_cast<uint8_t>(point >> (8 * j)));
}

// Signed grid values: dl * coordinate, negated where the sign bit is set.
float signed_value(float dl, int coordinate_value, bool negative) {
    const float v = dl * static_cast<float>(coordinate_value);
    return negative ? -v : v;
}

// IQ2_XXS_R4 (264) and IQ3_XXS_R4 (392): 4 f16 d, 128 bytes of u32 words
// (sub-block s of row r: word 4s + r; bit 0 of each byte is a bit of the
// 4-bit scale; the rest, after w ^= w >> 1, the signs), then grid indices
// (IQ2: byte 16s + 4r + i for 8 values; IQ3: 32s + 8r + i for 4 values).
template <bool kIq3>
void dequantize_xxs_r4(const uint8_t* src, float* dst, int64_t n) {
    constexpr int kBytes = kIq3 ? 392 : 264;
    constexpr int kPoints = kIq3 ? 8 : 4;    // grid points per sub-block
    constexpr int kWidth = kIq3 ? 4 : 8;     // values per point
    for_each_interleaved_row<4, kBytes>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* qs = g + 136;
        const float d = (kIq3 ? 0.25f : 0.125f) * half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            uint32_t word;
            std::memcpy(&word, g + 8 + 4 * (4 * s + r), sizeof word);
            const uint32_t low = word & 0x01010101u;
            const int scale = static_cast<int>((low & 1) | ((low >> 7) & 2) | ((low >> 14) & 4) | ((low >> 21) & 8));
            const float dl = d * static_cast<float>(2 * scale + 1);
            uint32_t signs = word & 0xfefefefeu;
            signs ^= signs >> 1;
            for (int p = 0; p < kPoints; ++p) {
                for (int j = 0; j < kWidth; ++j) {
                    const int c = kIq3 ? coordinate(iq::kIq3xxsGrid[qs[32 * s + 8 * r + p]], j)
                                       : coordinate(iq::kIq2xxsGrid[qs[16 * s + 4 * r + p]], j);
                    y[32 * s + kWidth * p + j] = signed_value(dl, c, signs & (1u << j));
                }
                signs >>= kWidth;
            }
        }
    });
}

// IQ2_XS_R4 / IQ2_S_R4: the scale of point p of a sub-block whose scale
// byte is `sc` (points 0-1 take the low nibble, 2-3 the high).
float iq2_point_scale(float d, uint8_t sc, int p) {
    const int nibble = p < 2 ? sc & 0xf : sc >> 4;
    return d * static_cast<float>(2 * nibble + 1);
}

// IQ2_XS_R4, 296 bytes: 4 f16 d, 128 u16 (point p of sub-block s of row r at
// 16s + 4r + p: 9-bit grid index, 7 sign bits, the eighth from s ^ (s << 1)),
// 32 scale bytes (4s + r: points 0-1 low nibble, 2-3 high).
void dequantize_iq2_xs_r4(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<4, 296>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* scales = g + 264;
        const float d = 0.125f * half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            const uint8_t sc = scales[4 * s + r];
            for (int p = 0; p < 4; ++p) {
                uint16_t q;
                std::memcpy(&q, g + 8 + 2 * (16 * s + 4 * r + p), sizeof q);
                unsigned signs = q >> 9;
                signs ^= signs << 1;
                for (int j = 0; j < 8; ++j) {
                    y[32 * s + 8 * p + j] = signed_value(iq2_point_scale(d, sc, p), coordinate(iq::kIq2xsGrid[q & 511], j), signs & (1u << j));
                }
            }
        }
    });
}

// IQ2_S_R4, 328 bytes: 4 f16 d, 128 low index bytes (16s + 4r + p), 32 bytes
// of index bits 8-9 (byte 4s + r, bits 2p), 128 sign bytes (16s + 4r + p),
// 32 scale bytes as IQ2_XS_R4.
void dequantize_iq2_s_r4(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<4, 328>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* qs = g + 8;
        const uint8_t* qh = g + 136;
        const uint8_t* sign_bytes = g + 168;
        const uint8_t* scales = g + 296;
        const float d = 0.125f * half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            const uint8_t sc = scales[4 * s + r];
            for (int p = 0; p < 4; ++p) {
                const int index = qs[16 * s + 4 * r + p] | ((qh[4 * s + r] << (8 - 2 * p)) & 0x300);
                const uint8_t signs = sign_bytes[16 * s + 4 * r + p];
                for (int j = 0; j < 8; ++j) {
                    y[32 * s + 8 * p + j] = signed_value(iq2_point_scale(d, sc, p), coordinate(iq::kIq2sGrid[index], j), signs & (1u << j));
                }
            }
        }
    });
}

// IQ3_S_R4, 440 bytes: 4 f16 d, 256 low index bytes (sub-block s of row r:
// 32s + r + 8p for values 4p.., + 4 for values 16 + 4p..), 32 bytes of
// ninth bits (4s + r: bit p, bit p + 4), 128 sign bytes (16s + 4r + j: bit p
// for value 4p + j, bit p + 4 for 16 + 4p + j), 16 scale bytes (4-bit,
// sub-block 4s + r in nibble / 16). Grid coordinates are unsigned.
void dequantize_iq3_s_r4(const uint8_t* src, float* dst, int64_t n) {
    for_each_interleaved_row<4, 440>(src, dst, n, [&](const uint8_t* g, int r, float* y) {
        const uint8_t* qs = g + 8;
        const uint8_t* qh = g + 264;
        const uint8_t* signs = g + 296;
        const uint8_t* scales = g + 424;
        const float d = half_at(g, r);
        for (int s = 0; s < 8; ++s) {
            const int l = 4 * s + r;
            const float dl = d * static_cast<float>(1 + 2 * ((scales[l % 16] >> (4 * (l / 16))) & 0xf));
            for (int p = 0; p < 4; ++p) {
                const uint32_t first = iq::kIq3sGrid[qs[32 * s + r + 8 * p] + ((qh[4 * s + r] << (8 - p)) & 0x100)];
                const uint32_t second = iq::kIq3sGrid[qs[32 * s + r + 8 * p + 4] + ((qh[4 * s + r] << (4 - p)) & 0x100)];
                for (int j = 0; j < 4; ++j) {
                    const uint8_t sign = signs[16 * s + 4 * r + j];
                    y[32 * s + 4 * p + j] = signed_value(dl, static_cast<uint8_t>(first >> (8 * j)), sign & (1u << p));
                    y[32 * s + 16 + 4 * p + j] = signed_value(dl, static_cast<uint8_t>(second >> (8 * j)), sign & (1u << (p + 4)));
                }
            }
        }
    });
}

constexpr float kIq1Delta = 0.125f;

// IQ1_S_R4: the group starts with the 4 rows' f16 scales, then blocks of 32
// values, 24 bytes: 16 low index bytes (point p of row r at 4p + r), 4 u16
// (row r: index bits 8-10 of point p at bits 3p, scale at bits 12-14, delta
// sign at bit 15).
void dequantize_iq1_s_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / 4;
    for (int64_t b = 0; b < per_row / 32; ++b) {
        const uint8_t* g = src + 8 + b * 24;
        for (int r = 0; r < 4; ++r) {
            uint16_t qh;
            std::memcpy(&qh, g + 16 + 2 * r, sizeof qh);
            const float shift = (qh & 0x8000) ? -kIq1Delta : kIq1Delta;
            const float dl = half_at(src, r) * static_cast<float>(2 * ((qh >> 12) & 7) + 1);
            float* y = dst + r * per_row + b * 32;
            for (int p = 0; p < 4; ++p) {
                const uint64_t point = iq::kIq1sGrid[g[4 * p + r] | (((qh >> (3 * p)) & 7) << 8)];
                for (int j = 0; j < 8; ++j) y[8 * p + j] = dl * (static_cast<float>(coordinate(point, j)) + shift);
            }
        }
    }
}

// IQ1_M_R4: the 4 rows' f16 scales, then blocks of 32 values, 28 bytes: 16
// low index bytes (half h, point p of row r at 8h + 4p + r), 8 bytes (4h + r:
// index bits 8-10 of point 0 and delta sign at bit 3, of point 1 at bits
// 4-6 and bit 7), 4 scale bytes (row r: half 0 low nibble, half 1 high).
void dequantize_iq1_m_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / 4;
    for (int64_t b = 0; b < per_row / 32; ++b) {
        const uint8_t* g = src + 8 + b * 28;
        for (int r = 0; r < 4; ++r) {
            const float d = half_at(src, r);
            const uint8_t sc = g[24 + r];
            const float dl[2] = {d * static_cast<float>(sc & 0xf), d * static_cast<float>(sc >> 4)};
            float* y = dst + r * per_row + b * 32;
            for (int h = 0; h < 2; ++h) {
                const uint8_t qh = g[16 + 4 * h + r];
                const uint64_t first = iq::kIq1sGrid[g[8 * h + r] | ((qh & 0x07) << 8)];
                const uint64_t second = iq::kIq1sGrid[g[8 * h + r + 4] | ((qh & 0x70) << 4)];
                const float delta1 = (qh & 0x08) ? -kIq1Delta : kIq1Delta;
                const float delta2 = (qh & 0x80) ? -kIq1Delta : kIq1Delta;
                for (int j = 0; j < 8; ++j) y[16 * h + j] = dl[h] * (static_cast<float>(coordinate(first, j)) + delta1);
                for (int j = 0; j < 8; ++j) y[16 * h + 8 + j] = dl[h] * (static_cast<float>(coordinate(second, j)) + delta2);
            }
        }
    }
}

// Q8_K_R8 (8 f16 d, then value 4c + i of row r at byte 32c + 4r + i, signed)
// and Q8_K_R16 (16 f16 d, value at 64c + 4r + i, unsigned, offset by 128:
// d * q - 128 d in ik's order).
template <int R>
void dequantize_q8_k_rn(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / R;
    constexpr int kBytes = R * (2 + kInterleavedSuper);
    for (int64_t b = 0; b < per_row / kInterleavedSuper; ++b) {
        const uint8_t* g = src + b * kBytes;
        const uint8_t* qs = g + 2 * R;
        for (int r = 0; r < R; ++r) {
            const float d = half_at(g, r);
            float* y = dst + r * per_row + b * kInterleavedSuper;
            for (int c = 0; c < kInterleavedSuper / 4; ++c) {
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qs[4 * R * c + 4 * r + i];
                    if constexpr (R == 8) {
                        y[4 * c + i] = d * static_cast<float>(static_cast<int8_t>(q));
                    } else {
                        const float m = -128.0f * d;
                        y[4 * c + i] = d * static_cast<float>(q) + m;
                    }
                }
            }
        }
    }
}

// Q8_KV_R8: the 8 rows' f32 scales, then per 16 values 128 bytes: value
// 4l + i of row r at 32l + 4r + i.
void dequantize_q8_kv_r8(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / 8;
    const auto* q8 = reinterpret_cast<const int8_t*>(src + 32);
    for (int r = 0; r < 8; ++r) {
        float d;
        std::memcpy(&d, src + 4 * r, sizeof d);
        float* y = dst + r * per_row;
        for (int64_t c = 0; c < per_row / 16; ++c) {
            for (int l = 0; l < 4; ++l) {
                for (int i = 0; i < 4; ++i) y[16 * c + 4 * l + i] = d * static_cast<float>(q8[128 * c + 32 * l + 4 * r + i]);
            }
        }
    }
}

// BF16_R16: 16 rows; values 2i and 2i + 1 of row r are the bf16s 32i + 2r
// and 32i + 2r + 1.
void dequantize_bf16_r16(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / 16;
    for (int r = 0; r < 16; ++r) {
        for (int64_t i = 0; i < per_row; ++i) dst[r * per_row + i] = bf16_to_fp32(load_half(src + 2 * (32 * (i / 2) + 2 * r + i % 2)));
    }
}

constexpr Kernels kInterleaved[] = {
    {TensorType::Q4_0_R8, nullptr, dequantize_regrouped<8, 144, 18, 32, TensorType::Q4_0, assemble_q4_0>, false, 8},
    {TensorType::Q8_0_R8, nullptr, dequantize_regrouped<8, 272, 34, 32, TensorType::Q8_0, assemble_q8_0>, false, 8},
    {TensorType::IQ4_NL_R4, nullptr, dequantize_regrouped<4, 72, 18, 32, TensorType::IQ4_NL, assemble_iq4_nl>, false, 4},
    {TensorType::Q5_0_R4, nullptr, dequantize_q5_0_r4, false, 4},
    {TensorType::Q2_K_R4, nullptr, dequantize_q2_k_r4, false, 4},
    {TensorType::Q3_K_R4, nullptr, dequantize_q3_k_r4, false, 4},
    {TensorType::Q4_K_R4, nullptr, dequantize_q45_k_r4<false>, false, 4},
    {TensorType::Q5_K_R4, nullptr, dequantize_q45_k_r4<true>, false, 4},
    {TensorType::Q6_K_R4, nullptr, dequantize_q6_k_r4, false, 4},
    {TensorType::IQ4_XS_R8, nullptr, dequantize_iq4_xs_r8, false, 8},
    {TensorType::IQ2_XXS_R4, nullptr, dequantize_xxs_r4<false>, false, 4},
    {TensorType::IQ3_XXS_R4, nullptr, dequantize_xxs_r4<true>, false, 4},
    {TensorType::IQ2_XS_R4, nullptr, dequantize_iq2_xs_r4, false, 4},
    {TensorType::IQ2_S_R4, nullptr, dequantize_iq2_s_r4, false, 4},
    {TensorType::IQ3_S_R4, nullptr, dequantize_iq3_s_r4, false, 4},
    {TensorType::IQ1_S_R4, nullptr, dequantize_iq1_s_r4, false, 4},
    {TensorType::IQ1_M_R4, nullptr, dequantize_iq1_m_r4, false, 4},
    {TensorType::Q8_K_R8, nullptr, dequantize_q8_k_rn<8>, false, 8},
    {TensorType::Q8_K_R16, nullptr, dequantize_q8_k_rn<16>, false, 16},
    {TensorType::Q8_KV_R8, nullptr, dequantize_q8_kv_r8, false, 8},
    {TensorType::BF16_R16, nullptr, dequantize_bf16_r16, false, 16},
    {TensorType::IK_Q4_0_4_4, nullptr, dequantize_regrouped<4, 72, 18, 32, TensorType::Q4_0, assemble_q4_0_repacked<4, 4>>, false, 4},
    {TensorType::IK_Q4_0_4_8, nullptr, dequantize_regrouped<4, 72, 18, 32, TensorType::Q4_0, assemble_q4_0_repacked<4, 8>>, false, 4},
    {TensorType::IK_Q4_0_8_8, nullptr, dequantize_regrouped<8, 144, 18, 32, TensorType::Q4_0, assemble_q4_0_repacked<8, 8>>, false, 8},
};

}  // namespace

std::span<const Kernels> ik_interleaved_kernels() { return kInterleaved; }

}  // namespace gguf::quant
