#!/usr/bin/env bash
# The real toolchains tier as CI runs it, on its OWN Docker daemon so that it can run at the
# same time as the rest of CI (BuildKit 0.8 panics when several clients build on one daemon,
# not when two daemons build at once):
#
#   tests/real/ci.sh [TIER ARGS…]      default TIER ARGS: --no-cost
#
# 1. preflight: debootstrap and PostgreSQL installed, the Debian mirror, PyPI, the npm
#    registry and crates.io reachable; otherwise it fails saying which (never a skip);
# 2. a private dockerd (own --data-root/--exec-root/--pidfile/socket), stopped on exit, unless
#    DOCKOPT_REAL_DOCKER_HOST names a daemon to use instead;
# 3. tests/real/proxy.py on loopback: the mirror pinned and its files cached for this run;
# 4. tests/real/images.sh, then `DOCKOPT_REAL=1 cargo test --test real -- TIER ARGS`.
# Prints the seconds of each step.
#
# Environment:
#   DOCKOPT_REAL_DATA_ROOT  the private daemon's data root (default /var/lib/dockopt-ci-real-docker;
#                           kept between runs, so a second run is warm)
#   DOCKOPT_REAL_CACHE      images.sh's and the tier's cache (default /var/cache/dockopt-real)
#   DOCKOPT_REAL_DOCKER_HOST use this daemon (e.g. unix:///var/run/docker-real.sock) instead
#   DOCKOPT_REAL_PROXY_PORT the proxy's port (default 38130); DOCKOPT_REAL_NO_PROXY=1: none
set -euo pipefail
cd "$(dirname "$0")/../.."
SECONDS=0
say() { printf 'real ci: [%4ds] %s\n' "$SECONDS" "$*"; }
die() { printf 'real ci: [%4ds] FAILED: %s\n' "$SECONDS" "$*" >&2; exit 1; }
[ $# -gt 0 ] || set -- --no-cost
DOCKER=/usr/bin/docker
export DOCKER DOCKER_BUILDKIT=1
export DOCKOPT_REAL_CACHE=${DOCKOPT_REAL_CACHE:-/var/cache/dockopt-real}
RUN=$(mktemp -d "${TMPDIR:-/tmp}/dockopt-real-ci.XXXXXX")
DOCKERD_PID=""
PROXY_PID=""
cleanup() {
    local rc=$?
    if [ -n "$PROXY_PID" ]; then kill "$PROXY_PID" 2>/dev/null || true; fi
    if [ -n "$DOCKERD_PID" ]; then
        say "stopping the private dockerd (pid $DOCKERD_PID)"
        kill "$DOCKERD_PID" 2>/dev/null || true
        for _ in $(seq 1 30); do kill -0 "$DOCKERD_PID" 2>/dev/null || break; sleep 1; done
        kill -9 "$DOCKERD_PID" 2>/dev/null || true
        [ "$rc" = 0 ] || { echo "---- last lines of the private dockerd's log"; tail -20 "$RUN/dockerd.log" || true; }
    fi
    # dockerd leaves its default network namespace mounted under the exec root
    umount "$RUN/exec/netns/default" 2>/dev/null || true
    rm -rf "$RUN" || true
    exit "$rc"
}
trap cleanup EXIT

# ---- 1. preflight -------------------------------------------------------------------------
command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || die "PostgreSQL is not installed (apt-get install -y postgresql)"
command -v dockerd >/dev/null || die "dockerd is not installed (apt-get install -y docker.io)"
command -v python3 >/dev/null || die "python3 is required (the download proxy)"
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, a private dockerd)"
MIRROR=$(bash tests/real/images.sh mirror)
for url in "$MIRROR/dists/bookworm/InRelease" https://pypi.org/simple/six/ \
    https://registry.npmjs.org/six https://index.crates.io/config.json; do
    code=$(curl -s -o /dev/null -m 20 --retry 3 --retry-delay 2 -w '%{http_code}' "$url" || true)
    [ "$code" = 200 ] || die "this machine cannot reach $url (HTTP '$code'): the tier needs the Debian mirror, PyPI, the npm registry and crates.io"
done
say "preflight: tools installed; mirror $MIRROR, PyPI, npm, crates.io reachable"

# ---- 2. the daemon ------------------------------------------------------------------------
if [ -n "${DOCKOPT_REAL_DOCKER_HOST:-}" ]; then
    export DOCKER_HOST=$DOCKOPT_REAL_DOCKER_HOST
    "$DOCKER" info >/dev/null 2>&1 || die "no daemon answers at DOCKOPT_REAL_DOCKER_HOST=$DOCKER_HOST"
    say "using the daemon at $DOCKER_HOST"
else
    DATA=${DOCKOPT_REAL_DATA_ROOT:-/var/lib/dockopt-ci-real-docker}
    mkdir -p "$DATA" "$RUN/exec"
    export DOCKER_HOST="unix://$RUN/docker.sock"
    dockerd --bridge=none --iptables=false --ip-masq=false --data-root "$DATA" \
        --exec-root "$RUN/exec" --pidfile "$RUN/docker.pid" -H "$DOCKER_HOST" \
        </dev/null >"$RUN/dockerd.log" 2>&1 &
    DOCKERD_PID=$!
    for _ in $(seq 1 60); do
        "$DOCKER" info >/dev/null 2>&1 && break
        kill -0 "$DOCKERD_PID" 2>/dev/null || { cat "$RUN/dockerd.log"; die "the private dockerd exited during start-up"; }
        sleep 1
    done
    "$DOCKER" info >/dev/null 2>&1 || die "the private dockerd did not answer within 60 s"
    say "private dockerd $("$DOCKER" info --format '{{.ServerVersion}}') on $DOCKER_HOST, data root $DATA"
fi

# ---- 3. the proxy -------------------------------------------------------------------------
if [ "${DOCKOPT_REAL_NO_PROXY:-}" != 1 ]; then
    port=${DOCKOPT_REAL_PROXY_PORT:-38130}
    python3 tests/real/proxy.py "$RUN/proxy" "$port" 2>"$RUN/proxy.log" &
    PROXY_PID=$!
    for _ in $(seq 1 50); do
        curl -s -o /dev/null -x "http://127.0.0.1:$port" "$MIRROR/dists/bookworm/InRelease" && break
        kill -0 "$PROXY_PID" 2>/dev/null || { cat "$RUN/proxy.log"; die "the download proxy did not start on port $port"; }
        sleep 0.2
    done
    export DOCKOPT_REAL_PROXY="http://127.0.0.1:$port"
    say "download proxy on $DOCKOPT_REAL_PROXY (the mirror pinned for this run)"
fi

# ---- 4. images and the tier ---------------------------------------------------------------
t=$SECONDS
bash tests/real/images.sh || die "tests/real/images.sh failed (its message above says what)"
say "images: $((SECONDS - t)) s"
t=$SECONDS
cargo test -q --test real --no-run 2>&1 | tail -3
say "compiled the tier: $((SECONDS - t)) s"
t=$SECONDS
rc=0
DOCKOPT_REAL=1 cargo test -q --test real -- "$@" || rc=$?
say "tier: $((SECONDS - t)) s (exit $rc)"
if [ -n "$PROXY_PID" ]; then
    say "proxy: $(grep -c 'failed' "$RUN/proxy.log" || true) retried downloads; $(find "$RUN/proxy" -type f ! -name '*.type' | wc -l) files, $(du -sm "$RUN/proxy" | cut -f1) MB served from one fetch each"
fi
[ "$rc" = 0 ] || die "the real toolchains tier failed (its FAIL lines above say what differed)"
say "PASSED in $SECONDS s"
