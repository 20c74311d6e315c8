// Steps the IQ2/IQ3 quantizers share: sign folding and the nearest-grid-point
// search among a key's neighbours.
#pragma once

#include <cfloat>
#include <cstdint>
#include <span>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "i_quant_grids.h"

namespace gguf::quant::iq {

// Key of `dims` levels, `bits` bits each.
inline uint32_t key_of(const int8_t* L, int dims, int bits) {
    uint32_t key = 0;
    for (int i = 0; i < dims; ++i) key |= static_cast<uint32_t>(L[i]) << (bits * i);
    return key;
}

// Levels 0..7 of IQ2 and IQ3 stand for the odd values 2 * level + 1.
inline constexpr float kOddValues[8] = {1, 3, 5, 7, 9, 11, 13, 15};

// The candidates' weighted squared errors are sums over coordinates i of
// weight[i] * diff * diff, diff = scale * value[level] - xval[i]. Each such
// term depends on one coordinate and one level only, so it is computed once
// per search into a table (term[i][level], rounded as ggml rounds it), and a
// candidate's d2 is its table entries added in coordinate order from 0: bit
// for bit ggml's sum.

#if defined(__x86_64__) && defined(__GNUC__)
// nearest_neighbour for 8 neighbours at once, one per lane: each lane sums
// its table terms in coordinate order, and the winner is the smallest d2,
// earliest on ties, as the scalar scan's strict < keeps it.
template <int Dims>
__attribute__((target("avx2"))) inline int nearest_position_avx2(const uint8_t* columns, int count, const float* xval, const float* weight,
                                                                 float scale, const float* value8) {
    __m256 term[Dims];
    const __m256 scaled = _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_loadu_ps(value8));
    for (int i = 0; i < Dims; ++i) {
        const __m256 diff = _mm256_sub_ps(scaled, _mm256_set1_ps(xval[i]));
        term[i] = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(weight[i]), diff), diff);
    }
    __m256 best = _mm256_set1_ps(FLT_MAX);
    __m256i best_pos = _mm256_set1_epi32(-1);
    __m256i pos = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_set1_epi32(8);
    // Lanes past the list repeat the first neighbour, later: they never win.
    for (int j = 0; j < count; j += 8, columns += 8 * Dims, pos = _mm256_add_epi32(pos, step)) {
        __m256 d2 = _mm256_setzero_ps();
        for (int i = 0; i < Dims; ++i) {
            const __m256i level = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(columns + 8 * i)));
            d2 = _mm256_add_ps(d2, _mm256_permutevar8x32_ps(term[i], level));
        }
        const __m256 better = _mm256_cmp_ps(d2, best, _CMP_LT_OQ);
        best = _mm256_blendv_ps(best, d2, better);
        best_pos = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(best_pos), _mm256_castsi256_ps(pos), better));
    }
    // best holds no NaN; the smallest value, then the least position among
    // the lanes holding it (-1, a lane nothing beat FLT_MAX in, is the largest unsigned).
    __m256 m = _mm256_min_ps(best, _mm256_permute2f128_ps(best, best, 1));
    m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
    __m256i p = _mm256_or_si256(best_pos, _mm256_castps_si256(_mm256_cmp_ps(best, m, _CMP_NEQ_UQ)));
    p = _mm256_min_epu32(p, _mm256_permute2x128_si256(p, p, 1));
    p = _mm256_min_epu32(p, _mm256_shuffle_epi32(p, _MM_SHUFFLE(1, 0, 3, 2)));
    p = _mm256_min_epu32(p, _mm256_shuffle_epi32(p, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm256_cvtsi256_si32(p);
}
#endif

// The neighbour of off-grid `key` that scale * values[level] brings closest
// to xval under `weight` (first one on ties); its levels go to L.
inline int nearest_neighbour(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale,
                             std::span<const float> values, int8_t* L) {
    const int dims = lattice.dims();
    const std::span<const uint16_t> nb = lattice.neighbours(key);
    float value8[8] = {};
    for (size_t l = 0; l < values.size() && l < 8; ++l) value8[l] = values[l];
    int at = -1;
#if defined(__x86_64__) && defined(__GNUC__)
    if ((dims == 4 || dims == 8) && cpu_has_avx2()) {
        const uint8_t* columns = lattice.neighbour_columns(key);
        const int count = static_cast<int>(nb.size());
        at = dims == 4 ? nearest_position_avx2<4>(columns, count, xval, weight, scale, value8)
                       : nearest_position_avx2<8>(columns, count, xval, weight, scale, value8);
    } else
#endif
    {
        float term[8][8];
        for (int i = 0; i < dims; ++i) {
            for (int l = 0; l < 8; ++l) {
                const float diff = scale * value8[l] - xval[i];
                term[i][l] = weight[i] * diff * diff;
            }
        }
        float best_d2 = FLT_MAX;
        for (size_t j = 0; j < nb.size(); ++j) {
            const uint8_t* p = lattice.levels(nb[j]);
            float d2 = 0;
            for (int i = 0; i < dims; ++i) d2 += term[i][p[i]];
            if (d2 < best_d2) {
                best_d2 = d2;
                at = static_cast<int>(j);
            }
        }
    }
    const int grid_index = nb[at < 0 || at >= static_cast<int>(nb.size()) ? 0 : at];  // at < 0: only NaN gets here (ggml aborts)
    const uint8_t* p = lattice.levels(grid_index);
    for (int i = 0; i < dims; ++i) L[i] = static_cast<int8_t>(p[i]);
    return grid_index;
}

// Folds the signs of 8 values into xval (absolute values) and returns the
// sign bits. With `even`, the count of negatives is made even by leaving the
// least important value's sign off (it then enters xval negated), as the
// formats that store 7 sign bits require.
inline uint8_t fold_signs(const float* xb, const float* weight, float* xval, bool even) {
    int nflip = 0;
    uint8_t s = 0;
    for (int i = 0; i < 8; ++i) {
        if (xb[i] >= 0) {
            xval[i] = xb[i];
        } else {
            xval[i] = -xb[i];
            ++nflip;
            s |= static_cast<uint8_t>(1u << i);
        }
    }
    if (even && nflip % 2) {
        int imin = 0;
        float min = weight[imin] * xb[imin] * xb[imin];
        for (int i = 1; i < 8; ++i) {
            const float ax = weight[i] * xb[i] * xb[i];
            if (ax < min) {
                min = ax;
                imin = i;
            }
        }
        xval[imin] = -xval[imin];
        s ^= static_cast<uint8_t>(1u << imin);
    }
    return even ? static_cast<uint8_t>(s & 127) : s;
}

}  // namespace gguf::quant::iq
