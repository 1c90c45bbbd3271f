#!/usr/bin/env bash
# Hashing throughput on a big generated context: FILES files totalling
# about MB megabytes (default 100000 files, 1024 MB), then `dockopt snapshot`
# timed twice (cold-ish and warm page cache).
#   bash bench/context-hash.sh [FILES] [MB]
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-100000}
MB=${2:-1024}
cargo build --release --quiet
BIN=$PWD/target/release/dockopt
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dockopt-ctx.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
python3 - "$DIR" "$FILES" "$MB" <<'PY'
import os, sys
root, n, mb = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
size = mb * 1024 * 1024 // n
block = os.urandom(1 << 20)
for i in range(n):
    d = os.path.join(root, f"d{i // 1000:03d}")
    if i % 1000 == 0:
        os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, f"f{i:06d}.bin"), "wb") as f:
        off = (i * 7919) % (len(block) - size) if size < len(block) else 0
        f.write(block[off:off + size])
with open(os.path.join(root, "Dockerfile"), "w") as f:
    f.write("FROM alpine:3.20\nCOPY . /data\n")
PY
bytes=$(du -sb "$DIR" | cut -f1)
for run in 1 2; do
    t0=$(date +%s%N)
    "$BIN" snapshot --context "$DIR" >/dev/null
    t1=$(date +%s%N)
    ms=$(( (t1 - t0) / 1000000 ))
    echo "run $run: $FILES files, $((bytes / 1048576)) MiB hashed in ${ms} ms = $(( bytes / 1048576 * 1000 / (ms > 0 ? ms : 1) )) MiB/s"
done
