#version 460
// Q2_K super-blocks (256 values: sixteen sub-blocks of 16 with 4-bit scales
// and minimums, 2-bit quants); quantize_block_q2_k in
// libgguf/src/quant/cpu/k_quants.cpp is the definition followed.
//
// Sixteen invocations share a super-block, one per sub-block, as in
// k_quants.comp: each searches its sub-block, each derives the same
// super-block scales from the sixteen results, each requantizes its
// sub-block, and each writes a slice of the bytes.
#include "bindings.glsl"
#include "searches.glsl"
#include "k_super_block.glsl"

layout(constant_id = 0) const int kUnused0 = 0;
layout(constant_id = 1) const int kUnused1 = 0;

float sigma2;  // weighted: mean square of the super-block

// Sub-block j's affine search (its quants left in lq), with its weight sum
// when weighted.
float search_sub_block(int j, bool weighted, out float weight_sum, out float neg_min) {
    load_sub_block(j, 16);
    if (weighted) {
        weight_sum = sigma_weights(j, 16, sigma2);
        return affine_scale(16, 3, -0.9, 0.05, 36, false, neg_min);
    }
    weight_sum = 0.0;
    for (int l = 0; l < 16; ++l) ws[l] = abs(xs[l]);
    return affine_scale(16, 3, -0.5, 0.1, 15, true, neg_min);
}

// The largest of 16 non-negative values, or 0.
float largest(float v[16]) {
    float m = 0.0;
    for (int j = 0; j < 16; ++j) {
        if (v[j] > m) m = v[j];
    }
    return m;
}

// Per super-block of the workgroup (four of them): the sub-blocks' search
// results, then their final quants.
shared float shared_scales[64], shared_mins[64], shared_sw[64];
shared int shared_quants[4][256];

void main() {
    const uint slot = gl_LocalInvocationID.x / 16u;   // super-block within the workgroup
    const int j = int(gl_LocalInvocationID.x % 16u);  // this invocation's sub-block
    const uint unit = gl_GlobalInvocationID.x / 16u;
    const bool live = unit < params.units;  // every invocation reaches the barriers
    const bool weighted = params.weighted != 0u;
    const uint first = slot * 16u;
    if (live) {
        start_super_block(unit);
        if (weighted) sigma2 = fdiv(super_block_squares(), 256.0);
        float weight_sum, neg_min;
        shared_scales[first + j] = search_sub_block(j, weighted, weight_sum, neg_min);
        shared_mins[first + j] = neg_min;
        shared_sw[first + j] = weight_sum;
    }
    barrier();
    if (live) {
        const uint out_at = unit * 84u;
        float scales[16], mins[16], sw[16];
        for (int k = 0; k < 16; ++k) {
            scales[k] = shared_scales[first + k];
            mins[k] = shared_mins[first + k];
            sw[k] = shared_sw[first + k];
        }
        int sc[16];
        float d_block, m_block;
        if (!weighted) {
            const float max_scale = largest(scales), max_min = largest(mins);
            for (int k = 0; k < 16; ++k) sc[k] = 0;
            d_block = m_block = 0.0;
            if (max_scale > 0.0) {
                const float iscale = fdiv(15.0, max_scale);
                for (int k = 0; k < 16; ++k) {
                    precise float scaled = iscale * scales[k];
                    sc[k] = nearest_int(scaled) & 0xff;
                }
                d_block = fdiv(max_scale, 15.0);
            }
            if (max_min > 0.0) {
                const float iscale = fdiv(15.0, max_min);
                for (int k = 0; k < 16; ++k) {
                    precise float scaled = iscale * mins[k];
                    sc[k] = (sc[k] | (nearest_int(scaled) << 4)) & 0xff;
                }
                m_block = fdiv(max_min, 15.0);
            }
        } else {
            int ls[16], lm[16];
            d_block = positive_scale(16, 15, scales, sw, ls);
            m_block = positive_scale(16, 15, mins, sw, lm);
            for (int k = 0; k < 16; ++k) sc[k] = (ls[k] | (lm[k] << 4)) & 0xff;
        }
        const uint d_half = fp32_to_fp16(d_block), m_half = fp32_to_fp16(m_block);
        dst[out_at + uint(j)] = uint8_t(sc[j]);
        if (j == 0) {
            store_u16(out_at + 80u, d_half);
            store_u16(out_at + 82u, m_half);
        }
        const float dd = fp16_to_fp32(d_half), dmin = fp16_to_fp32(m_half);

        // This sub-block's final quants, from its stored scale and minimum.
        precise float d = dd * float(sc[j] & 0xf);
        if (d == 0.0) {  // the search's own quants stay
            float unused_sum, unused_min;
            search_sub_block(j, weighted, unused_sum, unused_min);
        } else {
            load_sub_block(j, 16);
            precise float m = dmin * float(sc[j] >> 4);
            for (int l = 0; l < 16; ++l) {
                precise float shifted = xs[l] + m;
                lq[l] = clamp(nearest_int(fdiv(shifted, d)), 0, 3);
            }
        }
        for (int l = 0; l < 16; ++l) shared_quants[slot][16 * j + l] = lq[l];
    }
    barrier();
    if (!live) return;
    // Four quants a byte: value 128h + 32s + l in bits 2s of byte 32h + l;
    // this invocation writes bytes 4j..4j + 3 of the 64.
    const uint out_at = unit * 84u;
    for (int b = 4 * j; b < 4 * j + 4; ++b) {
        const int base = 128 * (b / 32) + b % 32;
        const int packed = shared_quants[slot][base] | (shared_quants[slot][base + 32] << 2) | (shared_quants[slot][base + 64] << 4) |
                           (shared_quants[slot][base + 96] << 6);
        dst[out_at + 16u + uint(b)] = uint8_t(packed & 0xff);
    }
}
