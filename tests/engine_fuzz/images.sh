#!/usr/bin/env bash
# The base image of the differential fuzzer (tests/engine_fuzz): the shared busybox rootfs
# (../engine_equiv/rootfs.sh) plus stub tools that read their inputs the way the real tools do,
# so that a rewrite which changes what a tool reads changes the image:
#   pip      -r/-c files recursively (relative to the including file), local paths (relative to
#            the cwd), /etc/pip.conf, $HOME/.config/pip/pip.conf, $PIP_CONFIG_FILE, PIP_* env;
#            falls back to a user install when site-packages is not writable
#   npm      package.json (+ "file:" deps, postinstall script), package-lock.json, yarn.lock, ./.npmrc,
#            $HOME/.npmrc or $NPM_CONFIG_USERCONFIG, /usr/local/etc/npmrc, npm_config_* env
#   poetry   pyproject.toml, poetry.lock, ./poetry.toml, POETRY_* env (virtualenvs.in-project,
#            virtualenvs.create decide where packages go), the project's *.py unless --no-root
#   apt-get, apk            a package index, packages, a download cache
#   adduser, addgroup, deluser, usermod, groupmod   edit /etc/passwd and /etc/group
# Every tool appends what it read (path and content hash of each input, the env it consulted) to
# a record written next to what it installs. No clock, no randomness, no sleep: two builds of one
# Dockerfile give identical files.
#
# Usage: images.sh      (idempotent: the rootfs tar is deterministic)
# Environment: DOCKER (default /usr/bin/docker), BUSYBOX, DOCKOPT_FUZZ_IMAGES_DIR.
set -euo pipefail
DOCKER=${DOCKER:-/usr/bin/docker}
BUSYBOX=${BUSYBOX:-$(command -v busybox || echo /bin/busybox)}
WORK=${DOCKOPT_FUZZ_IMAGES_DIR:-${TMPDIR:-/tmp}/dockopt-fuzz-images}
TAG=dockopt-fuzz/base:v1

. "$(dirname "$0")/../engine_equiv/rootfs.sh"
root=$WORK/rootfs
busybox_rootfs "$root" "$BUSYBOX"
mkdir -p "$root"/usr/lib/fuzzstub "$root"/usr/sbin "$root"/usr/local/etc "$root"/usr/local/bin "$root"/home/app
# Owner is forced to 0 by det_tar: let `app` write its home anyway (pip/npm caches live there).
chmod 1777 "$root/home/app"

stub() { cat >"$root/$1"; chmod 755 "$root/$1"; }

stub usr/lib/fuzzstub/lib.sh <<'EOF'
# Shared by the stubs. REC is the record of what the running tool read.
set -e
h() { sha256sum | cut -c1-16; }
hf() { cat "$@" | h; }
die() { echo "${0##*/} (stub): $*" >&2; exit 1; }
need() { for f in "$@"; do [ -e "$f" ] || die "missing $f (cwd $(pwd))"; done; }
REC=/tmp/.stub-rec.$$
: >"$REC"
trap 'rm -f "$REC"' EXIT
note() { printf '%s\n' "$*" >>"$REC"; }
# A file as input: its path as given and its content. Not whether it is a symlink: the real
# tools read through links, and a stricter stub would report differences no user can see.
notefile() { note "file $1 $(hf "$1")"; }
# A directory as input: every file under it, in sorted order, with its content.
notedir() { need "$1"; note "dir $1 $(cd "$1" && find . -type f | LC_ALL=C sort | while read -r f; do echo "$f $(hf "$f")"; done | h)"; }
noteenv() { note "env $(env | grep -iE "^($1)" | LC_ALL=C sort | tr '\n' ' ')"; }
user_home() { awk -F: -v u="$(id -u)" '$3==u {print $6; exit}' /etc/passwd; }
HOME=${HOME:-$(user_home)}
truthy() { case "$1" in 1|true|yes|on|True|TRUE|Yes) return 0 ;; *) return 1 ;; esac; }
# The last `key = value` of section-less or any-section ini/npmrc files.
cfgval() { key=$1; shift; [ $# -gt 0 ] || return 0; sed -n "s/^[[:space:]]*$key[[:space:]]*=[[:space:]]*//p" "$@" 2>/dev/null | tail -n 1; }
EOF

stub usr/bin/pip <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
[ "$1" = install ] || exit 0; shift
note "pip install $* (cwd $(pwd), uid $(id -u))"
# Config files in pip's order; PIP_CONFIG_FILE last. Missing files are skipped, as pip does.
cfgs=
for f in /etc/pip.conf "$HOME/.config/pip/pip.conf" "$HOME/.pip/pip.conf" ${PIP_CONFIG_FILE:+"$PIP_CONFIG_FILE"}; do
  [ -f "$f" ] && { notefile "$f"; cfgs="$cfgs $f"; }
done
noteenv PIP_
pkgs=
req() { # a requirements file; -r/-c relative to it, local paths relative to the cwd
  need "$1"; notefile "$1"; d=$(dirname "$1")
  sed -e 's/#.*//' "$1" | while read -r a b; do
    case "$a" in
      '') ;;
      -r|--requirement|-c|--constraint) case "$b" in /*) req "$b" ;; *) req "$d/$b" ;; esac ;;
      -e|--editable) local_dir "$b" ;;
      .|./*|../*|/*) local_dir "$a" ;;
      -*) note "option $a $b" ;;
      *) echo "$a" >>"$REC.pkgs" ;;
    esac
  done
}
local_dir() { need "$1/setup.py" 2>/dev/null || need "$1/pyproject.toml"; notedir "$1"; echo "local-$(echo "$1" | tr -c 'A-Za-z0-9\n' _)" >>"$REC.pkgs"; }
: >"$REC.pkgs"; trap 'rm -f "$REC" "$REC.pkgs"' EXIT
nocache=; target=; user=
while [ $# -gt 0 ]; do
  case "$1" in
    -r|--requirement|-c|--constraint) req "$2"; shift 2 ;;
    -e|--editable) local_dir "$2"; shift 2 ;;
    -t|--target) target=$2; shift 2 ;;
    -i|--index-url|--extra-index-url) note "option $1 $2"; shift 2 ;;
    --no-cache-dir) nocache=1; shift ;;
    --user) user=1; shift ;;
    -*) shift ;;
    .|./*|../*|/*) local_dir "$1"; shift ;;
    *) echo "$1" >>"$REC.pkgs"; shift ;;
  esac
done
[ -n "$nocache" ] || ! truthy "$(cfgval no-cache-dir $cfgs)" || nocache=1
[ -n "$nocache" ] || [ -z "${PIP_NO_CACHE_DIR:-}" ] || ! truthy "$PIP_NO_CACHE_DIR" || nocache=1
t=$(cfgval target $cfgs); target=${target:-${PIP_TARGET:-$t}}
SP=${target:-/usr/local/lib/python3/site-packages}
if [ -n "$user" ] || { [ -z "$target" ] && ! mkdir -p "$SP" 2>/dev/null; } || [ ! -w "$SP" ]; then
  note "user install"; SP=$HOME/.local/lib/python3/site-packages
fi
mkdir -p "$SP"
r=$(hf "$REC")
sort -u "$REC.pkgs" | while read -r p; do echo "$r" >"$SP/$p.dist-info"; done
cat "$REC" >>"$SP/.stub-pip-log"
[ -n "$nocache" ] || { mkdir -p "$HOME/.cache/pip" 2>/dev/null && echo "$r" >"$HOME/.cache/pip/http-$r"; } || true
EOF
ln -sf pip "$root/usr/bin/pip3"

stub usr/bin/npm <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
sub=$1; shift || true
case "$sub" in ci|install|i) ;; *) exit 0 ;; esac
note "npm $sub $* (cwd $(pwd), uid $(id -u))"
global=; pkgs=
for a in "$@"; do case "$a" in -g|--global) global=1 ;; -*) ;; *) pkgs="$pkgs $a" ;; esac; done
# npm's config layers: global, user, project (not for -g), then env.
cfgs=
ucfg=${NPM_CONFIG_USERCONFIG:-${npm_config_userconfig:-$HOME/.npmrc}}
for f in /usr/local/etc/npmrc "$ucfg"; do [ -f "$f" ] && { notefile "$f"; cfgs="$cfgs $f"; }; done
[ -n "$global" ] || { [ -f .npmrc ] && { notefile .npmrc; cfgs="$cfgs .npmrc"; }; }
noteenv 'npm_config_|NODE_ENV'
cache=$(cfgval cache $cfgs); cache=${npm_config_cache:-${NPM_CONFIG_CACHE:-${cache:-$HOME/.npm}}}
if [ -n "$global" ]; then
  for p in $pkgs; do mkdir -p "/usr/local/lib/node_modules/$p"; hf "$REC" >"/usr/local/lib/node_modules/$p/package.json"; done
else
  need package.json; notefile package.json
  [ "$sub" != ci ] || need package-lock.json
  [ -f package-lock.json ] || echo "{\"lockfileVersion\":3,\"from\":\"$(hf package.json)\"}" >package-lock.json
  notefile package-lock.json
  # npm 7+ (arborist's Shrinkwrap.load) also reads a yarn.lock beside them, as resolution
  # guidance, and an install that saves its lock rewrites it in npm's own form.
  if [ -f yarn.lock ]; then
    notefile yarn.lock
    if [ "$sub" != ci ] && [ "$(head -n 1 yarn.lock)" != "# npm" ]; then
      { echo "# npm"; cat yarn.lock; } >yarn.lock.npm && mv yarn.lock.npm yarn.lock
    fi
  fi
  for d in $(sed -n 's/.*"file:\([^"]*\)".*/\1/p' package.json); do notedir "$d"; done
  mkdir -p node_modules/.stub
  for p in $pkgs; do mkdir -p "node_modules/$p"; done
  post=$(sed -n 's/.*"postinstall": *"\([^"]*\)".*/\1/p' package.json)
  [ -z "$post" ] || { note "postinstall $post"; sh -c "$post"; }
  cat "$REC" >node_modules/.stub/installed
fi
{ mkdir -p "$cache" 2>/dev/null && hf "$REC" >"$cache/_cacache-index"; } || true
EOF

stub usr/bin/poetry <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
[ "$1" = install ] || exit 0; shift
# The arguments are not part of the record: like poetry's installer, a second install finds the
# locked dependencies in place ("No dependencies to install or update") and leaves them as they
# are, so `install --no-root` followed by `install` ends where one `install` does.
note "poetry install (cwd $(pwd), uid $(id -u))"
need pyproject.toml; notefile pyproject.toml
[ ! -f poetry.lock ] || notefile poetry.lock
cfgs=; [ -f poetry.toml ] && { notefile poetry.toml; cfgs=poetry.toml; }
noteenv POETRY_
inproj=$(cfgval in-project $cfgs); inproj=${POETRY_VIRTUALENVS_IN_PROJECT:-$inproj}
create=$(cfgval create $cfgs); create=${POETRY_VIRTUALENVS_CREATE:-${create:-true}}
if ! truthy "$create"; then SP=/usr/local/lib/python3/site-packages
elif truthy "$inproj"; then SP=$(pwd)/.venv/lib/site-packages
else SP=$HOME/.cache/pypoetry/virtualenvs/project-py3/lib/site-packages; fi
mkdir -p "$SP"; cat "$REC" >"$SP/.stub-poetry-deps-$(hf "$REC")"
# Then the project itself, unless --no-root: what it installs is the project's *.py.
case " $* " in *" --no-root "*) ;; *)
  find . -name '*.py' -type f | LC_ALL=C sort | while read -r f; do echo "$f $(hf "$f")"; done >"$REC.root"
  cat "$REC.root" >"$SP/.stub-poetry-root-$(hf "$REC.root")"; rm -f "$REC.root" ;; esac
EOF

stub usr/bin/apt-get <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
sub=; for a in "$@"; do case "$a" in -*) ;; *) [ -n "$sub" ] || sub=$a ;; esac; done
case "$sub" in
  update) mkdir -p /var/lib/apt/lists; echo index >/var/lib/apt/lists/index ;;
  install) [ -f /var/lib/apt/lists/index ] || die "Unable to locate package (no apt-get update)"; seen=
    for a in "$@"; do case "$a" in -*) ;; *) if [ -z "$seen" ]; then seen=1; else
      mkdir -p /usr/share/stubpkg /var/cache/apt/archives; echo "$a" >"/usr/share/stubpkg/$a"; echo deb >"/var/cache/apt/archives/$a.deb"; fi ;; esac; done ;;
  clean) rm -rf /var/cache/apt/archives ;;
esac
EOF

stub usr/bin/apk <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
sub=$1; shift || true
case "$sub" in
  update) mkdir -p /var/cache/apk; echo idx >/var/cache/apk/APKINDEX ;;
  add) nc=; for a in "$@"; do [ "$a" = --no-cache ] && nc=1; done
    for a in "$@"; do case "$a" in -*) ;; *) mkdir -p /usr/share/stubpkg; echo "$a" >"/usr/share/stubpkg/$a"
      [ -n "$nc" ] || { mkdir -p /var/cache/apk; echo apk >"/var/cache/apk/$a.apk"; } ;; esac; done ;;
esac
EOF

# User database tools (busybox's applets in /bin are shadowed: /usr/sbin comes first in PATH).
stub usr/sbin/adduser <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
uid=; grp=; home=; nohome=
while [ $# -gt 0 ]; do case "$1" in
  -u) uid=$2; shift 2 ;; -G) grp=$2; shift 2 ;; -h) home=$2; shift 2 ;; -s|-g) shift 2 ;;
  -H) nohome=1; shift ;; -*) shift ;; *) break ;; esac; done
name=$1; [ -n "$name" ] || die "usage: adduser [-D] [-u UID] [-G GROUP] NAME"
if [ $# -ge 2 ]; then # adduser USER GROUP: add to a group
  sed -i "/^$2:/ { /:$/ s/\$/$1/; /[^:]$/ { /[:,]$1\(,\|\$\)/! s/\$/,$1/ } }" /etc/group; exit 0
fi
! grep -q "^$name:" /etc/passwd || die "user '$name' in use"
[ -n "$uid" ] || uid=$(awk -F: 'BEGIN{m=999} $3>m && $3<60000 {m=$3} END{print m+1}' /etc/passwd)
if [ -z "$grp" ]; then grp=$name; grep -q "^$grp:" /etc/group || echo "$grp:x:$uid:" >>/etc/group; fi
gid=$(awk -F: -v g="$grp" '$1==g {print $3}' /etc/group); [ -n "$gid" ] || die "unknown group $grp"
home=${home:-/home/$name}
echo "$name:x:$uid:$gid:$name:$home:/bin/sh" >>/etc/passwd
[ -n "$nohome" ] || { mkdir -p "$home"; chown "$uid:$gid" "$home"; chmod 755 "$home"; }
EOF
stub usr/sbin/addgroup <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
gid=; while [ $# -gt 0 ]; do case "$1" in -g) gid=$2; shift 2 ;; -*) shift ;; *) break ;; esac; done
[ $# -ge 2 ] && exec adduser "$1" "$2"
! grep -q "^$1:" /etc/group || die "group '$1' in use"
[ -n "$gid" ] || gid=$(awk -F: 'BEGIN{m=999} $3>m && $3<60000 {m=$3} END{print m+1}' /etc/group)
echo "$1:x:$gid:" >>/etc/group
EOF
stub usr/sbin/deluser <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
for a in "$@"; do case "$a" in -*) ;; *) name=$a ;; esac; done
grep -q "^$name:" /etc/passwd || die "unknown user $name"
sed -i "/^$name:/d" /etc/passwd
EOF
stub usr/sbin/usermod <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
uid=; gid=; groups=; while [ $# -gt 1 ]; do case "$1" in
  -u) uid=$2; shift 2 ;; -g) gid=$2; shift 2 ;; -G) groups=$2; shift 2 ;; -a) shift ;; *) shift ;; esac; done
name=$1; line=$(grep "^$name:" /etc/passwd) || die "user '$name' does not exist"
old=$(echo "$line" | cut -d: -f3); home=$(echo "$line" | cut -d: -f6)
case "$gid" in ''|*[!0-9]*) [ -z "$gid" ] || gid=$(awk -F: -v g="$gid" '$1==g {print $3}' /etc/group) ;; esac
[ -z "$uid" ] || sed -i "s/^$name:x:$old:/$name:x:$uid:/" /etc/passwd
[ -z "$gid" ] || sed -i "s/^\($name:x:[0-9]*:\)[0-9]*:/\1$gid:/" /etc/passwd
for g in $(echo "$groups" | tr , ' '); do adduser "$name" "$g"; done
# Like usermod -u: files in the home directory owned by the old uid follow the user.
[ -z "$uid" ] || [ ! -d "$home" ] || find "$home" -user "$old" -exec chown -h "$uid" {} +
EOF
stub usr/sbin/groupmod <<'EOF'
#!/bin/sh
. /usr/lib/fuzzstub/lib.sh
gid=; while [ $# -gt 1 ]; do case "$1" in -g) gid=$2; shift 2 ;; *) shift ;; esac; done
grep -q "^$1:" /etc/group || die "group '$1' does not exist"
[ -z "$gid" ] || sed -i "s/^$1:x:[0-9]*:/$1:x:$gid:/" /etc/group
EOF

det_tar "$root" >"$WORK/rootfs.tar"
# Re-import only when the tar changed: a stable image keeps BuildKit's cache warm across runs and
# leaves no dangling images behind.
sum=$(sha256sum "$WORK/rootfs.tar" | cut -c1-16)
if [ "$("$DOCKER" image inspect -f '{{index .Config.Labels "dockopt.fuzz.rootfs"}}' "$TAG" 2>/dev/null)" = "$sum" ]; then
    echo "images.sh: $TAG is up to date"
    exit 0
fi
old=$("$DOCKER" image inspect -f '{{.Id}}' "$TAG" 2>/dev/null || true)
"$DOCKER" import --change "LABEL dockopt.fuzz.rootfs=$sum" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$TAG" <"$WORK/rootfs.tar" >/dev/null
# The previous import is ours and now untagged: remove it (fails harmlessly while in use).
[ -z "$old" ] || "$DOCKER" rmi "$old" >/dev/null 2>&1 || true
echo "images.sh: imported $TAG"
