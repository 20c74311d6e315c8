// The scale searches ggml's k-quants run per sub-block, shared by every
// k-quant type. Each keeps the reference's float expressions and summation
// order exactly, so the chosen scales and quants are bit-identical. Where a
// search tries many candidate scales, the vector code evaluates candidates
// side by side (one per lane), each lane summing in element order, then
// picks the winner with the reference's sequential comparisons; where a
// super-block has many sub-blocks, they run side by side instead, each lane
// carrying one sub-block's whole search.
#pragma once

#include <cstdint>

namespace gguf::quant::kq {

// Whether the AVX2 searches run (see cpu_features.h: GGUF_MTP_NO_SIMD).
bool simd_enabled();

// ggml's make_qx_quants(n, nmax, x, L, rmse_type 1, w): signed scale of a
// symmetric grid, w nullptr meaning x[i]^2. L receives l + nmax, l in
// [-nmax, nmax - 1]. n <= 32.
float symmetric_scale(int n, int nmax, const float* x, const float* w, int8_t* L);

// ggml's make_q3_quants(n, nmax, x, L, do_rmse true): the same grid refined
// value by value with weights x[i]^2. n <= 32.
float symmetric_scale_refined(int n, int nmax, const float* x, int8_t* L);

// The candidate scales of an affine search: iscale = (rmin + rdelta * is +
// nmax) / (max - min) for is = 0..nstep.
struct AffineSteps {
    float rmin;
    float rdelta;
    int nstep;
    bool use_mad;  // absolute error, else squared
};

// ggml's make_qkx2_quants / make_qkx3_quants (weights given): scale of an
// affine grid; L receives quants in [0, nmax], *neg_min the negated minimum.
// n <= 32, nstep < 40.
float affine_scale(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min, const AffineSteps& steps);

// ggml's make_qp_quants(n, nmax, x, L, w): scale of a grid of non-negative
// quants for non-negative values (the super-block scale of scales). n <= 16.
float positive_scale(int n, int nmax, const float* x, uint8_t* L, const float* w);

// The same searches for `lanes` independent sub-blocks of n values each,
// stored one after another (sub-block j at x + j * n, its weights at
// w + j * n, its quants at L + j * n); results are those of calling the
// single versions on each sub-block. With AVX2 the sub-blocks run side by
// side, one per lane. lanes is 8 or 16 (or 32 for the refined search),
// n <= 32. L may be nullptr where the quants are not wanted (the k-quants
// requantize every sub-block whose scale is not zero, and call the single
// versions for the others).
void affine_scales(int lanes, int n, int nmax, const float* x, const float* w, uint8_t* L, float* scales, float* neg_mins,
                   const AffineSteps& steps);
void symmetric_scales(int lanes, int n, int nmax, const float* x, const float* w, int8_t* L, float* scales);
void symmetric_scales_refined(int lanes, int n, int nmax, const float* x, int8_t* L, float* scales);

}  // namespace gguf::quant::kq
