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

#if defined(__x86_64__) && defined(__GNUC__)
// nearest_neighbour with 8 neighbours at once, one per lane; each lane sums
// exactly the scalar terms in the scalar order, and the winner is picked in
// neighbour order with the scalar rule (strict <, first on ties).
__attribute__((target("avx2"))) inline int nearest_neighbour_avx2(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale,
                                                                  int8_t* L) {
    const int dims = lattice.dims();  // 4 or 8: one or two 32-bit words of levels per point
    const int words = dims / 4;
    const std::span<const uint16_t> nb = lattice.neighbours(key);
    const int count = static_cast<int>(nb.size());
    const int* base = reinterpret_cast<const int*>(lattice.levels(0));
    const __m256 vscale = _mm256_set1_ps(scale);
    const __m256i vwords = _mm256_set1_epi32(words);
    const __m256i byte = _mm256_set1_epi32(0xff), one = _mm256_set1_epi32(1);
    // Per lane: the smallest d2 seen (strict <, so the earliest on ties) and its position.
    __m256 best = _mm256_set1_ps(FLT_MAX);
    __m256i best_pos = _mm256_set1_epi32(-1);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int j = 0; j < count; j += 8) {
        const int lanes = count - j < 8 ? count - j : 8;
        // Reading 8 indices is in bounds: the lattice pads its neighbour lists
        // with 8 entries; lanes past the list take its first index instead.
        __m256i vidx = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(nb.data() + j)));
        if (lanes < 8) {
            const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), lane);
            vidx = _mm256_blendv_epi8(_mm256_set1_epi32(nb[j]), vidx, valid);
        }
        const __m256i word0 = _mm256_mullo_epi32(vidx, vwords);
        __m256 d2 = _mm256_setzero_ps();
        for (int w = 0; w < words; ++w) {
            const __m256i packed = _mm256_i32gather_epi32(base, _mm256_add_epi32(word0, _mm256_set1_epi32(w)), 4);
            for (int b = 0; b < 4; ++b) {
                const int i = 4 * w + b;
                const __m256i level = _mm256_and_si256(_mm256_srli_epi32(packed, 8 * b), byte);
                const __m256 q = _mm256_cvtepi32_ps(_mm256_add_epi32(_mm256_add_epi32(level, level), one));
                const __m256 diff = _mm256_sub_ps(_mm256_mul_ps(vscale, q), _mm256_set1_ps(xval[i]));
                d2 = _mm256_add_ps(d2, _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(weight[i]), diff), diff));
            }
        }
        const __m256i pos = _mm256_add_epi32(_mm256_set1_epi32(j), lane);
        __m256 better = _mm256_cmp_ps(d2, best, _CMP_LT_OQ);
        if (lanes < 8) better = _mm256_and_ps(better, _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(count), pos)));
        best = _mm256_blendv_ps(best, d2, better);
        best_pos = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(best_pos), _mm256_castsi256_ps(pos), better));
    }
    // Across lanes: the smallest d2, and of equal ones the earliest position.
    alignas(32) float bv[8];
    alignas(32) int32_t bp[8];
    _mm256_store_ps(bv, best);
    _mm256_store_si256(reinterpret_cast<__m256i*>(bp), best_pos);
    int at = -1;
    float best_d2 = FLT_MAX;
    for (int l = 0; l < 8; ++l) {
        if (bp[l] < 0) continue;
        if (at < 0 || bv[l] < best_d2 || (bv[l] == best_d2 && bp[l] < at)) {
            best_d2 = bv[l];
            at = bp[l];
        }
    }
    const int grid_index = nb[at < 0 ? 0 : at];  // at < 0: only NaN gets here (ggml aborts)
    const uint8_t* p = lattice.levels(grid_index);
    for (int i = 0; i < dims; ++i) L[i] = static_cast<int8_t>(p[i]);
    return grid_index;
}
#endif

// The neighbour of off-grid `key` that scale * (2 * level + 1) brings closest
// to xval under `weight` (first one on ties); its levels go to L.
inline int nearest_neighbour(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale, int8_t* L) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (lattice.dims() % 4 == 0 && cpu_has_avx2()) return nearest_neighbour_avx2(lattice, key, xval, weight, scale, L);
#endif
    const int dims = lattice.dims();
    float best_d2 = FLT_MAX;
    int grid_index = -1;
    for (uint16_t j : lattice.neighbours(key)) {
        const uint8_t* p = lattice.levels(j);
        float d2 = 0;
        for (int i = 0; i < dims; ++i) {
            const float q = 2 * p[i] + 1;
            const float diff = scale * q - xval[i];
            d2 += weight[i] * diff * diff;
        }
        if (d2 < best_d2) {
            best_d2 = d2;
            grid_index = j;
        }
    }
    if (grid_index < 0) grid_index = lattice.neighbours(key)[0];  // only NaN gets here (ggml aborts)
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
