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
