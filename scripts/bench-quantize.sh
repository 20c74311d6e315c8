#!/usr/bin/env bash
# gguf-mtp quantize against llama.cpp's quantizer (llama_model_quantize of
# the reference oracle) in the same run: a model shaped like the glm4moe-wide
# fixture (bundled, with its MTP block) scaled to SIZE_MIB of F16, an imatrix
# covering every tensor, each preset at THREADS threads; then llama.cpp's
# worst case for memory, one 512 MiB F32 tensor to Q4_K_M with an imatrix.
# Prints seconds and peak RSS of both, the speed ratio and whether the two
# files are identical.
#
#   scripts/bench-quantize.sh [SIZE_MIB] [PRESETS] [THREADS]
#   (defaults: 1024 "Q8_0 Q4_K_M IQ4_XS Q3_K_M IQ2_XXS" all threads)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}
presets=${2:-"Q8_0 Q4_K_M IQ4_XS Q3_K_M IQ2_XXS"}
threads=${3:-$(nproc)}
source scripts/bench-common.sh
scaled=build/bench/gguf-mtp-scaled-model
oracle=build/bench/gguf-mtp-oracle-quantize
like=build/testdata/fixtures/glm4moe-wide-bundled.gguf
[ -x "$scaled" ] && [ -x "$oracle" ] && [ -f "$like" ] || {
  echo "build first with the oracle: bash scripts/setup.sh (needs build/bench/gguf-mtp-oracle-quantize)" >&2; exit 1; }

seconds=0; rss_kib=0
work=$(mktemp -d "${TMPDIR:-/tmp}/gguf-mtp-bench-quantize.XXXXXX")
trap 'rm -rf "$work"' EXIT

# compare LABEL MODEL IMATRIX PRESET THREADS
compare() {
  local label=$1 model=$2 imatrix=$3 preset=$4 n=$5
  measure "$oracle" "$model" "$work/theirs.gguf" "$preset" "$n" "$imatrix"
  local theirs_s=$seconds theirs_rss=$rss_kib
  measure "$bin" quantize --imatrix-missing error --imatrix "$imatrix" "$model" "$work/ours.gguf" "$preset" "$n"
  local same=no
  cmp -s "$work/ours.gguf" "$work/theirs.gguf" && same=yes
  awk -v l="$label" -v p="$preset" -v os="$seconds" -v orss="$rss_kib" -v ts="$theirs_s" -v trss="$theirs_rss" -v same="$same" \
    'BEGIN { printf "%-12s %-8s %8.2f s %8.1f MiB   %8.2f s %8.1f MiB   %6.2fx   %s\n",
             l, p, os, orss / 1024, ts, trss / 1024, (os > 0 ? ts / os : 0), same }'
  rm -f "$work/ours.gguf" "$work/theirs.gguf"
}

"$scaled" "$like" "$work/model.gguf" "$size" F16 --imatrix "$work/model.imatrix" >/dev/null
cp_reference "$work/copy.gguf" "$work/model.gguf"
echo "model: $size MiB F16 shaped like $(basename "$like"), $threads threads; cp ${ref_seconds}s, cp+sync ${ref_sync_seconds}s"
printf "%-12s %-8s %10s %12s   %10s %12s   %7s   %s\n" model preset gguf-mtp RSS llama.cpp RSS speedup identical
for preset in $presets; do
  compare "${size}MiB" "$work/model.gguf" "$work/model.imatrix" "$preset" "$threads"
done
rm -f "$work/model.gguf"

"$scaled" "$like" "$work/one.gguf" 512 F32 --tensor blk.1.ffn_up_exps.weight --imatrix "$work/one.imatrix" >/dev/null
cp_reference "$work/copy.gguf" "$work/one.gguf"
echo "one 512 MiB F32 tensor, 2 threads; cp ${ref_seconds}s"
compare "512MiB-F32" "$work/one.gguf" "$work/one.imatrix" Q4_K_M 2
