#!/usr/bin/env bash
# quantize --reuse after a one-tensor change, against a fresh quantize of
# the same changed model, in the same run: a model shaped like the
# glm4moe-wide fixture scaled to SIZE_MIB of F16 with an imatrix; quantize it
# to PRESET; change one element of TENSOR; quantize again with --reuse of the
# first output and without. Prints both times, the ratio, how many tensors
# were reused and whether the two outputs are identical (they must be).
#
#   scripts/bench-reuse.sh [SIZE_MIB] [PRESET] [TENSOR] [THREADS]
#   (defaults: 3072 Q4_K_M blk.1.ffn_down_exps.weight all threads)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-3072}
preset=${2:-Q4_K_M}
tensor=${3:-blk.1.ffn_down_exps.weight}
threads=${4:-$(nproc)}
source scripts/bench-common.sh
scaled=build/bench/gguf-mtp-scaled-model
like=build/testdata/fixtures/glm4moe-wide-bundled.gguf
command -v jq >/dev/null || { echo "needs jq (apt-get install jq)" >&2; exit 1; }
[ -x "$scaled" ] && [ -f "$like" ] || { echo "build first: cmake --build build" >&2; exit 1; }

seconds=0; rss_kib=0
work=$(mktemp -d "${TMPDIR:-/tmp}/gguf-mtp-bench-reuse.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$scaled" "$like" "$work/model.gguf" "$size" F16 --imatrix "$work/model.imatrix" >/dev/null
measure "$bin" quantize --imatrix "$work/model.imatrix" "$work/model.gguf" "$work/first.gguf" "$preset" "$threads"
first_s=$seconds

offset=$("$bin" info --json "$work/model.gguf" | jq -e --arg t "$tensor" '.tensors[] | select(.name == $t) | .offset') ||
  { echo "no tensor $tensor in the model" >&2; exit 1; }
# Flip a low bit of the tensor's first F16 element: a new, still finite value.
byte=$(od -An -tu1 -j $((offset + 1)) -N1 "$work/model.gguf" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 1)))" | dd of="$work/model.gguf" bs=1 seek=$((offset + 1)) conv=notrunc status=none

measure "$bin" quantize --imatrix "$work/model.imatrix" "$work/model.gguf" "$work/fresh.gguf" "$preset" "$threads"
fresh_s=$seconds fresh_rss=$rss_kib
sync
start=$(date +%s.%N)
report=$("$bin" quantize --json --imatrix "$work/model.imatrix" --reuse "$work/first.gguf" "$work/model.gguf" "$work/reused.gguf" "$preset" "$threads" 2>/dev/null)
reuse_s=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
same=no
cmp -s "$work/fresh.gguf" "$work/reused.gguf" && same=yes
echo "model: $size MiB F16 shaped like $(basename "$like"), $preset, $threads threads; first quantize ${first_s}s"
echo "changed: one element of $tensor"
jq -r --arg f "$fresh_s" --arg r "$reuse_s" --arg same "$same" \
  '"fresh \($f) s, --reuse \($r) s (\((($f | tonumber) / ($r | tonumber)) * 100 | round / 100)x faster); reused \(.reuse.reused) of \(.reuse.quantized) quantized tensors, recorded as \(.reuse.seconds_saved * 100 | round / 100) s of work; identical: \($same)"' <<<"$report"
