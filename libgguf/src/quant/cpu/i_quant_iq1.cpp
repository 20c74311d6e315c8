// IQ1_S and IQ1_M: groups of 8 values, each one point of an 8-dimensional
// grid of 2048 points with coordinates -1, 0, 1, shifted by +-1/8; IQ1_S has
// a 3-bit scale and shift per 32, IQ1_M a 3-bit scale per 16 and a shift per
// 8, its fp16 super-scale spread over the scale bytes' top nibbles.
#include <algorithm>
#include <cfloat>
#include <cmath>

#include "gguf/compat/llama_release.h"
#include "i_quant_rows.h"
#include "i_quant_search.h"
#include "lanes16.h"
#include "numeric.h"
#include "ordered_trials.h"

namespace gguf::quant::iq {
namespace {

constexpr float kDelta = 0.125f;
// Values of levels 0, 1, 2; zeros fill them up to the 8 the neighbour search reads.
constexpr float kPlus[8] = {-1 + kDelta, kDelta, 1 + kDelta};
constexpr float kMinus[8] = {-1 - kDelta, -kDelta, 1 - kDelta};

// Sorts positions b[0..n) by xb as glibc's qsort (a merge sort for arrays
// this small, which ggml's qsort is) does: the first n / 2 and the rest
// sorted, then merged taking the left one unless it is strictly greater.
// Ties keep their order, and NaNs land where glibc leaves them.
inline void merge_sort_positions(const float* xb, int* b, int n, int* tmp) {
    if (n <= 1) return;
    const int n1 = n / 2;
    merge_sort_positions(xb, b, n1, tmp);
    merge_sort_positions(xb, b + n1, n - n1, tmp);
    int i = 0, j = n1, k = 0;
    while (i < n1 && j < n) tmp[k++] = xb[b[i]] > xb[b[j]] ? b[j++] : b[i++];
    while (i < n1) tmp[k++] = b[i++];
    std::copy(tmp, tmp + k, b);
}

#if defined(__x86_64__) && defined(__GNUC__)
// Without NaN the order is the unique stable one: position i goes to the
// count of values below xb[i] plus the equal ones before it. Counted for 8
// positions per vector, each value in turn; false (nothing written) if the
// block holds a NaN.
template <int N>
__attribute__((target("avx2"))) bool rank_positions_avx2(const float* xb, int* order) {
    static_assert(N % 8 == 0);
    constexpr int V = N / 8;
    __m256 x[V];
    __m256i rank[V], position[V];
    __m256 nan = _mm256_setzero_ps();
    for (int v = 0; v < V; ++v) {
        x[v] = _mm256_loadu_ps(xb + 8 * v);
        nan = _mm256_or_ps(nan, _mm256_cmp_ps(x[v], x[v], _CMP_UNORD_Q));
        rank[v] = _mm256_setzero_si256();
        position[v] = _mm256_add_epi32(_mm256_set1_epi32(8 * v), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    }
    if (_mm256_movemask_ps(nan)) return false;
    for (int j = 0; j < N; ++j) {
        const __m256 xj = _mm256_set1_ps(xb[j]);
        const __m256i jj = _mm256_set1_epi32(j);
        for (int v = 0; v < V; ++v) {
            const __m256i before = _mm256_or_si256(
                _mm256_castps_si256(_mm256_cmp_ps(xj, x[v], _CMP_LT_OQ)),
                _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(xj, x[v], _CMP_EQ_OQ)), _mm256_cmpgt_epi32(position[v], jj)));
            rank[v] = _mm256_sub_epi32(rank[v], before);  // masks are -1
        }
    }
    alignas(32) int ranks[N];
    for (int v = 0; v < V; ++v) _mm256_store_si256(reinterpret_cast<__m256i*>(ranks + 8 * v), rank[v]);
    for (int i = 0; i < N; ++i) order[ranks[i]] = i;
    return true;
}
#endif

// Positions of xb's values in ascending order, as ggml sorts them.
template <int N>
void sort_positions(const float* xb, int* order) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx2() && rank_positions_avx2<N>(xb, order)) return;
#endif
    for (int j = 0; j < N; ++j) order[j] = j;
    int tmp[N];
    merge_sort_positions(xb, order, N, tmp);
}

inline int scale_code(float id, float scale) {
    const int l = nearest_int(0.5f * (id * scale - 1));
    return max_of(0, min_of(7, l));
}

// Largest |x| of n values, scanned in order with ggml's max (a NaN is kept
// only where ggml keeps it).
inline float max_abs(const float* x, int n) {
    float max = std::fabs(x[0]);
    for (int i = 1; i < n; ++i) max = max_of(max, std::fabs(x[i]));
    return max;
}

// The best so far of an exhaustive split search: sorted values below i1 at
// level 0, below i2 at level 1, the rest at level 2, with a shift variant.
struct SplitChoice {
    int i1 = -1, i2 = -1;
    int variant;  // IQ1_S: the shift, +1 or -1; IQ1_M: the shift pattern; `none` until a trial wins
    float scale;
    float score = -FLT_MAX;

    SplitChoice(float max, int none) : variant(none), scale(max) {}
    // ggml's test: a trial replaces the best only if strictly better.
    void consider(int a, int b, int v, float sumqx, float sumq2) {
        if (sumq2 > 0 && sumqx * sumqx > score * sumq2) {
            scale = sumqx / sumq2;
            score = scale * sumqx;
            i1 = a;
            i2 = b;
            variant = v;
        }
    }
};

// IQ1_S: the best split of a block's 32 sorted values and shift, from the
// prefix sums of weight * x (sumx) and of weight (sumw), in ggml's order of
// trial: i1, i2, then shift +1, -1.
constexpr int kIq1sBlock = 32;

#if defined(__x86_64__) && defined(__GNUC__)
// The trials (i1, i2 + lane, shift +1 and -1) for 8 lanes: their sums into
// qx and q2 (per shift), each rounded as the scalar trial rounds it, and
// whether any lane beats best_score.
__attribute__((target("avx2"))) inline bool split_sums_avx2(const float* sumx, const float* sumw, int n, int i1, int i2, float best_score,
                                                            float (*qx)[8], float (*q2)[8]) {
    const __m256 x0 = _mm256_sub_ps(_mm256_set1_ps(sumx[i1]), _mm256_set1_ps(sumx[0]));
    const __m256 w0 = _mm256_sub_ps(_mm256_set1_ps(sumw[i1]), _mm256_set1_ps(sumw[0]));
    const __m256 x1 = _mm256_sub_ps(_mm256_loadu_ps(sumx + i2), _mm256_set1_ps(sumx[i1]));
    const __m256 x2 = _mm256_sub_ps(_mm256_set1_ps(sumx[n]), _mm256_loadu_ps(sumx + i2));
    const __m256 w1 = _mm256_sub_ps(_mm256_loadu_ps(sumw + i2), _mm256_set1_ps(sumw[i1]));
    const __m256 w2 = _mm256_sub_ps(_mm256_set1_ps(sumw[n]), _mm256_loadu_ps(sumw + i2));
    __m256 pass = _mm256_setzero_ps();
    for (int s = 0; s < 2; ++s) {
        const float* xs = s == 0 ? kPlus : kMinus;
        const __m256 a = _mm256_set1_ps(xs[0]), b = _mm256_set1_ps(xs[1]), c = _mm256_set1_ps(xs[2]);
        const __m256 sumqx = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(x0, a), _mm256_mul_ps(x1, b)), _mm256_mul_ps(x2, c));
        const __m256 sumq2 = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(w0, a), a), _mm256_mul_ps(_mm256_mul_ps(w1, b), b)),
                                           _mm256_mul_ps(_mm256_mul_ps(w2, c), c));
        const __m256 better = _mm256_and_ps(_mm256_cmp_ps(sumq2, _mm256_setzero_ps(), _CMP_GT_OQ),
                                            _mm256_cmp_ps(_mm256_mul_ps(sumqx, sumqx), _mm256_mul_ps(_mm256_set1_ps(best_score), sumq2), _CMP_GT_OQ));
        pass = _mm256_or_ps(pass, better);
        _mm256_store_ps(qx[s], sumqx);
        _mm256_store_ps(q2[s], sumq2);
    }
    const __m256i i2_lane = _mm256_add_epi32(_mm256_set1_epi32(i2), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    const __m256 in_range = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n + 1), i2_lane));
    return _mm256_movemask_ps(_mm256_and_ps(pass, in_range)) != 0;
}
#endif

template <Simd S>
SplitChoice best_split(const float* sumx, const float* sumw, float max) {
    constexpr int n = kIq1sBlock;
    SplitChoice best(max, 0);
    for (int i1 = 0; i1 <= n; ++i1) {
        int i2 = i1;
#if defined(__x86_64__) && defined(__GNUC__)
        if constexpr (S != Simd::scalar) {
            // Eight i2 at once (lanes past n read the sums' padding and
            // are left out): while no lane beats the best so far, the best
            // does not change, so none of them would win; when one does,
            // the eight are tried in order as scalars.
            for (; i2 <= n; i2 += 8) {
                alignas(32) float qx[2][8], q2[2][8];
                if (!split_sums_avx2(sumx, sumw, n, i1, i2, best.score, qx, q2)) continue;
                for (int lane = 0; lane < 8 && i2 + lane <= n; ++lane) {
                    best.consider(i1, i2 + lane, 1, qx[0][lane], q2[0][lane]);
                    best.consider(i1, i2 + lane, -1, qx[1][lane], q2[1][lane]);
                }
            }
        }
#endif
        for (; i2 <= n; ++i2) {
            for (int shift : {1, -1}) {
                const float* xs = shift == 1 ? kPlus : kMinus;
                const float sumqx = (sumx[i1] - sumx[0]) * xs[0] + (sumx[i2] - sumx[i1]) * xs[1] + (sumx[n] - sumx[i2]) * xs[2];
                const float sumq2 = (sumw[i1] - sumw[0]) * xs[0] * xs[0] + (sumw[i2] - sumw[i1]) * xs[1] * xs[1] + (sumw[n] - sumw[i2]) * xs[2] * xs[2];
                best.consider(i1, i2, shift, sumqx, sumq2);
            }
        }
    }
    return best;
}

// IQ1_M: the best split of a block's 16 sorted values into levels (below i1,
// below i2, the rest) and shift pattern k, from each value's weighted terms
// per level and pattern, in ggml's order of trial (i1, i2, k), a later trial
// winning only if strictly better. Each trial's sums add the 16 values'
// terms in sorted order.
constexpr int kIq1mBlock = 16;
using PatternTerms = float[3][kIq1mBlock][4];

#if defined(__x86_64__) && defined(__GNUC__)
// The trials (i1, i2 + lane, k) for 8 lanes (lanes past i2 = 16 are left
// out): their sums into qx[k] and q2[k], each lane adding in sorted order as
// the scalar trial does, and whether any lane beats best_score.
__attribute__((target("avx2"))) inline bool pattern_sums_avx2(const PatternTerms& term_x, const PatternTerms& term_q, const int* order, int i1,
                                                              int i2, float best_score, float (*qx)[8], float (*q2)[8]) {
    constexpr int n = kIq1mBlock;
    const __m256i i2_lane = _mm256_add_epi32(_mm256_set1_epi32(i2), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    __m256 sx[4], s2[4];
    for (int k = 0; k < 4; ++k) sx[k] = s2[k] = _mm256_setzero_ps();
    for (int j = 0; j < n; ++j) {
        const int i = order[j];
        if (j < i1) {
            for (int k = 0; k < 4; ++k) {
                sx[k] = _mm256_add_ps(sx[k], _mm256_set1_ps(term_x[0][i][k]));
                s2[k] = _mm256_add_ps(s2[k], _mm256_set1_ps(term_q[0][i][k]));
            }
        } else {
            const __m256 middle = _mm256_castsi256_ps(_mm256_cmpgt_epi32(i2_lane, _mm256_set1_epi32(j)));  // j < i2: level 1
            for (int k = 0; k < 4; ++k) {
                sx[k] = _mm256_add_ps(sx[k], _mm256_blendv_ps(_mm256_set1_ps(term_x[2][i][k]), _mm256_set1_ps(term_x[1][i][k]), middle));
                s2[k] = _mm256_add_ps(s2[k], _mm256_blendv_ps(_mm256_set1_ps(term_q[2][i][k]), _mm256_set1_ps(term_q[1][i][k]), middle));
            }
        }
    }
    __m256 pass = _mm256_setzero_ps();
    for (int k = 0; k < 4; ++k) {
        pass = _mm256_or_ps(pass, _mm256_and_ps(_mm256_cmp_ps(s2[k], _mm256_setzero_ps(), _CMP_GT_OQ),
                                                _mm256_cmp_ps(_mm256_mul_ps(sx[k], sx[k]), _mm256_mul_ps(_mm256_set1_ps(best_score), s2[k]), _CMP_GT_OQ)));
        _mm256_storeu_ps(qx[k], sx[k]);
        _mm256_storeu_ps(q2[k], s2[k]);
    }
    const __m256 in_range = _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(n + 1), i2_lane));
    return _mm256_movemask_ps(_mm256_and_ps(pass, in_range)) != 0;
}
#endif

template <Simd S>
SplitChoice best_pattern_split(const PatternTerms& term_x, const PatternTerms& term_q, const int* order, float max) {
    constexpr int n = kIq1mBlock;
    SplitChoice best(max, -1);
    for (int i1 = 0; i1 <= n; ++i1) {
#if defined(__x86_64__) && defined(__GNUC__)
        if constexpr (S != Simd::scalar) {
            // While no lane beats the best so far, the best does not change,
            // so none of the 8 would win; when one does, they are tried in
            // order as scalars.
            for (int i2 = i1; i2 <= n; i2 += 8) {
                float qx[4][8], q2[4][8];
                if (!pattern_sums_avx2(term_x, term_q, order, i1, i2, best.score, qx, q2)) continue;
                for (int lane = 0; lane < 8 && i2 + lane <= n; ++lane) {
                    for (int k = 0; k < 4; ++k) best.consider(i1, i2 + lane, k, qx[k][lane], q2[k][lane]);
                }
            }
            continue;
        }
#endif
        for (int i2 = i1; i2 <= n; ++i2) {
            float sumqx[4] = {}, sumq2[4] = {};
            for (int j = 0; j < n; ++j) {
                const int level = j < i1 ? 0 : j < i2 ? 1 : 2;
                const int i = order[j];
                for (int k = 0; k < 4; ++k) {
                    sumqx[k] += term_x[level][i][k];
                    sumq2[k] += term_q[level][i][k];
                }
            }
            for (int k = 0; k < 4; ++k) best.consider(i1, i2, k, sumqx[k], sumq2[k]);
        }
    }
    return best;
}

// IQ1_M as v0.5.0 scores the same trials: running sums of w*x and w over
// the sorted values, one pair per half block (each half takes its own
// shift). Levels step by 1 in both shift tables, so a split's sums follow
// from the running sums at i1 and i2; ggml's float operations in its order.
struct HalfSums {
    // Entries past kIq1mBlock pad the 8-wide loads and the 32-entry lookups;
    // their lanes are left out.
    float x[2][32], w[2][32];
};

// The sums of trial (i1, i2) for each shift pattern k (0..3: (+,+) (+,-)
// (-,+) (-,-), first half then second), with x1, w1 and x2, w2 the running
// sums of each half at i1 and at i2. V is float for one trial, Lanes8 or
// Lanes16 for a trial per lane: one formula for all, so every lane rounds
// as the scalar trial does.
template <class V>
inline void half_sum_trials(const HalfSums& s, const V (&x1)[2], const V (&w1)[2], const V (&x2)[2], const V (&w2)[2], V (&qx)[4],
                            V (&q2)[4]) {
    constexpr int n = kIq1mBlock;
    constexpr float plus_top = kPlus[2], minus_top = kMinus[2];
    constexpr float plus_step0 = kPlus[0] * kPlus[0] - kPlus[1] * kPlus[1], plus_step1 = kPlus[1] * kPlus[1] - kPlus[2] * kPlus[2];
    constexpr float minus_step0 = kMinus[0] * kMinus[0] - kMinus[1] * kMinus[1], minus_step1 = kMinus[1] * kMinus[1] - kMinus[2] * kMinus[2];
    V qx_plus[2], qx_minus[2], q2_plus[2], q2_minus[2];
    // Unrolled, the halves' sums stay in registers (as a loop, GCC -O2
    // kept them on the stack and read them back).
#pragma GCC unroll 2
    for (int h = 0; h < 2; ++h) {
        const V below = x1[h] + x2[h];
        qx_plus[h] = s.x[h][n] * plus_top - below;
        qx_minus[h] = s.x[h][n] * minus_top - below;
        q2_plus[h] = s.w[h][n] * plus_top * plus_top + w1[h] * plus_step0 + w2[h] * plus_step1;
        q2_minus[h] = s.w[h][n] * minus_top * minus_top + w1[h] * minus_step0 + w2[h] * minus_step1;
    }
    qx[0] = qx_plus[0] + qx_plus[1], q2[0] = q2_plus[0] + q2_plus[1];
    qx[1] = qx_plus[0] + qx_minus[1], q2[1] = q2_plus[0] + q2_minus[1];
    qx[2] = qx_minus[0] + qx_plus[1], q2[2] = q2_minus[0] + q2_plus[1];
    qx[3] = qx_minus[0] + qx_minus[1], q2[3] = q2_minus[0] + q2_minus[1];
}

#if defined(__x86_64__) && defined(__GNUC__)
// Under AVX2 a trial's position is i1 * kRow + i2: a vector holds 8 i2 of
// one i1, read straight from the running sums.
constexpr int kRow = 32;

GGUF_MTP_TARGET_AVX2 inline void add_half_sum_rows(const HalfSums& s, OrderedTrials<4, 27>& trials) {
    constexpr int n = kIq1mBlock;
    for (int i1 = 0; i1 <= n; ++i1) {
        const float x1[2] = {s.x[0][i1], s.x[1][i1]}, w1[2] = {s.w[0][i1], s.w[1][i1]};
        for (int i2 = i1; i2 <= n; i2 += 8) {
            trials.add(i1 * kRow + i2, n + 1 - i2 < 8 ? n + 1 - i2 : 8, [&](Lanes8 (&qx)[4], Lanes8 (&q2)[4]) GGUF_MTP_TARGET_AVX2 {
                const Lanes8 x1v[2] = {Lanes8{} + x1[0], Lanes8{} + x1[1]}, w1v[2] = {Lanes8{} + w1[0], Lanes8{} + w1[1]};
                const Lanes8 x2[2] = {load_lanes8(s.x[0] + i2), load_lanes8(s.x[1] + i2)};
                const Lanes8 w2[2] = {load_lanes8(s.w[0] + i2), load_lanes8(s.w[1] + i2)};
                half_sum_trials(s, x1v, w1v, x2, w2, qx, q2);
            });
        }
    }
}

// Under AVX-512 every pair i1 <= i2, in scan order, 16 to a vector: a
// trial's position is its index in that order, each lane looking its
// running sums up by i1 and i2 (the 153 pairs fill 10 vectors; rows of 16
// i2 would fill 18).
constexpr int kPairs = (kIq1mBlock + 1) * (kIq1mBlock + 2) / 2, kPairVectors = (kPairs + 15) / 16;
struct Pairs {
    int i1[16 * kPairVectors], i2[16 * kPairVectors];
};
constexpr Pairs kScanPairs = [] {
    Pairs p{};
    int at = 0;
    for (int i1 = 0; i1 <= kIq1mBlock; ++i1) {
        for (int i2 = i1; i2 <= kIq1mBlock; ++i2, ++at) p.i1[at] = i1, p.i2[at] = i2;
    }
    return p;
}();

GGUF_MTP_TARGET_AVX512 inline void add_half_sum_pairs(const HalfSums& s, OrderedTrials<4, kPairVectors, Lanes16>& trials) {
    for (int v = 0; v < kPairVectors; ++v) {
        trials.add(16 * v, kPairs - 16 * v < 16 ? kPairs - 16 * v : 16, [&](Lanes16 (&qx)[4], Lanes16 (&q2)[4]) GGUF_MTP_TARGET_AVX512 {
            LaneMask16 at1, at2;
            std::memcpy(&at1, kScanPairs.i1 + 16 * v, sizeof at1);
            std::memcpy(&at2, kScanPairs.i2 + 16 * v, sizeof at2);
            const Lanes16 x1[2] = {lookup_lanes16(s.x[0], at1), lookup_lanes16(s.x[1], at1)};
            const Lanes16 w1[2] = {lookup_lanes16(s.w[0], at1), lookup_lanes16(s.w[1], at1)};
            const Lanes16 x2[2] = {lookup_lanes16(s.x[0], at2), lookup_lanes16(s.x[1], at2)};
            const Lanes16 w2[2] = {lookup_lanes16(s.w[0], at2), lookup_lanes16(s.w[1], at2)};
            half_sum_trials(s, x1, w1, x2, w2, qx, q2);
        });
    }
}
#endif

template <Simd S>
SplitChoice best_split_from_half_sums(const float* xb, const float* weight, const int* order, float max) {
    constexpr int n = kIq1mBlock;
    HalfSums s;
    // Each value adds to its own half's sums, in registers; the other half
    // adds 0, which leaves a sum as it is (never -0: it starts at +0, and an
    // exact cancellation rounds to +0).
    float x0 = 0, x1 = 0, w0 = 0, w1 = 0;
    s.x[0][0] = s.x[1][0] = s.w[0][0] = s.w[1][0] = 0;
    for (int j = 0; j < n; ++j) {
        const int i = order[j];
        const bool second = i >= n / 2;
        const float wx = weight[i] * xb[i], w = weight[i];
        x0 += second ? 0.f : wx;
        x1 += second ? wx : 0.f;
        w0 += second ? 0.f : w;
        w1 += second ? w : 0.f;
        s.x[0][j + 1] = x0, s.x[1][j + 1] = x1, s.w[0][j + 1] = w0, s.w[1][j + 1] = w1;
    }
    for (int h = 0; h < 2; ++h) {
        for (int j = n + 1; j < 32; ++j) s.x[h][j] = s.w[h][j] = 0;
    }
    SplitChoice best(max, -1);
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (S == Simd::avx512) {
        OrderedTrials<4, kPairVectors, Lanes16> trials;
        add_half_sum_pairs(s, trials);
        trials.replay([&](int at, int k, float qx, float q2) { best.consider(kScanPairs.i1[at], kScanPairs.i2[at], k, qx, q2); });
        return best;
    } else if constexpr (S == Simd::avx2) {
        OrderedTrials<4, 27> trials;
        add_half_sum_rows(s, trials);
        trials.replay([&](int at, int k, float qx, float q2) { best.consider(at / kRow, at % kRow, k, qx, q2); });
        return best;
    }
#endif
    for (int i1 = 0; i1 <= n; ++i1) {
        const float x1[2] = {s.x[0][i1], s.x[1][i1]}, w1[2] = {s.w[0][i1], s.w[1][i1]};
        for (int i2 = i1; i2 <= n; ++i2) {
            const float x2[2] = {s.x[0][i2], s.x[1][i2]}, w2[2] = {s.w[0][i2], s.w[1][i2]};
            float qx[4], q2[4];
            half_sum_trials(s, x1, w1, x2, w2, qx, q2);
            for (int k = 0; k < 4; ++k) best.consider(i1, i2, k, qx[k], q2[k]);
        }
    }
    return best;
}

}  // namespace

void quantize_iq1_s(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    constexpr int kBlock = kIq1sBlock;
    const Lattice& lattice = iq1s_lattice();
    // The prefix sums run 7 entries past the block's for the vector trials.
    float scales[kSuper / kBlock], weight[kBlock], sumx[kBlock + 8] = {}, sumw[kBlock + 8] = {};
    int8_t L[kBlock], shifts[kSuper / kBlock];
    int order[kBlock];
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kIq1SBytes) {
        std::memset(dst, 0, kIq1SBytes);
        uint8_t* qs = dst + 2;
        uint16_t qh[kSuper / kBlock] = {};
        float max_scale = 0;
        const float sigma2 = superblock_spread(src, 2);
        for (int ib = 0; ib < kSuper / kBlock; ++ib) {
            const float* xb = src + kBlock * ib;
            const float* qw = importance + kSuper * ibl + kBlock * ib;
            for (int i = 0; i < kBlock; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + xb[i] * xb[i]);
            const float max = max_abs(xb, kBlock);
            if (max < 1e-12f) {
                scales[ib] = 0;
                shifts[ib] = 1;
                continue;
            }
            // Exhaustive split of the sorted values into levels -1, 0, 1.
            sort_positions<kBlock>(xb, order);
            sumx[0] = sumw[0] = 0;
            for (int j = 0; j < kBlock; ++j) {
                const int i = order[j];
                sumx[j + 1] = sumx[j] + weight[i] * xb[i];
                sumw[j + 1] = sumw[j] + weight[i];
            }
            SplitChoice split(max, 0);
            run_simd([&]<Simd S>() { split = best_split<S>(sumx, sumw, max); });
            if (split.i1 < 0 || split.i2 < 0 || split.variant == 0) {
                scales[ib] = 0;
                shifts[ib] = 1;
                continue;
            }
            const int besti1 = split.i1, besti2 = split.i2;
            int best_shift = split.variant;
            float scale = split.scale;
            for (int j = 0; j < kBlock; ++j) L[order[j]] = static_cast<int8_t>(j < besti1 ? 0 : j < besti2 ? 1 : 2);
            if (scale < 0) {
                for (int8_t& l : L) l = static_cast<int8_t>(2 - l);
                scale = -scale;
                best_shift = -best_shift;
            }
            const float* xs = best_shift == 1 ? kPlus : kMinus;
            int index[kBlock / 8];
            bool all_on_grid = true;
            for (int k = 0; k < kBlock / 8; ++k) {
                const uint32_t key = key_of(L + 8 * k, 8, 2);
                index[k] = lattice.index_of(key);
                if (index[k] < 0) {
                    all_on_grid = false;
                    index[k] = nearest_neighbour<8>(lattice, key, xb + 8 * k, weight + 8 * k, scale, xs, L + 8 * k);
                }
            }
            if (!all_on_grid) {
                float sumqx = 0, sumq2 = 0;
                for (int k = 0; k < kBlock / 8; ++k) {
                    const uint8_t* p = lattice.levels(index[k]);
                    for (int j = 0; j < 8; ++j) {
                        const float w = weight[8 * k + j];
                        const float q = xs[p[j]];
                        sumqx += w * q * xb[8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
            }
            uint16_t h = 0;
            for (int k = 0; k < kBlock / 8; ++k) {
                qs[(kBlock / 8) * ib + k] = static_cast<uint8_t>(index[k] & 255);
                h |= static_cast<uint16_t>((index[k] >> 8) << (3 * k));
            }
            qh[ib] = h;
            scales[ib] = scale;
            shifts[ib] = static_cast<int8_t>(best_shift);
            max_scale = max_of(max_scale, scale);
        }
        if (max_scale) {
            const float d = max_scale / 15;
            store_u16(dst, fp32_to_fp16(d * 1.125f));
            const float id = 1 / d;
            for (int ib = 0; ib < kSuper / kBlock; ++ib) {
                int l = scale_code(id, scales[ib]);
                if (shifts[ib] == -1) l |= 8;
                qh[ib] |= static_cast<uint16_t>(l << 12);
            }
        }
        for (int ib = 0; ib < kSuper / kBlock; ++ib) store_u16(dst + 2 + 32 + 2 * ib, qh[ib]);
    }
}

namespace {

template <Iq1mSplitScore Score>
void quantize_iq1_m_scored(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    constexpr int kBlock = kIq1mBlock;
    constexpr uint8_t kShiftBits[4] = {0x00, 0x80, 0x08, 0x88};
    const Lattice& lattice = iq1s_lattice();
    float scales[kSuper / kBlock], weight[kBlock];
    int8_t L[kBlock], shifts[kSuper / kBlock];
    int order[kBlock];
    // Per value and level: the weighted terms ggml adds for each of the four
    // shift patterns (0: +,+  1: +,-  2: -,+  3: -,-; first half, second half).
    float term_x[3][kBlock][4], term_q[3][kBlock][4];
    const auto shift_of = [](int pattern, int group) {
        return group == 0 ? (pattern < 2 ? kPlus : kMinus) : (pattern % 2 == 0 ? kPlus : kMinus);
    };
    const auto set_weights = [&](const float* xb, const float* qw, float sigma2) {
        if (qw) {
            run_simd([&]<Simd S>() { importance_weights<kBlock, S>(qw, xb, sigma2, weight, nullptr); });
        } else {
            for (int i = 0; i < kBlock; ++i) weight[i] = xb[i] * xb[i];
        }
    };
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kIq1MBytes) {
        std::memset(dst, 0, kIq1MBytes);
        uint8_t* qs = dst;
        uint8_t* qh = dst + 32;
        float max_scale = 0;
        const float sigma2 = superblock_spread(src, 2);
        for (int ib = 0; ib < kSuper / kBlock; ++ib) {
            const float* xb = src + kBlock * ib;
            set_weights(xb, importance ? importance + kSuper * ibl + kBlock * ib : nullptr, sigma2);
            const float max = max_abs(xb, kBlock);
            if (max < 1e-7f) {
                scales[ib] = 0;
                shifts[ib] = 0;
                continue;
            }
            sort_positions<kBlock>(xb, order);
            SplitChoice split(max, -1);
            if constexpr (Score == Iq1mSplitScore::half_block_prefix_sums) {
                run_simd([&]<Simd S>() { split = best_split_from_half_sums<S>(xb, weight, order, max); });
            } else {
                for (int level = 0; level < 3; ++level) {
                    for (int i = 0; i < kBlock; ++i) {
                        for (int pattern = 0; pattern < 4; ++pattern) {
                            const float xs = shift_of(pattern, i < kBlock / 2 ? 0 : 1)[level];
                            term_x[level][i][pattern] = weight[i] * xs * xb[i];
                            term_q[level][i][pattern] = weight[i] * xs * xs;
                        }
                    }
                }
                run_simd([&]<Simd S>() { split = best_pattern_split<S>(term_x, term_q, order, max); });
            }
            const int besti1 = split.i1, besti2 = split.i2;
            int best_k = split.variant;
            float scale = split.scale;
            if (besti1 < 0 || besti2 < 0 || best_k < 0) {
                scales[ib] = 0;
                shifts[ib] = 0;
                continue;
            }
            for (int j = 0; j < kBlock; ++j) L[order[j]] = static_cast<int8_t>(j < besti1 ? 0 : j < besti2 ? 1 : 2);
            if (scale < 0) {
                for (int8_t& l : L) l = static_cast<int8_t>(2 - l);
                scale = -scale;
                best_k = 3 - best_k;
            }
            int index[2];
            bool all_on_grid = true;
            for (int k = 0; k < 2; ++k) {
                const uint32_t key = key_of(L + 8 * k, 8, 2);
                index[k] = lattice.index_of(key);
                if (index[k] < 0) {
                    all_on_grid = false;
                    index[k] = nearest_neighbour<8>(lattice, key, xb + 8 * k, weight + 8 * k, scale, shift_of(best_k, k), L + 8 * k);
                }
            }
            if (!all_on_grid) {
                float sumqx = 0, sumq2 = 0;
                for (int k = 0; k < 2; ++k) {
                    const float* xs = shift_of(best_k, k);
                    const uint8_t* p = lattice.levels(index[k]);
                    for (int j = 0; j < 8; ++j) {
                        const float w = weight[8 * k + j];
                        const float q = xs[p[j]];
                        sumqx += w * q * xb[8 * k + j];
                        sumq2 += w * q * q;
                    }
                }
                if (sumqx > 0 && sumq2 > 0) scale = sumqx / sumq2;
            }
            qs[2 * ib] = static_cast<uint8_t>(index[0] & 255);
            qs[2 * ib + 1] = static_cast<uint8_t>(index[1] & 255);
            qh[ib] = static_cast<uint8_t>((index[0] >> 8) | ((index[1] >> 8) << 4));
            scales[ib] = scale;
            shifts[ib] = static_cast<int8_t>(best_k);
            max_scale = max_of(max_scale, scale);
        }
        if (!max_scale) continue;

        // Block scales, then the super-scale refitted to the chosen points
        // (blocks skipped above count as grid point 0 at scale code 0).
        uint16_t sc[4] = {};
        float d = max_scale / 15;
        const float id = 1 / d;
        float sumqx = 0, sumq2 = 0;
        for (int ib = 0; ib < kSuper / kBlock; ++ib) {
            const int l = scale_code(id, scales[ib]);
            sc[ib / 4] |= static_cast<uint16_t>(l << (3 * (ib % 4)));
            qh[ib] |= kShiftBits[shifts[ib]];
            const float* xb = src + kBlock * ib;
            set_weights(xb, importance ? importance + kSuper * ibl + kBlock * ib : nullptr, sigma2);
            for (int k = 0; k < 2; ++k) {
                const float* xs = shift_of(shifts[ib], k);
                const uint8_t* p = lattice.levels(qs[2 * ib + k] + ((qh[ib] << (8 - 4 * k)) & 0x700));
                for (int j = 0; j < 8; ++j) {
                    const float w = weight[8 * k + j];
                    const float q = xs[p[j]] * (2 * l + 1);
                    sumqx += w * q * xb[8 * k + j];
                    sumq2 += w * q * q;
                }
            }
        }
        if (sumq2 > 0) d = sumqx / sumq2;
        const uint16_t s = fp32_to_fp16(d * 1.1125f);
        sc[0] |= static_cast<uint16_t>((s & 0x000f) << 12);
        sc[1] |= static_cast<uint16_t>((s & 0x00f0) << 8);
        sc[2] |= static_cast<uint16_t>((s & 0x0f00) << 4);
        sc[3] |= static_cast<uint16_t>(s & 0xf000);
        for (int i = 0; i < 4; ++i) store_u16(dst + 48 + 2 * i, sc[i]);
    }
}

}  // namespace

void quantize_iq1_m(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    quantize_iq1_m_scored<Iq1mSplitScore::half_block_prefix_sums>(src, dst, n, importance);
}

void quantize_iq1_m_full_sums(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    quantize_iq1_m_scored<Iq1mSplitScore::full_sums>(src, dst, n, importance);
}

void dequantize_iq1_s(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq1SBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint8_t* qs = src + 2;
        for (int ib = 0; ib < kSuper / 32; ++ib, qs += 4) {
            const uint16_t qh = load_u16(src + 2 + 32 + 2 * ib);
            const float dl = d * (2 * ((qh >> 12) & 7) + 1);
            const float delta = qh & 0x8000 ? -kDelta : kDelta;
            for (int l = 0; l < 4; ++l, y += 8) {
                const uint64_t point = kIq1sGrid[qs[l] | (((qh >> (3 * l)) & 7) << 8)];
                for (int j = 0; j < 8; ++j) y[j] = dl * (static_cast<int8_t>(point >> (8 * j)) + delta);
            }
        }
    }
}

void dequantize_iq1_m(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq1MBytes) {
        uint16_t sc[4];
        for (int i = 0; i < 4; ++i) sc[i] = load_u16(src + 48 + 2 * i);
        const uint16_t scale_bits = static_cast<uint16_t>((sc[0] >> 12) | ((sc[1] >> 8) & 0x00f0) | ((sc[2] >> 4) & 0x0f00) | (sc[3] & 0xf000));
        const float d = fp16_to_fp32(scale_bits);
        const uint8_t* qs = src;
        const uint8_t* qh = src + 32;
        for (int ib = 0; ib < kSuper / 32; ++ib, qs += 4, qh += 2) {
            const float dl1 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 0)) & 0x7) + 1);
            const float dl2 = d * (2 * ((sc[ib / 2] >> (6 * (ib % 2) + 3)) & 0x7) + 1);
            const int idx[4] = {qs[0] | ((qh[0] << 8) & 0x700), qs[1] | ((qh[0] << 4) & 0x700), qs[2] | ((qh[1] << 8) & 0x700),
                                qs[3] | ((qh[1] << 4) & 0x700)};
            const float delta[4] = {qh[0] & 0x08 ? -kDelta : kDelta, qh[0] & 0x80 ? -kDelta : kDelta, qh[1] & 0x08 ? -kDelta : kDelta,
                                    qh[1] & 0x80 ? -kDelta : kDelta};
            for (int l = 0; l < 4; ++l, y += 8) {
                const float dl = l < 2 ? dl1 : dl2;
                const uint64_t point = kIq1sGrid[idx[l]];
                for (int j = 0; j < 8; ++j) y[j] = dl * (static_cast<int8_t>(point >> (8 * j)) + delta[l]);
            }
        }
    }
}

}  // namespace gguf::quant::iq
