#!/usr/bin/env bash
# Runs the whole test suite: fetches the reference llama.cpp
# releases (scripts/setup-oracle.sh), builds everything scripts/setup.sh did not (the
# tests, the differential tests against that llama.cpp, benchmarks) and runs
# every ctest tier (quick, oracle, slow, vulkan, fuzz), then the
# same unit and CLI tests built with clang, AddressSanitizer and UBSan, then a
# short fuzzing run of every parser (scripts/fuzz.sh SECONDS runs long ones).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# Each stage's wall time, printed as it ends, so a slow CI run says where.
stage_start=$SECONDS
stage_done() { echo "test: $1 in $((SECONDS - stage_start)) s"; stage_start=$SECONDS; }

# The reference llama.cpp releases the differential tests run against, the
# npm versions of the release table (libgguf/src/compat/llama_releases.cpp),
# newest first; a rerun reuses what is already unpacked.
bash scripts/setup-oracle.sh .oracle 3.22.1 3.21.1
export CMAKE_GENERATOR=${CMAKE_GENERATOR:-Ninja}  # as scripts/setup.sh says why
cmake -S . -B build -DGGUF_MTP_ORACLE_DIR="$PWD/.oracle/v0.5.0" -DGGUF_MTP_ORACLE_OLDER_DIRS="$PWD/.oracle/v0.4.0" >/dev/null
cmake --build build -j"$jobs"
stage_done "oracle fetch and build"
(cd build && ctest --output-on-failure -j"$jobs")
stage_done "ctest (every tier)"

# The unit and CLI tests under ASan and UBSan (a report fails its test) come
# from the fuzzers' instrumented tree, so CI compiles the instrumented
# library once for both; scripts/instrumented-build.sh says what it leaves
# out and why. There the quick and fuzz tiers run, less the SIGKILL fault
# cases: a killed process runs no error path for the sanitizers to check
# (the whole-command slow tier ran above, uninstrumented), and the size-target
# comparison with three presets (36 s instrumented), whose code paths the
# other --target-size cases run there too.
bash scripts/instrumented-build.sh
stage_done "instrumented build"
(cd build-fuzz && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest --output-on-failure -j"$jobs" -L "quick|fuzz" -E "FaultInjection.*_kill|RandomKill|QuantizeTarget.FillsThePresetsSize")
stage_done "sanitized ctest"

# About 10 s per fuzz target (CI time; scripts/fuzz.sh SECONDS runs long
# ones) on the tree just built; a crash fails the run.
bash scripts/fuzz.sh 10
stage_done "fuzzing"
