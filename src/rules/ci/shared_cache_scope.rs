use super::{scope_for, with_option, CiCtx};
use crate::ci::{kind_of, option_of};
use crate::rules::{Applicability, Edit, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds GitHub Actions cache exports (`cache-to: type=gha`) of different
    /// Dockerfiles or targets that use the same `scope` (the default scope is
    /// `buildkit`).
    ///
    /// ## Why is this bad?
    /// A scope holds one cache manifest: each build overwrites the other's, so the
    /// next run of either imports the wrong build's cache and misses from its first
    /// step (BuildKit `cache/remotecache/gha/gha.go` keys the manifest by scope).
    ///
    /// ## Example
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with: { context: api, cache-from: type=gha, cache-to: type=gha,mode=max }
    /// - uses: docker/build-push-action@v6
    ///   with: { context: web, cache-from: type=gha, cache-to: type=gha,mode=max }
    /// ```
    ///
    /// Use instead: `scope=api` and `scope=web` on each build's `cache-from` and `cache-to`.
    ///
    /// ## Fix safety
    /// Safe: only the cache location changes. Offered where the values are plain
    /// scalars in the workflow.
    code: "DO603",
    name: "ci-shared-cache-scope",
    family: Ci,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Safe),
    check: Ci(check),
}

/// The gha cache scope a build exports to (`buildkit`, BuildKit's default, when not set).
pub fn gha_scope(b: &crate::ci::CiBuild) -> Option<String> {
    b.cache_to
        .iter()
        .find(|t| kind_of(&t.value) == "gha")
        .map(|t| option_of(&t.value, "scope").unwrap_or_else(|| "buildkit".into()))
}

pub fn check(cx: &CiCtx, out: &mut Vec<Finding>) {
    for b in &cx.builds {
        let Some(scope) = gha_scope(b) else { continue };
        let others: Vec<&crate::ci::CiBuild> = cx
            .all_builds
            .iter()
            .filter(|o| {
                gha_scope(o).as_deref() == Some(scope.as_str())
                    && (o.dockerfile != b.dockerfile || o.target != b.target)
            })
            .collect();
        let Some(other) = others.first() else {
            continue;
        };
        let msg = format!(
            "{}: cache scope `{scope}` is also written by {} ({}:{}); each run overwrites the other's cache",
            b.title(),
            other.title(),
            other.file.display(),
            other.line
        );
        let new = scope_for(b);
        let mut edits = Vec::new();
        for l in b
            .cache_to
            .iter()
            .chain(&b.cache_from)
            .filter(|l| kind_of(&l.value) == "gha")
        {
            if !cx.exact(l.span, &l.value) {
                edits.clear();
                break;
            }
            edits.push(Edit::spanning(l.span, with_option(&l.value, "scope", &new)));
        }
        let fix = if edits.is_empty() {
            Fix::display(format!(
                "give this build its own scope, e.g. scope={new}, on cache-from and cache-to"
            ))
        } else {
            Fix::edit(Applicability::Safe, format!("use scope={new}"), edits)
        };
        let span = b
            .cache_to
            .iter()
            .find(|t| kind_of(&t.value) == "gha")
            .map(|t| t.span)
            .unwrap_or(b.span);
        out.push(cx.finding(&RULE, span, msg).with_fix(fix));
    }
}
