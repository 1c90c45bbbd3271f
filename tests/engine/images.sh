#!/usr/bin/env bash
# Base images for the real-engine tier (tests/engine).
#
# No registry is reachable, so every image a scenario names in FROM is made here from a
# busybox-static root filesystem with `docker import`. The rootfs tarball is built
# deterministically (sorted names, fixed mtime, uid/gid 0), so re-importing it always yields the
# same layer diffID and therefore the same chainID: that is what BuildKit keys FROM on (spec §8).
#
# Usage:
#   images.sh                          import every image (idempotent; safe to re-run)
#   images.sh restore NAME             re-import NAME from its canonical recipe
#   images.sh variant NAME KIND [ENV]  re-import NAME changed for a scenario's base_change:
#                                        identical  same rootfs, same config (new image ID only)
#                                        layers     rootfs plus one extra file (new chainID)
#                                        env        same rootfs, config ENV replaced by ENV (e.g. X=2)
#
# Environment: DOCKER (default /usr/bin/docker), DOCKOPT_IMAGES_DIR (work dir, default
# ${TMPDIR:-/tmp}/dockopt-engine-images), BUSYBOX (default: the static busybox on PATH).
set -euo pipefail

DOCKER=${DOCKER:-/usr/bin/docker}
WORK=${DOCKOPT_IMAGES_DIR:-${TMPDIR:-/tmp}/dockopt-engine-images}
BUSYBOX=${BUSYBOX:-$(command -v busybox || true)}
[ -x /bin/busybox ] && BUSYBOX=${BUSYBOX:-/bin/busybox}

die() { echo "images.sh: $*" >&2; exit 1; }

[ -n "$BUSYBOX" ] && [ -x "$BUSYBOX" ] || die "busybox not found (apt-get install busybox-static)"
if ! file "$BUSYBOX" 2>/dev/null | grep -q 'statically linked'; then
    # `file` may be absent; fall back to ldd, which fails on static binaries.
    if command -v file >/dev/null 2>&1 || ldd "$BUSYBOX" >/dev/null 2>&1; then
        die "$BUSYBOX is not statically linked (apt-get install busybox-static)"
    fi
fi

# Deterministic tar of a directory, written to stdout.
det_tar() {
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf - .
}

# The plain busybox root filesystem every image starts from.
make_rootfs() {
    local root=$1
    rm -rf "$root"
    mkdir -p "$root"/{bin,etc,tmp,root,home,var,usr/bin,dev,proc,sys}
    chmod 1777 "$root/tmp"
    cp "$BUSYBOX" "$root/bin/busybox"
    chmod 755 "$root/bin/busybox"
    local app
    for app in $("$BUSYBOX" --list); do
        [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"
    done
    # USER nobody / USER app must resolve inside the container (RUN fails otherwise).
    cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
    cat >"$root/etc/group" <<'GROUP'
root:x:0:
app:x:1000:
nogroup:x:65534:
GROUP
    # --- Stub package managers -----------------------------------------------------------------
    # Later issues add pip/npm/go stand-ins here (small sh scripts under /usr/bin that read a
    # manifest and write deterministic files), so scenarios about dependency-install layers can
    # run offline. Put them in add_stub_tools and import them as a separate image (bktools) so
    # the plain bases keep their chainID.
}

# Hook for the stub package managers (see above). Intentionally empty for now.
add_stub_tools() {
    local root=$1
    : "$root"
}

build_tars() {
    mkdir -p "$WORK"
    make_rootfs "$WORK/rootfs"
    det_tar "$WORK/rootfs" >"$WORK/rootfs.tar.new" && mv "$WORK/rootfs.tar.new" "$WORK/rootfs.tar"
    # "layers" variant: the same tree plus one file, i.e. one more/different layer diffID.
    rm -rf "$WORK/rootfs-layers"
    cp -a "$WORK/rootfs" "$WORK/rootfs-layers"
    echo "extra layer content" >"$WORK/rootfs-layers/etc/extra-layer"
    det_tar "$WORK/rootfs-layers" >"$WORK/rootfs-layers.tar"
    # Tools image (stub package managers go in add_stub_tools).
    rm -rf "$WORK/rootfs-tools"
    cp -a "$WORK/rootfs" "$WORK/rootfs-tools"
    add_stub_tools "$WORK/rootfs-tools"
    det_tar "$WORK/rootfs-tools" >"$WORK/rootfs-tools.tar"
}

ensure_tars() {
    [ -s "$WORK/rootfs.tar" ] && [ -s "$WORK/rootfs-layers.tar" ] && [ -s "$WORK/rootfs-tools.tar" ] \
        || build_tars
}

# import TAR NAME [--change ...]...
import() {
    local tar=$1 name=$2
    shift 2
    "$DOCKER" import "$@" - "$name" <"$tar" >/dev/null
}

# The canonical recipe of each image. Scenarios refer to these names.
#   bkbase      plain rootfs (most scenarios)
#   bkbase2     plain rootfs; s25 re-imports it identically (kind "identical")
#   bkalias:v1  plain rootfs under another name and tag (s26)
#   bklayers    plain rootfs; the "layers" base_change re-imports it with an extra file
#   bkenv       plain rootfs with ENV X=1; the "env" base_change re-imports it with another ENV
#   bkonbuild   plain rootfs with ONBUILD COPY a.txt /a + ONBUILD RUN echo triggered (ob)
#   bktools     rootfs + stub package managers (empty hook for now)
IMAGES="bkbase bkbase2 bkalias:v1 bklayers bkenv bkonbuild bktools"

canonical() {
    case "$1" in
    bkbase | bkbase2 | bkalias:v1 | bklayers) import "$WORK/rootfs.tar" "$1" ;;
    bkenv) import "$WORK/rootfs.tar" "$1" --change 'ENV X=1' ;;
    bkonbuild)
        import "$WORK/rootfs.tar" "$1" \
            --change 'ONBUILD COPY a.txt /a' --change 'ONBUILD RUN echo triggered' ;;
    bktools) import "$WORK/rootfs-tools.tar" "$1" ;;
    *) die "unknown image $1 (known: $IMAGES)" ;;
    esac
}

variant() {
    local name=$1 kind=$2 env=${3:-}
    case "$kind" in
    identical) canonical "$name" ;;
    layers) import "$WORK/rootfs-layers.tar" "$name" ;;
    env)
        [ -n "$env" ] || die "variant $name env: missing ENV value (e.g. X=2)"
        import "$WORK/rootfs.tar" "$name" --change "ENV $env" ;;
    *) die "unknown base_change kind $kind" ;;
    esac
}

cmd=${1:-all}
case "$cmd" in
all)
    build_tars
    for img in $IMAGES; do canonical "$img"; done
    echo "images.sh: imported $IMAGES"
    ;;
restore)
    ensure_tars
    canonical "${2:?image name}"
    ;;
variant)
    ensure_tars
    variant "${2:?image name}" "${3:?kind}" "${4:-}"
    ;;
*) die "unknown command $cmd (all | restore NAME | variant NAME KIND [ENV])" ;;
esac
