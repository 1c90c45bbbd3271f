//! (e) The harness must fail the tier on a fix that is not equivalent on the real toolchain:
//! a deliberately wrong rewrite moves `pip install` above the COPY that brings `pip.conf`, so
//! real pip installs into its default location instead of the configured target. It goes
//! through exactly what a real app's safe fix goes through (the original built `--no-cache`,
//! the rewrite built on its cache, `equiv::judge_build` with this run's observed excuses,
//! `Report::fix_verdict`), and that verdict must be a failure, for a reason no excuse covers.

use crate::engine;
use crate::equiv::judge_build;
use crate::excuses::{diff_path, Excuses};
use crate::report::Report;
use crate::workdir::PREFIX;

const ORIGINAL: &str = "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY pip.conf /etc/pip.conf\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n";
const WRONG: &str = "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY pip.conf /etc/pip.conf\n";

pub fn run(excuses: &Excuses, recipe: &str) -> Result<String, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ctx = tmp.path().join("ctx");
    std::fs::create_dir(&ctx).map_err(|e| e.to_string())?;
    let w = |p: &std::path::Path, t: &str| std::fs::write(p, t).map_err(|e| e.to_string());
    w(&ctx.join("pip.conf"), "[install]\ntarget = /opt/pylib\n")?;
    w(&ctx.join("requirements.txt"), "six==1.16.0\n")?;
    let (o, f) = (
        tmp.path().join("o.Dockerfile"),
        tmp.path().join("w.Dockerfile"),
    );
    w(&o, &engine::for_engine(ORIGINAL, PREFIX))?;
    w(&f, &engine::for_engine(WRONG, PREFIX))?;
    let (to, tw) = (
        "dockopt-real-app/selftest:orig",
        "dockopt-real-app/selftest:wrong",
    );
    engine::build_labelled(&o, &ctx, to, true, recipe)?;
    let judged = judge_build(to, &f, &ctx, tw, recipe, excuses)?;
    // Caught for the right reason: paths no excuse could ever cover, whatever the baselines saw.
    let unexcusable: Vec<&String> = judged
        .1
        .iter()
        .filter(|d| excuses.find(diff_path(d)).is_none())
        .collect();
    let example = unexcusable.first().map(|s| s.to_string());
    let n = unexcusable.len();
    let mut scratch = Report::quiet();
    scratch.fix_verdict("selftest", "pip install above COPY pip.conf", Ok(judged));
    match (scratch.failed(), example) {
        (true, Some(e)) => Ok(format!(
            "the wrong rewrite fails the tier's verdict: {n} differences no excuse covers, e.g. {e}"
        )),
        (true, None) => Err(
            "the wrong rewrite failed only on differences an excuse could cover: not a proof"
                .into(),
        ),
        (false, _) => Err("the wrong rewrite passed the tier's verdict as equivalent".into()),
    }
}
