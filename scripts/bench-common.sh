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

# row NAME SECONDS RSS_KIB REFERENCE_SECONDS
row() {
  awk -v n="$1" -v s="$2" -v r="$3" -v ref="$4" \
    'BEGIN { printf "%-28s %8.2f s %10.1f MiB %8.2fx of cp\n", n, s, r / 1024, (ref > 0 ? s / ref : 0) }'
}

# cp_reference DEST SRC... : time of cp for the same bytes, in $ref_seconds
cp_reference() {
  local dest=$1; shift
  measure cp "$@" "$dest"
  ref_seconds=$seconds
  rm -rf "$dest"
}
