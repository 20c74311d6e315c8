// The weighted scale searches ggml's legacy quantizers run when importance
// weights are given, for one 32-value block. Each candidate scale's sums are
// accumulated in the reference's element order, so every float matches; the
// vector code evaluates candidates side by side (one candidate per lane) and
// picks the winner with a scalar pass in the reference's order. The affine
// search's candidates depend on the minimum an earlier winner sets, so they
// are evaluated speculatively and re-evaluated after such a winner.
#pragma once

#include <cstdint>

namespace gguf::quant::search {

// ggml's make_qx_quants(32, nmax, x, L, rmse_type 1, weights): the signed
// scale of a symmetric grid; q receives l + nmax, l in [-nmax, nmax - 1].
float weighted_symmetric_scale(const float* x, const float* w, int nmax, uint8_t* q);

// ggml's make_qkx3_quants(32, nmax, x, w, L, &the_min, Laux, -0.9, 0.05, 36,
// false): scale of an affine grid; q receives quants in [0, nmax] and
// *neg_min the negated minimum.
float weighted_affine_scale(const float* x, const float* w, int nmax, uint8_t* q, float* neg_min);

}  // namespace gguf::quant::search
