//! The split checked against the effects model: what the install reads
//! that the full COPY brings is copied first, or the split is refused.

use super::mapped::Mapped;
use crate::context::EntryKind;
use crate::ecosystem::Files;
use crate::effects;
use crate::model::{path, CopyOp, RunOp};
use crate::rewrite::{hazard, Checker};
use crate::syntax::Instruction;

/// Checks the split against the effects model: every file the install reads
/// that the full COPY brings must be copied first (tool configuration files
/// found this way are added to `items`); a read of a whole directory, a
/// symlinked manifest whose target is not copied, or any other hazard of
/// moving the install above the full COPY refuses the split, with the reason.
/// The RUN that goes above the full COPY: the install, or (`pre_text`) the
/// dependency-only command of a two-phase split, in the install's state.
pub(super) struct Above<'a> {
    pub ins: &'a Instruction,
    pub run: &'a RunOp,
    pub pre_text: Option<&'a str>,
    /// What the ops above the full COPY left (folders, links).
    pub before: &'a hazard::Before,
    /// The COPYs (of named files or folders) between the full COPY and the
    /// install, which it crosses as well.
    pub crossed: &'a [Crossed<'a>],
}

/// A COPY the install crosses besides the full one.
pub(super) struct Crossed<'a> {
    pub copy: &'a CopyOp,
    /// Its text, for the reason.
    pub line: String,
    /// What the ops above it leave.
    pub before: hazard::Before,
}

pub(super) fn effects_allow(
    c: &Checker,
    above: Above,
    cop: &CopyOp,
    mapped: &Mapped,
    items: &mut Vec<String>,
    lock_may_change: bool,
) -> Result<(), String> {
    let (Some(ctx), Some(root)) = (c.context, c.root) else {
        return Err("the build context is not known".into());
    };
    let files = hazard::CopyFiles {
        copy: cop,
        ctx,
        root,
    };
    let Above {
        ins,
        run,
        pre_text,
        before,
        crossed,
    } = above;
    let pre_run;
    let run = match pre_text {
        Some(t) => {
            let mut r = run.clone();
            match r.argv.last_mut() {
                Some(last) => *last = t.to_string(),
                None => return Err("the RUN has no command".into()),
            }
            pre_run = r;
            &pre_run
        }
        None => run,
    };
    let mut fx = match pre_text {
        Some(_) => effects::of_op(run, &files),
        None => effects::of_model_run_with(c.df, c.model, ins, run, &files),
    };
    if fx.unknown || fx.reads.is_everything() {
        return Err(match fx.why.first() {
            Some(w) => format!("{w}, so the install may read files not copied yet"),
            None => "the install may read any file, including ones not copied yet".into(),
        });
    }
    // Nothing the crossed COPYs bring is provided first: the install must
    // neither read what they write nor write where they do.
    for x in crossed {
        hazard::run_may_cross_where(&fx, run, x.copy, Some(ctx), &x.before)
            .map_err(|w| format!("the install may not move above `{}`: {w}", x.line))?;
    }
    let dest = path::clean(&cop.dest);
    let provided =
        |items: &[String], p: &str| items.iter().any(|i| effects::under(p, &mapped.at(i)));
    // A path a configuration file names (pip.conf's find-links, .npmrc's
    // cafile) is read like any other: a file is copied first with the
    // config, a directory refuses the split.
    let named = |p: &str| {
        fx.named.get(p).map(|(cfg, written)| {
            let cfg = mapped.rel(cfg).unwrap_or_else(|| cfg.clone());
            format!("{cfg} names {written}, which the manifest COPY would not copy")
        })
    };
    // A folder the install only enters (`cd web && npm ci`) exists once a
    // manifest lands in it: the manifest COPY makes it.
    let entered = |items: &[String], p: &str| {
        fx.entered_only.contains(p) && items.iter().any(|i| effects::under(&mapped.at(i), p))
    };
    for p in fx.reads.iter() {
        if !hazard::copy_touches(cop, Some(ctx), p) || provided(items, p) || entered(items, p) {
            continue;
        }
        let rel = mapped.rel(p).unwrap_or_default();
        if rel.is_empty() || !effects::under(p, &dest) {
            return Err(named(p).unwrap_or_else(|| {
                format!("the install reads all of {p}, which the full COPY brings")
            }));
        }
        match mapped.kind(p) {
            Some(_) if fx.config_files.contains(p) || mapped.kind(p) == Some(false) => {
                items.push(rel)
            }
            _ => {
                return Err(named(p).unwrap_or_else(|| {
                    format!("the install reads {rel}, which the manifest COPY would not copy")
                }))
            }
        }
    }
    // A manifest that is a symlink: the manifest COPY, which names it,
    // follows it (a file lands), but the full COPY of its folder brings the
    // link itself, which must lead to a file the full COPY brings too.
    for i in items.iter() {
        let Some(cpath) = mapped.ctx(&mapped.at(i)) else {
            continue;
        };
        let Some(e) = ctx.get(&cpath) else { continue };
        if e.kind != EntryKind::Symlink {
            continue;
        }
        let target = e.link_target.clone().unwrap_or_default();
        let ok = if target.starts_with('/') {
            !effects::under(&path::clean(&target), &dest)
        } else {
            let dir = i.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let joined = if dir.is_empty() {
                target.clone()
            } else {
                format!("{dir}/{target}")
            };
            let t = path::clean(&joined);
            items.contains(&t)
        };
        if !ok {
            return Err(format!(
                "{i} is a symlink to {target}, which the full COPY would not bring (it copies the link itself, and the manifest COPY the file the link leads to)"
            ));
        }
    }
    if lock_may_change && !fx.writes.is_everything() {
        // The lock the install may rewrite is the declared unsafety of this
        // split (an Unsafe fix): the full COPY puts the original back.
        let mut kept = effects::PathSet::default();
        for p in fx.writes.iter().filter(|p| !provided(items, p)) {
            kept.insert(p);
        }
        fx.writes = kept;
    }
    let provides = |p: &str| provided(items, p);
    // Where the RUN lands, the manifest COPY has made the folders its files
    // land in (what a folder the RUN only enters needs).
    let with_manifests;
    let before = if fx.entered_only.is_empty() {
        before
    } else {
        let mut b = before.clone();
        let landed: Vec<String> = items.iter().map(|i| mapped.at(i)).collect();
        b.add_landed(landed.iter().map(String::as_str));
        with_manifests = b;
        &with_manifests
    };
    hazard::run_may_cross_with(&fx, run, cop, Some(ctx), &provides, true, before)
        .map_err(|w| format!("the install may not move above the full COPY: {w}"))
}
