#!/usr/bin/env bash
# Base images for the equivalence oracle (tests/engine_equiv): a busybox-static rootfs plus stub
# package managers (small deterministic sh scripts: pip, python -m venv, npm, yarn, pnpm, go, mvn, gradle, bundle,
# composer, dotnet, poetry, pipenv, uv, apt-get, apk) that read their manifests and write files
# derived from them (sha256 of the manifest), fail when a manifest is missing, and write a
# download cache like the real tools. Imported once and tagged under every name the apps use.
#
# Usage: images.sh        (idempotent)
# Environment: DOCKER (default /usr/bin/docker), BUSYBOX (default: busybox on PATH).
set -euo pipefail
DOCKER=${DOCKER:-/usr/bin/docker}
BUSYBOX=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
WORK=${DOCKOPT_EQUIV_IMAGES_DIR:-${TMPDIR:-/tmp}/dockopt-equiv-images}
NAMES="bkpython bknode bkgo bkjava bkruby bkphp bkdotnet bkdebian bkalpine"

. "$(dirname "$0")/rootfs.sh"
root=$WORK/rootfs
busybox_rootfs "$root" "$BUSYBOX"
mkdir -p "$root/usr/lib/stub"

stub() { cat >"$root/usr/bin/$1"; chmod 755 "$root/usr/bin/$1"; }

cat >"$root/usr/lib/stub/lib.sh" <<'EOF'
sleep "${STUB_COST:-1}"
h() { cat "$@" | sha256sum | cut -c1-16; }
need() { for f in "$@"; do [ -e "$f" ] || { echo "stub: missing $f in $(pwd)" >&2; exit 1; }; done; }
pkgname() { echo "$1" | tr -c 'A-Za-z0-9_.\n' _; }
EOF

stub pip <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
SP=${STUB_SP:-/usr/local/lib/python3/site-packages}; mkdir -p $SP
[ "$1" = install ] || exit 0; shift
req() {
  need "$1"; d=$(dirname "$1")
  echo "$1 $(h "$1")" >>/tmp/.reqs
  grep -E '^ *(-r|-c|--requirement|--constraint) ' "$1" | while read -r _f inc; do req "$d/$inc"; done
  grep -vE '^ *(-|#)' "$1" | while read -r pkg; do [ -n "$pkg" ] && echo "$pkg" >"$SP/$(pkgname "$pkg")"; done
  grep -E '^ *-e ' "$1" | while read -r _e p; do need "$d/$p"; echo editable >"$SP/editable-$(h "$d/$p"/*.py)"; done
}
# A local index or links folder (a path or a file: URL) must be there, as for pip; so must
# one the environment names.
index() { case "$1" in "") ;; file://*) need "${1#file://}" ;; file:*) need "${1#file:}" ;; *://*) ;; *) need "$1" ;; esac; }
index "$PIP_FIND_LINKS"; index "$PIP_INDEX_URL"; index "$PIP_EXTRA_INDEX_URL"
nocache=
while [ $# -gt 0 ]; do
  case "$1" in
    -r|-c|--requirement|--constraint) req "$2"; shift 2 ;;
    # optparse: short options written together, the last one's value the next word
    # (`-Ur req.txt`), or a value written onto its letter (`-rreq.txt`, `-cc.txt`).
    -[A-Za-z]*[rc]) req "$2"; shift 2 ;;
    -r?*|-c?*) req "${1#-?}"; shift ;;
    -i|--index-url|--extra-index-url|-f|--find-links) index "$2"; shift 2 ;;
    --trusted-host) shift 2 ;;
    --no-cache-dir) nocache=1; shift ;;
    -*) shift ;;
    .|./*|/*) need "$1"; echo local >"$SP/local-$(cat "$1"/*.py | h)"; shift ;;
    *) echo "$1" >"$SP/$(pkgname "$1")"; shift ;;
  esac
done
[ -f /tmp/.reqs ] && { sort /tmp/.reqs >"$SP/reqs-$(h /tmp/.reqs).lock"; rm /tmp/.reqs; }
[ -n "$nocache" ] || { mkdir -p /root/.cache/pip; echo cache >/root/.cache/pip/http; }
# As pip (requests) does: the index's credentials come from $NETRC or ~/.netrc.
netrc=${NETRC:-${HOME:-/root}/.netrc}
if [ -f "$netrc" ]; then h "$netrc" >"$SP/.index-auth"; fi
EOF
ln -sf pip "$root/usr/bin/pip3"
# `python -m venv DIR`: a venv whose pip installs into DIR/lib (as a real venv's pip installs
# into its own site-packages); anything else does nothing.
stub python <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
# As Python's -m does: the cwd comes first on sys.path, so a module there named
# as the one run or a standard one it imports (logging here) is imported instead.
if [ "$1 $2" = "-m pip" ]; then
  shift 2; mkdir -p /usr/local/lib/python3/site-packages
  for m in pip/__init__.py logging.py; do
    [ -f "$m" ] && h "$m" >"/usr/local/lib/python3/site-packages/.shadowed-$(echo "$m" | tr / _)"
  done
  exec /usr/bin/pip "$@"
fi
[ "$1 $2" = "-m venv" ] || exit 0; shift 2
for a in "$@"; do case "$a" in -*) ;; *)
  mkdir -p "$a/bin" "$a/lib"; printf 'home = /usr/bin\n' >"$a/pyvenv.cfg"
  printf '#!/bin/sh\nSTUB_SP=%s/lib exec /usr/bin/pip "$@"\n' "$a" >"$a/bin/pip"; chmod 755 "$a/bin/pip" ;;
esac; done
EOF
ln -sf python "$root/usr/bin/python3"

stub poetry <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
[ "$1" = install ] || exit 0
need pyproject.toml; SP=/usr/local/lib/python3/site-packages; mkdir -p $SP
files=pyproject.toml; [ -f poetry.lock ] && files="$files poetry.lock"
# Like poetry's installer: dependencies already installed at the locked versions are skipped
# ("No dependencies to install or update"), then the project itself unless --no-root.
[ -e "$SP/poetry-$(h $files)" ] || echo deps >"$SP/poetry-$(h $files)"
case " $* " in *" --no-root "*) ;; *) need app; echo root >"$SP/root-$(cat app/*.py | h)" ;; esac
EOF
stub pipenv <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
need Pipfile; SP=/usr/local/lib/python3/site-packages; mkdir -p $SP
files=Pipfile; [ -f Pipfile.lock ] && files="$files Pipfile.lock"
echo deps >"$SP/pipenv-$(h $files)"
EOF
stub uv <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
[ "$1" = sync ] || exit 0
need pyproject.toml uv.lock; mkdir -p .venv/lib; d=".venv/lib/uv-$(h pyproject.toml uv.lock)"
# Like uv's exact sync: packages already at the locked versions are kept ("Audited"), others
# removed; then the project itself (editable) unless --no-install-project.
for f in .venv/lib/uv-*; do [ "$f" = "$d" ] || rm -f "$f"; done
[ -e "$d" ] || echo deps >"$d"
case " $* " in *" --no-install-project "*) ;; *) echo root >".venv/lib/root-$(cat *.py | h)" ;; esac
EOF

stub npm <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
sub=$1; shift
scripts() { grep -q '"postinstall"' package.json && { cat *.js 2>/dev/null | h >node_modules/.stub/postinstall; }; true; }
# As npm does: --offline installs from the download cache alone; `cache clean` empties it.
case " $* " in *" --offline "*) need /root/.npm/cache ;; esac
case "$sub" in
  cache) [ "$1" = clean ] && rm -rf /root/.npm/cache /root/.npm/_cacache ;;
  ci) need package.json package-lock.json; mkdir -p node_modules/.stub /root/.npm
      h package.json package-lock.json >node_modules/.stub/installed; echo c >/root/.npm/cache; scripts ;;
  install|i)
      case " $* " in
        *" -g "*|*" --global "*) for p in "$@"; do case "$p" in -*) ;; *) mkdir -p "/usr/local/lib/node_modules/$p" ;; esac; done ;;
        *) need package.json; mkdir -p node_modules/.stub /root/.npm
           [ -f package-lock.json ] || echo "{\"lock\":\"$(h package.json)\"}" >package-lock.json
           h package.json package-lock.json >node_modules/.stub/installed; echo c >/root/.npm/cache; scripts ;;
      esac ;;
  run) need package.json; mkdir -p dist; cat $(find src -type f | sort) | h >dist/bundle.js ;;
esac
EOF
stub yarn <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
# As yarn 1.22+ does: a yarnPath in .yarnrc.yml (yarn-path in .yarnrc) is the yarn that runs.
yp=; [ -f .yarnrc.yml ] && yp=$(sed -n 's/^yarnPath: *//p' .yarnrc.yml | tr -d "\"'")
[ -z "$yp" ] && [ -f .yarnrc ] && yp=$(sed -n 's/^yarn-path  *//p' .yarnrc | tr -d "\"'")
[ -n "$yp" ] && need "$yp"
case "$1" in build|run) mkdir -p dist; cat $(find src -type f | sort) | h >dist/bundle.js; exit 0 ;; esac
# As yarn 4 does: .env.yarn is loaded into its environment (YARN_* settings change the install).
env=; [ -f .env.yarn ] && env=.env.yarn
need package.json yarn.lock; mkdir -p node_modules/.stub; h package.json yarn.lock $yp $env >node_modules/.stub/installed
EOF
stub pnpm <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
need package.json pnpm-lock.yaml; mkdir -p node_modules/.stub; h package.json pnpm-lock.yaml >node_modules/.stub/installed
EOF
stub go <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
case "$1 $2" in
  "mod download") need go.mod; f=go.mod; [ -f go.sum ] && f="$f go.sum"; mkdir -p /root/go/pkg/mod; echo m >"/root/go/pkg/mod/$(h $f)" ;;
  build*) need go.mod; out=app; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done; mkdir -p "$(dirname "$out")"
          mkdir -p /root/.cache/go-build; echo b >/root/.cache/go-build/x
          ls /root/go/pkg/mod >/dev/null || exit 1; cat $(find . -name '*.go' | sort) | h >"$out"; chmod 755 "$out" ;;
esac
EOF
stub mvn <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
need pom.xml
case " $* " in
  *go-offline*) mkdir -p /root/.m2/repository; echo d >"/root/.m2/repository/$(h pom.xml)" ;;
  *package*) mkdir -p target; cat pom.xml $(find src -type f | sort) | h >target/app.jar ;;
esac
EOF
stub gradle <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
need build.gradle; mkdir -p .gradle; echo s >.gradle/state
case " $* " in
  *" dependencies "*) mkdir -p /root/.gradle/caches; echo d >"/root/.gradle/caches/$(h build.gradle)" ;;
  *" build "*) mkdir -p build/libs; cat $(find src -type f | sort) | h >build/libs/app.jar ;;
esac
EOF
stub bundle <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
[ "$1" = install ] || exit 0
need Gemfile; f=Gemfile; [ -f Gemfile.lock ] && f="$f Gemfile.lock"
mkdir -p /usr/local/bundle; echo g >"/usr/local/bundle/$(h $f)"
EOF
stub gem <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
# As RubyGems does (Gem::Source::Local): `gem install NAME` takes a NAME-*.gem
# of the cwd over the remote gem, unless --remote.
[ "$1" = install ] || exit 0; shift
remote=; for a in "$@"; do case "$a" in -r|--remote) remote=1 ;; esac; done
mkdir -p /usr/local/bundle/gems
for a in "$@"; do case "$a" in -*) ;; *)
  src=remote; [ -z "$remote" ] && for f in "$a"-*.gem; do [ -f "$f" ] && src=$(h "$f"); done
  echo "$src" >"/usr/local/bundle/gems/$a" ;; esac; done
EOF
stub composer <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
[ "$1" = install ] || exit 0
need composer.json; f=composer.json; [ -f composer.lock ] && f="$f composer.lock"
mkdir -p vendor; h $f >vendor/autoload.php
case " $* " in *" --no-scripts "*) ;; *) cat $(find src -type f | sort) | h >vendor/scripts-ran ;; esac
EOF
stub dotnet <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
case "$1" in
  restore) case "$2" in *.csproj) p=$2 ;; *) set -- *.csproj; p=$1 ;; esac; need "$p"; d=$(dirname "$p")
           mkdir -p "$d/obj" /root/.nuget/packages; h "$p" >"$d/obj/project.assets.json"; echo p >"/root/.nuget/packages/$(h "$p")" ;;
  publish) case "$2" in *.csproj) p=$2 ;; *) set -- "$@"; p=$(ls *.csproj) ;; esac; d=$(dirname "$p")
           need "$d/obj/project.assets.json"; out=/out; while [ $# -gt 0 ]; do [ "$1" = -o ] && out=$2; shift; done
           mkdir -p "$out"; cat "$p" $(find "$d" -name '*.cs' | sort) | h >"$out/app.dll" ;;
esac
EOF
stub apt-get <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
sub=; for a in "$@"; do case "$a" in -*) ;; *) [ -z "$sub" ] && sub=$a ;; esac; done
case "$sub" in
  update) mkdir -p /var/lib/apt/lists; echo index >/var/lib/apt/lists/index ;;
  install) need /var/lib/apt/lists/index; seen=
           for a in "$@"; do case "$a" in -*) ;; *) if [ -z "$seen" ]; then seen=1; else mkdir -p /usr/share/stubpkg /var/cache/apt/archives; echo "$a" >"/usr/share/stubpkg/$a"; echo deb >"/var/cache/apt/archives/$a.deb"
             # As Debian's apache2 does: a site enabled is a link to the one available.
             if [ "$a" = webconf ]; then mkdir -p /etc/web/available /etc/web/enabled; echo "stub default" >/etc/web/available/default.conf; ln -sf ../available/default.conf /etc/web/enabled/default.conf; fi
           fi ;; esac; done ;;
esac
EOF
stub apk <<'EOF'
#!/bin/sh
. /usr/lib/stub/lib.sh
sub=$1; shift
case "$sub" in
  update) mkdir -p /var/cache/apk; echo idx >/var/cache/apk/APKINDEX ;;
  add) nc=; for a in "$@"; do [ "$a" = --no-cache ] && nc=1; done
       for a in "$@"; do case "$a" in -*) ;; *) mkdir -p /usr/share/stubpkg; echo "$a" >"/usr/share/stubpkg/$a"
         [ -n "$nc" ] || { mkdir -p /var/cache/apk; echo apk >"/var/cache/apk/$a.apk"; } ;; esac; done ;;
esac
EOF

det_tar "$root" >"$WORK/rootfs.tar"
"$DOCKER" import - bkstub:equiv <"$WORK/rootfs.tar" >/dev/null
for n in $NAMES; do "$DOCKER" tag bkstub:equiv "$n"; done
echo "images.sh: imported bkstub:equiv as $NAMES"
