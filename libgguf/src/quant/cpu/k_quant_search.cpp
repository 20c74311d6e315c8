// Scale searches of the k-quants (see k_quant_search.h). The scalar
// functions are the definition: every float expression is written in the
// reference's association and order. The AVX2 functions run the same
// expressions on eight lanes, each lane an independent search (a candidate
// scale of one sub-block, or one sub-block's whole search), accumulating over
// the values in the scalar loop's order, so every lane's floats are the
// scalar ones and the same scale and quants come out.
#include "k_quant_search.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "numeric.h"
#include "weighted_range.h"

namespace gguf::quant::kq {
namespace {

constexpr float kGroupMaxEps = 1e-15f;


inline bool use_avx2() { return cpu_has_avx2(); }

inline int clamp_int(int v, int lo, int hi) { return std::max(lo, std::min(hi, v)); }

// ---- scalar ---------------------------------------------------------------

// The first value of largest magnitude, with its sign.
inline float signed_absmax(int n, const float* x, float* amax_out) {
    float amax = 0.0f, max = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    *amax_out = amax;
    return max;
}

// Symmetric search: candidate c (0: the first one tried, then is = -9..-1,
// 1..9) and its inverse scale.
constexpr int kSymmetricIs[19] = {0, -9, -8, -7, -6, -5, -4, -3, -2, -1, 1, 2, 3, 4, 5, 6, 7, 8, 9};

// Numerator of candidate c's inverse scale (divided by the signed maximum).
inline float symmetric_numerator(int nmax, int c) {
    const int is = kSymmetricIs[c];
    if (is == 0) return static_cast<float>(-nmax);
    return -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is));
}

inline void symmetric_sums(int n, int nmax, const float* x, const float* w, float iscale, float* sumlx_out, float* suml2_out) {
    float sumlx = 0.0f, suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        const float wi = w ? w[i] : x[i] * x[i];
        const float lf = static_cast<float>(l);
        sumlx += wi * x[i] * lf;
        suml2 += wi * lf * lf;
    }
    *sumlx_out = sumlx;
    *suml2_out = suml2;
}

inline void symmetric_quants(int n, int nmax, const float* x, float iscale, int8_t* L) {
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(nmax + clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1));
}

// Picks among the 19 candidates' sums as the reference's sequential loop
// does; returns the index and sets *scale.
inline int pick_symmetric(const float* sumlx, const float* suml2, float* scale_out) {
    float scale = suml2[0] != 0.0f ? sumlx[0] / suml2[0] : 0.0f;
    float best = scale * sumlx[0];
    int chosen = 0;
    for (int c = 1; c < 19; ++c) {
        if (suml2[c] > 0 && sumlx[c] * sumlx[c] > best * suml2[c]) {
            scale = sumlx[c] / suml2[c];
            best = scale * sumlx[c];
            chosen = c;
        }
    }
    *scale_out = scale;
    return chosen;
}

float symmetric_scale_scalar(int n, int nmax, const float* x, const float* w, int8_t* L, float max) {
    float sumlx[19], suml2[19];
    for (int c = 0; c < 19; ++c) symmetric_sums(n, nmax, x, w, symmetric_numerator(nmax, c) / max, &sumlx[c], &suml2[c]);
    float scale;
    const int chosen = pick_symmetric(sumlx, suml2, &scale);
    symmetric_quants(n, nmax, x, symmetric_numerator(nmax, chosen) / max, L);
    return scale;
}

// Affine search: the numerator of candidate is's inverse scale (divided by
// max - min).
inline float affine_numerator(int nmax, const AffineSteps& s, int is) {
    return s.rmin + s.rdelta * static_cast<float>(is) + static_cast<float>(nmax);
}

inline int affine_quant(float iscale, float xi, float min, int nmax) { return clamp_int(nearest_int(iscale * (xi - min)), 0, nmax); }

// ---- AVX2 -----------------------------------------------------------------

#if defined(__x86_64__)

#define KQ_AVX2 __attribute__((target("avx2")))

// nearest_int on eight lanes: add 1.5 * 2^23, keep the mantissa.
KQ_AVX2 inline __m256i nearest_int8(__m256 v) {
    const __m256 shifted = _mm256_add_ps(v, _mm256_set1_ps(12582912.0f));
    return _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(shifted), _mm256_set1_epi32(0x007fffff)),
                            _mm256_set1_epi32(0x00400000));
}

KQ_AVX2 inline __m256 clamp_round(__m256 v, __m256i lo, __m256i hi) {
    return _mm256_cvtepi32_ps(_mm256_min_epi32(hi, _mm256_max_epi32(lo, nearest_int8(v))));
}

// Symmetric search of one sub-block: candidate c in lane c % 8 of vector c / 8 (19 used).
KQ_AVX2 float symmetric_scale_avx2(int n, int nmax, const float* x, const float* w, int8_t* L, float max) {
    alignas(32) float isc[24];
    for (int c = 0; c < 24; ++c) isc[c] = symmetric_numerator(nmax, c < 19 ? c : 0) / max;
    const __m256 is0 = _mm256_load_ps(isc), is1 = _mm256_load_ps(isc + 8), is2 = _mm256_load_ps(isc + 16);
    const __m256i lo = _mm256_set1_epi32(-nmax), hi = _mm256_set1_epi32(nmax - 1);
    __m256 lx0 = _mm256_setzero_ps(), lx1 = lx0, lx2 = lx0, l20 = lx0, l21 = lx0, l22 = lx0;
    for (int i = 0; i < n; ++i) {
        const __m256 xi = _mm256_set1_ps(x[i]);
        const float wi_s = w ? w[i] : x[i] * x[i];
        const __m256 wi = _mm256_set1_ps(wi_s);
        const __m256 wx = _mm256_set1_ps(wi_s * x[i]);
        const __m256 f0 = clamp_round(_mm256_mul_ps(is0, xi), lo, hi);
        const __m256 f1 = clamp_round(_mm256_mul_ps(is1, xi), lo, hi);
        const __m256 f2 = clamp_round(_mm256_mul_ps(is2, xi), lo, hi);
        lx0 = _mm256_add_ps(lx0, _mm256_mul_ps(wx, f0));
        lx1 = _mm256_add_ps(lx1, _mm256_mul_ps(wx, f1));
        lx2 = _mm256_add_ps(lx2, _mm256_mul_ps(wx, f2));
        l20 = _mm256_add_ps(l20, _mm256_mul_ps(_mm256_mul_ps(wi, f0), f0));
        l21 = _mm256_add_ps(l21, _mm256_mul_ps(_mm256_mul_ps(wi, f1), f1));
        l22 = _mm256_add_ps(l22, _mm256_mul_ps(_mm256_mul_ps(wi, f2), f2));
    }
    alignas(32) float sumlx[24], suml2[24];
    _mm256_store_ps(sumlx, lx0);
    _mm256_store_ps(sumlx + 8, lx1);
    _mm256_store_ps(sumlx + 16, lx2);
    _mm256_store_ps(suml2, l20);
    _mm256_store_ps(suml2 + 8, l21);
    _mm256_store_ps(suml2 + 16, l22);
    float scale;
    const int chosen = pick_symmetric(sumlx, suml2, &scale);
    symmetric_quants(n, nmax, x, isc[chosen], L);
    return scale;
}

// ---- sub-blocks side by side: V vectors of eight lanes, lane k of vector v
// carrying sub-block 8v + k. Values are transposed so that value i of every
// sub-block is one row of 8V floats.

template <int V>
struct Lanes {
    static constexpr int W = 8 * V;
    __m256 v[V];
};

template <int V>
KQ_AVX2 inline void transpose_in(int n, const float* src, float (*dst)[8 * V]) {
    for (int j = 0; j < 8 * V; ++j) {
        for (int i = 0; i < n; ++i) dst[i][j] = src[j * n + i];
    }
}

template <int V, typename T>
KQ_AVX2 inline void transpose_quants_out(int n, const __m256i (*q)[V], T* L) {
    alignas(32) int32_t tmp[32][8 * V];
    for (int i = 0; i < n; ++i) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(&tmp[i][8 * v]), q[i][v]);
    }
    for (int j = 0; j < 8 * V; ++j) {
        for (int i = 0; i < n; ++i) L[j * n + i] = static_cast<T>(tmp[i][j]);
    }
}

// make_qkx2/qkx3 for 8V sub-blocks at once.
template <int V>
KQ_AVX2 void affine_lanes_avx2(int n, int nmax, const float* x, const float* w, uint8_t* L, float* scales_out, float* neg_mins_out,
                               const AffineSteps& s) {
    constexpr int W = 8 * V;
    alignas(32) float xt[32][W], wt[32][W];
    transpose_in<V>(n, x, xt);
    transpose_in<V>(n, w, wt);
    const __m256 zero = _mm256_setzero_ps();
    const __m256i izero = _mm256_setzero_si256(), top = _mm256_set1_epi32(nmax);
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    __m256 mn[V], mx[V], sw[V], sx[V];
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
        mn[v] = mx[v] = _mm256_load_ps(&xt[0][8 * v]);
        sw[v] = _mm256_load_ps(&wt[0][8 * v]);
        sx[v] = _mm256_mul_ps(sw[v], mn[v]);
    }
    for (int i = 1; i < n; ++i) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 xi = _mm256_load_ps(&xt[i][8 * v]), wi = _mm256_load_ps(&wt[i][8 * v]);
            mn[v] = _mm256_min_ps(xi, mn[v]);  // xi < mn ? xi : mn
            mx[v] = _mm256_max_ps(xi, mx[v]);  // xi > mx ? xi : mx
            sw[v] = _mm256_add_ps(sw[v], wi);
            sx[v] = _mm256_add_ps(sx[v], _mm256_mul_ps(wi, xi));
        }
    }
    __m256 flat[V], scale[V], best[V], best_iscale[V], best_min[V];
    const __m256 fnmax = _mm256_set1_ps(static_cast<float>(nmax));
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
        mn[v] = _mm256_blendv_ps(mn[v], zero, _mm256_cmp_ps(mn[v], zero, _CMP_GT_OQ));
        flat[v] = _mm256_cmp_ps(mx[v], mn[v], _CMP_EQ_OQ);
        const __m256 iscale = _mm256_div_ps(fnmax, _mm256_sub_ps(mx[v], mn[v]));
        scale[v] = _mm256_div_ps(_mm256_set1_ps(1.0f), iscale);
        best_iscale[v] = iscale;
        best_min[v] = mn[v];
        best[v] = zero;
    }
    for (int i = 0; i < n; ++i) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 xi = _mm256_load_ps(&xt[i][8 * v]);
            const __m256 l = clamp_round(_mm256_mul_ps(best_iscale[v], _mm256_sub_ps(xi, mn[v])), izero, top);
            __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(scale[v], l), mn[v]), xi);
            diff = s.use_mad ? _mm256_and_ps(diff, absmask) : _mm256_mul_ps(diff, diff);
            best[v] = _mm256_add_ps(best[v], _mm256_mul_ps(_mm256_load_ps(&wt[i][8 * v]), diff));
        }
    }
    alignas(32) float lbuf[32][W];
    for (int is = 0; is <= s.nstep && s.nstep >= 1; ++is) {
        const __m256 num = _mm256_set1_ps(affine_numerator(nmax, s, is));
        __m256 iscale[V], sl[V], sl2[V], sxl[V];
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            iscale[v] = _mm256_div_ps(num, _mm256_sub_ps(mx[v], mn[v]));
            sl[v] = sl2[v] = sxl[v] = zero;
        }
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256 xi = _mm256_load_ps(&xt[i][8 * v]), wi = _mm256_load_ps(&wt[i][8 * v]);
                const __m256 l = clamp_round(_mm256_mul_ps(iscale[v], _mm256_sub_ps(xi, mn[v])), izero, top);
                _mm256_store_ps(&lbuf[i][8 * v], l);
                const __m256 wl = _mm256_mul_ps(wi, l);
                sl[v] = _mm256_add_ps(sl[v], wl);
                sl2[v] = _mm256_add_ps(sl2[v], _mm256_mul_ps(wl, l));
                sxl[v] = _mm256_add_ps(sxl[v], _mm256_mul_ps(wl, xi));
            }
        }
        __m256 this_scale[V], this_min[V], err[V];
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 D = _mm256_sub_ps(_mm256_mul_ps(sw[v], sl2[v]), _mm256_mul_ps(sl[v], sl[v]));
            this_scale[v] = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(sw[v], sxl[v]), _mm256_mul_ps(sx[v], sl[v])), D);
            this_min[v] = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(sl2[v], sx[v]), _mm256_mul_ps(sl[v], sxl[v])), D);
            const __m256 pos = _mm256_cmp_ps(this_min[v], zero, _CMP_GT_OQ);
            this_min[v] = _mm256_blendv_ps(this_min[v], zero, pos);
            this_scale[v] = _mm256_blendv_ps(this_scale[v], _mm256_div_ps(sxl[v], sl2[v]), pos);
            err[v] = zero;
            sl[v] = D;  // kept for the acceptance test
        }
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256 xi = _mm256_load_ps(&xt[i][8 * v]);
                __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(this_scale[v], _mm256_load_ps(&lbuf[i][8 * v])), this_min[v]), xi);
                diff = s.use_mad ? _mm256_and_ps(diff, absmask) : _mm256_mul_ps(diff, diff);
                err[v] = _mm256_add_ps(err[v], _mm256_mul_ps(_mm256_load_ps(&wt[i][8 * v]), diff));
            }
        }
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 take = _mm256_andnot_ps(
                flat[v], _mm256_and_ps(_mm256_cmp_ps(sl[v], zero, _CMP_GT_OQ), _mm256_cmp_ps(err[v], best[v], _CMP_LT_OQ)));
            best[v] = _mm256_blendv_ps(best[v], err[v], take);
            scale[v] = _mm256_blendv_ps(scale[v], this_scale[v], take);
            best_iscale[v] = _mm256_blendv_ps(best_iscale[v], iscale[v], take);
            best_min[v] = _mm256_blendv_ps(best_min[v], mn[v], take);
            mn[v] = _mm256_blendv_ps(mn[v], this_min[v], take);
        }
    }
    // Quants of the chosen candidate (zero for flat sub-blocks).
    if (L) {
        __m256i q[32][V];
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256 xi = _mm256_load_ps(&xt[i][8 * v]);
                const __m256i l = _mm256_min_epi32(top, _mm256_max_epi32(izero, nearest_int8(_mm256_mul_ps(best_iscale[v], _mm256_sub_ps(xi, best_min[v])))));
                q[i][v] = _mm256_andnot_si256(_mm256_castps_si256(flat[v]), l);
            }
        }
        transpose_quants_out<V>(n, q, L);
    }
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
        _mm256_storeu_ps(scales_out + 8 * v, _mm256_andnot_ps(flat[v], scale[v]));
        _mm256_storeu_ps(neg_mins_out + 8 * v, _mm256_xor_ps(mn[v], _mm256_set1_ps(-0.0f)));  // -min
    }
}

// Signed maximum of each lane's sub-block (the first of largest magnitude).
template <int V>
KQ_AVX2 inline void lanes_signed_absmax(int n, const float (*xt)[8 * V], __m256* max, __m256* amax) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) max[v] = amax[v] = _mm256_setzero_ps();
    for (int i = 0; i < n; ++i) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 xi = _mm256_load_ps(&xt[i][8 * v]);
            const __m256 ax = _mm256_and_ps(xi, absmask);
            const __m256 more = _mm256_cmp_ps(ax, amax[v], _CMP_GT_OQ);
            amax[v] = _mm256_blendv_ps(amax[v], ax, more);
            max[v] = _mm256_blendv_ps(max[v], xi, more);
        }
    }
}

// make_qx_quants (rmse_type 1) for 8V sub-blocks at once; w nullptr: x^2.
template <int V>
KQ_AVX2 void symmetric_lanes_avx2(int n, int nmax, const float* x, const float* w, int8_t* L, float* scales_out) {
    constexpr int W = 8 * V;
    alignas(32) float xt[32][W], wt[32][W], wxt[32][W];
    transpose_in<V>(n, x, xt);
    if (w) transpose_in<V>(n, w, wt);
    for (int i = 0; i < n; ++i) {
        for (int j = 0; j < W; ++j) {
            if (!w) wt[i][j] = xt[i][j] * xt[i][j];
            wxt[i][j] = wt[i][j] * xt[i][j];
        }
    }
    const __m256 zero = _mm256_setzero_ps();
    const __m256i lo = _mm256_set1_epi32(-nmax), hi = _mm256_set1_epi32(nmax - 1);
    __m256 max[V], amax[V];
    lanes_signed_absmax<V>(n, xt, max, amax);
    __m256 scale[V], best[V], best_iscale[V];
    for (int c = 0; c < 19; ++c) {
        const __m256 num = _mm256_set1_ps(symmetric_numerator(nmax, c));
        __m256 iscale[V], sumlx[V], suml2[V];
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            iscale[v] = _mm256_div_ps(num, max[v]);
            sumlx[v] = suml2[v] = zero;
        }
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256 l = clamp_round(_mm256_mul_ps(iscale[v], _mm256_load_ps(&xt[i][8 * v])), lo, hi);
                sumlx[v] = _mm256_add_ps(sumlx[v], _mm256_mul_ps(_mm256_load_ps(&wxt[i][8 * v]), l));
                suml2[v] = _mm256_add_ps(suml2[v], _mm256_mul_ps(_mm256_mul_ps(_mm256_load_ps(&wt[i][8 * v]), l), l));
            }
        }
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 ratio = _mm256_div_ps(sumlx[v], suml2[v]);
            if (c == 0) {
                scale[v] = _mm256_and_ps(ratio, _mm256_cmp_ps(suml2[v], zero, _CMP_NEQ_UQ));
                best[v] = _mm256_mul_ps(scale[v], sumlx[v]);
                best_iscale[v] = iscale[v];
            } else {
                const __m256 take = _mm256_and_ps(_mm256_cmp_ps(suml2[v], zero, _CMP_GT_OQ),
                                                  _mm256_cmp_ps(_mm256_mul_ps(sumlx[v], sumlx[v]), _mm256_mul_ps(best[v], suml2[v]), _CMP_GT_OQ));
                scale[v] = _mm256_blendv_ps(scale[v], ratio, take);
                best[v] = _mm256_blendv_ps(best[v], _mm256_mul_ps(ratio, sumlx[v]), take);
                best_iscale[v] = _mm256_blendv_ps(best_iscale[v], iscale[v], take);
            }
        }
    }
    __m256 live[V];
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) live[v] = _mm256_cmp_ps(amax[v], _mm256_set1_ps(kGroupMaxEps), _CMP_NLT_UQ);
    if (L) {
        __m256i q[32][V];
        const __m256i bias = _mm256_set1_epi32(nmax);
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256i l = _mm256_min_epi32(hi, _mm256_max_epi32(lo, nearest_int8(_mm256_mul_ps(best_iscale[v], _mm256_load_ps(&xt[i][8 * v])))));
                q[i][v] = _mm256_and_si256(_mm256_castps_si256(live[v]), _mm256_add_epi32(l, bias));
            }
        }
        transpose_quants_out<V>(n, q, L);
    }
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) _mm256_storeu_ps(scales_out + 8 * v, _mm256_and_ps(live[v], scale[v]));
}

// make_q3_quants (do_rmse) for 8V sub-blocks at once. A lane whose pass
// changed nothing would change nothing in later passes either, so the
// passes run until no lane changes (at most five).
template <int V>
KQ_AVX2 void refined_lanes_avx2(int n, int nmax, const float* x, int8_t* L, float* scales_out) {
    constexpr int W = 8 * V;
    alignas(32) float xt[32][W];
    transpose_in<V>(n, x, xt);
    const __m256 zero = _mm256_setzero_ps();
    const __m256i lo = _mm256_set1_epi32(-nmax), hi = _mm256_set1_epi32(nmax - 1);
    __m256 max[V], amax[V];
    lanes_signed_absmax<V>(n, xt, max, amax);
    __m256 sumlx[V], suml2[V];
    alignas(32) float lq[32][W];  // current quants (without the bias), as floats
    const __m256 num = _mm256_set1_ps(static_cast<float>(-nmax));
    __m256 iscale[V];
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
        iscale[v] = _mm256_div_ps(num, max[v]);
        sumlx[v] = suml2[v] = zero;
    }
    for (int i = 0; i < n; ++i) {
        #pragma GCC unroll 4
        for (int v = 0; v < V; ++v) {
            const __m256 xi = _mm256_load_ps(&xt[i][8 * v]);
            const __m256 l = clamp_round(_mm256_mul_ps(iscale[v], xi), lo, hi);
            _mm256_store_ps(&lq[i][8 * v], l);
            const __m256 w = _mm256_mul_ps(xi, xi);
            sumlx[v] = _mm256_add_ps(sumlx[v], _mm256_mul_ps(_mm256_mul_ps(w, xi), l));
            suml2[v] = _mm256_add_ps(suml2[v], _mm256_mul_ps(_mm256_mul_ps(w, l), l));
        }
    }
    for (int itry = 0; itry < 5; ++itry) {
        __m256 changed = zero;
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256 xi = _mm256_load_ps(&xt[i][8 * v]);
                const __m256 li = _mm256_load_ps(&lq[i][8 * v]);
                const __m256 w = _mm256_mul_ps(xi, xi);
                const __m256 wx = _mm256_mul_ps(w, xi);
                const __m256 slx0 = _mm256_sub_ps(sumlx[v], _mm256_mul_ps(wx, li));
                const __m256 sl20 = _mm256_sub_ps(suml2[v], _mm256_mul_ps(_mm256_mul_ps(w, li), li));
                const __m256 nl = clamp_round(_mm256_div_ps(_mm256_mul_ps(xi, sl20), slx0), lo, hi);
                const __m256 slx = _mm256_add_ps(slx0, _mm256_mul_ps(wx, nl));
                const __m256 sl2 = _mm256_add_ps(sl20, _mm256_mul_ps(_mm256_mul_ps(w, nl), nl));
                const __m256 better = _mm256_cmp_ps(_mm256_mul_ps(_mm256_mul_ps(slx, slx), suml2[v]),
                                                    _mm256_mul_ps(_mm256_mul_ps(sumlx[v], sumlx[v]), sl2), _CMP_GT_OQ);
                const __m256 take = _mm256_and_ps(
                    _mm256_and_ps(_mm256_cmp_ps(slx0, zero, _CMP_GT_OQ), _mm256_cmp_ps(nl, li, _CMP_NEQ_UQ)),
                    _mm256_and_ps(_mm256_cmp_ps(sl2, zero, _CMP_GT_OQ), better));
                _mm256_store_ps(&lq[i][8 * v], _mm256_blendv_ps(li, nl, take));
                sumlx[v] = _mm256_blendv_ps(sumlx[v], slx, take);
                suml2[v] = _mm256_blendv_ps(suml2[v], sl2, take);
                changed = _mm256_or_ps(changed, take);
            }
        }
        if (_mm256_testz_ps(changed, changed)) break;
    }
    __m256 live[V];
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) live[v] = _mm256_cmp_ps(amax[v], _mm256_set1_ps(kGroupMaxEps), _CMP_NLT_UQ);
    if (L) {
        __m256i q[32][V];
        const __m256i bias = _mm256_set1_epi32(nmax);
        for (int i = 0; i < n; ++i) {
            #pragma GCC unroll 4
            for (int v = 0; v < V; ++v) {
                const __m256i l = _mm256_cvtps_epi32(_mm256_load_ps(&lq[i][8 * v]));  // whole numbers: exact
                q[i][v] = _mm256_and_si256(_mm256_castps_si256(live[v]), _mm256_add_epi32(l, bias));
            }
        }
        transpose_quants_out<V>(n, q, L);
    }
    #pragma GCC unroll 4
    for (int v = 0; v < V; ++v) {
        const __m256 scale = _mm256_and_ps(_mm256_div_ps(sumlx[v], suml2[v]), _mm256_cmp_ps(suml2[v], zero, _CMP_GT_OQ));
        _mm256_storeu_ps(scales_out + 8 * v, _mm256_and_ps(live[v], scale));
    }
}

#endif

}  // namespace

bool simd_enabled() { return use_avx2(); }

float symmetric_scale(int n, int nmax, const float* x, const float* w, int8_t* L) {
    float amax;
    const float max = signed_absmax(n, x, &amax);
    if (amax < kGroupMaxEps) {
        std::memset(L, 0, n);
        return 0.0f;
    }
#if defined(__x86_64__)
    if (use_avx2()) return symmetric_scale_avx2(n, nmax, x, w, L, max);
#endif
    return symmetric_scale_scalar(n, nmax, x, w, L, max);
}

float symmetric_scale_refined(int n, int nmax, const float* x, int8_t* L) {
    float amax;
    const float max = signed_absmax(n, x, &amax);
    if (amax < kGroupMaxEps) {
        std::memset(L, 0, n);
        return 0.0f;
    }
    const float iscale = static_cast<float>(-nmax) / max;
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_int(nearest_int(iscale * x[i]), -nmax, nmax - 1);
        L[i] = static_cast<int8_t>(l);
        const float w = x[i] * x[i];
        const float lf = static_cast<float>(l);
        sumlx += w * x[i] * lf;
        suml2 += w * lf * lf;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i];
            const float li = static_cast<float>(L[i]);
            float slx = sumlx - w * x[i] * li;
            if (slx > 0) {
                float sl2 = suml2 - w * li * li;
                const int new_l = clamp_int(nearest_int(x[i] * sl2 / slx), -nmax, nmax - 1);
                if (new_l != L[i]) {
                    const float nl = static_cast<float>(new_l);
                    slx += w * x[i] * nl;
                    sl2 += w * nl * nl;
                    if (sl2 > 0 && slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = static_cast<int8_t>(new_l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

float affine_scale(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min, const AffineSteps& s) {
    auto [min, max, sum_w, sum_x] = weighted_range(n, x, w);
    if (min > 0) min = 0;
    if (max == min) {
        std::memset(L, 0, n);
        *neg_min = -min;
        return 0.0f;
    }
    float iscale = static_cast<float>(nmax) / (max - min);
    float scale = 1 / iscale;
    float best_error = 0;
    for (int i = 0; i < n; ++i) {
        const int l = affine_quant(iscale, x[i], min, nmax);
        L[i] = static_cast<uint8_t>(l);
        float diff = scale * static_cast<float>(l) + min - x[i];
        diff = s.use_mad ? std::fabs(diff) : diff * diff;
        best_error += w[i] * diff;
    }
    for (int is = 0; is <= s.nstep && s.nstep >= 1; ++is) {
        // An accepted candidate moves the minimum, which the later candidates start from.
        iscale = affine_numerator(nmax, s, is) / (max - min);
        uint8_t Laux[32];
        float sum_l = 0, sum_l2 = 0, sum_xl = 0;
        for (int i = 0; i < n; ++i) {
            const int l = affine_quant(iscale, x[i], min, nmax);
            Laux[i] = static_cast<uint8_t>(l);
            const float lf = static_cast<float>(l);
            sum_l += w[i] * lf;
            sum_l2 += w[i] * lf * lf;
            sum_xl += w[i] * lf * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0)) continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0) {
            this_min = 0;
            this_scale = sum_xl / sum_l2;
        }
        float err = 0;
        for (int i = 0; i < n; ++i) {
            float diff = this_scale * static_cast<float>(Laux[i]) + this_min - x[i];
            diff = s.use_mad ? std::fabs(diff) : diff * diff;
            err += w[i] * diff;
        }
        if (err < best_error) {
            std::memcpy(L, Laux, n);
            best_error = err;
            scale = this_scale;
            min = this_min;
        }
    }
    *neg_min = -min;
    return scale;
}

float positive_scale(int n, int nmax, const float* x, uint8_t* L, const float* w) {
    float max = 0;
    for (int i = 0; i < n; ++i) max = max > x[i] ? max : x[i];
    if (max < kGroupMaxEps) {
        std::memset(L, 0, n);
        return 0.0f;
    }
    float iscale = static_cast<float>(nmax) / max;
    for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(nearest_int(iscale * x[i]));
    const float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - scale * static_cast<float>(L[i]);
        best_mse += w[i] * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) continue;
        const float iscale_is = (0.1f * static_cast<float>(is) + static_cast<float>(nmax)) / max;
        const float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; ++i) {
            const int l = std::min(nmax, nearest_int(iscale_is * x[i]));
            const float diff = x[i] - scale_is * static_cast<float>(l);
            mse += w[i] * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = std::min(nmax, nearest_int(iscale * x[i]));
        L[i] = static_cast<uint8_t>(l);
        const float lf = static_cast<float>(l);
        sumlx += w[i] * x[i] * lf;
        suml2 += w[i] * lf * lf;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float li = static_cast<float>(L[i]);
            float slx = sumlx - w[i] * x[i] * li;
            float sl2 = suml2 - w[i] * li * li;
            if (slx > 0 && sl2 > 0) {
                const int new_l = std::min(nmax, nearest_int(x[i] * sl2 / slx));
                if (new_l != L[i]) {
                    const float nl = static_cast<float>(new_l);
                    slx += w[i] * x[i] * nl;
                    sl2 += w[i] * nl * nl;
                    if (slx * slx * suml2 > sumlx * sumlx * sl2) {
                        L[i] = static_cast<uint8_t>(new_l);
                        sumlx = slx;
                        suml2 = sl2;
                        ++n_changed;
                    }
                }
            }
        }
        if (!n_changed) break;
    }
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

// ---- batched ------------------------------------------------------------------

void affine_scales(int lanes, int n, int nmax, const float* x, const float* w, uint8_t* L, float* scales, float* neg_mins,
                   const AffineSteps& steps) {
#if defined(__x86_64__)
    if (use_avx2()) {
        if (lanes == 8) return affine_lanes_avx2<1>(n, nmax, x, w, L, scales, neg_mins, steps);
        if (lanes == 16) return affine_lanes_avx2<2>(n, nmax, x, w, L, scales, neg_mins, steps);
    }
#endif
    uint8_t scratch[32];
    for (int j = 0; j < lanes; ++j) scales[j] = affine_scale(n, nmax, x + j * n, w + j * n, L ? L + j * n : scratch, &neg_mins[j], steps);
}

void symmetric_scales(int lanes, int n, int nmax, const float* x, const float* w, int8_t* L, float* scales) {
#if defined(__x86_64__)
    if (use_avx2()) {
        if (lanes == 8) return symmetric_lanes_avx2<1>(n, nmax, x, w, L, scales);
        if (lanes == 16) return symmetric_lanes_avx2<2>(n, nmax, x, w, L, scales);
    }
#endif
    int8_t scratch[32];
    for (int j = 0; j < lanes; ++j) scales[j] = symmetric_scale(n, nmax, x + j * n, w ? w + j * n : nullptr, L ? L + j * n : scratch);
}

void symmetric_scales_refined(int lanes, int n, int nmax, const float* x, int8_t* L, float* scales) {
#if defined(__x86_64__)
    if (use_avx2()) {
        if (lanes == 8) return refined_lanes_avx2<1>(n, nmax, x, L, scales);
        if (lanes == 16) return refined_lanes_avx2<2>(n, nmax, x, L, scales);
        if (lanes == 32) return refined_lanes_avx2<4>(n, nmax, x, L, scales);
    }
#endif
    int8_t scratch[32];
    for (int j = 0; j < lanes; ++j) scales[j] = symmetric_scale_refined(n, nmax, x + j * n, L ? L + j * n : scratch);
}

}  // namespace gguf::quant::kq
