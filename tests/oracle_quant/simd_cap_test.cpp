// The instruction-set cap in the environment (GGUF_MTP_SIMD, and the older
// GGUF_MTP_NO_SIMD=1) decides which kernels run: the reruns of the
// differential tests under each cap rely on it to reach every path.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include "gguf/quant/cpu/quantize.h"

namespace {

constexpr std::array<std::string_view, 3> kPaths = {"scalar", "avx2", "avx512"};

size_t rank_of(std::string_view path) { return static_cast<size_t>(std::find(kPaths.begin(), kPaths.end(), path) - kPaths.begin()); }

size_t cpu_rank() {
#if defined(__x86_64__) && defined(__GNUC__)
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl")) {
        return 2;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("f16c")) return 1;
#endif
    return 0;
}

TEST(SimdCap, KernelsAreTheWidestTheCpuAndTheEnvironmentAllow) {
    size_t cap = kPaths.size() - 1;
    const char* no_simd = std::getenv("GGUF_MTP_NO_SIMD");
    const char* requested = std::getenv("GGUF_MTP_SIMD");
    if (no_simd && *no_simd && std::strcmp(no_simd, "0") != 0) {
        cap = 0;
    } else if (requested && rank_of(requested) < kPaths.size()) {
        cap = rank_of(requested);
    }
    ASSERT_LT(rank_of(gguf::simd_path()), kPaths.size()) << gguf::simd_path();
    EXPECT_EQ(rank_of(gguf::simd_path()), std::min(cap, cpu_rank())) << gguf::simd_path();
}

}  // namespace
