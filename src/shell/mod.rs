//! The one shell model: what BuildKit hands to `/bin/sh -c` for a
//! shell-form RUN (or to a `SHELL` override), parsed into words with their
//! quoting, escapes and expansions; `&&`, `||`, `;`, pipes, groups,
//! subshells and compound commands; redirections; assignment prefixes; and
//! the wrappers (`sudo`, `env`, `nice`, `xargs`…) in front of a program.
//! Every rule, fix, the multistage converter and the cost model read RUNs
//! through it, so they cannot disagree on what a line runs.
//!
//! Spans point into the Dockerfile source: BuildKit joins continuation lines
//! and drops comment lines inside them before the shell sees the text; the
//! map built here undoes that.

mod ast;
mod command;
mod lexer;
mod memo;
pub mod options;
mod parser;
mod startup;
pub mod tools;
mod walk;

pub use ast::*;
pub use command::Invocation;
pub use lexer::is_name;
pub use memo::ScriptMemo;
pub use parser::ShellError;
pub use startup::startup_files;
pub use walk::{
    code_end, commands, each_field_word, each_redirect, each_word, pipelines, tokens, Place,
};

use crate::syntax::lines::{continuation_at, physical_lines_from};
use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword, Span};

/// Parses a script whose offsets are `offset + i` for byte `i` of `text`.
pub fn parse(text: &str, offset: usize) -> Result<Script, ShellError> {
    let map: Vec<usize> = (0..=text.len()).map(|i| offset + i).collect();
    parse_mapped(text, &map)
}

/// Parses `text`, byte `i` of which stands at source offset `map[i]`.
pub fn parse_mapped(text: &str, map: &[usize]) -> Result<Script, ShellError> {
    let mut p = parser::Parser::new(text, map);
    let script = p.list(&[])?;
    p.finish(script)
}

/// The shell-form RUN's script (heredoc bodies attached), or None for exec
/// form and non-RUN instructions. For `RUN <<EOF` alone, the body is the script.
pub fn parse_run(df: &Dockerfile, ins: &Instruction) -> Option<Result<Script, ShellError>> {
    if ins.keyword != Keyword::Run {
        return None;
    }
    let Arguments::Shell { text, span } = &ins.arguments else {
        return None;
    };
    if let Some(h) = ins.heredocs.first() {
        let t = text.trim();
        let only_heredoc = ins.heredocs.len() == 1
            && t.strip_prefix("<<")
                .map(|r| r.trim_start_matches('-'))
                .map(|r| r.trim_matches(['"', '\'']))
                .is_some_and(|r| r == h.name);
        if only_heredoc {
            let body = h.content.as_str();
            let start = h.body_span.start;
            return Some(parse(body, start));
        }
    }
    let map = ins
        .source_offsets(&df.source, span.start, text)
        .unwrap_or_else(|| source_map(df, *span, text));
    let mut script = match parse_mapped(text, &map) {
        Ok(s) => s,
        Err(e) => return Some(Err(e)),
    };
    if !ins.heredocs.is_empty() {
        let mut k = 0;
        walk::each_redirect_mut(&mut script, &mut |r| {
            if let RedirOp::HereDoc { .. } = r.op {
                if r.heredoc.is_none() {
                    if let Some(h) = ins.heredocs.get(k) {
                        r.heredoc = Some(h.content.clone());
                    }
                    k += 1;
                }
            }
        });
    }
    Some(Ok(script))
}

/// The script a parsed exec-form argv runs: `["sh", "-c", "…"]` parses the
/// string; any other argv is one simple command of literal words.
pub fn from_argv(argv: &[String]) -> Result<Script, ShellError> {
    if let Some(text) = sh_c_script(argv) {
        return parse(text, 0);
    }
    let words = argv
        .iter()
        .map(|a| Word {
            parts: vec![Part::Quoted(a.clone())],
            span: Span::new(0, 0),
        })
        .collect();
    Ok(Script {
        items: vec![ListItem {
            and_or: AndOr {
                first: Pipeline {
                    negated: false,
                    commands: vec![Command::Simple(SimpleCommand {
                        assignments: Vec::new(),
                        words,
                        redirects: Vec::new(),
                        span: Span::new(0, 0),
                    })],
                    span: Span::new(0, 0),
                },
                rest: Vec::new(),
            },
            background: false,
            span: Span::new(0, 0),
        }],
        span: Span::new(0, 0),
    })
}

/// `sh -c SCRIPT` (any POSIX shell, options before `-c`): the script.
fn sh_c_script(argv: &[String]) -> Option<&str> {
    let c = argv.iter().position(|a| a == "-c")?;
    (is_posix_shell(&argv[..=c]) && c + 1 < argv.len()).then(|| argv[c + 1].as_str())
}

/// Whether a `SHELL` prefix (ending in `-c`) runs a POSIX-compatible shell
/// that this model reads: sh, bash, dash, ash, ksh, zsh, busybox sh.
pub fn is_posix_shell(prefix: &[String]) -> bool {
    let Some(first) = prefix.first() else {
        return false;
    };
    let name = first.rsplit('/').next().unwrap_or(first);
    let (name, rest) = if name == "busybox" {
        (
            prefix.get(1).map(String::as_str).unwrap_or(""),
            &prefix[1.min(prefix.len())..],
        )
    } else {
        (name, prefix)
    };
    matches!(
        name,
        "sh" | "bash" | "dash" | "ash" | "ksh" | "mksh" | "zsh"
    ) && rest.last().is_some_and(|a| a == "-c")
}

/// `set -e` / `-o pipefail` in force: from the shell prefix and `set` commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ShellOptions {
    pub errexit: bool,
    pub pipefail: bool,
}

impl ShellOptions {
    /// Options the shell prefix sets (`SHELL ["/bin/bash", "-eo", "pipefail", "-c"]`).
    pub fn from_prefix(prefix: &[String]) -> Self {
        let mut o = ShellOptions::default();
        o.apply(prefix.get(1..).unwrap_or(&[]));
        o
    }

    /// Applies `set` arguments (or shell flags).
    pub fn apply<S: AsRef<str>>(&mut self, args: &[S]) {
        let mut i = 0;
        while i < args.len() {
            let a = args[i].as_ref();
            if a == "-o" || a == "+o" {
                if args.get(i + 1).map(|s| s.as_ref()) == Some("pipefail") {
                    self.pipefail = a == "-o";
                }
                if args.get(i + 1).map(|s| s.as_ref()) == Some("errexit") {
                    self.errexit = a == "-o";
                }
                i += 2;
                continue;
            }
            if let Some(f) = a.strip_prefix('-').filter(|f| !f.starts_with('-')) {
                if f.contains('e') {
                    self.errexit = true;
                }
                if f.ends_with('o') && args.get(i + 1).map(|s| s.as_ref()) == Some("pipefail") {
                    self.pipefail = true;
                    i += 1;
                }
            } else if let Some(f) = a.strip_prefix('+') {
                if f.contains('e') {
                    self.errexit = false;
                }
            }
            i += 1;
        }
    }

    /// The options in force after the script's top-level `set` commands.
    pub fn after(mut self, script: &Script) -> Self {
        for (c, place) in commands(script) {
            if place.scopes.is_empty() {
                if let Some(inv) = c.invocation() {
                    if inv.program == "set" {
                        self.apply(&inv.lossy());
                    }
                }
            }
        }
        self
    }
}

/// Source offset of every byte of a shell-form instruction's `text`: the
/// physical lines under `span`, continuations removed and comment or blank
/// lines inside them skipped, as BuildKit joins them. For instructions not
/// made by the parser (no pieces); the parser's own map comes first.
fn source_map(df: &Dockerfile, span: Span, text: &str) -> Vec<usize> {
    let src = &df.source;
    let identity = || (0..=text.len()).map(|i| span.start + i).collect::<Vec<_>>();
    if span.end > src.len() || span.start > span.end {
        return identity();
    }
    let mut joined = String::new();
    let mut map: Vec<usize> = Vec::new();
    for (n, line) in physical_lines_from(src, span.start).enumerate() {
        if line.start >= span.end && n > 0 {
            break;
        }
        let content = &src[line.start..line.content_end.min(span.end.max(line.start))];
        if n > 0 {
            let t = content.trim_start();
            if t.starts_with('#') || t.is_empty() {
                continue;
            }
        }
        let (piece, more) = match continuation_at(content, df.escape) {
            Some(at) => (&content[..at], true),
            None => (content, false),
        };
        map.extend(line.start..line.start + piece.len());
        joined.push_str(piece);
        if !more {
            break;
        }
    }
    let lead = joined.len() - joined.trim_start().len();
    if !joined[lead..].starts_with(text) {
        return identity();
    }
    let mut out: Vec<usize> = map[lead..lead + text.len()].to_vec();
    let end = out.last().map(|&e| e + 1).unwrap_or(span.start);
    out.push(end);
    out
}

#[cfg(test)]
mod tests;
