#version 460
// Q2_K super-blocks (256 values: sixteen sub-blocks of 16 with 4-bit scales
// and minimums, 2-bit quants); quantize_block_q2_k in
// libgguf/src/quant/cpu/k_quants.cpp is the definition followed.
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

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    if (unit >= params.units) return;
    const bool weighted = params.weighted != 0u;
    start_super_block(unit);
    const uint out_at = unit * 84u;
    if (weighted) sigma2 = fdiv(super_block_squares(), 256.0);

    float scales[16], mins[16], sw[16];
    for (int j = 0; j < 16; ++j) scales[j] = search_sub_block(j, weighted, sw[j], mins[j]);
    int sc[16];
    float d_block, m_block;
    if (!weighted) {
        const float max_scale = largest(scales), max_min = largest(mins);
        for (int j = 0; j < 16; ++j) sc[j] = 0;
        d_block = m_block = 0.0;
        if (max_scale > 0.0) {
            const float iscale = fdiv(15.0, max_scale);
            for (int j = 0; j < 16; ++j) {
                precise float scaled = iscale * scales[j];
                sc[j] = nearest_int(scaled) & 0xff;
            }
            d_block = fdiv(max_scale, 15.0);
        }
        if (max_min > 0.0) {
            const float iscale = fdiv(15.0, max_min);
            for (int j = 0; j < 16; ++j) {
                precise float scaled = iscale * mins[j];
                sc[j] = (sc[j] | (nearest_int(scaled) << 4)) & 0xff;
            }
            m_block = fdiv(max_min, 15.0);
        }
    } else {
        int ls[16], lm[16];
        d_block = positive_scale(16, 15, scales, sw, ls);
        m_block = positive_scale(16, 15, mins, sw, lm);
        for (int j = 0; j < 16; ++j) sc[j] = (ls[j] | (lm[j] << 4)) & 0xff;
    }
    for (int j = 0; j < 16; ++j) dst[out_at + uint(j)] = uint8_t(sc[j]);
    const uint d_half = fp32_to_fp16(d_block), m_half = fp32_to_fp16(m_block);
    store_u16(out_at + 80u, d_half);
    store_u16(out_at + 82u, m_half);
    const float dd = fp16_to_fp32(d_half), dmin = fp16_to_fp32(m_half);

    int quants[256];
    for (int j = 0; j < 16; ++j) {
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
        for (int l = 0; l < 16; ++l) quants[16 * j + l] = lq[l];
    }
    // Four quants a byte: value 128h + 32s + l in bits 2s of byte 32h + l.
    for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
            const int base = 128 * h + l;
            const int packed = quants[base] | (quants[base + 32] << 2) | (quants[base + 64] << 4) | (quants[base + 96] << 6);
            dst[out_at + 16u + uint(32 * h + l)] = uint8_t(packed & 0xff);
        }
    }
}
