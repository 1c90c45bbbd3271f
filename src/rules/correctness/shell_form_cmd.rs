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

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for step in cx.model.steps.iter().filter(|s| cx.shipped[s.stage]) {
        if !matches!(step.keyword, Keyword::Cmd | Keyword::Entrypoint) {
            continue;
        }
        let ins = cx.ins(step.instruction);
        let Arguments::Shell { text, span } = &ins.arguments else {
            continue;
        };
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
