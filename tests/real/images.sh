#!/usr/bin/env bash
# Real base images for the real-toolchains tier (tests/real): nothing is pulled from an image
# registry. debootstrap builds a bookworm minbase root filesystem from the Debian mirror apt
# already uses; `docker import` makes it an image; small Dockerfiles add Debian's real
# toolchains (python3 + pip, nodejs + npm, cargo, golang-go) and the machine's CA bundle, so
# RUN steps under `docker build --network=host` reach PyPI, npm, crates.io and the mirror.
#
# Every image is tagged `dockopt-real/<the real name the apps' Dockerfiles use>` (the harness
# maps `FROM python:3.11-bookworm` to `dockopt-real/python:3.11-bookworm` at build time), so
# no real or stub image name is shadowed, and labelled `dockopt.real=<recipe hash>`: an image
# whose label matches is kept, so a warm run costs seconds. Change the recipe, get new images.
#
# Usage: images.sh          build what is missing or stale
#        images.sh list     print the tags
# Environment: DOCKER (default /usr/bin/docker), DOCKOPT_REAL_CACHE (default
# /var/cache/dockopt-real), DOCKOPT_REAL_MIRROR (default: the URI in /etc/apt/sources.list*).
set -euo pipefail
DOCKER=${DOCKER:-/usr/bin/docker}
HERE=$(cd "$(dirname "$0")" && pwd)
CACHE=${DOCKOPT_REAL_CACHE:-/var/cache/dockopt-real}
CA=/etc/ssl/certs/ca-certificates.crt
export DOCKER_BUILDKIT=1

die() { echo "images.sh: FAILED: $*" >&2; exit 1; }

# The mirror the machine's apt uses (deb822 `URIs:` or one-line `deb URI`), first non-security.
mirror() {
    if [ -n "${DOCKOPT_REAL_MIRROR:-}" ]; then echo "$DOCKOPT_REAL_MIRROR"; return; fi
    local m
    m=$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null \
        | sed -nE 's/^URIs:[[:space:]]*([^[:space:]]+).*/\1/p; s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+bookworm[[:space:]].*/\2/p' \
        | grep -E '/debian/?$' | head -1)
    echo "${m:-http://deb.debian.org/debian}"
}
MIRROR=$(mirror)
MIRROR=${MIRROR%/}

# tag|apt packages|extra Dockerfile lines (\n-separated). The runtime pairs mirror Docker Hub's:
# a full image with compilers and headers, a slim one without.
PY_SLIM='python3 python3-pip python3-venv python-is-python3'
NODE_SLIM='nodejs npm'
IMAGES="
debian:bookworm-slim||
python:3.11-slim-bookworm|$PY_SLIM|
python:3.11-bookworm|$PY_SLIM python3-dev gcc g++ make libc6-dev libpq-dev pkg-config|
node:18-bookworm-slim|$NODE_SLIM|RUN npm install -g --no-fund --no-audit yarn@1.22.22 && npm cache clean --force
node:18-bookworm|$NODE_SLIM gcc g++ make python3|RUN npm install -g --no-fund --no-audit yarn@1.22.22 && npm cache clean --force
golang:1.19-bookworm|golang-go gcc libc6-dev|
rust:1-bookworm|cargo-web rustc-web gcc libc6-dev|RUN ln -s cargo-web /usr/bin/cargo 2>/dev/null || true; ln -s rustc-web /usr/bin/rustc 2>/dev/null || true; cargo --version
"

# The recipe: this script, the mirror and the CA bundle. Any change rebuilds everything.
RECIPE=$( { cat "$0"; echo "$MIRROR"; sha256sum "$CA"; } | sha256sum | cut -c1-16)

if [ "${1:-}" = list ]; then echo "$IMAGES" | grep . | cut -d'|' -f1 | sed 's,^,dockopt-real/,'; exit 0; fi

"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers \`$DOCKER info\`"
[ -r "$CA" ] || die "the machine's CA bundle $CA is missing (install ca-certificates)"

fresh() { # fresh TAG: the image exists with the current recipe label
    [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "dockopt.real"}}' "$1" 2>/dev/null)" = "$RECIPE" ]
}

retry() { # retry CMD...: three tries, 5 s apart (mirror/registry hiccups)
    local i
    for i in 1 2 3; do
        "$@" && return 0
        echo "images.sh: attempt $i of: $* failed" >&2
        sleep 5
    done
    return 1
}

BASE=dockopt-real/rootfs:bookworm
if ! fresh "$BASE"; then
    command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
    [ "$(id -u)" = 0 ] || die "debootstrap needs root"
    mkdir -p "$CACHE"
    tarball="$CACHE/rootfs-$RECIPE.tar"
    if [ ! -s "$tarball" ]; then
        root="$CACHE/rootfs-$RECIPE"
        code=$(curl -s -o /dev/null -m 20 -w '%{http_code}' "$MIRROR/dists/bookworm/Release" || true)
        [ "$code" = 200 ] || die "the Debian mirror $MIRROR is unreachable (HTTP '$code' for dists/bookworm/Release)"
        attempt() { rm -rf "$root"; debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; }
        echo "images.sh: debootstrap bookworm minbase from $MIRROR (log: $CACHE/debootstrap.log)"
        retry attempt || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap from the Debian mirror $MIRROR failed"; }
        # apt inside the images: the same mirror, with updates and security like the host.
        sec=${MIRROR%/debian}/debian-security
        printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
            "$MIRROR" "$MIRROR" "$sec" >"$root/etc/apt/sources.list"
        # as Docker Hub's debian images do: no cached .debs, no apt-get prompts
        printf 'APT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/99dockopt-real"
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/dev/* "$root"/proc/* "$root"/sys/*
        tar --numeric-owner -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rm -rf "$root"
    fi
    "$DOCKER" import --change "LABEL dockopt.real=$RECIPE" --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$BASE" <"$tarball" >/dev/null || die "docker import of $tarball failed"
    echo "images.sh: $BASE"
fi

ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
cp "$CA" "$ctx/ca-certificates.crt"
echo "$IMAGES" | grep . | while IFS='|' read -r name pkgs extra; do
    tag="dockopt-real/$name"
    if fresh "$tag"; then echo "images.sh: $tag is up to date"; continue; fi
    {
        echo "FROM $BASE"
        # ca-certificates first: installing it regenerates the bundle, so ours goes in after.
        echo "RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates $pkgs && rm -rf /var/lib/apt/lists/*"
        echo "COPY ca-certificates.crt $CA"
        echo "ENV SSL_CERT_FILE=$CA PIP_CERT=$CA REQUESTS_CA_BUNDLE=$CA NODE_EXTRA_CA_CERTS=$CA CARGO_HTTP_CAINFO=$CA npm_config_cafile=$CA"
        # Debian marks its python as externally managed; Docker Hub's python images do not.
        echo "ENV PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore"
        [ -z "$extra" ] || echo "$extra"
        echo "LABEL dockopt.real=$RECIPE"
    } >"$ctx/Dockerfile"
    echo "images.sh: building $tag"
    if ! retry "$DOCKER" build --network=host --progress=plain -t "$tag" "$ctx" >"$ctx/build.log" 2>&1; then
        tail -25 "$ctx/build.log" >&2
        die "building $tag failed: the Debian mirror $MIRROR or the npm registry may be unreachable"
    fi
    echo "images.sh: $tag ($("$DOCKER" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
done
echo "images.sh: recipe $RECIPE ready"
