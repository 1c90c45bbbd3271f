use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `cd` in a `RUN`.
    ///
    /// ## Why is this bad?
    /// The directory change ends with the `RUN`: later instructions are back in
    /// the previous directory, which is easy to misread. `WORKDIR` states it once.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN cd /app && make
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// WORKDIR /app
    /// RUN make
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: `WORKDIR` also changes later instructions.
    code: "DO410",
    name: "cd-in-run",
    family: Correctness,
    severity: Info,
    hadolint: ["DL3003"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (_, ins, cmds) in cx.runs() {
        if let Some(c) = cmds
            .iter()
            // A `cd` inside `$(…)` only shapes that substitution's output
            // (`$(cd dir && pwd)`): WORKDIR is no replacement for it.
            .find(|c| {
                c.program() == "cd"
                    && !c.place.substitution
                    && c.args().first().is_some_and(|a| a != "-")
            })
        {
            let dir = c.args().first().cloned().unwrap_or_default();
            out.push(
                cx.finding(
                    &RULE,
                    cx.find_in(ins, &format!("cd {dir}")),
                    format!("`cd {dir}` in RUN: use WORKDIR {dir}"),
                )
                .with_fix(Fix::display(format!("`WORKDIR {dir}` before this RUN"))),
            );
        }
    }
}
