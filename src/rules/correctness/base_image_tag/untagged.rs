use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `FROM image` with neither a tag nor a digest.
    ///
    /// ## Why is this bad?
    /// An untagged image means `latest`: not reproducible, and the base can
    /// change under the cache at any time.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: which version to pin is your choice.
    code: "DO402",
    name: "untagged-base",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3006"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    super::check_tags(cx, out, false)
}
