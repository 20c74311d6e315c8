#!/usr/bin/env bash
# End-to-end test of scripts/mtp-batch, and of the gguf-mtp batch-model it
# runs per model, over repos built from the fixtures, in
# sections that ctest runs side by side (tests/CMakeLists.txt):
#   direct      outputs and manifests of a first run, --dry-run; leaves that
#               run in REFERENCE_DIR for the sections marked (ref)
#   repair      (ref) a rerun that skips everything, repair of one deleted
#               and one corrupted output
#   foreign     an unlisted existing output; a run with fewer presets
#   concurrent  (ref) two runs at once give the direct run's manifests
#   emit-jobs   (ref) the --emit-jobs lines run through GNU parallel
#   slurm       (ref) the --emit-jobs lines run as a Slurm job array
#               (scripts/slurm/mtp-batch.sbatch) on a single-node cluster
#               of the test's own; a task cancelled mid-way, and the rerun
#               that finishes it; skipped (status 77) where no cluster runs
#   out         --out mirrors the repos and leaves them alone
#   failures    a manifest that cannot be written, a failing step, a run
#               ended by SIGTERM, a bad or ambiguous imatrix, an output
#               folder that cannot be made: each fails the run and leaves no
#               temporary and no output its manifest does not list
# Usage: mtp_batch_test.sh SECTION MTP_BATCH GGUF_MTP FIXTURES_DIR REFERENCE_DIR
set -euo pipefail
[ $# -eq 5 ] || { echo "usage: mtp_batch_test.sh SECTION MTP_BATCH GGUF_MTP FIXTURES_DIR REFERENCE_DIR" >&2; exit 2; }
section=$1
batch=$(readlink -f "$2") gguf_mtp=$(readlink -f "$3") fixtures=$(readlink -f "$4") reference=$5
export GGUF_MTP=$gguf_mtp
work=$(mktemp -d)
# shellcheck source=slurm_cluster.sh
. "$(dirname "${BASH_SOURCE[0]}")/slurm_cluster.sh"
# The cluster's daemons write into $work: stopped first (a no-op unless the
# slurm section started them).
trap 'slurm_cluster_stop; rm -rf "$work"' EXIT

failures=0
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@" >/dev/null; then echo "ok: $what"; else echo "FAIL: $what"; failures=$((failures + 1)); fi
}

# A legacy (.dat) imatrix with an entry for every 2-D weight of a model
# (but those whose name matches the regex $3, when given).
write_imatrix() {
  "$gguf_mtp" info --json "$1" |
    jq -r --arg skip "${3:-^$}" '.tensors[] | select((.shape | length) == 2 and (.name | endswith(".weight")) and (.name | test($skip) | not))
                                 | "\(.name) \(.shape[0])"' |
    perl -e 'my @e = map { chomp; [split / /] } <STDIN>;
             print pack("l<", scalar @e);
             for my $x (@e) { my ($n, $c) = @$x;
               print pack("l<", length $n), $n, pack("l<l<", 1, $c), pack("f<*", map { 1 + ($_ % 7) / 7 } 0 .. $c - 1); }
             print pack("l<", 1);' >"$2"
}

# Four repos: bundled models unsplit and split (in a subfolder), a repo
# without MTP models (a plain model, a trunk and a head), and a bundled model
# with an imatrix beside it.
make_repos() {
  local root=$1
  mkdir -p "$root/plain" "$root/split/Q8" "$root/nomtp" "$root/imat"
  cp "$fixtures/glm4moe-bundled.gguf" "$root/plain/"
  cp "$fixtures/llama-bundled.gguf" "$root/plain/"
  "$gguf_mtp" split --split-max-tensors 20 "$fixtures/qwen35moe-bundled.gguf" "$root/split/Q8/qwen35moe" >/dev/null 2>&1
  cp "$fixtures/llama-bundled.gguf" "$fixtures/qwen35moe-trunk.gguf" "$fixtures/qwen35moe-mtp.gguf" "$root/nomtp/"
  cp "$fixtures/glm4moe-wide-bundled.gguf" "$root/imat/"
  write_imatrix "$fixtures/glm4moe-wide-bundled.gguf" "$root/imat/glm4moe-wide.imatrix"
}

options=(--quant "Q8_0,Q4_0" --head-type Q8_0)
# Every file under a tree with inode and modification time, to see what a
# run touched.
snapshot() { (cd "$1" && find . -type f ! -name '*.lock' -printf '%p %i %T@ %s\n' | sort); }
# A manifest without its timings (and --force, which depends on history).
normalized() {
  jq -S 'del(.created, .seconds) | walk(if type == "object" then del(.modified_ns) else . end)
    | .commands |= map(del(.seconds) | .argv |= map(select(. != "--force")))' "$1"
}
manifests_equal() {
  local repo
  for repo in plain split imat; do
    [ "$(normalized "$1/$repo/gguf-mtp-manifest.json")" = "$(normalized "$2/$repo/gguf-mtp-manifest.json")" ] || {
      echo "manifests differ for $repo:" >&2
      diff <(normalized "$1/$repo/gguf-mtp-manifest.json") <(normalized "$2/$repo/gguf-mtp-manifest.json") >&2 || true
      return 1
    }
  done
}
manifests_verify() {
  local repo
  for repo in plain split imat; do
    "$gguf_mtp" verify --manifest "$1/$repo/gguf-mtp-manifest.json" >/dev/null || return 1
  done
}

expect_outputs() {
  local dir=$1 stem=$2 f
  for f in "mtp-$stem.gguf" "$stem-no-mtp.gguf" "$stem-no-mtp-Q8_0.gguf" "$stem-no-mtp-Q4_0.gguf" "mtp-$stem-Q8_0.gguf"; do
    [ -f "$dir/$f" ] || { echo "missing $dir/$f" >&2; return 1; }
  done
}
# The sections marked (ref) start from the direct section's run.
need_reference() {
  [ -f "$reference/plain/gguf-mtp-manifest.json" ] || { echo "no direct run in $reference: run the direct section first" >&2; exit 1; }
}

direct() {
  local root=$work/direct
  make_repos "$root"
  local split_shards
  split_shards=$(cd "$root/split/Q8" && ls)
  echo "split fixture:" $split_shards  # one line

  # --dry-run lists the commands and writes nothing.
  local before dry
  before=$(snapshot "$root")
  dry=$("$batch" "${options[@]}" --dry-run "$root")
  check "--dry-run writes nothing" test "$before" = "$(snapshot "$root")"
  check "--dry-run lists the quantize commands" grep -q "would run.*quantize.*--bundled-with mtp-glm4moe-bundled.gguf glm4moe-bundled-no-mtp.gguf glm4moe-bundled-no-mtp-Q4_0.gguf Q4_0" <<<"$dry"

  check "first run succeeds" "$batch" "${options[@]}" "$root"
  check "every manifest verifies" manifests_verify "$root"
  check "outputs of the unsplit model" expect_outputs "$root/plain" glm4moe-bundled
  check "outputs of the split model beside its shards" expect_outputs "$root/split/Q8" qwen35moe
  check "outputs of the model with an imatrix" expect_outputs "$root/imat" glm4moe-wide-bundled
  check "nothing written for models without MTP" test "$(cd "$root/nomtp" && ls -A)" = "$(printf '%s\n' llama-bundled.gguf qwen35moe-mtp.gguf qwen35moe-trunk.gguf)"
  check "no output for the model without MTP beside a bundled one" test ! -e "$root/plain/mtp-llama-bundled.gguf"
  # extract and strip reproduce what convert writes (the fixtures' layouts).
  check "head equals convert --mtp" cmp -s "$root/plain/mtp-glm4moe-bundled.gguf" "$fixtures/glm4moe-mtp.gguf"
  check "trunk equals convert --no-mtp" cmp -s "$root/plain/glm4moe-bundled-no-mtp.gguf" "$fixtures/glm4moe-trunk.gguf"
  check "head of the split model equals convert --mtp" cmp -s "$root/split/Q8/mtp-qwen35moe.gguf" "$fixtures/qwen35moe-mtp.gguf"
  check "trunk of the split model equals convert --no-mtp" cmp -s "$root/split/Q8/qwen35moe-no-mtp.gguf" "$fixtures/qwen35moe-trunk.gguf"
  # The quantized halves are, byte for byte, the halves of the bundled quant.
  local t
  for t in Q8_0 Q4_0; do
    "$gguf_mtp" quantize "$fixtures/glm4moe-bundled.gguf" "$work/bundled-$t.gguf" $t 2>/dev/null
    "$gguf_mtp" extract -o "$work/mtp-bundled-$t.gguf" "$work/bundled-$t.gguf" 2>/dev/null
    "$gguf_mtp" strip -o "$work/bundled-$t-no-mtp.gguf" "$work/bundled-$t.gguf" 2>/dev/null
    check "$t trunk equals the bundled $t quant stripped" cmp "$root/plain/glm4moe-bundled-no-mtp-$t.gguf" "$work/bundled-$t-no-mtp.gguf"
  done
  check "Q8_0 head equals the bundled Q8_0 quant's head" cmp "$root/plain/mtp-glm4moe-bundled-Q8_0.gguf" "$work/mtp-bundled-Q8_0.gguf"

  local m=$root/imat/gguf-mtp-manifest.json
  check "imatrix found beside the model is used" jq -e '[.commands[].argv | select(index("quantize"))] | length == 3 and all(index("--imatrix") and index("glm4moe-wide.imatrix"))' "$m"
  check "imatrix listed among the inputs" jq -e '.inputs | map(.path) | index("glm4moe-wide.imatrix")' "$m"
  check "quantized trunk records its imatrix" bash -c "'$gguf_mtp' info --json '$root/imat/glm4moe-wide-bundled-no-mtp-Q4_0.gguf' | jq -e '.metadata | map(.key) | index(\"quantize.imatrix.file\")' >/dev/null"
  m=$root/split/gguf-mtp-manifest.json
  check "split manifest: outputs, commands, inputs" jq -e --arg n "$(wc -w <<<"$split_shards")" '
    .schema == "gguf-mtp-manifest/1" and (.outputs | length) == 5 and (.commands | length) == 5
    and ([.outputs[].command] == [0,1,2,3,4]) and (.inputs | length) == ($n | tonumber)
    and (.outputs | map(.path) == ["Q8/mtp-qwen35moe.gguf", "Q8/qwen35moe-no-mtp.gguf", "Q8/qwen35moe-no-mtp-Q8_0.gguf",
                                   "Q8/qwen35moe-no-mtp-Q4_0.gguf", "Q8/mtp-qwen35moe-Q8_0.gguf"])
    and all(.commands[]; .exit_status == 0 and (.seconds | type) == "number")
    and (.gguf_mtp_version | startswith("gguf-mtp "))
    and .models[0].source == "Q8/qwen35moe-00001-of-\(.inputs | length | tostring | ("0000" + .)[-5:]).gguf"' "$m"
  check "commands run from the manifest folder with relative paths" jq -e \
    '.commands[0].argv[1:] == ["extract", "-o", "Q8/mtp-qwen35moe.gguf", "Q8/qwen35moe-00001-of-\(.inputs | length | tostring | ("0000" + .)[-5:]).gguf"]' "$m"
  check "only bundled models are recorded" jq -e '[.models[] | {source, layout, status}] == [{source: "glm4moe-bundled.gguf", layout: "bundled", status: "done"}]' "$root/plain/gguf-mtp-manifest.json"

  # Kept for the (ref) sections only when every check passed.
  if [ "$failures" -eq 0 ]; then
    rm -rf "$reference" && mkdir -p "$(dirname "$reference")" && cp -a "$root" "$reference.tmp" && mv "$reference.tmp" "$reference"
  fi
}

repair() {
  need_reference
  local root=$work/direct
  cp -a "$reference" "$root"
  # A rerun verifies everything and touches nothing, manifests included.
  local before rerun changed
  before=$(snapshot "$root")
  rerun=$("$batch" "${options[@]}" "$root")
  check "rerun touches nothing" test "$before" = "$(snapshot "$root")"
  check "rerun says it skipped all 15 outputs" test "$(grep -c 'verified, skipped' <<<"$rerun")" = 15

  # Delete one output and corrupt another: a rerun redoes exactly those two.
  cp "$root/plain/gguf-mtp-manifest.json" "$work/plain-manifest.json"
  rm "$root/plain/glm4moe-bundled-no-mtp-Q4_0.gguf"
  printf 'X' | dd of="$root/split/Q8/mtp-qwen35moe.gguf" bs=1 seek=100 conv=notrunc status=none
  check "verify --manifest sees the damage" bash -c "! '$gguf_mtp' verify --manifest '$root/plain/gguf-mtp-manifest.json' >/dev/null"
  before=$(snapshot "$root")
  check "repair run succeeds" "$batch" "${options[@]}" "$root"
  # (A manifest changes too, unless the redone command took the same time.)
  changed=$({ diff <(echo "$before") <(snapshot "$root") || true; } | grep '^>' | cut -d' ' -f2 | grep -v manifest.json | sort)
  echo "repair changed: $changed"
  check "repair redid exactly the two outputs (and the quantized one's provenance record)" test "$changed" = "$(printf '%s\n' \
    ./plain/glm4moe-bundled-no-mtp-Q4_0.gguf ./plain/glm4moe-bundled-no-mtp-Q4_0.gguf.provenance.json ./split/Q8/mtp-qwen35moe.gguf)"
  check "repair left the manifests as they were, timings aside" diff <(normalized "$work/plain-manifest.json") <(normalized "$root/plain/gguf-mtp-manifest.json")
  check "repaired outputs verify" manifests_verify "$root"
  check "repaired head equals the original" cmp -s "$root/split/Q8/mtp-qwen35moe.gguf" "$fixtures/qwen35moe-mtp.gguf"

  # A changed imatrix remakes the outputs; each quantize copies from the
  # output it replaces what that output proves unchanged (quantize --reuse),
  # and the outputs equal a fresh run's with the new imatrix.
  write_imatrix "$fixtures/glm4moe-wide-bundled.gguf" "$root/imat/glm4moe-wide.imatrix" '^blk[.]1[.]'
  mkdir -p "$work/fresh/imat"
  cp "$root/imat/glm4moe-wide-bundled.gguf" "$root/imat/glm4moe-wide.imatrix" "$work/fresh/imat/"
  check "the run with the changed imatrix succeeds" "$batch" "${options[@]}" "$root"
  check "its quantize steps reuse the outputs they replace" jq -e \
    '[.commands[].argv | select(index("quantize"))] | length == 3 and all(index("--reuse"))' "$root/imat/gguf-mtp-manifest.json"
  check "a fresh run with the changed imatrix" "$batch" "${options[@]}" "$work/fresh"
  check "the remade outputs equal the fresh run's" same_files "$work/fresh/imat" "$root/imat"

  # A model replaced by another of the same size (its last data byte
  # changed) is a changed input: its outputs are remade, not kept.
  local model=$root/plain/glm4moe-bundled.gguf last
  last=$(( $(stat -c %s "$model") - 1 ))
  printf '\x5a' | dd of="$model" bs=1 seek="$last" conv=notrunc status=none
  rerun=$("$batch" "${options[@]}" "$root")
  check "a same-size replaced model is remade, not skipped" test "$(grep -c 'verified, skipped' <<<"$rerun")" -lt 15
  check "the remade outputs verify" manifests_verify "$root"
}

foreign() {
  # An existing file the manifest does not list is not replaced.
  local root_foreign=$work/foreign
  mkdir -p "$root_foreign/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$root_foreign/r/"
  echo "someone else's head" >"$root_foreign/r/mtp-glm4moe-bundled.gguf"
  check "an unlisted existing output fails the model" bash -c "! '$batch' '$root_foreign' 2>/dev/null"
  check "the unlisted file is left as it was" grep -q "someone else's head" "$root_foreign/r/mtp-glm4moe-bundled.gguf"

  # A run with fewer presets keeps the other outputs listed.
  mkdir -p "$work/subset/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$work/subset/r/"
  "$batch" "${options[@]}" "$work/subset" >/dev/null
  "$batch" --quant Q4_0 "$work/subset" >/dev/null
  check "a run with fewer presets keeps every output listed" jq -e '.outputs | length == 5' "$work/subset/r/gguf-mtp-manifest.json"
  check "and they all still verify" "$gguf_mtp" verify --manifest "$work/subset/r/gguf-mtp-manifest.json"
}

concurrent() {
  need_reference
  # Two runs at once (one with --jobs 2) give the direct run's manifests.
  local root2=$work/concurrent a b status_a=0 status_b=0
  make_repos "$root2"
  "$batch" "${options[@]}" "$root2" >"$work/run-a.log" 2>&1 & a=$!
  "$batch" "${options[@]}" --jobs 2 "$root2" >"$work/run-b.log" 2>&1 & b=$!
  wait "$a" || status_a=$?
  wait "$b" || status_b=$?
  check "two concurrent runs both succeed" test "$status_a$status_b" = 00
  check "concurrent runs give correct outputs" manifests_verify "$root2"
  check "concurrent runs give the direct run's manifests" manifests_equal "$reference" "$root2"
  check "each output was made once" test "$(cat "$work/run-a.log" "$work/run-b.log" | grep -c 'verified, skipped')" = 15
}

emit_jobs() {
  need_reference
  # --emit-jobs through GNU parallel gives the same manifests.
  local root3=$work/parallel
  make_repos "$root3"
  "$batch" "${options[@]}" --emit-jobs "$root3" >"$work/jobs.txt"
  check "one job line per model" test "$(wc -l <"$work/jobs.txt")" = 7
  check "GNU parallel runs the job lines" parallel --will-cite --halt now,fail=1 -j2 <"$work/jobs.txt" >/dev/null
  check "parallel run's manifests equal the direct run's" manifests_equal "$reference" "$root3"
}

# The job array of the --emit-jobs lines in JOBS_FILE, submitted with the
# project's sbatch script; prints its job id. The script asks for 16 CPUs,
# more than a test node may have, and logs into the current folder: both
# overridden, as users may.
submit_array() {
  local id
  id=$(sl sbatch --parsable --array="1-$(wc -l <"$1")" --cpus-per-task=1 --time=10 --chdir="$work" \
    --output="$work/slurm-logs/%A_%a.log" "$(dirname "$batch")/slurm/mtp-batch.sbatch" "$1") || return 1
  echo "${id%%;*}"
}
# Waits (2 minutes at most; it takes seconds) until no task of job $1 is
# pending or running.
wait_array() {
  local deadline=$((SECONDS + 120)) queued
  while [ "$SECONDS" -lt "$deadline" ]; do
    queued=$(sl squeue -h -r -j "$1" -t PD,CF,R,CG,S -o %i) || return 1
    [ -n "$queued" ] || return 0
    sleep 0.5
  done
  echo "job $1 still queued or running after 2 minutes: $queued" >&2
  return 1
}
# "TASK STATE EXIT_CODE" for each task of array job $1, by task.
task_states() {
  sl scontrol -o show job "$1" |
    awk '{ delete f; for (i = 1; i <= NF; i++) { k = $i; sub(/=.*/, "", k); f[k] = substr($i, length(k) + 2) }
           print f["ArrayTaskId"], f["JobState"], f["ExitCode"] }' | sort -n
}
# Every task of job $1 but those listed after it ended COMPLETED with status
# 0; a failed task's log is shown.
tasks_completed() {
  local job=$1 states; shift
  states=$(task_states "$job")
  local task state code bad=0
  while read -r task state code; do
    [[ " $* " == *" $task "* ]] && continue
    [ "$state $code" = "COMPLETED 0:0" ] && continue
    echo "task $task: $state $code; its log:" >&2
    cat "$work/slurm-logs/${job}_$task.log" >&2 || true
    bad=1
  done <<<"$states"
  [ -n "$states" ] && [ "$bad" = 0 ]
}
task_state() { task_states "$1" | awk -v t="$2" '$1 == t { print $2 }'; }
# Both trees hold the same files with the same bytes; manifests (compared
# normalized by manifests_equal) and lock files aside.
# Provenance records hold timings: they must match but for those.
same_files() {
  diff -r --exclude='.*.lock' --exclude=gguf-mtp-manifest.json --exclude='*.provenance.json' "$1" "$2" >&2 || return 1
  local record
  while IFS= read -r record; do
    [ -f "$2/$record" ] || { echo "missing: $2/$record" >&2; return 1; }
    diff <(jq -S 'del(.tensors[].seconds)' "$1/$record") <(jq -S 'del(.tensors[].seconds)' "$2/$record") >&2 || return 1
  done < <(cd "$1" && find . -name '*.provenance.json')
}

slurm_arrays() {
  local why
  if why=$(slurm_cluster_unavailable); then echo "SKIP: $why"; exit 77; fi
  need_reference
  # munged wants its socket's every parent folder reachable by all.
  chmod 711 "$work"
  slurm_cluster_start "$work/cluster" || { echo "SKIP: Slurm cannot run here: $slurm_why"; exit 77; }
  echo "slurm: node $slurm_node idle ($(sl sinfo -h -o '%c CPUs, %m MB'))"
  mkdir -p "$work/slurm-logs"

  # The array job gives the direct run's manifests and outputs.
  local root=$work/slurm job
  make_repos "$root"
  "$batch" "${options[@]}" --emit-jobs "$root" >"$work/slurm-jobs.txt"
  check "one job line per model" test "$(wc -l <"$work/slurm-jobs.txt")" = 7
  job=$(submit_array "$work/slurm-jobs.txt") || { echo "FAIL: sbatch refuses the array job"; exit 1; }
  check "the array job ends" wait_array "$job"
  check "its seven tasks complete" tasks_completed "$job"
  check "array job's manifests equal the direct run's" manifests_equal "$reference" "$root"
  check "array job's outputs equal the direct run's" same_files "$reference" "$root"

  # A task cancelled mid-way. The plain repo's manifest lock is held here,
  # so that its bundled model's task makes its five outputs and then waits
  # to record them: the window where they lie under their final names and
  # no manifest lists them yet, there until the test lets go.
  root=$work/slurm-cancel
  make_repos "$root"
  "$batch" "${options[@]}" --emit-jobs "$root" >"$work/slurm-cancel-jobs.txt"
  local task hold deadline
  task=$(grep -n '/plain/glm4moe-bundled\.gguf$' "$work/slurm-cancel-jobs.txt" | cut -d: -f1)
  exec {hold}>"$root/plain/.gguf-mtp-manifest.lock"
  flock "$hold"
  job=$(submit_array "$work/slurm-cancel-jobs.txt") || { echo "FAIL: sbatch refuses the array job"; exit 1; }
  deadline=$((SECONDS + 120))
  while [ "$SECONDS" -lt "$deadline" ]; do
    expect_outputs "$root/plain" glm4moe-bundled 2>/dev/null && [ "$(task_state "$job" "$task")" = RUNNING ] && break
    sleep 0.5
  done
  check "the task waits to record its outputs" expect_outputs "$root/plain" glm4moe-bundled
  sl scancel "${job}_$task"
  check "the cancelled array job ends" wait_array "$job"
  exec {hold}>&-
  check "the task was cancelled" test "$(task_state "$job" "$task")" = CANCELLED
  check "the cancelled task took back its five outputs" \
    grep -q "stopped by SIGTERM; removed the 5 output(s) it made" "$work/slurm-logs/${job}_$task.log"
  check "the other tasks complete" tasks_completed "$job" "$task"
  check "the cancelled task leaves nothing under a final name" \
    test "$(cd "$root/plain" && ls)" = "$(printf '%s\n' glm4moe-bundled.gguf llama-bundled.gguf)"
  check "the cancelled task leaves no temporary" no_partial "$root"
  job=$(submit_array "$work/slurm-cancel-jobs.txt") || { echo "FAIL: sbatch refuses the rerun"; exit 1; }
  check "the rerun ends" wait_array "$job"
  check "the rerun's tasks complete" tasks_completed "$job"
  check "after the rerun, manifests equal the direct run's" manifests_equal "$reference" "$root"
  check "after the rerun, outputs equal the direct run's" same_files "$reference" "$root"
}

out() {
  # --out mirrors the repos elsewhere and leaves them alone.
  local root4=$work/mirrored before
  make_repos "$root4"
  before=$(snapshot "$root4")
  check "--out run succeeds" "$batch" "${options[@]}" --out "$work/out" "$root4"
  check "--out leaves the repos untouched" test "$before" = "$(snapshot "$root4")"
  check "--out mirrors the repo folders" expect_outputs "$work/out/split/Q8" qwen35moe
  check "--out manifests verify" manifests_verify "$work/out"
  check "--out commands read the models in place" jq -e '.commands[0].argv[-1] == "../../mirrored/plain/glm4moe-bundled.gguf"' "$work/out/plain/gguf-mtp-manifest.json"
}

# Files under DIR that its manifest does not list, models and imatrices
# aside: what a failed run must not leave behind.
unlisted_outputs() {
  local dir=$1 listed=""
  [ ! -f "$dir/gguf-mtp-manifest.json" ] || listed=$(jq -r '.outputs[].path' "$dir/gguf-mtp-manifest.json")
  # A provenance record stands for the output it describes.
  (cd "$dir" && find . -type f ! -name '.*' ! -name gguf-mtp-manifest.json ! -name '*bundled.gguf' ! -name '*.imatrix' -printf '%P\n') |
    sed 's/\.provenance\.json$//' | sort -u | comm -23 - <(sort <<<"$listed")
}
no_partial() { test -z "$(find "$1" -name '*.partial')"; }

failures() {
  local root jobs before

  # A manifest that cannot be written (a directory under its name, which
  # stops root too): the run fails, no temporary remains, and the outputs
  # it made are taken back, since no manifest lists them. Two models, so
  # that with --jobs 2 two runs fail at once.
  for jobs in 1 2; do
    root=$work/manifest$jobs
    mkdir -p "$root/r/gguf-mtp-manifest.json"
    cp "$fixtures/glm4moe-bundled.gguf" "$fixtures/deepseek2-bundled.gguf" "$root/r/"
    check "--jobs $jobs: a manifest that cannot be written fails the run" \
      bash -c "! '$batch' --jobs $jobs '$root' 2>'$work/manifest$jobs.err'"
    check "--jobs $jobs: the error names the manifest" grep -q "^gguf-mtp: error: $root/r/gguf-mtp-manifest.json: .*Is a directory" "$work/manifest$jobs.err"
    check "--jobs $jobs: no temporary file is left" no_partial "$root"
    check "--jobs $jobs: what was under the manifest's name is left as it was" test -d "$root/r/gguf-mtp-manifest.json"
    check "--jobs $jobs: the outputs no manifest lists are taken back" \
      test "$(ls "$root/r" | LC_ALL=C sort)" = "$(printf '%s\n' deepseek2-bundled.gguf gguf-mtp-manifest.json glm4moe-bundled.gguf)"
    rmdir "$root/r/gguf-mtp-manifest.json"
    check "--jobs $jobs: a rerun needs no --force" "$batch" --jobs "$jobs" "$root"
    check "--jobs $jobs: the rerun's manifest verifies" "$gguf_mtp" verify --manifest "$root/r/gguf-mtp-manifest.json"
  done

  # A step whose gguf-mtp fails after others succeeded (a NaN in the trunk's
  # weights, which only quantize refuses): the run fails, shows why, and
  # records what it made, the model marked failed.
  root=$work/nan
  mkdir -p "$root/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$root/r/nan-bundled.gguf"
  local at
  at=$("$gguf_mtp" info --json "$root/r/nan-bundled.gguf" | jq '.tensors[] | select(.name == "blk.0.ffn_down.weight") | .offset')
  printf '\xff\x7f' | dd of="$root/r/nan-bundled.gguf" bs=1 seek="$at" conv=notrunc status=none
  check "a failing step fails the run" bash -c "! '$batch' ${options[*]} '$root' 2>'$work/nan.err'"
  check "the failing command's own message is shown" grep -q "^gguf-mtp: error: .*holds NaN" "$work/nan.err"
  check "the run says which output was not made" grep -q "^gguf-mtp: error: $root/r/nan-bundled-no-mtp-Q8_0.gguf: not made: gguf-mtp quantize exited with status 1" "$work/nan.err"
  check "a failing step leaves no temporary file" no_partial "$root"
  check "a failing step leaves no output the manifest does not list" test -z "$(unlisted_outputs "$root/r")"
  check "the outputs made before the failing step are listed" \
    jq -e '(.outputs | map(.path)) == ["mtp-nan-bundled.gguf", "nan-bundled-no-mtp.gguf"] and .models[0].status == "failed"' "$root/r/gguf-mtp-manifest.json"
  check "and they verify" "$gguf_mtp" verify --manifest "$root/r/gguf-mtp-manifest.json"
  check "a rerun keeps them and fails at the same step" \
    bash -c "'$batch' ${options[*]} '$root' 2>/dev/null | grep -c 'verified, skipped' | grep -qx 2"

  # SIGTERM (kill, Slurm's scancel) while a --job waits to record its
  # outputs, the manifest's lock held here: it takes them back, since no
  # manifest lists them and the next run would refuse to replace them, and
  # ends with the status of a process that SIGTERM ended. (Mid-step: the
  # fault tests, BatchModelTermination; under Slurm: section slurm.)
  root=$work/terminated
  mkdir -p "$root/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$root/r/"
  local hold pid status=0 i
  exec {hold}>"$root/r/.gguf-mtp-manifest.lock"
  flock "$hold"
  "$batch" "${options[@]}" --job "$root/r" "$root/r/glm4moe-bundled.gguf" >/dev/null 2>"$work/terminated.err" &
  pid=$!
  for i in $(seq 1 300); do
    expect_outputs "$root/r" glm4moe-bundled 2>/dev/null && break
    sleep 0.1
  done
  kill -TERM "$pid"
  wait "$pid" || status=$?
  exec {hold}>&-
  check "SIGTERM ends a run waiting for the manifest's lock as SIGTERM does" test "$status" = 143
  check "the run says it removed the five outputs it made" grep -q "stopped by SIGTERM; removed the 5 output(s) it made" "$work/terminated.err"
  check "a terminated run leaves no output the manifest does not list" test -z "$(unlisted_outputs "$root/r")"
  check "a terminated run leaves no temporary" no_partial "$root"
  check "the rerun makes them all" "$batch" "${options[@]}" "$root"
  check "and they verify" "$gguf_mtp" verify --manifest "$root/r/gguf-mtp-manifest.json"

  # An imatrix beside the model that is none: quantize refuses it.
  root=$work/bad-imatrix
  mkdir -p "$root/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$root/r/"
  echo "not an importance matrix" >"$root/r/glm4moe.imatrix"
  check "an unreadable imatrix fails the run" bash -c "! '$batch' ${options[*]} '$root' 2>'$work/bad-imatrix.err'"
  check "the imatrix is named" grep -q "glm4moe.imatrix" "$work/bad-imatrix.err"
  check "an unreadable imatrix leaves no temporary file" no_partial "$root"
  check "an unreadable imatrix leaves no output the manifest does not list" test -z "$(unlisted_outputs "$root/r")"

  # Several imatrix candidates: refused before anything is written.
  root=$work/two-imatrices
  mkdir -p "$root/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$root/r/"
  touch "$root/r/a.imatrix" "$root/r/b.dat"
  before=$(snapshot "$root")
  check "several imatrix files fail the run" bash -c "! '$batch' ${options[*]} '$root' 2>'$work/two-imatrices.err'"
  check "and name the candidates" grep -q "several imatrix files (a.imatrix b.dat)" "$work/two-imatrices.err"
  check "several imatrix files write nothing" test "$before" = "$(snapshot "$root")"

  # An output folder that cannot be made (--out names a file).
  root=$work/out-is-a-file
  mkdir -p "$root/r"
  cp "$fixtures/glm4moe-bundled.gguf" "$root/r/"
  echo "a file" >"$work/not-a-folder"
  before=$(snapshot "$root")
  check "an --out that is a file fails the run" bash -c "! '$batch' --out '$work/not-a-folder' '$root' 2>'$work/out-file.err'"
  check "the folder that cannot be made is named" grep -q "^gguf-mtp: error: $work/not-a-folder/r: cannot create the folder" "$work/out-file.err"
  check "the file is left as it was" grep -qx "a file" "$work/not-a-folder"
  check "an --out that is a file writes nothing in the repos" test "$before" = "$(snapshot "$root")"
}

case $section in
  direct | repair | foreign | concurrent | out | failures) "$section" ;;
  emit-jobs) emit_jobs ;;
  slurm) slurm_arrays ;;
  *) echo "mtp_batch_test.sh: unknown section '$section'" >&2; exit 2 ;;
esac

if [ "$failures" -gt 0 ]; then echo "$failures check(s) failed"; exit 1; fi
echo "all checks passed"
