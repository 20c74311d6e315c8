#!/usr/bin/env bash
# Whole-command surgery benchmark on a synthetic bundled model of SIZE_MIB
# (default 2048): strip, extract, merge, split (SHARD_SIZE shards, default
# 512M) and join, each against `cp` + `sync` of the bytes it writes, every
# run from a cold page cache (as root), with peak RSS. Each command and its
# reference alternate for RUNS rounds (default 3); the table gives the
# fastest run, the spread, and the ratio of the fastest runs.
# Usage: scripts/bench-surgery.sh [SIZE_MIB] [WORK_DIR] [SHARD_SIZE] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
size=${1:-2048}
work=${2:-$(mktemp -d)}
shard_size=${3:-512M}
runs=${4:-3}
mkdir -p "$work"
trap 'rm -rf "$work"/bench-*' EXIT

"$synth" "$work/bench-model.gguf" "$size" 4000 >/dev/null
echo "model: $(du -h "$work/bench-model.gguf" | cut -f1); filesystem: $(df -T "$work" | awk 'NR == 2 { print $2 }');" \
     "cold page cache: $cold_cache; load average: $(cut -d' ' -f1-3 /proc/loadavg)"

m=$work/bench-model.gguf
against_cp "$runs" "rm -f '$work/bench-trunk.gguf'" "$work/bench-trunk.gguf" \
  "$bin" strip "$m" -o "$work/bench-trunk.gguf"
against_cp_row strip
against_cp "$runs" "rm -f '$work/bench-head.gguf'" "$work/bench-head.gguf" \
  "$bin" extract "$m" -o "$work/bench-head.gguf"
against_cp_row extract
against_cp "$runs" "rm -f '$work/bench-merged.gguf'" "$work/bench-merged.gguf" \
  "$bin" merge "$work/bench-trunk.gguf" "$work/bench-head.gguf" -o "$work/bench-merged.gguf"
against_cp_row merge
cmp -s "$work/bench-merged.gguf" "$m" && echo "merge(strip(X), extract(X)) == X: yes" \
  || { echo "merge(strip(X), extract(X)) differs" >&2; exit 1; }
rm -f "$work/bench-merged.gguf" "$work/bench-trunk.gguf" "$work/bench-head.gguf"

against_cp "$runs" "rm -f '$work'/bench-part-*" "$work/bench-part-*.gguf" \
  "$bin" split --split-max-size "$shard_size" "$m" "$work/bench-part"
against_cp_row split
echo "split: $(find "$work" -name 'bench-part-*.gguf' | wc -l) shards of at most $shard_size"
against_cp "$runs" "rm -f '$work/bench-joined.gguf'" "$work/bench-joined.gguf" \
  "$bin" join "$work/bench-part-00001-of-"*.gguf "$work/bench-joined.gguf"
against_cp_row join
cmp -s "$work/bench-joined.gguf" "$m" && echo "join(split(X)) == X: yes" \
  || { echo "join(split(X)) differs" >&2; exit 1; }
