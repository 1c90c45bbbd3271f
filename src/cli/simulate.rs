//! `dockopt simulate` and `dockopt snapshot`.

use super::args::{CacheSourceArgs, ChangeArgs, SimFormat, SimulateArgs, SnapshotArgs};
use super::input::{build_args, image_configs};
use super::{Outcome, Reported};
use dockopt::cache;
use dockopt::change::{self, ChangeError, ChangeKind, ChangeSpec, Prepared, Snapshot};
use dockopt::context::ContextTree;
use dockopt::report::simulate as report;

/// The change the flags describe.
pub fn spec(a: &ChangeArgs) -> anyhow::Result<ChangeSpec> {
    let kind = if let (Some(b), Some(af)) = (&a.before, &a.after) {
        ChangeKind::Dirs {
            before: b.clone(),
            after: af.clone(),
        }
    } else if let Some(r) = &a.git {
        ChangeKind::Git(r.clone())
    } else if let Some(s) = &a.before_snapshot {
        ChangeKind::Snapshot(s.clone())
    } else if !a.changed.is_empty() {
        ChangeKind::Paths(context_relative_paths(a)?)
    } else {
        ChangeKind::Nothing
    };
    Ok(ChangeSpec {
        dockerfile: a.file.clone(),
        context: a.context.clone(),
        target: a.target.clone(),
        build_args: build_args(&a.build_args)?,
        after_build_args: build_args(&a.after_build_args)?,
        base_changed: a.base_changed.clone(),
        image_configs: image_configs(&a.image_configs)?,
        kind,
    })
}

/// `--changed` paths are relative to the context; a path that exists as
/// given (relative to the working directory) inside the context is made
/// relative to it, so `--changed app/src/x.py --context app` works too.
fn context_relative_paths(a: &ChangeArgs) -> anyhow::Result<Vec<String>> {
    let (context, _) = change::locate(a.context.as_deref(), a.file.as_deref())?;
    let root = context.canonicalize()?;
    let cwd = std::env::current_dir()?;
    a.changed
        .iter()
        .map(|p| resolve_changed(p, &context, &root, &cwd))
        .collect()
}

/// Removes `.` and resolves `..` lexically; None when `..` climbs above the start.
fn normalize(p: &std::path::Path) -> Option<std::path::PathBuf> {
    use std::path::Component;
    let mut out = std::path::PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            other => out.push(other),
        }
    }
    Some(out)
}

/// One `--changed` path as a context-relative path. Relative paths are taken
/// relative to the context (or, when they exist that way, the working
/// directory); absolute ones must lie inside the context. A path outside the
/// context (`../x`, `/etc/passwd`) is an error, not a quietly different file.
fn resolve_changed(
    p: &str,
    context: &std::path::Path,
    root: &std::path::Path,
    cwd: &std::path::Path,
) -> anyhow::Result<String> {
    let path = std::path::Path::new(p);
    let outside = || {
        anyhow::anyhow!(
            "--changed {p}: outside the build context {} (paths are relative to the context)",
            context.display()
        )
    };
    let under_root = |abs: &std::path::Path| -> Option<String> {
        // Existing paths are compared resolved (symlinks, `..`); new ones lexically.
        let abs = abs.canonicalize().ok().or_else(|| normalize(abs))?;
        abs.strip_prefix(root)
            .ok()
            .map(|r| r.to_string_lossy().to_string())
    };
    if path.is_absolute() {
        return under_root(path).ok_or_else(outside);
    }
    let in_context = normalize(path).ok_or_else(outside)?;
    if context.join(&in_context).symlink_metadata().is_ok() {
        return Ok(in_context.to_string_lossy().to_string());
    }
    // `app/src/x.py --context app`: the path exists relative to the working directory.
    if cwd.join(path).exists() {
        if let Some(r) = under_root(&cwd.join(path)) {
            return Ok(r);
        }
    }
    Ok(in_context.to_string_lossy().to_string())
}

/// Prepares both builds; parse errors are printed with their code frame.
pub fn prepare(a: &ChangeArgs) -> anyhow::Result<Prepared> {
    match change::prepare(&spec(a)?) {
        Ok(p) => Ok(p),
        Err(ChangeError::Parse(rendered)) => {
            eprint!("{rendered}");
            Err(Reported.into())
        }
        Err(e) => Err(e.into()),
    }
}

pub fn run(a: SimulateArgs) -> anyhow::Result<Outcome> {
    let p = prepare(&a.change)?;
    for w in p.after.context.warnings() {
        eprintln!("warning: {}", super::masked(&w.to_string()));
    }
    for w in &p.after.model.warnings {
        eprintln!(
            "warning: {}",
            super::masked(&format!("{}: {w}", p.after.name))
        );
    }
    let mut notes = p.notes.clone();
    let sim = with_source(&p, &a.change, &a.source, &mut notes)?;
    match a.format {
        SimFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&super::masked_json(report::to_json(&sim, &notes)))?
        ),
        SimFormat::Text => print!(
            "{}",
            super::masked(&report::to_text(&p.after.name, &sim, &notes))
        ),
    }
    Ok(Outcome::Clean)
}

/// The simulation as a build importing `--cache-source` sees it (plain
/// `simulate` without the flag); `--cache-target` re-loads the first build
/// with the target the exporting run built.
pub fn with_source(
    p: &Prepared,
    c: &ChangeArgs,
    s: &CacheSourceArgs,
    notes: &mut Vec<String>,
) -> anyhow::Result<cache::Simulation> {
    let Some(source) = &s.cache_source else {
        return Ok(cache::simulate(&p.before, &p.after));
    };
    notes.push(format!(
        "cache source: {source}{}",
        if source.engine_verified() {
            ""
        } else {
            " (modelled from BuildKit's source, not engine-verified)"
        }
    ));
    let other;
    let before = match &s.cache_target {
        Some(t) if Some(t) != c.target.as_ref() => {
            let mut sp = spec(c)?;
            sp.target = Some(t.clone());
            other = match change::prepare(&sp) {
                Ok(o) => o,
                Err(ChangeError::Parse(rendered)) => {
                    eprint!("{rendered}");
                    return Err(Reported.into());
                }
                Err(e) => return Err(e.into()),
            };
            notes.push(format!("the cache was exported by a build of target `{t}`"));
            &other.before
        }
        _ => &p.before,
    };
    Ok(cache::simulate_with_source(before, &p.after, source))
}

pub fn snapshot(a: SnapshotArgs) -> anyhow::Result<Outcome> {
    let (context, dockerfile) = change::locate(a.context.as_deref(), a.file.as_deref())?;
    let text = dockopt::source::read_text(&dockerfile, dockopt::source::MAX_DOCKERFILE_BYTES)?;
    if let Err(e) = dockopt::syntax::parse(&text) {
        eprint!("{}", e.render(&dockerfile.display().to_string(), &text));
        return Err(Reported.into());
    }
    let tree = ContextTree::load(&context, Some(&dockerfile))?;
    for w in tree.warnings() {
        eprintln!("warning: {w}");
    }
    println!(
        "{}",
        Snapshot::new(&dockerfile.display().to_string(), &text, tree).to_json()
    );
    Ok(Outcome::Clean)
}
