#version 460
// Q4_K and Q5_K super-blocks (256 values: eight sub-blocks of 32 with 6-bit
// scales and minimums), chosen by the bit width; quantize_scales_q45 in
// libgguf/src/quant/cpu/k_quants.cpp is the definition followed.
#include "bindings.glsl"
#include "searches.glsl"
#include "k_super_block.glsl"

layout(constant_id = 0) const int kBits = 4;  // 4 or 5
layout(constant_id = 1) const int kUnused = 0;

const int kTop = (1 << kBits) - 1;
const int kBytes = kBits == 4 ? 144 : 176;
const int kQs = kBits == 4 ? 16 : 48;

float sigma2;  // weighted: 2 * mean square of the super-block

// The search weights of sub-block j (in ws) and their sum.
float sub_block_weights(int j, bool weighted) {
    if (weighted) return sigma_weights(j, 32, sigma2);
    precise float sum = 0.0;
    for (int l = 0; l < 32; ++l) sum = sum + xs[l] * xs[l];
    const float av_x = fsqrt(fdiv(sum, 32.0));
    for (int l = 0; l < 32; ++l) {
        precise float w = av_x + abs(xs[l]);
        ws[l] = w;
    }
    return 0.0;
}

float search_sub_block(bool weighted, out float neg_min) {
    if (weighted) return affine_scale(32, kTop, -0.9, 0.05, 36, false, neg_min);
    if (kBits == 4) return affine_scale(32, kTop, -1.0, 0.1, 20, false, neg_min);
    return affine_scale(32, kTop, -0.5, 0.1, 15, false, neg_min);
}

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    if (unit >= params.units) return;
    const bool weighted = params.weighted != 0u;
    start_super_block(unit);
    const uint out_at = unit * uint(kBytes);

    float scales[16], mins[16], sw[16];
    int ls[16], lm[16];
    for (int j = 8; j < 16; ++j) scales[j] = mins[j] = sw[j] = 0.0;
    if (weighted) {
        precise float twice = 2.0 * super_block_squares();
        sigma2 = fdiv(twice, 256.0);
    }
    for (int j = 0; j < 8; ++j) {
        load_sub_block(j, 32);
        sw[j] = sub_block_weights(j, weighted);
        float neg_min;
        scales[j] = search_sub_block(weighted, neg_min);
        mins[j] = neg_min;
    }
    float d_block, m_block;
    if (!weighted) {
        float max_scale = 0.0, max_min = 0.0;
        for (int j = 0; j < 8; ++j) {
            if (scales[j] > max_scale) max_scale = scales[j];
            if (mins[j] > max_min) max_min = mins[j];
        }
        const float inv_scale = max_scale > 0.0 ? fdiv(63.0, max_scale) : 0.0;
        const float inv_min = max_min > 0.0 ? fdiv(63.0, max_min) : 0.0;
        for (int j = 0; j < 8; ++j) {
            precise float s = inv_scale * scales[j];
            precise float m = inv_min * mins[j];
            const int sq = nearest_int(s) & 0xff, mq = nearest_int(m) & 0xff;
            ls[j] = sq < 63 ? sq : 63;
            lm[j] = mq < 63 ? mq : 63;
        }
        d_block = fdiv(max_scale, 63.0);
        m_block = fdiv(max_min, 63.0);
    } else {
        d_block = positive_scale(8, 63, scales, sw, ls);
        m_block = positive_scale(8, 63, mins, sw, lm);
        for (int j = 0; j < 8; ++j) {
            ls[j] &= 0xff;
            lm[j] &= 0xff;
            if (kBits == 5) {
                ls[j] = ls[j] < 63 ? ls[j] : 63;
                lm[j] = lm[j] < 63 ? lm[j] : 63;
            }
        }
    }
    // The 12 scale bytes, with ggml's byte arithmetic for wide values.
    int packed[12];
    for (int j = 0; j < 4; ++j) {
        packed[j] = ls[j];
        packed[j + 4] = lm[j];
    }
    for (int j = 4; j < 8; ++j) {
        packed[j + 4] = (ls[j] & 0xf) | ((lm[j] & 0xf) << 4);
        packed[j - 4] |= (ls[j] >> 4) << 6;
        packed[j] |= (lm[j] >> 4) << 6;
    }
    const uint d_half = fp32_to_fp16(d_block), m_half = fp32_to_fp16(m_block);
    store_u16(out_at, d_half);
    store_u16(out_at + 2, m_half);
    for (int j = 0; j < 12; ++j) dst[out_at + 4 + uint(j)] = uint8_t(packed[j] & 0xff);
    const float dd = fp16_to_fp32(d_half), dmin = fp16_to_fp32(m_half);

    // Final quants, a pair of sub-blocks (one byte column) at a time.
    uint qh[8];
    for (int k = 0; k < 8; ++k) qh[k] = 0u;
    int pair_quants[64];
    for (int p = 0; p < 4; ++p) {
        for (int half_index = 0; half_index < 2; ++half_index) {
            const int j = 2 * p + half_index;
            int s, m;
            if (j < 4) {
                s = packed[j] & 63;
                m = packed[j + 4] & 63;
            } else {
                s = (packed[j + 4] & 0xf) | (((packed[j - 4] & 0xff) >> 6) << 4);
                m = ((packed[j + 4] & 0xff) >> 4) | (((packed[j] & 0xff) >> 6) << 4);
            }
            load_sub_block(j, 32);
            precise float d = dd * float(s);
            if (d == 0.0) {  // the search's own quants stay
                sub_block_weights(j, weighted);
                float unused;
                search_sub_block(weighted, unused);
            } else {
                precise float dm = dmin * float(m);
                for (int l = 0; l < 32; ++l) {
                    precise float shifted = xs[l] + dm;
                    lq[l] = clamp(nearest_int(fdiv(shifted, d)), 0, kTop);
                }
            }
            for (int l = 0; l < 32; ++l) pair_quants[32 * half_index + l] = lq[l];
        }
        for (int l = 0; l < 32; ++l) {
            int l1 = pair_quants[l], l2 = pair_quants[32 + l];
            if (kBits == 5) {
                if (l1 > 15) {
                    l1 -= 16;
                    qh[l / 4] |= (1u << (2 * p)) << (8 * (l % 4));
                }
                if (l2 > 15) {
                    l2 -= 16;
                    qh[l / 4] |= (2u << (2 * p)) << (8 * (l % 4));
                }
            }
            dst[out_at + uint(kQs + 32 * p + l)] = uint8_t((l1 | (l2 << 4)) & 0xff);
        }
    }
    if (kBits == 5) {
        for (int k = 0; k < 32; ++k) dst[out_at + 16u + uint(k)] = uint8_t((qh[k / 4] >> (8 * (k % 4))) & 0xffu);
    }
}
