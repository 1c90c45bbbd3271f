use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a service image (it `EXPOSE`s a port) with no `HEALTHCHECK`,
    /// unless every compose service that builds it (compose files in its
    /// folder or up to three above) defines a `healthcheck:`.
    ///
    /// ## Why is this bad?
    /// Without a health check the runtime only knows the process is alive, not
    /// that it answers: `depends_on: condition: service_healthy` cannot work,
    /// and a hung server is never restarted.
    ///
    /// ## Example
    /// ```dockerfile
    /// EXPOSE 8000
    /// CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// EXPOSE 8000
    /// HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8000/health || exit 1
    /// CMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the probe depends on the app.
    code: "DO412",
    name: "missing-healthcheck",
    family: Correctness,
    severity: Info,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(stage) = cx.model.stages.get(cx.model.target) else {
        return;
    };
    if stage.config.exposed_ports.is_empty() || stage.config.healthcheck.is_some() {
        return;
    }
    let expose = cx
        .model
        .steps
        .iter()
        .rev()
        .find(|s| cx.shipped[s.stage] && s.keyword == Keyword::Expose);
    let Some(expose) = expose else { return };
    // Every compose service that builds the image gives it a healthcheck:
    // that is where the project chose to define it.
    if cx
        .compose_builds(crate::rules::compose::healthchecked_builds)
        .is_some()
    {
        return;
    }
    let ins = cx.ins(expose.instruction);
    // `EXPOSE ${PORT}` with a build argument this file does not set: the
    // model keeps such a word as written, so show the instruction's text.
    let ports = &stage.config.exposed_ports;
    let shown = if ports.iter().any(|p| p.contains('$')) {
        format!("`{}`", cx.df.text(ins.arguments.span()).trim())
    } else {
        ports.join(", ")
    };
    out.push(
        cx.finding(
            &RULE,
            cx.head_span(ins),
            format!("the image serves {shown} but has no HEALTHCHECK"),
        )
        .with_fix(Fix::display(
            "add `HEALTHCHECK CMD <probe>` (or a healthcheck in compose)",
        )),
    );
}
