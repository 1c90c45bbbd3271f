use crate::model::Base;
use crate::rules::{Applicability, DockerfileCtx, Edit, Finding, Fix};
use crate::syntax::Span;

declare_rule! {
    /// ## What it does
    /// Finds a Python final image (a `python` base, or one that runs pip) without
    /// `PYTHONDONTWRITEBYTECODE=1` and `PYTHONUNBUFFERED=1`.
    ///
    /// ## Why is this bad?
    /// Without `PYTHONUNBUFFERED`, output sits in a buffer: logs arrive late or
    /// are lost when the container dies. Without `PYTHONDONTWRITEBYTECODE`, `.pyc`
    /// files are written at run time into the container's writable layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: it changes run-time behaviour (output buffering, bytecode files).
    code: "DO413",
    name: "python-env-missing",
    family: Correctness,
    severity: Info,
    hadolint: [],
    fix: Some(Applicability::Unsafe),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(stage) = cx.model.stages.get(cx.model.target) else {
        return;
    };
    let mut root = stage.index;
    while let Base::Stage(b) = cx.model.stages[root].base {
        root = b;
    }
    let python_base = matches!(&cx.model.stages[root].base, Base::Image(i) if i.rsplit('/').next().unwrap_or(i).starts_with("python"));
    let runs_pip = cx
        .shipped_runs()
        .any(|(_, _, cmds)| cmds.iter().any(|c| c.pip_install_args().is_some()));
    if !python_base && !runs_pip {
        return;
    }
    let missing: Vec<&str> = ["PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"]
        .into_iter()
        .filter(|v| !stage.config.env.iter().any(|(k, _)| k == v))
        .collect();
    if missing.is_empty() {
        return;
    }
    let from = cx.ins(stage.from_instruction);
    let line = format!(
        "ENV {}\n",
        missing
            .iter()
            .map(|m| format!("{m}=1"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let at = from.line_span.end;
    // A FROM whose continuation the file's end left open (`FROM x\` then only
    // comments) would swallow the inserted line: report, without a fix.
    let open = crate::syntax::lines::ends_open(
        cx.df.source.get(from.line_span.start..at).unwrap_or(""),
        cx.df.escape,
    );
    let edit_text = if cx.df.source[..at].ends_with('\n') {
        line.clone()
    } else {
        format!("\n{}", line.trim_end())
    };
    let finding = cx.finding(
        &RULE,
        cx.head_span(from),
        if python_base {
            format!("Python image without {}", missing.join(" and "))
        } else {
            // a Debian or Alpine base that installs Python packages
            format!(
                "image that runs `pip install` without {}",
                missing.join(" and ")
            )
        },
    );
    out.push(if open {
        finding
    } else {
        finding.with_fix(Fix::edit(
            Applicability::Unsafe,
            format!("add `{}` after FROM", line.trim_end()),
            vec![Edit::spanning(Span::new(at, at), edit_text)],
        ))
    });
}
