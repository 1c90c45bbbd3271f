use super::lines_list;
use crate::cache::Verdict;
use crate::rules::ctx::Perturb;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds an `ARG` declared before `RUN` steps that do not use it.
    ///
    /// A RUN uses a variable when its text names it, or when a tool it runs
    /// reads it from the environment (`NODE_ENV` for npm, `VITE_*` for a Vite
    /// build, any variable for a program dockopt does not model). An `ARG`
    /// that feeds an `ENV` is left alone: the `ENV` carries it anyway.
    ///
    /// ## Why is this bad?
    /// Every `RUN` after an `ARG` gets it in its environment, so a new value
    /// (a commit SHA, a build date, a version) invalidates all of them, even
    /// those that never read it. dockopt asks the cache simulator which steps a
    /// new value re-runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG GIT_SHA
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// RUN echo "$GIT_SHA" > /version
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ARG GIT_SHA
    /// RUN echo "$GIT_SHA" > /version
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: moving the `ARG` down to its first use is a reordering.
    code: "DO103",
    name: "volatile-arg-early",
    family: Cache,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

/// Whether a RUN reads `name`: written in its text (`$NAME`), or consulted
/// implicitly by a tool it runs (`NODE_ENV` by `npm ci`, `VITE_*` by a Vite
/// build, any variable by a program the effects model does not know).
fn reads(cx: &DockerfileCtx, step: &crate::model::Step, name: &str) -> bool {
    if step.var_refs.iter().any(|v| v == name) {
        return true;
    }
    cx.run_effects(step).is_some_and(|fx| fx.reads_env(name))
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    use std::collections::HashMap;
    // (ARG step, name, stage, index of the first RUN after it in the stage)
    // where that first RUN does not use it
    let mut candidates = Vec::new();
    // RUN steps per stage, in order: each ARG takes the suffix after it
    // (collecting it per ARG by a scan of the stage was quadratic).
    let mut runs: HashMap<usize, Vec<&crate::model::Step>> = HashMap::new();
    for s in cx.model.steps.iter().filter(|s| s.keyword == Keyword::Run) {
        runs.entry(s.stage).or_default().push(s);
    }
    // The last ENV of each stage that reads each variable: an ARG feeds an ENV
    // when one comes after it (one pass, not a scan of the file per ARG).
    let mut last_env_use: HashMap<(usize, &str), usize> = HashMap::new();
    for s in cx.model.steps.iter().filter(|s| s.keyword == Keyword::Env) {
        for v in &s.var_refs {
            let at = last_env_use.entry((s.stage, v.as_str())).or_insert(0);
            *at = (*at).max(s.instruction);
        }
    }
    for step in cx.model.steps.iter().filter(|s| s.keyword == Keyword::Arg) {
        for name in &step.defines {
            // platform args change the whole build, not one value
            if name.starts_with("TARGET")
                || matches!(
                    name.as_str(),
                    "BUILDPLATFORM" | "BUILDOS" | "BUILDARCH" | "BUILDVARIANT"
                )
            {
                continue;
            }
            // An ARG that feeds an ENV: the ENV carries the value into every
            // later RUN, so moving the ARG alone only breaks the ENV.
            let feeds_env = last_env_use
                .get(&(step.stage, name.as_str()))
                .is_some_and(|&at| at > step.instruction);
            if feeds_env {
                continue;
            }
            let stage_runs = runs.get(&step.stage).map_or(&[][..], |v| v.as_slice());
            let from = stage_runs.partition_point(|s| s.instruction <= step.instruction);
            match stage_runs.get(from) {
                Some(first) if !reads(cx, first, name) => {
                    candidates.push((step, name.as_str(), step.stage, from))
                }
                _ => {} // used right away, or no RUN after it: nothing to move
            }
        }
    }
    if candidates.is_empty() {
        return;
    }
    // One simulation with every candidate changed: a RUN after an ARG carries it
    // in its environment, so it misses whichever of the ARGs before it changed.
    let names: Vec<&str> = candidates.iter().map(|c| c.1).collect();
    let Some(sim) = cx.simulate(Perturb::BuildArgs(&names)) else {
        return;
    };
    // The missed lines once, not a scan of every step per RUN per ARG (cubic).
    let missed: std::collections::HashSet<usize> = sim
        .steps
        .iter()
        .filter(|r| r.result == Verdict::Miss)
        .map(|r| r.line)
        .collect();
    // Per stage: the RUNs (by index) that read each variable, explicitly or
    // through a tool's implicit environment, and the missed RUNs in order, so
    // each ARG's answer is a few binary searches instead of a walk over the
    // rest of its stage (quadratic with an ARG per block). Only stages with a
    // candidate are indexed: their RUNs' effects are computed once each.
    #[derive(Default)]
    struct StageIndex {
        uses: HashMap<String, Vec<usize>>,
        prefix_uses: Vec<(String, Vec<usize>)>,
        reads_all: Vec<usize>,
        missed_at: Vec<usize>,
        missed_lines: Vec<usize>,
    }
    fn push(at: &mut Vec<usize>, i: usize) {
        if at.last() != Some(&i) {
            at.push(i);
        }
    }
    fn next_at(at: &[usize], from: usize) -> Option<usize> {
        at.get(at.partition_point(|&i| i < from)).copied()
    }
    let mut index: HashMap<usize, StageIndex> = HashMap::new();
    for &(_, _, stage, _) in &candidates {
        if index.contains_key(&stage) {
            continue;
        }
        let mut ix = StageIndex::default();
        for (i, s) in runs.get(&stage).into_iter().flatten().enumerate() {
            for v in &s.var_refs {
                push(ix.uses.entry(v.clone()).or_default(), i);
            }
            if let Some(e) = cx.run_effects(s) {
                if e.env_read.everything {
                    push(&mut ix.reads_all, i);
                }
                for v in &e.env_read.names {
                    push(ix.uses.entry(v.clone()).or_default(), i);
                }
                for p in &e.env_read.prefixes {
                    match ix.prefix_uses.iter_mut().find(|(q, _)| q == p) {
                        Some((_, at)) => push(at, i),
                        None => ix.prefix_uses.push((p.clone(), vec![i])),
                    }
                }
            }
            let line = cx.ins(s.instruction).start_line;
            if missed.contains(&line) {
                ix.missed_at.push(i);
                ix.missed_lines.push(line);
            }
        }
        index.insert(stage, ix);
    }
    // The non-RUN steps of each stage that name each variable (LABEL, COPY,
    // WORKDIR), in order: a scan of every step per candidate was quadratic.
    let mut readers_of: HashMap<(usize, &str), Vec<(usize, usize)>> = HashMap::new();
    for s in cx.model.steps.iter().filter(|s| s.keyword != Keyword::Run) {
        for v in &s.var_refs {
            let at = readers_of.entry((s.stage, v.as_str())).or_default();
            let line = cx.ins(s.instruction).start_line;
            if at.last().map(|&(i, _)| i) != Some(s.instruction) {
                at.push((s.instruction, line));
            }
        }
    }
    for (step, name, stage, from) in candidates {
        let (Some(ix), Some(stage_runs)) = (index.get(&stage), runs.get(&stage)) else {
            continue;
        };
        let use_at = ix
            .uses
            .get(name)
            .and_then(|at| next_at(at, from))
            .into_iter()
            .chain(next_at(&ix.reads_all, from))
            .chain(
                ix.prefix_uses
                    .iter()
                    .filter(|(p, _)| name.starts_with(p.as_str()))
                    .filter_map(|(_, at)| next_at(at, from)),
            )
            .min();
        let end = use_at.unwrap_or(stage_runs.len());
        let lo = ix.missed_at.partition_point(|&i| i < from);
        let hi = ix.missed_at.partition_point(|&i| i < end);
        let wasted = &ix.missed_lines[lo..hi];
        if wasted.is_empty() {
            continue;
        }
        let first_use = use_at
            .and_then(|i| stage_runs.get(i))
            .map(|s| cx.ins(s.instruction).start_line);
        let ins = cx.ins(step.instruction);
        let target = match first_use {
            Some(l) => format!("just above its first use (line {l})"),
            None => "below the RUN steps that do not use it".to_string(),
        };
        // Other instructions that read it before then (LABEL, COPY, WORKDIR)
        // move with it: the advice names them, so following it breaks nothing.
        let last_wasted = *wasted.last().unwrap_or(&0);
        let readers: Vec<usize> = readers_of
            .get(&(step.stage, name))
            .map_or(&[][..], Vec::as_slice)
            .iter()
            .filter(|&&(ins, line)| ins > step.instruction && line < last_wasted)
            .map(|&(_, line)| line)
            .collect();
        let with = if readers.is_empty() {
            String::new()
        } else {
            format!(
                ", together with the instruction(s) that read it (line {})",
                lines_list(&readers)
            )
        };
        out.push(
            cx.finding(
                &RULE,
                cx.find_in(ins, name),
                format!(
                    "a new value of `{name}` re-runs {} RUN step(s) that do not use it (lines {})",
                    wasted.len(),
                    lines_list(wasted)
                ),
            )
            .with_fix(Fix::display(format!("declare `ARG {name}` {target}{with}"))),
        );
    }
}
