use super::{entries, get, items, scalar, ComposeCtx, Service};
use crate::rules::{Applicability, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `depends_on` entries that do not wait for the dependency to be
    /// healthy (`condition: service_healthy`), naming those whose dependency has
    /// no healthcheck at all (neither in compose nor a `HEALTHCHECK` in its image).
    ///
    /// ## Why is this bad?
    /// Plain `depends_on` only orders container starts: the app starts while the
    /// database is still initialising, fails or needs a hand-written wait loop
    /// (`nc -z` in an entrypoint).
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     depends_on: [db]
    ///   db:
    ///     image: postgres:16
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     depends_on:
    ///       db:
    ///         condition: service_healthy
    ///   db:
    ///     image: postgres:16
    ///     healthcheck:
    ///       test: ["CMD-SHELL", "pg_isready -U postgres"]
    ///       interval: 5s
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the probe depends on the service.
    code: "DO502",
    name: "depends-on-unhealthy",
    family: Compose,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Compose(check),
}

fn probe_for(image: &str) -> &'static str {
    let i = image.to_ascii_lowercase();
    if i.contains("postgres") {
        "[\"CMD-SHELL\", \"pg_isready -U $$POSTGRES_USER\"]"
    } else if i.contains("mysql") || i.contains("mariadb") {
        "[\"CMD\", \"mysqladmin\", \"ping\", \"-h\", \"localhost\"]"
    } else if i.contains("redis") {
        "[\"CMD\", \"redis-cli\", \"ping\"]"
    } else if i.contains("mongo") {
        "[\"CMD\", \"mongosh\", \"--eval\", \"db.adminCommand('ping')\"]"
    } else {
        "[\"CMD\", \"<probe>\"]"
    }
}

fn has_healthcheck(cx: &ComposeCtx, svc: &Service) -> bool {
    if let Some((_, h)) = svc.get("healthcheck") {
        let disabled = get(h, "disable").and_then(|(_, v)| scalar(v)).as_deref() == Some("true");
        return !disabled;
    }
    matches!(cx.built_image(svc), Some(Ok(img)) if img.model.stages.get(img.model.target).is_some_and(|s| s.config.healthcheck.as_deref().is_some_and(|h| !h.eq_ignore_ascii_case("none"))))
}

pub fn check(cx: &ComposeCtx, out: &mut Vec<Finding>) {
    for svc in &cx.services {
        let Some((_, deps)) = get(svc.node, "depends_on") else {
            continue;
        };
        let mut list: Vec<(String, &super::Node, Option<String>)> = Vec::new();
        for item in items(deps) {
            if let Some(n) = scalar(item) {
                list.push((n, item, None));
            }
        }
        for (k, v) in entries(deps) {
            if let Some(n) = scalar(k) {
                list.push((n, k, get(v, "condition").and_then(|(_, c)| scalar(c))));
            }
        }
        for (dep, node, cond) in list {
            if cond.as_deref() == Some("service_healthy") {
                continue;
            }
            let target = cx.services.iter().find(|s| s.name == dep);
            let healthy = target.is_some_and(|t| has_healthcheck(cx, t));
            let image = target
                .and_then(|t| t.get("image"))
                .and_then(|(_, v)| scalar(v))
                .unwrap_or_default();
            let msg = if healthy {
                format!(
                    "`{}` depends on `{dep}` but does not wait for it to be healthy",
                    svc.name
                )
            } else {
                format!("`{}` depends on `{dep}`, which has no healthcheck: `depends_on` only waits for the container to start", svc.name)
            };
            let fix = if healthy {
                format!("use `depends_on: {{{dep}: {{condition: service_healthy}}}}`")
            } else {
                format!(
                    "give `{dep}` a healthcheck (test: {}) and use `condition: service_healthy`",
                    probe_for(&image)
                )
            };
            out.push(cx.finding(&RULE, node, msg).with_fix(Fix::display(fix)));
        }
    }
}
