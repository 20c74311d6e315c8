// The first pass of ggml's affine (scale + min) searches, shared by the
// legacy Q4_1/Q5_1 and K-quant families: the block's range, the sum of its
// weights and the weighted sum of its values, accumulated in element order.
#pragma once

namespace gguf::quant {

struct WeightedRange {
    float min, max, sum_w, sum_x;
};

inline WeightedRange weighted_range(int n, const float* x, const float* w) {
    WeightedRange r{x[0], x[0], w[0], w[0] * x[0]};
    for (int i = 1; i < n; ++i) {
        if (x[i] < r.min) r.min = x[i];
        if (x[i] > r.max) r.max = x[i];
        r.sum_w += w[i];
        r.sum_x += w[i] * x[i];
    }
    return r;
}

}  // namespace gguf::quant
