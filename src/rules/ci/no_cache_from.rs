use super::{scope_for, CiCtx};
use crate::ci::Origin;
use crate::rules::{Applicability, Edit, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds a CI image build that imports no cache (`cache-from` missing).
    ///
    /// ## Why is this bad?
    /// Hosted CI runners start with an empty build cache. Without `cache-from`
    /// every run is a cold build: every step re-runs however small the change.
    ///
    /// ## Example
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with:
    ///     push: true
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with:
    ///     push: true
    ///     cache-from: type=gha
    ///     cache-to: type=gha,mode=max
    /// ```
    ///
    /// ## Fix safety
    /// Safe in build-push-action steps (the image is unchanged; a scope per
    /// Dockerfile and target is added when the repository builds several).
    /// Display-only for `docker build` command lines, whose cache location
    /// depends on the registry in use.
    code: "DO602",
    name: "ci-no-cache-from",
    family: Ci,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Safe),
    check: Ci(check),
}

pub fn check(cx: &CiCtx, out: &mut Vec<Finding>) {
    let several = cx.all_builds.len() > 1;
    for b in &cx.builds {
        if !b.cache_from.is_empty() || b.no_cache.is_some() {
            continue;
        }
        let msg = format!(
            "{}: no cache-from, so a fresh runner rebuilds every step on every run",
            b.title()
        );
        let fix = match (&b.with_span, &b.with_indent) {
            (Some(w), Some(indent)) if b.origin == Origin::BuildPushAction => {
                let scope = if several {
                    format!(",scope={}", scope_for(b))
                } else {
                    String::new()
                };
                Fix::edit(
                    Applicability::Safe,
                    "import and export the GitHub Actions cache, every stage",
                    vec![Edit::spanning(crate::syntax::Span::new(w.end, w.end), format!(
                            "\n{indent}cache-from: type=gha{scope}\n{indent}cache-to: type=gha,mode=max{scope}"
                        ))],
                )
            }
            _ => Fix::display(
                "import the previous run's cache: --cache-from type=registry,ref=IMAGE:buildcache --cache-to type=registry,ref=IMAGE:buildcache,mode=max (docker buildx), or --build-arg BUILDKIT_INLINE_CACHE=1 with --cache-from IMAGE",
            ),
        };
        out.push(cx.finding(&RULE, b.span, msg).with_fix(fix));
    }
}
