use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `apt-get install` of packages without `=version`.
    ///
    /// ## Why is this bad?
    /// The package version depends on the day the cache was lost. Pinning
    /// makes builds reproducible, at the cost of updating pins when the
    /// distribution drops old versions.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get install -y --no-install-recommends curl=7.88.1-10+deb12u5
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the version must be chosen.
    code: "DO403",
    name: "apt-unpinned",
    family: Correctness,
    severity: Info,
    hadolint: ["DL3008"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}
pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    report(
        cx,
        out,
        &RULE,
        |c| {
            if !c.is_apt_install() {
                return Vec::new();
            }
            positional(c.after_subcommand(), &["-o", "-t", "--target-release"])
                .into_iter()
                .filter(|p| !p.contains('=') && !p.ends_with(".deb") && !p.contains('$'))
                .collect()
        },
        "apt packages installed",
        "pin versions: `pkg=version`",
    )
}
