#!/usr/bin/env bash
# The whole gguf-mtp quantize command against ggml's kernel alone: a model
# holding one 4096x4096 F32 tensor with an imatrix, quantized at 1 thread
# to each type (--pure), set against the CPU time ggml_quantize_chunk of the
# reference oracle takes for the same tensor and weights (its grids set up
# beforehand, outside the time). Then Q8_0 end to end against llama.cpp's
# quantizer (llama_model_quantize of the oracle) at 2 threads, on a model
# shaped like the glm4moe-wide fixture at SIZE_MIB of F16.
#
# Whole commands are timed with GNU time: the best of REPS runs by elapsed
# seconds and, apart, by CPU seconds (user + sys; a shared machine disturbs
# these least). Ratios are the reference's seconds over gguf-mtp's: above 1,
# gguf-mtp is faster. For Q8_0, "identical" says whether the two files are;
# the one-tensor outputs are checked against ggml by the oracle tests.
# GGUF_MTP_BIN picks the gguf-mtp binary (another build, for a before/after).
#
#   scripts/bench-quantize-one.sh [TYPES] [REPS] [SIZE_MIB]
#   (defaults: every K and IQ type, 3, 1024; TYPES "" skips the table,
#    SIZE_MIB 0 skips Q8_0)
set -euo pipefail
cd "$(dirname "$0")/.."
types=${1-"Q2_K Q3_K Q4_K Q5_K Q6_K IQ1_S IQ1_M IQ2_XXS IQ2_XS IQ2_S IQ3_XXS IQ3_S IQ4_XS IQ4_NL"}
reps=${2:-3}
size=${3:-1024}
source scripts/bench-common.sh
scaled=build/bench/gguf-mtp-scaled-model
kernel=build/bench/gguf-mtp-oracle-kernel-time
oracle=build/bench/gguf-mtp-oracle-quantize
like=build/testdata/fixtures/glm4moe-wide-bundled.gguf
tensor=blk.0.ffn_up.weight
[ -x "$scaled" ] && [ -x "$kernel" ] && [ -x "$oracle" ] && [ -f "$like" ] || {
  echo "build first with the oracle: bash scripts/setup.sh (needs $kernel and $oracle)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/gguf-mtp-bench-quantize-one.XXXXXX")
trap 'rm -rf "$work"' EXIT

# timed CMD... : the best of $reps runs of CMD, by elapsed seconds in
# $wall and by user + sys seconds in $cpu (each the best on its own)
timed() {
  local out
  out=$(mktemp)
  wall=""; cpu=""
  for _ in $(seq "$reps"); do
    sync
    /usr/bin/time -f "%e %U %S" -o "$out" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; rm -f "$out"; exit 1; }
    read -r e u s <"$out"
    wall=$(awk -v a="$e" -v b="$wall" 'BEGIN { print (b == "" || a < b) ? a : b }')
    cpu=$(awk -v a="$u" -v s="$s" -v b="$cpu" 'BEGIN { c = a + s; print (b == "" || c < b) ? c : b }')
  done
  rm -f "$out"
}

# The preset whose base type (all that --pure writes) is TYPE. As in
# llama.cpp, preset IQ2_S writes IQ2_XS and IQ2_M writes IQ2_S.
preset_of() {
  case $1 in
    Q3_K) echo Q3_K_M ;; Q4_K) echo Q4_K_M ;; Q5_K) echo Q5_K_M ;; IQ2_S) echo IQ2_M ;;
    *) echo "$1" ;;
  esac
}

if [ -n "$types" ]; then
  "$scaled" "$like" "$work/one.gguf" 64 F32 --tensor "$tensor" --columns 4096 --imatrix "$work/one.imatrix" >/dev/null
  echo "one 4096x4096 F32 tensor with an imatrix, 1 thread, best of $reps"
  printf "%-8s %10s %10s %10s   %8s %8s\n" type "wall s" "cpu s" "ggml s" "wall x" "cpu x"
  for type in $types; do
    ggml_s=$("$kernel" "$work/one.gguf" "$tensor" "$type" "$work/one.imatrix" "$reps")
    timed "$bin" quantize --pure --force --imatrix "$work/one.imatrix" "$work/one.gguf" "$work/out.gguf" "$(preset_of "$type")" 1
    awk -v t="$type" -v w="$wall" -v c="$cpu" -v g="$ggml_s" \
      'BEGIN { printf "%-8s %10.3f %10.3f %10.3f   %7.2fx %7.2fx\n", t, w, c, g, g / w, g / c }'
    rm -f "$work/out.gguf" "$work/out.gguf.provenance.json"
  done
  rm -f "$work/one.gguf"
fi

if [ "$size" -gt 0 ]; then
  "$scaled" "$like" "$work/model.gguf" "$size" F16 --imatrix "$work/model.imatrix" >/dev/null
  echo "Q8_0, $size MiB F16 shaped like $(basename "$like"), 2 threads, best of $reps"
  printf "%-10s %10s %10s\n" "" "wall s" "cpu s"
  timed "$oracle" "$work/model.gguf" "$work/theirs.gguf" Q8_0 2 "$work/model.imatrix"
  theirs_wall=$wall theirs_cpu=$cpu
  printf "%-10s %10.3f %10.3f\n" llama.cpp "$theirs_wall" "$theirs_cpu"
  timed "$bin" quantize --force --imatrix "$work/model.imatrix" "$work/model.gguf" "$work/ours.gguf" Q8_0 2
  printf "%-10s %10.3f %10.3f\n" gguf-mtp "$wall" "$cpu"
  same=no
  cmp -s "$work/ours.gguf" "$work/theirs.gguf" && same=yes
  awk -v tw="$theirs_wall" -v tc="$theirs_cpu" -v w="$wall" -v c="$cpu" -v same="$same" \
    'BEGIN { printf "%-10s %9.2fx %9.2fx   identical: %s\n", "ratio", tw / w, tc / c, same }'
fi
