#!/usr/bin/env bash
# bench-setup.sh [--tests] [REPO]
#
# What a newcomer waits for: clones REPO (default: this checkout's committed
# HEAD) into a temporary folder, runs the README's first command there step
# by step (each '&&' part is one stage) and prints the wall time of each.
# With --tests it then runs the README's second command (what .ci/run runs)
# and times it too. The packages are expected to be installed already (run
# scripts/setup.sh once), so the figures are build and run time, not apt's.
# ccache is kept out, as on a fresh machine.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
with_tests=0
if [[ ${1:-} == --tests ]]; then with_tests=1; shift; fi
repo=${1:-$here}

die() { echo "bench-setup: $*" >&2; exit 1; }

# The README's two commands are its first two ```sh blocks.
readme_command() {
  awk -v want="$2" '/^```sh$/ { n++; inside = 1; next } /^```$/ { inside = 0; next }
                    inside && n == want { print }' "$1"
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export CCACHE_DISABLE=1
unset CMAKE_CXX_COMPILER_LAUNCHER

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%8.1f s", b - a }'; }

start=$(now)
git clone --quiet "$repo" "$work/clone" || die "git clone $repo failed"
echo "clone                 $(elapsed "$start" "$(now)")"

cd "$work/clone"
setup_command=$(readme_command README.md 1)
test_command=$(readme_command README.md 2)
[[ -n $setup_command && -n $test_command ]] || die "README.md has no two \`\`\`sh blocks"

# One stage per '&&' part of the first command, run in the clone's shell.
total_start=$(now)
log=$work/stage.log
while IFS= read -r stage; do
  stage=$(sed 's/^ *//; s/ *$//' <<<"$stage")
  [[ -n $stage ]] || continue
  stage_start=$(now)
  bash -c "$stage" >"$log" 2>&1 || { tail -20 "$log" >&2; die "stage failed: $stage"; }
  read -r program subcommand _ <<<"$stage"
  printf '%-21s %s\n' "$(cut -c1-21 <<<"${program##*/} $subcommand")" "$(elapsed "$stage_start" "$(now)")"
done < <(sed 's/ && /\n/g' <<<"$setup_command")
echo "README command 1      $(elapsed "$total_start" "$(now)")"

if [[ $with_tests == 1 ]]; then
  tests_start=$(now)
  bash -c "$test_command" >"$work/tests.log" 2>&1 || { tail -40 "$work/tests.log" >&2; die "test command failed"; }
  grep '^test: ' "$work/tests.log" | sed 's/^/  /' || true  # scripts/test.sh's own stage times
  echo "README command 2      $(elapsed "$tests_start" "$(now)")"
fi
