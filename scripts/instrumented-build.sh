#!/usr/bin/env bash
# Builds build-fuzz, the instrumented tree: clang with GGUF_MTP_FUZZ, the
# library and everything on it under ASan and UBSan. It holds both the
# libFuzzer targets (scripts/fuzz.sh runs them) and the unit and CLI tests
# (scripts/test.sh runs them), so the suite compiles the instrumented library
# once.
#
#   scripts/instrumented-build.sh [TARGET...]   (default: everything)
#
# The oracle's prebuilt libraries are not instrumented, so the differential
# tests stay out, and with them the Vulkan tests (which compare against the
# oracle-checked CPU core on lavapipe); so do the benchmarks. -O1 with line
# tables (-O0 for the tests' own code, tests/CMakeLists.txt) keeps the build
# short on a 2-core CI machine and the stacks readable. GGUF_MTP_CHECKED turns
# on the library's programmer-error checks (GGUF_MTP_EXPECT) there.
set -euo pipefail
cd "$(dirname "$0")/.."
clang=${GGUF_MTP_FUZZ_CLANG:-clang++-16}
export CMAKE_GENERATOR=${CMAKE_GENERATOR:-Ninja}  # as scripts/setup.sh says why
cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER="$clang" -DGGUF_MTP_FUZZ=ON -DGGUF_MTP_CHECKED=ON -DGGUF_MTP_BUILD_TESTS=ON -DGGUF_MTP_VULKAN=OFF -DGGUF_MTP_BUILD_BENCH=OFF \
      -DGGUF_MTP_ORACLE_DIR= -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O1 -gline-tables-only" >/dev/null
targets=()
for target in "$@"; do targets+=(--target "$target"); done
cmake --build build-fuzz -j"$(nproc)" "${targets[@]}"
