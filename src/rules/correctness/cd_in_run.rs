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

/// The variable names `$name` and `${name…}` in a word.
fn shell_vars(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        let after = rest[i + 1..].strip_prefix('{').unwrap_or(&rest[i + 1..]);
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 {
            out.push(&after[..len]);
        }
        rest = &after[len..];
    }
    out
}

/// Whether the script assigns `name` (`name=…`, `export name=…`, `for name in`,
/// `read name`).
fn assigned_in(script: &str, name: &str) -> bool {
    let assign = format!("{name}=");
    let starts_word = |i: usize| {
        script[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | '{'))
    };
    script.match_indices(&assign).any(|(i, _)| starts_word(i))
        || script.contains(&format!("for {name} "))
        || script.contains(&format!("read {name}"))
        || script.contains(&format!("read -r {name}"))
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (step, ins, cmds) in cx.runs() {
        // A `cd` inside `$(…)` only shapes that substitution's output
        // (`$(cd dir && pwd)`): WORKDIR is no replacement for it.
        let Some(at) = cmds.iter().position(|c| {
            c.program() == "cd"
                && !c.place.substitution
                && c.args().first().is_some_and(|a| a != "-")
        }) else {
            continue;
        };
        let c = &cmds[at];
        let dir = c.args().first().cloned().unwrap_or_default();
        // `cd "$tempDir"` after `tempDir="$(mktemp -d)"`: a variable this
        // RUN's shell sets, which WORKDIR cannot name (it expands ARG and ENV,
        // the base image's too, such as golang's GOPATH).
        let text = &ins.logical;
        if shell_vars(&dir).iter().any(|v| assigned_in(text, v)) {
            continue;
        }
        let cwd = crate::model::path::clean(&step.cwd);
        let abs = if dir.contains('$') || dir.starts_with('~') {
            dir.clone()
        } else {
            crate::model::path::join_abs(&cwd, &dir)
        };
        // WORKDIR stays for every later step (and the image's working
        // directory): the advice puts the old one back after the RUN. A `cd`
        // after other commands cannot move before the RUN at all.
        let advice = if at == 0 {
            format!("`WORKDIR {abs}` before this RUN and `WORKDIR {cwd}` after it (the steps after it run in {cwd})")
        } else {
            format!("split the RUN at the `cd`: `WORKDIR {abs}` before the second part, `WORKDIR {cwd}` after it (the commands before it and the steps after it run in {cwd})")
        };
        out.push(
            cx.finding(
                &RULE,
                cx.find_in(ins, &format!("cd {dir}")),
                format!("`cd {dir}` in RUN: use WORKDIR {abs}"),
            )
            .with_fix(Fix::display(advice)),
        );
    }
}
