#include "legacy_search.h"

#include <cmath>
#include <cstring>

#include "numeric.h"

namespace gguf::quant::search {
namespace {

constexpr int N = 32;
constexpr float kGroupMaxEps = 1e-15f;

inline int clamp(int v, int lo, int hi) { return v < lo ? lo : (v > hi ? hi : v); }

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
    // Candidate 0 is -nmax / max; then -(nmax + 0.1 is) / max for is = -9..9, is != 0.
    auto sums = [&](float iscale, float& sumlx, float& suml2) {
        sumlx = suml2 = 0.0f;
        for (int i = 0; i < N; ++i) {
            const float l = static_cast<float>(clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1));
            sumlx += w[i] * x[i] * l;
            suml2 += w[i] * l * l;
        }
    };
    float best_iscale = static_cast<float>(-nmax) / max;
    float sumlx, suml2;
    sums(best_iscale, sumlx, suml2);
    float scale = suml2 != 0.0f ? sumlx / suml2 : 0.0f;
    float best = scale * sumlx;
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        const float iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
        sums(iscale, sumlx, suml2);
        if (suml2 > 0.0f && sumlx * sumlx > best * suml2) {
            best_iscale = iscale;
            scale = sumlx / suml2;
            best = scale * sumlx;
        }
    }
    for (int i = 0; i < N; ++i) q[i] = static_cast<uint8_t>(nmax + clamp(nearest_int(best_iscale * x[i]), -nmax, nmax - 1));
    return scale;
}

float weighted_affine_scale(const float* x, const float* w, int nmax, uint8_t* q, float* neg_min) {
    constexpr float rmin = -0.9f, rdelta = 0.05f;
    constexpr int nstep = 36;
    float min = x[0], max = x[0];
    float sum_w = w[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < N; ++i) {
        if (x[i] < min) min = x[i];
        if (x[i] > max) max = x[i];
        sum_w += w[i];
        sum_x += w[i] * x[i];
    }
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
    uint8_t aux[N];
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
        for (int i = 0; i < N; ++i) {
            const int l = clamp(nearest_int(iscale * (x[i] - min)), 0, nmax);
            aux[i] = static_cast<uint8_t>(l);
            const float wl = w[i] * static_cast<float>(l);
            sum_l += wl;
            sum_l2 += wl * static_cast<float>(l);
            sum_xl += wl * x[i];
        }
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (D > 0.0f) {
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
            if (mad < best_mad) {
                std::memcpy(q, aux, N);
                best_mad = mad;
                scale = this_scale;
                min = this_min;
            }
        }
    }
    *neg_min = -min;
    return scale;
}

}  // namespace gguf::quant::search
