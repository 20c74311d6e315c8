// Runtime choice of the vector kernels. The default build targets baseline
// x86-64; AVX2 and AVX-512 code is compiled per function and chosen here,
// once per process, from what the CPU has and what the environment allows:
//   GGUF_MTP_SIMD=scalar|avx2|avx512  caps the widest kernels used;
//   GGUF_MTP_NO_SIMD=1                 the same as GGUF_MTP_SIMD=scalar.
// Every path gives the same bytes; the differential tests run each one this
// CPU has, and a user can rule vector code out when in doubt.
#pragma once

#include <cstdlib>
#include <cstring>
#if defined(__x86_64__) && defined(__GNUC__)
#include <cpuid.h>
#endif

// GCC 12's AVX-512 intrinsics pass a deliberately undefined vector where no
// lane is kept, which -Wmaybe-uninitialized reports from every inlined use;
// AVX-512 code sits between these two.
#if defined(__GNUC__) && !defined(__clang__)
#define GGUF_MTP_AVX512_HEADERS_BEGIN \
    _Pragma("GCC diagnostic push") _Pragma("GCC diagnostic ignored \"-Wmaybe-uninitialized\"") \
        _Pragma("GCC diagnostic ignored \"-Wuninitialized\"")
#define GGUF_MTP_AVX512_HEADERS_END _Pragma("GCC diagnostic pop")
#else
#define GGUF_MTP_AVX512_HEADERS_BEGIN
#define GGUF_MTP_AVX512_HEADERS_END
#endif

// Function attributes for code compiled for one instruction set. The AVX-512
// set includes the AVX2 one, so AVX2 helpers inline into AVX-512 code.
#define GGUF_MTP_TARGET_AVX2 __attribute__((target("avx2,f16c")))
#define GGUF_MTP_TARGET_AVX512 __attribute__((target("avx2,f16c,avx512f,avx512bw,avx512dq,avx512vl")))

namespace gguf::quant {

// Ordered: a level includes the ones below it.
enum class Simd { scalar, avx2, avx512 };

namespace detail {

// The level this CPU can run: AVX2 with F16C, or AVX-512 with the BW, DQ
// and VL extensions (every AVX-512 CPU since Skylake-X has them).
inline Simd detected_simd() {
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl")) {
        return Simd::avx512;
    }
    // clang's __builtin_cpu_supports does not know "f16c": CPUID leaf 1 tells.
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C);
    if (__builtin_cpu_supports("avx2") && f16c) return Simd::avx2;
#endif
    return Simd::scalar;
}

// The cap the environment asks for; an unknown value caps nothing.
inline Simd requested_simd() {
    const char* off = std::getenv("GGUF_MTP_NO_SIMD");
    if (off && *off && std::strcmp(off, "0") != 0) return Simd::scalar;
    const char* cap = std::getenv("GGUF_MTP_SIMD");
    if (cap && std::strcmp(cap, "scalar") == 0) return Simd::scalar;
    if (cap && std::strcmp(cap, "avx2") == 0) return Simd::avx2;
    return Simd::avx512;
}

}  // namespace detail

inline Simd simd_level() {
    static const Simd level = [] {
        const Simd cpu = detail::detected_simd(), cap = detail::requested_simd();
        return cpu < cap ? cpu : cap;
    }();
    return level;
}

inline bool cpu_has_avx2() { return simd_level() >= Simd::avx2; }
inline bool cpu_has_avx512() { return simd_level() >= Simd::avx512; }

}  // namespace gguf::quant
