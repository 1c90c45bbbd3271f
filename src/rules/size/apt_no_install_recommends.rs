use super::{insert_at_end, nth};
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
        let installs: Vec<_> = cmds.iter().filter(|c| c.is_apt_install()).collect();
        for (k, c) in installs.iter().enumerate() {
            let ok = c.has_arg("--no-install-recommends")
                || c.args().iter().any(|a| {
                    a.contains("Install-Recommends=false") || a.contains("Install-Recommends=0")
                });
            if ok {
                continue;
            }
            let needle = format!("{} install", c.program());
            // this command's own place: the k-th of those spelled the same way
            let same = |x: &&&crate::rules::ctx::Cmd| x.program() == c.program();
            let k = installs[..k].iter().filter(same).count();
            let total = installs.iter().filter(same).count();
            let at = cx
                .subcommand_span(ins, c, 0, "install")
                .or_else(|| nth(cx, ins, &needle, k, total));
            let mut f = cx.finding(
                &RULE,
                at.unwrap_or_else(|| cx.head_span(ins)),
                format!("`{needle}` without `--no-install-recommends` also installs recommended packages"),
            );
            if let Some(span) = at {
                f = f.with_fix(Fix::edit(
                    Applicability::Unsafe,
                    "add `--no-install-recommends`",
                    vec![insert_at_end(span, " --no-install-recommends")],
                ));
            }
            out.push(f);
        }
    }
}
