use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `npm install -g pkg` without `@version`.
    ///
    /// ## Why is this bad?
    /// Global tools are outside `package-lock.json`: the version depends on the
    /// day of the build.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN npm install -g pm2
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN npm install -g pm2@5.3.1
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the version must be chosen.
    code: "DO407",
    name: "npm-global-unpinned",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3016"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}
pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    report(
        cx,
        out,
        &RULE,
        |c| {
            if !c.is_npm_install() || !(c.has_arg("-g") || c.has_arg("--global")) {
                return Vec::new();
            }
            positional(c.after_subcommand(), &[])
                .into_iter()
                .filter(|p| {
                    let name = p.strip_prefix('@').unwrap_or(p);
                    !name.contains('@')
                        && !p.starts_with('/')
                        && !p.starts_with('.')
                        && !p.contains('$')
                        && !p.contains("://")
                })
                .collect()
        },
        "global npm packages installed",
        "pin versions: `pkg@1.2.3`",
    )
}
