#version 460
// Q3_K and Q6_K super-blocks (256 values: sixteen sub-blocks of 16 on
// symmetric grids with signed scales), chosen by the bit width;
// quantize_block_q3_k and quantize_block_q6_k in
// libgguf/src/quant/cpu/k_quants.cpp are the definitions followed.
//
// Sixteen invocations share a super-block, one per sub-block, as in
// k_quants.comp: each searches its sub-block, each derives the same
// super-block scales from the sixteen results, each requantizes its
// sub-block, and each writes a slice of the bytes.
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

// Per super-block of the workgroup (four of them): the sub-blocks' search
// results, then their final quants.
shared float shared_scales[64], shared_sw[64];
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
        if (kBits == 3 && weighted) {
            precise float twice = 2.0 * super_block_squares();
            sigma2 = fdiv(twice, 256.0);
        }
        float weight_sum;
        shared_scales[first + j] = search_sub_block(j, weighted, weight_sum);
        shared_sw[first + j] = weight_sum;
    }
    barrier();
    bool all_zero = false;  // Q6_K: every scale below kGroupMaxEps, the block all zero bytes
    if (live) {
        const uint out_at = unit * kBytes;
        float scales[16], sw[16];
        for (int k = 0; k < 16; ++k) {
            scales[k] = shared_scales[first + k];
            sw[k] = shared_sw[first + k];
        }
        for (int k = 0; k < 16; ++k) xs[k] = scales[k];
        float amax;
        const float max_scale = signed_absmax(16, amax);
        float d_block;
        int sc[16];  // each sub-block's signed scale, as the dequantizer reads it
        if (kBits == 6) {
            all_zero = amax < kGroupMaxEps;
            const float iscale = all_zero ? 0.0 : fdiv(-128.0, max_scale);
            d_block = all_zero ? 0.0 : fdiv(1.0, iscale);
            for (int k = 0; k < 16; ++k) {
                precise float scaled = iscale * scales[k];
                sc[k] = as_int8(min(nearest_int(scaled), 127));
            }
            dst[out_at + kScalesAt + uint(j)] = uint8_t(all_zero ? 0 : sc[j] & 0xff);
        } else {
            int ls[16];
            if (weighted) {
                for (int k = 0; k < 16; ++k) ws[k] = sw[k];
                d_block = symmetric_scale(16, 32, true);
                for (int k = 0; k < 16; ++k) ls[k] = lq[k];
            } else if (max_scale != 0.0) {
                const float iscale = fdiv(-32.0, max_scale);
                for (int k = 0; k < 16; ++k) {
                    precise float scaled = iscale * scales[k];
                    ls[k] = clamp(as_int8(nearest_int(scaled)), -32, 31) + 32;
                }
                d_block = fdiv(1.0, iscale);
            } else {
                for (int k = 0; k < 16; ++k) ls[k] = 0;
                d_block = 0.0;
            }
            int packed[12];
            pack_scales_q3(ls, packed);
            if (j < 12) dst[out_at + kScalesAt + uint(j)] = uint8_t(packed[j] & 0xff);
            for (int k = 0; k < 16; ++k) sc[k] = unpack_scale_q3(packed, k);
        }
        const uint d_half = fp32_to_fp16(d_block);
        if (j == 0) store_u16(out_at + kDAt, d_half);
        if (all_zero) {
            // Q6_K's zero block: the quants and qh bytes, a slice each.
            for (uint k = uint(j); k < kScalesAt; k += 16u) dst[out_at + k] = uint8_t(0);
        } else {
            // This sub-block's final quants, from its stored scale.
            const float dd = fp16_to_fp32(d_half);
            precise float d = dd * float(sc[j]);
            if (d == 0.0) {  // the search's own quants stay
                float unused;
                search_sub_block(j, weighted, unused);
            } else {
                load_sub_block(j, 16);
                for (int l = 0; l < 16; ++l) lq[l] = clamp(nearest_int(fdiv(xs[l], d)), -kNmax, kNmax - 1) + kNmax;
            }
            for (int l = 0; l < 16; ++l) shared_quants[slot][16 * j + l] = lq[l];
        }
    }
    barrier();
    if (!live || all_zero) return;
    const uint out_at = unit * kBytes;
    if (kBits == 6) {
        // Per half h (128 values) and l < 32: low nibbles of values
        // 128h + l and + 64 in byte 64h + l, of + 32 and + 96 in byte
        // 64h + 32 + l, the top bit pairs of all four in qh byte 32h + l.
        // This invocation takes pairs (h, l) 4j..4j + 3.
        for (int p = 4 * j; p < 4 * j + 4; ++p) {
            const int h = p / 32, l = p % 32;
            const int base = 128 * h + l;
            const int q1 = shared_quants[slot][base], q2 = shared_quants[slot][base + 32];
            const int q3 = shared_quants[slot][base + 64], q4 = shared_quants[slot][base + 96];
            dst[out_at + uint(64 * h + l)] = uint8_t((q1 & 0xf) | ((q3 & 0xf) << 4));
            dst[out_at + uint(64 * h + l + 32)] = uint8_t((q2 & 0xf) | ((q4 & 0xf) << 4));
            dst[out_at + 128u + uint(32 * h + l)] = uint8_t(((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)) & 0xff);
        }
        return;
    }
    // Q3_K: the third bit of value 32s + m in bit s of hmask byte m (bytes
    // 2j, 2j + 1 here), the low two bits four to a byte as Q2_K's (bytes
    // 4j..4j + 3 of the 64 here).
    for (int m = 2 * j; m < 2 * j + 2; ++m) {
        int bits = 0;
        for (int s = 0; s < 8; ++s) bits |= (shared_quants[slot][32 * s + m] > 3 ? 1 : 0) << s;
        dst[out_at + uint(m)] = uint8_t(bits);
    }
    for (int b = 4 * j; b < 4 * j + 4; ++b) {
        const int base = 128 * (b / 32) + b % 32;
        const int packed = (shared_quants[slot][base] & 3) | ((shared_quants[slot][base + 32] & 3) << 2) |
                           ((shared_quants[slot][base + 64] & 3) << 4) | ((shared_quants[slot][base + 96] & 3) << 6);
        dst[out_at + 32u + uint(b)] = uint8_t(packed & 0xff);
    }
}
