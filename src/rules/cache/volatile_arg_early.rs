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
    // (ARG step, name, RUN steps after it in its stage) where the first RUN does not use it
    let mut candidates = Vec::new();
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
            let later_runs: Vec<_> = cx
                .model
                .stage_steps(step.stage)
                .filter(|s| s.instruction > step.instruction && s.keyword == Keyword::Run)
                .collect();
            match later_runs.first() {
                Some(first) if !first.var_refs.iter().any(|v| v == name) => {
                    candidates.push((step, name.as_str(), later_runs))
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
    for (step, name, later_runs) in candidates {
        let wasted: Vec<usize> = later_runs
            .iter()
            .take_while(|s| !s.var_refs.iter().any(|v| v == name))
            .map(|s| cx.ins(s.instruction).start_line)
            .filter(|l| {
                sim.steps
                    .iter()
                    .any(|r| r.line == *l && r.result == Verdict::Miss)
            })
            .collect();
        if wasted.is_empty() {
            continue;
        }
        let first_use = later_runs
            .iter()
            .find(|s| s.var_refs.iter().any(|v| v == name))
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
                    lines_list(&wasted)
                ),
            )
            .with_fix(Fix::display(format!("declare `ARG {name}` {target}"))),
        );
    }
}
