#version 460
// IQ4_NL (blocks of 32, one fp16 scale) and IQ4_XS (super-blocks of 256 with
// a 6-bit scale per 32): 4-bit indices into ggml's non-linear levels.
// libgguf/src/quant/cpu/i_quant_iq4.cpp is the definition followed.
// IQ4_XS runs eight invocations per super-block, one per block of 32: each
// searches its block's scale, then each reads all eight (shared memory) to
// derive the same super-block scale and writes its own block's bytes.
#include "bindings.glsl"

layout(constant_id = 0) const int kSuper = 0;  // 0: IQ4_NL, 1: IQ4_XS
layout(constant_id = 1) const int kUnused = 0;

const float kLevels[16] = float[16](-127.0, -104.0, -83.0, -65.0, -49.0, -35.0, -22.0, -10.0, 1.0, 13.0, 25.0, 38.0, 53.0, 69.0, 89.0, 113.0);

float xs[32];
float ws[32];
const uint kSubBlockValues = 32u;  // IQ4_XS
#include "staged_super_blocks.glsl"

// The level nearest x (ties to the lower one) and its index. ggml bisects
// for the first level above x; counting the levels at or below it finds the
// same one without branches or an indexed array (which a GPU keeps in slow
// local memory): the loop unrolls into comparisons with constants.
int nearest_level(float x, out float level) {
    if (x <= kLevels[0]) {
        level = kLevels[0];
        return 0;
    }
    if (x >= kLevels[15]) {
        level = kLevels[15];
        return 15;
    }
    int above_index = 1;
    float below_level = kLevels[0], above_level = kLevels[1];
    [[unroll]] for (int j = 1; j < 15; ++j) {
        const bool at_or_below = kLevels[j] <= x;
        above_index += at_or_below ? 1 : 0;
        below_level = at_or_below ? kLevels[j] : below_level;
        above_level = at_or_below ? kLevels[j + 1] : above_level;
    }
    precise float below = x - below_level;
    precise float above = above_level - x;
    const bool lower = below < above;
    level = lower ? below_level : above_level;
    return lower ? above_index - 1 : above_index;
}

// The search weights of the block in xs: importance * sqrt(sigma2 + x^2)
// (IQ4_NL's block at weights_at; IQ4_XS's sub-block j), or x^2.
void block_weights(bool weighted, uint weights_at, int j, float sigma2) {
    if (weighted && kSuper == 1) {
        sigma_weights(j, sigma2);
        return;
    }
    [[unroll]] for (int i = 0; i < 32; ++i) {
        if (weighted) {
            precise float spread = sigma2 + xs[i] * xs[i];
            precise float w = importance[weights_at + uint(i)] * fsqrt(spread);
            ws[i] = w;
        } else {
            precise float w = xs[i] * xs[i];
            ws[i] = w;
        }
    }
}

void level_sums(float id, out float sumqx, out float sumq2) {
    precise float sqx = 0.0, sq2 = 0.0;
    [[unroll]] for (int j = 0; j < 32; ++j) {
        precise float scaled = id * xs[j];
        float q;
        nearest_level(scaled, q);
        precise float wq = ws[j] * q;
        sqx = sqx + wq * xs[j];
        sq2 = sq2 + wq * q;
    }
    sumqx = sqx;
    sumq2 = sq2;
}

float block_scale() {
    float amax = 0.0, max_value = 0.0;
    [[unroll]] for (int j = 0; j < 32; ++j) {
        const float ax = abs(xs[j]);
        if (ax > amax) {
            amax = ax;
            max_value = xs[j];
        }
    }
    if (amax < 1e-15) return 0.0;
    float d = fdiv(-max_value, kLevels[0]);
    float sumqx, sumq2;
    level_sums(fdiv(1.0, d), sumqx, sumq2);
    d = sumq2 > 0.0 ? fdiv(sumqx, sumq2) : 0.0;
    precise float best = d * sumqx;
    for (int itry = -7; itry <= 7; ++itry) {
        level_sums(fdiv(float(itry - 127), max_value), sumqx, sumq2);
        precise float gain = sumqx * sumqx;
        precise float bound = best * sumq2;
        if (sumq2 > 0.0 && gain > bound) {
            d = fdiv(sumqx, sumq2);
            best = d * sumqx;
        }
    }
    return d;
}

// Nibbles of the 32 values scaled by id: j low, j + 16 high, in byte j.
void store_levels(float id, uint at) {
    int lv[32];
    [[unroll]] for (int j = 0; j < 32; ++j) {
        precise float scaled = id * xs[j];
        float level;
        lv[j] = nearest_level(scaled, level);
    }
    [[unroll]] for (int j = 0; j < 16; ++j) dst[at + uint(j)] = uint8_t(lv[j] | (lv[j + 16] << 4));
}

// 2 * the mean square of the block in xs (IQ4_NL) or of the super-block.
float spread() {
    precise float sum = 0.0;
    if (kSuper == 1) {
        sum = super_block_squares();
    } else {
        [[unroll]] for (int j = 0; j < 32; ++j) sum = sum + xs[j] * xs[j];
    }
    precise float scaled = sum * (kSuper == 1 ? 0.0078125 : 0.0625);  // 2 / count, exact
    return scaled;
}

shared float shared_scales[64];  // IQ4_XS: eight super-blocks' block scales

void main() {
    const bool weighted = params.weighted != 0u;
    if (kSuper == 0) {
        const uint unit = gl_GlobalInvocationID.x;
        if (unit >= params.units) return;
        const uint at = unit * 32u;
        const uint out_at = unit * 18u;
        [[unroll]] for (int j = 0; j < 32; ++j) xs[j] = src[at + uint(j)];
        block_weights(weighted, (unit % params.units_per_row) * 32u, 0, spread());
        const float d = block_scale();
        store_u16(out_at, fp32_to_fp16(d));
        store_levels(d != 0.0 ? fdiv(1.0, d) : 0.0, out_at + 2u);
        return;
    }
    const int ib = int(gl_LocalInvocationID.x % 8u);  // this invocation's block
    const uint unit = gl_GlobalInvocationID.x / 8u;
    const bool live = unit < params.units;  // every invocation reaches the barrier
    stage_super_blocks(unit);
    const uint slot = unit_slot;
    if (live) {
        load_sub_block(ib);
        block_weights(weighted, 0u, ib, spread());
        shared_scales[slot * 8u + uint(ib)] = block_scale();
    }
    barrier();
    if (!live) return;
    const uint out_at = unit * 136u;
    float scales[8];
    float max_scale = 0.0, amax_scale = 0.0;
    for (int k = 0; k < 8; ++k) {
        scales[k] = shared_scales[slot * 8u + uint(k)];
        const float abs_d = abs(scales[k]);
        if (abs_d > amax_scale) {
            amax_scale = abs_d;
            max_scale = scales[k];
        }
    }
    const float d = fdiv(-max_scale, 32.0);
    const float id = d != 0.0 ? fdiv(1.0, d) : 0.0;
    uint scales_h = 0u;
    uint scales_l[4] = uint[4](0u, 0u, 0u, 0u);
    for (int k = 0; k < 8; ++k) {
        precise float scaled = id * scales[k];
        int l = nearest_int(scaled);
        l = max(-32, min(31, l));
        if (k == ib) {
            precise float dl = d * float(l);
            const float idl = dl != 0.0 ? fdiv(1.0, dl) : 0.0;
            load_sub_block(ib);
            store_levels(idl, out_at + 8u + uint(16 * ib));
        }
        l += 32;
        scales_l[k / 2] |= uint((l & 0xf) << (4 * (k % 2)));
        scales_h |= uint(l >> 4) << (2 * k);
    }
    if (ib != 0) return;
    store_u16(out_at, fp32_to_fp16(d));
    store_u16(out_at + 2u, scales_h & 0xffffu);
    for (int k = 0; k < 4; ++k) dst[out_at + 4u + uint(k)] = uint8_t(scales_l[k] & 0xffu);
}
