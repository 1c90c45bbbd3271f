use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

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
    for (_, ins, cmds) in cx.runs() {
        for w in cmds.windows(2) {
            let (a, b) = (&w[0], &w[1]);
            if b.piped_from_prev
                && matches!(a.program(), "curl" | "wget")
                && SHELLS.contains(&b.program())
            {
                let needle = format!("| {}", b.words[0]);
                let span = cx
                    .find_opt(ins, &needle)
                    .unwrap_or_else(|| cx.find_in(ins, a.program()));
                out.push(
                    cx.finding(&RULE, span, format!("`{} ... | {}` runs a download unchecked", a.program(), b.program()))
                        .with_fix(Fix::display("download to a file with `ADD --checksum=...` (or verify a checksum), then run it")),
                );
            }
        }
    }
}
