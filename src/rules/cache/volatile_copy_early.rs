use super::{is_broad_copy, lines_list, rerun_lines};
use crate::rules::ctx::Perturb;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds steps that never read the sources (system package installs,
    /// downloads) placed after a `COPY` of the whole context.
    ///
    /// ## Why is this bad?
    /// Every code edit changes the `COPY`'s cache key, so every step after it
    /// re-runs, including `apt-get install` or `curl` downloads that did not need
    /// the sources at all. The simulator confirms which steps a one-line edit
    /// re-runs.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . .
    /// RUN apt-get update && apt-get install -y --no-install-recommends libpq5
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends libpq5
    /// COPY . .
    /// ```
    ///
    /// ## Fix safety
    /// Safe with `dockopt fix` for steps on its allow-list (package installs and
    /// the like) that read nothing the COPY writes; others are left in place.
    code: "DO102",
    name: "volatile-copy-early",
    family: Cache,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Safe),
    fixer: crate::fixes::reorder_by_volatility::check,
    check: Dockerfile(check),
}

fn source_independent(cmds: &[crate::rules::ctx::Cmd<'_>]) -> Option<String> {
    cmds.iter()
        .find(|c| {
            c.is_apt_install() || c.is_apk_add() || c.is(&["yum", "dnf", "microdnf"], &["install"])
        })
        .map(|c| {
            std::iter::once(c.program_word.lossy())
                .chain(c.args().iter().take(2).cloned())
                .collect::<Vec<_>>()
                .join(" ")
        })
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (si, _) in cx.model.stages.iter().enumerate() {
        let steps: Vec<_> = cx.model.stage_steps(si).collect();
        let Some(copy_pos) = steps.iter().position(|s| is_broad_copy(s)) else {
            continue;
        };
        let dest = match &steps[copy_pos].op {
            Some(crate::model::Op::Copy(c)) => crate::model::path::clean(&c.dest),
            _ => "/".to_string(),
        };
        // The whole RUN must not read what the COPY brought, as the effects
        // model reads it (`apk add git && composer install` reads the sources;
        // an unknown command may read anything).
        let reads_sources =
            |s: &crate::model::Step| cx.run_effects(s).is_none_or(|fx| fx.reads_under(&dest));
        let late: Vec<_> = steps[copy_pos + 1..]
            .iter()
            .filter(|s| s.keyword == Keyword::Run)
            .filter_map(|s| source_independent(cx.cmds(s.instruction)).map(|c| (*s, c)))
            .filter(|(s, _)| !reads_sources(s))
            .collect();
        if late.is_empty() {
            continue;
        }
        let lines: Vec<usize> = late
            .iter()
            .map(|(s, _)| cx.ins(s.instruction).start_line)
            .collect();
        let edited = cx.sample_source_file();
        let rerun = cx
            .simulate(Perturb::Edit(&edited))
            .map(|sim| rerun_lines(&sim, &lines))
            .unwrap_or_else(|| lines.clone());
        if rerun.is_empty() {
            continue;
        }
        let copy_ins = cx.ins(steps[copy_pos].instruction);
        for (step, cmd) in &late {
            let ins = cx.ins(step.instruction);
            if !rerun.contains(&ins.start_line) {
                continue;
            }
            out.push(
                cx.finding(
                    &RULE,
                    cx.head_span(ins),
                    format!(
                        "`{cmd}` does not read the sources but follows `COPY` of the whole context (line {}): editing {} re-runs it (re-run lines: {})",
                        copy_ins.start_line,
                        cx.edited_name(&edited),
                        lines_list(&rerun)
                    ),
                )
                .with_fix(Fix::display(format!(
                    "move this RUN above line {}",
                    copy_ins.start_line
                ))),
            );
        }
    }
}
