use super::insert_after;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `apt-get install` without `--no-install-recommends` in a stage that
    /// ends up in the image.
    ///
    /// ## Why is this bad?
    /// apt installs "recommended" packages by default: often tens of megabytes of
    /// documentation, locales and tools nobody asked for.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the image no longer contains the recommended packages, and
    /// something may rely on one of them.
    code: "DO201",
    name: "apt-no-install-recommends",
    family: Size,
    severity: Warning,
    hadolint: ["DL3015"],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::no_install_recommends::check,
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (_, ins, cmds) in cx.shipped_runs() {
        for c in cmds.iter().filter(|c| c.is_apt_install()) {
            let ok = c.has_arg("--no-install-recommends")
                || c.args().iter().any(|a| {
                    a.contains("Install-Recommends=false") || a.contains("Install-Recommends=0")
                });
            if ok {
                continue;
            }
            let needle = format!("{} install", c.program());
            let mut f = cx.finding(
                &RULE,
                cx.find_in(ins, &needle),
                format!("`{needle}` without `--no-install-recommends` also installs recommended packages"),
            );
            if let Some(e) = insert_after(cx, ins, &needle, " --no-install-recommends") {
                f = f.with_fix(Fix::edit(
                    Applicability::Unsafe,
                    "add `--no-install-recommends`",
                    vec![e],
                ));
            }
            out.push(f);
        }
    }
}
