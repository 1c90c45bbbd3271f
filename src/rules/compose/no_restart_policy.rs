use super::{get, ComposeCtx};
use crate::rules::{Applicability, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds a service with no `restart:` policy (nor `deploy.restart_policy`),
    /// in a compose file that runs services: not one named for development or
    /// CI (`docker-compose.ci.yml`), nor one that mounts the project over a
    /// built image (`.:/app`, a development setup), nor a swarm stack's:
    /// `docker stack deploy` ignores `restart:` and restarts every task by
    /// default. A file is a stack's when it, or a compose file beside it
    /// that defines one of its services, holds what only a swarm runs (an
    /// external secret or config, an overlay network, `deploy.placement`,
    /// `update_config`, `rollback_config`, `endpoint_mode`, `mode: global`).
    ///
    /// ## Why is this bad?
    /// The default is `no`: a crashed service, or every service after a host
    /// reboot, stays down.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     image: myapp:1.4
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// services:
    ///   web:
    ///     image: myapp:1.4
    ///     restart: unless-stopped
    /// ```
    ///
    /// ## Fix safety
    /// Display-only (for a development-only file, ignore this rule).
    code: "DO503",
    name: "no-restart-policy",
    family: Compose,
    severity: Info,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Compose(check),
}

pub fn check(cx: &ComposeCtx, out: &mut Vec<Finding>) {
    // Restart policies are for running services, not for a development or
    // CI compose file.
    if cx.is_override || cx.for_development().is_some() {
        return;
    }
    // `docker stack deploy` ignores `restart:`; a swarm restarts a task
    // whatever its exit (`deploy.restart_policy.condition` defaults to `any`).
    if cx.for_swarm().is_some() {
        return;
    }
    for svc in &cx.services {
        let has = svc.get("restart").is_some()
            || svc
                .get("deploy")
                .is_some_and(|(_, d)| get(d, "restart_policy").is_some());
        if !has {
            out.push(
                cx.finding(
                    &RULE,
                    svc.key,
                    format!("service `{}` has no restart policy", svc.name),
                )
                .with_fix(Fix::display("add `restart: unless-stopped`")),
            );
        }
    }
}
