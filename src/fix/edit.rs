//! Byte-range edits and the line-level helpers fixes build them with:
//! instruction blocks (with their attached comments), line endings, moves.

use crate::syntax::{Dockerfile, Instruction};
use serde::Serialize;

/// Replace `start..end` of the text with `content` (an insertion when empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub content: String,
}

impl Edit {
    pub fn insert(at: usize, content: impl Into<String>) -> Edit {
        Edit {
            start: at,
            end: at,
            content: content.into(),
        }
    }

    pub fn delete(start: usize, end: usize) -> Edit {
        Edit {
            start,
            end,
            content: String::new(),
        }
    }

    /// Replaces the text of `span`.
    pub fn spanning(span: crate::syntax::Span, content: impl Into<String>) -> Edit {
        Edit::replace(span.start, span.end, content)
    }

    pub fn replace(start: usize, end: usize, content: impl Into<String>) -> Edit {
        Edit {
            start,
            end,
            content: content.into(),
        }
    }
}

/// Applies non-overlapping edits (any order); insertions at the same point keep their order.
pub fn apply(text: &str, edits: &[Edit]) -> String {
    let mut sorted: Vec<(usize, &Edit)> = edits.iter().enumerate().collect();
    sorted.sort_by_key(|(i, e)| (e.start, e.end, *i));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for (_, e) in sorted {
        if e.start < pos {
            continue; // overlapping: the engine never sends these
        }
        out.push_str(&text[pos..e.start]);
        out.push_str(&e.content);
        pos = e.end;
    }
    out.push_str(&text[pos..]);
    out
}

/// The file's line ending: CRLF if its first line ending is CRLF.
pub fn eol(text: &str) -> &'static str {
    match text.find('\n') {
        Some(i) if i > 0 && text.as_bytes()[i - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

fn line_start_of(df: &Dockerfile, offset: usize) -> usize {
    df.line_index.line_start(df.line_index.line_of(offset))
}

/// Start of an instruction's block: its first attached comment's line, else its own line.
pub fn block_start(df: &Dockerfile, ins: &Instruction) -> usize {
    match ins.comments.first() {
        Some(c) => line_start_of(df, c.span.start),
        None => ins.line_span.start,
    }
}

/// The block's text (comments + instruction lines), always ending with a line ending.
pub fn block_text(df: &Dockerfile, ins: &Instruction) -> String {
    let mut s = df.source[block_start(df, ins)..ins.line_span.end].to_string();
    if !s.ends_with('\n') {
        s.push_str(eol(&df.source));
    }
    s
}

fn is_blank_line(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let end = rest.find('\n').map(|i| start + i + 1)?;
    text[start..end].trim().is_empty().then_some(end)
}

fn preceded_by_blank_or_start(text: &str, start: usize) -> bool {
    if start == 0 {
        return true;
    }
    let before = &text[..start];
    let prev_start = before[..before.len() - 1]
        .rfind('\n')
        .map(|i| i + 1)
        .unwrap_or(0);
    before[prev_start..].trim().is_empty()
}

/// Deletes an instruction's block; when it stands in its own paragraph, the
/// blank line after it goes too, so no double blank line is left.
pub fn delete_block(df: &Dockerfile, ins: &Instruction) -> Edit {
    paragraph_cut(&df.source, block_start(df, ins), ins.line_span.end)
}

/// Deletes `start..end` (whole lines), and the blank line after them when
/// they stand in their own paragraph, so no double blank line is left.
fn paragraph_cut(text: &str, start: usize, end: usize) -> Edit {
    let mut end = end;
    if preceded_by_blank_or_start(text, start) {
        if let Some(e) = is_blank_line(text, end) {
            end = e;
        }
    }
    Edit::delete(start, end)
}

/// Deletes several instructions' blocks (in source order), as
/// [`delete_block`] would one after another: blocks that touch are one
/// paragraph cut, so the blank line after them goes when the first stands
/// after a blank line (cut one by one from the same text, the blank lines
/// around them were both kept).
pub fn delete_blocks(df: &Dockerfile, idxs: &[usize]) -> Vec<Edit> {
    let mut out: Vec<Edit> = Vec::new();
    let mut run: Option<(usize, usize)> = None;
    let close = |(start, end): (usize, usize), out: &mut Vec<Edit>| {
        out.push(paragraph_cut(&df.source, start, end));
    };
    for ins in idxs.iter().filter_map(|&i| df.instructions.get(i)) {
        let start = block_start(df, ins);
        run = match run {
            Some((s, e)) if e == start => Some((s, ins.line_span.end)),
            Some(r) => {
                close(r, &mut out);
                Some((start, ins.line_span.end))
            }
            None => Some((start, ins.line_span.end)),
        };
    }
    if let Some(r) = run {
        close(r, &mut out);
    }
    out
}

/// Inserts whole lines above an instruction's block; when that block starts a
/// paragraph, the inserted lines become their own paragraph.
pub fn insert_above(df: &Dockerfile, ins: &Instruction, lines: &str) -> Edit {
    let at = block_start(df, ins);
    let mut content = lines.to_string();
    if at > 0 && preceded_by_blank_or_start(&df.source, at) {
        content.push_str(eol(&df.source));
    }
    Edit::insert(at, content)
}

/// The instruction that follows `idx` in the same stage, if any.
pub fn next_in_stage(df: &Dockerfile, idx: usize) -> Option<usize> {
    let n = idx + 1;
    let ins = df.instructions.get(n)?;
    (ins.keyword != crate::syntax::Keyword::From).then_some(n)
}

/// The raw source text of a RUN's flags as written, for comparing two RUNs.
pub fn flags_text(df: &Dockerfile, ins: &Instruction) -> Vec<String> {
    ins.flags
        .iter()
        .map(|f| df.source[f.span.start..f.span.end].to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apply_edits_in_order() {
        let t = "abcdef";
        let out = apply(
            t,
            &[
                Edit::insert(0, "X"),
                Edit::replace(2, 4, "Y"),
                Edit::delete(5, 6),
            ],
        );
        assert_eq!(out, "XabYe");
    }

    #[test]
    fn crlf_detected() {
        assert_eq!(eol("FROM a\r\nRUN b\r\n"), "\r\n");
        assert_eq!(eol("FROM a\nRUN b\r\n"), "\n");
    }

    #[test]
    fn delete_paragraph_takes_one_blank_line() {
        let df = crate::syntax::parse("FROM a\n\n# c\nRUN x\n\nRUN y\n").unwrap();
        let e = delete_block(&df, &df.instructions[1]);
        assert_eq!(apply(&df.source, &[e]), "FROM a\n\nRUN y\n");
    }
}
