//! Bytes to a lossless syntax tree.
//!
//! The parser follows BuildKit's `frontend/dockerfile/parser` line rules:
//! directives, escape character, continuations (comment and blank lines
//! inside them dropped), JSON-or-shell forms, flags, heredocs and ONBUILD.
//! Every byte of the input belongs to exactly one token, and every
//! instruction, flag, argument, heredoc and comment has a span.

mod ast;
mod error;
pub mod expand;
pub(crate) mod heredoc;
mod keyword;
pub(crate) mod lines;
mod parser;
mod span;
mod tokens;
mod validate;
pub mod words;

pub use ast::*;
pub use error::{ParseError, ParseErrorKind};
pub use keyword::Keyword;
pub use parser::{parse, parse_syntax_only};
pub use span::{LineIndex, Position, Span};

#[cfg(test)]
mod tests;
