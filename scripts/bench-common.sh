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

# drop_cache: writes back and empties the page cache, so that the next run
# reads its input from the disk (needs root; otherwise the cache stays warm
# and cold_cache says so).
cold_cache=yes
[ -w /proc/sys/vm/drop_caches ] || cold_cache="no (not root): inputs come from the page cache"
# The programs themselves are read back in at once: a cold start of
# gguf-mtp (55 MB with its libraries) costs about 0.1 s, cp's almost
# nothing, and that is not how either copies.
drop_cache() {
  sync
  if [ "$cold_cache" = yes ]; then echo 3 >/proc/sys/vm/drop_caches; fi
  "$bin" --version >/dev/null
  cp --version >/dev/null
  sync --version >/dev/null
}

# against_cp N CLEANUP OUTPUTS CMD... : N rounds, each of CMD and then of
# cp + sync of the files it wrote (OUTPUTS, a glob), both from a cold page
# cache: the reference shares the machine's load of the moment. Sets
# $seconds / $worst (CMD's fastest and slowest run), $rss_kib (of the
# fastest) and $ref_sync_seconds / $ref_worst (the same for cp + sync).
against_cp() {
  local n=$1 cleanup=$2 outputs=$3 best="" slow="" best_rss=0 ref="" ref_slow="" copies
  shift 3
  copies=$(mktemp -d "$(dirname "${outputs%% *}")/bench-copies.XXXXXX")
  for _ in $(seq "$n"); do
    eval "$cleanup"
    drop_cache
    measure "$@"
    if [ -z "$best" ] || awk -v a="$seconds" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$seconds; best_rss=$rss_kib; fi
    if [ -z "$slow" ] || awk -v a="$seconds" -v b="$slow" 'BEGIN { exit !(a > b) }'; then slow=$seconds; fi
    rm -f "$copies"/*
    drop_cache
    # shellcheck disable=SC2086 # OUTPUTS is a glob
    measure sh -c 'dir=$1; shift; cp "$@" "$dir"/ && sync "$dir"/*' sh "$copies" $outputs
    if [ -z "$ref" ] || awk -v a="$seconds" -v b="$ref" 'BEGIN { exit !(a < b) }'; then ref=$seconds; fi
    if [ -z "$ref_slow" ] || awk -v a="$seconds" -v b="$ref_slow" 'BEGIN { exit !(a > b) }'; then ref_slow=$seconds; fi
  done
  rm -rf "$copies"
  seconds=$best; worst=$slow; rss_kib=$best_rss; ref_sync_seconds=$ref; ref_worst=$ref_slow
}

# against_cp_row NAME : the last against_cp's figures as a table row
against_cp_row() {
  awk -v n="$1" -v s="$seconds" -v w="$worst" -v r="$rss_kib" -v refs="$ref_sync_seconds" -v refw="$ref_worst" \
    'BEGIN { printf "%-8s %6.2f s (%5.2f-%5.2f) %7.1f MiB   cp+sync %6.2f s (%5.2f-%5.2f)   %5.2fx\n",
             n, s, s, w, r / 1024, refs, refs, refw, (refs > 0 ? s / refs : 0) }'
}

# row NAME SECONDS RSS_KIB : against the last cp_reference. gguf-mtp fsyncs
# every output before renaming it (a crash never leaves a torn file under
# the final name), so "cp + sync" is the like-for-like reference; plain cp
# leaves the data in the page cache.
row() {
  awk -v n="$1" -v s="$2" -v r="$3" -v ref="$ref_seconds" -v refs="$ref_sync_seconds" \
    'BEGIN { printf "%-22s %7.2f s %8.1f MiB   cp %6.2f s (%5.2fx)   cp+sync %6.2f s (%5.2fx)\n",
             n, s, r / 1024, ref, (ref > 0 ? s / ref : 0), refs, (refs > 0 ? s / refs : 0) }'
}

# cp_reference DEST SRC : the fastest of 3 runs of cp of the same bytes, in
# $ref_seconds, and of cp followed by sync of the copy, in $ref_sync_seconds
cp_reference() {
  local dest=$1 src=$2 s=$seconds r=$rss_kib
  best_of 3 "rm -f '$dest'" cp "$src" "$dest"
  ref_seconds=$seconds
  best_of 3 "rm -f '$dest'" sh -c "cp '$src' '$dest' && sync '$dest'"
  ref_sync_seconds=$seconds
  rm -f "$dest"
  seconds=$s; rss_kib=$r
}
