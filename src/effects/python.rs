//! Python project tools: poetry (`pyproject.toml`, `poetry.lock`,
//! `poetry.toml`, `POETRY_*`, `~/.config/pypoetry`), uv (`pyproject.toml`,
//! `uv.lock`, `.python-version`, `uv.toml` searched upward, `UV_*`,
//! `~/.config/uv/uv.toml`, `/etc/uv/uv.toml`) and pipenv (`Pipfile`,
//! `Pipfile.lock`, `.env`, `PIPENV_*`). Installing the project itself (no
//! `--no-root` / `--no-install-project`) reads the whole project tree.

use super::{config_rel, read_cwd, write_rel, Cmd, Cx, Effects, PathSet};
use crate::model::path;

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    match c.prog {
        "poetry" => poetry(c, cx, fx),
        "uv" => uv(c, cx, fx),
        "pipenv" => pipenv(c, cx, fx),
        _ => return false,
    }
    true
}

fn sub<'a>(c: &'a Cmd) -> Option<&'a str> {
    c.args.iter().find(|a| !a.is_opt()).and_then(|a| a.str())
}

/// Local path dependencies a pyproject.toml names (`path = "../lib"`); None
/// when the file cannot be read.
fn path_deps(cx: &Cx, file: &str) -> Option<Vec<String>> {
    let text = cx.files.read(&cx.abs(file)?)?;
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some(i) = rest.find("path") {
            let tail = rest[i + 4..].trim_start();
            if let Some(v) = tail.strip_prefix('=') {
                let v = v.trim_start();
                let q = v.chars().next().filter(|q| *q == '"' || *q == '\'');
                if let Some(q) = q {
                    if let Some(end) = v[1..].find(q) {
                        out.push(v[1..1 + end].to_string());
                    }
                }
            }
            rest = &rest[i + 4..];
        }
        if line.contains("workspace") || line.contains("file:") {
            return None;
        }
    }
    Some(out)
}

/// The project files, and either the path dependencies or the whole tree.
fn project(cx: &Cx, fx: &mut Effects, files: &[&str], no_root: bool) {
    for f in files {
        config_rel(fx, cx, f);
    }
    if !no_root {
        read_cwd(fx, cx);
        return;
    }
    match path_deps(cx, "pyproject.toml") {
        Some(deps) => {
            for d in deps {
                super::read_rel(fx, cx, &d);
            }
        }
        None => read_cwd(fx, cx),
    }
}

fn python_env(cx: &Cx, fx: &mut Effects) {
    super::pip::pip_config(cx, fx);
    for s in ["/usr/local", "/usr/lib", "/tmp"] {
        fx.read_write(s);
    }
    fx.write(&cx.home(".cache"));
    fx.write(&cx.home(".local"));
    fx.network = true;
}

fn poetry(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    fx.env_prefix(&["POETRY_"]);
    python_env(cx, fx);
    fx.config(&cx.home(".config/pypoetry/config.toml"));
    fx.config(&cx.home(".config/pypoetry/auth.toml"));
    let files = ["pyproject.toml", "poetry.lock", "poetry.toml"];
    match sub(c) {
        Some("install") | Some("sync") => {
            let no_root = c.has(&["--no-root", "--only-root"]) && !c.has(&["--only-root"]);
            project(cx, fx, &files, no_root);
            write_rel(fx, cx, ".venv");
            // With a lock, `poetry install` installs from it and leaves it
            // alone; without one (or when this model cannot see it) it
            // writes one.
            if super::read_file_rel(cx, "poetry.lock").is_none() {
                write_rel(fx, cx, "poetry.lock");
            }
        }
        Some("config") => {
            fx.write(&cx.home(".config/pypoetry"));
            config_rel(fx, cx, "poetry.toml");
            if c.has(&["--local"]) {
                write_rel(fx, cx, "poetry.toml");
            }
        }
        Some("self") => {
            fx.write(&cx.home(".local"));
        }
        Some("--version" | "-V") => {}
        _ => {
            // export, lock, build, add, run…: the project, read and written.
            project(cx, fx, &files, false);
            super::write_cwd(fx, cx);
            if sub(c) == Some("run") {
                fx.give_up("`poetry run` runs a command this model does not read");
            }
        }
    }
}

fn uv(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    fx.env_prefix(&["UV_"]);
    python_env(cx, fx);
    fx.config(&cx.home(".config/uv/uv.toml"));
    fx.config("/etc/uv/uv.toml");
    fx.config("/etc/xdg/uv/uv.toml");
    super::config_from_env(fx, cx, "UV_CONFIG_FILE");
    // uv discovers project settings upward from the cwd.
    for d in cx.cwd_and_ancestors() {
        for f in [
            "uv.toml",
            "pyproject.toml",
            ".python-version",
            ".python-versions",
        ] {
            fx.config(&path::join_abs(&d, f));
        }
    }
    let vals = c.vals();
    match sub(c) {
        Some("pip") => {
            let rest = &c.args[vals
                .iter()
                .position(|v| *v == Some("pip"))
                .map_or(0, |i| i + 1)..];
            let inner = Cmd {
                prog: "pip",
                args: rest.to_vec(),
                inv: c.inv,
            };
            super::pip::apply(&inner, cx, fx);
        }
        Some("sync") => {
            let no_project = c.has(&["--no-install-project", "--only-install-project"])
                && !c.has(&["--only-install-project"]);
            project(cx, fx, &["pyproject.toml", "uv.lock"], no_project);
            match cx.var("UV_PROJECT_ENVIRONMENT") {
                Some(v) => write_rel(fx, cx, v),
                None => write_rel(fx, cx, ".venv"),
            }
            if !c.has(&["--frozen", "--locked"]) {
                write_rel(fx, cx, "uv.lock");
            }
        }
        Some("venv") => {
            let pos = c.positional_with(&["-p", "--python", "--prompt"]);
            match pos.get(1) {
                Some(a) => super::write_arg(fx, cx, a),
                None => write_rel(fx, cx, ".venv"),
            }
        }
        Some("tool" | "python" | "self" | "cache" | "--version" | "version") => {
            fx.write(&cx.home(".local"));
            fx.write(&cx.home(".cache"));
        }
        _ => {
            fx.give_up("this `uv` subcommand runs project code this model does not read");
        }
    }
}

fn pipenv(c: &Cmd, cx: &Cx, fx: &mut Effects) {
    fx.env_prefix(&["PIPENV_"]);
    python_env(cx, fx);
    match sub(c) {
        Some("install" | "sync") => {
            // pipenv loads `.env`; a Pipfile may name local paths
            // (`path = "."`, editable installs): those trees are read.
            for f in ["Pipfile", "Pipfile.lock", ".env"] {
                config_rel(fx, cx, f);
            }
            match path_deps(cx, "Pipfile") {
                Some(deps) => {
                    for d in deps {
                        super::read_rel(fx, cx, &d);
                    }
                }
                None => read_cwd(fx, cx),
            }
            write_rel(fx, cx, ".venv");
            if !c.has(&["--deploy", "--system", "--ignore-pipfile"])
                || sub(c) == Some("install") && !c.has(&["--deploy"])
            {
                write_rel(fx, cx, "Pipfile.lock");
            }
            fx.write(&cx.home(".local/share/virtualenvs"));
        }
        Some("--version") => {}
        _ => {
            fx.reads = PathSet::everything();
            fx.give_up("this `pipenv` subcommand runs code this model does not read");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::{fx, fx_files};

    #[test]
    fn poetry_and_uv() {
        let e = fx_files(
            "poetry install --no-root",
            &[("/app/pyproject.toml", "[tool.poetry]\n")],
        );
        assert!(e.reads_under("/app/pyproject.toml") && e.reads_under("/app/poetry.toml"));
        assert!(!e.reads_under("/app/src") && e.reads_env("POETRY_VIRTUALENVS_CREATE"));
        assert!(fx("poetry install", &[]).reads_under("/app/src"));
        assert!(
            e.writes_under("/app/poetry.lock"),
            "no lock: poetry writes one"
        );
        let e = fx_files(
            "poetry install --no-root",
            &[
                ("/app/pyproject.toml", "[tool.poetry]\n"),
                ("/app/poetry.lock", ""),
            ],
        );
        assert!(
            !e.writes_under("/app/poetry.lock"),
            "a lock is read, not written"
        );
        let e = fx_files(
            "uv sync --frozen --no-install-project",
            &[("/app/pyproject.toml", "[project]\n")],
        );
        assert!(e.reads_under("/app/uv.lock") && e.reads_under("/app/.python-version"));
        assert!(!e.reads_under("/app/main.py") && e.writes_under("/app/.venv"));
        let e = fx("uv pip install --system flask", &[]);
        assert!(!e.unknown && e.reads_env("UV_INDEX_URL") && e.reads_under("/app/uv.toml"));
        assert!(!e.reads_under("/app/main.py"));
    }
}
