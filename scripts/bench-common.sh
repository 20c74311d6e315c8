# Shared by the whole-command benchmarks: timing and peak memory of one
# command, measured with GNU time, printed as a table row beside a reference.
# shellcheck shell=bash

bin=${GGUF_MTP_BIN:-build/apps/gguf-mtp/gguf-mtp}
synth=${GGUF_MTP_SYNTHETIC:-build/bench/gguf-mtp-synthetic}
[ -x "$bin" ] && [ -x "$synth" ] || { echo "build first: cmake --build build" >&2; exit 1; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 1; }

# measure LABEL CMD... : runs CMD, sets $seconds and $rss_kib
measure() {
  local out
  out=$(mktemp)
  sync
  /usr/bin/time -f "%e %M" -o "$out" "$@" >/dev/null 2>&1 || { echo "failed: $*" >&2; rm -f "$out"; exit 1; }
  read -r seconds rss_kib <"$out"
  rm -f "$out"
}

# best_of N CLEANUP CMD... : the fastest of N runs (cleanup between runs),
# with the peak RSS of that run, in $seconds and $rss_kib
best_of() {
  local n=$1 cleanup=$2 best="" best_rss=0; shift 2
  for _ in $(seq "$n"); do
    eval "$cleanup"
    measure "$@"
    if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$seconds; best_rss=$rss_kib; fi
  done
  seconds=$best; rss_kib=$best_rss
}

# row NAME SECONDS RSS_KIB REFERENCE_SECONDS
row() {
  awk -v n="$1" -v s="$2" -v r="$3" -v ref="$4" \
    'BEGIN { printf "%-28s %8.2f s %10.1f MiB %8.2fx of cp\n", n, s, r / 1024, (ref > 0 ? s / ref : 0) }'
}

# cp_reference DEST SRC : the fastest of 3 cp runs of the same bytes, in $ref_seconds
cp_reference() {
  local dest=$1 src=$2 s=$seconds r=$rss_kib
  best_of 3 "rm -f '$dest'" cp "$src" "$dest"
  ref_seconds=$seconds
  rm -f "$dest"
  seconds=$s; rss_kib=$r
}
