#!/usr/bin/env bash
# Peak RSS of every surgery command on a synthetic bundled model whose
# metadata is a real model's size (a gpt2 tokenizer of VOCAB tokens, default
# Qwen's 151,936, with merges; TENSORS tensors, default 1,850), against the
# 64 MiB that issue 19 sets for any metadata size. Tensor bytes do not move
# peak memory, so SIZE_MIB (default 5632) may be small where disk is short.
# Exit status 1 when a command is above the bound.
# Usage: scripts/bench-memory.sh [SIZE_MIB] [WORK_DIR] [VOCAB] [TENSORS]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/bench-common.sh
size=${1:-5632}
work=${2:-$(mktemp -d)}
vocab=${3:-151936}
tensors=${4:-1850}
bound_kib=$((64 * 1024))
mkdir -p "$work"
trap 'rm -rf "$work"/mem-*' EXIT

"$synth" "$work/mem-model.gguf" "$size" "$tensors" "$vocab" >/dev/null
echo "model: $(du -h "$work/mem-model.gguf" | cut -f1), $tensors tensors, $vocab tokens," \
     "header $("$bin" info --json "$work/mem-model.gguf" | sed -n 's/.*"data_offset": *\([0-9]*\).*/\1/p' | head -1) bytes"

over=0
# peak NAME CMD... : runs CMD once and prints its peak RSS against the bound
peak() {
  local name=$1; shift
  measure "$@"
  local verdict=ok
  [ "$rss_kib" -le "$bound_kib" ] || { verdict="OVER"; over=1; }
  awk -v n="$name" -v r="$rss_kib" -v s="$seconds" -v v="$verdict" \
    'BEGIN { printf "%-8s %8.1f MiB %7.2f s  %s\n", n, r / 1024, s, v }'
}

m=$work/mem-model.gguf
peak info "$bin" info "$m"
peak extract "$bin" extract --force "$m" -o "$work/mem-head.gguf"
peak strip "$bin" strip --force "$m" -o "$work/mem-trunk.gguf"
peak merge "$bin" merge --force "$work/mem-trunk.gguf" "$work/mem-head.gguf" -o "$work/mem-merged.gguf"
cmp -s "$work/mem-merged.gguf" "$m" || { echo "merge(strip(X), extract(X)) differs" >&2; exit 1; }
rm -f "$work/mem-merged.gguf"
peak split "$bin" split --force "$m" "$work/mem-split"
shards=("$work"/mem-split-*.gguf)
peak join "$bin" join --force "${shards[0]}" "$work/mem-joined.gguf"
cmp -s "$work/mem-joined.gguf" "$m" || { echo "join(split(X)) differs" >&2; exit 1; }
rm -f "$work/mem-joined.gguf" "$work"/mem-split-*
peak verify "$bin" verify "$m"
peak hash "$bin" hash "$m"
echo "bound: $((bound_kib / 1024)) MiB"
exit "$over"
