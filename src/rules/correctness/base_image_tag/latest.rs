use super::*;
declare_rule! {
    /// ## What it does
    /// Finds `FROM image:latest`.
    ///
    /// ## Why is this bad?
    /// `latest` moves: the same Dockerfile builds a different image next
    /// week, and a new base invalidates every cached layer at an unknown time.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM node:latest
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM node:20.11-bookworm-slim
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: which version to pin is your choice.
    code: "DO401",
    name: "latest-tag",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3007"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    super::check_tags(cx, out, true)
}
