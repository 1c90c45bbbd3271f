use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `apk add` of packages without `=version`.
    ///
    /// ## Why is this bad?
    /// As with apt: what gets installed depends on the day of the build.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache curl=8.5.0-r0
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the version must be chosen.
    code: "DO404",
    name: "apk-unpinned",
    family: Correctness,
    severity: Info,
    hadolint: ["DL3018"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}
pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    report(
        cx,
        out,
        &RULE,
        |c| {
            if !c.is_apk_add() {
                return Vec::new();
            }
            positional(
                c.after_subcommand(),
                &["-t", "--virtual", "-X", "--repository"],
            )
            .into_iter()
            .filter(|p| !p.contains('=') && !p.contains('$') && !p.starts_with('.'))
            .collect()
        },
        "apk packages added",
        "pin versions: `pkg=version`",
    )
}
