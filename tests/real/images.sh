#!/usr/bin/env bash
# Real base images for the real-toolchains tier (tests/real): nothing is pulled from an image
# registry. debootstrap builds a bookworm minbase root filesystem (with ca-certificates and the
# machine's CA bundle) from the Debian mirror apt already uses; `docker import` makes it an
# image; one multi-stage Dockerfile adds Debian's real toolchains (python3 + pip, nodejs,
# cargo, golang-go) and npm from the npm registry, so RUN steps under
# `docker build --network=host` reach PyPI, npm, crates.io and the mirror.
#
# Every image is tagged `dockopt-real/<the real name the apps' Dockerfiles use>` (the harness
# maps `FROM python:3.11-bookworm` to `dockopt-real/python:3.11-bookworm` at build time), so
# no real or stub image name is shadowed, and labelled `dockopt.real=<recipe hash>`: an image
# whose label matches is kept, so a warm run costs seconds. Change the recipe, get new images.
#
# Where the cold time goes, and why it is built this way:
# - the root filesystem is keyed by its own recipe (mirror, packages, CA bundle) and kept as a
#   tarball in the cache, so editing the toolchain recipe does not debootstrap again;
# - ca-certificates and the CA bundle are in the root filesystem, once, not in every image;
# - the full flavours build FROM their slim one (compilers on top), sharing its layers, as
#   Docker Hub's do;
# - npm comes from the npm registry (one tarball, as in Docker Hub's node images) instead of
#   Debian's `npm`, which pulls in ~400 `node-*` packages and took most of the cold time;
# - all images are stages of ONE build, which BuildKit runs in parallel: BuildKit 0.8 panics
#   when several clients build at once, not when one build has independent stages. The
#   per-image tags are then cache hits.
#
# Usage: images.sh          build what is missing or stale
#        images.sh list     print the tags
#        images.sh mirror   print the Debian mirror it uses
# Environment: DOCKER (default /usr/bin/docker), DOCKOPT_REAL_CACHE (default
# /var/cache/dockopt-real), DOCKOPT_REAL_MIRROR (default: the URI in /etc/apt/sources.list*),
# DOCKOPT_REAL_PROXY (tests/real/proxy.py's http://127.0.0.1:PORT, set by tests/real/ci.sh:
# debootstrap and apt fetch through it; it is Docker's predefined `http_proxy` build argument,
# which stays out of the images and of the cache key).
set -euo pipefail
DOCKER=${DOCKER:-/usr/bin/docker}
CACHE=${DOCKOPT_REAL_CACHE:-/var/cache/dockopt-real}
CA=/etc/ssl/certs/ca-certificates.crt
export DOCKER_BUILDKIT=1
SECONDS=0

die() { echo "images.sh: FAILED: $*" >&2; exit 1; }
say() { echo "images.sh: [${SECONDS}s] $*"; }

# One images.sh per cache at a time: two runs debootstrapping into the same root remove each
# other's files mid-way (seen as debootstrap's "Invalid Release signature"). The second waits.
mkdir -p "$CACHE"
exec 9>"$CACHE/.lock"
if ! flock -n 9; then
    say "another images.sh holds $CACHE/.lock: waiting for it"
    flock 9
fi

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

# npm as Node 18.20.4 (Debian's nodejs) ships it upstream; sha1 from the registry's metadata.
NPM_VERSION=10.7.0
NPM_SHA1=c87e0bbb7a53422670e423d0198120760f67c3b7
NPM_URL=https://registry.npmjs.org/npm/-/npm-$NPM_VERSION.tgz
YARN='yarn@1.22.22'

ROOTFS_ARGS="--variant=minbase --include=ca-certificates bookworm"
ROOTFS_KEY=$( { echo "$ROOTFS_ARGS"; echo "$MIRROR"; sha256sum "$CA" 2>/dev/null; } | sha256sum | cut -c1-16)
# The recipe of the toolchain images: this script and the root filesystem's key.
RECIPE=$( { cat "$0"; echo "$ROOTFS_KEY"; } | sha256sum | cut -c1-16)

# tag|stage name. The runtime pairs mirror Docker Hub's: a full image with compilers and
# headers, a slim one without.
TAGS="
debian:bookworm-slim|debian-slim
python:3.11-slim-bookworm|python-slim
python:3.11-bookworm|python-full
node:18-bookworm-slim|node-slim
node:18-bookworm|node-full
golang:1.19-bookworm|golang
rust:1-bookworm|rust
"
if [ "${1:-}" = mirror ]; then echo "$MIRROR"; exit 0; fi
if [ "${1:-}" = list ]; then echo "$TAGS" | grep . | cut -d'|' -f1 | sed 's,^,dockopt-real/,'; exit 0; fi

"$DOCKER" info >/dev/null 2>&1 || die "no Docker engine answers \`$DOCKER info\`"
[ -r "$CA" ] || die "the machine's CA bundle $CA is missing (install ca-certificates)"

label_is() { # label_is TAG VALUE: the image exists with that recipe label
    [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "dockopt.real"}}' "$1" 2>/dev/null)" = "$2" ]
}

retry() { # retry CMD...: three tries, 5 s apart (mirror/registry hiccups)
    local i
    for i in 1 2 3; do
        "$@" && return 0
        echo "images.sh: attempt $i of: $* failed" >&2
        [ "$i" = 3 ] || sleep 5
    done
    return 1
}

all_fresh=1
while IFS='|' read -r name _; do
    [ -n "$name" ] || continue
    label_is "dockopt-real/$name" "$RECIPE" || all_fresh=""
done <<<"$TAGS"
if [ -n "$all_fresh" ]; then say "recipe $RECIPE: all images up to date"; exit 0; fi

# ---- the root filesystem ------------------------------------------------------------------
BASE=dockopt-real/rootfs:bookworm
if ! label_is "$BASE" "$ROOTFS_KEY"; then
    mkdir -p "$CACHE"
    tarball="$CACHE/rootfs-$ROOTFS_KEY.tar"
    if [ ! -s "$tarball" ]; then
        command -v debootstrap >/dev/null || die "debootstrap is not installed (apt-get install -y debootstrap)"
        [ "$(id -u)" = 0 ] || die "debootstrap needs root"
        root="$CACHE/rootfs-$ROOTFS_KEY"
        code=$(http_proxy=${DOCKOPT_REAL_PROXY:-} curl -s -o /dev/null -m 20 --retry 2 -w '%{http_code}' "$MIRROR/dists/bookworm/Release" || true)
        [ "$code" = 200 ] || die "the Debian mirror $MIRROR is unreachable (HTTP '$code' for dists/bookworm/Release)"
        # shellcheck disable=SC2086
        attempt() { rm -rf "$root"; http_proxy=${DOCKOPT_REAL_PROXY:-} debootstrap $ROOTFS_ARGS "$root" "$MIRROR" >"$CACHE/debootstrap.log" 2>&1; }
        say "debootstrap bookworm minbase from $MIRROR (log: $CACHE/debootstrap.log)"
        retry attempt || { tail -20 "$CACHE/debootstrap.log" >&2; die "debootstrap from the Debian mirror $MIRROR failed"; }
        # apt inside the images: the same mirror, with updates and security like the host.
        sec=${MIRROR%/debian}/debian-security
        printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb %s bookworm-security main\n' \
            "$MIRROR" "$MIRROR" "$sec" >"$root/etc/apt/sources.list"
        # as Docker Hub's debian images do: no recommends, no cached .debs or lists
        printf 'APT::Install-Recommends "false";\n' >"$root/etc/apt/apt.conf.d/99dockopt-real"
        # The machine's CA bundle after ca-certificates is installed (installing it regenerates
        # the bundle; no image installs it again, it is already there).
        cp "$CA" "$root$CA"
        rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/dev/* "$root"/proc/* "$root"/sys/*
        tar --numeric-owner -C "$root" -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
        rm -rf "$root"
        say "root filesystem $tarball"
    fi
    "$DOCKER" import --change "LABEL dockopt.real=$ROOTFS_KEY" --change 'CMD ["bash"]' \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$BASE" <"$tarball" >/dev/null || die "docker import of $tarball failed"
    say "$BASE imported"
fi

# ---- npm from the registry ----------------------------------------------------------------
ctx=$(mktemp -d)
trap 'rm -rf "$ctx"' EXIT
npm_tgz="$CACHE/npm-$NPM_VERSION.tgz"
if ! echo "$NPM_SHA1  $npm_tgz" | sha1sum -c --status 2>/dev/null; then
    mkdir -p "$CACHE"
    retry curl -fsSL -m 120 -o "$npm_tgz.tmp" "$NPM_URL" \
        || die "the npm registry is unreachable: cannot download $NPM_URL"
    echo "$NPM_SHA1  $npm_tgz.tmp" | sha1sum -c --status || die "$NPM_URL does not have the registry's sha1 $NPM_SHA1"
    mv "$npm_tgz.tmp" "$npm_tgz"
fi
cp "$npm_tgz" "$ctx/npm.tgz"

# ---- the toolchain images: one build, stages in parallel -----------------------------------
# Every stage installs from ONE `apt-get update` (stage apt-lists): its lists and apt's parsed
# package cache are bind-mounted read-write into each install, so no image carries them and
# the mirror's indexes are fetched and parsed once, not once per image.
apt_install() { # the RUN line of a stage
    echo "RUN --mount=type=bind,from=apt-lists,source=/var/lib/apt/lists,target=/var/lib/apt/lists,rw \\"
    echo "    --mount=type=bind,from=apt-lists,source=/var/cache/apt,target=/var/cache/apt,rw \\"
    echo "    apt-get install -y --no-install-recommends $*"
}
{
    echo "FROM $BASE AS debian-slim"
    echo "ENV SSL_CERT_FILE=$CA PIP_CERT=$CA REQUESTS_CA_BUNDLE=$CA NODE_EXTRA_CA_CERTS=$CA CARGO_HTTP_CAINFO=$CA npm_config_cafile=$CA"
    echo "LABEL dockopt.real=$RECIPE"

    echo "FROM debian-slim AS apt-lists"
    # The date keeps BuildKit from reusing lists fetched on another day (404s after updates).
    echo "RUN echo lists of $(date -u +%F) && for i in 1 2 3; do apt-get update && exit 0; sleep 5; done; exit 1"

    echo "FROM debian-slim AS python-slim"
    apt_install python3 python3-pip python3-venv python-is-python3
    # Debian marks its python as externally managed; Docker Hub's python images do not.
    echo "ENV PIP_BREAK_SYSTEM_PACKAGES=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_ROOT_USER_ACTION=ignore"
    echo "FROM python-slim AS python-full"
    apt_install python3-dev gcc g++ make libc6-dev libpq-dev pkg-config

    echo "FROM debian-slim AS node-slim"
    apt_install nodejs
    echo "COPY npm.tgz /tmp/npm.tgz"
    echo "RUN mkdir -p /usr/lib/node_modules/npm && tar -xzf /tmp/npm.tgz --strip-components=1 -C /usr/lib/node_modules/npm && rm /tmp/npm.tgz \\"
    echo " && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/bin/npm && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/bin/npx \\"
    echo " && for i in 1 2 3; do npm install -g --no-fund --no-audit $YARN && break; sleep 5; done && yarn --version && npm cache clean --force"
    echo "FROM node-slim AS node-full"
    apt_install gcc g++ make python3 libc6-dev

    echo "FROM debian-slim AS golang"
    apt_install golang-go gcc libc6-dev

    echo "FROM debian-slim AS rust"
    apt_install cargo-web rustc-web gcc libc6-dev
    # cargo-web/rustc-web (Rust 1.78; bookworm's rustc is 1.63) may already provide the plain names
    echo "RUN for t in cargo rustc; do [ -e /usr/bin/\$t ] || ln -s \$t-web /usr/bin/\$t; done && cargo --version && rustc --version"

    # The target that needs every stage, so one build runs them all.
    echo "FROM debian-slim AS all"
    while IFS='|' read -r _ stage; do
        [ -n "$stage" ] && [ "$stage" != debian-slim ] && echo "COPY --from=$stage /etc/debian_version /built/$stage"
    done <<<"$TAGS"
} >"$ctx/Dockerfile"

say "building the toolchain images (recipe $RECIPE; log: $CACHE/images-build.log)"
mkdir -p "$CACHE"
PROXY_ARG=()
[ -z "${DOCKOPT_REAL_PROXY:-}" ] || PROXY_ARG=(--build-arg "http_proxy=$DOCKOPT_REAL_PROXY")
if ! retry "$DOCKER" build "${PROXY_ARG[@]}" --network=host --progress=plain --target all -t dockopt-real/all:bookworm "$ctx" >"$CACHE/images-build.log" 2>&1; then
    tail -25 "$CACHE/images-build.log" >&2
    die "building the toolchain images failed (is the Debian mirror $MIRROR or the npm registry unreachable? the log says: $CACHE/images-build.log)"
fi
"$DOCKER" rmi dockopt-real/all:bookworm >/dev/null 2>&1 || true
while IFS='|' read -r name stage; do
    [ -n "$name" ] || continue
    tag="dockopt-real/$name"
    "$DOCKER" build "${PROXY_ARG[@]}" --network=host -q --target "$stage" -t "$tag" "$ctx" >/dev/null \
        || die "tagging $tag (stage $stage) failed"
    label_is "$tag" "$RECIPE" || die "$tag lacks the recipe label $RECIPE"
    say "$tag ($("$DOCKER" image inspect -f '{{.Size}}' "$tag" | awk '{printf "%.0f MB", $1/1e6}'))"
done <<<"$TAGS"
say "recipe $RECIPE ready"
