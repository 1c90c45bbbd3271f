use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `pip install pkg` without a version specifier (requirement
    /// files, local paths and wheels are fine).
    ///
    /// ## Why is this bad?
    /// The installed version depends on the day of the build.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --no-cache-dir gunicorn
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir gunicorn==22.0.0
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the version must be chosen.
    code: "DO405",
    name: "pip-unpinned",
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
        |c| pip_unpinned(c, false),
        "pip packages installed",
        "pin versions (`pkg==1.2.3`) or use a requirements file",
    )
}
