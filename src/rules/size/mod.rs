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
pub mod npm_cache_left;
pub mod pip_cache_left;

use crate::rules::{DockerfileCtx, Edit};
use crate::syntax::{Instruction, Span};

/// An edit inserting `text` right after the first `needle` in the instruction.
pub(crate) fn insert_after(
    cx: &DockerfileCtx,
    ins: &Instruction,
    needle: &str,
    text: &str,
) -> Option<Edit> {
    let s = cx.find_opt(ins, needle)?;
    Some(Edit::spanning(Span::new(s.end, s.end), text.to_string()))
}

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

/// An edit appending `text` to the end of a shell-form RUN without heredocs.
pub(crate) fn append(ins: &Instruction, text: &str) -> Option<Edit> {
    if !ins.heredocs.is_empty() || ins.arguments.is_exec() {
        return None;
    }
    Some(Edit::spanning(
        Span::new(ins.span.end, ins.span.end),
        text.to_string(),
    ))
}
