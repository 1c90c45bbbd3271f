use super::{with_option, CiCtx};
use crate::cache::{CacheSource, ExportMode};
use crate::ci::{analyze, kind_of, Origin};
use crate::rules::{Applicability, Edit, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds a CI build of a multi-stage Dockerfile whose cache is exported with
    /// `mode=min` (BuildKit's default for `cache-to`) or as inline cache
    /// (`BUILDKIT_INLINE_CACHE=1`, `type=inline`).
    ///
    /// ## Why is this bad?
    /// Both export only the layers of the final image. On a fresh runner the
    /// builder stages have no cached result, so whenever the step that copies from
    /// them misses, every builder step re-runs, dependency installs included, even
    /// if only one source file changed (BuildKit `solver/exporter.go`,
    /// `cache/remotecache/inline/inline.go`; verified on Docker 20.10 in the
    /// engine tier). `mode=max` exports every stage.
    ///
    /// ## Example
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with:
    ///     cache-from: type=gha
    ///     cache-to: type=gha
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with:
    ///     cache-from: type=gha
    ///     cache-to: type=gha,mode=max
    /// ```
    ///
    /// ## Fix safety
    /// Safe for `cache-to` values of type gha, registry or local: the image is
    /// unchanged, the cache export is larger. Inline cache is replaced by
    /// `type=gha,mode=max` in build-push-action steps (unsafe: the cache moves to
    /// the GitHub Actions cache service); elsewhere display-only.
    code: "DO601",
    name: "ci-cache-min-multistage",
    family: Ci,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Safe),
    check: Ci(check),
}

pub fn check(cx: &CiCtx, out: &mut Vec<Finding>) {
    for b in &cx.builds {
        let source = b.cache_source();
        if source.mode() != Some(ExportMode::Min) {
            continue;
        }
        let Some(model) = cx.model(b) else { continue };
        let builders = analyze::builder_stages(&model);
        if builders.is_empty() {
            continue;
        }
        let what = if source == CacheSource::Inline {
            "inline cache".to_string()
        } else {
            format!("cache-to {source}")
        };
        let msg = format!(
            "{}: {what} exports only the final image, so stage{} {} re-run{} on every CI run whose copy from {} misses; export mode=max",
            b.title(),
            if builders.len() == 1 { "" } else { "s" },
            builders.join(", "),
            if builders.len() == 1 { "s" } else { "" },
            if builders.len() == 1 { "it" } else { "them" },
        );
        let to = b
            .cache_to
            .iter()
            .find(|t| matches!(kind_of(&t.value).as_str(), "gha" | "registry" | "local"));
        let fix = match to {
            Some(t) if cx.exact(t.span, &t.value) => Fix::edit(
                Applicability::Safe,
                "export every stage: mode=max",
                vec![Edit::spanning(t.span, with_option(&t.value, "mode", "max"))],
            ),
            _ if b.origin == Origin::BuildPushAction => {
                let mut edits = Vec::new();
                for l in b.cache_to.iter().chain(&b.cache_from) {
                    if !cx.exact(l.span, &l.value) {
                        edits.clear();
                        break;
                    }
                    let to = b.cache_to.iter().any(|t| t.span == l.span);
                    edits.push(Edit::spanning(
                        l.span,
                        if to { "type=gha,mode=max" } else { "type=gha" },
                    ));
                }
                if edits.is_empty() {
                    Fix::display("export the cache with mode=max (e.g. cache-to: type=gha,mode=max, cache-from: type=gha)")
                } else {
                    Fix::edit(
                        Applicability::Unsafe,
                        "replace inline cache with the GitHub Actions cache, every stage exported",
                        edits,
                    )
                }
            }
            _ => Fix::display(
                "export every stage: --cache-to type=registry,ref=IMAGE:buildcache,mode=max with --cache-from type=registry,ref=IMAGE:buildcache (docker buildx)",
            ),
        };
        let span = to.map(|t| t.span).unwrap_or(b.span);
        out.push(cx.finding(&RULE, span, msg).with_fix(fix));
    }
}
