#!/usr/bin/env bash
# Wall time of `dockopt parse` and `dockopt graph` over every file of a
# corpus (default ../shared/corpus), release build, best of 5 runs.
#   bash bench/corpus-pipeline.sh [DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
DIR=${1:-../shared/corpus}
cargo build --release --quiet
BIN=target/release/dockopt
files=$(find "$DIR" -name Dockerfile | wc -l)
best() {
    local best=999999
    for _ in 1 2 3 4 5; do
        local t0 t1 ms
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        ms=$(( (t1 - t0) / 1000000 ))
        [ "$ms" -lt "$best" ] && best=$ms
    done
    echo "$best"
}
echo "files: $files ($DIR)"
echo "parse --format json: $(best "$BIN" parse --format json "$DIR") ms"
echo "graph --format json: $(best "$BIN" graph --format json "$DIR") ms"
