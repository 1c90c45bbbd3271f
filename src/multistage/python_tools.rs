//! Python packaging knowledge the multistage converter needs, kept as data
//! and small lookups so it can move to an ecosystem table: which pip a
//! command runs (the venv's or the system's), and where poetry, uv and
//! pipenv put the environment they install into.

use super::abs;
use super::shell::{Cmd, PyTool};
use super::Analysis;
use crate::model::RunOp;

/// Installers that stay in the builder (never needed to run the app).
pub(crate) const TOOLS: &[&str] = &["poetry", "uv", "pipenv"];

/// PATH when the Dockerfile does not set it (the official python images).
pub(crate) const DEFAULT_PATH: &str =
    "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Directories holding the image's own programs.
const SYSTEM_BIN: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

/// Where a pip command installs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PipTarget {
    /// Into this environment directory (its `bin/pip` or `bin/python` ran).
    Env(String),
    /// Into the image's Python (system site-packages, /usr/local/bin).
    System,
}

/// A variable as the command sees it: its own prefix, then the RUN's env.
fn var<'x>(c: &'x Cmd, run: &'x RunOp, name: &str) -> Option<&'x str> {
    c.var(name).or_else(|| run_var(run, name))
}

/// A variable of the RUN's environment (ENV and ARG before it).
fn run_var<'x>(run: &'x RunOp, name: &str) -> Option<&'x str> {
    run.env
        .iter()
        .rev()
        .find(|(k, _)| **k == *name)
        .map(|(_, v)| &**v)
}

fn truthy(v: &str) -> bool {
    matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes" | "on")
}

/// Which Python a `pip`/`python -m pip` command runs: a path names it; a
/// bare name is looked up through PATH, whose first entry that is one of
/// `envs`' `bin` or a system directory decides.
pub(crate) fn pip_target(c: &Cmd, run: &RunOp, envs: &[String]) -> PipTarget {
    let in_env = |dir: &str| {
        envs.iter()
            .find(|e| dir == format!("{}/bin", e.trim_end_matches('/')))
            .cloned()
    };
    if c.program.contains('/') {
        let dir = c.program.rsplit_once('/').map_or("", |x| x.0);
        return in_env(&abs(&run.cwd, dir)).map_or(PipTarget::System, PipTarget::Env);
    }
    let path = var(c, run, "PATH").unwrap_or(DEFAULT_PATH);
    for entry in path.split(':') {
        if let Some(e) = in_env(entry.trim_end_matches('/')) {
            return PipTarget::Env(e);
        }
        if SYSTEM_BIN.contains(&entry) {
            return PipTarget::System;
        }
    }
    PipTarget::System
}

/// The environment directory poetry/uv/pipenv installs into for command
/// `c` run in `cwd`, or why it is not one directory the runtime can copy.
/// `poetry_cfg`: earlier `poetry config NAME VALUE` commands.
pub(crate) fn env_dir(
    tool: PyTool,
    c: &Cmd,
    run: &RunOp,
    cwd: &str,
    poetry_cfg: &[(String, String)],
    a: &Analysis,
) -> Result<String, String> {
    let has = |f: &str| {
        c.words
            .iter()
            .any(|w| w == f || w.starts_with(&format!("{f}=")))
    };
    let in_context =
        |rel: &str| a.context.is_some() && a.context_source_of(&abs(cwd, rel)).is_some();
    match tool {
        PyTool::Poetry => {
            // `poetry config` beats the environment variable only when it is
            // later; both are read here in order: config first, env wins if set
            // on the command itself.
            let setting = |key: &str, env: &str| {
                c.var(env)
                    .map(str::to_string)
                    .or_else(|| {
                        poetry_cfg
                            .iter()
                            .rev()
                            .find(|(k, _)| k == key)
                            .map(|(_, v)| v.clone())
                    })
                    .or_else(|| run_var(run, env).map(str::to_string))
            };
            if in_context("poetry.toml") {
                return Err(
                    "reads poetry.toml, whose settings decide where the environment goes".into(),
                );
            }
            if setting("virtualenvs.create", "POETRY_VIRTUALENVS_CREATE")
                .is_some_and(|v| !truthy(&v))
            {
                return Err("installs into the image's Python (virtualenvs.create false): the packages and their scripts are spread over /usr/local".into());
            }
            if setting("virtualenvs.in-project", "POETRY_VIRTUALENVS_IN_PROJECT")
                .is_some_and(|v| truthy(&v))
            {
                return Ok(abs(cwd, ".venv"));
            }
            Err("uses poetry's default environment under its cache directory (set virtualenvs.in-project true)".into())
        }
        PyTool::Uv => {
            if has("--python")
                || has("-p")
                || var(c, run, "UV_PYTHON").is_some()
                || in_context(".python-version")
            {
                return Err(
                    "may use a Python uv downloads, outside the environment and the runtime image"
                        .into(),
                );
            }
            Ok(match var(c, run, "UV_PROJECT_ENVIRONMENT") {
                Some(v) if !v.is_empty() => abs(cwd, v),
                _ => abs(cwd, ".venv"),
            })
        }
        PyTool::Pipenv => {
            if has("--system") {
                return Err("installs into the image's Python (--system): the packages and their scripts are spread over /usr/local".into());
            }
            if var(c, run, "PIPENV_VENV_IN_PROJECT").is_some_and(truthy) {
                return Ok(abs(cwd, ".venv"));
            }
            Err("uses pipenv's default environment under ~/.local/share/virtualenvs (set PIPENV_VENV_IN_PROJECT=1)".into())
        }
    }
}
