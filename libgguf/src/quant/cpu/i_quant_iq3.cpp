// IQ3_XXS and IQ3_S: super-blocks of 256 in blocks of 32, each group of 4
// magnitudes one point of a 4-dimensional grid (256 or 512 points), signs
// stored apart, one 4-bit scale per block (IQ3_S: per 32, IQ3_XXS: per 32 in
// the sign word).
#include <cmath>

#include "i_quant_rows.h"
#include "i_quant_search.h"
#include "numeric.h"

namespace gguf::quant::iq {
namespace {

constexpr int kBlock = 32;
constexpr int kGroups = kBlock / 4;
constexpr int kIq3MaxQ = 8;

struct Fit {
    int search;          // scale candidates id = (15 + 0.2 * is) / max, |is| <= search
    bool start_on_grid;  // what a block no candidate improves counts as
    bool refit_on_grid;  // the refit pass redoes groups already on the grid too
};

// Levels (into L) of a block's values at inverse scale id, and each
// group's key.
#if defined(__x86_64__) && defined(__GNUC__)
// Eight values a vector, each rounded as the scalar loop rounds it.
__attribute__((target("avx2"))) inline void block_levels_avx2(const float* xval, float id, int8_t* L, uint32_t* keys) {
    const __m256i key_shift = _mm256_setr_epi32(0, 3, 6, 9, 0, 3, 6, 9);
    for (int h = 0; h < kBlock / 8; ++h) {
        const __m256i l = odd_levels_avx2(_mm256_set1_ps(id), _mm256_loadu_ps(xval + 8 * h), kIq3MaxQ - 1);
        const uint64_t bytes = low_bytes_avx2(l);
        std::memcpy(L + 8 * h, &bytes, 8);
        __m256i key = _mm256_sllv_epi32(l, key_shift);
        key = _mm256_or_si256(key, _mm256_shuffle_epi32(key, _MM_SHUFFLE(1, 0, 3, 2)));
        key = _mm256_or_si256(key, _mm256_shuffle_epi32(key, _MM_SHUFFLE(2, 3, 0, 1)));
        keys[2 * h] = static_cast<uint32_t>(_mm256_cvtsi256_si32(key));
        keys[2 * h + 1] = static_cast<uint32_t>(_mm256_extract_epi32(key, 4));
    }
}
#endif

template <Simd S>
inline void block_levels(const float* xval, float id, int8_t* L, uint32_t* keys) {
#if defined(__x86_64__) && defined(__GNUC__)
    if constexpr (S != Simd::scalar) return block_levels_avx2(xval, id, L, keys);
#endif
    for (int k = 0; k < kGroups; ++k) {
        for (int i = 0; i < 4; ++i) L[4 * k + i] = odd_level(id, xval[4 * k + i], kIq3MaxQ - 1);
        keys[k] = key_of(L + 4 * k, 4, 3);
    }
}

constexpr int kMaxScales = 32;  // 2 * Fit::search + 1 rounded up to 8

// Levels (into L) and scale of one block of magnitudes. Each trial scale's
// levels and sums do not depend on which scale won before, so they are all
// computed first (the sums 8 scales at a time under AVX2), and then chosen
// among in ggml's order with ggml's comparison.
template <Simd S>
float fit_block_with(const Lattice& lattice, const Fit& fit, const float* xval, const float* weight, const float* waux, float max, int8_t* L) {
    const int scales = 2 * fit.search + 1;
    alignas(32) int8_t levels[kMaxScales * kBlock + 3];
    bool on_grid_at[kMaxScales][kGroups];
    std::memset(levels + scales * kBlock, 0, sizeof levels - scales * kBlock);
    for (int s = 0; s < scales; ++s) {
        const int is = s - fit.search;
        const float id = (2 * kIq3MaxQ - 1 + is * 0.2f) / max;
        const float this_scale = 1 / id;
        int8_t* Laux = levels + s * kBlock;
        uint32_t keys[kGroups];
        block_levels<S>(xval, id, Laux, keys);
        for (int k = 0; k < kGroups; ++k) {
            on_grid_at[s][k] = lattice.index_of(keys[k]) >= 0;
            if (!on_grid_at[s][k]) key_levels(nearest_key<4, S>(lattice, keys[k], xval + 4 * k, waux + 4 * k, this_scale, kOddValues), 4, 3, Laux + 4 * k);
        }
    }
    float sumqx_at[kMaxScales], sumq2_at[kMaxScales];
    trial_sums<kBlock, S>(levels, {kBlock, 1}, scales, xval, weight, sumqx_at, sumq2_at);
    bool on_grid[kGroups];
    float best = 0;
    float scale = max / (2 * kIq3MaxQ - 1);
    for (bool& g : on_grid) g = fit.start_on_grid;
    for (int s = 0; s < scales; ++s) {
        const float sumqx = sumqx_at[s], sumq2 = sumq2_at[s];
        if (sumq2 > 0 && sumqx * sumqx > best * sumq2) {
            scale = sumqx / sumq2;
            best = scale * sumqx;
            std::memcpy(L, levels + s * kBlock, kBlock);
            for (int k = 0; k < kGroups; ++k) on_grid[k] = on_grid_at[s][k];
        }
    }
    int off_grid = 0;
    for (bool g : on_grid) off_grid += g ? 0 : 1;
    if (off_grid > 0 && scale > 0) {
        const float id = 1 / scale;
        for (int k = 0; k < kGroups; ++k) {
            if (on_grid[k] && !fit.refit_on_grid) continue;
            int8_t probe[4];
            for (int i = 0; i < 4; ++i) probe[i] = odd_level(id, xval[4 * k + i], kIq3MaxQ - 1);
            const uint32_t key = key_of(probe, 4, 3);
            const uint32_t found = lattice.index_of(key) >= 0 ? key : nearest_key<4, S>(lattice, key, xval + 4 * k, waux + 4 * k, scale, kOddValues);
            key_levels(found, 4, 3, L + 4 * k);
        }
        float sumqx = 0, sumq2 = 0;
        for (int i = 0; i < kBlock; ++i) {
            const float w = weight[i];
            const float q = 2 * L[i] + 1;
            sumqx += w * xval[i] * q;
            sumq2 += w * q * q;
        }
        if (sumq2 > 0) scale = sumqx / sumq2;
    }
    return scale;
}

float fit_block(const Lattice& lattice, const Fit& fit, const float* xval, const float* weight, const float* waux, float max, int8_t* L) {
    float scale = 0;
    run_simd([&]<Simd S>() { scale = fit_block_with<S>(lattice, fit, xval, weight, waux, max, L); });
    return scale;
}

void block_weights(const float* xb, const float* qw, float sigma2, float* weight, float* waux) {
    if (qw) {
        run_simd([&]<Simd S>() { importance_weights<kBlock, S>(qw, xb, sigma2, weight, waux); });
        return;
    }
    for (int i = 0; i < kBlock; ++i) weight[i] = xb[i] * xb[i];
    for (int i = 0; i < kBlock; ++i) waux[i] = std::sqrt(weight[i]);
}

}  // namespace

void quantize_iq3_xxs(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    const Lattice& lattice = iq3xxs_lattice();
    const Fit fit{15, true, false};
    float scales[kSuper / kBlock], weight[kBlock], waux[kBlock], xval[kBlock];
    int8_t L[kBlock];
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kIq3XxsBytes) {
        uint8_t q3[kIq3XxsBytes - 2] = {};
        uint32_t signs_and_scales[kSuper / kBlock] = {};
        store_u16(dst, fp32_to_fp16(0.f));
        float max_scale = 0;
        const float sigma2 = superblock_spread(src, 2);
        for (int ib = 0; ib < kSuper / kBlock; ++ib) {
            const float* xb = src + kBlock * ib;
            block_weights(xb, importance ? importance + kSuper * ibl + kBlock * ib : nullptr, sigma2, weight, waux);
            uint8_t signs[4];
            for (int k = 0; k < 4; ++k) signs[k] = fold_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k, true);
            float max = xval[0];
            for (int i = 1; i < kBlock; ++i) max = max_of(max, xval[i]);
            for (int8_t& l : L) l = 0;
            if (max < 1e-8f) {
                scales[ib] = 0;
                continue;
            }
            float scale = fit_block(lattice, fit, xval, weight, waux, max, L);
            if (scale < 0) {
                scale = -scale;
                for (uint8_t& s : signs) s = static_cast<uint8_t>(~s & 127);
            }
            for (int k = 0; k < kGroups; ++k) q3[8 * ib + k] = static_cast<uint8_t>(lattice.index_of(key_of(L + 4 * k, 4, 3)));
            signs_and_scales[ib] = signs[0] | (signs[1] << 7) | (signs[2] << 14) | (signs[3] << 21);
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (!max_scale) {
            std::memset(dst + 2, 0, kIq3XxsBytes - 2);
            continue;
        }
        const float d = max_scale / 31;
        store_u16(dst, fp32_to_fp16(d * 1.0125f));
        const float id = 1 / d;
        for (int ib = 0; ib < kSuper / kBlock; ++ib) {
            signs_and_scales[ib] |= static_cast<uint32_t>(block_scale_code(id, scales[ib])) << 28;
            store_u32(q3 + kSuper / 4 + 4 * ib, signs_and_scales[ib]);
        }
        std::memcpy(dst + 2, q3, sizeof q3);
    }
}

void quantize_iq3_s(const float* src, uint8_t* dst, int64_t n, const float* importance) {
    const Lattice& lattice = iq3s_lattice();
    const Fit fit{9, false, true};
    float scales[kSuper / kBlock], weight[kBlock], waux[kBlock], xval[kBlock];
    int8_t L[kBlock];
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kSuper, dst += kIq3SBytes) {
        std::memset(dst, 0, kIq3SBytes);
        store_u16(dst, fp32_to_fp16(0.f));
        // Like ggml, a block of zeros does not advance the qs and signs
        // cursors: the next block's grid indices and signs take its place.
        uint8_t* qs = dst + 2;
        uint8_t* qh = dst + 2 + 64;
        uint8_t* signs = dst + 2 + 64 + 8;
        uint8_t* block_scales = dst + 2 + 64 + 8 + 32;
        float max_scale = 0;
        const float sigma2 = superblock_spread(src, 2);
        for (int ib = 0; ib < kSuper / kBlock; ++ib) {
            const float* xb = src + kBlock * ib;
            block_weights(xb, importance ? importance + kSuper * ibl + kBlock * ib : nullptr, sigma2, weight, waux);
            uint8_t block_signs[4];
            for (int k = 0; k < 4; ++k) block_signs[k] = fold_signs(xb + 8 * k, weight + 8 * k, xval + 8 * k, false);
            float max = xval[0];
            for (int i = 1; i < kBlock; ++i) max = max_of(max, xval[i]);
            for (int8_t& l : L) l = 0;
            if (!max) {
                scales[ib] = 0;
                continue;
            }
            float scale = fit_block(lattice, fit, xval, weight, waux, max, L);
            if (scale < 0) {
                scale = -scale;
                for (uint8_t& s : block_signs) s = static_cast<uint8_t>(~s);
            }
            for (int k = 0; k < kGroups; ++k) {
                const int grid_index = lattice.index_of(key_of(L + 4 * k, 4, 3));
                qs[k] = static_cast<uint8_t>(grid_index & 255);
                qh[(ib * kGroups + k) / 8] |= static_cast<uint8_t>((grid_index >> 8) << ((ib * kGroups + k) % 8));
            }
            qs += kGroups;
            for (int k = 0; k < 4; ++k) signs[k] = block_signs[k];
            signs += 4;
            scales[ib] = scale;
            max_scale = max_of(max_scale, scale);
        }
        if (!max_scale) continue;
        const float d = max_scale / 31;
        store_u16(dst, fp32_to_fp16(d * 1.033f));
        const float id = 1 / d;
        for (int ib = 0; ib < kSuper / kBlock; ib += 2) {
            block_scales[ib / 2] = static_cast<uint8_t>(block_scale_code(id, scales[ib]) | (block_scale_code(id, scales[ib + 1]) << 4));
        }
    }
}

void dequantize_iq3_xxs(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq3XxsBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint8_t* qs = src + 2;
        const uint8_t* signs_and_scales = qs + kSuper / 4;
        for (int ib = 0; ib < kSuper / kBlock; ++ib, qs += 8) {
            const uint32_t aux = load_u32(signs_and_scales + 4 * ib);
            const float db = d * (0.5f + (aux >> 28)) * 0.5f;
            for (int l = 0; l < 4; ++l, y += 8) {
                const uint8_t signs = even_signs((aux >> (7 * l)) & 127);
                const uint32_t g1 = kIq3xxsGrid[qs[2 * l]], g2 = kIq3xxsGrid[qs[2 * l + 1]];
                for (int j = 0; j < 4; ++j) {
                    y[j] = db * static_cast<uint8_t>(g1 >> (8 * j)) * (signs & (1u << j) ? -1.f : 1.f);
                    y[j + 4] = db * static_cast<uint8_t>(g2 >> (8 * j)) * (signs & (1u << (j + 4)) ? -1.f : 1.f);
                }
            }
        }
    }
}

void dequantize_iq3_s(const uint8_t* src, float* y, int64_t n) {
    for (int64_t ibl = 0; ibl < n / kSuper; ++ibl, src += kIq3SBytes) {
        const float d = fp16_to_fp32(load_u16(src));
        const uint8_t* qs = src + 2;
        const uint8_t* qh = src + 2 + 64;
        const uint8_t* signs = src + 2 + 64 + 8;
        const uint8_t* block_scales = src + 2 + 64 + 8 + 32;
        for (int ib = 0; ib < kSuper / kBlock; ++ib, qs += 8, signs += 4) {
            const float db = d * (1 + 2 * ((block_scales[ib / 2] >> (4 * (ib % 2))) & 0xf));
            const int high = qh[ib];
            for (int l = 0; l < 4; ++l, y += 8) {
                const uint32_t g1 = kIq3sGrid[qs[2 * l] | ((high << (8 - 2 * l)) & 256)];
                const uint32_t g2 = kIq3sGrid[qs[2 * l + 1] | ((high << (7 - 2 * l)) & 256)];
                for (int j = 0; j < 4; ++j) {
                    y[j] = db * static_cast<uint8_t>(g1 >> (8 * j)) * (signs[l] & (1u << j) ? -1.f : 1.f);
                    y[j + 4] = db * static_cast<uint8_t>(g2 >> (8 * j)) * (signs[l] & (1u << (j + 4)) ? -1.f : 1.f);
                }
            }
        }
    }
}

}  // namespace gguf::quant::iq
