#!/usr/bin/env bash
# Fuzzes the parsers: builds the libFuzzer targets of fuzz/ with clang into
# build-fuzz (scripts/instrumented-build.sh: everything under ASan and
# UBSan), makes seed corpora from the test fixtures, and runs each target for
# SECONDS (default 600).
#
#   scripts/fuzz.sh [SECONDS] [TARGET...]   targets: gguf_header split_set imatrix pairing
#
# The corpus grows in build-fuzz/corpus/<target> from run to run. A crash
# stops its target and is written to build-fuzz/crashes/<target>/; once it is
# fixed, keep it in tests/fuzz_regressions/<target>/, where the test suite
# replays it. Exit status: non-zero when any target crashed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(gguf_header split_set imatrix pairing)

export ASAN_SYMBOLIZER_PATH=${ASAN_SYMBOLIZER_PATH:-/usr/lib/llvm-16/bin/llvm-symbolizer}
bash scripts/instrumented-build.sh gguf-mtp-fuzzers >/dev/null

# The normal build's fixtures when it has them, else the fuzz build's own.
fixtures=build/testdata/fixtures
if [ ! -f "$fixtures/fixtures.json" ]; then
  bash scripts/instrumented-build.sh gguf-mtp-fixtures-data >/dev/null
  fixtures=build-fuzz/testdata/fixtures
fi
rm -rf build-fuzz/seeds
build-fuzz/fuzz/gguf-mtp-fuzz-seeds "$fixtures" build-fuzz/seeds

status=0
for target in "${targets[@]}"; do
  mkdir -p "build-fuzz/corpus/$target" "build-fuzz/crashes/$target"
  log="build-fuzz/fuzz-$target.log"
  # Kept crash inputs go first, so a regression shows at once.
  regressions=()
  [ -d "tests/fuzz_regressions/$target" ] && regressions=("tests/fuzz_regressions/$target")
  if build-fuzz/fuzz/"fuzz-${target//_/-}" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -print_final_stats=1 -artifact_prefix="build-fuzz/crashes/$target/" \
       "build-fuzz/corpus/$target" build-fuzz/seeds/"$target" "${regressions[@]}" >"$log" 2>&1; then
    result=ok
  else
    result="CRASHED (see $log and build-fuzz/crashes/$target/)"
    status=1
  fi
  echo "fuzz: $target: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") executions in ${seconds}s, $result"
done
exit $status
