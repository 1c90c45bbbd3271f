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
        if ins.arguments.is_exec()
            || !shell::pipelines(script)
                .iter()
                .any(|p| p.commands.len() > 1)
        {
            continue;
        }
        let prefix = r.argv.split_last().map(|(_, p)| p).unwrap_or(&[]);
        let shell_has = prefix.iter().any(|a| a.contains("pipefail"));
        if shell_has || ShellOptions::from_prefix(prefix).after(script).pipefail {
            continue;
        }
        out.push(
            cx.finding(&RULE, cx.find_in(ins, "|"), "a pipe without `pipefail`: a failure on the left is ignored")
                .with_fix(Fix::display(if cx.on_alpine(step.stage) {
                    "start the RUN with `set -o pipefail &&`: BusyBox ash has it, and Alpine has no bash for a SHELL"
                } else {
                    "add `SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]` before it: dash, Debian's and Ubuntu's /bin/sh, has no `set -o pipefail` before Debian 13 (trixie) and Ubuntu 25.04"
                })),
        );
    }
}
