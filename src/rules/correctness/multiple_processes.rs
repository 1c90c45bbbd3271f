use crate::rules::ctx::script_cmds;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::shell;
use crate::syntax::{Arguments, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds a final image that starts several processes: `supervisord`, or a
    /// `CMD`/`ENTRYPOINT` that puts one in the background with `&`.
    ///
    /// ## Why is this bad?
    /// One container, one concern: the runtime restarts, scales and logs
    /// containers. A background process can die silently while the container
    /// looks healthy, and its output and signals are lost.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD nginx & gunicorn app:app
    /// ```
    ///
    /// Use instead: two services (e.g. in compose), each with one process:
    /// ```dockerfile
    /// CMD ["gunicorn", "app:app"]
    /// ```
    ///
    /// ## Fix safety
    /// Display-only.
    code: "DO411",
    name: "multiple-processes",
    family: Correctness,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for step in cx.model.steps.iter().filter(|s| cx.shipped[s.stage]) {
        if !matches!(step.keyword, Keyword::Cmd | Keyword::Entrypoint) {
            continue;
        }
        let ins = cx.ins(step.instruction);
        let stage_shell = cx
            .model
            .stages
            .get(step.stage)
            .and_then(|s| s.config.shell.as_ref());
        let script = match &ins.arguments {
            Arguments::Shell { .. } if stage_shell.is_some_and(|p| !shell::is_posix_shell(p)) => {
                continue;
            }
            Arguments::Shell { text, .. } => shell::parse(text, 0),
            Arguments::Exec { elements, .. } => {
                let argv: Vec<String> = elements.iter().map(|e| e.value.clone()).collect();
                shell::from_argv(&argv)
            }
        };
        // A command line this model cannot read is unknown, not a finding.
        let Ok(script) = script else { continue };
        // The text the script's spans index: the instruction's own, or the
        // `sh -c` string of the exec form.
        let text = match &ins.arguments {
            Arguments::Exec { elements, .. } => elements.last().map(|e| e.value.as_str()),
            Arguments::Shell { text, .. } => Some(text.as_str()),
        };
        let cmds = script_cmds(&script, text.unwrap_or_default());
        let why = if cmds.iter().any(|c| c.program().starts_with("supervisor")) {
            "starts supervisord to run several processes"
        } else if cmds.iter().any(|c| c.place.background) {
            "starts a process in the background with `&`"
        } else {
            continue;
        };
        out.push(
            cx.finding(
                &RULE,
                cx.head_span(ins),
                format!("{} {why}", ins.keyword.as_str()),
            )
            .with_fix(Fix::display(
                "run one process per container; split the others into their own services",
            )),
        );
    }
}
