// ik_llama.cpp's four-row interleaved forms of its own types (IQ2_K_R4,
// IQ3_K_R4, IQ4_K_R4, IQ5_K_R4, IQ4_KS_R4, IQ5_KS_R4, IQ2_BN_R4, Q6_0_R4),
// read back to floats four rows at a time (Kernels::rows_per_call = 4).
//
// A group of four rows is one run of interleaved blocks, each holding one
// block of every row: the rows' scales side by side, then their quants
// mixed four bytes of a row at a time. Types with row scales keep the four
// rows' f32 scales before the group's first block. Floats equal ik's
// dequantize_row_*_r4 bit for bit (same operations, same order).
#include "ik_quant_blocks.h"
#include "kernels.h"

namespace gguf::quant {
namespace {

using namespace ik;

constexpr int kRows = 4;

// Scale byte of sub-block `is` (8 * block + row, +4 for the second half):
// four bits from scales_l, for the 6-bit scales two more from scales_h.
int low_scale(const uint8_t* scales_l, int is) { return (scales_l[is % 32] >> (4 * (is / 32))) & 0xf; }
int six_bit_scale(const uint8_t* scales_l, const uint8_t* scales_h, int is) {
    return low_scale(scales_l, is) | (((scales_h[is % 16] >> (2 * (is / 16))) & 3) << 4);
}

// IQ2_K_R4 (304 bytes a block): d[4], extra[8], scales[32], qs[256].
// IQ3_K_R4 (440): d[4], extra[8], scales_h[8], scales_l[32], qs[256], qh[128].
template <bool ThirdBit>
void dequantize_iq23_k_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / kRows;
    const int block_bytes = ThirdBit ? 440 : 304;
    const int qs_at = ThirdBit ? 56 : 48;
    for (int64_t b = 0; b < per_row / kSuperBlockSize; ++b, src += block_bytes) {
        const uint8_t* extra = src + 8;
        for (int r = 0; r < kRows; ++r) {
            float* y = dst + r * per_row + b * kSuperBlockSize;
            const float d = load_f16(src + 2 * r);
            const uint8_t* ql = src + qs_at;
            const uint8_t* qh = src + 312;
            for (int ib = 0; ib < kSuperBlockSize / 32; ++ib, y += 32) {
                float dl1, dl2;
                const int is = 8 * ib + r;
                if constexpr (ThirdBit) {
                    const uint8_t* scales_h = src + 16;
                    const uint8_t* scales_l = src + 24;
                    const int sign1 = ((scales_h[is % 8] >> (is / 8)) & 1) ? -1 : 1;
                    const int sign2 = ((scales_h[(is + 4) % 8] >> ((is + 4) / 8)) & 1) ? -1 : 1;
                    dl1 = d * static_cast<float>(2 * low_scale(scales_l, is) + 1) * static_cast<float>(sign1);
                    dl2 = d * static_cast<float>(2 * low_scale(scales_l, is + 4) + 1) * static_cast<float>(sign2);
                } else {
                    dl1 = d * static_cast<float>(low_scale(src + 16, is) - 8);
                    dl2 = d * static_cast<float>(low_scale(src + 16, is + 4) - 8);
                }
                const int8_t* values = ThirdBit ? kIq3Values : kIq2Values;
                const int half = ThirdBit ? 8 : 4;
                const int8_t* v1 = values + ((extra[r] & (1 << ib)) ? half : 0);
                const int8_t* v2 = values + ((extra[r + 4] & (1 << ib)) ? half : 0);
                for (int i = 0; i < 4; ++i) {
                    const uint8_t lo = ql[4 * r + i];
                    const uint8_t hi = ql[4 * r + i + 16];
                    const int h = ThirdBit ? qh[4 * r + i] : 0;
                    for (int part = 0; part < 4; ++part) {
                        // The third bit of value `part` of each half: bit part (first half) or part + 4.
                        const int b1 = ThirdBit ? ((h >> part) & 1) << 2 : 0;
                        const int b2 = ThirdBit ? ((h >> (part + 4)) & 1) << 2 : 0;
                        y[i + 4 * part] = dl1 * static_cast<float>(v1[((lo >> (2 * part)) & 3) | b1]);
                        y[i + 4 * part + 16] = dl2 * static_cast<float>(v2[((hi >> (2 * part)) & 3) | b2]);
                    }
                }
                ql += 32;
                qh += 16;
            }
        }
    }
}

// Where value j of a sub-block's 32 sits for the nibble-packed _R4 types:
// byte 4 * row + i + 16 * q of the sub-block's 64 (128 with a fifth bit
// elsewhere), low nibble at kLow[q] + i, high nibble at kLow[q] + 8 + i.
constexpr int kLow[4] = {0, 16, 4, 20};

// IQ4_K_R4 (576): d[4], extra[8], scales_h[16], scales_l[32], qs[512].
// IQ5_K_R4 (704): as IQ4_K_R4, then qh[128].
// IQ4_KS_R4 (544): scales[32], qs[512]. IQ5_KS_R4 (672): as IQ4_KS_R4, then qh[128].
template <bool FifthBit, bool RowScales>
void dequantize_iq45_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / kRows;
    const int qs_at = RowScales ? 32 : 64;
    const int block_bytes = qs_at + 512 + (FifthBit ? 128 : 0);
    const uint8_t* row_scales = src;
    if constexpr (RowScales) src += 4 * kRows;
    const int8_t* values = FifthBit ? kIq5Values : kIq4Values;
    const int half = FifthBit ? 32 : 16;
    for (int64_t b = 0; b < per_row / kSuperBlockSize; ++b, src += block_bytes) {
        const uint8_t* qs = src + qs_at;
        const uint8_t* qh = src + qs_at + 512;
        for (int r = 0; r < kRows; ++r) {
            float* y = dst + r * per_row + b * kSuperBlockSize;
            const float d = RowScales ? load_f32(row_scales + 4 * r) : load_f16(src + 2 * r);
            for (int ib = 0; ib < kSuperBlockSize / 32; ++ib, y += 32) {
                float dl1, dl2;
                const int8_t *v1, *v2;
                if constexpr (RowScales) {
                    const uint8_t sc = src[4 * ib + r];
                    dl1 = dl2 = d * static_cast<float>((sc & 254) - 127);
                    v1 = v2 = values + ((sc & 1) ? half : 0);
                } else {
                    const int is = 8 * ib + r;
                    dl1 = d * static_cast<float>(six_bit_scale(src + 32, src + 16, is) - 32);
                    dl2 = d * static_cast<float>(six_bit_scale(src + 32, src + 16, is + 4) - 32);
                    v1 = values + ((src[8 + r] & (1 << ib)) ? half : 0);
                    v2 = values + ((src[8 + r + 4] & (1 << ib)) ? half : 0);
                }
                for (int i = 0; i < 4; ++i) {
                    const int h = FifthBit ? qh[16 * ib + 4 * r + i] : 0;
                    for (int q = 0; q < 4; ++q) {
                        const uint8_t byte = qs[64 * ib + 4 * r + i + 16 * q];
                        // Bytes 0 and 2 of the four belong to the first half (dl1), 1 and 3 to the second.
                        const float dl = (q % 2) ? dl2 : dl1;
                        const int8_t* v = (q % 2) ? v2 : v1;
                        const int b_lo = FifthBit ? ((h >> (2 * q)) & 1) << 4 : 0;
                        const int b_hi = FifthBit ? ((h >> (2 * q + 1)) & 1) << 4 : 0;
                        y[kLow[q] + i] = dl * static_cast<float>(v[(byte & 0xf) | b_lo]);
                        y[kLow[q] + 8 + i] = dl * static_cast<float>(v[(byte >> 4) | b_hi]);
                    }
                }
            }
        }
    }
}

// IQ2_BN_R4: four f32 row scales, then 64-byte blocks (16 bytes a row).
void dequantize_iq2_bn_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / kRows;
    const uint8_t* qx = src + 4 * kRows;
    for (int64_t b = 0; b < per_row / kBitnetBlock; ++b, qx += 64) {
        for (int r = 0; r < kRows; ++r) {
            const float d = load_f32(src + 4 * r);
            float* y = dst + r * per_row + b * kBitnetBlock;
            for (int l = 0; l < 4; ++l) {
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qx[4 * r + i + 16 * l];
                    for (int part = 0; part < 4; ++part) {
                        y[16 * l + i + 4 * part] = d * static_cast<float>(((q >> (2 * part)) & 3) - 1);
                    }
                }
            }
        }
    }
}

// Q6_0_R4 (104 bytes): d[4], qh[32], qs[64]. ik computes d * q - 32 * d here
// (not (q - 32) * d as for Q6_0), which rounds differently.
void dequantize_q6_0_r4(const uint8_t* src, float* dst, int64_t n) {
    const int64_t per_row = n / kRows;
    for (int64_t b = 0; b < per_row / kQ6_0Block; ++b, src += 104) {
        const uint8_t* qh = src + 8;
        const uint8_t* qs = src + 40;
        for (int r = 0; r < kRows; ++r) {
            float* y = dst + r * per_row + b * kQ6_0Block;
            const float d = load_f16(src + 2 * r);
            const float m = -32 * d;
            for (int l = 0; l < 4; ++l) {
                const int at = 16 * (l % 2) + 4 * (l / 2);
                for (int i = 0; i < 4; ++i) {
                    const uint8_t q = qs[4 * r + i + 16 * l];
                    const uint8_t h = qh[4 * r + i + 16 * (l % 2)];
                    const int lo = (q & 0xf) | (((h >> (2 * (l / 2))) & 3) << 4);
                    const int hi = (q >> 4) | (((h >> (2 * (l / 2) + 4)) & 3) << 4);
                    y[at + i] = d * static_cast<float>(lo) + m;
                    y[at + i + 8] = d * static_cast<float>(hi) + m;
                }
            }
        }
    }
}

constexpr Kernels kIkQuantsR4[] = {
    {TensorType::IQ2_K_R4, nullptr, dequantize_iq23_k_r4<false>, false, kRows},
    {TensorType::IQ3_K_R4, nullptr, dequantize_iq23_k_r4<true>, false, kRows},
    {TensorType::IQ4_K_R4, nullptr, dequantize_iq45_r4<false, false>, false, kRows},
    {TensorType::IQ5_K_R4, nullptr, dequantize_iq45_r4<true, false>, false, kRows},
    {TensorType::IQ4_KS_R4, nullptr, dequantize_iq45_r4<false, true>, false, kRows},
    {TensorType::IQ5_KS_R4, nullptr, dequantize_iq45_r4<true, true>, false, kRows},
    {TensorType::IQ2_BN_R4, nullptr, dequantize_iq2_bn_r4, false, kRows},
    {TensorType::Q6_0_R4, nullptr, dequantize_q6_0_r4, false, kRows},
};

}  // namespace

std::span<const Kernels> ik_quant_r4_kernels() { return kIkQuantsR4; }

}  // namespace gguf::quant
