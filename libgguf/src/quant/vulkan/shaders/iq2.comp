#version 460
// IQ2_XXS, IQ2_XS and IQ2_S super-blocks (256 values, each group of 8
// magnitudes a point of an 8-dimensional grid), as iq2_xxs_rows and
// iq2_16_rows in libgguf/src/quant/cpu/i_quant_iq2.cpp.
// One invocation per block (IQ2_XXS: eight blocks of 32; IQ2_XS and IQ2_S:
// sixteen of 16) fits it; then each reads all block scales (shared memory)
// to derive the same super-block scale and writes its own block's bytes.
// A subgroup waits, trial by trial, on its longest neighbour list: with the
// lists' lengths evened out (wrong bytes, a bound only) IQ2_XS ran 2.1x
// faster on an H100. What helped there: each invocation searching its
// longest lists first (grid_keys; IQ2_XXS 1.5x, IQ2_XS 1.14x). What was
// slower: the trials as one stream of searches per invocation (1.2-2x,
// with or without waiting for half the subgroup before refilling), the
// workgroup sorting its searches by length (1.7x), the block's values or
// weights in shared memory (1.1-2.6x), two or four trials' searches
// ordered together (IQ2_XS 1.01-1.06x, IQ2_XXS two at a time 1.04x), and
// the subgroup pooling its searches in shared memory, every lane scoring
// items of 8 candidates of anyone's list and each search's best kept by a
// 64-bit atomicMin (IQ2_XXS 6.4x, IQ2_XS 2.3x, IQ2_S 2.6x).
#include "bindings.glsl"
#include "lattice.glsl"
#include "iq_blocks.glsl"

layout(constant_id = 0) const int kVariant = 0;  // 0: IQ2_XXS, 1: IQ2_XS, 2: IQ2_S
layout(constant_id = 1) const int kUnused = 0;

const bool kXxs = kVariant == 0;
const bool kXs = kVariant == 1;
const int kBlock = kXxs ? 32 : 16;
const uint kBlocks = kXxs ? 8u : 16u;  // invocations per super-block
const uint kBytes = kXxs ? 66u : kXs ? 74u : 82u;

// ggml's make_qp_quants over the block's 32 magnitudes (nmax 4), for its
// scale only (first_scale): levels are kept in bytes as there, so a negative
// rounding (the sign-folded value) reads back as a large level.
float first_scale() {
    const int nmax = 4;
    int lb[32];
    float max = 0.0;
    for (int i = 0; i < 32; ++i) max = max > xval[i] ? max : xval[i];
    if (max < 1e-15) return 0.0;
    float iscale = fdiv(float(nmax), max);
    for (int i = 0; i < 32; ++i) {
        precise float scaled = iscale * xval[i];
        lb[i] = nearest_int(scaled) & 0xff;
    }
    const float scale = fdiv(1.0, iscale);
    precise float best_mse = 0.0;
    for (int i = 0; i < 32; ++i) {
        precise float diff = xval[i] - scale * float(lb[i]);
        best_mse = best_mse + weight[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) continue;
        precise float numerator = 0.1 * float(is) + float(nmax);
        const float iscale_is = fdiv(numerator, max);
        const float scale_is = fdiv(1.0, iscale_is);
        precise float mse = 0.0;
        for (int i = 0; i < 32; ++i) {
            precise float scaled = iscale_is * xval[i];
            const int l = min(nmax, nearest_int(scaled));
            precise float diff = xval[i] - scale_is * float(l);
            mse = mse + weight[i] * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    precise float sumlx = 0.0, suml2 = 0.0;
    for (int i = 0; i < 32; ++i) {
        precise float scaled = iscale * xval[i];
        const int l = min(nmax, nearest_int(scaled));
        lb[i] = l & 0xff;
        const float lf = float(l);
        sumlx = sumlx + weight[i] * xval[i] * lf;
        suml2 = suml2 + weight[i] * lf * lf;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int changed = 0;
        for (int i = 0; i < 32; ++i) {
            const float li = float(lb[i]);
            precise float slx = sumlx - weight[i] * xval[i] * li;
            precise float sl2 = suml2 - weight[i] * li * li;
            if (slx > 0.0 && sl2 > 0.0) {
                precise float prod = xval[i] * sl2;
                const int new_l = min(nmax, nearest_int(fdiv(prod, slx)));
                if (new_l != lb[i]) {
                    const float nl = float(new_l);
                    slx = slx + weight[i] * xval[i] * nl;
                    sl2 = sl2 + weight[i] * nl * nl;
                    precise float lhs = slx * slx * suml2;
                    precise float rhs = sumlx * sumlx * sl2;
                    if (lhs > rhs) {
                        lb[i] = new_l & 0xff;
                        sumlx = slx;
                        suml2 = sl2;
                        ++changed;
                    }
                }
            }
        }
        if (changed == 0) break;
    }
    return suml2 > 0.0 ? fdiv(sumlx, suml2) : 0.0;
}

// A group's 8 levels (2 bits each, first lowest) are kept as its key, not in
// an array of levels: four keys a trial instead of 32 levels took the
// shader from about 230 registers an invocation to about 128 (and 720 bytes
// of local memory) on the H100, twice the invocations resident at once.

// Key of group k at inverse scale id (odd_level up to 2 a coordinate).
uint group_key_at(float id, int k) {
    uint key = 0u;
    for (int i = 0; i < 8; ++i) key |= uint(odd_level(id, xval[8 * k + i], 2)) << uint(2 * i);
    return key;
}

// Element i of group k of the block's values, k not a constant: selects
// keep the arrays in registers where an index would put them in memory.
float group_value(float values[32], int k, int i) {
    if (kBlock == 16) return k == 0 ? values[i] : values[8 + i];
    return k == 0 ? values[i] : k == 1 ? values[8 + i] : k == 2 ? values[16 + i] : values[24 + i];
}

// Key of the grid point on group k's neighbour list that `scale` brings
// nearest to its magnitudes under waux.
uint nearest_key(uint first, uint count, int k, float scale) {
    float x[8], w[8];
    for (int i = 0; i < 8; ++i) {
        x[i] = group_value(xval, k, i);
        w[i] = group_value(waux, k, i);
    }
    return point_key(nearest_in_list_8x2(first, count, x, w, scale, kOddValues));
}

// level_sums over the first `groups` keys.
void key_sums(uint keys[4], int groups, out float sumqx, out float sumq2) {
    precise float qx = 0.0, q2 = 0.0;
    for (int k = 0; k < groups; ++k) {
        for (int i = 0; i < 8; ++i) {
            const float q = float(2 * level_at(keys[k], 2, i) + 1);
            qx = qx + weight[8 * k + i] * xval[8 * k + i] * q;
            q2 = q2 + weight[8 * k + i] * q * q;
        }
    }
    sumqx = qx;
    sumq2 = q2;
}

// The keys of the first `groups` groups at inverse scale id, those off the
// grid (off) moved to their nearest grid point at `scale`; where `only`
// is false for a group, it keeps its key.
void grid_keys(float id, float scale, int groups, bool only[4], inout uint keys[4], out bool off[4]) {
    for (int k = 0; k < groups; ++k) {
        if (only[k]) keys[k] = group_key_at(id, k);
    }
    uint first[4], count[4];
    group_lists(keys, groups, off, first, count);
    // The searches longest list first: a subgroup waits on its longest list
    // at each one, so each invocation's longest ones should run together.
    int order[4] = int[4](0, 1, 2, 3);
    uint length[4];
    for (int k = 0; k < 4; ++k) {
        off[k] = k < groups && off[k] && only[k];
        length[k] = off[k] ? count[k] : 0u;
    }
    // A sorting network for four (its first exchange alone sorts two).
    const ivec2 exchanges[5] = ivec2[5](ivec2(0, 1), ivec2(2, 3), ivec2(0, 2), ivec2(1, 3), ivec2(1, 2));
    for (int e = 0; e < (groups == 2 ? 1 : 5); ++e) {
        const int a = exchanges[e].x, b = exchanges[e].y;
        if (length[b] > length[a]) {
            const uint l = length[a];
            length[a] = length[b];
            length[b] = l;
            const int o = order[a];
            order[a] = order[b];
            order[b] = o;
        }
    }
    for (int n = 0; n < groups; ++n) {
        if (length[n] == 0u) break;
        const int k = order[n];
        const uint at = k == 0 ? first[0] : k == 1 ? first[1] : k == 2 ? first[2] : first[3];
        const uint key = nearest_key(at, length[n], k, scale);
        for (int g = 0; g < 4; ++g) {
            if (g == k) keys[g] = key;
        }
    }
}

const bool kEveryGroup[4] = bool[4](true, true, true, true);

// IQ2_XXS: the block's scale, its groups' keys left in `keys`; `stored`
// tells whether the block has any (iq2_xxs_rows).
float fit_block32(float max, out bool stored, inout uint keys[4]) {
    stored = false;
    if (max < 1e-15) return 0.0;
    float scale = first_scale();
    precise float eff_max = scale * 3.0;
    if (eff_max <= 0.0) return 0.0;
    stored = true;
    precise float best = 0.0;
    bool off[4];
    for (int is = -6; is <= 6; ++is) {
        precise float numerator = 5.0 + float(is) * 0.1;
        const float id = fdiv(numerator, eff_max);
        uint trial[4] = uint[4](0u, 0u, 0u, 0u);
        grid_keys(id, fdiv(1.0, id), 4, kEveryGroup, trial, off);
        float sumqx, sumq2;
        key_sums(trial, 4, sumqx, sumq2);
        precise float gain = sumqx * sumqx;
        precise float bound = best * sumq2;
        if (sumq2 > 0.0 && gain > bound) {
            scale = fdiv(sumqx, sumq2);
            best = scale * sumqx;
            keys = trial;
        }
    }
    if (scale > 0.0) {
        grid_keys(fdiv(1.0, scale), scale, 4, kEveryGroup, keys, off);
        float sumqx, sumq2;
        key_sums(keys, 4, sumqx, sumq2);
        if (sumq2 > 0.0) scale = fdiv(sumqx, sumq2);
    }
    return scale;
}

// IQ2_XS / IQ2_S: the scale of a block of 16, its groups' keys left in
// `keys` (fit_block16).
float fit_block16(float max, inout uint keys[4]) {
    bool off_grid[4] = bool[4](false, false, false, false);
    precise float best = 0.0;
    float scale = fdiv(max, 5.0);
    for (int is = -9; is <= 9; ++is) {
        precise float numerator = 5.0 + float(is) * 0.1;
        const float id = fdiv(numerator, max);
        uint trial[4] = uint[4](0u, 0u, 0u, 0u);
        bool off[4];
        grid_keys(id, fdiv(1.0, id), 2, kEveryGroup, trial, off);
        float sumqx, sumq2;
        key_sums(trial, 2, sumqx, sumq2);
        precise float gain = sumqx * sumqx;
        precise float bound = best * sumq2;
        if (sumq2 > 0.0 && gain > bound) {
            scale = fdiv(sumqx, sumq2);
            best = scale * sumqx;
            keys = trial;
            off_grid = off;
        }
    }
    // Only the groups the best trial moved are fitted again.
    if ((off_grid[0] || off_grid[1]) && scale > 0.0) {
        bool off[4];
        grid_keys(fdiv(1.0, scale), scale, 2, off_grid, keys, off);
        float sumqx, sumq2;
        key_sums(keys, 2, sumqx, sumq2);
        if (sumq2 > 0.0) scale = fdiv(sumqx, sumq2);
    }
    return scale;
}

shared float shared_scales[64];
shared uint shared_high[64];  // IQ2_S: the blocks' high grid index bits, placed in their qh byte

void main() {
    const uint slot = gl_LocalInvocationID.x / kBlocks;
    const int ib = int(gl_LocalInvocationID.x % kBlocks);
    const uint unit = gl_GlobalInvocationID.x / kBlocks;
    const bool live = unit < params.units;  // every invocation reaches the barrier
    const uint first = slot * kBlocks;
    const uint out_at = unit * kBytes;
    const int groups = kBlock / 8;
    uint signs[4];
    int grid[4];
    float scale = 0.0;
    bool stored = false;
    if (live) {
        start_super_block(unit);
        const bool weighted = kXxs || params.weighted != 0u;
        const float sigma2 = spread(kVariant == 2 ? 2.0 : 1.0);
        precise float base = 0.25 * sigma2;
        load_block(uint(kBlock * ib), kBlock, weighted, sigma2, base);
        load_waux(kBlock);
        for (int k = 0; k < groups; ++k) signs[k] = fold_signs(8 * k, kXxs || kXs);
        const float max = max_magnitude(kBlock);
        uint keys[4] = uint[4](0u, 0u, 0u, 0u);
        if (kXxs) {
            scale = fit_block32(max, stored, keys);
        } else {
            stored = !(max < (kXs ? 1e-15 : 1e-8));
            if (stored) scale = fit_block16(max, keys);
        }
        if (stored) {
            if (scale < 0.0) {
                scale = -scale;
                for (int k = 0; k < groups; ++k) signs[k] = ~signs[k] & (kVariant == 2 ? 255u : 127u);
            }
            for (int k = 0; k < groups; ++k) grid[k] = grid_index(keys[k]);
        } else {
            scale = 0.0;
        }
        uint high = 0u;
        if (kVariant == 2 && stored) {
            for (int k = 0; k < 2; ++k) high |= uint(grid[k] >> 8) << uint(2 * (2 * (ib % 2) + k));
        }
        shared_scales[first + uint(ib)] = scale;
        shared_high[first + uint(ib)] = high;
    }
    barrier();
    if (!live) return;
    float max_scale = 0.0;
    for (uint k = 0u; k < kBlocks; ++k) {
        const float s = shared_scales[first + k];
        max_scale = max_scale > s ? max_scale : s;
    }
    const bool any = max_scale != 0.0;
    const float d = fdiv(max_scale, 31.0);
    const float id = any ? fdiv(1.0, d) : 0.0;
    const uint code = any ? uint(odd_level(id, scale, 15)) : 0u;
    if (ib == 0) {
        precise float stored_d = d * (kVariant == 2 ? 0.9875 : 1.0);
        store_u16(out_at, any ? fp32_to_fp16(stored_d) : 0u);
    }
    if (kXxs) {
        // Per block two words: its four grid indices, then its signs (7 bits
        // a group) and 4-bit scale; all zero when no block has a scale.
        uint indices = 0u, word = code << 28;
        if (stored) {
            for (int k = 0; k < 4; ++k) {
                indices |= uint(grid[k] & 255) << uint(8 * k);
                word |= signs[k] << uint(7 * k);
            }
        }
        for (int b = 0; b < 4; ++b) {
            dst[out_at + 2u + uint(8 * ib + b)] = uint8_t(any ? (indices >> uint(8 * b)) & 0xffu : 0u);
            dst[out_at + 6u + uint(8 * ib + b)] = uint8_t(any ? (word >> uint(8 * b)) & 0xffu : 0u);
        }
        return;
    }
    // The 4-bit scales of block pairs (2ib, 2ib + 1), written by the first.
    const uint scales_at = kXs ? 66u : 74u;
    if (ib % 2 == 0) {
        const float next = shared_scales[first + uint(ib + 1)];
        const uint pair = any ? code | (uint(odd_level(id, next, 15)) << 4) : 0u;
        dst[out_at + scales_at + uint(ib / 2)] = uint8_t(pair);
    }
    if (kXs) {
        // Per group of 8, 16 bits: grid index and 7 sign bits; zero when no
        // block has a scale.
        for (int k = 0; k < 2; ++k) {
            const uint q = stored ? uint(grid[k] | int(signs[k] << 9)) & 0xffffu : 0u;
            store_u16(out_at + 2u + uint(2 * (2 * ib + k)), any ? q : 0u);
        }
        return;
    }
    // IQ2_S: low index bytes, sign bytes and high index bits (two bits a
    // group, four groups a byte) as the blocks left them, with or without a
    // super-block scale.
    for (int k = 0; k < 2; ++k) {
        dst[out_at + 2u + uint(2 * ib + k)] = uint8_t(stored ? grid[k] & 255 : 0);
        dst[out_at + 34u + uint(2 * ib + k)] = uint8_t(stored ? signs[k] : 0u);
    }
    if (ib % 2 == 0) dst[out_at + 66u + uint(ib / 2)] = uint8_t(shared_high[first + uint(ib)] | shared_high[first + uint(ib + 1)]);
}
