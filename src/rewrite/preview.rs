//! What `dockopt fix` would do to a checked file, for `check`'s Markdown
//! report (the command layer calls this; report only renders it).

use crate::rules::engine::{AfterFix, FileKind, FileReport, RebuildEstimate};
use std::path::Path;

/// The safe fixes `dockopt fix` would apply to this file: their diff and the
/// rebuild estimate on the fixed text. None when no safe fix applies.
pub fn after_fix(file: &FileReport) -> Option<AfterFix> {
    if file.kind != FileKind::Dockerfile || file.error.is_some() {
        return None;
    }
    let path = Path::new(&file.path);
    if !path.is_file() {
        return None;
    }
    let out = super::fix_file(
        &file.text,
        path,
        file.context.as_deref(),
        &super::Settings::default(),
    )
    .ok()?;
    if out.output == file.text {
        return None;
    }
    let diff = super::write::unified_diff(
        &file.text,
        &out.output,
        &format!("a/{}", file.path),
        &format!("b/{}", file.path),
    );
    Some(AfterFix {
        diff,
        rebuild: fixed_rebuild(file, &out.output),
    })
}

/// The same one-file edit as `file.rebuild`, simulated on the fixed text.
fn fixed_rebuild(file: &FileReport, fixed: &str) -> Option<RebuildEstimate> {
    let before = file.rebuild.as_ref()?;
    let path = Path::new(&file.path);
    let root = file
        .context
        .as_deref()
        .unwrap_or_else(|| crate::context::default_root(path));
    let tree = crate::context::ContextTree::load(root, Some(path)).ok()?;
    let (edited_tree, _) = tree.with_changed(&[before.edited.as_str()]);
    let opts = crate::model::BuildOptions::default();
    let a = crate::change::input_from_text(file.path.clone(), fixed, &opts, tree).ok()?;
    let b = crate::change::input_from_text(file.path.clone(), fixed, &opts, edited_tree).ok()?;
    let sim = crate::cache::simulate(&a, &b);
    let built: Vec<_> = sim
        .steps
        .iter()
        .filter(|s| s.result != crate::cache::Verdict::NotBuilt)
        .collect();
    let rerun: Vec<usize> = built
        .iter()
        .filter(|s| s.result == crate::cache::Verdict::Miss)
        .map(|s| s.line)
        .collect();
    Some(RebuildEstimate {
        edited: before.edited.clone(),
        rerun: rerun.len(),
        total: built.len(),
        rerun_lines: rerun,
    })
}
