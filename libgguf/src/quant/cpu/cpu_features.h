// Runtime CPU feature checks for the vector kernels (the default build
// targets baseline x86-64; AVX2 code is compiled per function and chosen here).
#pragma once

namespace gguf::quant {

inline bool cpu_has_avx2() {
#if defined(__x86_64__) && defined(__GNUC__)
    static const bool has = __builtin_cpu_supports("avx2");
    return has;
#else
    return false;
#endif
}

}  // namespace gguf::quant
