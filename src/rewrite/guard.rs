//! The run-time equivalence guard for Safe fixes.
//!
//! It checks, per stage, that the output's op sequence is the input's with
//! exactly the edits the applied fixes declared ([`Transform`]) and nothing
//! else:
//! - same stages, names, bases and target, and the same image config for
//!   every stage;
//! - the ops compared **in order**; an op that is not moved, merged or
//!   inserted is identical (command text, env, cwd, user, mounts, flags);
//! - a declared move of a RUN crosses only COPY/ADD ops (never a RUN or a
//!   WORKDIR), and is re-justified at its new position by the hazard check
//!   ([`super::hazard`]) against each COPY it crossed; the files a crossed
//!   COPY writes that the RUN reads must be brought before it by a declared
//!   manifest COPY;
//! - a declared merge joins two RUNs adjacent in the input, with the same
//!   state, into one whose shell tokens are exactly the first's, `&&`, then
//!   the second's (tokens from the shell model: blanks between words do not
//!   count, quoting does), and the first does nothing that changes what the
//!   second sees (`cd`, `export`, `set`, assignments…);
//! - a declared manifest COPY copies from the context, with no wildcard,
//!   files that a later COPY in the stage copies again to the same place
//!   with the same `--chown`/`--chmod`;
//! - a declared inserted RUN is the dependency-only first phase of the next
//!   RUN (same state, the same first commands, then the ecosystem table's
//!   dependency-only form of its project install) and passes the hazard
//!   check against every COPY it precedes.

use super::hazard;
use super::Transform;
use crate::context::ContextTree;
use crate::effects;
use crate::model::{path, CopyOp, CopySource, Model, Op, RunOp};
use crate::shell;
use crate::syntax::Dockerfile;
use std::path::Path;

pub fn configs_equal(before: &Model, after: &Model) -> Result<(), String> {
    if before.stages.len() != after.stages.len() {
        return Err("the number of stages changed".into());
    }
    if before.target != after.target {
        return Err("the target stage changed".into());
    }
    for (b, a) in before.stages.iter().zip(&after.stages) {
        if b.name != a.name || format!("{:?}", b.base) != format!("{:?}", a.base) {
            return Err(format!("stage {} changed its name or base", b.index));
        }
        if b.config != a.config {
            return Err(format!("stage {}'s image config changed", b.index));
        }
    }
    Ok(())
}

/// Same state: everything but the command text.
fn run_state_eq(a: &RunOp, b: &RunOp) -> bool {
    a.env == b.env
        && a.cwd == b.cwd
        && a.user == b.user
        && a.mounts == b.mounts
        && a.mount_stages == b.mount_stages
        && a.network == b.network
        && a.security == b.security
        && a.heredocs.is_empty()
        && b.heredocs.is_empty()
        && a.argv.len() == b.argv.len()
        && a.argv.len() >= 2
        && a.argv[..a.argv.len() - 1] == b.argv[..b.argv.len() - 1]
}

/// The script of a shell-form RUN op, when its shell is one the model reads.
fn script_of(r: &RunOp) -> Result<shell::Script, String> {
    let prefix = &r.argv[..r.argv.len().saturating_sub(1)];
    if !shell::is_posix_shell(prefix) {
        return Err("a merged RUN does not run in a POSIX shell".into());
    }
    shell::from_argv(&r.argv).map_err(|e| format!("a merged RUN does not parse ({e})"))
}

/// Why `a` then `b` as `a && b` is not the same as two RUNs, or Ok.
fn merge_ok(a: &RunOp, b: &RunOp, merged: &RunOp) -> Result<(), String> {
    if !run_state_eq(a, merged) || !run_state_eq(b, merged) {
        return Err("a merged RUN has a different env, cwd, user, shell or mounts".into());
    }
    let (sa, sb, sm) = (script_of(a)?, script_of(b)?, script_of(merged)?);
    let mut want = shell::tokens(&sa);
    want.push("&&".into());
    want.extend(shell::tokens(&sb));
    if shell::tokens(&sm) != want {
        return Err("a merged RUN is not the first command, `&&`, then the second".into());
    }
    if sa.items.last().is_some_and(|i| i.background) {
        return Err("the first RUN of a merge ends in `&`".into());
    }
    hazard::merge_first_ok(&sa)?;
    hazard::merge_second_ok(&sb)
}

/// Where a context file `p` copied by `c` lands (None if `c` does not copy it).
fn landing(c: &CopyOp, p: &str, ctx: Option<&ContextTree>) -> Option<String> {
    for s in &c.srcs {
        if s.wildcard || s.inline.is_some() || s.remote.is_some() {
            continue;
        }
        let src_is_dir = ctx.and_then(|t| t.get(&s.path)).map(|e| e.is_dir())?;
        if s.path == p {
            return Some(if src_is_dir {
                path::clean(&c.dest)
            } else if c.dest.ends_with('/') || c.srcs.len() > 1 {
                path::join_abs(&c.dest, &s.basename)
            } else {
                path::clean(&c.dest)
            });
        }
        if src_is_dir {
            let rest = if s.path.is_empty() {
                Some(p)
            } else {
                p.strip_prefix(&format!("{}/", s.path))
            };
            if let Some(rest) = rest {
                return Some(path::join_abs(&c.dest, rest));
            }
        }
    }
    None
}

/// An added manifest COPY is allowed when a later COPY in the stage re-copies
/// each of its sources to the same place, from the context, with the same flags.
fn manifest_copy_ok(x: &CopyOp, later: &[&Op], ctx: Option<&ContextTree>) -> bool {
    if x.source != CopySource::Context || x.add || x.srcs.iter().any(|s| s.wildcard) {
        return false;
    }
    x.srcs.iter().all(|s| {
        let Some(target) = landing(x, &s.path, ctx) else {
            return false;
        };
        later.iter().any(|op| match op {
            Op::Copy(y) => {
                y.source == CopySource::Context
                    && y.chown == x.chown
                    && y.chmod == x.chmod
                    && y.exclude.is_empty()
                    && landing(y, &s.path, ctx).as_deref() == Some(target.as_str())
            }
            _ => false,
        })
    })
}

/// An ADD of context directories without archives, as the COPY it acts as.
fn plain_add(copy: &CopyOp, ctx: Option<&ContextTree>, root: Option<&Path>) -> Option<CopyOp> {
    match (copy.add, ctx, root) {
        (true, Some(c), Some(r)) => hazard::add_as_copy(copy, c, r).ok(),
        _ => None,
    }
}

/// A WORKDIR moved above COPY/ADD ops only (the ops it crossed are compared
/// unchanged, so their destinations did not depend on it), as root, over
/// COPYs without `--chown`/`--chmod`: the directory it creates is then
/// what those COPYs would have created.
fn workdir_move_ok(
    w: &crate::model::WorkdirOp,
    after: &[Expect],
    b: &[(usize, &Op)],
    j: usize,
) -> Result<(), String> {
    for e in after {
        let crossed = match *e {
            Expect::Same {
                j: j2,
                moved: false,
            } if j2 < j => b[j2].1,
            Expect::Merged { a: x, .. } if x < j => b[x].1,
            // Unmoved ops come in input order (see `check`).
            Expect::Same { moved: false, .. } | Expect::Merged { .. } => break,
            _ => continue,
        };
        match crossed {
            Op::Copy(c) => hazard::workdir_may_cross(&w.user, &w.path, c)
                .map_err(|why| format!("a WORKDIR moved above a COPY: {why}"))?,
            _ => return Err("a WORKDIR moved across a RUN or WORKDIR".into()),
        }
    }
    Ok(())
}

/// An inserted RUN is the dependency-only first phase of a later RUN (DO101's
/// two-phase split): the later RUN has the same state; the inserted one's
/// commands are the later one's first commands, token for token, except
/// the last, which is the ecosystem table's dependency-only form of the
/// later one's project install; and it may cross every COPY between them
/// by the hazard check, reading only what the manifest COPYs before it bring.
fn pre_install_ok(
    pre: &RunOp,
    later: &[&Op],
    provided: &[&CopyOp],
    ctx: Option<&ContextTree>,
    root: Option<&Path>,
    before: &hazard::Before,
) -> Result<(), String> {
    let mut crossed: Vec<&CopyOp> = Vec::new();
    let full = later.iter().find_map(|op| match op {
        Op::Copy(c) => {
            crossed.push(c);
            None
        }
        Op::Run(r) => Some(r),
        Op::Workdir(_) => None,
    });
    let Some(full) = full.filter(|r| run_state_eq(pre, r)) else {
        return Err("an inserted RUN is not followed by a RUN with the same state".into());
    };
    if crossed.is_empty() {
        return Err("an inserted RUN crosses no COPY".into());
    }
    let (sp, sf) = (script_of(pre)?, script_of(full)?);
    let words = |s: &shell::Script| -> Option<Vec<Vec<String>>> {
        let mut out = Vec::new();
        for (c, _) in shell::commands(s) {
            let mut w = Vec::new();
            for word in &c.words {
                w.push(word.literal()?);
            }
            out.push(w);
        }
        Some(out)
    };
    let (Some(wp), Some(wf)) = (words(&sp), words(&sf)) else {
        return Err("an inserted RUN has words that are not literal".into());
    };
    // The first commands of the RUN, then it installs the project (`pip install .`).
    if !wp.is_empty() && wf.len() > wp.len() && wf[..wp.len()] == *wp {
        let next: Vec<&str> = wf[wp.len()].iter().map(String::as_str).collect();
        if crate::ecosystem::is_project_install(&next) {
            return crossing_ok(pre, crossed, provided, ctx, root, before);
        }
    }
    let Some((last, head)) = wp.split_last() else {
        return Err("an inserted RUN runs nothing".into());
    };
    if wf.len() <= head.len() || wf[..head.len()] != *head {
        return Err("an inserted RUN is not the start of the RUN it precedes".into());
    }
    let orig: Vec<&str> = wf[head.len()].iter().map(String::as_str).collect();
    let want = crate::ecosystem::dependency_only(&orig);
    if want.as_deref() != Some(last.as_slice()) {
        return Err(format!(
            "an inserted RUN's `{}` is not the dependency-only form of `{}`",
            last.join(" "),
            orig.join(" ")
        ));
    }
    crossing_ok(pre, crossed, provided, ctx, root, before)
}

/// The hazard check of an inserted RUN against each COPY it precedes.
fn crossing_ok(
    pre: &RunOp,
    crossed: Vec<&CopyOp>,
    provided: &[&CopyOp],
    ctx: Option<&ContextTree>,
    root: Option<&Path>,
    before: &hazard::Before,
) -> Result<(), String> {
    for copy in crossed {
        let plain = plain_add(copy, ctx, root);
        let copy = plain.as_ref().unwrap_or(copy);
        let fx = match (ctx, root) {
            (Some(c), Some(r)) => effects::of_op(
                pre,
                &hazard::CopyFiles {
                    copy,
                    ctx: c,
                    root: r,
                },
            ),
            _ => effects::of_op(pre, &effects::NoFiles),
        };
        let provides = |p: &str| provided.iter().any(|x| manifest_provides(x, p, ctx));
        hazard::run_may_cross_with(&fx, pre, copy, ctx, &provides, !provided.is_empty(), before)
            .map_err(|w| format!("an inserted dependency-only RUN may not precede a COPY: {w}"))?;
    }
    Ok(())
}

/// Whether manifest COPY `x` brings image path `p` (a file it lands, or a
/// path inside a directory it lands).
fn manifest_provides(x: &CopyOp, p: &str, ctx: Option<&ContextTree>) -> bool {
    x.srcs.iter().any(|s| {
        landing(x, &s.path, ctx).is_some_and(|l| {
            let is_dir = ctx.and_then(|t| t.get(&s.path)).is_some_and(|e| e.is_dir());
            if is_dir {
                effects::under(p, &l)
            } else {
                p == l
            }
        })
    })
}

/// What the output should hold at one position.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Op `j` of the input, unchanged (moved if `moved`).
    Same { j: usize, moved: bool },
    /// Input ops `a` and `b` merged.
    Merged { a: usize, b: usize },
    /// A declared manifest COPY.
    Inserted,
}

#[allow(clippy::too_many_arguments)]
pub fn check(
    _dfb: &Dockerfile,
    before: &Model,
    _dfa: &Dockerfile,
    after: &Model,
    ctx: Option<&ContextTree>,
    root: Option<&Path>,
    declared: &[Transform],
) -> Result<(), String> {
    configs_equal(before, after)?;
    for stage in 0..before.stages.len() {
        let b: Vec<(usize, &Op)> = before
            .stage_steps(stage)
            .filter_map(|s| s.op.as_ref().map(|o| (s.instruction, o)))
            .collect();
        let a: Vec<&Op> = after
            .stage_steps(stage)
            .filter_map(|s| s.op.as_ref())
            .collect();
        // `b` is in instruction order: binary searches, not a scan per
        // declared transform (quadratic on long files).
        let pos = |ins: usize| b.binary_search_by_key(&ins, |(i, _)| *i).ok();
        // The first input op at or after instruction `above`.
        let slot = |above: usize| b.partition_point(|(i, _)| *i < above);
        let mut placed: Vec<(usize, Expect)> = Vec::new();
        let mut removed = vec![false; b.len()];
        let mut merged_into: Vec<Option<usize>> = vec![None; b.len()];
        for t in declared {
            match *t {
                Transform::Move { ins, above } => {
                    let Some(j) = pos(ins) else { continue };
                    removed[j] = true;
                    placed.push((slot(above), Expect::Same { j, moved: true }));
                }
                Transform::Merge { a: x, b: y } => {
                    let (Some(i), Some(j)) = (pos(x), pos(y)) else {
                        if pos(x).is_some() || pos(y).is_some() {
                            return Err(format!("stage {stage}: a merge spans two stages"));
                        }
                        continue;
                    };
                    if j != i + 1 {
                        return Err(format!(
                            "stage {stage}: a merge joins RUNs that are not adjacent"
                        ));
                    }
                    merged_into[i] = Some(j);
                    removed[j] = true;
                }
                Transform::Insert { above } => {
                    let here = before
                        .steps
                        .binary_search_by_key(&above, |s| s.instruction)
                        .is_ok_and(|k| before.steps[k].stage == stage);
                    if here {
                        placed.push((slot(above), Expect::Inserted));
                    }
                }
            }
        }
        // By slot, declared order kept within one slot (a stable sort).
        placed.sort_by_key(|(s, _)| *s);
        let mut next_placed = placed.iter().peekable();
        let mut expect: Vec<Expect> = Vec::new();
        for j in 0..=b.len() {
            while let Some((_, e)) = next_placed.next_if(|(s, _)| *s == j) {
                expect.push(*e);
            }
            if j < b.len() && !removed[j] {
                expect.push(match merged_into[j] {
                    Some(k) => Expect::Merged { a: j, b: k },
                    None => Expect::Same { j, moved: false },
                });
            }
        }
        if expect.len() != a.len() {
            return Err(format!(
                "stage {stage}: the output has {} ops where the declared edits give {}",
                a.len(),
                expect.len()
            ));
        }
        // The declared manifest COPYs before position k, grown as k advances
        // (collected again per inserted or moved op, it was quadratic).
        let mut provided: Vec<&CopyOp> = Vec::new();
        for (k, e) in expect.iter().enumerate() {
            match *e {
                Expect::Same { j, .. } => {
                    if a[k] != b[j].1 {
                        return Err(format!(
                            "stage {stage}: op {} differs from the input's op {} (an undeclared change or reorder)",
                            k + 1,
                            j + 1
                        ));
                    }
                }
                Expect::Merged { a: x, b: y } => match (b[x].1, b[y].1, a[k]) {
                    (Op::Run(ra), Op::Run(rb), Op::Run(rm)) => {
                        merge_ok(ra, rb, rm).map_err(|w| format!("stage {stage}: {w}"))?
                    }
                    _ => return Err(format!("stage {stage}: a merge of ops that are not RUNs")),
                },
                Expect::Inserted => match a[k] {
                    Op::Copy(x) if manifest_copy_ok(x, &a[k + 1..], ctx) => provided.push(x),
                    Op::Run(pre) => {
                        let before = hazard::Before::joined(
                            [
                                hazard::Before::of_bases(after, stage, true, ctx),
                                hazard::Before::of_in(a[..k].iter().copied(), ctx),
                            ]
                            .iter(),
                        );
                        pre_install_ok(pre, &a[k + 1..], &provided, ctx, root, &before)
                            .map_err(|w| format!("stage {stage}: {w}"))?
                    }
                    _ => {
                        return Err(format!(
                            "stage {stage}: an inserted op is not a manifest COPY re-copied later"
                        ))
                    }
                },
            }
        }
        // Re-justify every move at its new position, against what the ops
        // above it left (folders, links): each op read once per stage.
        let mut left: Option<Vec<hazard::Before>> = None;
        let mut joined = hazard::Before::default();
        let mut joined_upto = 0;
        // For each position, the first at or after it whose op did not move
        // (expect.len() past the end).
        let mut next_fixed = vec![expect.len(); expect.len() + 1];
        for i in (0..expect.len()).rev() {
            next_fixed[i] = match expect[i] {
                Expect::Same { moved: false, .. } | Expect::Merged { .. } => i,
                _ => next_fixed[i + 1],
            };
        }
        provided.clear();
        for (k, e) in expect.iter().enumerate() {
            if let (Expect::Inserted, Op::Copy(x)) = (e, a[k]) {
                provided.push(x);
            }
            let Expect::Same { j, moved: true } = *e else {
                continue;
            };
            if let Op::Workdir(w) = b[j].1 {
                workdir_move_ok(w, &expect[k + 1..], &b, j)
                    .map_err(|why| format!("stage {stage}: {why}"))?;
                continue;
            }
            let Op::Run(run) = b[j].1 else {
                return Err(format!("stage {stage}: only RUNs and WORKDIRs may move"));
            };
            // The base stages' first, then each op of this stage.
            let left = left.get_or_insert_with(|| {
                std::iter::once(hazard::Before::of_bases(after, stage, true, ctx))
                    .chain(
                        a.iter()
                            .map(|op| hazard::Before::of_in(std::iter::once(*op), ctx)),
                    )
                    .collect()
            });
            // What the ops above position k left, grown as k advances (joined
            // again per move, it was quadratic in a stage's moves).
            while joined_upto <= k {
                if let Some(l) = left.get(joined_upto) {
                    joined.extend(l.clone());
                }
                joined_upto += 1;
            }
            let mut before = joined.clone();
            // Only unmoved ops can be crossed: jump over the moved and
            // inserted ones (scanned one by one, n moves in a row above a
            // COPY were quadratic).
            let mut crossed_copies: Vec<std::borrow::Cow<'_, CopyOp>> = Vec::new();
            let mut at = k + 1;
            while let Some(&i) = next_fixed.get(at) {
                let Some(e2) = expect.get(i) else { break };
                at = i + 1;
                let crossed = match *e2 {
                    Expect::Same {
                        j: j2,
                        moved: false,
                    } if j2 < j => b[j2].1,
                    Expect::Merged { a: x, .. } if x < j => b[x].1,
                    // Unmoved ops come in input order: past the move's old
                    // place, nothing later was crossed.
                    Expect::Same { moved: false, .. } | Expect::Merged { .. } => break,
                    _ => continue,
                };
                let Op::Copy(copy) = crossed else {
                    return Err(format!(
                        "stage {stage}: a RUN moved across a {} (only COPY/ADD may be crossed)",
                        match crossed {
                            Op::Run(_) => "RUN",
                            Op::Workdir(_) => "WORKDIR",
                            Op::Copy(_) => "COPY",
                        }
                    ));
                };
                crossed_copies.push(match plain_add(copy, ctx, root) {
                    Some(plain) => std::borrow::Cow::Owned(plain),
                    None => std::borrow::Cow::Borrowed(copy),
                });
            }
            // The RUN's effects where it stood, after every COPY it crossed.
            let fx = match (ctx, root) {
                (Some(c), Some(r)) => effects::of_op(
                    run,
                    &hazard::LayeredFiles(
                        crossed_copies
                            .iter()
                            .map(|copy| hazard::CopyFiles {
                                copy,
                                ctx: c,
                                root: r,
                            })
                            .collect(),
                    ),
                ),
                _ => effects::of_op(run, &effects::NoFiles),
            };
            // A manifest COPY brings a path as the full COPY it mirrors does:
            // the RUN read the same file only when no other crossed COPY
            // writes it too (a later one replaced it where the RUN stood).
            let provides = |p: &str| {
                provided.iter().any(|x| manifest_provides(x, p, ctx))
                    && crossed_copies
                        .iter()
                        .filter(|c| hazard::copy_touches(c, ctx, p))
                        .count()
                        <= 1
            };
            for copy in &crossed_copies {
                hazard::run_may_cross_with(
                    &fx,
                    run,
                    copy,
                    ctx,
                    &provides,
                    !provided.is_empty(),
                    &before,
                )
                .map_err(|w| format!("stage {stage}: a moved RUN may not cross a COPY: {w}"))?;
                // The next COPY crossed lands through the links this one brings.
                before.add_brought(copy, ctx);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{self, BuildOptions};

    fn parse(text: &str) -> (Dockerfile, Model) {
        let df = crate::syntax::parse(text).unwrap();
        let m = model::build(&df, &BuildOptions::default()).unwrap();
        (df, m)
    }

    fn guard(before: &str, after: &str, declared: &[Transform]) -> Result<(), String> {
        let (db, mb) = parse(before);
        let (da, ma) = parse(after);
        check(&db, &mb, &da, &ma, None, None, declared)
    }

    const BASE: &str = "FROM debian\nWORKDIR /app\n";

    #[test]
    fn rejects_the_probes() {
        let b = format!("{BASE}COPY . .\nRUN apt-get install -y curl\n");
        let a = format!("{BASE}RUN apt-get install -y curl\nCOPY . .\n");
        assert!(
            guard(&b, &a, &[]).is_err(),
            "undeclared swap of COPY and RUN"
        );
        let b = format!("{BASE}RUN echo a > /x\nRUN echo b > /x\n");
        let a = format!("{BASE}RUN echo b > /x\nRUN echo a > /x\n");
        assert!(guard(&b, &a, &[]).is_err(), "two swapped RUNs");
        assert!(
            guard(&b, &a, &[Transform::Move { ins: 3, above: 2 }]).is_err(),
            "a declared move across a RUN"
        );
        let b = format!("{BASE}RUN cd /tmp\nRUN make\n");
        let a = format!("{BASE}RUN cd /tmp && make\n");
        let e = guard(&b, &a, &[Transform::Merge { a: 2, b: 3 }]).unwrap_err();
        assert!(e.contains("cd"), "{e}");
        let b = format!("{BASE}RUN apt-get update\nRUN apt-get install -y a || true\n");
        let a = format!("{BASE}RUN apt-get update && apt-get install -y a || true\n");
        let e = guard(&b, &a, &[Transform::Merge { a: 2, b: 3 }]).unwrap_err();
        assert!(e.contains("`||`"), "{e}");
        let b = format!("{BASE}RUN a\nRUN b\n");
        let a = format!("{BASE}RUN b && a\n");
        assert!(guard(&b, &a, &[Transform::Merge { a: 2, b: 3 }]).is_err());
        assert!(
            guard(&b, &format!("{BASE}RUN a && b\n"), &[]).is_err(),
            "undeclared merge"
        );
        let b = format!("{BASE}RUN apt-get update\nRUN apt-get install -y a b\n");
        let a = format!("{BASE}RUN apt-get update && apt-get install -y ab\n");
        assert!(guard(&b, &a, &[Transform::Merge { a: 2, b: 3 }]).is_err());
        let b = format!("{BASE}RUN apt-get update\nCOPY . .\nRUN apt-get install -y a\n");
        let a = format!("{BASE}COPY . .\nRUN apt-get update && apt-get install -y a\n");
        assert!(
            guard(&b, &a, &[Transform::Merge { a: 2, b: 4 }]).is_err(),
            "merge across a COPY"
        );
        let b = format!("{BASE}RUN echo 'a  b'\n");
        assert!(guard(&b, &format!("{BASE}RUN echo 'a b'\n"), &[]).is_err());
    }

    #[test]
    fn rejects_hazardous_declared_moves() {
        let b = "FROM python:3\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install flask\n";
        let a = "FROM python:3\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nRUN pip install flask\nCOPY . .\n";
        let e = guard(b, a, &[Transform::Move { ins: 4, above: 3 }]).unwrap_err();
        assert!(e.contains("pip.conf"), "{e}");
        let b = "FROM base\nWORKDIR /app\nCOPY --chown=app . /app\nRUN usermod -u 2000 app\n";
        let a = "FROM base\nWORKDIR /app\nRUN usermod -u 2000 app\nCOPY --chown=app . /app\n";
        assert!(guard(b, a, &[Transform::Move { ins: 3, above: 2 }]).is_err());
    }

    /// A move is re-justified against every COPY it crosses, the farthest
    /// included (the walk over the ops after the new place stops only past
    /// the old one), and several declared moves into one slot keep their order.
    #[test]
    fn moves_are_checked_against_every_crossed_copy() {
        let b = "FROM python:3\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY README.md /app/\nCOPY . .\nRUN pip install flask\n";
        let a = "FROM python:3\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nRUN pip install flask\nCOPY README.md /app/\nCOPY . .\n";
        let e = guard(b, a, &[Transform::Move { ins: 5, above: 3 }]).unwrap_err();
        assert!(e.contains("pip.conf"), "{e}");
        let b = "FROM debian\nCOPY a /a\nCOPY b /b\nRUN echo 1\nRUN echo 2\nCMD [\"x\"]\n";
        let a = "FROM debian\nRUN echo 1\nRUN echo 2\nCOPY a /a\nCOPY b /b\nCMD [\"x\"]\n";
        let moves = [
            Transform::Move { ins: 3, above: 1 },
            Transform::Move { ins: 4, above: 1 },
        ];
        guard(b, a, &moves).unwrap();
        let swapped = "FROM debian\nRUN echo 2\nRUN echo 1\nCOPY a /a\nCOPY b /b\nCMD [\"x\"]\n";
        assert!(guard(b, swapped, &moves).is_err(), "declared order kept");
    }

    /// The guard re-reads the moved install's configuration through the
    /// effects model: a split that copies pip.conf first but not the
    /// directory its `find-links` names is refused, naming both; with the
    /// wheels copied first too, the same move passes.
    #[test]
    fn a_split_without_what_the_config_names_is_refused() {
        let dir = crate::context::testutil::tree_with(&[
            ("requirements.txt", "flask\n"),
            ("pip.conf", "[global]\nfind-links = ./wheels\n"),
            ("wheels/flask.whl", "x"),
        ]);
        let ctx = ContextTree::load(dir.path(), None).unwrap();
        let b = "FROM python:3\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install -r requirements.txt\n";
        let check_split = |first: &str, copies: usize| {
            let a = format!("FROM python:3\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\n{first}RUN pip install -r requirements.txt\nCOPY . .\n");
            let (db, mb) = parse(b);
            let (da, ma) = parse(&a);
            let mut declared = vec![Transform::Insert { above: 3 }; copies];
            declared.push(Transform::Move { ins: 4, above: 3 });
            check(&db, &mb, &da, &ma, Some(&ctx), Some(dir.path()), &declared)
        };
        let e = check_split("COPY requirements.txt pip.conf ./\n", 1).unwrap_err();
        assert!(e.contains("/app/wheels") && e.contains("pip.conf"), "{e}");
        check_split(
            "COPY requirements.txt pip.conf ./\nCOPY wheels ./wheels\n",
            2,
        )
        .unwrap();
    }

    /// A manifest COPY mirrors the folder COPY; a later COPY that replaces
    /// one of the files it brings (what the install read where it stood) is
    /// caught by the guard itself, whatever a fix function concluded.
    #[test]
    fn a_manifest_a_later_copy_replaces_is_not_provided() {
        let dir = crate::context::testutil::tree_with(&[
            ("app/requirements.txt", "-r base.txt\nflask\n"),
            ("app/base.txt", "six\n"),
            ("app/main.py", "x\n"),
            ("extra/base.txt", "requests\n"),
            ("extra/notes.txt", "x\n"),
        ]);
        let ctx = ContextTree::load(dir.path(), None).unwrap();
        for second in [
            "COPY extra/base.txt ./base.txt\n",
            "COPY extra/ ./\n",
            "COPY extra/notes.txt ./\n",
        ] {
            let b = format!("FROM python:3\nWORKDIR /app\nCOPY app/ ./\n{second}RUN pip install -r requirements.txt\n");
            let a = format!("FROM python:3\nWORKDIR /app\nCOPY app/requirements.txt app/base.txt ./\nRUN pip install -r requirements.txt\nCOPY app/ ./\n{second}");
            let (db, mb) = parse(&b);
            let (da, ma) = parse(&a);
            let declared = [
                Transform::Insert { above: 2 },
                Transform::Move { ins: 4, above: 2 },
            ];
            let r = check(&db, &mb, &da, &ma, Some(&ctx), Some(dir.path()), &declared);
            if second.contains("notes") {
                r.unwrap_or_else(|e| panic!("{second}: {e}"));
            } else {
                let e = r.unwrap_err();
                assert!(e.contains("/app/base.txt"), "{second}: {e}");
            }
        }
    }

    #[test]
    fn accepts_legitimate_fixes() {
        let b =
            format!("{BASE}COPY . .\nRUN apt-get update && apt-get install -y curl\nCMD [\"x\"]\n");
        let a =
            format!("{BASE}RUN apt-get update && apt-get install -y curl\nCOPY . .\nCMD [\"x\"]\n");
        guard(&b, &a, &[Transform::Move { ins: 3, above: 2 }]).unwrap();
        let b = format!("{BASE}RUN apt-get update\nRUN apt-get install -y \\\n  gcc make\n");
        let a = format!("{BASE}RUN apt-get update && apt-get install -y \\\n  gcc make\n");
        guard(&b, &a, &[Transform::Merge { a: 2, b: 3 }]).unwrap();
        guard(&b, &b, &[]).unwrap();
    }
}
