#!/usr/bin/env bash
# Runs the whole test suite: the normal build (with the differential tests
# against the reference llama.cpp when scripts/setup.sh fetched it), then the
# same unit and CLI tests built with clang, AddressSanitizer and UBSan, then a
# short fuzzing run of every parser (scripts/fuzz.sh SECONDS runs long ones).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

oracle=()
[ -d .oracle ] && oracle=(-DGGUF_MTP_ORACLE_DIR="$PWD/.oracle")
cmake -S . -B build "${oracle[@]}" >/dev/null
cmake --build build -j"$jobs"
(cd build && ctest --output-on-failure -j"$jobs")

# The unit and CLI tests under ASan and UBSan (a report fails its test) come
# from the fuzzers' instrumented tree, so CI compiles the instrumented
# library once for both; scripts/instrumented-build.sh says what it leaves
# out and why.
bash scripts/instrumented-build.sh
(cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$jobs")

# About 10 s per fuzz target (CI time; scripts/fuzz.sh SECONDS runs long
# ones) on the tree just built; a crash fails the run.
bash scripts/fuzz.sh 10
