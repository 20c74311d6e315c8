#version 460
// Q3_K and Q6_K super-blocks (256 values: sixteen sub-blocks of 16 on
// symmetric grids with signed scales), chosen by the bit width;
// quantize_block_q3_k and quantize_block_q6_k in
// libgguf/src/quant/cpu/k_quants.cpp are the definitions followed.
#include "bindings.glsl"
#include "searches.glsl"
#include "k_super_block.glsl"

layout(constant_id = 0) const int kBits = 6;  // 3 or 6
layout(constant_id = 1) const int kUnused = 0;

const int kNmax = kBits == 3 ? 4 : 32;  // quants l + kNmax for l in [-kNmax, kNmax - 1]
const uint kBytes = kBits == 3 ? 110u : 210u;
const uint kScalesAt = kBits == 3 ? 96u : 192u;
const uint kDAt = kBits == 3 ? 108u : 208u;

float sigma2;  // Q3_K, weighted: 2 * mean square of the super-block

// Sub-block j's scale search, its quants left in lq; Q3_K with importance
// also returns the sum of its weights.
float search_sub_block(int j, bool weighted, out float weight_sum) {
    load_sub_block(j, 16);
    weight_sum = 0.0;
    if (kBits == 6) {
        for (int l = 0; l < 16 && weighted; ++l) ws[l] = importance[unit_weights + uint(16 * j + l)];
        return symmetric_scale(16, kNmax, weighted);
    }
    if (!weighted) return refined_scale(16, kNmax);
    weight_sum = sigma_weights(j, 16, sigma2);
    return symmetric_scale(16, kNmax, true);
}

// Signed int8 as the CPU core's casts give it.
int as_int8(int v) { return ((v & 0xff) ^ 0x80) - 0x80; }

// Sixteen 6-bit Q3_K scales (biased by 32) into 12 bytes.
void pack_scales_q3(int ls[16], out int packed[12]) {
    for (int k = 0; k < 12; ++k) packed[k] = 0;
    for (int j = 0; j < 16; ++j) {
        const int l = ls[j];
        if (j < 8) packed[j] = l & 0xf;
        else packed[j - 8] |= (l & 0xf) << 4;
        packed[j % 4 + 8] |= (l >> 4) << (2 * (j / 4));
    }
}

int unpack_scale_q3(int packed[12], int j) {
    const int low = j < 8 ? packed[j] & 0xf : (packed[j - 8] & 0xff) >> 4;
    return as_int8(low | ((((packed[8 + j % 4] & 0xff) >> (2 * (j / 4))) & 3) << 4)) - 32;
}

void main() {
    const uint unit = gl_GlobalInvocationID.x;
    if (unit >= params.units) return;
    const bool weighted = params.weighted != 0u;
    start_super_block(unit);
    const uint out_at = unit * kBytes;
    if (kBits == 3 && weighted) {
        precise float twice = 2.0 * super_block_squares();
        sigma2 = fdiv(twice, 256.0);
    }

    float scales[16], sw[16];
    for (int j = 0; j < 16; ++j) scales[j] = search_sub_block(j, weighted, sw[j]);
    for (int j = 0; j < 16; ++j) xs[j] = scales[j];
    float amax;
    const float max_scale = signed_absmax(16, amax);
    float d_block;
    int sc[16];  // each sub-block's signed scale, as the dequantizer reads it
    if (kBits == 6) {
        if (amax < kGroupMaxEps) {
            for (uint k = 0u; k < kBytes; ++k) dst[out_at + k] = uint8_t(0);
            return;
        }
        const float iscale = fdiv(-128.0, max_scale);
        d_block = fdiv(1.0, iscale);
        for (int j = 0; j < 16; ++j) {
            precise float scaled = iscale * scales[j];
            sc[j] = as_int8(min(nearest_int(scaled), 127));
            dst[out_at + kScalesAt + uint(j)] = uint8_t(sc[j] & 0xff);
        }
    } else {
        int ls[16];
        if (weighted) {
            for (int j = 0; j < 16; ++j) ws[j] = sw[j];
            d_block = symmetric_scale(16, 32, true);
            for (int j = 0; j < 16; ++j) ls[j] = lq[j];
        } else if (max_scale != 0.0) {
            const float iscale = fdiv(-32.0, max_scale);
            for (int j = 0; j < 16; ++j) {
                precise float scaled = iscale * scales[j];
                ls[j] = clamp(as_int8(nearest_int(scaled)), -32, 31) + 32;
            }
            d_block = fdiv(1.0, iscale);
        } else {
            for (int j = 0; j < 16; ++j) ls[j] = 0;
            d_block = 0.0;
        }
        int packed[12];
        pack_scales_q3(ls, packed);
        for (int k = 0; k < 12; ++k) dst[out_at + kScalesAt + uint(k)] = uint8_t(packed[k] & 0xff);
        for (int j = 0; j < 16; ++j) sc[j] = unpack_scale_q3(packed, j);
    }
    const uint d_half = fp32_to_fp16(d_block);
    store_u16(out_at + kDAt, d_half);
    const float dd = fp16_to_fp32(d_half);

    int quants[256];
    for (int j = 0; j < 16; ++j) {
        precise float d = dd * float(sc[j]);
        if (d == 0.0) {  // the search's own quants stay
            float unused;
            search_sub_block(j, weighted, unused);
        } else {
            load_sub_block(j, 16);
            for (int l = 0; l < 16; ++l) lq[l] = clamp(nearest_int(fdiv(xs[l], d)), -kNmax, kNmax - 1) + kNmax;
        }
        for (int l = 0; l < 16; ++l) quants[16 * j + l] = lq[l];
    }
    if (kBits == 6) {
        // Low nibbles, then the top bit pairs, one half (128 values) at a time.
        for (int h = 0; h < 2; ++h) {
            for (int l = 0; l < 32; ++l) {
                const int base = 128 * h + l;
                const int q1 = quants[base], q2 = quants[base + 32], q3 = quants[base + 64], q4 = quants[base + 96];
                dst[out_at + uint(64 * h + l)] = uint8_t((q1 & 0xf) | ((q3 & 0xf) << 4));
                dst[out_at + uint(64 * h + l + 32)] = uint8_t((q2 & 0xf) | ((q4 & 0xf) << 4));
                dst[out_at + 128u + uint(32 * h + l)] = uint8_t(((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)) & 0xff);
            }
        }
        return;
    }
    // Q3_K: the third bits into hmask, the low two bits four to a byte.
    for (int m = 0; m < 32; ++m) {
        int bits = 0;
        for (int s = 0; s < 8; ++s) {
            if (quants[32 * s + m] > 3) {
                bits |= 1 << s;
                quants[32 * s + m] -= 4;
            }
        }
        dst[out_at + uint(m)] = uint8_t(bits);
    }
    for (int h = 0; h < 2; ++h) {
        for (int l = 0; l < 32; ++l) {
            const int base = 128 * h + l;
            const int packed = quants[base] | (quants[base + 32] << 2) | (quants[base + 64] << 4) | (quants[base + 96] << 6);
            dst[out_at + 32u + uint(32 * h + l)] = uint8_t(packed & 0xff);
        }
    }
}
