#!/usr/bin/env bash
# Whole-command surgery benchmark on a synthetic bundled model of SIZE_MIB
# (default 3072): extract, strip and merge, each against `cp` of the bytes it
# writes, with peak RSS. Usage: scripts/bench-surgery.sh [SIZE_MIB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
size=${1:-3072}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work"/bench-*' EXIT

"$synth" "$work/bench-model.gguf" "$size" 4000 >/dev/null
echo "model: $(du -h "$work/bench-model.gguf" | cut -f1)"
cat "$work/bench-model.gguf" >/dev/null

best_of 3 "rm -f '$work/bench-trunk.gguf'" "$bin" strip "$work/bench-model.gguf" -o "$work/bench-trunk.gguf"
s_strip=$seconds; r_strip=$rss_kib
cp_reference "$work/bench-copy.gguf" "$work/bench-trunk.gguf"
row "strip" "$s_strip" "$r_strip"

best_of 3 "rm -f '$work/bench-head.gguf'" "$bin" extract "$work/bench-model.gguf" -o "$work/bench-head.gguf"
s_extract=$seconds; r_extract=$rss_kib
cp_reference "$work/bench-copy.gguf" "$work/bench-head.gguf"
row "extract" "$s_extract" "$r_extract"

best_of 3 "rm -f '$work/bench-merged.gguf'" "$bin" merge "$work/bench-trunk.gguf" "$work/bench-head.gguf" -o "$work/bench-merged.gguf"
s_merge=$seconds; r_merge=$rss_kib
cp_reference "$work/bench-copy.gguf" "$work/bench-merged.gguf"
row "merge" "$s_merge" "$r_merge"
cmp -s "$work/bench-merged.gguf" "$work/bench-model.gguf" && echo "merge(strip(X), extract(X)) == X: yes" \
  || { echo "merge(strip(X), extract(X)) differs" >&2; exit 1; }
