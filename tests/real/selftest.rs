//! (e) The harness must catch a fix that is not equivalent on the real toolchain: a
//! deliberately wrong rewrite moves `pip install` above the COPY that brings `pip.conf`, so
//! pip installs into the default location instead of the configured target. The comparison
//! (with the same excuses as the real fixes) must report it.

use crate::engine;
use crate::equiv::differences;
use crate::excuses::{diff_path, Excuses};
use crate::workdir::PREFIX;

const ORIGINAL: &str = "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY pip.conf /etc/pip.conf\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\n";
const WRONG: &str = "FROM python:3.11-slim-bookworm\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY pip.conf /etc/pip.conf\n";

pub fn run(excuses: &Excuses) -> Result<String, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ctx = tmp.path().join("ctx");
    std::fs::create_dir(&ctx).map_err(|e| e.to_string())?;
    let w = |p: &str, t: &str| std::fs::write(p, t).map_err(|e| e.to_string());
    w(
        ctx.join("pip.conf").to_str().unwrap(),
        "[install]\ntarget = /opt/pylib\n",
    )?;
    w(
        ctx.join("requirements.txt").to_str().unwrap(),
        "six==1.16.0\n",
    )?;
    let (o, f) = (
        tmp.path().join("o.Dockerfile"),
        tmp.path().join("w.Dockerfile"),
    );
    w(o.to_str().unwrap(), &engine::for_engine(ORIGINAL, PREFIX))?;
    w(f.to_str().unwrap(), &engine::for_engine(WRONG, PREFIX))?;
    let (to, tw) = (
        "dockopt-real-app/selftest:orig",
        "dockopt-real-app/selftest:wrong",
    );
    engine::build(&o, &ctx, to, false)?;
    engine::build(&f, &ctx, tw, false)?;
    let diffs = differences(to, tw)?;
    let (excused, bad) = excuses.judge(&diffs);
    // Caught for the right reason: paths no excuse could ever cover, whatever the baselines saw.
    let bad: Vec<String> = bad
        .into_iter()
        .filter(|d| excuses.find(diff_path(d)).is_none())
        .collect();
    if bad.is_empty() {
        return Err(format!(
            "the wrong rewrite passed as equivalent ({} differences, {excused} excused)",
            diffs.len()
        ));
    }
    Ok(format!(
        "the wrong rewrite is reported: {} unexcused differences, e.g. {}",
        bad.len(),
        bad[0]
    ))
}
