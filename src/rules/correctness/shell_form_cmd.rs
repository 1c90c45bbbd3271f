use crate::rules::{Applicability, DockerfileCtx, Edit, Finding, Fix};
use crate::syntax::{Arguments, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `CMD` and `ENTRYPOINT` in shell form in the stages of the final image.
    ///
    /// ## Why is this bad?
    /// The shell form runs `/bin/sh -c "..."`: the shell is PID 1 and does not
    /// forward SIGTERM, so `docker stop` waits 10 s and kills the app without a
    /// clean shutdown. A shell-form `ENTRYPOINT` also ignores `CMD` and `docker run` arguments.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD gunicorn --bind 0.0.0.0:8000 app:app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: without the shell, variables are no longer expanded and the process
    /// receives signals directly. Offered only for commands without shell syntax.
    code: "DO409",
    name: "shell-form-cmd",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3025"],
    fix: Some(Applicability::Unsafe),
    check: Dockerfile(check),
}

/// The CMD and ENTRYPOINT steps the final image runs with: the last of each
/// along the FROM chain of the target stage. An earlier one is overridden;
/// a CMD from a parent stage is cleared by a later stage's ENTRYPOINT; and a
/// shell-form ENTRYPOINT ignores CMD altogether.
fn effective<'a>(cx: &DockerfileCtx<'a>) -> Vec<&'a crate::model::Step> {
    let mut chain = Vec::new();
    let mut at = Some(cx.model.target);
    while let Some(i) = at.filter(|i| !chain.contains(i)) {
        chain.push(i);
        at = match cx.model.stages.get(i).map(|st| &st.base) {
            Some(crate::model::Base::Stage(b)) => Some(*b),
            _ => None,
        };
    }
    let last = |kw: Keyword| {
        cx.model
            .steps
            .iter()
            .filter(|s| s.keyword == kw && chain.contains(&s.stage))
            .max_by_key(|s| s.instruction)
    };
    let entrypoint = last(Keyword::Entrypoint);
    let cmd = last(Keyword::Cmd).filter(|c| {
        entrypoint.is_none_or(|e| {
            let cleared = e.stage != c.stage && e.instruction > c.instruction;
            let shell_ep = matches!(cx.ins(e.instruction).arguments, Arguments::Shell { .. });
            !cleared && !shell_ep
        })
    });
    entrypoint.into_iter().chain(cmd).collect()
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let mut steps = effective(cx);
    steps.sort_by_key(|s| s.instruction);
    for step in steps {
        let ins = cx.ins(step.instruction);
        let Arguments::Shell { text, span } = &ins.arguments else {
            continue;
        };
        // `exec app`: the shell replaces itself, the app is PID 1
        if text.trim_start().starts_with("exec ") {
            continue;
        }
        let kw = ins.keyword.as_str();
        let mut f = cx.finding(
            &RULE,
            cx.head_span(ins),
            format!("shell-form {kw}: the shell is PID 1 and does not forward signals"),
        );
        let simple = !text.contains([
            '$', '&', '|', ';', '<', '>', '*', '?', '(', ')', '`', '"', '\'', '\\', '~', '\n',
        ]);
        if simple && !text.trim().is_empty() {
            let words: Vec<String> = text
                .split_whitespace()
                .map(|w| serde_json::to_string(w).unwrap_or_default())
                .collect();
            let json = format!("[{}]", words.join(", "));
            f = f.with_fix(Fix::edit(
                Applicability::Unsafe,
                format!("use the exec form: {kw} {json}"),
                vec![Edit::spanning(*span, json)],
            ));
        } else {
            f = f.with_fix(Fix::display(format!("use the exec form, e.g. {kw} [\"sh\", \"-c\", \"exec ...\"] or a script that ends with `exec`")));
        }
        out.push(f);
    }
}
