// What the IQ1/IQ2/IQ3 shaders share about the invocation's block of a
// super-block: its values, weights and magnitudes, the super-block's spread,
// sign folding and the weighted level sums, each as the CPU core computes it
// (libgguf/src/quant/cpu/i_quant_iq{1,2,3}.cpp, i_quant_search.h).
#ifndef IQ_BLOCKS_GLSL
#define IQ_BLOCKS_GLSL

float xb[32];      // the block's values
float weight[32];  // their weights
float waux[32];    // square roots of the weights
float xval[32];    // magnitudes, signs folded
int L[32];         // levels

uint unit_src;      // first value of the super-block
uint unit_weights;  // its first importance weight

void start_super_block(uint unit) {
    unit_src = unit * 256u;
    unit_weights = (unit % params.units_per_row) * 256u;
}

// factor * (sum of x^2 over the super-block, in order) / 256.
float spread(float factor) {
    precise float sum = 0.0;
    for (uint i = 0u; i < 256u; ++i) {
        const float v = src[unit_src + i];
        sum = sum + v * v;
    }
    if (factor == 1.0) return fdiv(sum, 256.0);
    precise float scaled = factor * sum;
    return fdiv(scaled, 256.0);
}

// Values `at`..`at + n` of the super-block into xb, and their weights: with
// importance, importance * sqrt(sigma2 + x^2), else base + x^2.
void load_block(uint at, int n, bool weighted, float sigma2, float base) {
    for (int i = 0; i < n; ++i) xb[i] = src[unit_src + at + uint(i)];
    for (int i = 0; i < n; ++i) {
        if (weighted) {
            precise float s = sigma2 + xb[i] * xb[i];
            precise float w = importance[unit_weights + at + uint(i)] * fsqrt(s);
            weight[i] = w;
        } else {
            precise float w = base + xb[i] * xb[i];
            weight[i] = w;
        }
    }
}

void load_waux(int n) {
    for (int i = 0; i < n; ++i) waux[i] = fsqrt(weight[i]);
}

// Magnitudes of values at..at + 7 into xval; returns their sign bits. With
// `even`, an odd count of negatives is made even by keeping the least
// important value's sign (its magnitude enters negated), 7 bits returned.
uint fold_signs(int at, bool even) {
    int nflip = 0;
    uint s = 0u;
    for (int i = 0; i < 8; ++i) {
        const float v = xb[at + i];
        if (v >= 0.0) {
            xval[at + i] = v;
        } else {
            xval[at + i] = -v;
            ++nflip;
            s |= 1u << uint(i);
        }
    }
    if (even && nflip % 2 != 0) {
        int imin = 0;
        precise float min_w = weight[at] * xb[at] * xb[at];
        for (int i = 1; i < 8; ++i) {
            precise float a = weight[at + i] * xb[at + i] * xb[at + i];
            if (a < min_w) {
                min_w = a;
                imin = i;
            }
        }
        xval[at + imin] = -xval[at + imin];
        s ^= 1u << uint(imin);
    }
    return even ? s & 127u : s;
}

// The largest of xval[0..n), scanned as ggml's MAX scans it.
float max_magnitude(int n) {
    float m = xval[0];
    for (int i = 1; i < n; ++i) m = m > xval[i] ? m : xval[i];
    return m;
}

// Weighted sums of xval * q and q * q over levels (q = 2 * level + 1) in order.
void level_sums(int levels[32], int n, out float sumqx, out float sumq2) {
    precise float qx = 0.0, q2 = 0.0;
    for (int i = 0; i < n; ++i) {
        const float q = float(2 * levels[i] + 1);
        qx = qx + weight[i] * xval[i] * q;
        q2 = q2 + weight[i] * q * q;
    }
    sumqx = qx;
    sumq2 = q2;
}

// The level nearest 0.5 * (id * x - 1), clamped to 0..top.
int odd_level(float id, float x, int top) {
    precise float t = 0.5 * (id * x - 1.0);
    return clamp(nearest_int(t), 0, top);
}

// Key of group k (dims levels from dims * k, `bits` bits each).
uint group_key(int levels[32], int k, int dims, int bits) {
    uint key = 0u;
    for (int i = 0; i < dims; ++i) key |= uint(levels[dims * k + i]) << uint(bits * i);
    return key;
}

// Levels of group k at inverse scale id (odd_level, up to top) into levels;
// returns their key.
uint group_levels(float id, int k, int dims, int bits, int top, inout int levels[32]) {
    for (int i = 0; i < dims; ++i) levels[dims * k + i] = odd_level(id, xval[dims * k + i], top);
    return group_key(levels, k, dims, bits);
}

// Levels 0..7 stand for the odd values 2 * level + 1 (IQ2, IQ3).
const float kOddValues[8] = float[8](1.0, 3.0, 5.0, 7.0, 9.0, 11.0, 13.0, 15.0);

// Group k of levels (off the grid, `key`) moved to the grid point that
// `scale` brings nearest to its magnitudes under waux.
void snap_group(uint key, int k, int dims, int bits, float scale, inout int levels[32]) {
    float x[8], w[8];
    for (int i = 0; i < 8; ++i) {
        x[i] = i < dims ? xval[dims * k + i] : 0.0;
        w[i] = i < dims ? waux[dims * k + i] : 0.0;
    }
    const uint p = point_key(nearest_neighbour(key, dims, bits, x, w, scale, kOddValues));
    for (int i = 0; i < dims; ++i) levels[dims * k + i] = level_at(p, bits, i);
}

#endif
