#!/usr/bin/env bash
# Runs the whole test suite: the normal build (with the differential tests
# against the reference llama.cpp when scripts/setup.sh fetched it), then the
# same unit and CLI tests built with AddressSanitizer and UBSan, then a short
# fuzzing run of every parser (scripts/fuzz.sh SECONDS runs long ones).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

oracle=()
[ -d .oracle ] && oracle=(-DGGUF_MTP_ORACLE_DIR="$PWD/.oracle")
cmake -S . -B build "${oracle[@]}" >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

# The oracle's prebuilt libraries are not instrumented, so the sanitizer
# build leaves the differential tests out, and with them the Vulkan tests
# (which compare against the oracle-checked CPU core on lavapipe); nor does
# it build the benchmarks. -O1 with line tables keeps the build short on a
# 2-core CI machine and the stacks readable.
cmake -S . -B build-sanitize -DGGUF_MTP_SANITIZE=ON -DGGUF_MTP_ORACLE_DIR= -DGGUF_MTP_VULKAN=OFF -DGGUF_MTP_BUILD_BENCH=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1" >/dev/null
cmake --build build-sanitize -j"$jobs"
(cd build-sanitize && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")

# About 10 s per fuzz target (CI time; scripts/fuzz.sh SECONDS runs long
# ones); a crash fails the run.
bash scripts/fuzz.sh 10
