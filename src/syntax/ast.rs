//! The lossless syntax tree: every instruction, flag, argument, heredoc and
//! comment with its byte span into the original text, plus the token stream
//! that covers every byte of it.

use super::keyword::Keyword;
use super::span::{LineIndex, Position, Span};
use serde::Serialize;

/// A parsed Dockerfile. `source` is the exact input; [`Dockerfile::tokens`]
/// partition it.
#[derive(Debug, Clone)]
pub struct Dockerfile {
    pub source: String,
    pub has_bom: bool,
    pub escape: char,
    pub directives: Vec<Directive>,
    pub instructions: Vec<Instruction>,
    /// Comment lines after the last instruction.
    pub trailing_comments: Vec<Comment>,
    pub line_index: LineIndex,
}

impl Dockerfile {
    /// The index of `ins` among this file's instructions; None when it is
    /// not one of them (another file's). Instructions are in source order:
    /// a binary search by position, then the same object.
    pub fn index_of(&self, ins: &Instruction) -> Option<usize> {
        let i = self
            .instructions
            .partition_point(|x| x.span.start < ins.span.start);
        self.instructions
            .get(i)
            .is_some_and(|x| std::ptr::eq(x, ins))
            .then_some(i)
    }

    /// Prints the tree back; for an unmodified tree this is the input, byte for byte.
    pub fn to_source(&self) -> String {
        let mut out = String::with_capacity(self.source.len());
        for t in &self.tokens() {
            out.push_str(t.span.text(&self.source));
        }
        out
    }

    /// The token stream: every byte of `source` in exactly one token, in
    /// order. Derived again from `source` when asked: only the round-trip
    /// checks read it, and kept with every parse it was the largest part of
    /// one (a 100,000-instruction file: 29 MB a parse, with two or three
    /// parses alive in `check`'s fix labelling).
    pub fn tokens(&self) -> Vec<Token> {
        super::parser::tokens_of(&self.source)
    }

    pub fn position(&self, offset: usize) -> Position {
        self.line_index.position(&self.source, offset)
    }

    pub fn text(&self, span: Span) -> &str {
        span.text(&self.source)
    }

    pub fn directive(&self, name: &str) -> Option<&Directive> {
        self.directives.iter().find(|d| d.name == name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TokenKind {
    Bom,
    Directive,
    Comment,
    Whitespace,
    Newline,
    Keyword,
    Flag,
    Argument,
    /// The escape character at a line end plus any blanks after it.
    Continuation,
    HeredocBody,
    HeredocEnd,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Directive {
    /// Lower-cased name: `syntax`, `escape` or `check`.
    pub name: String,
    pub value: String,
    pub span: Span,
    pub value_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// The text after `#`, trimmed.
    pub text: String,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Flag {
    /// Name without the leading `--`.
    pub name: String,
    /// Value after `=`, with BuildKit's quote and escape processing applied.
    pub value: Option<String>,
    pub span: Span,
    pub name_span: Span,
    pub value_span: Option<Span>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spanned {
    pub value: String,
    pub span: Span,
}

/// JSON (exec) form or shell form, decided as BuildKit does: the exec form
/// needs a valid JSON array of strings, anything else is the shell form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "form", rename_all = "kebab-case")]
pub enum Arguments {
    Exec {
        elements: Vec<Spanned>,
        span: Span,
    },
    Shell {
        /// The argument text of the logical line (continuations joined),
        /// trimmed at both ends, as BuildKit keys it.
        text: String,
        span: Span,
    },
}

impl Arguments {
    pub fn span(&self) -> Span {
        match self {
            Arguments::Exec { span, .. } | Arguments::Shell { span, .. } => *span,
        }
    }

    pub fn is_exec(&self) -> bool {
        matches!(self, Arguments::Exec { .. })
    }

    pub fn shell_text(&self) -> Option<&str> {
        match self {
            Arguments::Shell { text, .. } => Some(text),
            Arguments::Exec { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Heredoc {
    /// The delimiter with quotes removed.
    pub name: String,
    /// `<<-`: leading tabs are stripped from the body when building.
    pub chomp: bool,
    /// False when the delimiter was quoted: the body is not expanded.
    pub expand: bool,
    pub file_descriptor: u32,
    /// The body exactly as written, newlines included, terminator excluded.
    pub content: String,
    /// Span of the `<<EOF` word on the instruction line.
    pub marker_span: Span,
    pub body_span: Span,
    pub terminator_span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Instruction {
    pub keyword: Keyword,
    /// The keyword as written (case kept).
    pub keyword_span: Span,
    /// From the keyword to the end of the last line (or heredoc terminator), line ending excluded.
    pub span: Span,
    /// Whole lines: from the start of the keyword's line through the last line ending.
    pub line_span: Span,
    /// 1-based first and last line.
    pub start_line: usize,
    pub end_line: usize,
    pub flags: Vec<Flag>,
    pub arguments: Arguments,
    pub heredocs: Vec<Heredoc>,
    /// Own-line comments directly above (no blank line in between).
    pub comments: Vec<Comment>,
    /// Comment lines inside the continuation, which BuildKit drops.
    pub inner_comments: Vec<Comment>,
    /// For ONBUILD: the trigger instruction.
    pub trigger: Option<Box<Instruction>>,
    /// The logical line as BuildKit sees it (continuations joined).
    pub logical: String,
    /// Where the logical line's pieces stand in the source: `(source start,
    /// length)` of each physical line's part, in order. Offsets in any text
    /// the instruction was parsed from map back through these exactly
    /// (re-deriving the joins from the lines disagreed with the parser on
    /// lines such as `\ \`, and the shell's word spans came out misplaced).
    pub pieces: Vec<(usize, usize)>,
}

impl Instruction {
    /// The source offset of each byte of `text`, a piece of this
    /// instruction's logical line starting at source offset `start`, and
    /// one past its end; None when `text` is not there.
    pub fn source_offsets(&self, source: &str, start: usize, text: &str) -> Option<Vec<usize>> {
        let mut k = self
            .pieces
            .iter()
            .position(|&(s, len)| s <= start && start < s + len)?;
        let src = source.as_bytes();
        let mut out = Vec::with_capacity(text.len() + 1);
        let mut pos = start;
        for b in text.bytes() {
            while pos >= self.pieces[k].0 + self.pieces[k].1 {
                k += 1;
                pos = self.pieces.get(k)?.0;
            }
            if src.get(pos) != Some(&b) {
                return None;
            }
            out.push(pos);
            pos += 1;
        }
        out.push(out.last().map_or(start, |&e| e + 1));
        Some(out)
    }

    pub fn flag(&self, name: &str) -> Option<&Flag> {
        self.flags.iter().find(|f| f.name == name)
    }

    pub fn flag_values<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.flags
            .iter()
            .filter(move |f| f.name == name)
            .filter_map(|f| f.value.as_deref())
    }

    /// The first physical line of the instruction, for display.
    pub fn first_line<'a>(&self, source: &'a str) -> &'a str {
        let text = self.span.text(source);
        text.split('\n').next().unwrap_or("").trim_end_matches('\r')
    }

    /// Whitespace-separated arguments of the shell form, or the exec elements.
    pub fn words(&self) -> Vec<String> {
        match &self.arguments {
            Arguments::Exec { elements, .. } => elements.iter().map(|e| e.value.clone()).collect(),
            Arguments::Shell { text, .. } => super::words::split_whitespace(text)
                .into_iter()
                .map(|(w, _)| w.to_string())
                .collect(),
        }
    }
}
