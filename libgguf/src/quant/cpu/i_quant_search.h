// Steps the IQ2/IQ3 quantizers share: sign folding and the nearest-grid-point
// search among a key's neighbours.
#pragma once

#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <span>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu_features.h"
#include "i_quant_grids.h"
#include "i_quant_rows.h"
#include "numeric.h"

namespace gguf::quant::iq {

// Key of `dims` levels, `bits` bits each.
inline uint32_t key_of(const int8_t* L, int dims, int bits) {
    uint32_t key = 0;
    for (int i = 0; i < dims; ++i) key |= static_cast<uint32_t>(L[i]) << (bits * i);
    return key;
}

// Level `i` of a key of `bits` bits a level.
inline int8_t key_level(uint32_t key, int i, int bits) {
    return static_cast<int8_t>((key >> (bits * i)) & ((1u << bits) - 1));
}

// ggml's sigma2 for the importance weights: `factor` times the mean square of
// a super-block (factor 1 divides only, as ggml's IQ2_XS does).
inline float superblock_spread(const float* x, int factor) {
    float sumx2 = 0;
    for (int i = 0; i < kSuper; ++i) sumx2 += x[i] * x[i];
    return factor == 1 ? sumx2 / kSuper : factor * sumx2 / kSuper;
}

// The 4-bit code of a 32-value block's scale relative to the super-block's d (1 / id).
inline int block_scale_code(float id, float scale) {
    const int l = nearest_int(0.5f * (id * scale - 1));
    return max_of(0, min_of(15, l));
}

// Levels 0..7 of IQ2 and IQ3 stand for the odd values 2 * level + 1.
inline constexpr float kOddValues[8] = {1, 3, 5, 7, 9, 11, 13, 15};

// The candidates' weighted squared errors are sums over coordinates i of
// weight[i] * diff * diff, diff = scale * value[level] - xval[i]. Each such
// term depends on one coordinate and one level only, so it is computed once
// per search into a table (term[i][level], rounded as ggml rounds it), and a
// candidate's d2 is its table entries added in coordinate order from 0: bit
// for bit ggml's sum.


// Where a search ends: neighbour `at` of the list (the first one if no d2
// compared below FLT_MAX, which only NaN brings about, where ggml aborts);
// its key is returned.
inline uint16_t key_at(const Lattice& lattice, uint32_t key, int at) {
    const std::span<const uint16_t> keys = lattice.neighbour_keys(key);
    return keys.data()[at < 0 || at >= static_cast<int>(keys.size()) ? 0 : at];
}

template <int Dims>
inline uint16_t nearest_key_scalar(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale,
                                   const float* value8) {
    float term[Dims][8];
    for (int i = 0; i < Dims; ++i) {
        for (int l = 0; l < 8; ++l) {
            const float diff = scale * value8[l] - xval[i];
            term[i][l] = weight[i] * diff * diff;
        }
    }
    const std::span<const uint16_t> nb = lattice.neighbours(key);
    float best_d2 = FLT_MAX;
    int at = -1;
    for (size_t j = 0; j < nb.size(); ++j) {
        const uint8_t* p = lattice.levels(nb[j]);
        float d2 = 0;
        for (int i = 0; i < Dims; ++i) d2 += term[i][p[i]];
        if (d2 < best_d2) {
            best_d2 = d2;
            at = static_cast<int>(j);
        }
    }
    return key_at(lattice, key, at);
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same search for 8 neighbours at once, one per lane: each lane sums its
// table terms in coordinate order, and the winner is the smallest d2,
// earliest on ties, as the scalar scan's strict < keeps it.
//
// Bits per level in a key: the 8-dimensional lattices have 3 levels (2
// bits), the 4-dimensional ones 8 (3 bits).
template <int Dims>
inline constexpr int kKeyBits = Dims == 8 ? 2 : 3;

// The loops over coordinates below are unrolled by pragma: GCC -O2 keeps
// them as loops, the term tables then live on the stack, and each
// search's chain of adds waits on loads and a loop branch (IQ3_S, whose
// 4-coordinate searches are short, ran 13% slower whole).
//
// d2 of the 8 neighbours whose keys start at `keys`, one per lane. A lane's
// key is shifted down one level at a time and the permute reads its low 3
// bits: with 2-bit levels the third bit belongs to the next level, so the
// term tables repeat their first 4 entries in the upper 4.
template <int Dims>
__attribute__((target("avx2"))) inline __m256 run_d2(const __m256* term, const uint16_t* keys) {
    __m256i level = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(keys)));
    __m256 d2 = _mm256_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < Dims; ++i) {
        d2 = _mm256_add_ps(d2, _mm256_permutevar8x32_ps(term[i], level));
        level = _mm256_srli_epi32(level, kKeyBits<Dims>);
    }
    return d2;
}

template <int Dims>
__attribute__((target("avx2"))) inline uint16_t nearest_key_avx2(const Lattice& lattice, uint32_t key, const float* xval, const float* weight,
                                                                 float scale, const float* value8) {
    __m256 term[Dims];
    const __m256i level_of_lane = kKeyBits<Dims> == 2 ? _mm256_setr_epi32(0, 1, 2, 3, 0, 1, 2, 3) : _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256 scaled = _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_permutevar8x32_ps(_mm256_loadu_ps(value8), level_of_lane));
#pragma GCC unroll 8
    for (int i = 0; i < Dims; ++i) {
        const __m256 diff = _mm256_sub_ps(scaled, _mm256_set1_ps(xval[i]));
        term[i] = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(weight[i]), diff), diff);
    }
    const std::span<const uint16_t> list = lattice.neighbour_keys(key);
    const int count = static_cast<int>(list.size());
    const uint16_t* keys = list.data();
    const __m256 limit = _mm256_set1_ps(FLT_MAX);
    if (count <= 8) {
        // One run, lane = position: the first lane holding the least d2
        // below FLT_MAX (lanes past the list repeat the first neighbour, later).
        const __m256 d2 = run_d2<Dims>(term, keys);
        const __m256 valid = _mm256_cmp_ps(d2, limit, _CMP_LT_OQ);
        const __m256 v = _mm256_blendv_ps(_mm256_set1_ps(INFINITY), d2, valid);
        __m256 m = _mm256_min_ps(v, _mm256_permute2f128_ps(v, v, 1));
        m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(1, 0, 3, 2)));
        m = _mm256_min_ps(m, _mm256_shuffle_ps(m, m, _MM_SHUFFLE(2, 3, 0, 1)));
        const int lanes = _mm256_movemask_ps(_mm256_and_ps(valid, _mm256_cmp_ps(v, m, _CMP_EQ_OQ)));
        return keys[lanes ? __builtin_ctz(static_cast<unsigned>(lanes)) : 0];
    }
    __m256 best = limit;
    __m256i best_pos = _mm256_set1_epi32(-1);
    __m256i pos = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i step = _mm256_set1_epi32(8);
    // Lanes past the list repeat the first neighbour, later: they never win.
    for (int j = 0; j < count; j += 8, pos = _mm256_add_epi32(pos, step)) {
        const __m256 d2 = run_d2<Dims>(term, keys + j);
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
    const int at = _mm256_cvtsi256_si32(p);
    return keys[at < 0 || at >= count ? 0 : at];
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
GGUF_MTP_AVX512_HEADERS_BEGIN
// The same search 16 neighbours a vector. A lane's level indexes a 16-entry
// table through its low 4 bits, where the bits above the level belong to
// the next level: the table repeats the level's entries to fill 16.
template <int Dims>
GGUF_MTP_TARGET_AVX512 inline __m512 run_d2_16(const __m512* term, const uint16_t* keys) {
    __m512i level = _mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys)));
    __m512 d2 = _mm512_setzero_ps();
#pragma GCC unroll 8
    for (int i = 0; i < Dims; ++i) {
        d2 = _mm512_add_ps(d2, _mm512_permutexvar_ps(level, term[i]));
        level = _mm512_srli_epi32(level, kKeyBits<Dims>);
    }
    return d2;
}

template <int Dims>
GGUF_MTP_TARGET_AVX512 inline uint16_t nearest_key_avx512(const Lattice& lattice, uint32_t key, const float* xval, const float* weight,
                                                          float scale, const float* value8) {
    constexpr int field = (1 << kKeyBits<Dims>) - 1;
    const __m512i level_of_lane = _mm512_and_si512(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), _mm512_set1_epi32(field));
    const __m512 scaled = _mm512_mul_ps(_mm512_set1_ps(scale), _mm512_permutexvar_ps(level_of_lane, _mm512_castps256_ps512(_mm256_loadu_ps(value8))));
    __m512 term[Dims];
#pragma GCC unroll 8
    for (int i = 0; i < Dims; ++i) {
        const __m512 diff = _mm512_sub_ps(scaled, _mm512_set1_ps(xval[i]));
        term[i] = _mm512_mul_ps(_mm512_mul_ps(_mm512_set1_ps(weight[i]), diff), diff);
    }
    const std::span<const uint16_t> list = lattice.neighbour_keys(key);
    const int count = static_cast<int>(list.size());
    const uint16_t* keys = list.data();
    const __m512 limit = _mm512_set1_ps(FLT_MAX);
    // Lanes past the list repeat the first neighbour, later: they never win.
    if (count <= 16) {
        // One run, lane = position: the first lane holding the least d2 below FLT_MAX.
        const __m512 d2 = run_d2_16<Dims>(term, keys);
        const __mmask16 valid = _mm512_cmp_ps_mask(d2, limit, _CMP_LT_OQ);
        const float least = _mm512_mask_reduce_min_ps(valid, d2);
        const unsigned lanes = _mm512_mask_cmp_ps_mask(valid, d2, _mm512_set1_ps(least), _CMP_EQ_OQ);
        return keys[lanes ? __builtin_ctz(lanes) : 0];
    }
    __m512 best = limit;
    __m512i best_pos = _mm512_set1_epi32(-1);
    __m512i pos = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    for (int j = 0; j < count; j += 16, pos = _mm512_add_epi32(pos, _mm512_set1_epi32(16))) {
        const __m512 d2 = run_d2_16<Dims>(term, keys + j);
        const __mmask16 better = _mm512_cmp_ps_mask(d2, best, _CMP_LT_OQ);
        best = _mm512_mask_mov_ps(best, better, d2);
        best_pos = _mm512_mask_mov_epi32(best_pos, better, pos);
    }
    // best holds no NaN; the least position among the lanes holding the
    // smallest value (-1, a lane nothing beat FLT_MAX in, is the largest unsigned).
    const float least = _mm512_reduce_min_ps(best);
    const int at = static_cast<int>(_mm512_mask_reduce_min_epu32(_mm512_cmp_ps_mask(best, _mm512_set1_ps(least), _CMP_EQ_OQ), best_pos));
    return keys[at < 0 || at >= count ? 0 : at];
}
GGUF_MTP_AVX512_HEADERS_END
#endif

// The neighbour of off-grid `key` (a lattice of Dims coordinates) that
// scale * value8[level] brings closest to xval under `weight`, first one on
// ties: its key. The vector searches are for callers compiled for their
// instruction set (run_simd), so they inline there.
template <int Dims, Simd S>
inline uint16_t nearest_key(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale, const float* value8) {
#if defined(__x86_64__) && defined(__GNUC__)
    // 16 neighbours a vector measured 5-10% slower than 8 on AMD Zen 4,
    // whose 512-bit permutes and reductions cost twice their 256-bit ones,
    // and faster on this project's Zen 5 machines (full-width AVX-512),
    // where the 8-dimensional lists run to over 64 neighbours.
    if constexpr (S == Simd::avx512) return nearest_key_avx512<Dims>(lattice, key, xval, weight, scale, value8);
    if constexpr (S != Simd::scalar) return nearest_key_avx2<Dims>(lattice, key, xval, weight, scale, value8);
#endif
    return nearest_key_scalar<Dims>(lattice, key, xval, weight, scale, value8);
}

// The same, choosing the vector search at run time.
template <int Dims>
inline uint16_t nearest_key(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale, const float* value8) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx512()) return nearest_key_avx512<Dims>(lattice, key, xval, weight, scale, value8);
    if (cpu_has_avx2()) return nearest_key_avx2<Dims>(lattice, key, xval, weight, scale, value8);
#endif
    return nearest_key_scalar<Dims>(lattice, key, xval, weight, scale, value8);
}

// The `dims` levels of `bits` bits a key holds, into L: where the grid
// index is not wanted, this spares a search's result two dependent loads
// (index, then levels).
inline void key_levels(uint32_t key, int dims, int bits, int8_t* L) {
#pragma GCC unroll 8
    for (int i = 0; i < dims; ++i) L[i] = key_level(key, i, bits);
}

// Copies the levels of grid point `key` to L and returns its grid index.
template <int Dims>
inline int take_key(const Lattice& lattice, uint16_t key, int8_t* L) {
    const int grid_index = lattice.index_of(key);
    std::memcpy(L, lattice.levels(grid_index), Dims);
    return grid_index;
}

// The nearest neighbour as above, its levels copied to L and its grid index returned.
template <int Dims, Simd S>
inline int nearest_neighbour(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale, const float* value8,
                             int8_t* L) {
    return take_key<Dims>(lattice, nearest_key<Dims, S>(lattice, key, xval, weight, scale, value8), L);
}

template <int Dims>
inline int nearest_neighbour(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale, const float* value8,
                             int8_t* L) {
    return take_key<Dims>(lattice, nearest_key<Dims>(lattice, key, xval, weight, scale, value8), L);
}

// Runs kernel.template operator()<S>() with the widest level S the process
// uses, that instance compiled for it as a whole (flatten inlines the kernel
// and what it calls, so the vector searches inline into their loops).
#if defined(__x86_64__) && defined(__GNUC__)
template <class Kernel>
GGUF_MTP_TARGET_AVX2 __attribute__((flatten)) inline void run_avx2(const Kernel& kernel) {
    kernel.template operator()<Simd::avx2>();
}
template <class Kernel>
GGUF_MTP_TARGET_AVX512 __attribute__((flatten)) inline void run_avx512(const Kernel& kernel) {
    kernel.template operator()<Simd::avx512>();
}
#endif

template <class Kernel>
inline void run_simd(const Kernel& kernel) {
#if defined(__x86_64__) && defined(__GNUC__)
    if (cpu_has_avx512()) return run_avx512(kernel);
    if (cpu_has_avx2()) return run_avx2(kernel);
#endif
    kernel.template operator()<Simd::scalar>();
}

// Where trial t's level i lies in a table of levels: levels[t * trial_step +
// i * coordinate_step]. Rows (one row of Count levels per trial) suit
// searches that fill a trial at a time; columns (trial_step 1) suit the
// vector code that rounds 8 trials a vector.
struct LevelLayout {
    int trial_step;
    int coordinate_step;
};

// A trial scale's fit: weighted sums of xval * q and q * q over a block of
// Count levels, q = 2 * level + 1, added in element order as ggml adds them.
// Under AVX2 trials up to `trials` rounded up to 8 must be initialized.
#if defined(__x86_64__) && defined(__GNUC__)
// Eight trials a vector, one per lane, each lane adding in element order.
// Element i's two terms take one of 8 values, one per level, so they are
// tabled once per call (rounded as the scalar loop rounds them) and each
// lane permutes its level's term out of the table. The permute reads only
// a lane's low 3 bits, so in rows one 4-byte gather serves 4 elements, each
// shifted down in turn.
template <int Count>
__attribute__((target("avx2"))) inline void trial_sums_avx2(const int8_t* levels, LevelLayout layout, int trials, const float* xval,
                                                            const float* weight, float* sumqx, float* sumq2) {
    static_assert(Count % 4 == 0);
    __m256 term_x[Count], term_q[Count];
    const __m256 q = _mm256_setr_ps(1, 3, 5, 7, 9, 11, 13, 15);
    for (int i = 0; i < Count; ++i) {
        const __m256 w = _mm256_set1_ps(weight[i]);
        term_x[i] = _mm256_mul_ps(_mm256_set1_ps(weight[i] * xval[i]), q);
        term_q[i] = _mm256_mul_ps(_mm256_mul_ps(w, q), q);
    }
    for (int s0 = 0; s0 < trials; s0 += 8) {
        const __m256i row = _mm256_mullo_epi32(_mm256_add_epi32(_mm256_set1_epi32(s0), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7)),
                                               _mm256_set1_epi32(layout.trial_step));
        __m256 qx = _mm256_setzero_ps(), q2 = _mm256_setzero_ps();
        for (int i0 = 0; i0 < Count; i0 += 4) {
            const int8_t* at = levels + i0 * layout.coordinate_step;
            __m256i four = layout.trial_step == 1 ? _mm256_setzero_si256() : _mm256_i32gather_epi32(reinterpret_cast<const int*>(at), row, 1);
            for (int j = 0; j < 4; ++j, four = _mm256_srli_epi32(four, 8)) {
                const int i = i0 + j;
                const __m256i level =
                    layout.trial_step == 1
                        ? _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(levels + i * layout.coordinate_step + s0)))
                        : four;
                qx = _mm256_add_ps(qx, _mm256_permutevar8x32_ps(term_x[i], level));
                q2 = _mm256_add_ps(q2, _mm256_permutevar8x32_ps(term_q[i], level));
            }
        }
        _mm256_storeu_ps(sumqx + s0, qx);
        _mm256_storeu_ps(sumq2 + s0, q2);
    }
}
#endif

template <int Count, Simd S>
inline void trial_sums(const int8_t* levels, LevelLayout layout, int trials, const float* xval, const float* weight, float* sumqx,
                       float* sumq2) {
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (S != Simd::scalar) return trial_sums_avx2<Count>(levels, layout, trials, xval, weight, sumqx, sumq2);
#endif
    for (int s = 0; s < trials; ++s) {
        sumqx[s] = sumq2[s] = 0;
        for (int i = 0; i < Count; ++i) {
            const float w = weight[i];
            const float q = 2 * levels[s * layout.trial_step + i * layout.coordinate_step] + 1;
            sumqx[s] += w * xval[i] * q;
            sumq2[s] += w * q * q;
        }
    }
}

// The level of odd-valued grids (value 2 * level + 1) that x rounds to at
// inverse scale id, ggml's nearest_int(0.5 * (id * x - 1)) clamped to
// 0..max_level.
inline int8_t odd_level(float id, float x, int max_level) {
    const int l = nearest_int(0.5f * (id * x - 1));
    return static_cast<int8_t>(l < 0 ? 0 : l > max_level ? max_level : l);
}

#if defined(__x86_64__) && defined(__GNUC__)
// The same for 8 lanes, each rounded as the scalar code rounds it.
__attribute__((target("avx2"))) inline __m256i odd_levels_avx2(__m256 id, __m256 x, int max_level) {
    const __m256 t = _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_sub_ps(_mm256_mul_ps(id, x), _mm256_set1_ps(1.f)));
    // nearest_int: the mantissa of t + 1.5 * 2^23.
    const __m256i bits = _mm256_castps_si256(_mm256_add_ps(t, _mm256_set1_ps(12582912.0f)));
    const __m256i l = _mm256_sub_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x00400000));
    return _mm256_max_epi32(_mm256_setzero_si256(), _mm256_min_epi32(_mm256_set1_epi32(max_level), l));
}

// The low bytes of 8 lanes of small values, lane order.
__attribute__((target("avx2"))) inline uint64_t low_bytes_avx2(__m256i v) {
    const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(v, v), _mm256_packs_epi32(v, v));
    return static_cast<uint32_t>(_mm256_cvtsi256_si32(bytes)) | static_cast<uint64_t>(static_cast<uint32_t>(_mm256_extract_epi32(bytes, 4))) << 32;
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
// Eight trials a vector, so a group's key is ORed up lane by lane.
template <int Count>
__attribute__((target("avx2"))) inline void trial_keys8_avx2(const float* id, int trials, const float* xval, int max_level, uint32_t* keys) {
    for (int t0 = 0; t0 < trials; t0 += 8) {
        const __m256 idv = _mm256_loadu_ps(id + t0);
        for (int g = 0; g < Count / 8; ++g) {
            __m256i key = _mm256_setzero_si256();
            for (int j = 0; j < 8; ++j) {
                const __m256i l = odd_levels_avx2(idv, _mm256_set1_ps(xval[8 * g + j]), max_level);
                key = _mm256_or_si256(key, _mm256_sll_epi32(l, _mm_cvtsi32_si128(2 * j)));
            }
            _mm256_storeu_si256(reinterpret_cast<__m256i*>(keys + g * trials + t0), key);
        }
    }
}
#endif

// The key of each group of 8 of a block of Count magnitudes at each of
// `trials` inverse scales id[t] (keys[g * trials + t], 2 bits a level), for
// the 8-dimensional grids of levels 0..max_level. `trials` is a multiple of
// 8: the vector code rounds 8 trials a vector, so their keys come out
// without crossing lanes.
template <int Count, Simd S>
inline void trial_keys8(const float* id, int trials, const float* xval, int max_level, uint32_t* keys) {
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (S != Simd::scalar) return trial_keys8_avx2<Count>(id, trials, xval, max_level, keys);
#endif
    for (int t = 0; t < trials; ++t) {
        for (int g = 0; g < Count / 8; ++g) {
            int8_t group[8];
            for (int j = 0; j < 8; ++j) group[j] = odd_level(id[t], xval[8 * g + j], max_level);
            keys[g * trials + t] = key_of(group, 8, 2);
        }
    }
}

// trial_sums over levels held as keys of 8 (keys[g * rows + t], 2 bits a
// level, as trial_keys8 writes them; rows at least `trials` rounded up to 8).
#if defined(__x86_64__) && defined(__GNUC__)
// Eight trials a vector; a lane's key, shifted down a level at a time,
// permutes its level's terms out of tables that repeat levels 0..3 (the
// permute reads 3 bits, the third the next level's).
template <int Count>
__attribute__((target("avx2"))) inline void key_trial_sums_avx2(const uint32_t* keys, int rows, int trials, const float* xval,
                                                                const float* weight, float* sumqx, float* sumq2) {
    __m256 term_x[Count], term_q[Count];
    const __m256 q = _mm256_setr_ps(1, 3, 5, 7, 1, 3, 5, 7);
    for (int i = 0; i < Count; ++i) {
        term_x[i] = _mm256_mul_ps(_mm256_set1_ps(weight[i] * xval[i]), q);
        term_q[i] = _mm256_mul_ps(_mm256_mul_ps(_mm256_set1_ps(weight[i]), q), q);
    }
    for (int t0 = 0; t0 < trials; t0 += 8) {
        __m256 qx = _mm256_setzero_ps(), q2 = _mm256_setzero_ps();
        for (int g = 0; g < Count / 8; ++g) {
            __m256i level = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(keys + g * rows + t0));
            for (int j = 0; j < 8; ++j, level = _mm256_srli_epi32(level, 2)) {
                qx = _mm256_add_ps(qx, _mm256_permutevar8x32_ps(term_x[8 * g + j], level));
                q2 = _mm256_add_ps(q2, _mm256_permutevar8x32_ps(term_q[8 * g + j], level));
            }
        }
        _mm256_storeu_ps(sumqx + t0, qx);
        _mm256_storeu_ps(sumq2 + t0, q2);
    }
}
#endif

template <int Count, Simd S>
inline void key_trial_sums(const uint32_t* keys, int rows, int trials, const float* xval, const float* weight, float* sumqx, float* sumq2) {
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (S != Simd::scalar) return key_trial_sums_avx2<Count>(keys, rows, trials, xval, weight, sumqx, sumq2);
#endif
    for (int t = 0; t < trials; ++t) {
        sumqx[t] = sumq2[t] = 0;
        for (int i = 0; i < Count; ++i) {
            const float w = weight[i];
            const float q = 2 * key_level(keys[i / 8 * rows + t], i % 8, 2) + 1;
            sumqx[t] += w * xval[i] * q;
            sumq2[t] += w * q * q;
        }
    }
}

// ggml's weights of a block of Count values x from their importance qw,
// qw[i] * sqrt(sigma2 + x[i]^2), and their square roots (waux, unless
// null: IQ1 needs none). Square
// roots round exactly in every lane; the scalar loop does not vectorize
// (std::sqrt may set errno).
#if defined(__x86_64__) && defined(__GNUC__)
template <int Count>
__attribute__((target("avx2"))) inline void importance_weights_avx2(const float* qw, const float* x, float sigma2, float* weight, float* waux) {
    static_assert(Count % 8 == 0);
    for (int i = 0; i < Count; i += 8) {
        const __m256 xi = _mm256_loadu_ps(x + i);
        const __m256 w = _mm256_mul_ps(_mm256_loadu_ps(qw + i), _mm256_sqrt_ps(_mm256_add_ps(_mm256_set1_ps(sigma2), _mm256_mul_ps(xi, xi))));
        _mm256_storeu_ps(weight + i, w);
        if (waux) _mm256_storeu_ps(waux + i, _mm256_sqrt_ps(w));
    }
}
#endif

template <int Count, Simd S>
inline void importance_weights(const float* qw, const float* x, float sigma2, float* weight, float* waux) {
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (S != Simd::scalar) return importance_weights_avx2<Count>(qw, x, sigma2, weight, waux);
#endif
    for (int i = 0; i < Count; ++i) weight[i] = qw[i] * std::sqrt(sigma2 + x[i] * x[i]);
    if (!waux) return;
    for (int i = 0; i < Count; ++i) waux[i] = std::sqrt(weight[i]);
}

// Folds the signs of 8 values into xval (absolute values) and returns the
// sign bits. With `even`, the count of negatives is made even by leaving the
// least important value's sign off (it then enters xval negated), as the
// formats that store 7 sign bits require.
inline uint8_t fold_signs(const float* xb, const float* weight, float* xval, bool even) {
    // Branch-free: the signs are random, so a branch per value mispredicts
    // half the time. Negating flips the sign bit alone, NaN's too.
    int nflip = 0;
    uint8_t s = 0;
    for (int i = 0; i < 8; ++i) {
        const uint32_t negative = !(xb[i] >= 0);
        xval[i] = std::bit_cast<float>(std::bit_cast<uint32_t>(xb[i]) ^ negative << 31);
        nflip += static_cast<int>(negative);
        s |= static_cast<uint8_t>(negative << i);
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
