use super::ComposeCtx;
use crate::rules::{Applicability, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds a service whose `build:` context directory, or its Dockerfile, does not exist.
    /// `check --no-context` (told there is no build context) does not report
    /// it, like the other rules that need the build context.
    ///
    /// ## Why is this bad?
    /// `docker compose build` fails, often only in CI where the directory layout differs.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     build: ./services/api   # renamed to ./api
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   api:
    ///     build: ./api
    /// ```
    ///
    /// ## Fix safety
    /// Display-only.
    code: "DO505",
    name: "build-context-missing",
    family: Compose,
    severity: Error,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Compose(check),
}

pub fn check(cx: &ComposeCtx, out: &mut Vec<Finding>) {
    // Told there is no build context: its absence on disk is no finding.
    if !cx.read_context {
        return;
    }
    for svc in &cx.services {
        if let Some(Err((msg, node))) = cx.built_image(svc) {
            out.push(
                cx.finding(&RULE, node, format!("service `{}`: {msg}", svc.name))
                    .with_fix(Fix::display(
                        "point `build:` at the directory holding the Dockerfile",
                    )),
            );
        }
    }
}
