use super::CiCtx;
use crate::model::Base;
use crate::rules::{Applicability, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds CI builds that pass `no-cache` (`--no-cache`) or `pull: true`
    /// (`--pull`) on every run while a base image is referenced by tag, not digest.
    ///
    /// ## Why is this bad?
    /// `no-cache` makes every run a cold build. `pull` re-resolves the tag on every
    /// run: whenever the upstream tag moves, every step after that FROM misses,
    /// at a time nobody chose. Pin the base by digest and let a bot (Dependabot,
    /// Renovate) move the digest in a reviewed commit: the cache then stays valid
    /// until that commit.
    ///
    /// ## Example
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with:
    ///     no-cache: true
    /// ```
    ///
    /// Use instead: `FROM python:3.12-slim@sha256:…` and no `no-cache`.
    ///
    /// ## Fix safety
    /// Display-only: which digest to pin is a decision.
    code: "DO604",
    name: "ci-no-cache-unpinned-base",
    family: Ci,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Ci(check),
}

pub fn check(cx: &CiCtx, out: &mut Vec<Finding>) {
    for b in &cx.builds {
        let Some((flag, what)) = b
            .no_cache
            .as_ref()
            .map(|l| (l, "no-cache rebuilds every step on every run"))
            .or_else(|| {
                b.pull
                    .as_ref()
                    .map(|l| (l, "pull re-resolves the tag on every run"))
            })
        else {
            continue;
        };
        let Some(model) = cx.model(b) else { continue };
        let reach = model.reachable();
        let mut unpinned: Vec<String> = model
            .stages
            .iter()
            .filter(|s| reach.get(s.index).copied().unwrap_or(false))
            .filter_map(|s| match &s.base {
                Base::Image(r) if !r.contains("@sha256:") => Some(r.clone()),
                _ => None,
            })
            .collect();
        unpinned.dedup();
        if unpinned.is_empty() {
            continue;
        }
        let msg = format!(
            "{}: {what}, and {} {} not pinned by digest",
            b.title(),
            unpinned.join(", "),
            if unpinned.len() == 1 { "is" } else { "are" }
        );
        out.push(cx.finding(&RULE, flag.span, msg).with_fix(Fix::display(
            "pin the base image by digest (FROM image:tag@sha256:…), update it with Dependabot/Renovate, and drop no-cache/pull",
        )));
    }
}
