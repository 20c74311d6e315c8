#!/usr/bin/env bash
# Vulkan quantize kernels against the CPU core (all threads) on a 4096 x 4096
# f32 matrix: Q4_K and IQ4_XS with importance weights, Q8_0. Prints MB/s,
# the ratio and whether the bytes are identical; exits non-zero if not.
# Needs glslc and libvulkan-dev to build, a Vulkan driver to run.
# Usage: scripts/bench-vulkan.sh [N] [BUILD_DIR] [BENCH ARGUMENTS...]
# where the bench's own arguments follow, e.g. all (every type with a
# shader), --types=IQ2_XXS,IQ2_XS, --cpu-runs=1, --pipeline-stats (the
# driver's registers and local memory per shader, where it reports them).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-4096}
build=${2:-build-bench-vulkan}
shift $(($# < 2 ? $# : 2))
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGGUF_MTP_BUILD_TESTS=OFF -DGGUF_MTP_VULKAN=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target gguf-mtp-vulkan-bench >/dev/null
command -v vulkaninfo >/dev/null && vulkaninfo --summary 2>/dev/null | grep -E "deviceName|driverName|apiVersion" || true
"$build/bench/gguf-mtp-vulkan-bench" "$n" "$@"
