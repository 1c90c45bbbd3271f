//! (a) the nondeterminism baseline and (b) the safe fix's equivalence, judged by the shared
//! image comparison of tests/engine_equiv/compare.rs up to the measured excuses.

use crate::compare::{config, diff_maps, export, FsMap};
use crate::engine;
use crate::excuses::Excuses;
use crate::workdir::{cache_dir, AppWork};
use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Exports already read in this run, by image ID. An app's original is compared twice (with
/// its baseline twin, then with its fix); exporting and hashing a 500–800 MB image is one of
/// the tier's costly steps, and the ID makes a rebuilt tag a new entry.
static EXPORTS: Mutex<Option<HashMap<String, Arc<FsMap>>>> = Mutex::new(None);

fn export_once(tag: &str) -> Result<Arc<FsMap>, String> {
    let id = engine::output(&["image", "inspect", "-f", "{{.Id}}", tag])?;
    let lock = |e: std::sync::PoisonError<_>| format!("export cache: {e}");
    if let Some(m) = EXPORTS
        .lock()
        .map_err(lock)?
        .get_or_insert_with(HashMap::new)
        .get(&id)
    {
        return Ok(m.clone());
    }
    let m = Arc::new(export(tag)?);
    EXPORTS
        .lock()
        .map_err(lock)?
        .get_or_insert_with(HashMap::new)
        .insert(id, m.clone());
    Ok(m)
}

/// Every difference between two images: filesystem lines, then a config line if any.
pub fn differences(a: &str, b: &str) -> Result<Vec<String>, String> {
    let (ma, mb) = (export_once(a)?, export_once(b)?);
    let mut d = diff_maps(&ma, &mb);
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
