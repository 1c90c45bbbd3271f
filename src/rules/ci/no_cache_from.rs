use super::{scope_for, CiCtx};
use crate::ci::{self, Builder, CiBuild, Origin};
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
    /// Dockerfile and target is added when the repository builds several)
    /// whose builder supports the gha cache backend: a builder that a
    /// `docker/setup-buildx-action` step earlier in the same job creates and
    /// makes current (or that `builder:` names), with the default
    /// `docker-container` driver or `kubernetes`, `remote`, `cloud`.
    ///
    /// Display-only when the step builds with the Docker daemon's default
    /// builder (no setup-buildx-action step before it, `use: false`,
    /// `builder: default`) or a setup step sets `driver: docker`: that driver
    /// does not support the gha backend, and the build would fail with "Cache
    /// export feature is currently not supported for docker driver". The
    /// setup step is not added for you: with it the image is no longer loaded
    /// into the runner's image store (later steps that run it need
    /// `load: true`). Display-only too when the file does not show the
    /// builder (a `builder:` from elsewhere, a driver or `use:` set by an
    /// expression, a setup step with another `if:`), for
    /// `docker/build-push-action@v1` (other inputs), when `cache-from` is set
    /// but empty or `cache-to` exports to something other than gha, and for
    /// `docker build` command lines, whose cache location depends on the
    /// registry in use.
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
        let fix = match b.origin {
            Origin::BuildPushAction => action_fix(cx, b, several),
            _ => Fix::display(
                "import the previous run's cache: --cache-from type=registry,ref=IMAGE:buildcache --cache-to type=registry,ref=IMAGE:buildcache,mode=max (docker buildx), or --build-arg BUILDKIT_INLINE_CACHE=1 with --cache-from IMAGE",
            ),
        };
        out.push(cx.finding(&RULE, b.span, msg).with_fix(fix));
    }
}

/// Drivers whose builders export and import the gha cache (Docker docs, cache
/// storage backends: the `docker` driver needs the containerd image store,
/// which a runner's daemon does not have by default).
const GHA_DRIVERS: &[&str] = &["docker-container", "kubernetes", "remote", "cloud"];

/// The edit that adds the cache inputs to a build-push-action step, or why not.
fn action_fix(cx: &CiCtx, b: &CiBuild, several: bool) -> Fix {
    let scope = if several {
        format!(",scope={}", scope_for(b))
    } else {
        String::new()
    };
    let wanted = format!("`cache-from: type=gha{scope}` and `cache-to: type=gha,mode=max{scope}`");
    let advice =
        |why: String| Fix::display(format!("{why}; then add {wanted} to the step's inputs"));
    if b.action_version
        .as_deref()
        .is_some_and(|v| v == "v1" || v.starts_with("v1."))
    {
        return advice(
            "docker/build-push-action@v1 has no cache-from/cache-to inputs: move to v6".into(),
        );
    }
    match &b.builder {
        Some(Builder::Buildx { driver, .. }) if GHA_DRIVERS.contains(&driver.as_str()) => {}
        Some(Builder::Buildx { driver, line }) => {
            return advice(format!(
                "the docker/setup-buildx-action step on line {line} sets `driver: {driver}`, and the gha cache backend needs the docker-container driver (the default; with the docker driver the build fails: \"Cache export feature is currently not supported for docker driver\"): remove `driver:`"
            ))
        }
        Some(Builder::DockerDefault) if b.with_keys.iter().any(|k| k == "builder") => {
            return advice("`builder: default` is the Docker daemon's default builder, whose `docker` driver does not support the gha cache backend (the build would fail: \"Cache export feature is currently not supported for docker driver\"): build with a docker/setup-buildx-action builder".into())
        }
        Some(Builder::DockerDefault) => {
            return advice("add `- uses: docker/setup-buildx-action@v3` to the job before this step (not added automatically: this step builds with the Docker daemon's default builder, whose `docker` driver does not support the gha cache backend, so the cache settings alone would fail the build with \"Cache export feature is currently not supported for docker driver\"; and with a buildx builder the image is no longer loaded into the runner's image store unless `load: true`), or name the builder of a setup step with `use: false` in `builder:`".into())
        }
        Some(Builder::Unknown(why)) => {
            return advice(format!(
                "make sure the step builds with a docker/setup-buildx-action builder (not fixed automatically: {why}, and the gha cache backend fails with the docker driver)"
            ))
        }
        None => return advice("build with a docker/setup-buildx-action builder".into()),
    }
    let has = |k: &str| b.with_keys.iter().any(|x| x == k);
    if has("cache-from") {
        return advice(
            "`cache-from` is set but empty: fill it in rather than adding a second".into(),
        );
    }
    // What to add: both inputs, or only the import of what `cache-to` exports to gha.
    let mut inputs: Vec<(&str, String)> = Vec::new();
    if has("cache-to") {
        let [only] = b.cache_to.as_slice() else {
            return advice(
                "`cache-to` is set: import what it exports (a matching `cache-from`)".into(),
            );
        };
        if ci::kind_of(&only.value) != "gha" {
            return advice("`cache-to` exports to something other than gha: add a `cache-from` that imports it".into());
        }
        let from = match ci::option_of(&only.value, "scope") {
            Some(sc) if sc.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_') => {
                format!("type=gha,scope={sc}")
            }
            Some(_) => return advice("`cache-to` exports to gha in a scope that is not a plain name: add a `cache-from` with the same scope".into()),
            None => "type=gha".into(),
        };
        inputs.push(("cache-from", from));
    } else {
        // A scope another image already exports to would make the two overwrite
        // each other's cache (DO603).
        let effective = if several {
            scope_for(b)
        } else {
            "buildkit".to_string()
        };
        if let Some(o) = cx.all_builds.iter().find(|o| {
            super::shared_cache_scope::gha_scope(o).as_deref() == Some(effective.as_str())
                && (o.dockerfile != b.dockerfile || o.target != b.target)
        }) {
            return Fix::display(format!(
                "import and export the gha cache in a scope of its own: scope `{effective}` is already written by {} ({}:{})",
                o.title(),
                o.file.display(),
                o.line
            ));
        }
        inputs.push(("cache-from", format!("type=gha{scope}")));
        inputs.push(("cache-to", format!("type=gha,mode=max{scope}")));
    }
    let message = if inputs.len() == 1 {
        "import the GitHub Actions cache cache-to exports"
    } else {
        "import and export the GitHub Actions cache, every stage"
    };
    // `with: &inputs` / `with: *inputs`: an input added there is added to every
    // step sharing the mapping, whose builders may differ.
    if b.with_shared
        || b.with_span
            .is_some_and(|w| w.start < b.span.start || w.end > b.span.end)
    {
        return advice(
            "`with:` is a YAML anchor or alias that other steps share: give this step inputs of its own"
                .into(),
        );
    }
    let edit = match (&b.with_span, &b.with_indent) {
        // `with: {push: true}`: inside the braces, values quoted (a comma ends a
        // plain scalar in a flow mapping).
        (Some(w), _) if b.with_flow => {
            let Some(body) = cx.text.get(w.start..w.end) else {
                return advice("the `with:` mapping could not be read".into());
            };
            if !(body.starts_with('{') && body.ends_with('}')) || body.contains('#') {
                return advice("`with:` is not a plain flow mapping".into());
            }
            let inner = body[1..body.len() - 1].trim_end();
            let sep = if inner.trim().is_empty() || inner.ends_with(',') {
                ""
            } else {
                ", "
            };
            let added: Vec<String> = inputs
                .iter()
                .map(|(k, v)| format!("{k}: \"{v}\""))
                .collect();
            Edit::insert(w.end - 1, format!("{sep}{}", added.join(", ")))
        }
        (Some(w), Some(indent)) => {
            let lines: String = inputs
                .iter()
                .map(|(k, v)| format!("\n{indent}{k}: {v}"))
                .collect();
            Edit::insert(line_end(cx.text, w.end), lines)
        }
        (None, _) => match &b.step_indent {
            Some(indent) => {
                let lines: String = inputs
                    .iter()
                    .map(|(k, v)| format!("\n{indent}  {k}: {v}"))
                    .collect();
                Edit::insert(
                    line_end(cx.text, b.span.end),
                    format!("\n{indent}with:{lines}"),
                )
            }
            None => return advice("the step is not laid out one key per line".into()),
        },
        (Some(_), None) => {
            return advice("`with:` has no inputs to line the new ones up with".into())
        }
    };
    Fix::edit(Applicability::Safe, message, vec![edit])
}

/// The end of the line holding `at` (before its newline): an insertion there
/// keeps a trailing comment on its own input.
fn line_end(text: &str, at: usize) -> usize {
    let at = at.min(text.len());
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}
