use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `pip install --upgrade pip` (or setuptools, wheel) without a version.
    ///
    /// ## Why is this bad?
    /// The step's cache key is its text, so the "upgrade" is frozen at whatever
    /// pip was current when the cache was filled, and a fresh build gets another
    /// pip: not reproducible either way, and new pip releases have broken builds.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --upgrade pip
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir pip==24.0
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the version must be chosen.
    code: "DO406",
    name: "pip-upgrade-unpinned",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3013"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}
pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    report(
        cx,
        out,
        &RULE,
        |c| pip_unpinned(c, true),
        "`pip install --upgrade` of packaging tools",
        "pin it: `pip install pip==24.0`",
    )
}
