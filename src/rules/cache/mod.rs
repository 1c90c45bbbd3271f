//! DO1xx: what makes BuildKit re-run expensive steps.

pub mod apt_update_alone;
pub mod manifest_after_sources;
pub mod volatile_arg_early;
pub mod volatile_copy_early;

use super::ctx::Cmd;
use crate::cache::{Simulation, Verdict};
use crate::model::{CopySource, Op, Step};

/// COPY/ADD of the whole build context (`COPY . .`, `COPY ./ /app`).
pub(crate) fn is_broad_copy(step: &Step) -> bool {
    match &step.op {
        Some(Op::Copy(c)) => {
            c.source == CopySource::Context
                && c.srcs
                    .iter()
                    .any(|s| s.inline.is_none() && s.remote.is_none() && s.path.is_empty())
        }
        _ => false,
    }
}

/// A dependency install and the manifests it reads.
pub(crate) fn dependency_install(cmds: &[Cmd<'_>]) -> Option<(String, &'static [&'static str])> {
    for c in cmds {
        let p = c.program();
        let sub = c.subcommand().unwrap_or("");
        let m: Option<&'static [&'static str]> = if let Some(args) = c.pip_install_args() {
            if args
                .iter()
                .any(|a| a == "-r" || a.starts_with("--requirement") || a.starts_with("-r"))
            {
                Some(&["requirements.txt"])
            } else if args
                .iter()
                .any(|a| a == "." || a == "-e" || a == "--editable")
            {
                Some(&["pyproject.toml", "setup.py"])
            } else {
                None
            }
        } else {
            match (p, sub) {
                ("poetry", "install") => Some(&["pyproject.toml", "poetry.lock"]),
                ("pipenv", "install" | "sync") => Some(&["Pipfile", "Pipfile.lock"]),
                ("uv", "sync") => Some(&["pyproject.toml", "uv.lock"]),
                ("npm", "ci" | "install" | "i")
                    if c.after_subcommand().iter().all(|a| a.starts_with('-')) =>
                {
                    Some(&["package.json", "package-lock.json"])
                }
                ("yarn", "" | "install") => Some(&["package.json", "yarn.lock"]),
                ("pnpm", "install" | "i") => Some(&["package.json", "pnpm-lock.yaml"]),
                ("go", "mod")
                    if c.after_subcommand()
                        .first()
                        .is_some_and(|a| a == "download") =>
                {
                    Some(&["go.mod", "go.sum"])
                }
                ("bundle", "install" | "") => Some(&["Gemfile", "Gemfile.lock"]),
                ("composer", "install") => Some(&["composer.json", "composer.lock"]),
                ("mvn" | "mvnw", _) if c.args().iter().any(|a| a.starts_with("dependency:")) => {
                    Some(&["pom.xml"])
                }
                ("dotnet", "restore") => Some(&["*.csproj"]),
                ("cargo", "fetch") => Some(&["Cargo.toml", "Cargo.lock"]),
                _ => None,
            }
        };
        if let Some(m) = m {
            return Some((c.display(), m));
        }
    }
    None
}

/// Lines of RUN steps the simulation re-runs, in order.
pub(crate) fn rerun_lines(sim: &Simulation, runs_only: &[usize]) -> Vec<usize> {
    sim.steps
        .iter()
        .filter(|s| s.result == Verdict::Miss && runs_only.contains(&s.line))
        .map(|s| s.line)
        .collect()
}

pub(crate) fn lines_list(lines: &[usize]) -> String {
    // A message names at most 20 lines: in a 100k-line file every finding
    // listing every line made the report quadratic in size.
    const MAX: usize = 20;
    let mut s = lines
        .iter()
        .take(MAX)
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() > MAX {
        s.push_str(&format!(", … ({} more)", lines.len() - MAX));
    }
    s
}
