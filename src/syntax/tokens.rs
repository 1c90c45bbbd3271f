//! The token stream: every byte of the input in exactly one token, so
//! printing the tokens gives the input back.

use super::ast::{Comment, Directive, Instruction, Token, TokenKind};
use super::lines::PhysLine;
use super::span::Span;

pub fn build_tokens(
    text: &str,
    has_bom: bool,
    lines: &[PhysLine],
    directives: &[Directive],
    comments: &[Comment],
    instructions: &[Instruction],
    continuations: &[Span],
) -> Vec<Token> {
    let mut marks: Vec<(Span, TokenKind)> = Vec::new();
    if has_bom {
        marks.push((Span::new(0, 3), TokenKind::Bom));
    }
    marks.extend(directives.iter().map(|d| (d.span, TokenKind::Directive)));
    marks.extend(comments.iter().map(|c| (c.span, TokenKind::Comment)));
    marks.extend(continuations.iter().map(|&s| (s, TokenKind::Continuation)));
    let mut in_heredoc: Vec<Span> = Vec::new();
    for ins in instructions {
        marks.push((ins.keyword_span, TokenKind::Keyword));
        marks.extend(ins.flags.iter().map(|f| (f.span, TokenKind::Flag)));
        if let Some(t) = &ins.trigger {
            marks.push((t.keyword_span, TokenKind::Keyword));
            marks.extend(t.flags.iter().map(|f| (f.span, TokenKind::Flag)));
        }
        for h in &ins.heredocs {
            if !h.body_span.is_empty() {
                marks.push((h.body_span, TokenKind::HeredocBody));
                in_heredoc.push(h.body_span);
            }
            marks.push((h.terminator_span, TokenKind::HeredocEnd));
        }
    }
    for line in lines {
        let inside = in_heredoc
            .iter()
            .any(|b| line.start >= b.start && line.end <= b.end);
        if !inside && line.end > line.content_end {
            marks.push((Span::new(line.content_end, line.end), TokenKind::Newline));
        }
    }
    marks.retain(|(s, _)| !s.is_empty());
    marks.sort_by_key(|(s, _)| (s.start, s.end));

    let mut tokens = Vec::with_capacity(marks.len() * 2);
    let mut pos = 0;
    for (span, kind) in marks {
        if span.start < pos {
            // Overlaps cannot happen by construction; skip rather than duplicate bytes.
            continue;
        }
        fill_gap(text, pos, span.start, &mut tokens);
        tokens.push(Token { kind, span });
        pos = span.end;
    }
    fill_gap(text, pos, text.len(), &mut tokens);
    tokens
}

/// Splits unmarked text into whitespace and argument tokens.
fn fill_gap(text: &str, from: usize, to: usize, out: &mut Vec<Token>) {
    let Some(gap) = text.get(from..to) else {
        return;
    };
    let mut start = from;
    let mut current: Option<TokenKind> = None;
    for (i, c) in gap.char_indices() {
        let kind = if c.is_whitespace() {
            TokenKind::Whitespace
        } else {
            TokenKind::Argument
        };
        if current != Some(kind) {
            if let Some(k) = current {
                out.push(Token {
                    kind: k,
                    span: Span::new(start, from + i),
                });
            }
            current = Some(kind);
            start = from + i;
        }
    }
    if let Some(k) = current {
        out.push(Token {
            kind: k,
            span: Span::new(start, to),
        });
    }
}
