#!/usr/bin/env bash
# Stub toolchain images for tests/engine_multistage: nothing is pulled. Each image is a
# busybox-static root filesystem plus the stub tools (stub.sh, installed under the real tools'
# names) and some padding so full images are bigger than slim ones, imported with `docker import`
# under the tag the fixtures name (python:3.9-buster AND python:3.9-slim-buster, …). Full
# "builder" images carry /usr/bin/gcc; slim/runtime images do not.
#
# Usage: images.sh            import every image (idempotent: deterministic tarballs)
#        images.sh TAG...     import only these (php:8.3-cli composer:2)
#        images.sh list       print the tags
# Environment: DOCKER (default /usr/bin/docker), BUSYBOX, DOCKOPT_MS_IMAGES_DIR.
set -euo pipefail
DOCKER=${DOCKER:-/usr/bin/docker}
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=${DOCKOPT_MS_IMAGES_DIR:-${TMPDIR:-/tmp}/dockopt-multistage-images}
BUSYBOX=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
LABEL='LABEL dockopt.stubs=multistage-v1'
STD_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# name|tools|gcc(0/1)|padding MB|extra PATH|extra ENV (space-separated K=V)
IMAGES='
python:3.9-buster|apt-get pip pip3 python python3|1|30|
python:3.9-slim-buster|apt-get pip pip3 python python3|0|4|
python:3.11|apt-get pip pip3 python python3|1|30|
python:3.11-slim|apt-get pip pip3 python python3|0|4|
python:3.12|apt-get pip pip3 python python3|1|30|
python:3.12-bookworm|apt-get pip pip3 python python3|1|30|
python:3.12-slim-bookworm|apt-get pip pip3 python python3|0|4|
python:3.12-slim|apt-get pip pip3 python python3|0|4|
node:20|apt-get npm yarn node|1|30|
node:20-slim|apt-get npm yarn node|0|4|
golang:1.22|apt-get go make|1|30|/go/bin:/usr/local/go/bin:
golang:1.21-bullseye|apt-get go|1|30|/go/bin:/usr/local/go/bin:
debian:bookworm-slim|apt-get|0|3|
debian:bullseye-slim|apt-get|0|3|
rust:1.79|apt-get cargo|1|40|/usr/local/cargo/bin:
maven:3.9-eclipse-temurin-21|apt-get mvn java|0|20|
maven:3.9-eclipse-temurin-17|apt-get mvn java|0|20|
eclipse-temurin:21-jre|java|0|8|
eclipse-temurin:17-jre|java|0|8|
gradle:8.8-jdk21|gradle java|0|25|
mcr.microsoft.com/dotnet/sdk:8.0|dotnet|0|25|
mcr.microsoft.com/dotnet/aspnet:8.0|dotnet|0|8|
ruby:3.3|apt-get ruby gem bundle bundler|1|30|/usr/local/bundle/bin:|GEM_HOME=/usr/local/bundle BUNDLE_APP_CONFIG=/usr/local/bundle
ruby:3.3-slim|apt-get ruby gem bundle bundler|0|4|/usr/local/bundle/bin:|GEM_HOME=/usr/local/bundle BUNDLE_APP_CONFIG=/usr/local/bundle
php:8.3-cli|apt-get php docker-php-ext-install docker-php-ext-enable|0|12|
composer:2|php composer|0|6|
'

make_root() { # make_root DIR TOOLS GCC PAD_MB
    local root=$1 tools=$2 gcc=$3 mb=$4
    rm -rf "$root"; mkdir -p "$root"/{bin,etc,tmp,root,home,var,usr/bin,usr/local/bin,dev,proc,sys}
    chmod 1777 "$root/tmp"
    cp "$BUSYBOX" "$root/bin/busybox"; chmod 755 "$root/bin/busybox"
    for app in $("$BUSYBOX" --list); do [ "$app" = busybox ] || ln -sf busybox "$root/bin/$app"; done
    printf 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000:app:/home/app:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\napp:x:1000:\nnogroup:x:65534:\n' >"$root/etc/group"
    for t in $tools; do install -m 755 "$HERE/stub.sh" "$root/usr/local/bin/$t"; done
    # What `pip install poetry` and apt's python3 install: the stub under the tool's name.
    mkdir -p "$root/usr/lib/stub-tools"; install -m 755 "$HERE/stub.sh" "$root/usr/lib/stub-tools/stub.sh"
    if [ "$gcc" = 1 ]; then printf '#!/bin/sh\necho stub-gcc\n' >"$root/usr/bin/gcc"; chmod 755 "$root/usr/bin/gcc"; fi
    # The composer image keeps composer at /usr/bin, where `COPY --from=composer:2` takes it.
    case " $tools " in *" composer "*) mv "$root/usr/local/bin/composer" "$root/usr/bin/composer" ;; esac
    case " $tools " in *" dotnet "*) [ "$mb" -gt 10 ] && mkdir -p "$root/usr/share/dotnet/sdk" ;; esac
    mkdir -p "$root/usr/lib/stub-base"
    head -c $((mb * 1000000)) /dev/zero >"$root/usr/lib/stub-base/padding"
}

cmd=${1:-all}
if [ "$cmd" = list ]; then echo "$IMAGES" | grep . | cut -d'|' -f1; exit 0; fi
mkdir -p "$WORK"
echo "$IMAGES" | grep . | while IFS='|' read -r name tools gcc mb path env; do
    if [ "$cmd" != all ]; then case " $* " in *" $name "*) ;; *) continue ;; esac; fi
    dir="$WORK/$(echo "$name" | tr '/:' '__')"
    make_root "$dir" "$tools" "$gcc" "$mb"
    tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$dir" -cf "$dir.tar" .
    changes=(--change "$LABEL" --change "ENV PATH=$path$STD_PATH")
    for kv in $env; do changes+=(--change "ENV $kv"); done
    "$DOCKER" import "${changes[@]}" - "$name" <"$dir.tar" >/dev/null
    rm -rf "$dir" "$dir.tar"
    echo "images.sh: $name"
done
