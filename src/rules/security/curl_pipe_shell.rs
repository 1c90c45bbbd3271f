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
                // A download written to a file sends nothing down the pipe.
                if downloads_to_file(&a) {
                    continue;
                }
                let span = cx
                    .script_span(ins, step.instruction, pl.span)
                    .unwrap_or_else(|| cx.find_in(ins, &a.program));
                out.push(
                    cx.finding(&RULE, span, format!("`{} ... | {}` runs a download unchecked", a.program, b.program))
                        .with_fix(Fix::display("download to a file with `ADD --checksum=...` (or verify a checksum), then run it")),
                );
            }
        }
    }
}

/// Whether the download goes to a file rather than stdout (`curl -o F`,
/// `curl -O`, `wget -O F` other than `-O -`, or wget's default of a file).
fn downloads_to_file(a: &crate::shell::Invocation) -> bool {
    let args: Vec<Option<String>> = a.args.iter().map(|w| w.literal()).collect();
    let to = |flags: &[&str]| crate::shell::options::getopt_values(&args, flags);
    match a.program.as_str() {
        "curl" => {
            let out = to(&["-o", "--output"]);
            (!out.is_empty() && out.iter().all(|v| v.as_deref().is_some_and(|v| v != "-")))
                || args.iter().flatten().any(|w| {
                    w == "--remote-name"
                        || w == "--remote-name-all"
                        || (w.starts_with('-') && !w.starts_with("--") && w.contains('O'))
                })
        }
        "wget" => {
            let out = to(&["-O", "--output-document"]);
            out.is_empty() || out.iter().all(|v| v.as_deref().is_some_and(|v| v != "-"))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::findings;

    /// A download written to a file sends nothing down the pipe; each pipe
    /// is reported on its own line.
    #[test]
    fn only_downloads_piped_to_a_shell() {
        for quiet in [
            "FROM debian:12\nRUN curl -fsSLo /tmp/i.sh https://x | bash\n",
            "FROM debian:12\nRUN curl -O https://x/i.sh | sh\n",
            "FROM debian:12\nRUN wget https://x/i.sh | sh\n",
        ] {
            assert!(findings(quiet, "DO303").is_empty(), "{quiet}");
        }
        let text =
            "FROM debian:12\nRUN curl -fsSL https://a | bash && \\\n    wget -qO- https://b | sh\n";
        let lines: Vec<usize> = findings(text, "DO303")
            .iter()
            .map(|f| f.start.line)
            .collect();
        assert_eq!(lines, [2, 3]);
    }
}
