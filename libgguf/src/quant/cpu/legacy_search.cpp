#include "legacy_search.h"

#include <bit>
#include <cmath>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "numeric.h"
#include "weighted_range.h"

namespace gguf::quant::search {
namespace {

constexpr int N = 32;
constexpr float kGroupMaxEps = 1e-15f;

inline int clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

// Both searches are split the same way: the candidate scales are listed, each
// candidate's sums are evaluated (scalar, or 8 candidates per AVX2 vector with
// every lane doing the scalar float operations in the scalar order), and the
// winner is then chosen by a scalar pass over the candidates in the
// reference's order with its exact comparison, so ties resolve identically.
// Candidate lists are padded to whole vectors; padding lanes are never read.

// ---- symmetric (make_qx_quants, rmse_type 1) --------------------------------

// Candidate 0 is -nmax / max; then -(nmax + 0.1 is) / max for is = -9..9, is != 0.
constexpr int kSymCandidates = 19;
constexpr int kSymPadded = 24;

inline void symmetric_sums_scalar(const float* x, const float* w, const float* wx, int nmax, const float* iscale,
                                  float* sumlx, float* suml2) {
    for (int c = 0; c < kSymCandidates; ++c) {
        float slx = 0.0f, sl2 = 0.0f;
        for (int i = 0; i < N; ++i) {
            const float l = static_cast<float>(clamp(nearest_int(iscale[c] * x[i]), -nmax, nmax - 1));
            slx += wx[i] * l;
            sl2 += w[i] * l * l;
        }
        sumlx[c] = slx;
        suml2[c] = sl2;
    }
}

#if defined(__x86_64__)
#define LEGACY_AVX2 __attribute__((target("avx2")))

// nearest_int lane by lane: the same float addition and mantissa read.
LEGACY_AVX2 inline __m256i nearest_int_x8(__m256 v) {
    const __m256i bits = _mm256_castps_si256(_mm256_add_ps(v, _mm256_set1_ps(12582912.0f)));
    return _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
}

LEGACY_AVX2 inline __m256 clamped_level_x8(__m256 scaled, __m256i lo, __m256i hi) {
    return _mm256_cvtepi32_ps(_mm256_min_epi32(_mm256_max_epi32(nearest_int_x8(scaled), lo), hi));
}

LEGACY_AVX2 void symmetric_sums_avx2(const float* x, const float* w, const float* wx, int nmax, const float* iscale,
                                     float* sumlx, float* suml2) {
    constexpr int V = kSymPadded / 8;
    const __m256i lo = _mm256_set1_epi32(-nmax), hi = _mm256_set1_epi32(nmax - 1);
    __m256 is[V], slx[V], sl2[V];
    for (int v = 0; v < V; ++v) {
        is[v] = _mm256_loadu_ps(iscale + 8 * v);
        slx[v] = sl2[v] = _mm256_setzero_ps();
    }
    for (int i = 0; i < N; ++i) {
        const __m256 xi = _mm256_set1_ps(x[i]), wi = _mm256_set1_ps(w[i]), wxi = _mm256_set1_ps(wx[i]);
        for (int v = 0; v < V; ++v) {
            const __m256 l = clamped_level_x8(_mm256_mul_ps(is[v], xi), lo, hi);
            slx[v] = _mm256_add_ps(slx[v], _mm256_mul_ps(wxi, l));
            sl2[v] = _mm256_add_ps(sl2[v], _mm256_mul_ps(_mm256_mul_ps(wi, l), l));
        }
    }
    for (int v = 0; v < V; ++v) {
        _mm256_storeu_ps(sumlx + 8 * v, slx[v]);
        _mm256_storeu_ps(suml2 + 8 * v, sl2[v]);
    }
}
#endif

// ---- affine (make_qkx3_quants, rmin -0.9, rdelta 0.05, 36 steps) ---------------

// Unlike the symmetric search, a winning candidate moves the block minimum,
// and later candidates' scales and levels use the new one. So candidates are
// evaluated speculatively, a chunk at a time with the current minimum; the
// scan stops at the first winner that changes the minimum and the next chunk
// starts right after it.
constexpr int kAffCandidates = 37;
constexpr int kAffChunk = 8;

struct AffineChunk {
    float mad[kAffChunk], scale[kAffChunk], min[kAffChunk];
    bool valid[kAffChunk];  // D > 0
};

// Candidates iscale[0..count) against x - min (xm), in the reference's order.
inline void affine_eval_scalar(const float* x, const float* w, const float* xm, float sum_w, float sum_x, int nmax,
                               const float* iscale, int count, AffineChunk& out) {
    uint8_t aux[N];
    for (int c = 0; c < count; ++c) {
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
        for (int i = 0; i < N; ++i) {
            const int l = clamp(nearest_int(iscale[c] * xm[i]), 0, nmax);
            aux[i] = static_cast<uint8_t>(l);
            const float wl = w[i] * static_cast<float>(l);
            sum_l += wl;
            sum_l2 += wl * static_cast<float>(l);
            sum_xl += wl * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        out.valid[c] = D > 0.0f;
        if (!out.valid[c]) continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0.0f) {
            this_min = 0.0f;
            this_scale = sum_xl / sum_l2;
        }
        float mad = 0.0f;
        for (int i = 0; i < N; ++i) {
            float diff = this_scale * static_cast<float>(aux[i]) + this_min - x[i];
            diff = diff * diff;
            mad += w[i] * diff;
        }
        out.mad[c] = mad;
        out.scale[c] = this_scale;
        out.min[c] = this_min;
    }
}

#if defined(__x86_64__)
// kAffChunk candidates (padded lanes included) in one pass over the block.
LEGACY_AVX2 void affine_eval_avx2(const float* x, const float* w, const float* xm, float sum_w, float sum_x, int nmax,
                                  const float* iscale, AffineChunk& out) {
    constexpr int V = kAffChunk / 8;
    const __m256i lo = _mm256_setzero_si256(), hi = _mm256_set1_epi32(nmax);
    const __m256 zero = _mm256_setzero_ps();
    __m256 is[V], sl[V], sl2[V], sxl[V];
    for (int v = 0; v < V; ++v) {
        is[v] = _mm256_loadu_ps(iscale + 8 * v);
        sl[v] = sl2[v] = sxl[v] = zero;
    }
    for (int i = 0; i < N; ++i) {
        const __m256 xmi = _mm256_set1_ps(xm[i]), wi = _mm256_set1_ps(w[i]), xi = _mm256_set1_ps(x[i]);
        for (int v = 0; v < V; ++v) {
            const __m256 l = clamped_level_x8(_mm256_mul_ps(is[v], xmi), lo, hi);
            const __m256 wl = _mm256_mul_ps(wi, l);
            sl[v] = _mm256_add_ps(sl[v], wl);
            sl2[v] = _mm256_add_ps(sl2[v], _mm256_mul_ps(wl, l));
            sxl[v] = _mm256_add_ps(sxl[v], _mm256_mul_ps(wl, xi));
        }
    }
    const __m256 vw = _mm256_set1_ps(sum_w), vx = _mm256_set1_ps(sum_x);
    __m256 scale[V], min[V], mad[V];
    int any = 0;
    for (int v = 0; v < V; ++v) {
        const __m256 D = _mm256_sub_ps(_mm256_mul_ps(vw, sl2[v]), _mm256_mul_ps(sl[v], sl[v]));
        const int mask = _mm256_movemask_ps(_mm256_cmp_ps(D, zero, _CMP_GT_OQ));
        any |= mask;
        for (int k = 0; k < 8; ++k) out.valid[8 * v + k] = (mask >> k) & 1;
        scale[v] = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(vw, sxl[v]), _mm256_mul_ps(vx, sl[v])), D);
        min[v] = _mm256_div_ps(_mm256_sub_ps(_mm256_mul_ps(sl2[v], vx), _mm256_mul_ps(sl[v], sxl[v])), D);
        const __m256 pos = _mm256_cmp_ps(min[v], zero, _CMP_GT_OQ);
        scale[v] = _mm256_blendv_ps(scale[v], _mm256_div_ps(sxl[v], sl2[v]), pos);
        min[v] = _mm256_blendv_ps(min[v], zero, pos);
        mad[v] = zero;
    }
    if (!any) return;
    for (int i = 0; i < N; ++i) {
        const __m256 xmi = _mm256_set1_ps(xm[i]), wi = _mm256_set1_ps(w[i]), xi = _mm256_set1_ps(x[i]);
        for (int v = 0; v < V; ++v) {
            const __m256 l = clamped_level_x8(_mm256_mul_ps(is[v], xmi), lo, hi);
            __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(scale[v], l), min[v]), xi);
            diff = _mm256_mul_ps(diff, diff);
            mad[v] = _mm256_add_ps(mad[v], _mm256_mul_ps(wi, diff));
        }
    }
    for (int v = 0; v < V; ++v) {
        _mm256_storeu_ps(out.mad + 8 * v, mad[v]);
        _mm256_storeu_ps(out.scale + 8 * v, scale[v]);
        _mm256_storeu_ps(out.min + 8 * v, min[v]);
    }
}
#endif

}  // namespace

float weighted_symmetric_scale(const float* x, const float* w, int nmax, uint8_t* q) {
    float amax = 0.0f, max = 0.0f;
    for (int i = 0; i < N; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    if (amax < kGroupMaxEps) {
        std::memset(q, 0, N);
        return 0.0f;
    }
    float iscale[kSymPadded];
    iscale[0] = static_cast<float>(-nmax) / max;
    for (int is = -9, c = 1; is <= 9; ++is) {
        if (is != 0) iscale[c++] = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
    }
    for (int c = kSymCandidates; c < kSymPadded; ++c) iscale[c] = iscale[0];
    float wx[N];
    for (int i = 0; i < N; ++i) wx[i] = w[i] * x[i];
    float sumlx[kSymPadded], suml2[kSymPadded];
#if defined(__x86_64__)
    if (cpu_has_avx2()) symmetric_sums_avx2(x, w, wx, nmax, iscale, sumlx, suml2);
    else
#endif
        symmetric_sums_scalar(x, w, wx, nmax, iscale, sumlx, suml2);

    float best_iscale = iscale[0];
    float scale = suml2[0] != 0.0f ? sumlx[0] / suml2[0] : 0.0f;
    float best = scale * sumlx[0];
    for (int c = 1; c < kSymCandidates; ++c) {
        if (suml2[c] > 0.0f && sumlx[c] * sumlx[c] > best * suml2[c]) {
            best_iscale = iscale[c];
            scale = sumlx[c] / suml2[c];
            best = scale * sumlx[c];
        }
    }
    for (int i = 0; i < N; ++i) q[i] = static_cast<uint8_t>(nmax + clamp(nearest_int(best_iscale * x[i]), -nmax, nmax - 1));
    return scale;
}

float weighted_affine_scale(const float* x, const float* w, int nmax, uint8_t* q, float* neg_min) {
    constexpr float rmin = -0.9f, rdelta = 0.05f;
    auto [min, max, sum_w, sum_x] = weighted_range(N, x, w);
    if (min > 0.0f) min = 0.0f;
    if (max <= min) {
        std::memset(q, 0, N);
        *neg_min = -min;
        return 0.0f;
    }
    float iscale = static_cast<float>(nmax) / (max - min);
    float scale = 1.0f / iscale;
    float best_mad = 0.0f;
    for (int i = 0; i < N; ++i) {
        q[i] = static_cast<uint8_t>(clamp(nearest_int(iscale * (x[i] - min)), 0, nmax));
        float diff = scale * static_cast<float>(q[i]) + min - x[i];
        diff = diff * diff;
        best_mad += w[i] * diff;
    }
    const bool vec = cpu_has_avx2();
    float xm[N], iscales[kAffChunk];
    AffineChunk cand;
    for (int first = 0; first < kAffCandidates;) {
        const int count = vec ? kAffChunk : 1;
        for (int k = 0; k < count; ++k) {
            const int is = first + k < kAffCandidates ? first + k : first;  // padding lanes repeat the first
            iscales[k] = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
        }
        for (int i = 0; i < N; ++i) xm[i] = x[i] - min;
#if defined(__x86_64__)
        if (vec) affine_eval_avx2(x, w, xm, sum_w, sum_x, nmax, iscales, cand);
        else
#endif
            affine_eval_scalar(x, w, xm, sum_w, sum_x, nmax, iscales, count, cand);
        int next = first + count;
        for (int k = 0; k < count && first + k < kAffCandidates; ++k) {
            if (!cand.valid[k] || !(cand.mad[k] < best_mad)) continue;
            for (int i = 0; i < N; ++i) q[i] = static_cast<uint8_t>(clamp(nearest_int(iscales[k] * xm[i]), 0, nmax));
            best_mad = cand.mad[k];
            scale = cand.scale[k];
            if (std::bit_cast<uint32_t>(cand.min[k]) != std::bit_cast<uint32_t>(min)) {
                min = cand.min[k];  // later candidates see the new minimum: re-evaluate them
                next = first + k + 1;
                break;
            }
        }
        first = next;
    }
    *neg_min = -min;
    return scale;
}

}  // namespace gguf::quant::search
