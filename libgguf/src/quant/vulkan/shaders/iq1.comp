#version 460
// IQ1_S (blocks of 32, a 3-bit scale and shift each) and IQ1_M (blocks of
// 16, shifts per 8, the fp16 super-scale spread over the scale bytes)
// super-blocks: groups of 8 values, each a point of the 2048-point grid of
// coordinates -1, 0, 1 shifted by +-1/8; quantize_iq1_s and quantize_iq1_m
// in libgguf/src/quant/cpu/i_quant_iq1.cpp.
// One invocation per block searches its split and grid points; then each
// reads all block scales (shared memory) for the same super-block scale. IQ1_M
// refits the super-scale over all blocks in order: the first invocation does.
#include "bindings.glsl"
#include "lattice.glsl"
#include "iq_blocks.glsl"

layout(constant_id = 0) const int kVariant = 0;  // 0: IQ1_S, 1: IQ1_M
// IQ1_M's split scoring (llama_release.h): 0 full sums (llama.cpp v0.4.0),
// 1 running sums per half block (v0.5.0).
layout(constant_id = 1) const int kHalfBlockSums = 0;

const bool kS = kVariant == 0;
const int kBlock = kS ? 32 : 16;
const uint kBlocks = kS ? 8u : 16u;  // invocations per super-block
const uint kBytes = kS ? 50u : 56u;

// Values of levels 0, 1, 2 under shift +1/8 and -1/8 (zeros fill up to 8).
const float kPlus[8] = float[8](-0.875, 0.125, 1.125, 0.0, 0.0, 0.0, 0.0, 0.0);
const float kMinus[8] = float[8](-1.125, -0.125, 0.875, 0.0, 0.0, 0.0, 0.0, 0.0);

// IQ1_M shift pattern p (0: +,+  1: +,-  2: -,+  3: -,-) for group g.
bool pattern_plus(int pattern, int group) { return group == 0 ? pattern < 2 : pattern % 2 == 0; }

int order[32];  // positions of xb in ascending order, ties by position

void sort_positions(int n) {
    for (int j = 0; j < n; ++j) {
        const int p = order[j] = j;
        int i = j - 1;
        while (i >= 0 && xb[p] < xb[order[i]]) {
            order[i + 1] = order[i];
            --i;
        }
        order[i + 1] = p;
    }
}

float max_abs(int n) {
    float m = abs(xb[0]);
    for (int i = 1; i < n; ++i) m = m > abs(xb[i]) ? m : abs(xb[i]);
    return m;
}

// The best split so far (SplitChoice): sorted values below i1 at level 0,
// below i2 at level 1, the rest at 2, with a shift variant.
int best_i1, best_i2, best_variant;
float best_scale;
float best_score;

void start_split(float max, int none) {
    best_i1 = -1;
    best_i2 = -1;
    best_variant = none;
    best_scale = max;
    best_score = uintBitsToFloat(0xff7fffffu);  // -FLT_MAX
}

void consider(int a, int b, int v, float sumqx, float sumq2) {
    precise float gain = sumqx * sumqx;
    precise float bound = best_score * sumq2;
    if (sumq2 > 0.0 && gain > bound) {
        best_scale = fdiv(sumqx, sumq2);
        precise float score = best_scale * sumqx;
        best_score = score;
        best_i1 = a;
        best_i2 = b;
        best_variant = v;
    }
}

// IQ1_S: every split of the 32 sorted values and both shifts, from prefix
// sums of weight * x and of weight (best_split).
void search_s(float max) {
    float sumx[33], sumw[33];
    sumx[0] = 0.0;
    sumw[0] = 0.0;
    for (int j = 0; j < 32; ++j) {
        const int i = order[j];
        precise float x = sumx[j] + weight[i] * xb[i];
        precise float w = sumw[j] + weight[i];
        sumx[j + 1] = x;
        sumw[j + 1] = w;
    }
    start_split(max, 0);
    for (int i1 = 0; i1 <= 32; ++i1) {
        for (int i2 = i1; i2 <= 32; ++i2) {
            for (int s = 0; s < 2; ++s) {
                const float a = s == 0 ? kPlus[0] : kMinus[0];
                const float b = s == 0 ? kPlus[1] : kMinus[1];
                const float c = s == 0 ? kPlus[2] : kMinus[2];
                precise float sumqx = (sumx[i1] - sumx[0]) * a + (sumx[i2] - sumx[i1]) * b + (sumx[32] - sumx[i2]) * c;
                precise float sumq2 = (sumw[i1] - sumw[0]) * a * a + (sumw[i2] - sumw[i1]) * b * b + (sumw[32] - sumw[i2]) * c * c;
                consider(i1, i2, s == 0 ? 1 : -1, sumqx, sumq2);
            }
        }
    }
}

// IQ1_M: every split of the 16 sorted values and shift pattern, each trial
// adding its values' terms in sorted order (best_pattern_split). The terms
// are recomputed in each trial (the same products a table of them holds):
// a table read by sorted position would live in slow local memory, while
// the sorted weights and values here, read at unrolled positions, stay in
// registers: on an H100 IQ1_M's shader time for a 4096x4096 matrix fell
// from 116 to 8.5 ms.
void search_m(float max) {
    float sorted_w[16], sorted_x[16];
    bool second_group[16];
    for (int j = 0; j < 16; ++j) {
        const int i = order[j];
        sorted_w[j] = weight[i];
        sorted_x[j] = xb[i];
        second_group[j] = i >= 8;
    }
    start_split(max, -1);
    for (int i1 = 0; i1 <= 16; ++i1) {
        for (int i2 = i1; i2 <= 16; ++i2) {
            precise float sumqx[4] = float[4](0.0, 0.0, 0.0, 0.0);
            precise float sumq2[4] = float[4](0.0, 0.0, 0.0, 0.0);
            [[unroll]] for (int j = 0; j < 16; ++j) {
                const bool low = j < i1, middle = !low && j < i2;
                const float plus = low ? kPlus[0] : middle ? kPlus[1] : kPlus[2];
                const float minus = low ? kMinus[0] : middle ? kMinus[1] : kMinus[2];
                [[unroll]] for (int p = 0; p < 4; ++p) {
                    const float xs = pattern_plus(p, second_group[j] ? 1 : 0) ? plus : minus;
                    precise float tx = sorted_w[j] * xs * sorted_x[j];
                    precise float tq = sorted_w[j] * xs * xs;
                    sumqx[p] = sumqx[p] + tx;
                    sumq2[p] = sumq2[p] + tq;
                }
            }
            for (int p = 0; p < 4; ++p) consider(i1, i2, p, sumqx[p], sumq2[p]);
        }
    }
}

// IQ1_M as v0.5.0 scores the same trials (best_split_from_half_sums): from
// running sums of w*x and w over the sorted values, one pair per half block,
// each trial's sums in the CPU core's order of float operations.
void search_m_half_sums(float max) {
    float px[2][17], pw[2][17];
    px[0][0] = 0.0;
    px[1][0] = 0.0;
    pw[0][0] = 0.0;
    pw[1][0] = 0.0;
    for (int j = 0; j < 16; ++j) {
        const int i = order[j];
        const int part = i < 8 ? 0 : 1, other = 1 - part;
        precise float wx = weight[i] * xb[i];
        precise float sx = px[part][j] + wx;
        precise float sw = pw[part][j] + weight[i];
        px[part][j + 1] = sx;
        pw[part][j + 1] = sw;
        px[other][j + 1] = px[other][j];
        pw[other][j + 1] = pw[other][j];
    }
    precise float plus_step0 = kPlus[0] * kPlus[0] - kPlus[1] * kPlus[1];
    precise float plus_step1 = kPlus[1] * kPlus[1] - kPlus[2] * kPlus[2];
    precise float minus_step0 = kMinus[0] * kMinus[0] - kMinus[1] * kMinus[1];
    precise float minus_step1 = kMinus[1] * kMinus[1] - kMinus[2] * kMinus[2];
    start_split(max, -1);
    for (int i1 = 0; i1 <= 16; ++i1) {
        for (int i2 = i1; i2 <= 16; ++i2) {
            precise float qx_plus[2], qx_minus[2], q2_plus[2], q2_minus[2];
            for (int h = 0; h < 2; ++h) {
                precise float below = px[h][i1] + px[h][i2];
                precise float tx_plus = px[h][16] * kPlus[2];
                precise float tx_minus = px[h][16] * kMinus[2];
                qx_plus[h] = tx_plus - below;
                qx_minus[h] = tx_minus - below;
                precise float tw_plus = pw[h][16] * kPlus[2] * kPlus[2];
                precise float tw_minus = pw[h][16] * kMinus[2] * kMinus[2];
                precise float lo_plus = pw[h][i1] * plus_step0, hi_plus = pw[h][i2] * plus_step1;
                precise float lo_minus = pw[h][i1] * minus_step0, hi_minus = pw[h][i2] * minus_step1;
                q2_plus[h] = (tw_plus + lo_plus) + hi_plus;
                q2_minus[h] = (tw_minus + lo_minus) + hi_minus;
            }
            // Patterns 0..3: (+,+) (+,-) (-,+) (-,-), first half then second.
            precise float qx0 = qx_plus[0] + qx_plus[1], q20 = q2_plus[0] + q2_plus[1];
            precise float qx1 = qx_plus[0] + qx_minus[1], q21 = q2_plus[0] + q2_minus[1];
            precise float qx2 = qx_minus[0] + qx_plus[1], q22 = q2_minus[0] + q2_plus[1];
            precise float qx3 = qx_minus[0] + qx_minus[1], q23 = q2_minus[0] + q2_minus[1];
            consider(i1, i2, 0, qx0, q20);
            consider(i1, i2, 1, qx1, q21);
            consider(i1, i2, 2, qx2, q22);
            consider(i1, i2, 3, qx3, q23);
        }
    }
}

// The grid point of group k (levels in L) nearest under the shift values xs;
// `moved` tells whether it left the grid.
int group_point(int k, float scale, float xs[8], inout bool moved) {
    const uint key = group_key(L, k, 8, 2);
    const int index = grid_index(key);
    if (index >= 0) return index;
    moved = true;
    float x[8], w[8];
    for (int i = 0; i < 8; ++i) {
        x[i] = xb[8 * k + i];
        w[i] = weight[8 * k + i];
    }
    uint first, count;
    neighbour_list(key, first, count);
    return nearest_in_list_8x2(first, count, x, w, scale, xs);
}

// Adds group k's weighted terms at grid point `index` (shift values xs,
// level multiplier m) to sumqx and sumq2, in order.
void add_point(int k, int index, float xs[8], float m, inout float sumqx, inout float sumq2) {
    const uint p = point_key(index);
    for (int j = 0; j < 8; ++j) {
        precise float q = xs[level_at(p, 2, j)] * m;
        precise float qx = sumqx + weight[8 * k + j] * q * xb[8 * k + j];
        precise float q2 = sumq2 + weight[8 * k + j] * q * q;
        sumqx = qx;
        sumq2 = q2;
    }
}

shared float shared_scales[64];
shared int shared_points[64][4];  // IQ1_M: grid indices and shift pattern
shared int shared_shifts[64];

void main() {
    const uint slot = gl_LocalInvocationID.x / kBlocks;
    const int ib = int(gl_LocalInvocationID.x % kBlocks);
    const uint unit = gl_GlobalInvocationID.x / kBlocks;
    const bool live = unit < params.units;  // every invocation reaches the barriers
    const uint first = slot * kBlocks;
    const uint out_at = unit * kBytes;
    const bool weighted = kS || params.weighted != 0u;
    const int groups = kBlock / 8;
    int index[4] = int[4](0, 0, 0, 0);
    float scale = 0.0;
    int shift = kS ? 1 : 0;  // IQ1_S: +1 or -1; IQ1_M: the pattern
    float sigma2 = 0.0;
    if (live) {
        start_super_block(unit);
        sigma2 = spread(2.0);
        load_block(uint(kBlock * ib), kBlock, weighted, sigma2, 0.0);
        const float max = max_abs(kBlock);
        if (!(max < (kS ? 1e-12 : 1e-7))) {
            sort_positions(kBlock);
            if (kS) search_s(max);
            else if (kHalfBlockSums != 0) search_m_half_sums(max);
            else search_m(max);
            if (best_i1 >= 0 && best_i2 >= 0 && best_variant != (kS ? 0 : -1)) {
                for (int j = 0; j < kBlock; ++j) L[order[j]] = j < best_i1 ? 0 : j < best_i2 ? 1 : 2;
                scale = best_scale;
                shift = best_variant;
                if (scale < 0.0) {
                    for (int i = 0; i < kBlock; ++i) L[i] = 2 - L[i];
                    scale = -scale;
                    shift = kS ? -shift : 3 - shift;
                }
                bool moved = false;
                for (int k = 0; k < groups; ++k) {
                    const bool plus = kS ? shift == 1 : pattern_plus(shift, k);
                    index[k] = group_point(k, scale, plus ? kPlus : kMinus, moved);
                }
                if (moved) {
                    float sumqx = 0.0, sumq2 = 0.0;
                    for (int k = 0; k < groups; ++k) {
                        const bool plus = kS ? shift == 1 : pattern_plus(shift, k);
                        add_point(k, index[k], plus ? kPlus : kMinus, 1.0, sumqx, sumq2);
                    }
                    if (sumqx > 0.0 && sumq2 > 0.0) scale = fdiv(sumqx, sumq2);
                }
            }
        }
        shared_scales[first + uint(ib)] = scale;
        shared_shifts[first + uint(ib)] = shift;
        for (int k = 0; k < 4; ++k) shared_points[first + uint(ib)][k] = index[k];
    }
    barrier();
    if (!live) return;
    float max_scale = 0.0;
    for (uint k = 0u; k < kBlocks; ++k) {
        const float s = shared_scales[first + k];
        max_scale = max_scale > s ? max_scale : s;
    }
    const bool any = max_scale != 0.0;
    const float d = fdiv(max_scale, 15.0);
    const float id = any ? fdiv(1.0, d) : 0.0;
    if (kS) {
        // Bytes 2..33: low index bytes, 4 per block; 34..49: per block the
        // high index bits (3 a group), the 3-bit scale and the shift's sign.
        uint qh = 0u;
        for (int k = 0; k < 4; ++k) {
            dst[out_at + 2u + uint(4 * ib + k)] = uint8_t(index[k] & 255);
            qh |= uint(index[k] >> 8) << uint(3 * k);
        }
        if (any) qh |= uint(odd_level(id, scale, 7) | (shift == -1 ? 8 : 0)) << 12;
        store_u16(out_at + 34u + uint(2 * ib), qh);
        if (ib == 0) {
            precise float stored_d = d * 1.125;
            store_u16(out_at, any ? fp32_to_fp16(stored_d) : 0u);
        }
        return;
    }
    // IQ1_M: bytes 0..31: low index bytes, 2 per block; 32..47: per block
    // the high index bits (3 a group) and the shift bits (0x08, 0x80);
    // 48..55: the 3-bit scales, 4 per 16 bits, and the fp16 super-scale in
    // their top nibbles.
    const uint shift_bits[4] = uint[4](0x00u, 0x80u, 0x08u, 0x88u);
    dst[out_at + uint(2 * ib)] = uint8_t(index[0] & 255);
    dst[out_at + uint(2 * ib + 1)] = uint8_t(index[1] & 255);
    dst[out_at + 32u + uint(ib)] = uint8_t(uint(index[0] >> 8) | (uint(index[1] >> 8) << 4) | (any ? shift_bits[shift] : 0u));
    if (ib != 0) return;
    uint sc[4] = uint[4](0u, 0u, 0u, 0u);
    if (any) {
        // The super-scale refitted to the chosen points, over all blocks in
        // order (blocks without points count as grid point 0 at code 0).
        float dd = d;
        float sumqx = 0.0, sumq2 = 0.0;
        for (int b = 0; b < 16; ++b) {
            const int l = odd_level(id, shared_scales[first + uint(b)], 7);
            sc[b / 4] |= uint(l) << uint(3 * (b % 4));
            load_block(uint(16 * b), 16, weighted, sigma2, 0.0);
            const int pattern = shared_shifts[first + uint(b)];
            for (int k = 0; k < 2; ++k) {
                add_point(k, shared_points[first + uint(b)][k], pattern_plus(pattern, k) ? kPlus : kMinus, float(2 * l + 1), sumqx, sumq2);
            }
        }
        if (sumq2 > 0.0) dd = fdiv(sumqx, sumq2);
        precise float stored_d = dd * 1.1125;
        const uint s = fp32_to_fp16(stored_d);
        sc[0] |= (s & 0x000fu) << 12;
        sc[1] |= (s & 0x00f0u) << 8;
        sc[2] |= (s & 0x0f00u) << 4;
        sc[3] |= s & 0xf000u;
    }
    for (int i = 0; i < 4; ++i) store_u16(out_at + 48u + uint(2 * i), sc[i]);
}
