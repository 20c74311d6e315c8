#!/usr/bin/env bash
# Whole-command I/O benchmark: `info` on a model of 2,000 tensors, and split /
# join of a model of SIZE_MIB (default 2048) against `cp` of the same bytes,
# with peak RSS. Usage: scripts/bench-io.sh [SIZE_MIB] [WORK_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
size=${1:-2048}
work=${2:-$(mktemp -d)}
mkdir -p "$work"
trap 'rm -rf "$work"/bench-*' EXIT

"$synth" "$work/bench-many.gguf" 64 2000 >/dev/null
runs=20
start=$(date +%s.%N)
for _ in $(seq $runs); do "$bin" info "$work/bench-many.gguf" >/dev/null; done
end=$(date +%s.%N)
measure "$bin" info --json "$work/bench-many.gguf"
awk -v a="$start" -v b="$end" -v n=$runs -v r="$rss_kib" \
  'BEGIN { printf "%-28s %8.1f ms %10.1f MiB (2,000 tensors, mean of %d runs)\n", "info", (b - a) * 1000 / n, r / 1024, n }'

"$synth" "$work/bench-model.gguf" "$size" 2000 >/dev/null
echo "model: $(du -h "$work/bench-model.gguf" | cut -f1)"
cat "$work/bench-model.gguf" >/dev/null  # inputs come from the page cache for every command alike

best_of 3 "rm -f '$work'/bench-part-*" "$bin" split --split-max-size 500M "$work/bench-model.gguf" "$work/bench-part"
cp_reference "$work/bench-copy.gguf" "$work/bench-model.gguf"
row "split (500M shards)" "$seconds" "$rss_kib"
best_of 3 "rm -f '$work/bench-joined.gguf'" "$bin" join "$work/bench-part-00001-of-"*.gguf "$work/bench-joined.gguf"
cp_reference "$work/bench-copy.gguf" "$work/bench-model.gguf"
row "join" "$seconds" "$rss_kib"
cmp -s "$work/bench-joined.gguf" "$work/bench-model.gguf" && echo "join(split(X)) == X: yes" || { echo "join(split(X)) differs" >&2; exit 1; }
