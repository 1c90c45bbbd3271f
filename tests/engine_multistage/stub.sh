#!/bin/sh
# Multi-call stub toolchain for tests/engine_multistage (busybox sh, offline, deterministic).
# Installed under the names of the real tools; dispatches on the name it was called by.
# Each tool reads its real inputs (requirements.txt, package.json, go.mod, Cargo.toml, pom.xml,
# *.csproj…) and writes small deterministic artifacts; "programs" it builds are sh scripts that
# print the lines the sources print (print("…"), console.log("…"), fmt.Println("…")…).
set -e
me=${0##*/}
pad() { mkdir -p "$(dirname "$1")"; head -c "$2" /dev/zero >"$1"; }
die() { echo "$me: $*" >&2; exit 1; }
# The quoted strings of lines matching PATTERN("…") in files.
said() { pat=$1; shift; sed -n "s/.*$pat(\"\(.*\)\").*/\1/p" "$@"; }
program() { # program OUT LINES-FILE
    mkdir -p "$(dirname "$1")"
    { echo '#!/bin/sh'; sed 's/^/echo "/; s/$/"/' "$2"; } >"$1"
    chmod 755 "$1"
}
req_names() { for f in "$@"; do sed -e 's/#.*//' -e 's/[=<>!~;[ ].*//' "$f" | grep -v "^-" | grep . | tr A-Z a-z || true; done; }
native_ok() { # a package that compiles C needs gcc and its -dev headers
    case $1 in
    psycopg2) [ -x /usr/bin/gcc ] || die "psycopg2: gcc not found"
        [ -e /usr/share/stub-apt/libpq-dev ] || die "psycopg2: pg_config not found (libpq-dev)" ;;
    cffi) [ -x /usr/bin/gcc ] || die "cffi: gcc not found"
        [ -e /usr/share/stub-apt/libffi-dev ] || die "cffi: ffi.h not found (libffi-dev)" ;;
    esac
}
# Python environments, as CPython's venv lays them out: DIR/pyvenv.cfg, DIR/bin/python3 a link
# to the interpreter that made it (so it breaks where that interpreter is absent), DIR/bin/pip,
# DIR/lib/python3/site-packages. A python or pip run from DIR/bin uses DIR's site-packages
# only; the image's python (/usr/local/bin) uses the system one.
STUB=/usr/lib/stub-tools/stub.sh
self_path() { case $0 in */*) readlink -f "$0" ;; *) readlink -f "$(command -v "$0")" ;; esac; }
mkvenv() { # mkvenv DIR INTERPRETER
    mkdir -p "$1/bin" "$1/lib/python3/site-packages"
    printf 'home = %s\ninclude-system-site-packages = false\n' "$(dirname "$2")" >"$1/pyvenv.cfg"
    ln -sf "$2" "$1/bin/python3"; ln -sf python3 "$1/bin/python"; ln -sf "$STUB" "$1/bin/pip"
}
env_of() { # sets VENV (empty: the system Python), SITE, BIN from the program's path
    d=$(dirname "$1"); VENV=
    if [ -f "$d/../pyvenv.cfg" ]; then VENV=$(cd "$d/.." && pwd); fi
    use_env "$VENV"
}
use_env() { # use_env DIR-or-empty
    VENV=$1
    if [ -n "$VENV" ]; then SITE=$VENV/lib/python3/site-packages; BIN=$VENV/bin
    else SITE=/usr/local/lib/python3/site-packages; BIN=/usr/local/bin; fi
}
# Requirement names of FILE, following -r/-c includes relative to the including file, as pip does.
req_file() {
    [ -f "$1" ] || die "Could not open requirements file: [Errno 2] No such file or directory: '$1'"
    dir=$(dirname "$1")
    sed -e 's/#.*//' "$1" | while read -r a b; do
        case $a in
        -r) case $b in /*) (req_file "$b") ;; *) (req_file "$dir/$b") ;; esac || exit 1 ;;
        -c) case $b in /*) f=$b ;; *) f=$dir/$b ;; esac
            [ -f "$f" ] || die "Could not open requirements file: [Errno 2] No such file or directory: '$f'" ;;
        -r* | -c*) die "stub: glued -r not modelled" ;;
        -*) ;;
        ?*) echo "$a" | sed -e 's/[=<>!~;[ ].*//' | tr A-Z a-z ;;
        esac
    done
}
# Section keys of a TOML-ish file (Pipfile [packages], pyproject [tool.poetry.dependencies]).
toml_keys() {
    f=pyproject.toml; [ "$1" = packages ] && f=Pipfile
    awk -v s="[$1]" '$0 == s {on=1; next} /^\[/ {on=0} on && NF && $1 != "python" {print $1}' "$f" | tr A-Z a-z
}
install_pkg() { # install_pkg NAME (into SITE/BIN)
    case $1 in pip | setuptools | wheel) return 0 ;; esac
    pad "$SITE/$1/__init__.py" 50000
    case $1 in
    gunicorn) printf '#!/bin/sh\nfor a in "$@"; do m=$a; done\nexec %s "${m%%%%:*}.py"\n' "${VENV:+$VENV/bin/}python" >"$BIN/gunicorn"; chmod 755 "$BIN/gunicorn" ;;
    poetry | uv | pipenv) cp "$STUB" "$BIN/$1"; chmod 755 "$BIN/$1" ;;
    esac
}
install_into() { # install_into ENVDIR-or-empty NAMES...
    use_env "$1"; shift
    for n in "$@"; do native_ok "$n"; pad /root/.cache/pip/$n.tar.gz 300000; install_pkg "$n"; done
}
do_pip() {
    sub=$1; shift
    reqs=; pkgs=; wheeldir=; links=; noindex=
    while [ $# -gt 0 ]; do
        case $1 in
        -r | --requirement) reqs="$reqs $2"; shift ;;
        -w | --wheel-dir) wheeldir=$2; shift ;;
        --wheel-dir=*) wheeldir=${1#*=} ;;
        --find-links=*) links=${1#*=} ;;
        -f | --find-links) links=$2; shift ;;
        --no-index) noindex=1 ;;
        -*) ;;
        *) pkgs="$pkgs ${1%%[=<>]*}" ;;
        esac
        shift
    done
    names=$(for r in $reqs; do req_file "$r" || exit 1; done) || exit 1
    names="$names $pkgs"
    case $sub in
    wheel)
        [ -n "$wheeldir" ] || die "wheel: no --wheel-dir"
        for n in $names; do native_ok "$n"; pad "$wheeldir/$n-1.0-py3-none-any.whl" 50000; done ;;
    install)
        for n in $names; do
            case $n in pip | setuptools | wheel) continue ;; esac
            if [ -n "$noindex" ]; then
                [ -e "$links/$n-1.0-py3-none-any.whl" ] || die "No matching distribution found for $n (--no-index)"
            else
                native_ok "$n"; pad /root/.cache/pip/$n.tar.gz 300000
            fi
            install_pkg "$n"
        done ;;
    *) die "unknown command $sub" ;;
    esac
}
case $me in
apt-get)
    cmd=; pkgs=
    for a in "$@"; do case $a in -*) ;; *) if [ -z "$cmd" ]; then cmd=$a; else pkgs="$pkgs ${a%%=*}"; fi ;; esac; done
    case $cmd in
    update) pad /var/lib/apt/lists/stub-lists 300000 ;;
    install)
        [ -e /var/lib/apt/lists/stub-lists ] || die "E: Unable to locate package (run apt-get update)"
        for p in $pkgs; do
            case $p in
            gcc | g++ | build-essential) pad /usr/share/stub-apt/$p 4000000
                printf '#!/bin/sh\necho stub-gcc\n' >/usr/bin/gcc; chmod 755 /usr/bin/gcc ;;
            *-dev) pad /usr/share/stub-apt/$p 1500000 ;;
            *) pad /usr/share/stub-apt/$p 200000 ;;
            esac
            case $p in libpq-dev) pad /usr/share/stub-apt/libpq5 200000 ;; libffi-dev) pad /usr/share/stub-apt/libffi8 100000 ;; esac
            # Debian's own Python, at /usr/bin (not the image's /usr/local/bin one).
            case $p in python3 | python3-venv | python3-pip) cp "$STUB" /usr/bin/python3; chmod 755 /usr/bin/python3 ;; esac
        done ;;
    *) ;;
    esac ;;
pip | pip3)
    env_of "$0"
    [ -z "$VENV" ] || [ -x "$VENV/bin/python" ] || die "bad interpreter: $VENV/bin/python: no such file"
    do_pip "$@" ;;
python | python3)
    env_of "$0"
    if [ "$1" = -m ]; then
        case $2 in
        venv) shift 2; d=; for a in "$@"; do case $a in -*) ;; *) d=$a ;; esac; done
            [ -n "$d" ] || die "venv: no directory"; mkvenv "$d" "$(self_path)"; exit 0 ;;
        pip) shift 2; do_pip "$@"; exit 0 ;;
        *) die "No module named $2" ;;
        esac
    fi
    f=$1; [ -f "$f" ] || die "can't open file '$f'"
    for m in $(sed -n 's/^import \([a-z0-9_]*\).*/\1/p' "$f"); do
        case $m in os | sys | json) continue ;; esac
        [ -d "$SITE/$m" ] || die "ModuleNotFoundError: No module named '$m'"
        case $m in psycopg2) [ -e /usr/share/stub-apt/libpq5 ] || die "ImportError: libpq.so.5: cannot open shared object file" ;; esac
    done
    said print "$f" ;;
poetry)
    sub=$1; shift || true
    cfg=/root/.config/pypoetry/config.toml
    case $sub in
    --version) echo "Poetry (version 1.8.3)" ;;
    config) mkdir -p "$(dirname "$cfg")"; echo "$1 = $2" >>"$cfg" ;;
    install | sync)
        [ -f pyproject.toml ] || die "Poetry could not find a pyproject.toml file in $PWD"
        [ -f poetry.lock ] || die "poetry.lock not found (run poetry lock)"
        setting() { # setting KEY ENVVAR: env beats config.toml beats poetry.toml
            v=$(printenv "$2" || true)
            [ -n "$v" ] || v=$(sed -n "s/^$1 = //p" "$cfg" 2>/dev/null | tail -1)
            [ -n "$v" ] || v=$(awk -v k="${1#virtualenvs.}" '/^\[virtualenvs\]/{on=1;next} /^\[/{on=0} on && $1==k {print $3}' poetry.toml 2>/dev/null)
            echo "$v"
        }
        name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' pyproject.toml | head -1)
        case $(setting virtualenvs.create POETRY_VIRTUALENVS_CREATE) in
        false | 0) dir= ;;
        *) case $(setting virtualenvs.in-project POETRY_VIRTUALENVS_IN_PROJECT) in
            true | 1) dir=$PWD/.venv ;;
            *) dir=/root/.cache/pypoetry/virtualenvs/$name-stub-py3 ;;
            esac
            [ -x "$dir/bin/python" ] || mkvenv "$dir" "$(command -v python3)" ;;
        esac
        names=$(toml_keys tool.poetry.dependencies)
        case " $* " in *" --only main "* | *" --only=main "* | *" --without dev "* | *" --without=dev "*) ;;
        *) names="$names $(toml_keys tool.poetry.group.dev.dependencies)" ;; esac
        install_into "$dir" $names
        case " $* " in *" --no-root "*) ;; *) use_env "$dir"; echo "$PWD" >"$SITE/$name.pth" ;; esac ;;
    *) die "unknown poetry command $sub" ;;
    esac ;;
uv)
    sub=$1; shift || true
    case $sub in
    --version) echo "uv 0.4.0" ;;
    sync)
        [ -f pyproject.toml ] || die "No pyproject.toml found in $PWD"
        case " $* " in *" --frozen "* | *" --locked "*) [ -f uv.lock ] || die "Unable to find lockfile at uv.lock" ;; esac
        dir=${UV_PROJECT_ENVIRONMENT:-.venv}; case $dir in /*) ;; *) dir=$PWD/$dir ;; esac
        [ -x "$dir/bin/python" ] || mkvenv "$dir" "$(command -v python3)"
        names=$(awk '/^dependencies *= *\[/{on=1} on{print} on && /\]/{exit}' pyproject.toml | sed -n 's/.*"\([A-Za-z0-9_.-]*\).*".*/\1/p' | tr A-Z a-z)
        case " $* " in *" --no-dev "*) ;; *) names="$names $(awk '/^dev *= *\[/{on=1} on{print} on && /\]/{exit}' pyproject.toml | sed -n 's/.*"\([A-Za-z0-9_.-]*\).*".*/\1/p')" ;; esac
        install_into "$dir" $names
        name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' pyproject.toml | head -1)
        case " $* " in *" --no-install-project "*) ;; *) use_env "$dir"; echo "$PWD" >"$SITE/$name.pth" ;; esac ;;
    *) die "unknown uv command $sub" ;;
    esac ;;
pipenv)
    sub=$1; shift || true
    case $sub in
    --version) echo "pipenv, version 2024.0.1" ;;
    install | sync)
        [ -f Pipfile ] || die "Pipfile not found"
        case " $* " in *" --deploy "*) [ -f Pipfile.lock ] || die "Pipfile.lock not found" ;; esac
        case " $* " in
        *" --system "*) dir= ;;
        *) case ${PIPENV_VENV_IN_PROJECT:-} in 1 | true) dir=$PWD/.venv ;; *) dir=/root/.local/share/virtualenvs/${PWD##*/}-stub ;; esac
            [ -x "$dir/bin/python" ] || mkvenv "$dir" "$(command -v python3)" ;;
        esac
        install_into "$dir" $(toml_keys packages) ;;
    *) die "unknown pipenv command $sub" ;;
    esac ;;
npm | yarn | pnpm)
    deps() { # deps SECTION: names in package.json's "SECTION": { … }
        awk -v s="\"$1\"" '$1 == s":" || index($0, s":") { on=1; next } on && /}/ { on=0 } on { gsub(/[",:]/, " "); print $1 }' package.json
    }
    script() { awk -v s="\"$1\"" 'index($0, s":") { sub(/^[^:]*: *"/, ""); sub(/",? *$/, ""); print; exit }' package.json; }
    run_script() { c=$(script "$1"); [ -n "$c" ] || die "missing script: $1"; sh -c "$c"; }
    args=; global=; omit=; [ "${NODE_ENV:-}" = production ] && omit=1
    for a in "$@"; do case $a in -g | --global) global=1 ;; --omit=dev | --production | --prod) omit=1 ;; --filter=* | -*) ;; *) args="$args $a" ;; esac; done
    # pnpm --filter X cmd: drop the filter value
    if [ "$me" = pnpm ]; then set -- $args; [ "$1" = "@acme/api" ] && shift; args="$*"; fi
    set -- $args
    sub=${1:-install}
    case $me:$sub in
    *:install | *:i | npm:ci)
        if [ -n "$global" ]; then
            for p in $(echo "$args" | cut -d' ' -f2-); do n=${p%@*}; pad /usr/local/lib/node_modules/$n/index.js 100000
                [ "$n" = pnpm ] && cp "$0" /usr/local/bin/pnpm; done
            exit 0
        fi
        [ -f package.json ] || die "no package.json"
        for d in $(deps dependencies); do pad node_modules/$d/index.js 100000; done
        for d in $(deps devDependencies); do
            if [ -n "$omit" ]; then rm -rf node_modules/$d; else pad node_modules/$d/index.js 800000; fi
        done
        pad /root/.npm/_cacache/stub 500000 ;;
    npm:prune | pnpm:prune)
        for d in $(deps devDependencies); do rm -rf node_modules/$d; done ;;
    *:cache) ;;
    npm:run | pnpm:run | yarn:run) run_script "$2" ;;
    *) run_script "$sub" ;;
    esac ;;
node)
    f=$1; [ -f "$f" ] || die "Cannot find module '$f'"
    for m in $(sed -n "s/.*require('\([a-z0-9@/_-]*\)').*/\1/p" "$f"); do
        [ -d node_modules/$m ] || die "Cannot find module '$m'"
    done
    # "// emit OUT" lines: a build script that writes OUT from the sources it names.
    if grep -q '^// emit ' "$f"; then
        out=$(sed -n 's#^// emit ##p' "$f"); mkdir -p "$(dirname "$out")"
        sed -n '/^\/\/ emit /,$p' "$f" | sed 1d >"$out"; exit 0
    fi
    said console.log "$f" ;;
go)
    case $1 in
    mod) [ -f go.mod ] && [ -f go.sum ] || die "go.mod/go.sum not found"; pad /go/pkg/mod/cache/stub 2000000 ;;
    build)
        out=; pkg=.
        shift; while [ $# -gt 0 ]; do case $1 in -o) out=$2; shift ;; -*) ;; *) pkg=$1 ;; esac; shift; done
        [ -f go.mod ] || die "go.mod file not found"
        [ -n "$out" ] || out=$(sed -n 's#^module .*/##p;s#^module ##p' go.mod | head -1)
        pad /root/.cache/go-build/stub 3000000
        said fmt.Println "$pkg"/*.go >/tmp/lines; program "$out" /tmp/lines
        # `// reads: PATH` in the sources: the program opens PATH at start.
        for r in $(sed -n 's#^// reads: ##p' "$pkg"/*.go); do
            sed -i "1a [ -f $r ] || { echo \"open $r: no such file or directory\" >&2; exit 1; }" "$out"
        done ;;
    *) die "unknown go command $1" ;;
    esac ;;
cargo)
    [ -f Cargo.toml ] && [ -f Cargo.lock ] || die "Cargo.toml/Cargo.lock not found"
    name=$(sed -n 's/^name *= *"\(.*\)"/\1/p' Cargo.toml | head -1)
    said 'println!' src/*.rs >/tmp/lines
    pad target/release/deps/stub.rlib 4000000
    program target/release/$name /tmp/lines
    if [ "$1" = install ]; then mkdir -p /usr/local/cargo/bin; cp target/release/$name /usr/local/cargo/bin/$name; fi ;;
mvn | gradle)
    if [ $me = mvn ]; then
        id=$(sed -n 's#.*<artifactId>\(.*\)</artifactId>.*#\1#p' pom.xml | head -1)
        v=$(sed -n 's#.*<version>\(.*\)</version>.*#\1#p' pom.xml | head -1)
        jar=target/$id-$v.jar; pad /root/.m2/repository/stub 3000000
    else
        id=$(sed -n 's/^rootProject.name *= *"\(.*\)"/\1/p' settings.gradle.kts)
        v=$(sed -n 's/^version *= *"\(.*\)"/\1/p' build.gradle.kts)
        jar=build/libs/$id-$v.jar; pad /root/.gradle/caches/stub 3000000
    fi
    mkdir -p "$(dirname "$jar")"
    said System.out.println $(find src -name '*.java') >"$jar" ;;
java)
    [ "$1" = -jar ] && [ -f "$2" ] || die "Error: Unable to access jarfile $2"
    cat "$2" ;;
dotnet)
    case $1 in
    restore) pad /root/.nuget/packages/stub 2000000 ;;
    publish)
        [ -d /usr/share/dotnet/sdk ] || die "No .NET SDKs were found."
        proj=; out=; shift
        while [ $# -gt 0 ]; do case $1 in -o | --output) out=$2; shift ;; -c) shift ;; -*) ;; *) proj=$1 ;; esac; shift; done
        n=${proj##*/}; n=${n%.csproj}; mkdir -p "$out"
        said Console.WriteLine "$(dirname "$proj")"/*.cs >"$out/$n.dll" ;;
    *.dll) [ -f "$1" ] || die "The application '$1' does not exist."; cat "$1" ;;
    *) die "unknown dotnet command $1" ;;
    esac ;;
bundle | bundler)
    # Bundler as the official ruby images set it up: GEM_HOME=BUNDLE_APP_CONFIG=/usr/local/bundle.
    # Gems go to BUNDLE_PATH/ruby/3.3.0 (env, then the app config) or GEM_HOME; `bundle exec`
    # looks in the same place, so a runtime without the config looks in GEM_HOME.
    sub=$1; shift || true
    cfgdir=${BUNDLE_APP_CONFIG:-$PWD/.bundle}
    gem_path() {
        p=${BUNDLE_PATH:-$(sed -n 's/^BUNDLE_PATH: "\(.*\)"/\1/p' "$cfgdir/config" 2>/dev/null | tail -1)}
        if [ -n "$p" ]; then case $p in /*) ;; *) p=$PWD/$p ;; esac; echo "$p/ruby/3.3.0"
        else echo "${GEM_HOME:-/usr/local/bundle}"; fi
    }
    case $sub in
    config)
        args=; for a in "$@"; do case $a in set | --local | --global) ;; *) args="$args $a" ;; esac; done
        set -- $args; mkdir -p "$cfgdir"
        echo "BUNDLE_$(echo "$1" | tr a-z. A-Z_): \"$2\"" >>"$cfgdir/config" ;;
    install)
        [ -f Gemfile ] || die "Could not locate Gemfile"
        for a in "$@"; do case $a in --deployment)
            [ -f Gemfile.lock ] || die "The --deployment flag requires a Gemfile.lock"
            mkdir -p "$cfgdir"; echo 'BUNDLE_PATH: "vendor/bundle"' >>"$cfgdir/config" ;; esac; done
        dest=$(gem_path)
        for g in $(sed -n "s/^ *gem ['\"]\([a-z0-9_-]*\)['\"].*/\1/p" Gemfile); do
            case $g in pg) [ -x /usr/bin/gcc ] || die "pg: You have to install development tools first (gcc)"
                [ -e /usr/share/stub-apt/libpq-dev ] || die "pg: Can't find the 'libpq-fe.h' header" ;; esac
            pad "$dest/gems/$g-1.0/lib/$g.rb" 100000
        done ;;
    exec) STUB_GEM_PATH=$(gem_path); export STUB_GEM_PATH; exec "$@" ;;
    --version) echo "Bundler version 2.5.6" ;;
    *) die "unknown bundle command $sub" ;;
    esac ;;
gem)
    [ "$1" = install ] || die "unknown gem command $1"
    pad "${GEM_HOME:-/usr/local/bundle}/gems/bundler-2.5/lib/bundler.rb" 50000 ;;
ruby)
    f=$1; [ -f "$f" ] || die "No such file or directory -- $f (LoadError)"
    gp=${STUB_GEM_PATH:-${GEM_HOME:-/usr/local/bundle}}
    for m in $(sed -n "s/^require ['\"]\([a-z0-9_-]*\)['\"].*/\1/p" "$f"); do
        case $m in json | set) continue ;; esac
        [ -d "$gp/gems/$m-1.0" ] || die "cannot load such file -- $m (LoadError)"
        case $m in pg) [ -e /usr/share/stub-apt/libpq5 ] || die "libpq.so.5: cannot open shared object file" ;; esac
    done
    said puts "$f" ;;
php)
    # `php FILE`: `// needs: VENDOR/PKG` lines need vendor/VENDOR/PKG (through vendor/autoload.php),
    # `// ext: X` lines the compiled extension, `// reads: PATH` lines a file the app reads;
    # prints the echo("…") lines, and the classmap size when `composer dump-autoload` made one.
    f=$1; [ -f "$f" ] || die "Could not open input file: $f"
    for p in $(sed -n 's#^// needs: ##p' "$f"); do
        [ -f vendor/autoload.php ] || die "PHP Fatal error: Failed opening required 'vendor/autoload.php'"
        [ -d "vendor/$p" ] || die "PHP Fatal error: Class from $p not found"
    done
    for x in $(sed -n 's#^// ext: ##p' "$f"); do
        [ -f /usr/local/lib/php/extensions/$x.so ] || die "PHP Fatal error: extension $x not loaded"
    done
    for r in $(sed -n 's#^// reads: ##p' "$f"); do [ -f "$r" ] || die "PHP Warning: file_get_contents($r): No such file"; done
    said echo "$f"
    if [ -f vendor/composer/autoload_classmap.php ]; then echo "classmap: $(wc -l <vendor/composer/autoload_classmap.php | tr -d ' ')"; fi ;;
docker-php-ext-install)
    # Compiles each extension against its -dev headers (zip: libzip-dev, pdo_pgsql: libpq-dev).
    for x in "$@"; do
        case $x in -*) continue ;; zip) h=libzip-dev ;; pdo_pgsql | pgsql) h=libpq-dev ;; *) h= ;; esac
        [ -z "$h" ] || [ -e /usr/share/stub-apt/$h ] || die "configure: error: $h not found"
        pad /usr/local/lib/php/extensions/$x.so 300000
        mkdir -p /usr/local/etc/php/conf.d; echo "extension=$x" >/usr/local/etc/php/conf.d/docker-php-ext-$x.ini
    done ;;
docker-php-ext-enable) for x in "$@"; do mkdir -p /usr/local/etc/php/conf.d; echo "extension=$x" >/usr/local/etc/php/conf.d/docker-php-ext-$x.ini; done ;;
composer)
    # Reads what composer reads: composer.json (require, require-dev, config.vendor-dir,
    # scripts), composer.lock, auth.json, COMPOSER_* (COMPOSER_VENDOR_DIR, COMPOSER_HOME,
    # COMPOSER_AUTH); needs php, and unzip or git to fetch dists; keeps a download cache.
    command -v php >/dev/null || die "composer: php not found"
    sub=$1; shift || true
    [ -f composer.json ] || die "Composer could not find a composer.json file in $PWD"
    vendor=${COMPOSER_VENDOR_DIR:-$(sed -n 's/.*"vendor-dir": *"\([^"]*\)".*/\1/p' composer.json | head -1)}
    vendor=${vendor:-vendor}
    keys() { awk -v s="\"$1\"" 'index($0, s":") && index($0, "{") {on=1; next} on && index($0, "}") {on=0} on {gsub(/[",:]/, " "); print $1}' composer.json | grep / || true; }
    scripts() { # scripts EVENT: the commands of "EVENT": ["…", "…"] (one line)
        sed -n "s/.*\"$1\": *\[\(.*\)\].*/\1/p" composer.json | tr ',' '\n' | sed -n 's/^ *"\(.*\)" *$/\1/p'
    }
    run_scripts() { case " $* " in *" --no-scripts "*) return 0 ;; esac; scripts "$ev" | while read -r c; do sh -c "$c" || exit 1; done; }
    dump() { mkdir -p "$vendor/composer"; echo '<?php // stub autoloader' >"$vendor/autoload.php"
        case " $* " in *" -o "* | *" --optimize "* | *" --optimize-autoloader "* | *" -a "* | *" --classmap-authoritative "*)
            find . -path "./$vendor" -prune -o -name '*.php' -print | sort >"$vendor/composer/autoload_classmap.php" ;; esac; }
    case $sub in
    --version) echo "Composer version 2.7.7" ;;
    install)
        [ -f composer.lock ] || die "No composer.lock file present (stub: run composer update)"
        [ -e /usr/share/stub-apt/unzip ] || [ -e /usr/share/stub-apt/git ] || die "The zip extension and unzip/7z commands are both missing, skipping."
        names=$(keys require); case " $* " in *" --no-dev "*) ;; *) names="$names $(keys require-dev)" ;; esac
        for n in $names; do pad "$vendor/$n/src/stub.php" 100000; pad "${COMPOSER_HOME:-/root/.composer}/cache/files/$n.zip" 200000; done
        mkdir -p "$vendor/composer"
        { cat composer.lock; [ -f auth.json ] && cat auth.json; echo "${COMPOSER_AUTH:-}"; } | md5sum | cut -c1-12 >"$vendor/composer/installed.stub"
        case " $* " in *" --no-autoloader "*) ;; *) dump "$@"; ev=post-autoload-dump; run_scripts "$@" ;; esac
        ev=post-install-cmd; run_scripts "$@" ;;
    dump-autoload | dumpautoload) dump "$@"; ev=post-autoload-dump; run_scripts "$@" ;;
    *) die "unknown composer command $sub" ;;
    esac ;;
make)
    # GNU make for simple Makefiles: NAME := / = / ?= value, `target: prereqs`, tab recipes
    # ($(NAME) expanded, @ dropped); the default goal is the first target not starting with '.'.
    mk=; for f in GNUmakefile makefile Makefile; do [ -f "$f" ] && { mk=$f; break; }; done
    [ -n "$mk" ] || die "*** No targets specified and no makefile found.  Stop."
    goal=; for a in "$@"; do case $a in -*) ;; *) goal=$a ;; esac; done
    awk -v goal="$goal" '
        function expand(s,   out, n) { while (match(s, /\$\([A-Za-z0-9_]+\)/)) { n = substr(s, RSTART + 2, RLENGTH - 3); s = substr(s, 1, RSTART - 1) vars[n] substr(s, RSTART + RLENGTH) } return s }
        function run(t,   i, n, p) { if (t in done) return; done[t] = 1; n = split(pre[t], p, " "); for (i = 1; i <= n; i++) if (p[i] in has) run(p[i]); for (i = 1; i <= nrec[t]; i++) print expand(rec[t, i]) }
        /^\t/ { if (cur != "") { l = substr($0, 2); sub(/^@/, "", l); rec[cur, ++nrec[cur]] = l } next }
        /^[A-Za-z0-9_]+[ \t]*[:?]?=/ { split($0, kv, /[ \t]*[:?]?=[ \t]*/); v = $0; sub(/^[^=]*=[ \t]*/, "", v); vars[kv[1]] = expand(v); cur = ""; next }
        /^[^ \t#][^:]*:/ { t = $0; sub(/:.*/, "", t); p = $0; sub(/^[^:]*:[ \t]*/, "", p); has[t] = 1; pre[t] = expand(p); cur = t; if (first == "" && t !~ /^\./) first = t; next }
        END { if (goal == "") goal = first; if (!(goal in has)) { print "make: *** No rule to make target " goal > "/dev/stderr"; exit 2 } run(goal) }
    ' "$mk" >/tmp/make-recipe
    while IFS= read -r line; do echo "$line"; sh -c "$line" || die "*** [$mk] Error 1"; done </tmp/make-recipe ;;
*) die "unknown stub $me" ;;
esac
