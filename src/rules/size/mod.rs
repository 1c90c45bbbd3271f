//! DO2xx: bytes that ship in the final image (only stages that end up in the
//! built image are checked: builder stages are thrown away).

pub mod apk_cache_left;
pub mod apt_lists_left;
pub mod apt_no_install_recommends;
pub mod build_tools_in_final;
pub mod cache_mount_missing;
pub mod consecutive_run;
pub mod context_not_ignored;
pub mod deleted_in_later_layer;
pub(crate) mod index_read_later;
pub mod npm_cache_left;
pub mod pip_cache_left;

use crate::rules::{DockerfileCtx, Edit};
use crate::syntax::{Dockerfile, Instruction, Span};

/// Where the `k`-th of `total` commands spelled `needle` is in the
/// instruction: the k-th occurrence, when the text holds exactly `total` (two
/// `apk add` in one RUN get two findings, each at its own command; a count
/// that does not match — a comment, a string — gives none).
pub(crate) fn nth(
    cx: &DockerfileCtx,
    ins: &Instruction,
    needle: &str,
    k: usize,
    total: usize,
) -> Option<Span> {
    let text = ins.span.text(&cx.df.source);
    let at: Vec<usize> = text.match_indices(needle).map(|(i, _)| i).collect();
    (at.len() == total)
        .then(|| at.get(k).copied())
        .flatten()
        .map(|i| Span::new(ins.span.start + i, ins.span.start + i + needle.len()))
}

/// An edit inserting `text` right after `span`.
pub(crate) fn insert_at_end(span: Span, text: &str) -> Edit {
    Edit::insert(span.end, text)
}

/// An edit appending `&& cmd` on a continuation line to a shell-form RUN
/// without heredocs, spelled with the file's escape character. It goes after
/// the script's last word, before a trailing shell comment (after the comment
/// it would be commented out); None when the script does not end in a word
/// (`fi`, `}`, `)`, a final `;` or `&`), where `&& cmd` would bind otherwise.
pub(crate) fn append(df: &Dockerfile, ins: &Instruction, cmd: &str) -> Option<Edit> {
    if !ins.heredocs.is_empty() || ins.arguments.is_exec() {
        return None;
    }
    let script = crate::shell::parse_run(df, ins)?.ok()?;
    let last = crate::shell::code_end(&script)?;
    let end = ins.span.end;
    let rest = df.source.get(last..end)?;
    let blank = |c: char| matches!(c, ' ' | '\t' | '\r' | '\n') || c == df.escape;
    let code = rest.trim_start_matches([' ', '\t']);
    let at = if rest.chars().all(blank) {
        end
    } else if code.starts_with('#') && !code.contains('\n') {
        last
    } else {
        return None;
    };
    Some(Edit::spanning(
        Span::new(at, at),
        format!(" {}\n    && {cmd}", df.escape),
    ))
}

#[cfg(test)]
mod tests {
    use super::append;
    use crate::syntax::parse;

    fn appended(src: &str) -> Option<String> {
        let df = parse(src).ok()?;
        let ins = df.instructions.last()?;
        let e = append(&df, ins, "rm -rf /x")?;
        Some(crate::fix::edit::apply(src, &[e]))
    }

    /// The continuation uses the file's escape character, the command goes
    /// before a trailing comment, and a script that ends in a closer gets none.
    #[test]
    fn appends_where_the_shell_reads_it() {
        assert_eq!(
            appended("FROM a\nRUN make\n").as_deref(),
            Some("FROM a\nRUN make \\\n    && rm -rf /x\n")
        );
        assert_eq!(
            appended("# escape=`\nFROM a\nRUN make `\n  all\n").as_deref(),
            Some("# escape=`\nFROM a\nRUN make `\n  all `\n    && rm -rf /x\n")
        );
        assert_eq!(
            appended("FROM a\nRUN make # why\n").as_deref(),
            Some("FROM a\nRUN make \\\n    && rm -rf /x # why\n")
        );
        assert_eq!(
            appended("FROM a\nRUN make > log\n").as_deref(),
            Some("FROM a\nRUN make > log \\\n    && rm -rf /x\n")
        );
        assert_eq!(appended("FROM a\nRUN if true; then make; fi\n"), None);
        assert_eq!(appended("FROM a\nRUN make;\n"), None);
        assert!(appended("FROM node:20-slim\nRUN npm ci --omit=dev\n").is_some());
    }
}
