//! (a) the nondeterminism baseline and (b) the safe fix's equivalence, judged by the shared
//! image comparison of tests/engine_equiv/compare.rs up to the measured excuses.

use crate::compare::{config, diff_maps, export};
use crate::engine;
use crate::excuses::Excuses;
use crate::workdir::{cache_dir, AppWork};
use std::path::Path;

/// Every difference between two images: filesystem lines, then a config line if any.
pub fn differences(a: &str, b: &str) -> Result<Vec<String>, String> {
    let mut d = diff_maps(&export(a)?, &export(b)?);
    let (ca, cb) = (config(a)?, config(b)?);
    if ca != cb {
        d.push(format!("config differs:\n  {ca}\n  {cb}"));
    }
    Ok(d)
}

/// Two `--no-cache` builds of the original: what differs is this toolchain's nondeterminism.
/// Returns the differences no excuse explains (a failure: measure and list it first).
/// Measured once per recipe: a warm run reads the differences back from the cache.
pub fn baseline(w: &AppWork, excuses: &mut Excuses) -> Result<Vec<String>, String> {
    let dir = cache_dir().join("baseline");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let saved = dir.join(format!("{}-{}.txt", w.app.name, w.hash));
    let (diffs, how) = match std::fs::read_to_string(&saved) {
        Ok(text) if w.reused => (
            text.split("\n\0\n")
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect::<Vec<_>>(),
            "measured earlier for this recipe",
        ),
        _ => {
            let second = format!("{}-b", w.tag("orig"));
            engine::build_labelled(&w.orig_df, &w.ctx, &second, true, &w.hash)?;
            let diffs = differences(&w.tag("orig"), &second)?;
            let _ = engine::output(&["rmi", &second]);
            std::fs::write(&saved, diffs.join("\n\0\n")).map_err(|e| e.to_string())?;
            (diffs, "measured now")
        }
    };
    println!(
        "      baseline: {} paths differ between two --no-cache builds ({how})",
        diffs.len()
    );
    Ok(excuses.observe(&w.app.name, &diffs))
}

/// The fixed Dockerfile's image against the original's: (excused differences, failures).
pub fn fixed(w: &AppWork, excuses: &Excuses) -> Result<(usize, Vec<String>), String> {
    judge_build(
        &w.tag("orig"),
        &w.fixed_df,
        &w.ctx,
        &w.tag("fixed"),
        &w.hash,
        excuses,
    )
}

/// Builds `dockerfile` as `tag` on the original's cache and judges its image against
/// `orig_tag` up to the observed excuses.
pub fn judge_build(
    orig_tag: &str,
    dockerfile: &Path,
    ctx: &Path,
    tag: &str,
    label: &str,
    excuses: &Excuses,
) -> Result<(usize, Vec<String>), String> {
    engine::build_labelled(dockerfile, ctx, tag, false, label)?;
    let diffs = differences(orig_tag, tag)?;
    let (excused, bad) = excuses.judge(&diffs);
    let (bad, by_mirror) = crate::mirror::excuse_updates(orig_tag, tag, bad)?;
    Ok((excused + by_mirror, bad))
}
