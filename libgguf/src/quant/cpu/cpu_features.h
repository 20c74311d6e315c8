// Runtime CPU feature checks for the vector kernels (the default build
// targets baseline x86-64; AVX2 code is compiled per function and chosen here).
// GGUF_MTP_NO_SIMD=1 in the environment selects the scalar kernels, read once
// per process: the differential tests run both ways, and a user can rule the
// vector code out when in doubt. Both give the same bytes.
#pragma once

#include <cstdlib>

namespace gguf::quant {

inline bool cpu_has_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool use = [] {
        const char* off = std::getenv("GGUF_MTP_NO_SIMD");
        return !(off && *off && *off != '0') && __builtin_cpu_supports("avx2");
    }();
    return use;
#else
    return false;
#endif
}

}  // namespace gguf::quant
