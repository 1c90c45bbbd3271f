use super::insert_after;
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
        for c in cmds {
            if c.pip_install_args().is_none() {
                continue;
            }
            // pip reads `--no-cache` (any unambiguous prefix) as `--no-cache-dir`
            if c.pip_install_gives("--no-cache-dir") {
                continue;
            }
            let at = cx
                .find_opt(ins, &format!("{} install", c.program()))
                .or_else(|| cx.find_opt(ins, "pip install"));
            let span = at.unwrap_or_else(|| cx.head_span(ins));
            let mut f = cx.finding(
                &RULE,
                span,
                "`pip install` without `--no-cache-dir` leaves pip's cache in the layer",
            );
            if at.is_some() {
                let prefix = cx.df.text(span).to_string();
                if let Some(e) = insert_after(cx, ins, &prefix, " --no-cache-dir") {
                    f = f.with_fix(Fix::edit(
                        Applicability::Unsafe,
                        "add `--no-cache-dir`",
                        vec![e],
                    ));
                }
            }
            out.push(f);
            break;
        }
    }
}
