// ik_llama.cpp's own row types, read back to floats: Q6_0, Q8_KV, the BitNet
// types (IQ1_BN, IQ2_BN, and I2_S, whose scale is the tensor's), the
// non-linear _K types (IQ2_K .. IQ6_K) and their per-row-scaled variants
// (IQ2_KS, IQ3_KS, IQ4_KS, IQ4_KSS, IQ5_KS, IQ2_KL).
//
// Floats equal ik's dequantize_row_* bit for bit (tests/ik/ik_dequant_test.cpp
// against digests recorded from ik's build): each value is computed with the
// same float operations in the same order (a sub-block scale d * s first,
// then scale * value), and the library builds with -ffp-contract=off so no
// product and sum fuse. gguf-mtp does not write these types.
#include <string>

#include "ik_quant_blocks.h"
#include "kernels.h"

namespace gguf::quant {
namespace {

using namespace ik;

void dequantize_q6_0(const uint8_t* src, float* dst, int64_t n) {
    using L = Q6_0Layout;
    for (int64_t b = 0; b < n / kQ6_0Block; ++b, src += L::kBytes, dst += kQ6_0Block) {
        const float d = load_f16(src + L::kD);
        const uint8_t* qh = src + L::kQh;
        const uint8_t* qs = src + L::kQs;
        for (int j = 0; j < kQ6_0Block / 2; ++j) {
            const uint8_t h = static_cast<uint8_t>(qh[j % 8] >> (4 * (j / 8)));
            const int lo = ((qs[j] & 0x0F) | ((h << 4) & 0x30)) - 32;
            const int hi = ((qs[j] >> 4) | ((h << 2) & 0x30)) - 32;
            dst[j] = static_cast<float>(lo) * d;
            dst[j + kQ6_0Block / 2] = static_cast<float>(hi) * d;
        }
    }
}

// Q8_KV: each row is its f32 scale d, the int32 sum of its quants (only
// ik's dot products use it) and one int8 quant q per value: d * q.
void dequantize_q8_kv(const uint8_t* src, float* dst, int64_t n) {
    const float d = load_f32(src);
    const auto* q = reinterpret_cast<const int8_t*>(src + kQ8KvRowMeta);
    for (int64_t j = 0; j < n; ++j) dst[j] = d * static_cast<float>(q[j]);
}

// ik's to_float for the BitNet types starts reading blocks at the row's first
// byte, over the row scale, and applies no scale (its matrix kernels do):
// gguf-mtp gives the same floats, as ik's get_rows and requantizing do.
float bitnet_trit(uint8_t q, uint8_t mult) {
    const auto v = static_cast<uint8_t>(q * mult);
    const auto trit = static_cast<int8_t>((v + (v >> 1)) >> 7);
    return static_cast<float>(trit - 1);
}

void dequantize_iq1_bn(const uint8_t* src, float* dst, int64_t n) {
    static constexpr uint8_t kMult[5] = {81, 27, 9, 3, 1};
    using L = Iq1bnLayout;
    for (int64_t b = 0; b < n / kBitnetBlock; ++b, src += L::kBytes) {
        for (int group = 0; group < 4; ++group) {
            for (int k = 0; k < 3; ++k) {
                for (int j = 0; j < 5; ++j) *dst++ = bitnet_trit(src[L::kQl + 3 * group + k], kMult[j]);
            }
            *dst++ = bitnet_trit(src[L::kExtra], kMult[group]);
        }
    }
}

void dequantize_iq2_bn(const uint8_t* src, float* dst, int64_t n) {
    static constexpr float kStep[4] = {1.f, 0.25f, 0.25f * 0.25f, 0.25f * 0.25f * 0.25f};
    constexpr float kOffset = -1.f;
    constexpr int kStride = kBitnetBlock / 4;
    for (int64_t b = 0; b < n / kBitnetBlock; ++b, src += Iq2bnLayout::kBytes, dst += kBitnetBlock) {
        for (int j = 0; j < kStride; ++j) {
            for (int part = 0; part < 4; ++part) {
                const int q = src[j] & (0x03 << (2 * part));
                dst[j + part * kStride] = kStep[part] * static_cast<float>(q) + kOffset;
            }
        }
    }
}

// I2_S (BitNet b1.58 as Microsoft's bitnet.cpp packs it): 2-bit codes c,
// each value d * (c - 1), with one f32 scale d for the whole tensor in its
// trailer. Every 32 bytes hold 128 values: value 32g + j is bits 6 - 2g and
// 7 - 2g of byte j. ik's to_float runs once over the whole tensor (as ik's
// llama-quantize calls it), so the blocks run on across rows: rows are
// read only where they start a block (the table's row_multiple).
Status dequantize_i2_s(std::span<const uint8_t> rows, uint64_t, std::span<float> dst, std::span<const uint8_t> trailer) {
    const float d = load_f32(trailer.data());
    for (size_t b = 0; b < dst.size() / kI2sBlock; ++b) {
        const uint8_t* x = rows.data() + b * (kI2sBlock / 4);
        float* y = dst.data() + b * kI2sBlock;
        for (int g = 0; g < 4; ++g) {
            for (int j = 0; j < kI2sBlock / 4; ++j) y[32 * g + j] = d * static_cast<float>(((x[j] >> (6 - 2 * g)) & 3) - 1);
        }
    }
    return {};
}

// `count` 2-bit indices at bit `shift` of qs[0..count), as dl * table[index].
void put_two_bit(float* dst, int count, const uint8_t* qs, int shift, float dl, const int8_t* table) {
    for (int j = 0; j < count; ++j) dst[j] = dl * static_cast<float>(table[(qs[j] >> shift) & 3]);
}

// IQ2_K / IQ2_KS: bit `bit` of extra picks the shifted half of the table.
const int8_t* iq2_table(uint16_t extra, int bit) { return kIq2Values + (((extra >> bit) & 1) ? 4 : 0); }

// Sub-blocks of 32 (16 + 16), scales 4 bits each; the quants of sub-block ib
// sit at bits 2 * (ib % 4) of the 32 bytes ib / 4 covers.
void dequantize_iq2_k(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq2kLayout;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += L::kBytes) {
        const float d = load_f16(src + L::kD);
        const uint16_t extra = load_u16(src + L::kExtra);
        for (int ib = 0; ib < kSuperBlockSize / 32; ++ib, dst += 32) {
            const uint8_t sc = src[L::kScales + ib];
            const float dl1 = d * static_cast<float>((sc & 0xf) - 8);
            const float dl2 = d * static_cast<float>((sc >> 4) - 8);
            const uint8_t* qs = src + L::kQs + 32 * (ib / 4);
            put_two_bit(dst, 16, qs, 2 * (ib % 4), dl1, iq2_table(extra, 2 * ib));
            put_two_bit(dst + 16, 16, qs + 16, 2 * (ib % 4), dl2, iq2_table(extra, 2 * ib + 1));
        }
    }
}

// Sub-blocks of 64 (32 + 32), scales 5 bits each (the fifth in extra's high
// byte); sub-block ib's two halves sit at bits 4 * (ib % 2) and 4 * (ib % 2) + 2.
void dequantize_iq2_ks(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq2ksLayout;
    const float d = load_f16(src);
    src += 2;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += L::kBytes) {
        const uint16_t extra = load_u16(src + L::kExtra);
        for (int ib = 0; ib < kSuperBlockSize / 64; ++ib, dst += 64) {
            const uint8_t sc = src[L::kScales + ib];
            const float dl1 = d * static_cast<float>(((sc & 0xf) | (((extra >> (8 + 2 * ib)) & 1) << 4)) - 16);
            const float dl2 = d * static_cast<float>(((sc >> 4) | (((extra >> (9 + 2 * ib)) & 1) << 4)) - 16);
            const uint8_t* qs = src + L::kQs + 32 * (ib / 2);
            put_two_bit(dst, 32, qs, 4 * (ib % 2), dl1, iq2_table(extra, 2 * ib));
            put_two_bit(dst + 32, 32, qs, 4 * (ib % 2) + 2, dl2, iq2_table(extra, 2 * ib + 1));
        }
    }
}

void dequantize_iq2_kl(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq2klLayout;
    const float d = load_f16(src);
    src += 2;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += L::kBytes) {
        const uint16_t scales_h = load_u16(src + L::kScalesH);
        const uint8_t* scales_l = src + L::kScalesL;
        const uint8_t* qs = src + L::kQs;
        const uint8_t* qh = src + L::kQh;
        for (int ib = 0; ib < kSuperBlockSize / 64; ++ib) {
            const int s1 = ((scales_l[(2 * ib) % 4] >> (4 * (ib / 2))) & 0xf) | (((scales_h >> (4 * ib)) & 3) << 4);
            const int s2 = ((scales_l[(2 * ib + 1) % 4] >> (4 * (ib / 2))) & 0xf) | (((scales_h >> (4 * ib + 2)) & 3) << 4);
            const float dl1 = d * static_cast<float>(s1 - 32);
            const float dl2 = d * static_cast<float>(s2 - 32);
            for (int j = 0; j < 16; ++j) {
                const uint16_t p1 = kIq2klPairs[(qs[j] & 0xf) | (((qh[j] >> (2 * ib)) & 1) << 4)];
                const uint16_t p2 = kIq2klPairs[(qs[j] >> 4) | (((qh[j] >> (2 * ib + 1)) & 1) << 4)];
                dst[2 * j] = dl1 * static_cast<float>(static_cast<int8_t>(p1 & 0xff));
                dst[2 * j + 1] = dl1 * static_cast<float>(static_cast<int8_t>(p1 >> 8));
                dst[2 * j + 32] = dl2 * static_cast<float>(static_cast<int8_t>(p2 & 0xff));
                dst[2 * j + 33] = dl2 * static_cast<float>(static_cast<int8_t>(p2 >> 8));
            }
            dst += 64;
            qs += 16;
        }
    }
}

void dequantize_iq3_k(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq3kLayout;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += L::kBytes) {
        const float d = load_f16(src + L::kD);
        const uint8_t* qs = src + L::kQs;
        const uint8_t* qh = src + L::kQh;
        uint16_t signs = load_u16(src + L::kScalesH);
        uint16_t extra = load_u16(src + L::kExtra);
        for (int ib = 0; ib < kSuperBlockSize / 32; ++ib) {
            const uint8_t sl = src[L::kScalesL + ib];
            const float dl1 = d * static_cast<float>((2 * (sl & 0xf) + 1) * ((signs & 1) ? -1 : 1));
            const float dl2 = d * static_cast<float>((2 * (sl >> 4) + 1) * ((signs & 2) ? -1 : 1));
            signs >>= 2;
            const int8_t* v1 = kIq3Values + ((extra & 1) ? 8 : 0);
            const int8_t* v2 = kIq3Values + ((extra & 2) ? 8 : 0);
            extra >>= 2;
            const int shift_l = 2 * (ib % 4);
            const int shift_h = ib % 8;
            for (int j = 0; j < 16; ++j) {
                dst[j] = dl1 * static_cast<float>(v1[((qs[j] >> shift_l) & 3) | (((qh[j] >> shift_h) & 1) << 2)]);
                dst[j + 16] = dl2 * static_cast<float>(v2[((qs[j + 16] >> shift_l) & 3) | (((qh[j + 16] >> shift_h) & 1) << 2)]);
            }
            dst += 32;
            if (shift_l == 6) qs += 32;
        }
    }
}

void dequantize_iq3_ks(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq3ksLayout;
    const float d = load_f16(src);
    src += 2;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += L::kBytes) {
        const uint16_t extra = load_u16(src + L::kExtra);
        float dl[8];
        for (int j = 0; j < 4; ++j) {
            const uint8_t sc = src[L::kScales + j];
            dl[j] = d * static_cast<float>(((sc & 0xf) | (((extra >> j) & 1) << 4)) - 16);
            dl[j + 4] = d * static_cast<float>(((sc >> 4) | (((extra >> (j + 4)) & 1) << 4)) - 16);
        }
        const uint8_t* qs = src + L::kQs;
        const uint8_t* qh = src + L::kQh;
        for (int half = 0; half < 2; ++half) {
            for (int ib = 0; ib < 4; ++ib) {
                const int sub = 4 * half + ib;
                const int8_t* v = kIq3Values + (((extra >> (8 + sub)) & 1) << 3);
                for (int j = 0; j < 32; ++j) {
                    dst[j] = dl[sub] * static_cast<float>(v[((qs[j] >> (2 * ib)) & 3) | (((qh[j] >> sub) & 1) << 2)]);
                }
                dst += 32;
            }
            qs += 32;
        }
    }
}

// IQ4_K and IQ5_K share their scales: 6 bits each, the low 4 in scales_l,
// the high 2 in scales_h.
template <bool FifthBit>
void dequantize_iq45_k(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq45kLayout;
    const int block_bytes = FifthBit ? L::kBytesIq5 : L::kBytesIq4;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += block_bytes) {
        const float d = load_f16(src + L::kD);
        const uint8_t* sl = src + L::kScalesL;
        const uint8_t* sh = src + L::kScalesH;
        const uint8_t* qs = src + L::kQs;
        uint16_t extra = load_u16(src + L::kExtra);
        if constexpr (!FifthBit) {
            for (int ib = 0; ib < kSuperBlockSize / 32; ++ib) {
                const auto h = static_cast<uint8_t>(sh[ib / 2] >> (4 * (ib % 2)));
                const float dl1 = d * static_cast<float>(((sl[ib] & 0xf) | ((h << 4) & 0x30)) - 32);
                const float dl2 = d * static_cast<float>(((sl[ib] >> 4) | ((h << 2) & 0x30)) - 32);
                const int8_t* v1 = kIq4Values + ((extra & 1) ? 16 : 0);
                const int8_t* v2 = kIq4Values + ((extra & 2) ? 16 : 0);
                extra >>= 2;
                for (int j = 0; j < 16; ++j) {
                    dst[j] = dl1 * static_cast<float>(v1[qs[j] & 0xf]);
                    dst[j + 16] = dl2 * static_cast<float>(v2[qs[j] >> 4]);
                }
                dst += 32;
                qs += 16;
            }
        } else {
            const uint8_t* qh = src + L::kQh;
            int shift = 0;
            for (int ib = 0; ib < kSuperBlockSize / 64; ++ib) {
                const float dl1 = d * static_cast<float>(((sl[2 * ib] & 0xf) | ((sh[ib] << 4) & 0x30)) - 32);
                const float dl2 = d * static_cast<float>(((sl[2 * ib] >> 4) | ((sh[ib] << 2) & 0x30)) - 32);
                const float dl3 = d * static_cast<float>(((sl[2 * ib + 1] & 0xf) | (sh[ib] & 0x30)) - 32);
                const float dl4 = d * static_cast<float>(((sl[2 * ib + 1] >> 4) | ((sh[ib] >> 2) & 0x30)) - 32);
                const int8_t* v1 = kIq5Values + ((extra & 1) << 5);
                const int8_t* v2 = kIq5Values + ((extra & 2) << 4);
                const int8_t* v3 = kIq5Values + ((extra & 4) << 3);
                const int8_t* v4 = kIq5Values + ((extra & 8) << 2);
                for (int j = 0; j < 16; ++j) {
                    dst[j] = dl1 * static_cast<float>(v1[(qs[j] & 0xf) | (((qh[j] >> shift) & 1) << 4)]);
                    dst[j + 16] = dl2 * static_cast<float>(v2[(qs[j + 16] & 0xf) | (((qh[j + 16] >> shift) & 1) << 4)]);
                    dst[j + 32] = dl3 * static_cast<float>(v3[(qs[j] >> 4) | (((qh[j] >> shift) & 2) << 3)]);
                    dst[j + 48] = dl4 * static_cast<float>(v4[(qs[j + 16] >> 4) | (((qh[j + 16] >> shift) & 2) << 3)]);
                }
                dst += 64;
                qs += 32;
                extra >>= 4;
                shift += 2;
                if (shift == 8) {
                    qh += 32;
                    shift = 0;
                }
            }
        }
    }
}

float iq6_value(int q, float shift) {
    const auto x = static_cast<float>(q);
    return kIq6A + x * (kIq6B + x * (-kIq6C + x * kIq6D)) + shift;
}

void dequantize_iq6_k(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq6kLayout;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += L::kBytes) {
        const float d = load_f16(src + L::kD);
        const auto* scales = reinterpret_cast<const int8_t*>(src + L::kScales);
        const uint8_t* qs = src + L::kQs;
        const uint8_t* qh = src + L::kQh;
        uint16_t extra = load_u16(src + L::kExtra);
        int shift = 0;
        for (int ib = 0; ib < kSuperBlockSize / 64; ++ib) {
            float dl[4], m[4];
            for (int s = 0; s < 4; ++s) {
                dl[s] = d * static_cast<float>(scales[4 * ib + s]);
                m[s] = (extra & (1 << s)) ? kIq6Shift : 0.f;
            }
            for (int j = 0; j < 16; ++j) {
                const int q1 = (qs[j] & 0xf) | (((qh[j] >> shift) & 0x03) << 4);
                const int q2 = (qs[j + 16] & 0xf) | (((qh[j + 16] >> shift) & 0x03) << 4);
                const int q3 = (qs[j] >> 4) | (((qh[j] >> shift) & 0x0c) << 2);
                const int q4 = (qs[j + 16] >> 4) | (((qh[j + 16] >> shift) & 0x0c) << 2);
                dst[j] = dl[0] * iq6_value(q1, m[0]);
                dst[j + 16] = dl[1] * iq6_value(q2, m[1]);
                dst[j + 32] = dl[2] * iq6_value(q3, m[2]);
                dst[j + 48] = dl[3] * iq6_value(q4, m[3]);
            }
            dst += 64;
            qs += 32;
            extra >>= 4;
            shift += 4;
            if (shift == 8) {
                qh += 32;
                shift = 0;
            }
        }
    }
}

// A _KS scale byte: bits 1-7 the scale (offset 127), bit 0 the table half.
float ks_scale(float d, uint8_t sc) { return d * static_cast<float>(static_cast<int>(sc & 254) - 127); }

template <bool FifthBit>
void dequantize_iq45_ks(const uint8_t* src, float* dst, int64_t n) {
    using L = Iq45ksLayout;
    const int block_bytes = FifthBit ? L::kBytesIq5 : L::kBytesIq4;
    const float d = load_f32(src);
    src += 4;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += block_bytes) {
        const uint8_t* scales = src + L::kScales;
        const uint8_t* qs = src + L::kQs;
        if constexpr (!FifthBit) {
            for (int ib = 0; ib < kSuperBlockSize / 32; ++ib) {
                const float dl = ks_scale(d, scales[ib]);
                const int8_t* v = kIq4Values + ((scales[ib] & 1) << 4);
                for (int j = 0; j < 16; ++j) {
                    dst[j] = dl * static_cast<float>(v[qs[j] & 0xf]);
                    dst[j + 16] = dl * static_cast<float>(v[qs[j] >> 4]);
                }
                dst += 32;
                qs += 16;
            }
        } else {
            const uint8_t* qh = src + L::kQh;
            for (int ib = 0; ib < kSuperBlockSize / 64; ++ib) {
                const float dl1 = ks_scale(d, scales[2 * ib]);
                const float dl2 = ks_scale(d, scales[2 * ib + 1]);
                const int8_t* v1 = kIq5Values + ((scales[2 * ib] & 1) << 5);
                const int8_t* v2 = kIq5Values + ((scales[2 * ib + 1] & 1) << 5);
                for (int j = 0; j < 32; ++j) {
                    dst[j] = dl1 * static_cast<float>(v1[(qs[j] & 0xf) | (((qh[j] >> (2 * ib)) & 1) << 4)]);
                    dst[j + 32] = dl2 * static_cast<float>(v2[(qs[j] >> 4) | (((qh[j] >> (2 * ib + 1)) & 1) << 4)]);
                }
                dst += 64;
                qs += 32;
            }
        }
    }
}

// IQ4_KSS: each u16 keeps bits 1-15 of a pair of nibbles, xor-coded (a ^= a >> 1
// restores them), and lends bit 0 to the sub-block's scale byte.
void dequantize_iq4_kss(const uint8_t* src, float* dst, int64_t n) {
    const float d = load_f32(src);
    src += 4;
    for (int64_t b = 0; b < n / kSuperBlockSize; ++b, src += Iq4kssLayout::kBytes) {
        for (int ib = 0; ib < kSuperBlockSize / 32; ++ib) {
            uint8_t nibbles[16];
            int sc = 0;
            for (int k = 0; k < 8; ++k) {
                const uint16_t word = load_u16(src + 16 * ib + 2 * k);
                auto coded = static_cast<uint16_t>(word & 0xfffe);
                coded = static_cast<uint16_t>(coded ^ (coded >> 1));
                nibbles[2 * k] = static_cast<uint8_t>(coded);
                nibbles[2 * k + 1] = static_cast<uint8_t>(coded >> 8);
                sc |= (word & 1) << k;
            }
            const int8_t* v = kIq4Values + ((sc & 1) << 4);
            const float dl = d * static_cast<float>((sc & 254) - 127);
            for (int j = 0; j < 16; ++j) {
                dst[j] = dl * static_cast<float>(v[nibbles[j] & 0xf]);
                dst[j + 16] = dl * static_cast<float>(v[nibbles[j] >> 4]);
            }
            dst += 32;
        }
    }
}

constexpr Kernels kIkQuants[] = {
    {TensorType::Q6_0, nullptr, dequantize_q6_0, false},
    {TensorType::IQ1_BN, nullptr, dequantize_iq1_bn, false},
    {TensorType::IQ2_BN, nullptr, dequantize_iq2_bn, false},
    {TensorType::I2_S, nullptr, nullptr, false, 1, dequantize_i2_s, kI2sBlock},
    {TensorType::Q8_KV, nullptr, dequantize_q8_kv, false},
    {TensorType::IQ2_K, nullptr, dequantize_iq2_k, false},
    {TensorType::IQ3_K, nullptr, dequantize_iq3_k, false},
    {TensorType::IQ4_K, nullptr, dequantize_iq45_k<false>, false},
    {TensorType::IQ5_K, nullptr, dequantize_iq45_k<true>, false},
    {TensorType::IQ6_K, nullptr, dequantize_iq6_k, false},
    {TensorType::IQ2_KS, nullptr, dequantize_iq2_ks, false},
    {TensorType::IQ3_KS, nullptr, dequantize_iq3_ks, false},
    {TensorType::IQ4_KS, nullptr, dequantize_iq45_ks<false>, false},
    {TensorType::IQ4_KSS, nullptr, dequantize_iq4_kss, false},
    {TensorType::IQ5_KS, nullptr, dequantize_iq45_ks<true>, false},
    {TensorType::IQ2_KL, nullptr, dequantize_iq2_kl, false},
};

}  // namespace

std::span<const Kernels> ik_quant_kernels() { return kIkQuants; }

}  // namespace gguf::quant
