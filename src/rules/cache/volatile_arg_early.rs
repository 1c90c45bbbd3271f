use super::lines_list;
use crate::cache::Verdict;
use crate::rules::ctx::Perturb;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds an `ARG` declared before `RUN` steps that do not use it.
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
            let stage_runs = runs.get(&step.stage).map_or(&[][..], |v| v.as_slice());
            let from = stage_runs.partition_point(|s| s.instruction <= step.instruction);
            match stage_runs.get(from) {
                Some(first) if !first.var_refs.iter().any(|v| v == name) => {
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
    // Per stage: the RUNs (by index) that use each variable, and the missed
    // RUNs in order, so each ARG's answer is two binary searches instead of
    // a walk over the rest of its stage (quadratic with an ARG per block).
    struct StageIndex<'a> {
        uses: HashMap<&'a str, Vec<usize>>,
        missed_at: Vec<usize>,
        missed_lines: Vec<usize>,
    }
    let index: HashMap<usize, StageIndex> = runs
        .iter()
        .map(|(&stage, stage_runs)| {
            let mut ix = StageIndex {
                uses: HashMap::new(),
                missed_at: Vec::new(),
                missed_lines: Vec::new(),
            };
            for (i, s) in stage_runs.iter().enumerate() {
                for v in &s.var_refs {
                    let at = ix.uses.entry(v.as_str()).or_default();
                    if at.last() != Some(&i) {
                        at.push(i);
                    }
                }
                let line = cx.ins(s.instruction).start_line;
                if missed.contains(&line) {
                    ix.missed_at.push(i);
                    ix.missed_lines.push(line);
                }
            }
            (stage, ix)
        })
        .collect();
    for (step, name, stage, from) in candidates {
        let (Some(ix), Some(stage_runs)) = (index.get(&stage), runs.get(&stage)) else {
            continue;
        };
        let use_at = ix.uses.get(name).and_then(|at| {
            let k = at.partition_point(|&i| i < from);
            at.get(k).copied()
        });
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
            .with_fix(Fix::display(format!("declare `ARG {name}` {target}"))),
        );
    }
}
