//! Lossless Dockerfile parser following BuildKit's `parser.go` line rules.

use super::ast::*;
use super::error::{ParseError, ParseErrorKind};
use super::heredoc::heredocs_from_line;
use super::keyword::Keyword;
use super::lines::{continuation_at, physical_lines, Logical, PhysLine};
use super::span::{LineIndex, Span};
use super::tokens::build_tokens;
use super::validate::validate;
use super::words::{extract_flags, is_separator, parse_json_array, JsonForm};

const BOM: &str = "\u{feff}";

/// Parses a Dockerfile. Accepts what BuildKit's current frontend accepts.
pub fn parse(text: &str) -> Result<Dockerfile, ParseError> {
    let mut p = Parser::new(text);
    p.run()?;
    let df = p.finish().0;
    validate(&df)?;
    Ok(df)
}

/// The token stream of a text that parses syntactically (see
/// [`Dockerfile::tokens`]); empty when it does not.
pub(crate) fn tokens_of(text: &str) -> Vec<Token> {
    let mut p = Parser::new(text);
    match p.run() {
        Ok(()) => p.finish_with_tokens(),
        Err(_) => Vec::new(),
    }
}

/// Parses without the semantic checks of BuildKit's instruction stage
/// (argument counts, flags, FROM first); used to compare with BuildKit's
/// parser, which accepts files its build later rejects.
pub fn parse_syntax_only(text: &str) -> Result<Dockerfile, ParseError> {
    let mut p = Parser::new(text);
    p.run()?;
    Ok(p.finish().0)
}

struct Parser<'a> {
    text: &'a str,
    index: LineIndex,
    lines: Vec<PhysLine>,
    has_bom: bool,
    escape: char,
    directives: Vec<Directive>,
    instructions: Vec<Instruction>,
    pending: Vec<Comment>,
    all_comments: Vec<Comment>,
    continuations: Vec<Span>,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        let has_bom = text.starts_with(BOM);
        let first = if has_bom { BOM.len() } else { 0 };
        Parser {
            text,
            index: LineIndex::new(text),
            lines: physical_lines(text, first),
            has_bom,
            escape: '\\',
            directives: Vec::new(),
            instructions: Vec::new(),
            pending: Vec::new(),
            all_comments: Vec::new(),
            continuations: Vec::new(),
        }
    }

    fn error(&self, kind: ParseErrorKind, msg: impl Into<String>, span: Span) -> ParseError {
        ParseError::new(kind, msg, span, self.text, &self.index)
    }

    fn content(&self, line: &PhysLine) -> &'a str {
        &self.text[line.start..line.content_end]
    }

    fn run(&mut self) -> Result<(), ParseError> {
        let mut directives_open = true;
        let mut i = 0;
        while i < self.lines.len() {
            let line = self.lines[i];
            let content = self.content(&line);
            let trimmed = content.trim_start();
            let lstart = line.start + (content.len() - trimmed.len());
            if directives_open {
                if let Some(d) = match_directive(trimmed, lstart) {
                    self.add_directive(d)?;
                    i += 1;
                    continue;
                }
                directives_open = false;
            }
            if trimmed.starts_with('#') {
                let c = comment(trimmed, lstart);
                self.all_comments.push(c.clone());
                self.pending.push(c);
                i += 1;
                continue;
            }
            if trimmed.is_empty() {
                self.pending.clear();
                i += 1;
                continue;
            }
            i = self.instruction(i, lstart)? + 1;
        }
        Ok(())
    }

    fn add_directive(&mut self, d: Directive) -> Result<(), ParseError> {
        if self.directives.iter().any(|x| x.name == d.name) {
            return Err(self
                .error(
                    ParseErrorKind::BadDirective,
                    format!("only one {} parser directive can be used", d.name),
                    d.span,
                )
                .expecting("each parser directive at most once"));
        }
        if d.name == "escape" {
            self.escape = match d.value.as_str() {
                "\\" => '\\',
                "`" => '`',
                other => {
                    return Err(self
                        .error(
                            ParseErrorKind::BadDirective,
                            format!("invalid escape token '{other}'"),
                            d.value_span,
                        )
                        .expecting("` or \\"))
                }
            };
        }
        self.directives.push(d);
        Ok(())
    }

    /// Parses the instruction starting on line `first`; returns the index of its last line.
    fn instruction(&mut self, first: usize, lstart: usize) -> Result<usize, ParseError> {
        let mut logical = Logical::default();
        let mut inner_comments = Vec::new();
        let line = self.lines[first];
        let content = &self.text[lstart..line.content_end];
        let mut last = first;
        let mut continues = match continuation_at(content, self.escape) {
            Some(at) => {
                logical.push(lstart, &content[..at]);
                self.continuations
                    .push(Span::new(lstart + at, line.content_end));
                true
            }
            None => {
                logical.push(lstart, content);
                false
            }
        };
        while continues && last + 1 < self.lines.len() {
            last += 1;
            let line = self.lines[last];
            let content = self.content(&line);
            let trimmed = content.trim_start();
            if trimmed.starts_with('#') {
                let c = comment(trimmed, line.start + (content.len() - trimmed.len()));
                self.all_comments.push(c.clone());
                inner_comments.push(c);
                continue;
            }
            if trimmed.is_empty() {
                continue;
            }
            match continuation_at(content, self.escape) {
                Some(at) => {
                    logical.push(line.start, &content[..at]);
                    self.continuations
                        .push(Span::new(line.start + at, line.content_end));
                }
                None => {
                    logical.push(line.start, content);
                    continues = false;
                }
            }
        }
        if logical.text.trim().is_empty() {
            // Only continuation characters: BuildKit yields no instruction.
            return Ok(last);
        }

        let parsed = self.parse_range(&logical, 0, logical.text.len(), false)?;
        let mut heredocs = Vec::new();
        let heredoc_owner = parsed
            .trigger
            .as_deref()
            .map(|t| (t.keyword, t.arguments.is_exec()))
            .unwrap_or((parsed.keyword, parsed.arguments.is_exec()));
        if heredoc_owner.0.can_have_heredoc() && !heredoc_owner.1 {
            let found = heredocs_from_line(&logical.text).map_err(|(msg, s, e)| {
                self.error(ParseErrorKind::BadArguments, msg, logical.span(s, e))
            })?;
            for h in found {
                let marker_span = logical.span(h.start, h.end);
                let body_start = self
                    .lines
                    .get(last + 1)
                    .map(|l| l.start)
                    .unwrap_or(self.text.len());
                let mut terminated = None;
                let mut k = last + 1;
                while k < self.lines.len() {
                    let line = self.lines[k];
                    let mut candidate = self.content(&line);
                    if h.chomp {
                        candidate = candidate.trim_start_matches('\t');
                    }
                    if candidate == h.name {
                        terminated = Some(k);
                        break;
                    }
                    k += 1;
                }
                let Some(k) = terminated else {
                    return Err(self
                        .error(
                            ParseErrorKind::UnterminatedHeredoc,
                            format!("unterminated heredoc `{}`", h.name),
                            marker_span,
                        )
                        .expecting(format!("a line `{}` closing the heredoc", h.name)));
                };
                let term = self.lines[k];
                heredocs.push(Heredoc {
                    name: h.name,
                    chomp: h.chomp,
                    expand: h.expand,
                    file_descriptor: h.fd,
                    content: self.text[body_start..term.start].to_string(),
                    marker_span,
                    body_span: Span::new(body_start, term.start),
                    terminator_span: Span::new(term.start, term.content_end),
                });
                last = k;
            }
        }

        let last_line = self.lines[last];
        let span_end = match heredocs.last() {
            Some(h) => h.terminator_span.end,
            None => last_line.content_end,
        };
        let first_line = self.lines[first];
        let start_pos = self.index.position(self.text, first_line.start);
        let end_pos = self.index.position(self.text, last_line.start);
        let kw_start = parsed.keyword_span.start;
        self.instructions.push(Instruction {
            keyword: parsed.keyword,
            keyword_span: parsed.keyword_span,
            span: Span::new(kw_start, span_end),
            line_span: Span::new(first_line.start, last_line.end),
            start_line: start_pos.line,
            end_line: end_pos.line,
            flags: parsed.flags,
            arguments: parsed.arguments,
            heredocs,
            comments: std::mem::take(&mut self.pending),
            inner_comments,
            trigger: parsed.trigger,
            logical: logical.text.trim().to_string(),
            pieces: logical.pieces(),
        });
        Ok(last)
    }

    /// Parses `logical.text[from..to]` as one instruction (keyword, flags, arguments).
    fn parse_range(
        &self,
        logical: &Logical,
        from: usize,
        to: usize,
        nested: bool,
    ) -> Result<Parsed, ParseError> {
        let text = &logical.text[..to];
        let seg = &text[from..];
        let t_start = from + (seg.len() - seg.trim_start().len());
        let t_end = text.trim_end().len().max(t_start);
        let kw_end = text[t_start..t_end]
            .char_indices()
            .find(|&(_, c)| is_separator(c))
            .map(|(i, _)| t_start + i)
            .unwrap_or(t_end);
        let word = &text[t_start..kw_end];
        let keyword_span = logical.span(t_start, kw_end);
        let keyword = Keyword::parse(word).ok_or_else(|| {
            self.error(
                ParseErrorKind::UnknownInstruction,
                format!("unknown instruction `{word}`"),
                keyword_span,
            )
            .expecting("an instruction: FROM, RUN, COPY, ADD, ENV, ARG, WORKDIR, USER, CMD, ENTRYPOINT, EXPOSE, LABEL, VOLUME, HEALTHCHECK, SHELL, STOPSIGNAL, ONBUILD or MAINTAINER")
        })?;
        let args_from = text[kw_end..t_end]
            .char_indices()
            .find(|&(_, c)| !is_separator(c))
            .map(|(i, _)| kw_end + i)
            .unwrap_or(t_end);
        let rest = &text[args_from..t_end];
        let (raw_flags, rest_off) = extract_flags(rest);
        let mut flags = Vec::with_capacity(raw_flags.len());
        for f in raw_flags {
            let (s, e) = (args_from + f.start, args_from + f.end);
            let raw = &text[s..e];
            let body = f.word.strip_prefix("--").unwrap_or(&f.word);
            let (name, value) = match body.split_once('=') {
                Some((n, v)) => (n.to_string(), Some(v.to_string())),
                None => (body.to_string(), None),
            };
            let (name_span, value_span) = match raw.find('=') {
                Some(eq) => (
                    logical.span(s + 2, s + eq),
                    Some(logical.span(s + eq + 1, e)),
                ),
                None => (logical.span((s + 2).min(e), e), None),
            };
            flags.push(Flag {
                name,
                value,
                span: logical.span(s, e),
                name_span,
                value_span,
            });
        }
        let a_from = args_from + rest_off;
        let a_seg = &text[a_from..t_end];
        let a_start = a_from + (a_seg.len() - a_seg.trim_start().len());
        let args_text = &text[a_start..t_end];
        let args_span = logical.span(a_start, t_end);
        let maybe_json = matches!(
            keyword,
            Keyword::Run
                | Keyword::Cmd
                | Keyword::Entrypoint
                | Keyword::Shell
                | Keyword::Add
                | Keyword::Copy
                | Keyword::Volume
        );
        let arguments =
            match maybe_json.then(|| parse_json_array(args_text)) {
                Some(JsonForm::Strings(elems)) => Arguments::Exec {
                    elements: elems
                        .into_iter()
                        .map(|(value, s, e)| Spanned {
                            value,
                            span: logical.span(a_start + s, a_start + e),
                        })
                        .collect(),
                    span: args_span,
                },
                Some(JsonForm::NotStringArray) => return Err(self
                    .error(
                        ParseErrorKind::NotStringArray,
                        "when using JSON array syntax, arrays must be comprised of strings only",
                        args_span,
                    )
                    .expecting("a JSON array of strings, e.g. [\"npm\", \"start\"]")),
                _ => Arguments::Shell {
                    text: args_text.to_string(),
                    span: args_span,
                },
            };
        let trigger = if keyword == Keyword::Onbuild && !args_text.is_empty() {
            if nested {
                return Err(self.error(
                    ParseErrorKind::BadOnbuild,
                    "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                    keyword_span,
                ));
            }
            let inner = self.parse_range(logical, a_start, t_end, true)?;
            Some(Box::new(Instruction {
                keyword: inner.keyword,
                keyword_span: inner.keyword_span,
                span: Span::new(inner.keyword_span.start, args_span.end),
                line_span: Span::default(),
                start_line: 0,
                end_line: 0,
                flags: inner.flags,
                arguments: inner.arguments,
                heredocs: Vec::new(),
                comments: Vec::new(),
                inner_comments: Vec::new(),
                trigger: None,
                logical: args_text.to_string(),
                pieces: logical.pieces(),
            }))
        } else {
            None
        };
        if nested && matches!(keyword, Keyword::Onbuild) {
            return Err(self.error(
                ParseErrorKind::BadOnbuild,
                "chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed",
                keyword_span,
            ));
        }
        if nested && matches!(keyword, Keyword::From | Keyword::Maintainer) {
            return Err(self.error(
                ParseErrorKind::BadOnbuild,
                format!("{keyword} isn't allowed as an ONBUILD trigger"),
                keyword_span,
            ));
        }
        Ok(Parsed {
            keyword,
            keyword_span,
            flags,
            arguments,
            trigger,
        })
    }

    /// The tree, and what [`Self::finish_with_tokens`] needs besides it.
    fn finish(mut self) -> (Dockerfile, TokenInputs) {
        // Grown by doubling while parsing: up to twice the instructions'
        // memory for as long as the file lives (several files are alive at
        // once in `fix`'s loop).
        self.instructions.shrink_to_fit();
        // Heredoc line numbers: the trigger shares its parent's lines.
        for ins in &mut self.instructions {
            if let Some(t) = ins.trigger.as_mut() {
                t.start_line = ins.start_line;
                t.end_line = ins.end_line;
                t.line_span = ins.line_span;
                t.heredocs = ins.heredocs.clone();
                t.span.end = ins.span.end;
            }
        }
        let rest = TokenInputs {
            lines: self.lines,
            comments: self.all_comments,
            continuations: self.continuations,
        };
        let df = Dockerfile {
            source: self.text.to_string(),
            has_bom: self.has_bom,
            escape: self.escape,
            directives: self.directives,
            instructions: self.instructions,
            trailing_comments: self.pending,
            line_index: self.index,
        };
        (df, rest)
    }

    fn finish_with_tokens(self) -> Vec<Token> {
        let (df, rest) = self.finish();
        build_tokens(
            &df.source,
            df.has_bom,
            &rest.lines,
            &df.directives,
            &rest.comments,
            &df.instructions,
            &rest.continuations,
        )
    }
}

/// The parse's own records that only the token stream reads.
struct TokenInputs {
    lines: Vec<PhysLine>,
    comments: Vec<Comment>,
    continuations: Vec<Span>,
}

struct Parsed {
    keyword: Keyword,
    keyword_span: Span,
    flags: Vec<Flag>,
    arguments: Arguments,
    trigger: Option<Box<Instruction>>,
}

fn comment(trimmed: &str, start: usize) -> Comment {
    Comment {
        text: trimmed[1..].trim().to_string(),
        span: Span::new(start, start + trimmed.len()),
    }
}

/// BuildKit's directive pattern: `#[ \t]*name[ \t]*=[ \t]*value[ \t]*`,
/// with name one of `syntax`, `escape`, `check`.
fn match_directive(trimmed: &str, start: usize) -> Option<Directive> {
    let rest = trimmed.strip_prefix('#')?;
    let after_hash = rest.trim_start_matches([' ', '\t']);
    let name_len = after_hash
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit())))
        .map(|(i, _)| i)
        .unwrap_or(after_hash.len());
    if name_len == 0 {
        return None;
    }
    let name = after_hash[..name_len].to_ascii_lowercase();
    if !matches!(name.as_str(), "syntax" | "escape" | "check") {
        return None;
    }
    let after_name = after_hash[name_len..].trim_start_matches([' ', '\t']);
    let after_eq = after_name.strip_prefix('=')?;
    let value_part = after_eq.trim_start_matches([' ', '\t']);
    let value = value_part.trim_end_matches([' ', '\t']);
    if value.is_empty() {
        return None;
    }
    let value_start = start + (trimmed.len() - value_part.len());
    Some(Directive {
        name,
        value: value.to_string(),
        span: Span::new(start, start + trimmed.len()),
        value_span: Span::new(value_start, value_start + value.len()),
    })
}
