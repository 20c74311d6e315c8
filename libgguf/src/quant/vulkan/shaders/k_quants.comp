#version 460
// Q4_K and Q5_K super-blocks (256 values: eight sub-blocks of 32 with 6-bit
// scales and minimums), chosen by the bit width; quantize_scales_q45 in
// libgguf/src/quant/cpu/k_quants.cpp is the definition followed.
//
// Eight invocations share a super-block, one per sub-block: each searches
// its sub-block, each derives the same super-block scales from the eight
// results, each requantizes its sub-block, and each writes a slice of the
// bytes. Every sub-block's floats are those of the sequential definition, so
// the bytes are too.
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

// Per super-block of the workgroup (eight of them): the sub-blocks' search
// results, then their final quants.
shared float shared_scales[64], shared_mins[64], shared_sw[64];
shared int shared_quants[8][256];

void main() {
    const uint slot = gl_LocalInvocationID.x / 8u;   // super-block within the workgroup
    const int j = int(gl_LocalInvocationID.x % 8u);  // this invocation's sub-block
    const uint unit = gl_GlobalInvocationID.x / 8u;
    const bool live = unit < params.units;  // every invocation reaches the barriers
    const bool weighted = params.weighted != 0u;
    const uint first = slot * 8u;
    if (live) {
        start_super_block(unit);
        if (weighted) {
            precise float twice = 2.0 * super_block_squares();
            sigma2 = fdiv(twice, 256.0);
        }
        load_sub_block(j, 32);
        shared_sw[first + j] = sub_block_weights(j, weighted);
        float neg_min;
        shared_scales[first + j] = search_sub_block(weighted, neg_min);
        shared_mins[first + j] = neg_min;
    }
    barrier();
    if (live) {
        const uint out_at = unit * uint(kBytes);
        float scales[16], mins[16], sw[16];
        int ls[16], lm[16];
        for (int k = 0; k < 16; ++k) {
            scales[k] = k < 8 ? shared_scales[first + k] : 0.0;
            mins[k] = k < 8 ? shared_mins[first + k] : 0.0;
            sw[k] = k < 8 ? shared_sw[first + k] : 0.0;
        }
        float d_block, m_block;
        if (!weighted) {
            float max_scale = 0.0, max_min = 0.0;
            for (int k = 0; k < 8; ++k) {
                if (scales[k] > max_scale) max_scale = scales[k];
                if (mins[k] > max_min) max_min = mins[k];
            }
            const float inv_scale = max_scale > 0.0 ? fdiv(63.0, max_scale) : 0.0;
            const float inv_min = max_min > 0.0 ? fdiv(63.0, max_min) : 0.0;
            for (int k = 0; k < 8; ++k) {
                precise float s = inv_scale * scales[k];
                precise float m = inv_min * mins[k];
                const int sq = nearest_int(s) & 0xff, mq = nearest_int(m) & 0xff;
                ls[k] = sq < 63 ? sq : 63;
                lm[k] = mq < 63 ? mq : 63;
            }
            d_block = fdiv(max_scale, 63.0);
            m_block = fdiv(max_min, 63.0);
        } else {
            d_block = positive_scale(8, 63, scales, sw, ls);
            m_block = positive_scale(8, 63, mins, sw, lm);
            for (int k = 0; k < 8; ++k) {
                ls[k] &= 0xff;
                lm[k] &= 0xff;
                if (kBits == 5) {
                    ls[k] = ls[k] < 63 ? ls[k] : 63;
                    lm[k] = lm[k] < 63 ? lm[k] : 63;
                }
            }
        }
        // The 12 scale bytes, with ggml's byte arithmetic for wide values.
        int packed[12];
        for (int k = 0; k < 4; ++k) {
            packed[k] = ls[k];
            packed[k + 4] = lm[k];
        }
        for (int k = 4; k < 8; ++k) {
            packed[k + 4] = (ls[k] & 0xf) | ((lm[k] & 0xf) << 4);
            packed[k - 4] |= (ls[k] >> 4) << 6;
            packed[k] |= (lm[k] >> 4) << 6;
        }
        const uint d_half = fp32_to_fp16(d_block), m_half = fp32_to_fp16(m_block);
        if (j == 0) {
            store_u16(out_at, d_half);
            store_u16(out_at + 2, m_half);
            for (int k = 0; k < 12; ++k) dst[out_at + 4 + uint(k)] = uint8_t(packed[k] & 0xff);
        }
        const float dd = fp16_to_fp32(d_half), dmin = fp16_to_fp32(m_half);

        // This sub-block's final quants, from its stored scale and minimum.
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
        for (int l = 0; l < 32; ++l) shared_quants[slot][32 * j + l] = lq[l];
    }
    barrier();
    if (!live) return;
    // Byte 32p + l holds value 64p + l low and 64p + 32 + l high; this
    // invocation writes bytes 16j..16j + 15 (and, for Q5_K, qh bytes 4j..4j + 3:
    // bit s of byte l is the fifth bit of value 32s + l).
    const uint out_at = unit * uint(kBytes);
    for (int b = 16 * j; b < 16 * j + 16; ++b) {
        const int p = b / 32, l = b % 32;
        const int l1 = shared_quants[slot][64 * p + l] & 15, l2 = shared_quants[slot][64 * p + 32 + l] & 15;
        dst[out_at + uint(kQs + b)] = uint8_t(l1 | (l2 << 4));
    }
    if (kBits == 5) {
        for (int l = 4 * j; l < 4 * j + 4; ++l) {
            int bits = 0;
            for (int k = 0; k < 8; ++k) bits |= (shared_quants[slot][32 * k + l] > 15 ? 1 : 0) << k;
            dst[out_at + 16u + uint(l)] = uint8_t(bits);
        }
    }
}
