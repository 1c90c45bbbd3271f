use crate::model::Op;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::shell::{self, ShellOptions};

declare_rule! {
    /// ## What it does
    /// Finds a shell-form `RUN` with a pipe whose shell does not use `pipefail`.
    ///
    /// ## Why is this bad?
    /// `/bin/sh -c "a | b"` succeeds when `b` does, even if `a` failed: a failed
    /// download piped into `tar` or `sh` leaves a broken layer that is cached as a success.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN wget -O - https://example.com/x.tar.gz | tar xz
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// SHELL ["/bin/bash", "-o", "pipefail", "-c"]
    /// RUN wget -O - https://example.com/x.tar.gz | tar xz
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: `bash` may not exist in the image. The advice follows the
    /// base: Alpine's BusyBox ash has `set -o pipefail` and no bash; dash, the
    /// `/bin/sh` of Debian and Ubuntu, has it only from Debian 13 and Ubuntu
    /// 25.04 on (`set: Illegal option -o pipefail` before).
    code: "DO414",
    name: "pipefail",
    family: Correctness,
    severity: Info,
    hadolint: ["DL4006"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for step in cx.model.steps.iter() {
        let ins = cx.ins(step.instruction);
        let (Some(Op::Run(r)), Some(script)) = (&step.op, cx.script(step.instruction)) else {
            continue;
        };
        if ins.arguments.is_exec() {
            continue;
        }
        // A pipe whose left side cannot fail (`echo`, `printf`) loses
        // nothing; `yes | …` would fail under pipefail (SIGPIPE), so that
        // advice would break the build.
        let Some(pipe) = shell::pipelines(script).into_iter().find(|p| {
            p.commands.len() > 1
                && p.commands[..p.commands.len() - 1]
                    .iter()
                    .any(|c| !matches!(program(c).as_deref(), Some("echo" | "printf")))
        }) else {
            continue;
        };
        if pipe.commands[..pipe.commands.len() - 1]
            .iter()
            .any(|c| program(c).as_deref() == Some("yes"))
        {
            continue;
        }
        let prefix = r.argv.split_last().map(|(_, p)| p).unwrap_or(&[]);
        let shell_has = prefix.iter().any(|a| a.contains("pipefail"));
        if shell_has || ShellOptions::from_prefix(prefix).after(script).pipefail {
            continue;
        }
        out.push(
            cx.finding(&RULE, cx.script_span(ins, step.instruction, pipe.span).unwrap_or_else(|| cx.find_in(ins, "|")), "a pipe without `pipefail`: a failure on the left is ignored")
                .with_fix(Fix::display(if cx.on_alpine(step.stage) {
                    "start the RUN with `set -o pipefail &&`: BusyBox ash has it, and Alpine has no bash for a SHELL"
                } else {
                    "add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before it: dash, Debian's and Ubuntu's /bin/sh, has no `set -o pipefail` before Debian 13 (trixie) and Ubuntu 25.04"
                })),
        );
    }
}

/// The program a pipeline's command runs, when a plain simple command.
fn program(c: &crate::shell::Command) -> Option<String> {
    match c {
        crate::shell::Command::Simple(s) => s.invocation().map(|i| i.program),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::findings;

    /// The finding is on the pipe it is about (it was on the first `|`
    /// of the RUN, a `||` too); a left side that cannot fail, or `yes`,
    /// which pipefail would make fail, is no finding.
    #[test]
    fn the_pipe_that_may_fail_and_only_it() {
        let text = "FROM debian:12\nRUN test -f /x || true; curl -s https://x | tar x\n";
        let f = findings(text, "DO414");
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].start.line, f[0].start.column), (2, 25), "{:?}", f[0]);
        for quiet in [
            "FROM debian:12\nRUN echo \"$SUM  f\" | sha256sum -c -\n",
            "FROM debian:12\nRUN printf '\\n' | pecl install redis\n",
            "FROM debian:12\nRUN yes | apt-get install x\n",
            "FROM debian:12\nRUN test -f /x || true\n",
        ] {
            assert!(findings(quiet, "DO414").is_empty(), "{quiet}");
        }
    }
}
