//! The run-time equivalence guard for Safe fixes: same stages, same bases,
//! same image config for every stage, and the same ops up to the allowed
//! transformations (an added manifest COPY whose files a later full COPY
//! re-copies to the same place with the same flags; two RUNs merged into one
//! `A && B` with the same env, cwd, user and mounts).

use crate::context::ContextTree;
use crate::model::{path, CopyOp, CopySource, Model, Op, RunOp};
use crate::syntax::Dockerfile;

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

fn norm_cmd(s: &str) -> String {
    s.replace("\\\r\n", "")
        .replace("\\\n", "")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

fn run_state_eq(a: &RunOp, b: &RunOp) -> bool {
    a.env == b.env
        && a.cwd == b.cwd
        && a.user == b.user
        && a.mounts == b.mounts
        && a.network == b.network
        && a.security == b.security
        && a.heredocs.is_empty()
        && b.heredocs.is_empty()
        && a.argv.len() == b.argv.len()
        && a.argv.len() >= 2
        && a.argv[..a.argv.len() - 1] == b.argv[..b.argv.len() - 1]
}

fn last(r: &RunOp) -> &str {
    r.argv.last().map(String::as_str).unwrap_or("")
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

pub fn check(
    _dfb: &Dockerfile,
    before: &Model,
    _dfa: &Dockerfile,
    after: &Model,
    ctx: Option<&ContextTree>,
) -> Result<(), String> {
    configs_equal(before, after)?;
    for stage in 0..before.stages.len() {
        let b: Vec<&Op> = before
            .stage_steps(stage)
            .filter_map(|s| s.op.as_ref())
            .collect();
        let a: Vec<&Op> = after
            .stage_steps(stage)
            .filter_map(|s| s.op.as_ref())
            .collect();
        let mut removed: Vec<&Op> = Vec::new();
        let mut unmatched_after: Vec<bool> = vec![true; a.len()];
        for op in &b {
            match a
                .iter()
                .enumerate()
                .position(|(i, x)| unmatched_after[i] && x == op)
            {
                Some(i) => unmatched_after[i] = false,
                None => removed.push(op),
            }
        }
        let mut removed_used = vec![false; removed.len()];
        for (i, op) in a.iter().enumerate() {
            if !unmatched_after[i] {
                continue;
            }
            let ok = match op {
                Op::Copy(x) => manifest_copy_ok(x, &a[i + 1..], ctx),
                Op::Run(r) => {
                    // A merge of two removed RUNs: `A && B`.
                    let target = norm_cmd(last(r));
                    let mut found = false;
                    'outer: for (p, ra) in removed.iter().enumerate() {
                        for (q, rb) in removed.iter().enumerate() {
                            if p == q || removed_used[p] || removed_used[q] {
                                continue;
                            }
                            if let (Op::Run(ra), Op::Run(rb)) = (ra, rb) {
                                if run_state_eq(ra, r)
                                    && run_state_eq(rb, r)
                                    && format!("{}&&{}", norm_cmd(last(ra)), norm_cmd(last(rb)))
                                        == target
                                {
                                    removed_used[p] = true;
                                    removed_used[q] = true;
                                    found = true;
                                    break 'outer;
                                }
                            }
                        }
                    }
                    found
                }
                Op::Workdir(_) => false,
            };
            if !ok {
                return Err(format!(
                    "stage {stage}: an op appeared that the input does not have"
                ));
            }
        }
        if removed_used.iter().any(|u| !u) {
            return Err(format!("stage {stage}: an op of the input disappeared"));
        }
    }
    Ok(())
}
