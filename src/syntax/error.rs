//! Parse errors: a kind, a span, and a rendering with file:line:col and a code frame.

use super::span::{LineIndex, Position, Span};
use std::fmt::Write as _;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ParseErrorKind {
    EmptyFile,
    UnknownInstruction,
    UnterminatedHeredoc,
    FlagWithoutValue,
    UnknownFlag,
    DuplicateFlag,
    BadFlagValue,
    InstructionBeforeFrom,
    MissingArguments,
    BadArguments,
    NotStringArray,
    BadDirective,
    BadOnbuild,
    BadMount,
}

impl ParseErrorKind {
    /// A short stable identifier, shown as `error[...]`.
    pub fn code(&self) -> &'static str {
        match self {
            ParseErrorKind::EmptyFile => "empty-file",
            ParseErrorKind::UnknownInstruction => "unknown-instruction",
            ParseErrorKind::UnterminatedHeredoc => "unterminated-heredoc",
            ParseErrorKind::FlagWithoutValue => "flag-without-value",
            ParseErrorKind::UnknownFlag => "unknown-flag",
            ParseErrorKind::DuplicateFlag => "duplicate-flag",
            ParseErrorKind::BadFlagValue => "bad-flag-value",
            ParseErrorKind::InstructionBeforeFrom => "instruction-before-from",
            ParseErrorKind::MissingArguments => "missing-arguments",
            ParseErrorKind::BadArguments => "bad-arguments",
            ParseErrorKind::NotStringArray => "json-not-string-array",
            ParseErrorKind::BadDirective => "bad-directive",
            ParseErrorKind::BadOnbuild => "bad-onbuild",
            ParseErrorKind::BadMount => "bad-mount",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {message}")]
pub struct ParseError {
    pub kind: ParseErrorKind,
    pub message: String,
    /// What the parser expected instead, when that is useful to say.
    pub expected: Option<String>,
    pub span: Span,
    pub line: usize,
    pub column: usize,
}

impl ParseError {
    pub(crate) fn new(
        kind: ParseErrorKind,
        message: impl Into<String>,
        span: Span,
        source: &str,
        index: &LineIndex,
    ) -> Self {
        let Position { line, column } = index.position(source, span.start);
        ParseError {
            kind,
            message: message.into(),
            expected: None,
            span,
            line,
            column,
        }
    }

    pub(crate) fn expecting(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }

    /// `error[code]: message`, then `--> file:line:col` and the offending
    /// line with the span underlined, as rustc and ruff print them.
    pub fn render(&self, file: &str, source: &str) -> String {
        let index = LineIndex::new(source);
        let line0 = self.line.saturating_sub(1);
        let text = index.line_text(source, line0);
        let gutter = self.line.to_string().len();
        let mut out = String::new();
        let esc = crate::frame::escape_controls;
        let _ = writeln!(out, "error[{}]: {}", self.kind.code(), esc(&self.message));
        let _ = writeln!(
            out,
            "{:w$}--> {}:{}:{}",
            "",
            file,
            self.line,
            self.column,
            w = gutter
        );
        let line_len = text.chars().count();
        let start_col = self.column.saturating_sub(1).min(line_len);
        let span_chars = source
            .get(self.span.start..self.span.end)
            .map(|s| s.split('\n').next().unwrap_or("").chars().count())
            .unwrap_or(1);
        out.push_str(&crate::frame::code_frame(
            source,
            &index,
            self.line,
            start_col,
            span_chars,
            &[],
            crate::frame::Paint(false),
        ));
        if let Some(expected) = &self.expected {
            let _ = writeln!(out, "{:w$} = expected {}", "", expected, w = gutter);
        }
        out
    }
}
