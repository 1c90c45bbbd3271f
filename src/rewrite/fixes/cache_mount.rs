//! DO210 cache-mount: keep package-manager download caches in a BuildKit
//! cache mount (`RUN --mount=type=cache,target=…`).
//!
//! ## What it does
//! Adds `--mount=type=cache,target=/root/.npm` to RUNs that run `npm ci` /
//! `npm install`, and `--mount=type=cache,target=/root/.cache/go-build` to
//! RUNs that run `go build`, as root.
//!
//! ## Why is this bad?
//! When such a step re-runs (its manifest changed), it downloads or compiles
//! everything again. A cache mount survives between builds, so only what
//! changed is fetched; and the cache no longer bloats the image.
//!
//! ## Example
//! ```dockerfile
//! RUN npm ci
//! ```
//! Use instead:
//! ```dockerfile
//! RUN --mount=type=cache,target=/root/.npm npm ci
//! ```
//!
//! ## Fix safety
//! Unsafe: the cache directory is no longer part of the image, and the
//! Dockerfile now needs BuildKit. Only for caches nothing reads at run time,
//! and only when the RUN runs as root (the paths are root's).

use super::run_scripts;
use super::run_view::program;
use crate::fix::{Applicability, Checker, Edit, Fix};
use crate::model::MountKind;

pub const CODE: &str = "DO210";

pub fn check(c: &mut Checker) {
    let df = c.df;
    for (ins, run, script) in run_scripts(df, c.model) {
        if !(run.user.is_empty() || run.user == "root" || run.user == "0") {
            continue;
        }
        let mut target = None;
        for cmd in &script.commands {
            let argv = cmd.argv();
            let (p, i) = program(&argv);
            let rest = &argv[(i + 1).min(argv.len())..];
            match (p.as_str(), rest.first().copied()) {
                ("npm", Some("ci" | "install" | "i"))
                    if !rest.contains(&"-g") && !rest.contains(&"--global") =>
                {
                    target = Some("/root/.npm")
                }
                ("go", Some("build")) => target = Some("/root/.cache/go-build"),
                _ => {}
            }
        }
        let Some(target) = target else { continue };
        if run
            .mounts
            .iter()
            .any(|m| m.kind == MountKind::Cache || m.target.as_deref() == Some(target))
            || run
                .env
                .iter()
                .any(|(k, _)| k == "HOME" || k == "npm_config_cache" || k == "GOCACHE")
        {
            continue;
        }
        let at = ins
            .flags
            .first()
            .map(|f| f.span.start)
            .unwrap_or(ins.arguments.span().start);
        c.fix(Fix {
            transforms: Vec::new(),
            code: CODE,
            message: format!("keep {target} in a cache mount: re-runs download only what changed"),
            applicability: Applicability::Unsafe,
            line: ins.start_line,
            edits: vec![Edit::insert(
                at,
                format!("--mount=type=cache,target={target} "),
            )],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    #[test]
    fn adds_npm_cache_mount() {
        let out = run("FROM node\nWORKDIR /a\nRUN npm ci\n", true, &["DO210"]);
        assert_eq!(
            out.output,
            "FROM node\nWORKDIR /a\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
        );
        let user = run("FROM node\nUSER node\nRUN npm ci\n", true, &["DO210"]);
        assert!(user.applied.is_empty());
    }
}
