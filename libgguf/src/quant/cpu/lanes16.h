// Sixteen float lanes, what lanes8.h is for AVX2 code but for AVX-512 code,
// and LaneWidth: what code written once for either width (a template on the
// lane type, without target attributes, that inlines into run_simd's
// flattened instances and compiles for their instruction set) needs of
// each: the lane count, the mask type (signed lanes, as comparisons give),
// its unsigned twin, the lanes' bits and zeroing all but the first lanes.
// Vectors cross into such code only by reference (by value their ABI would
// differ between the instruction sets).
//
// Thread safety: stateless.
#pragma once

#include <cstring>

#include "lanes8.h"

namespace gguf::quant {

#if defined(__x86_64__) && defined(__GNUC__)
GGUF_MTP_AVX512_HEADERS_BEGIN
using Lanes16 = float __attribute__((vector_size(64)));
using LaneMask16 = int __attribute__((vector_size(64)));

GGUF_MTP_TARGET_AVX512 inline Lanes16 load_lanes16(const float* p) {
    Lanes16 v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

// Entries index[lane] (0..31) of table[0..31].
GGUF_MTP_TARGET_AVX512 inline Lanes16 lookup_lanes16(const float* table, LaneMask16 index) {
    return reinterpret_cast<Lanes16>(_mm512_permutex2var_ps(reinterpret_cast<__m512>(load_lanes16(table)), reinterpret_cast<__m512i>(index),
                                                            reinterpret_cast<__m512>(load_lanes16(table + 16))));
}

template <class V>
struct LaneWidth;

template <>
struct LaneWidth<Lanes8> {
    using Mask = LaneMask8;
    using Unsigned = unsigned __attribute__((vector_size(32)));
    static constexpr int count = 8;
    GGUF_MTP_TARGET_AVX2 static void keep_first(int count, Lanes8& v) {
        const __m256i first = _mm256_cmpgt_epi32(_mm256_set1_epi32(count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        v = reinterpret_cast<Lanes8>(_mm256_and_ps(reinterpret_cast<__m256>(v), _mm256_castsi256_ps(first)));
    }
    GGUF_MTP_TARGET_AVX2 static unsigned bits(const Mask& mask) { return lane_bits(mask); }
};

template <>
struct LaneWidth<Lanes16> {
    using Mask = LaneMask16;
    using Unsigned = unsigned __attribute__((vector_size(64)));
    static constexpr int count = 16;
    GGUF_MTP_TARGET_AVX512 static void keep_first(int count, Lanes16& v) {
        v = reinterpret_cast<Lanes16>(_mm512_maskz_mov_ps(static_cast<__mmask16>((1u << count) - 1), reinterpret_cast<__m512>(v)));
    }
    GGUF_MTP_TARGET_AVX512 static unsigned bits(const Mask& mask) { return _mm512_movepi32_mask(reinterpret_cast<__m512i>(mask)); }
};
GGUF_MTP_AVX512_HEADERS_END
#endif

}  // namespace gguf::quant
