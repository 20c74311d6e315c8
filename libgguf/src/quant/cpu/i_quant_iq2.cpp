// IQ2_XXS, IQ2_XS and IQ2_S: super-blocks of 256, each group of 8 magnitudes
// one point of an 8-dimensional grid (256, 512 or 1024 points, 3 levels per
// coordinate), signs stored apart, 4-bit block scales (per 32 for IQ2_XXS,
// per 16 otherwise).
#include <cmath>

#include "i_quant_rows.h"
#include "i_quant_search.h"
#include "numeric.h"

namespace gguf::quant::iq {
namespace {

constexpr int kIq2MaxQ = 3;

// Weighted sums of xval * q and q * q for q = 2 * level + 1.
inline void level_sums(const int8_t* L, const float* xval, const float* weight, int count, float& sumqx, float& sumq2) {
    sumqx = 0;
    sumq2 = 0;
    for (int i = 0; i < count; ++i) {
        const float w = weight[i];
        const float q = 2 * L[i] + 1;
        sumqx += w * xval[i] * q;
        sumq2 += w * q * q;
    }
}

// ggml's make_qp_quants, for its returned scale only. Levels are kept in
// bytes as there, so a negative rounding (a sign-flipped value) reads back as
// a large level in the same places.
float first_scale(int n, int nmax, const float* x, const float* quant_weights) {
    uint8_t L[32];
    float max = 0;
    for (int i = 0; i < n; ++i) max = max_of(max, x[i]);
    if (max < 1e-15f) return 0.f;
    float iscale = nmax / max;
    for (int i = 0; i < n; ++i) L[i] = static_cast<uint8_t>(nearest_int(iscale * x[i]));
    const float scale = 1 / iscale;
    float best_mse = 0;
    for (int i = 0; i < n; ++i) {
        const float diff = x[i] - scale * L[i];
        const float w = quant_weights[i];
        best_mse += w * diff * diff;
    }
    for (int is = -4; is <= 4; ++is) {
        if (is == 0) continue;
        const float iscale_is = (0.1f * is + nmax) / max;
        const float scale_is = 1 / iscale_is;
        float mse = 0;
        for (int i = 0; i < n; ++i) {
            const int l = min_of(nmax, nearest_int(iscale_is * x[i]));
            const float diff = x[i] - scale_is * l;
            const float w = quant_weights[i];
            mse += w * diff * diff;
        }
        if (mse < best_mse) {
            best_mse = mse;
            iscale = iscale_is;
        }
    }
    float sumlx = 0, suml2 = 0;
    for (int i = 0; i < n; ++i) {
        const int l = min_of(nmax, nearest_int(iscale * x[i]));
        L[i] = static_cast<uint8_t>(l);
        const float w = quant_weights[i];
        sumlx += w * x[i] * l;
        suml2 += w * l * l;
    }
    for (int itry = 0; itry < 5; ++itry) {
        int n_changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = quant_weights[i];
            float slx = sumlx - w * x[i] * L[i];
            float sl2 = suml2 - w * L[i] * L[i];
            if (slx > 0 && sl2 > 0) {
                const int new_l = min_of(nmax, nearest_int(x[i] * sl2 / slx));
                if (new_l != L[i]) {
                    slx += w * x[i] * new_l;
                    sl2 += w * new_l * new_l;
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

// Keys of the groups of 8 of a block of Count magnitudes at each trial
// inverse scale id[t] (scale[t] = 1 / id[t]; Rows of them, a multiple of 8, the first `trials`
// used), in columns (keys[g * Rows + t]), each group off the grid moved to
// its nearest neighbour at that trial's scale; on_grid[t * Count / 8 + g]
// tells which were on it.
template <int Count, int Rows, Simd S>
void trial_grid_keys(const Lattice& lattice, const float* id, const float* scale, int trials, const float* xval, const float* waux, uint32_t* keys,
                     bool* on_grid) {
    constexpr int kGroups = Count / 8;
    trial_keys8<Count, S>(id, Rows, xval, kIq2MaxQ - 1, keys);
    for (int t = 0; t < trials; ++t) {
        for (int g = 0; g < kGroups; ++g) {
            uint32_t& key = keys[g * Rows + t];
            on_grid[t * kGroups + g] = lattice.index_of(key) >= 0;
            if (!on_grid[t * kGroups + g]) key = nearest_key<8, S>(lattice, key, xval + 8 * g, waux + 8 * g, scale[t], kOddValues);
        }
    }
}

// IQ2_XS / IQ2_S: levels (into L) and scale of a block of 16 magnitudes.
// The group keys, on-grid flags and weighted sums of N values under the
// trial scales (2 * kIq2MaxQ - 1 + (t - Trials / 2) * 0.1) / max, t =
// 0..Trials-1, one column per trial (rows padded to whole vectors).
template <int N, int Trials, Simd S>
struct TrialScales {
    static constexpr int kRows = (Trials + 7) / 8 * 8;
    uint32_t keys[N / 8 * kRows];
    bool on_grid[Trials][N / 8];
    float sumqx[kRows], sumq2[kRows];

    TrialScales(const Lattice& lattice, float max, const float* xval, const float* weight, const float* waux) {
        float ids[kRows], scales[kRows];
        for (int t = 0; t < kRows; ++t) ids[t] = (2 * kIq2MaxQ - 1 + (t - Trials / 2) * 0.1f) / max;
        for (int t = 0; t < Trials; ++t) scales[t] = 1 / ids[t];
        trial_grid_keys<N, kRows, S>(lattice, ids, scales, Trials, xval, waux, keys, &on_grid[0][0]);
        key_trial_sums<N, S>(keys, kRows, Trials, xval, weight, sumqx, sumq2);
    }

    // The trial ggml keeps (the first best by its comparison), scale set to
    // its fit; -1, scale kept, where none fits.
    int winner(float& scale) const {
        // Each trial's fit first, the chain of comparisons then selecting
        // without branches: which trial improves is unpredictable.
        float fit[Trials], fit_best[Trials];
        for (int t = 0; t < Trials; ++t) {
            fit[t] = sumqx[t] / sumq2[t];
            fit_best[t] = fit[t] * sumqx[t];
        }
        int won = -1;
        float best = 0;
        for (int t = 0; t < Trials; ++t) {
            const bool better = sumq2[t] > 0 && sumqx[t] * sumqx[t] > best * sumq2[t];
            won = better ? t : won;
            best = better ? fit_best[t] : best;
        }
        if (won >= 0) scale = fit[won];
        return won;
    }

    void copy_levels(int t, int8_t* L) const {
        for (int i = 0; i < N; ++i) L[i] = key_level(keys[i / 8 * kRows + t], i % 8, 2);
    }
};

// Each trial scale's levels and sums do not depend on which scale won
// before, so they are all computed first (under AVX2 the levels and sums 8
// trials a vector), and then chosen among in ggml's order with ggml's
// comparison.
template <Simd S>
float fit_block16(const Lattice& lattice, const float* xval, const float* weight, const float* waux, float max, int8_t* L) {
    constexpr int kTrials = 19;  // is = -9..9
    const TrialScales<16, kTrials, S> trials(lattice, max, xval, weight, waux);
    bool on_grid[2] = {true, true};
    float scale = max / (2 * kIq2MaxQ - 1);
    const int won = trials.winner(scale);
    if (won >= 0) {
        trials.copy_levels(won, L);
        on_grid[0] = trials.on_grid[won][0];
        on_grid[1] = trials.on_grid[won][1];
    }
    if ((!on_grid[0] || !on_grid[1]) && scale > 0) {
        const float id = 1 / scale;
        for (int k = 0; k < 2; ++k) {
            if (on_grid[k]) continue;
            for (int i = 0; i < 8; ++i) L[8 * k + i] = odd_level(id, xval[8 * k + i], kIq2MaxQ - 1);
            const uint32_t key = key_of(L + 8 * k, 8, 2);
            if (lattice.index_of(key) < 0) nearest_neighbour<8, S>(lattice, key, xval + 8 * k, waux + 8 * k, scale, kOddValues, L + 8 * k);
        }
        float sumqx, sumq2;
        level_sums(L, xval, weight, 16, sumqx, sumq2);
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

template <Simd S>
void iq2_xxs_rows(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    const Lattice& lattice = iq2xxs_lattice();
    float scales[kSuper / 32], weight[32], waux[32], xval[32];
    int8_t L[32];
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kIq2XxsBytes) {
        store_u16(dst, fp32_to_fp16(0.f));
        uint32_t q2[2 * (kSuper / 32)] = {};
        float max_scale = 0;
        const float sigma2 = superblock_spread(src, 1);
        for (int ib = 0; ib < kSuper / 32; ++ib) {
            const float* xb = src + 32 * ib;
            const float* qw = importance + kSuper * ibl + 32 * ib;
            importance_weights<32, S>(qw, xb, sigma2, weight, waux);
            uint8_t signs[4];
            for (int k = 0; k < 4; ++k) signs[k] = fold_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k, true);
            float max = xval[0];
            for (int i = 1; i < 32; ++i) max = max_of(max, xval[i]);
            if (max < 1e-15f) {
                scales[ib] = 0;
                continue;
            }
            float scale = first_scale(32, kIq2MaxQ + 1, xval, weight);
            const float eff_max = scale * kIq2MaxQ;
            if (eff_max <= 0) {
                scales[ib] = 0;
                continue;
            }
            for (int8_t& l : L) l = 0;  // only read if no candidate below wins and scale <= 0: never
            // As in fit_block16: every trial first, then the choice in order.
            constexpr int kTrials = 13;  // is = -6..6
            const TrialScales<32, kTrials, S> trials(lattice, eff_max, xval, weight, waux);
            const int won = trials.winner(scale);
            if (won >= 0) trials.copy_levels(won, L);
            if (scale > 0) {
                const float id = 1 / scale;
                for (int k = 0; k < 4; ++k) {
                    int8_t probe[8];
                    for (int i = 0; i < 8; ++i) probe[i] = odd_level(id, xval[8 * k + i], kIq2MaxQ - 1);
                    const uint32_t key = key_of(probe, 8, 2);
                    int grid_index = lattice.index_of(key);
                    if (grid_index < 0) grid_index = nearest_neighbour<8, S>(lattice, key, xval + 8 * k, waux + 8 * k, scale, kOddValues, L + 8 * k);
                    const uint8_t* p = lattice.levels(grid_index);
                    for (int i = 0; i < 8; ++i) L[8 * k + i] = static_cast<int8_t>(p[i]);
                }
                float sumqx, sumq2;
                level_sums(L, xval, weight, 32, sumqx, sumq2);
                if (sumq2 > 0) scale = sumqx / sumq2;
            }
            if (scale < 0) {
                scale = -scale;
                for (uint8_t& s : signs) s = static_cast<uint8_t>(~s & 127);
            }
            for (int k = 0; k < 4; ++k) {
                const int grid_index = lattice.index_of(key_of(L + 8 * k, 8, 2));
                q2[2 * ib] |= static_cast<uint32_t>(grid_index) << (8 * k);
                q2[2 * ib + 1] |= static_cast<uint32_t>(signs[k]) << (7 * k);
            }
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (!max_scale) {
            std::memset(dst + 2, 0, kIq2XxsBytes - 2);
            continue;
        }
        const float d = max_scale / 31;
        store_u16(dst, fp32_to_fp16(d));
        const float id = 1 / d;
        for (int ib = 0; ib < kSuper / 32; ++ib) q2[2 * ib + 1] |= static_cast<uint32_t>(block_scale_code(id, scales[ib])) << 28;
        for (int i = 0; i < 2 * (kSuper / 32); ++i) store_u32(dst + 2 + 4 * i, q2[i]);
    }
}

// IQ2_XS and IQ2_S share their search; they differ in weights, sign parity
// and layout.
template <bool kXs, Simd S>
void iq2_16_rows(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    const Lattice& lattice = kXs ? iq2xs_lattice() : iq2s_lattice();
    constexpr int kBytes = kXs ? kIq2XsBytes : kIq2SBytes;
    float scales[kSuper / 16], weight[16], waux[16], xval[16];
    int8_t L[16];
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kBytes) {
        std::memset(dst, 0, kBytes);
        uint16_t q2[kSuper / 8] = {};  // IQ2_XS: grid index and signs per 8
        float max_scale = 0;
        const float sigma2 = superblock_spread(src, kXs ? 1 : 2);
        for (int ib = 0; ib < kSuper / 16; ++ib) {
            const float* xb = src + 16 * ib;
            if (importance) {
                importance_weights<16, S>(importance + kSuper * ibl + 16 * ib, xb, sigma2, weight, waux);
            } else {
                for (int i = 0; i < 16; ++i) weight[i] = 0.25f * sigma2 + xb[i] * xb[i];
                for (int i = 0; i < 16; ++i) waux[i] = std::sqrt(weight[i]);
            }
            uint8_t signs[2];
            for (int k = 0; k < 2; ++k) signs[k] = fold_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k, kXs);
            float max = xval[0];
            for (int i = 1; i < 16; ++i) max = max_of(max, xval[i]);
            for (int8_t& l : L) l = 0;
            if (max < (kXs ? 1e-15f : 1e-8f)) {
                scales[ib] = 0;
                continue;
            }
            float scale = fit_block16<S>(lattice, xval, weight, waux, max, L);
            if (scale < 0) {
                scale = -scale;
                for (uint8_t& s : signs) s = static_cast<uint8_t>(kXs ? ~s & 127 : ~s);
            }
            for (int k = 0; k < 2; ++k) {
                const int grid_index = lattice.index_of(key_of(L + 8 * k, 8, 2));
                const int i8 = 2 * ib + k;
                if constexpr (kXs) {
                    q2[i8] = static_cast<uint16_t>(grid_index | (signs[k] << 9));
                } else {
                    dst[2 + i8] = static_cast<uint8_t>(grid_index & 255);
                    dst[2 + 64 + i8 / 4] |= static_cast<uint8_t>((grid_index >> 8) << (2 * (i8 % 4)));
                    dst[2 + 32 + i8] = signs[k];
                }
            }
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (!max_scale) continue;  // IQ2_XS leaves zeros, IQ2_S what its blocks wrote
        const float d = max_scale / 31;
        store_u16(dst, fp32_to_fp16(kXs ? d : d * 0.9875f));
        const float id = 1 / d;
        uint8_t* block_scales = dst + (kXs ? 2 + 64 : 2 + 64 + 8);
        for (int ib = 0; ib < kSuper / 16; ++ib) {
            block_scales[ib / 2] |= static_cast<uint8_t>(block_scale_code(id, scales[ib]) << (4 * (ib % 2)));
        }
        if constexpr (kXs) {
            for (int i = 0; i < kSuper / 8; ++i) store_u16(dst + 2 + 2 * i, q2[i]);
        }
    }
}

}  // namespace

void quantize_iq2_xxs(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    run_simd([&]<Simd S>() { iq2_xxs_rows<S>(src, dst, n, importance); });
}

void quantize_iq2_xs(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    run_simd([&]<Simd S>() { iq2_16_rows<true, S>(src, dst, n, importance); });
}

void quantize_iq2_s(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    run_simd([&]<Simd S>() { iq2_16_rows<false, S>(src, dst, n, importance); });
}

namespace {

// Eight values of grid point `point` (one byte coordinates) times dl, signs
// from the set bits of `signs`.
inline void expand8(float* y, float dl, uint64_t point, uint8_t signs) {
    for (int j = 0; j < 8; ++j) y[j] = dl * static_cast<uint8_t>(point >> (8 * j)) * (signs & (1u << j) ? -1.f : 1.f);
}

}  // namespace

void dequantize_iq2_xxs(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq2XxsBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        for (int ib = 0; ib < kSuper / 32; ++ib) {
            const uint8_t* q = src + 2 + 8 * ib;
            const uint32_t high = load_u32(q + 4);
            const float db = d * (0.5f + (high >> 28)) * 0.25f;
            for (int l = 0; l < 4; ++l, y += 8) expand8(y, db, kIq2xxsGrid[q[l]], even_signs((high >> (7 * l)) & 127));
        }
    }
}

void dequantize_iq2_xs(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq2XsBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint8_t* block_scales = src + 2 + 64;
        for (int ib = 0; ib < kSuper / 32; ++ib) {
            const float db[2] = {d * (0.5f + (block_scales[ib] & 0xf)) * 0.25f, d * (0.5f + (block_scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l, y += 8) {
                const uint16_t q = load_u16(src + 2 + 2 * (4 * ib + l));
                expand8(y, db[l / 2], kIq2xsGrid[q & 511], even_signs(q >> 9));
            }
        }
    }
}

void dequantize_iq2_s(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq2SBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint8_t* qs = src + 2;
        const uint8_t* signs = src + 2 + 32;
        const uint8_t* qh = src + 2 + 64;
        const uint8_t* block_scales = src + 2 + 64 + 8;
        for (int ib = 0; ib < kSuper / 32; ++ib, qs += 4, signs += 4) {
            const float db[2] = {d * (0.5f + (block_scales[ib] & 0xf)) * 0.25f, d * (0.5f + (block_scales[ib] >> 4)) * 0.25f};
            for (int l = 0; l < 4; ++l, y += 8) {
                expand8(y, db[l / 2], kIq2sGrid[qs[l] | ((qh[ib] << (8 - 2 * l)) & 0x300)], signs[l]);
            }
        }
    }
}

}  // namespace gguf::quant::iq
