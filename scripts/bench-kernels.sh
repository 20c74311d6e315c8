#!/usr/bin/env bash
# The CPU quantize kernels against ggml's reference (ggml_quantize_chunk of
# the oracle) on a 4096 x 4096 f32 matrix: every type gguf-mtp writes, 1
# thread and all threads, with and without importance weights. Prints a
# markdown table (MB/s of each, ratio, identical bytes), then gguf-mtp alone
# at 1 thread under each narrower instruction-set cap this CPU has
# (GGUF_MTP_SIMD), to show what the wider kernels gain.
#
#   scripts/bench-kernels.sh [REPS] [CLOCK] [BUILD_DIR]
#   (defaults: 2 repetitions, "cpu": CPU time per thread, which a shared
#   machine disturbs least; "wall" for a quiet one; build)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-2}
clock=${2:-cpu}
build=${3:-build}
bench=$build/bench/gguf-mtp-quant-bench
[ -x "$bench" ] || { echo "build first: cmake --build $build --target gguf-mtp-quant-bench (needs libbenchmark-dev and the oracle)" >&2; exit 1; }
grep -m1 "model name" /proc/cpuinfo || true
"$bench" --reps="$reps" --clock="$clock" 2>/dev/null
flags=$(grep -m1 "^flags" /proc/cpuinfo || true)
caps=()
[[ " $flags " == *" avx2 "* ]] && caps+=(avx2)
[[ " $flags " == *" avx512bw "* ]] && caps+=(avx512)
for cap in "${caps[@]}"; do
  echo
  echo "gguf-mtp alone, GGUF_MTP_SIMD=$cap:"
  GGUF_MTP_SIMD=$cap "$bench" --threads=1 --reps="$reps" --clock="$clock" --gguf-only 2>/dev/null | grep -v "^$"
done
