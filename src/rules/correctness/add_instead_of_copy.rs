use crate::model::{CopySource, Op};
use crate::rules::{Applicability, DockerfileCtx, Edit, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds `ADD` of local files or directories that are not archives.
    ///
    /// ## Why is this bad?
    /// `ADD` also fetches URLs and unpacks tar archives; for plain files it does
    /// what `COPY` does, with surprises (a file that happens to be a tar gets
    /// unpacked). `COPY` says what it does.
    ///
    /// ## Example
    /// ```dockerfile
    /// ADD app.py /app/
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY app.py /app/
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: `ADD` unpacks any local tar archive, recognised by its content,
    /// not its name; dockopt does not read the file, so it cannot prove `COPY`
    /// gives the same files.
    code: "DO408",
    name: "add-instead-of-copy",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3020"],
    fix: Some(Applicability::Unsafe),
    check: Dockerfile(check),
}

const ARCHIVES: &[&str] = &[
    ".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".gz", ".bz2",
    ".xz",
];

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for step in cx.model.steps.iter().filter(|s| s.keyword == Keyword::Add) {
        let Some(Op::Copy(c)) = &step.op else {
            continue;
        };
        if c.source != CopySource::Context {
            continue;
        }
        let ins = cx.ins(step.instruction);
        if ins
            .flags
            .iter()
            .any(|f| matches!(f.name.as_str(), "checksum" | "keep-git-dir" | "unpack"))
        {
            continue;
        }
        let plain = c.srcs.iter().all(|s| {
            s.remote.is_none()
                && s.inline.is_none()
                && !s.raw.contains("://")
                && !s.raw.starts_with("git@")
                && !ARCHIVES
                    .iter()
                    .any(|a| s.raw.to_ascii_lowercase().ends_with(a))
                && !s.raw.contains('$')
        });
        if !plain {
            continue;
        }
        let kw = cx.df.text(ins.keyword_span);
        let replacement = if kw.chars().all(|c| c.is_ascii_lowercase()) {
            "copy"
        } else {
            "COPY"
        };
        out.push(
            cx.finding(&RULE, ins.keyword_span, "ADD of local files: use COPY")
                .with_fix(Fix::edit(
                    Applicability::Unsafe,
                    "replace ADD with COPY",
                    vec![Edit::spanning(ins.keyword_span, replacement)],
                )),
        );
    }
}
