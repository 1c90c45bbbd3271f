use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `RUN apt-get update` with no `apt-get install` in the same `RUN`.
    ///
    /// ## Why is this bad?
    /// The update's layer is cached on its command text alone, so it is reused
    /// for months while a later `apt-get install` layer changes: the install then
    /// runs against stale package lists and fails or installs old versions. The
    /// lists also stay in the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update
    /// RUN apt-get install -y --no-install-recommends gcc
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update \
    ///  && apt-get install -y --no-install-recommends gcc \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Fix safety
    /// Safe with `dockopt fix`: the update is merged into the install that
    /// directly follows (same env, cwd, user, shell, mounts), so the files and
    /// config are the same; only the layer split changes.
    code: "DO104",
    name: "apt-update-alone",
    family: Cache,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Safe),
    fixer: crate::fixes::merge_apt_update::check,
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (step, ins, cmds) in cx.runs() {
        let update = cmds
            .iter()
            .find(|c| c.is_apt_update() || c.is(&["apk"], &["update"]));
        let Some(update) = update else { continue };
        let installs = cmds.iter().any(|c| {
            c.is_apt_install()
                || c.is(
                    &["apt-get", "apt"],
                    &["upgrade", "dist-upgrade", "build-dep"],
                )
                || c.is_apk_add()
                || c.is(&["apk"], &["upgrade"])
        });
        if installs {
            continue;
        }
        // A script, `make` or a piped installer in the same RUN may install
        // with the fresh lists (vscode-dev-containers' `apt-get update &&
        // bash common-debian.sh`): not alone, as far as anyone can tell.
        if cx.run_effects(step).is_some_and(|fx| fx.unknown) {
            continue;
        }
        let prog = update.program().to_string();
        out.push(
            cx.finding(
                &RULE,
                cx.subcommand_span(ins, update, 0, "update")
                    .unwrap_or_else(|| cx.find_in(ins, &format!("{prog} update"))),
                format!(
                    "`{prog} update` alone in its layer: later installs use stale package lists"
                ),
            )
            .with_fix(Fix::display(format!(
                "run `{prog} update` in the same RUN as the install"
            ))),
        );
    }
}
