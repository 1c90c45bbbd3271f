//! DO1xx: what makes BuildKit re-run expensive steps.

pub mod apt_update_alone;
pub mod manifest_after_sources;
pub mod volatile_arg_early;
pub mod volatile_copy_early;

use super::ctx::Cmd;
use crate::cache::{Simulation, Verdict};
use crate::model::{CopySource, Op, Step};

/// COPY/ADD of the whole build context (`COPY . .`, `COPY ./ /app`).
pub(crate) fn is_broad_copy(step: &Step) -> bool {
    match &step.op {
        Some(Op::Copy(c)) => {
            c.source == CopySource::Context
                && c.srcs
                    .iter()
                    .any(|s| s.inline.is_none() && s.remote.is_none() && s.path.is_empty())
        }
        _ => false,
    }
}

/// A dependency install and the manifests it reads (the ecosystem table's).
pub(crate) fn dependency_install(cmds: &[Cmd<'_>]) -> Option<(String, &'static [&'static str])> {
    cmds.iter().find_map(|c| {
        let args: Vec<&str> = c.args().iter().map(String::as_str).collect();
        crate::ecosystem::detect(c.program(), &args).map(|(_, m)| (c.display(), m))
    })
}

/// Lines of RUN steps the simulation re-runs, in order.
pub(crate) fn rerun_lines(sim: &Simulation, runs_only: &[usize]) -> Vec<usize> {
    // A set, not `contains` on the slice: one lookup per step was quadratic
    // in a file of RUN steps.
    let wanted: std::collections::HashSet<usize> = runs_only.iter().copied().collect();
    sim.steps
        .iter()
        .filter(|s| s.result == Verdict::Miss && wanted.contains(&s.line))
        .map(|s| s.line)
        .collect()
}

pub(crate) fn lines_list(lines: &[usize]) -> String {
    // A message names at most 20 lines: in a 100k-line file every finding
    // listing every line made the report quadratic in size.
    const MAX: usize = 20;
    let mut s = lines
        .iter()
        .take(MAX)
        .map(|l| l.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if lines.len() > MAX {
        s.push_str(&format!(", … ({} more)", lines.len() - MAX));
    }
    s
}
