//! Applying a `.dockerignore` to a set of paths the way fsutil's walker does: excluded entries
//! vanish, excluded directories are pruned when no exception can reach below them, and every
//! kept entry brings its parent directories along (§9.3).

use std::collections::{BTreeMap, HashMap};

use super::dockerignore::DockerIgnore;
use super::entry::Entry;
use super::path::ancestors;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verdict {
    Keep,
    /// Excluded, but (for a directory) its contents must still be looked at.
    Excluded,
    /// An excluded directory whose whole subtree can be dropped without looking.
    Prune,
}

pub(crate) fn verdict(ignore: Option<&DockerIgnore>, rel: &str, is_dir: bool) -> Verdict {
    match ignore {
        Some(ig) if ig.is_excluded(rel) => {
            if is_dir && ig.can_skip_dir(rel) {
                Verdict::Prune
            } else {
                Verdict::Excluded
            }
        }
        _ => Verdict::Keep,
    }
}

/// Re-inserts the excluded-but-walked directories (from `pool`) that are ancestors of kept
/// entries, so `build` + `!build/keep.txt` yields a `build/` holding only `keep.txt`.
pub(crate) fn add_parents(kept: &mut BTreeMap<String, Entry>, pool: &HashMap<String, Entry>) {
    let missing: Vec<String> = kept
        .keys()
        .flat_map(|k| ancestors(k))
        .filter(|a| !kept.contains_key(*a))
        .map(str::to_string)
        .collect();
    for dir in missing {
        if kept.contains_key(&dir) {
            continue;
        }
        // The walker always records a directory it descends into; the fallback only covers a
        // directory it could not stat.
        let entry = pool.get(&dir).cloned().unwrap_or_else(|| {
            Entry::new(super::entry::EntryKind::Dir, super::entry::ROOT_MODE, 0)
        });
        kept.insert(dir, entry);
    }
}
