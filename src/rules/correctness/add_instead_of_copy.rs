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
    /// not its name. With the build context, dockopt reads each source's
    /// first bytes as BuildKit does (a compression's magic bytes, or a tar
    /// header whose checksum holds) and leaves an `ADD` of an archive alone;
    /// without it, it goes by names. The file may still change before the
    /// build, so `COPY` is not proven to give the same files.
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
        // With the context at hand, read what ADD reads: a file that is an
        // archive by its content is unpacked whatever its name, so ADD is
        // doing its job. A source not in the context fails the build
        // anyway (DO505's finding): its name decides, as without a context.
        let unpacks = cx.context.is_some_and(|ctx| {
            c.srcs.iter().any(|s| {
                let Ok(sel) = ctx.filtered.select(&[s.raw.as_str()]) else {
                    return false;
                };
                sel.sources().iter().flat_map(|x| &x.matches).any(|m| {
                    ctx.filtered
                        .get(&m.resolved)
                        .is_some_and(|e| e.kind == crate::context::EntryKind::File)
                        && crate::context::file_may_be_archive(&ctx.root.join(&m.resolved))
                            .unwrap_or(true)
                })
            })
        });
        if unpacks {
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
