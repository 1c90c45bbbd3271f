//! The differential oracle for one case: `dockopt fix` (safe fixes only, as `dockopt fix` runs
//! by default) through the library's public `rewrite::fix_file`, then both Dockerfiles built on
//! the engine and the images compared with the equivalence tier's routine.

use super::case::Case;
use crate::engine_equiv::compare::{config, diff_maps, export};
use dockopt::rewrite::{self, Settings};
use std::path::Path;
use std::process::{Command, Stdio};

pub enum Verdict {
    /// `fix` changed nothing: nothing to build.
    Unchanged,
    /// `fix` refused with an error (nothing would be written: safe by construction).
    FixError(String),
    /// The original does not build: the case says nothing about the fix.
    Invalid(String),
    /// Rewritten, and both images are identical.
    Equivalent { fixed: String, codes: Vec<String> },
    /// Rewritten, and the rewrite fails to build or builds a different image.
    NotEquivalent {
        fixed: String,
        codes: Vec<String>,
        problems: Vec<String>,
    },
}

fn docker() -> String {
    std::env::var("DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into())
}

/// `docker build` with `-f` from outside the context, so both variants see the same context.
/// The label lets the run remove the images it leaves dangling, and nothing else.
pub fn build(dockerfile: &Path, ctx: &Path, tag: &str, no_cache: bool) -> Result<(), String> {
    let out = Command::new(docker())
        .env("DOCKER_BUILDKIT", "1")
        .args(["build", "--network=none", "--progress=plain"])
        .args(no_cache.then_some("--no-cache"))
        .args(["--label", super::LABEL, "-t", tag, "-f"])
        .arg(dockerfile)
        .arg(ctx)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("docker build: {e}"))?;
    if out.status.success() {
        return Ok(());
    }
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let tail: Vec<&str> = log.lines().rev().take(8).collect();
    Err(tail.into_iter().rev().collect::<Vec<_>>().join("\n"))
}

/// Runs the oracle on `case` in the scratch directory `work` (empty, unique to this case: the
/// engine keeps a context's last transfer per directory and refreshes it by size and mtime
/// only, so reusing a directory could build with stale files; buildkit-cache.md §9.4).
/// `tag` prefixes the two image tags. With `self_check`, the "rewrite" is the original itself,
/// rebuilt without cache: any difference then is the harness's own nondeterminism.
pub fn check(case: &Case, work: &Path, tag: &str, self_check: bool) -> Result<Verdict, String> {
    let ctx = work.join("ctx");
    std::fs::create_dir_all(&ctx).map_err(|e| e.to_string())?;
    case.write_to(&ctx)
        .map_err(|e| format!("writing the case: {e}"))?;
    if self_check {
        return compare_builds(case, work, &ctx, tag, case.dockerfile.clone(), vec![], true);
    }
    let out = match rewrite::fix_file(
        &case.dockerfile,
        &ctx.join("Dockerfile"),
        None,
        &Settings::default(),
    ) {
        Ok(o) => o,
        Err(e) => return Ok(Verdict::FixError(e.to_string())),
    };
    if out.output == case.dockerfile {
        return Ok(Verdict::Unchanged);
    }
    let codes: Vec<String> = out.applied.iter().map(|a| a.code.to_string()).collect();
    compare_builds(case, work, &ctx, tag, out.output, codes, false)
}

fn compare_builds(
    case: &Case,
    work: &Path,
    ctx: &Path,
    tag: &str,
    fixed: String,
    codes: Vec<String>,
    no_cache: bool,
) -> Result<Verdict, String> {
    let (fo, ff) = (work.join("orig.Dockerfile"), work.join("fixed.Dockerfile"));
    std::fs::write(&fo, &case.dockerfile).map_err(|e| e.to_string())?;
    std::fs::write(&ff, &fixed).map_err(|e| e.to_string())?;
    let (to, tf) = (format!("{tag}-orig"), format!("{tag}-fixed"));
    if let Err(e) = build(&fo, ctx, &to, false) {
        return Ok(Verdict::Invalid(e));
    }
    if let Err(e) = build(&ff, ctx, &tf, no_cache) {
        return Ok(Verdict::NotEquivalent {
            fixed,
            codes,
            problems: vec![format!("the rewrite does not build:\n{e}")],
        });
    }
    let mut problems = diff_maps(&export(&to)?, &export(&tf)?);
    let (co, cf) = (config(&to)?, config(&tf)?);
    if co != cf {
        problems.push(format!("config differs:\n  {co}\n  {cf}"));
    }
    Ok(if problems.is_empty() {
        Verdict::Equivalent { fixed, codes }
    } else {
        Verdict::NotEquivalent {
            fixed,
            codes,
            problems,
        }
    })
}
