#!/usr/bin/env bash
# Scale: check, fix and simulate on generated Dockerfiles of 1k, 10k and
# 100k instructions (and a ~50 MB file), wall and CPU time and max RSS from
# /usr/bin/time -v. Goal (issue 16): linear, 100k instructions < 2 s, < 500 MB.
# CPU (user+sys) is the figure to compare on a shared machine: wall time
# grows with the load.
#   bash bench/scale.sh [SIZES...]          # default: 10000 20000 50000 100000
#   KIND=distinct-env bash bench/scale.sh   # every ENV sets a new variable
#   KIND=stage-chain bash bench/scale.sh    # a stage per 10 lines, each FROM the one before
# Not a timed test: run it by hand on a quiet machine; README "Scale" has the figures.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_BUILD:-}" ] || cargo build --release --quiet
BIN=$PWD/target/release/dockopt
KIND=${KIND:-mixed}
SIZES=${*:-10000 20000 50000 100000}
DIR=$(mktemp -d "${TMPDIR:-/tmp}/dockopt-scale.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
gen() { # gen N OUT_DIR [LONG]
  python3 - "$1" "$2" "$KIND" "${3:-0}" <<'PY'
import os, sys
n, out, kind, long_ = int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4])
os.makedirs(os.path.join(out, "src"), exist_ok=True)
for i in range(100):
    open(os.path.join(out, "src", f"f{i}.py"), "w").write(f"print({i})\n")
open(os.path.join(out, "requirements.txt"), "w").write("flask\n")
pad = "x" * long_
lines = ["FROM python:3.12-slim AS base"]
i = 0
while len(lines) < n:
    k = i if kind == "distinct-env" else i % 100
    block = [
        f"ENV V{k}=value{i}",
        f"ARG A{i % 50}=a",
        f"RUN apt-get update && apt-get install -y pkg{i % 300} {pad}",
        f"RUN echo $V{k} && X=1 && rm -rf /tmp/x{i % 7}",
        f"COPY src/f{i % 100}.py /app/src/",
        f"WORKDIR /app/d{i % 10}",
        "RUN env",
        f"LABEL build.step{i % 20}=\"{i}\"",
        "RUN pip install --no-cache-dir -r requirements.txt",
        f"COPY . /app/all{i % 3}",
    ]
    lines.extend(block)
    i += 1
    if kind == "stage-chain":
        # every block a stage FROM the one before: per-stage work that
        # reads the whole FROM chain goes quadratic here
        lines.append(f"FROM {'base' if i == 1 else f'c{i - 1}'} AS c{i}")
    elif i % 1000 == 0:
        lines.append(f"FROM base AS s{i}")
lines = lines[:n]
lines.append('CMD ["python", "/app/src/f0.py"]')
open(os.path.join(out, "Dockerfile"), "w").write("\n".join(lines) + "\n")
PY
}
measure() { # measure LABEL CMD...
  local label=$1; shift
  /usr/bin/time -v "$@" >/dev/null 2>"$DIR/time.txt" || true
  local wall cpu rss code
  wall=$(grep 'Elapsed (wall clock)' "$DIR/time.txt" | awk '{print $NF}')
  cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$DIR/time.txt")
  rss=$(grep 'Maximum resident' "$DIR/time.txt" | awk '{print $NF}')
  code=$(grep 'Exit status' "$DIR/time.txt" | awk '{print $NF}')
  printf '%-34s %10s wall %8s s CPU %6d MB  exit %s\n' "$label" "$wall" "$cpu" $((rss / 1024)) "$code"
}
echo "kind=$KIND  (wall m:ss.cc, CPU user+sys, max RSS)"
for n in $SIZES; do
  d=$DIR/n$n; gen "$n" "$d"
  measure "check   $n instructions" "$BIN" check "$d"
  measure "fix     $n instructions" "$BIN" fix --diff --unsafe-fixes "$d"
  measure "simulate $n instructions" "$BIN" simulate --context "$d" --changed src/f1.py
done
# ~50 MB: 10k instructions, one RUN line in ten carrying 50 KB.
d=$DIR/big; gen 10000 "$d" 50000
size=$(du -m "$d/Dockerfile" | cut -f1)
for cmd in "parse" "check" "fix" "simulate" "graph" "estimate"; do
  case $cmd in
    parse|graph) args=("$d/Dockerfile") ;;
    check) args=("$d") ;;
    fix) args=(--diff --unsafe-fixes "$d") ;;
    simulate|estimate) args=(--context "$d" --changed src/f1.py) ;;
  esac
  measure "$cmd  ${size} MB file" "$BIN" "$cmd" "${args[@]}"
done
