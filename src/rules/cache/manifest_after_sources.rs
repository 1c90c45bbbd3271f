use super::{dependency_install, is_broad_copy, lines_list, rerun_lines};
use crate::rules::ctx::Perturb;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a dependency install (`pip install -r requirements.txt`, `npm ci`,
    /// `go mod download`, `bundle install`, `composer install`, ...) that runs after
    /// the whole source tree was copied (`COPY . .`).
    ///
    /// ## Why is this bad?
    /// BuildKit keys a `COPY` on the content of everything it copies. With the
    /// sources copied first, a one-line code edit changes that key, and every step
    /// after it re-runs: all dependencies are downloaded and installed again. dockopt
    /// runs its cache simulator on a one-line source edit and lists the steps that
    /// would re-run.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY . .
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY requirements.txt .
    /// RUN pip install -r requirements.txt
    /// COPY . .
    /// ```
    ///
    /// ## Fix safety
    /// Safe with `dockopt fix` when the install reads only the manifests (it reads
    /// the real context to know); otherwise `fix` skips it and says why. The
    /// result is checked to build the same files and config. Skipped, among
    /// others: npm/yarn/pnpm lifecycle scripts, workspaces or a `binding.gyp`
    /// beside package.json (the install builds it with `node-gyp`); a Gemfile
    /// whose Ruby may read other files (`ruby file:`, `File.read`,
    /// `require_relative`, `eval`, `path:` gems, `gemspec`…) or a
    /// `vendor/cache` beside it; composer `path`/`artifact` repositories or
    /// ones with a local url in the context; a context that holds what the
    /// install writes (`node_modules`, `vendor`, `.venv`…).
    code: "DO101",
    name: "manifest-after-sources",
    family: Cache,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Safe),
    fixer: crate::fixes::manifest_first::check,
    check: Dockerfile(check),
}

/// Whether the script tests for one of `manifests` (`[ -f composer.json ]`,
/// `test -e package.json`): the install runs only when it is there.
fn tests_for(cmds: &[crate::rules::ctx::Cmd<'_>], manifests: &[&str]) -> bool {
    cmds.iter()
        .filter(|c| matches!(c.program(), "[" | "[[" | "test"))
        .any(|c| {
            c.args().windows(2).any(|w| {
                matches!(w[0].as_str(), "-f" | "-e" | "-s" | "-r")
                    && manifests
                        .iter()
                        .any(|m| w[1].rsplit('/').next() == Some(*m))
            })
        })
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (si, _) in cx.model.stages.iter().enumerate() {
        let steps: Vec<_> = cx.model.stage_steps(si).collect();
        let Some(copy_pos) = steps.iter().position(|s| is_broad_copy(s)) else {
            continue;
        };
        let copy = steps[copy_pos];
        // a manifest copied before the broad COPY means the split is done already
        let manifest_first = steps[..copy_pos].iter().any(|s| {
            s.context_reads()
                .iter()
                .any(|p| !p.is_empty() && crate::rules::ctx::is_manifest(p))
        });
        if manifest_first {
            continue;
        }
        let Some((install, step)) = steps[copy_pos + 1..]
            .iter()
            .filter(|s| s.keyword == Keyword::Run)
            .find_map(|s| dependency_install(cx.cmds(s.instruction)).map(|d| (d, *s)))
        else {
            continue;
        };
        let (cmd, manifests) = install;
        // `if [ -f composer.json ]; then composer install; fi` (laradock):
        // the manifest is optional, and a COPY of it would fail without it.
        if tests_for(cx.cmds(step.instruction), manifests) {
            continue;
        }
        let copy_ins = cx.ins(copy.instruction);
        let run_ins = cx.ins(step.instruction);
        let edited = cx.sample_source_file();
        let run_lines: Vec<usize> = steps
            .iter()
            .filter(|s| s.keyword == Keyword::Run)
            .map(|s| cx.ins(s.instruction).start_line)
            .collect();
        let rerun = cx
            .simulate(Perturb::Edit(&edited))
            .map(|sim| rerun_lines(&sim, &run_lines))
            .unwrap_or_default();
        if !rerun.is_empty() && !rerun.contains(&run_ins.start_line) {
            continue; // the simulator says the install is not re-run
        }
        let sim_note = if rerun.is_empty() {
            String::new()
        } else {
            format!(
                "; editing {} re-runs {} RUN step(s) (lines {})",
                cx.edited_name(&edited),
                rerun.len(),
                lines_list(&rerun)
            )
        };
        out.push(
            cx.finding(
                &RULE,
                cx.head_span(copy_ins),
                format!(
                    "`{cmd}` (line {}) runs after the whole context is copied (line {}){sim_note}",
                    run_ins.start_line, copy_ins.start_line
                ),
            )
            .with_fix(Fix::display(format!(
                "copy {} first and install, then `COPY . .`",
                manifests.join(" and ")
            ))),
        );
    }
}
