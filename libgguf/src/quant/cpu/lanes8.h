// Eight float lanes written as plain arithmetic (GCC vector extensions), so
// a search's formula is written once and serves both the scalar loop (on
// float) and the 8-trials-a-vector one (on Lanes8): each lane rounds every
// operation exactly as the scalar code does, since IEEE single operations
// are the same in a lane and -ffp-contract=off forbids fusing them.
//
// Code on Lanes8 belongs in functions compiled for AVX2 or wider (run_simd's
// instances, which inline it); the helpers below are AVX2 code.
//
// Thread safety: stateless.
#pragma once

#include <cstring>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "cpu_features.h"

namespace gguf::quant {

#if defined(__x86_64__) && defined(__GNUC__)
using Lanes8 = float __attribute__((vector_size(32)));
using LaneMask8 = int __attribute__((vector_size(32)));

GGUF_MTP_TARGET_AVX2 inline Lanes8 load_lanes8(const float* p) {
    Lanes8 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Bit i set where lane i of `mask` (a comparison's result: 0 or -1) is set.
GGUF_MTP_TARGET_AVX2 inline unsigned lane_bits(LaneMask8 mask) {
    return static_cast<unsigned>(_mm256_movemask_ps(reinterpret_cast<__m256>(mask)));
}

// 0, 1, ..., 7: lane i's offset.
GGUF_MTP_TARGET_AVX2 inline LaneMask8 lane_offsets() { return LaneMask8{0, 1, 2, 3, 4, 5, 6, 7}; }
#endif

}  // namespace gguf::quant
