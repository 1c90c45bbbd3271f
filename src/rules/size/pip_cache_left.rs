use super::{insert_at_end, nth};
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `pip install` without `--no-cache-dir` in a stage that ends up in the
    /// image (unless `PIP_NO_CACHE_DIR` is set or a cache is mounted).
    ///
    /// ## Why is this bad?
    /// pip keeps every downloaded wheel in `~/.cache/pip`, inside the layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install -r requirements.txt
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// ```
    /// or, faster on rebuilds, `RUN --mount=type=cache,target=/root/.cache/pip pip install -r requirements.txt`.
    ///
    /// ## Fix safety
    /// Unsafe: the image changes on purpose (the cache no longer ships in the
    /// layer), even though nothing at run time should read it.
    code: "DO203",
    name: "pip-cache-left",
    family: Size,
    severity: Warning,
    hadolint: ["DL3042"],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::cleanup_pip,
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (step, ins, cmds) in cx.shipped_runs() {
        let env_off = cx.env_of(step).is_some_and(|e| {
            e.iter()
                .any(|(k, _)| &**k == crate::ecosystem::pip::NO_CACHE_ENV)
        });
        if env_off || cx.mounts_over(step, "/root/.cache") {
            continue;
        }
        let installs: Vec<_> = cmds
            .iter()
            .filter(|c| c.pip_install_args().is_some())
            .collect();
        // Each install is its own finding (DO204's shape): the fix engine
        // applies a fix function's proposals only where the rule flags, so
        // one finding per RUN fixed one install per round, and a RUN of 33
        // never converged (found by cargo-fuzz).
        for (k, c) in installs.iter().enumerate() {
            // pip reads `--no-cache` (any unambiguous prefix) as `--no-cache-dir`
            if c.pip_install_gives("--no-cache-dir") {
                continue;
            }
            // this command's own place: the k-th of those spelled the same
            // way (`python -m pip install` holds `pip install`)
            let needle = |c: &crate::rules::ctx::Cmd| match c.program() {
                p if p.starts_with("python") => "pip install".to_string(),
                p => format!("{p} install"),
            };
            let mine = needle(c);
            let same = |x: &&&crate::rules::ctx::Cmd| needle(x) == mine;
            let nth_same = installs[..k].iter().filter(same).count();
            let total = installs.iter().filter(same).count();
            let skip = if c.program().starts_with("python") {
                2
            } else {
                0
            };
            let at = cx
                .subcommand_span(ins, c, skip, "install")
                .or_else(|| nth(cx, ins, &mine, nth_same, total));
            let span = at.unwrap_or_else(|| cx.head_span(ins));
            let mut f = cx.finding(
                &RULE,
                span,
                "`pip install` without `--no-cache-dir` leaves pip's cache in the layer",
            );
            if let Some(span) = at {
                f = f.with_fix(Fix::edit(
                    Applicability::Unsafe,
                    "add `--no-cache-dir`",
                    vec![insert_at_end(span, " --no-cache-dir")],
                ));
            }
            out.push(f);
        }
    }
}
