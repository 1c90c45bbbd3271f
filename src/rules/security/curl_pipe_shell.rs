use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::shell::{self, Command};

declare_rule! {
    /// ## What it does
    /// Finds a download piped straight into a shell or interpreter
    /// (`curl ... | sh`, `wget -O- ... | bash`).
    ///
    /// ## Why is this bad?
    /// Whatever the server returns runs as root in the build, unchecked; a
    /// truncated download runs half a script; and the step's cache key is the
    /// command text, so a changed script is never picked up until the cache is lost.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN curl -fsSL https://example.com/install.sh | sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// ADD --checksum=sha256:<digest> https://example.com/install.sh /tmp/install.sh
    /// RUN sh /tmp/install.sh && rm /tmp/install.sh
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the checksum must come from the publisher.
    code: "DO303",
    name: "curl-pipe-shell",
    family: Security,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

const SHELLS: &[&str] = &[
    "sh", "bash", "zsh", "ash", "dash", "ksh", "python", "python3", "perl", "ruby", "node",
];

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for step in cx.model.steps.iter() {
        let Some(script) = cx.script(step.instruction) else {
            continue;
        };
        let ins = cx.ins(step.instruction);
        for pl in shell::pipelines(script) {
            for w in pl.commands.windows(2) {
                let (Command::Simple(a), Command::Simple(b)) = (&w[0], &w[1]) else {
                    continue;
                };
                let (Some(a), Some(b)) = (a.invocation(), b.invocation()) else {
                    continue;
                };
                if !(matches!(a.program.as_str(), "curl" | "wget") && b.is(SHELLS)) {
                    continue;
                }
                let needle = format!("| {}", b.program_word.lossy());
                let span = cx
                    .find_opt(ins, &needle)
                    .unwrap_or_else(|| cx.find_in(ins, &a.program));
                out.push(
                    cx.finding(&RULE, span, format!("`{} ... | {}` runs a download unchecked", a.program, b.program))
                        .with_fix(Fix::display("download to a file with `ADD --checksum=...` (or verify a checksum), then run it")),
                );
            }
        }
    }
}
