#version 460
// IQ3_XXS and IQ3_S super-blocks (256 values in blocks of 32, each group of 4
// magnitudes a point of a 4-dimensional grid), as quantize_iq3_xxs and
// quantize_iq3_s in libgguf/src/quant/cpu/i_quant_iq3.cpp.
// Eight invocations share a super-block, one per block: each fits its block,
// then each reads the eight block scales (shared memory) to derive the same
// super-block scale and writes its own block's bytes.
#include "bindings.glsl"
#include "lattice.glsl"
#include "iq_blocks.glsl"

layout(constant_id = 0) const int kVariant = 0;  // 0: IQ3_XXS, 1: IQ3_S
layout(constant_id = 1) const int kUnused = 0;

const bool kXxs = kVariant == 0;
const uint kBytes = kXxs ? 98u : 110u;
const int kSearch = kXxs ? 15 : 9;  // trial inverse scales (15 + 0.2 is) / max, |is| <= kSearch
const bool kStartOnGrid = kXxs;     // what a block no trial improves counts as
const bool kRefitOnGrid = !kXxs;    // the refit redoes groups already on the grid too

// The block's scale, its levels left in L (fit_block_with).
float fit_block(float max) {
    bool on_grid[8];
    for (int k = 0; k < 8; ++k) on_grid[k] = kStartOnGrid;
    precise float best = 0.0;
    float scale = fdiv(max, 15.0);
    for (int is = -kSearch; is <= kSearch; ++is) {
        precise float numerator = 15.0 + float(is) * 0.2;
        const float id = fdiv(numerator, max);
        const float this_scale = fdiv(1.0, id);
        int trial[32];
        bool trial_on_grid[8];
        for (int k = 0; k < 8; ++k) {
            const uint key = group_levels(id, k, 4, 3, 7, trial);
            trial_on_grid[k] = grid_index(key) >= 0;
            if (!trial_on_grid[k]) snap_group(key, k, 4, 3, this_scale, trial);
        }
        float sumqx, sumq2;
        level_sums(trial, 32, sumqx, sumq2);
        precise float gain = sumqx * sumqx;
        precise float bound = best * sumq2;
        if (sumq2 > 0.0 && gain > bound) {
            scale = fdiv(sumqx, sumq2);
            best = scale * sumqx;
            L = trial;
            on_grid = trial_on_grid;
        }
    }
    int off_grid = 0;
    for (int k = 0; k < 8; ++k) off_grid += on_grid[k] ? 0 : 1;
    if (off_grid > 0 && scale > 0.0) {
        const float id = fdiv(1.0, scale);
        for (int k = 0; k < 8; ++k) {
            if (on_grid[k] && !kRefitOnGrid) continue;
            const uint key = group_levels(id, k, 4, 3, 7, L);
            if (grid_index(key) < 0) snap_group(key, k, 4, 3, scale, L);
        }
        float sumqx, sumq2;
        level_sums(L, 32, sumqx, sumq2);
        if (sumq2 > 0.0) scale = fdiv(sumqx, sumq2);
    }
    return scale;
}

shared float shared_scales[64];
shared uint shared_live[64];  // IQ3_S: whether the block stored grid points (max != 0)

void main() {
    const uint slot = gl_LocalInvocationID.x / 8u;
    const int ib = int(gl_LocalInvocationID.x % 8u);
    const uint unit = gl_GlobalInvocationID.x / 8u;
    const bool live = unit < params.units;  // every invocation reaches the barrier
    const uint out_at = unit * kBytes;
    uint signs[4];
    int grid[8];
    float scale = 0.0;
    bool stored = false;
    if (live) {
        start_super_block(unit);
        load_block(uint(32 * ib), 32, params.weighted != 0u, spread(2.0), 0.0);
        load_waux(32);
        for (int k = 0; k < 4; ++k) signs[k] = fold_signs(8 * k, kXxs);
        const float max = max_magnitude(32);
        for (int i = 0; i < 32; ++i) L[i] = 0;
        stored = kXxs ? !(max < 1e-8) : max != 0.0;
        if (stored) {
            scale = fit_block(max);
            if (scale < 0.0) {
                scale = -scale;
                for (int k = 0; k < 4; ++k) signs[k] = ~signs[k] & (kXxs ? 127u : 255u);
            }
            for (int k = 0; k < 8; ++k) grid[k] = grid_index(group_key(L, k, 4, 3));
        }
        shared_scales[slot * 8u + uint(ib)] = scale;
        shared_live[slot * 8u + uint(ib)] = stored ? 1u : 0u;
    }
    barrier();
    if (!live) return;
    float scales[8];
    float max_scale = 0.0;
    int before = 0;  // IQ3_S: stored blocks before this one
    for (int k = 0; k < 8; ++k) {
        scales[k] = shared_scales[slot * 8u + uint(k)];
        max_scale = max_scale > scales[k] ? max_scale : scales[k];
        if (k < ib) before += int(shared_live[slot * 8u + uint(k)]);
    }
    const float d = fdiv(max_scale, 31.0);
    const float id = max_scale != 0.0 ? fdiv(1.0, d) : 0.0;
    if (kXxs) {
        // Bytes 2..65: grid indices, 8 per block; 66..97: per block its signs
        // and 4-bit scale; all zero when no block has a scale.
        uint word = 0u;
        if (stored) word = signs[0] | (signs[1] << 7) | (signs[2] << 14) | (signs[3] << 21);
        word |= uint(odd_level(id, scale, 15)) << 28;
        for (int k = 0; k < 8; ++k) dst[out_at + 2u + uint(8 * ib + k)] = uint8_t(max_scale != 0.0 && stored ? grid[k] : 0);
        for (int b = 0; b < 4; ++b) dst[out_at + 66u + uint(4 * ib + b)] = uint8_t(max_scale != 0.0 ? (word >> uint(8 * b)) & 0xffu : 0u);
        if (ib == 0) {
            precise float stored_d = d * 1.0125;
            store_u16(out_at, max_scale != 0.0 ? fp32_to_fp16(stored_d) : 0u);
        }
        return;
    }
    // IQ3_S: a block of zeros does not advance the grid index and sign
    // cursors (bytes 2..65 and 74..105), so stored blocks pack to the front
    // and the slots behind them stay zero; high index bits (66..73) and
    // scales (106..109) are per block.
    if (stored) {
        uint high = 0u;
        for (int k = 0; k < 8; ++k) {
            dst[out_at + 2u + uint(8 * before + k)] = uint8_t(grid[k] & 255);
            high |= uint(grid[k] >> 8) << uint(k);
        }
        dst[out_at + 66u + uint(ib)] = uint8_t(high);
        for (int k = 0; k < 4; ++k) dst[out_at + 74u + uint(4 * before + k)] = uint8_t(signs[k]);
    } else {
        dst[out_at + 66u + uint(ib)] = uint8_t(0);
    }
    int stored_blocks = 0;
    for (int k = 0; k < 8; ++k) stored_blocks += int(shared_live[slot * 8u + uint(k)]);
    if (ib >= stored_blocks) {
        for (int k = 0; k < 8; ++k) dst[out_at + 2u + uint(8 * ib + k)] = uint8_t(0);
        for (int k = 0; k < 4; ++k) dst[out_at + 74u + uint(4 * ib + k)] = uint8_t(0);
    }
    if (ib % 2 == 0) {
        uint codes = 0u;
        if (max_scale != 0.0) {
            for (int h = 0; h < 2; ++h) codes |= uint(odd_level(id, scales[ib + h], 15)) << uint(4 * h);
        }
        dst[out_at + 106u + uint(ib / 2)] = uint8_t(codes);
    }
    if (ib == 0) {
        precise float stored_d = d * 1.033;
        store_u16(out_at, max_scale != 0.0 ? fp32_to_fp16(stored_d) : 0u);
    }
}
