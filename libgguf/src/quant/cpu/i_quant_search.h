// Steps the IQ2/IQ3 quantizers share: sign folding and the nearest-grid-point
// search among a key's neighbours.
#pragma once

#include <cfloat>
#include <cstdint>

#include "i_quant_grids.h"

namespace gguf::quant::iq {

// Key of `dims` levels, `bits` bits each.
inline uint32_t key_of(const int8_t* L, int dims, int bits) {
    uint32_t key = 0;
    for (int i = 0; i < dims; ++i) key |= static_cast<uint32_t>(L[i]) << (bits * i);
    return key;
}

// The neighbour of off-grid `key` that scale * (2 * level + 1) brings closest
// to xval under `weight` (first one on ties); its levels go to L.
inline int nearest_neighbour(const Lattice& lattice, uint32_t key, const float* xval, const float* weight, float scale, int8_t* L) {
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
