// What the k-quant shaders share about the invocation's super-block of 256
// values: where its values and importance weights start, its sum of squares,
// and the importance-derived search weights of one sub-block, as
// sum_squares and sigma_weights in libgguf/src/quant/cpu/k_quants.cpp.
#ifndef K_SUPER_BLOCK_GLSL
#define K_SUPER_BLOCK_GLSL

uint unit_src;      // first value of the super-block
uint unit_weights;  // its first importance weight

void start_super_block(uint unit) {
    unit_src = unit * 256u;
    unit_weights = (unit % params.units_per_row) * 256u;
}

// Sub-block j of n values into xs.
void load_sub_block(int j, int n) {
    for (int l = 0; l < n; ++l) xs[l] = src[unit_src + uint(n * j + l)];
}

// Sum of x^2 over the super-block, in order.
float super_block_squares() {
    precise float sum = 0.0;
    for (uint i = 0u; i < 256u; ++i) {
        const float v = src[unit_src + i];
        sum = sum + v * v;
    }
    return sum;
}

// ws = importance * sqrt(sigma2 + x^2) for sub-block j of n (in xs); returns
// their sum, in order.
float sigma_weights(int j, int n, float sigma2) {
    precise float total = 0.0;
    for (int l = 0; l < n; ++l) {
        precise float spread = sigma2 + xs[l] * xs[l];
        precise float w = importance[unit_weights + uint(n * j + l)] * fsqrt(spread);
        ws[l] = w;
        total = total + w;
    }
    return total;
}

#endif
