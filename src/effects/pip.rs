//! pip (`pip`, `pip3`, `pip3.12`, `python -m pip`), by pip's own rules:
//! configuration from `PIP_CONFIG_FILE`, `/etc/pip.conf`, `/etc/xdg/pip/pip.conf`,
//! the system Python's `sys.prefix/pip.conf` (`/usr/pip.conf`, `/usr/local/pip.conf`),
//! `~/.pip/pip.conf`, `~/.config/pip/pip.conf` and `$VIRTUAL_ENV/pip.conf`
//! (pip's `configuration.py`); every `PIP_*` variable is an option.
//! Requirement files are read with their `-r`/`-c` includes, which pip
//! resolves relative to the including file (`req_file.py`); local
//! requirements (`.`, `./libs/x`, `-e .`, `file:` URLs, `--find-links DIR`)
//! are read relative to the cwd.

use super::{
    config_from_env, read_arg, read_cwd, read_rel, write_arg, Arg, Cmd, Cx, Effects, PathSet,
};
use crate::model::path;

pub(super) fn is_pip(prog: &str) -> bool {
    prog.strip_prefix("pip")
        .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

fn is_python(prog: &str) -> bool {
    prog.strip_prefix("python")
        .is_some_and(|r| r.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let args: &[Arg] = if is_pip(c.prog) {
        &c.args
    } else if is_python(c.prog) {
        let vals = c.vals();
        match vals.iter().position(|v| *v == Some("-m")) {
            Some(i) if vals.get(i + 1).is_some_and(|m| m.is_some_and(is_pip)) => {
                cwd_first_on_path(&vals[..i], "pip", cx, fx);
                &c.args[i + 2..]
            }
            _ => return python_other(c, cx, fx),
        }
    } else {
        return false;
    };
    // Named by a path (`/opt/venv/bin/pip`): that venv is written.
    if let Some(w) = c.inv.program_word.literal().filter(|w| w.contains('/')) {
        if let Some(venv) = cx
            .abs(&w)
            .as_deref()
            .and_then(|p| p.rsplit_once("/bin/"))
            .map(|(v, _)| v.to_string())
        {
            if !venv.is_empty() {
                fx.read_write(&venv);
            }
        }
    }
    pip(args, cx, fx);
    true
}

/// `python -m MODULE` puts the working directory first on `sys.path`: a
/// module or package there named as the one run, or as a standard module
/// it imports, is imported instead. Not with `-P`/`-I` (or
/// `PYTHONSAFEPATH`, unless `-E` ignores the environment). `flags` are the
/// interpreter's options before `-m`.
fn cwd_first_on_path(flags: &[Option<&str>], module: &str, cx: &Cx, fx: &mut Effects) {
    // A short option in a cluster (`-IB`); `-W` and `-X` take the rest of
    // the word as their value (`-Wignore::ImportWarning` gives no `-I`).
    let has = |letter: char| {
        flags.iter().flatten().any(|f| {
            f.strip_prefix('-').is_some_and(|l| {
                !l.starts_with('-')
                    && l.chars()
                        .take_while(|c| !matches!(c, 'W' | 'X'))
                        .any(|c| c == letter)
            })
        })
    };
    fx.env(&["PYTHONSAFEPATH"]);
    let safe_env = cx.var("PYTHONSAFEPATH").is_some_and(|v| !v.is_empty()) && !has('E');
    if has('P') || has('I') || safe_env {
        return;
    }
    let top = module.split('.').next().unwrap_or(module);
    for name in crate::ecosystem::python_stdlib::STDLIB_MODULES
        .iter()
        .copied()
        .chain([top])
    {
        read_rel(fx, cx, name);
        read_rel(fx, cx, &format!("{name}.py"));
    }
}

/// `python script.py`, `python -c …`: runs code this model does not read.
fn python_other(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    let vals = c.vals();
    if vals
        .iter()
        .all(|v| matches!(v, Some("--version" | "-V" | "-VV")))
    {
        return true;
    }
    if vals.first() == Some(&Some("-m")) && vals.get(1) == Some(&Some("venv")) {
        cwd_first_on_path(&[], "venv", cx, fx);
        return venv(&vals[2..], cx, fx);
    }
    fx.give_up(format!(
        "`{}` runs Python code this model does not read",
        c.prog
    ));
    true
}

/// `python -m venv [options] DIR…` (CPython's `venv/__init__.py`): creates
/// each DIR from the interpreter's own files and, unless `--without-pip`,
/// installs pip from the wheels bundled with `ensurepip` (offline);
/// `--upgrade-deps` then upgrades pip from the index.
fn venv(args: &[Option<&str>], cx: &Cx, fx: &mut Effects) -> bool {
    let mut it = args.iter();
    let mut dirs = Vec::new();
    while let Some(a) = it.next() {
        match a {
            None => {
                fx.give_up("a `python -m venv` argument is not literal");
                return true;
            }
            Some("--prompt") => {
                it.next();
            }
            Some("--upgrade-deps") => fx.network = true,
            Some(o) if o.starts_with('-') => {}
            Some(d) => match cx.abs(d) {
                Some(p) => dirs.push(p),
                None => {
                    fx.give_up("the venv directory is not known");
                    return true;
                }
            },
        }
    }
    fx.env_prefix(&["PYTHON"]);
    for sys in ["/usr/local", "/usr/lib", "/usr/bin", "/etc/ssl"] {
        fx.read(sys);
    }
    for d in dirs {
        fx.read_write(&d);
    }
    true
}

/// pip's configuration files and environment, shared with `uv pip`.
pub(super) fn pip_config(cx: &Cx, fx: &mut Effects) {
    fx.env_prefix(&[
        "PIP_",
        "PYTHON",
        "VIRTUAL_ENV",
        "XDG_",
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
        "no_proxy",
        "NO_PROXY",
        "REQUESTS_CA_BUNDLE",
        "SSL_CERT_",
        "CURL_CA_BUNDLE",
    ]);
    config_from_env(fx, cx, "PIP_CONFIG_FILE");
    // The site files: `sys.prefix/pip.conf` of the system Python (Debian's
    // /usr, the python images' /usr/local; a venv's is below).
    for f in [
        "/etc/pip.conf",
        "/etc/xdg/pip/pip.conf",
        "/usr/pip.conf",
        "/usr/local/pip.conf",
    ] {
        fx.config(f);
    }
    let xdg = cx
        .var("XDG_CONFIG_HOME")
        .map(str::to_string)
        .unwrap_or_else(|| cx.home(".config"));
    fx.config(&cx.home(".pip/pip.conf"));
    fx.config(&path::join_abs(&xdg, "pip/pip.conf"));
    if let Some(v) = cx.var("XDG_CONFIG_DIRS") {
        for d in v.split(':').filter(|d| d.starts_with('/')) {
            fx.config(&path::join_abs(d, "pip/pip.conf"));
        }
    }
    if let Some(v) = cx.var("VIRTUAL_ENV") {
        match cx.abs(v) {
            Some(p) => {
                fx.config(&path::join_abs(&p, "pip.conf"));
                fx.write(&p);
            }
            None => fx.reads = PathSet::everything(),
        }
    }
}

/// Where pip installs: the system site-packages, or the venv the program
/// lives in; its cache is under home.
fn pip_writes(cx: &Cx, fx: &mut Effects) {
    for s in ["/usr/local", "/usr/lib", "/usr/bin", "/tmp"] {
        fx.write(s);
        fx.read(s);
    }
    // A pip found through PATH in a venv (`/opt/venv/bin`) installs there.
    if let Some(p) = cx.var("PATH") {
        for d in p.split(':') {
            if let Some(venv) = d.strip_suffix("/bin").filter(|v| v.starts_with('/')) {
                if !matches!(venv, "" | "/usr" | "/usr/local") {
                    fx.read_write(venv);
                }
            }
        }
    }
    let cache = cx
        .var("XDG_CACHE_HOME")
        .map(str::to_string)
        .unwrap_or_else(|| cx.home(".cache"));
    fx.write(&cache);
    fx.write(&cx.home(".local"));
}

fn pip(args: &[Arg], cx: &Cx, fx: &mut Effects) {
    use crate::shell::options::{OptValue, Parsed, PIP_INSTALL};
    pip_config(cx, fx);
    // The program may live in a venv named by its path: it is written.
    pip_writes(cx, fx);
    // Read as pip's optparse reads them: `-Ur req.txt` and `-creq.txt`
    // name files as `-r req.txt` does.
    let words: Vec<Option<&str>> = args.iter().map(Arg::str).collect();
    let parsed = PIP_INSTALL.parse(&words);
    let sub = parsed.iter().find_map(|p| match p {
        Parsed::Operand(i) => words[*i],
        _ => None,
    });
    let network_subs = ["install", "download", "wheel", "index", "search"];
    fx.network |= sub.is_some_and(|s| network_subs.contains(&s));
    let value_of = |v: &Option<OptValue>| -> Arg {
        match v {
            Some(OptValue::Inline(x)) => Arg::text(Some(x.to_string())),
            Some(OptValue::Next(i)) => args[*i].clone(),
            _ => Arg::text(None),
        }
    };
    let mut seen_sub = false;
    let mut dest_given = false;
    for p in &parsed {
        match p {
            Parsed::Opaque(_) => {
                // An expansion could be a path or an option: read everything.
                fx.reads = PathSet::everything();
            }
            Parsed::Unknown(w) => {
                // A short option this grammar lacks may carry a path in its
                // word (`-xFILE`); a long one with `=` names its value.
                match w.split_once('=') {
                    Some((_, v)) if w.starts_with("--") => {
                        local(&Arg::text(Some(v.to_string())), cx, fx)
                    }
                    _ if !w.starts_with("--") => {
                        fx.give_up("a pip option this model does not know")
                    }
                    _ => {}
                }
            }
            Parsed::Opt { long, value } => {
                let val = value_of(value);
                match *long {
                    "--requirement" | "--constraint" => requirements(&val, cx, fx, 0),
                    "--editable" => local(&val, cx, fx),
                    "--find-links" | "--index-url" | "--extra-index-url" => index(&val, cx, fx),
                    "--dest" | "--wheel-dir" => {
                        dest_given = true;
                        write_arg(fx, cx, &val)
                    }
                    "--target" | "--prefix" | "--root" | "--src" | "--cache-dir" | "--log"
                    | "--report" => write_arg(fx, cx, &val),
                    "--cert" | "--client-cert" | "--python" => read_arg(fx, cx, &val),
                    _ => {}
                }
            }
            Parsed::Operand(i) => {
                let Some(v) = words[*i] else { continue };
                if !seen_sub {
                    seen_sub = true;
                    if v == "config" {
                        fx.writes.insert(&cx.home(".config/pip"));
                        fx.writes.insert("/etc/pip.conf");
                    }
                    continue;
                }
                local(&args[*i], cx, fx);
            }
        }
    }
    if matches!(sub, Some("download" | "wheel")) && !dest_given {
        // Downloads land in the cwd by default.
        super::write_cwd(fx, cx);
    }
}

/// A requirement argument: a name (`flask==2`, `pkg[extra]`) reads nothing;
/// a path, archive or `file:` URL is read.
fn local(a: &Arg, cx: &Cx, fx: &mut Effects) {
    let Some(v) = a.str() else {
        fx.reads = PathSet::everything();
        return;
    };
    if let Some(p) = local_path(v) {
        read_as(fx, cx, a, p);
    } else if v.contains("://") || v.contains("+ssh") || v.starts_with("git+") {
        fx.network = true;
    }
}

/// A package index or a place to find links (`--index-url`,
/// `--extra-index-url`, `--find-links`): a URL other than `file:` is the
/// network; anything else is a local directory (or page) pip reads, however
/// it is written (`wheels`, `./wheels`, `file:///app/simple`).
fn index(a: &Arg, cx: &Cx, fx: &mut Effects) {
    let Some(v) = a.str() else {
        fx.reads = PathSet::everything();
        return;
    };
    let p = if let Some(rest) = v.strip_prefix("file://") {
        format!("/{}", rest.trim_start_matches('/'))
    } else if let Some(rest) = v.strip_prefix("file:") {
        rest.to_string()
    } else if v.contains("://") {
        fx.network = true;
        return;
    } else {
        v.to_string()
    };
    read_as(fx, cx, a, p);
}

/// Reads `value`, the path argument `a` stands for (its glob flag kept).
fn read_as(fx: &mut Effects, cx: &Cx, a: &Arg, value: String) {
    read_arg(
        fx,
        cx,
        &Arg {
            value: Some(value),
            glob: a.glob,
        },
    );
}

/// The local path a requirement names, if any.
fn local_path(v: &str) -> Option<String> {
    let spec = v.split_once(" @ ").map(|(_, u)| u.trim()).unwrap_or(v);
    let spec = spec
        .split_once('@')
        .filter(|(n, _)| !n.contains('/') && !n.contains(':'))
        .map(|(_, u)| u.trim())
        .unwrap_or(spec);
    if let Some(rest) = spec.strip_prefix("file://") {
        return Some(if rest.starts_with('/') {
            rest.to_string()
        } else {
            format!("/{rest}")
        });
    }
    if let Some(rest) = spec.strip_prefix("file:") {
        return Some(rest.to_string());
    }
    if spec.contains("://") {
        return None;
    }
    let is_path = spec == "."
        || spec == ".."
        || spec.starts_with("./")
        || spec.starts_with("../")
        || spec.starts_with('/')
        || spec.starts_with('~')
        || spec.contains('/')
        || spec.ends_with(".whl")
        || spec.ends_with(".tar.gz")
        || spec.ends_with(".zip")
        || spec.ends_with(".tar.bz2");
    is_path.then(|| {
        spec.split(['[', ';'])
            .next()
            .unwrap_or(spec)
            .trim()
            .to_string()
    })
}

/// A requirements file and what it names, recursively: `-r`/`-c` relative to
/// the file's directory, other local paths relative to the cwd (pip's rules).
fn requirements(file: &Arg, cx: &Cx, fx: &mut Effects, depth: usize) {
    let Some(v) = file.str() else {
        fx.reads = PathSet::everything();
        return;
    };
    if v.contains("://") {
        fx.network = true;
        return;
    }
    let Some(abs) = cx.abs(v) else {
        fx.reads = PathSet::everything();
        return;
    };
    fx.read(&abs);
    if depth > 16 || fx.reads.is_everything() {
        return;
    }
    let Some(text) = cx.files.read(&abs) else {
        // Its includes are unknown: they could name any file.
        fx.reads = PathSet::everything();
        return;
    };
    let dir = match abs.rsplit_once('/') {
        Some(("", _)) => "/".to_string(),
        Some((d, _)) => d.to_string(),
        None => "/".to_string(),
    };
    // Continuation lines join; comments start at ` #` or a line's `#`.
    let joined = text.replace("\\\r\n", "").replace("\\\n", "");
    for line in joined.lines() {
        let line = match line
            .find(" #")
            .or_else(|| line.starts_with('#').then_some(0))
        {
            Some(i) => &line[..i],
            None => line,
        }
        .trim();
        if line.is_empty() {
            continue;
        }
        // pip expands ${VAR} (upper case, digits, underscore) in requirement files.
        let mut rest = line;
        while let Some(i) = rest.find("${") {
            let tail = &rest[i + 2..];
            if let Some(j) = tail.find('}') {
                fx.env_read.names.insert(tail[..j].to_string());
                rest = &tail[j..];
            } else {
                break;
            }
        }
        if line.contains("${") {
            fx.reads = PathSet::everything();
            continue;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let first = words[0];
        let (flag, val) = if first.starts_with('-') {
            match first.split_once('=') {
                Some((f, v)) => (f, Some(v.to_string())),
                None if first.starts_with("--") || first.len() == 2 => {
                    (first, words.get(1).map(|s| s.to_string()))
                }
                // `-rfile`: short option glued to its value.
                None => (&first[..2], Some(first[2..].to_string())),
            }
        } else {
            ("", None)
        };
        let arg = Arg::text(val.clone());
        match flag {
            "-r" | "--requirement" | "-c" | "--constraint" => {
                let inc = match val.as_deref() {
                    Some(x) if x.contains("://") => {
                        fx.network = true;
                        continue;
                    }
                    Some(x) if x.starts_with('/') => x.to_string(),
                    Some(x) => path::join_abs(&dir, x),
                    None => continue,
                };
                requirements(&Arg::text(Some(inc)), cx, fx, depth + 1);
            }
            "-e" | "--editable" => local(&arg, cx, fx),
            "-f" | "--find-links" | "-i" | "--index-url" | "--extra-index-url" => {
                index(&arg, cx, fx)
            }
            "" => local(&Arg::text(Some(line.to_string())), cx, fx),
            _ => {}
        }
    }
    let _ = read_cwd;
}

#[cfg(test)]
mod tests {

    #[test]
    fn venv_writes_its_directory_only() {
        let e = super::super::testutil::fx("python3 -m venv --copies /opt/venv", &[]);
        assert!(!e.unknown && !e.reads.is_everything(), "{:?}", e.why);
        assert!(e.writes_under("/opt/venv") && !e.writes_under("/app"));
        assert!(!e.reads_under("/app/app.py"));
        let e = super::super::testutil::fx("python -m venv .venv", &[]);
        assert!(e.writes_under("/app/.venv"));
    }

    use super::super::testutil::{fx, fx_files};

    #[test]
    fn names_read_only_config() {
        let e = fx(
            "pip install --no-cache-dir flask==2.0 'requests[socks]'",
            &[],
        );
        assert!(!e.unknown && e.network && !e.reads_under("/app"));
        assert!(e.reads_env("PIP_INDEX_URL") && e.config_files.contains("/root/.pip/pip.conf"));
        assert!(e.config_files.contains("/etc/pip.conf"));
        assert!(
            e.config_files.contains("/usr/pip.conf"),
            "sys.prefix's site file"
        );
        let e = fx("pip install flask", &[("PIP_CONFIG_FILE", "/app/pip.conf")]);
        assert!(e.reads_under("/app/pip.conf"));
        let e = fx("pip install flask", &[("VIRTUAL_ENV", "/app/.venv")]);
        assert!(e.reads_under("/app/.venv/pip.conf") && e.writes_under("/app/.venv"));
        let e = fx("python3 -m pip install -U pip", &[]);
        assert!(!e.unknown && !e.reads_under("/app/app.py") && !e.reads_under("/app/src"));
    }

    /// `python -m` puts the cwd first on sys.path: a `pip` package or a
    /// standard module's name there is imported instead (not under `-P`,
    /// `-I` or PYTHONSAFEPATH); the `pip` script's sys.path[0] is its folder.
    #[test]
    fn python_m_reads_what_would_shadow_its_imports() {
        for cmd in ["python -m pip install black", "python3 -m venv /opt/venv"] {
            let e = fx(cmd, &[]);
            assert!(
                e.reads_under("/app/logging.py") && e.reads_under("/app/email"),
                "{cmd}"
            );
            assert!(!e.reads_under("/app/app.py"), "{cmd}");
        }
        assert!(fx("python -m pip install black", &[]).reads_under("/app/pip"));
        for (cmd, env) in [
            ("python -P -m pip install black", &[][..]),
            ("python3 -IB -m pip install black", &[][..]),
            (
                "python -m pip install black",
                &[("PYTHONSAFEPATH", "1")][..],
            ),
            ("pip install black", &[][..]),
            ("python -BWignore -IX dev -m pip install black", &[][..]),
        ] {
            assert!(!fx(cmd, env).reads_under("/app/logging.py"), "{cmd}");
        }
        assert!(
            fx("python -E -m pip install black", &[("PYTHONSAFEPATH", "1")])
                .reads_under("/app/logging.py")
        );
        // a warning filter's letters are its value, not options
        assert!(
            fx("python -Wignore::ImportWarning -m pip install black", &[])
                .reads_under("/app/logging.py")
        );
    }

    #[test]
    fn local_paths_and_includes() {
        for c in [
            "pip install .",
            "pip install -e .",
            "pip install ./libs/x",
            "pip install file:///app/x",
        ] {
            assert!(fx(c, &[]).reads_under("/app"), "{c}");
        }
        let e = fx_files(
            "pip install -r requirements.txt",
            &[
                ("/app/requirements.txt", "-r sub/base.txt\nflask\n"),
                ("/app/sub/base.txt", "-c c.txt\n./libs/x\n"),
                ("/app/sub/c.txt", "a<2\n"),
            ],
        );
        assert!(e.reads_under("/app/requirements.txt") && e.reads_under("/app/sub/base.txt"));
        assert!(
            e.reads_under("/app/sub/c.txt"),
            "-c resolves against the including file"
        );
        assert!(
            e.reads_under("/app/libs/x"),
            "local paths resolve against the cwd"
        );
        assert!(!e.reads_under("/app/other"));
        // Unreadable includes could name anything.
        assert!(fx("pip install -r requirements.txt", &[])
            .reads
            .is_everything());
    }

    /// `-Ur req.txt`, `-qrreq.txt`, `-cc.txt`: optparse gives the file to
    /// the option whose letter ends the cluster or takes the word's rest.
    #[test]
    fn files_named_in_option_clusters_are_read() {
        let files = [("/app/requirements.txt", "flask\n"), ("/app/c.txt", "")];
        for c in [
            "pip install -Ur requirements.txt",
            "pip install -qrrequirements.txt",
            "pip3 install --no-cache -r requirements.txt",
        ] {
            assert!(
                fx_files(c, &files).reads_under("/app/requirements.txt"),
                "{c}"
            );
        }
        assert!(fx_files("pip install -cc.txt flask", &files).reads_under("/app/c.txt"));
        assert!(fx_files("pip install -c/srv/c.txt flask", &files).reads_under("/srv/c.txt"));
        assert!(fx("pip install -x/srv/y flask", &[]).unknown);
        assert!(!fx("pip uninstall -y flask", &[]).unknown);
    }

    /// A local package index or links folder is read however it is
    /// written; a remote one is the network.
    #[test]
    fn local_indexes_are_read() {
        for (c, p) in [
            (
                "pip install flask --index-url file:///app/simple",
                "/app/simple",
            ),
            ("pip install flask -i file:/srv/simple", "/srv/simple"),
            (
                "pip install --extra-index-url=./simple flask",
                "/app/simple",
            ),
            ("pip install --find-links wheels flask", "/app/wheels"),
            ("pip install -f /srv/wheels flask", "/srv/wheels"),
        ] {
            let e = fx(c, &[]);
            assert!(e.reads_under(p), "{c}");
            assert!(!e.reads_under("/app/other"), "{c}");
        }
        let e = fx("pip install flask -i https://pypi.example/simple", &[]);
        assert!(e.network && !e.reads_under("/app/simple"));
        let e = fx_files(
            "pip install -r requirements.txt",
            &[(
                "/app/requirements.txt",
                "--extra-index-url file:./simple
-f wheels
flask
",
            )],
        );
        assert!(e.reads_under("/app/simple") && e.reads_under("/app/wheels"));
    }
}
