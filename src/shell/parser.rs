//! A recursive-descent parser for the POSIX shell command language (with the
//! bash spellings Dockerfiles use under `SHELL ["/bin/bash", "-c"]`: `&>`,
//! `|&`, `<<<`, `$'…'`, `function f`). It reads the text `/bin/sh -c` gets;
//! offsets map back to the Dockerfile source through `map`.

use super::ast::*;
use super::lexer::{is_meta, is_name, is_name_char, is_name_start, is_reserved};
use crate::syntax::Span;

/// Why a script does not parse, with the source offset.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at byte {offset})")]
pub struct ShellError {
    pub message: String,
    pub offset: usize,
}

/// Deep nesting is refused rather than overflowing the stack.
const MAX_DEPTH: usize = 200;

pub(super) struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Source offset of every byte of `text` (plus one past the end).
    map: &'a [usize],
    depth: usize,
    /// Here-documents whose body starts after the next newline.
    pending: Vec<(usize, String, bool)>,
    /// Bodies read for `pending`, by (item path) — attached after parsing.
    bodies: Vec<(usize, String)>,
}

type R<T> = Result<T, ShellError>;

impl<'a> Parser<'a> {
    pub(super) fn new(text: &'a str, map: &'a [usize]) -> Self {
        Parser {
            text,
            pos: 0,
            map,
            depth: 0,
            pending: Vec::new(),
            bodies: Vec::new(),
        }
    }

    fn src(&self, i: usize) -> usize {
        self.map
            .get(i)
            .copied()
            .unwrap_or_else(|| self.map.last().copied().unwrap_or(i))
    }

    fn span(&self, s: usize, e: usize) -> Span {
        if e <= s {
            let x = self.src(s);
            return Span::new(x, x);
        }
        Span::new(self.src(s), self.src(e - 1) + 1)
    }

    fn err<T>(&self, message: impl Into<String>) -> R<T> {
        Err(ShellError {
            message: message.into(),
            offset: self.src(self.pos),
        })
    }

    fn peek(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn peek_at(&self, n: usize) -> Option<char> {
        self.text[self.pos..].chars().nth(n)
    }

    fn starts(&self, s: &str) -> bool {
        self.text[self.pos..].starts_with(s)
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    fn eof(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Blanks, line continuations and comments (not newlines).
    fn skip_blanks(&mut self) {
        loop {
            match self.peek() {
                Some(' ' | '\t' | '\r') => {
                    self.pos += 1;
                }
                Some('\\') if self.peek_at(1) == Some('\n') => self.pos += 2,
                Some('#') => {
                    while let Some(c) = self.peek() {
                        if c == '\n' {
                            break;
                        }
                        self.bump();
                    }
                }
                _ => break,
            }
        }
    }

    /// Newlines (reading pending here-document bodies) and blanks.
    fn skip_newlines(&mut self) -> R<()> {
        loop {
            self.skip_blanks();
            if self.peek() == Some('\n') {
                self.pos += 1;
                self.read_heredoc_bodies()?;
            } else {
                return Ok(());
            }
        }
    }

    fn read_heredoc_bodies(&mut self) -> R<()> {
        let pending = std::mem::take(&mut self.pending);
        for (id, delim, strip) in pending {
            let mut body = String::new();
            let mut found = false;
            while !self.eof() {
                let rest = &self.text[self.pos..];
                let line_end = rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
                let line = &rest[..line_end];
                self.pos += line_end;
                let content = line.trim_end_matches('\n');
                let cmp = if strip {
                    content.trim_start_matches('\t')
                } else {
                    content
                };
                if cmp == delim {
                    found = true;
                    break;
                }
                body.push_str(if strip {
                    line.trim_start_matches('\t')
                } else {
                    line
                });
            }
            if !found {
                return self.err(format!("here-document `{delim}` has no terminator"));
            }
            self.bodies.push((id, body));
        }
        Ok(())
    }

    fn reserved_ahead(&self) -> Option<&'a str> {
        let rest = &self.text[self.pos..];
        let end = rest
            .char_indices()
            .find(|&(_, c)| is_meta(c) || c == '\r')
            .map(|(i, _)| i)
            .unwrap_or(rest.len());
        let w = &rest[..end];
        is_reserved(w).then_some(w)
    }

    fn eat_reserved(&mut self, w: &str) -> R<()> {
        self.skip_blanks();
        if self.reserved_ahead() == Some(w) {
            self.pos += w.len();
            Ok(())
        } else {
            self.err(format!("expected `{w}`"))
        }
    }

    fn enter(&mut self) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        Ok(())
    }

    /// A list up to a terminator this level does not own (EOF, `)`, `;;`,
    /// or one of the reserved words in `stop`).
    pub(super) fn list(&mut self, stop: &[&str]) -> R<Script> {
        self.enter()?;
        let start = self.pos;
        // Most lists (a RUN's script, a subshell) hold one item: room for
        // one, not the four a first push reserves (the ASTs of a long
        // file's RUNs are kept for the whole run).
        let mut items = Vec::with_capacity(1);
        loop {
            self.skip_newlines()?;
            if self.eof() || self.peek() == Some(')') || self.starts(";;") {
                break;
            }
            if let Some(w) = self.reserved_ahead() {
                if stop.contains(&w) {
                    break;
                }
            }
            let istart = self.pos;
            let and_or = self.and_or()?;
            self.skip_blanks();
            let mut background = false;
            match self.peek() {
                Some('&') if !self.starts("&&") && !self.starts("&>") => {
                    self.pos += 1;
                    background = true;
                }
                Some(';') if !self.starts(";;") => {
                    self.pos += 1;
                }
                Some('\n') | None | Some(')') => {}
                _ if self.starts(";;") => {}
                _ => {
                    if let Some(w) = self.reserved_ahead() {
                        if stop.contains(&w) {
                            items.push(ListItem {
                                and_or,
                                background,
                                span: self.span(istart, self.pos),
                            });
                            break;
                        }
                    }
                    return self.err(format!(
                        "unexpected `{}`",
                        self.peek().map(String::from).unwrap_or_default()
                    ));
                }
            }
            let mut end = self.pos;
            while end > istart && self.text[..end].ends_with([' ', '\t', ';', '&']) {
                end -= 1;
            }
            items.push(ListItem {
                and_or,
                background,
                span: self.span(istart, end),
            });
        }
        self.depth -= 1;
        let end = self.pos;
        Ok(Script {
            items,
            span: self.span(start, end),
        })
    }

    fn and_or(&mut self) -> R<AndOr> {
        let first = self.pipeline()?;
        let mut rest = Vec::new();
        loop {
            self.skip_blanks();
            let conn = if self.starts("&&") {
                Connector::And
            } else if self.starts("||") {
                Connector::Or
            } else {
                break;
            };
            self.pos += 2;
            self.skip_newlines()?;
            rest.push((conn, self.pipeline()?));
        }
        Ok(AndOr { first, rest })
    }

    fn pipeline(&mut self) -> R<Pipeline> {
        self.skip_blanks();
        let start = self.pos;
        let mut negated = false;
        if self.reserved_ahead() == Some("!") {
            self.pos += 1;
            negated = true;
            self.skip_blanks();
        }
        let mut commands = vec![self.command()?];
        loop {
            self.skip_blanks();
            if self.starts("||") || !self.starts("|") {
                break;
            }
            self.pos += if self.starts("|&") { 2 } else { 1 };
            self.skip_newlines()?;
            commands.push(self.command()?);
        }
        Ok(Pipeline {
            negated,
            commands,
            span: self.span(start, self.pos),
        })
    }

    fn command(&mut self) -> R<Command> {
        self.skip_blanks();
        let start = self.pos;
        if self.peek() == Some('(') {
            if self.starts("((") {
                return self.err("arithmetic commands `(( … ))` are not supported");
            }
            self.pos += 1;
            let body = self.list(&[])?;
            self.skip_newlines()?;
            if self.bump() != Some(')') {
                return self.err("expected `)`");
            }
            return self.finish_compound(CompoundKind::Subshell(body), start);
        }
        match self.reserved_ahead() {
            Some("{") => {
                self.pos += 1;
                let body = self.list(&["}"])?;
                self.eat_reserved("}")?;
                self.finish_compound(CompoundKind::Group(body), start)
            }
            Some("if") => {
                self.pos += 2;
                let mut branches = Vec::new();
                let mut otherwise = None;
                loop {
                    let cond = self.list(&["then"])?;
                    self.eat_reserved("then")?;
                    let body = self.list(&["elif", "else", "fi"])?;
                    branches.push((cond, body));
                    self.skip_blanks();
                    match self.reserved_ahead() {
                        Some("elif") => self.pos += 4,
                        Some("else") => {
                            self.pos += 4;
                            otherwise = Some(self.list(&["fi"])?);
                            self.eat_reserved("fi")?;
                            break;
                        }
                        Some("fi") => {
                            self.pos += 2;
                            break;
                        }
                        _ => return self.err("expected `elif`, `else` or `fi`"),
                    }
                }
                self.finish_compound(
                    CompoundKind::If {
                        branches,
                        otherwise,
                    },
                    start,
                )
            }
            Some(kw @ ("while" | "until")) => {
                self.pos += kw.len();
                let cond = self.list(&["do"])?;
                self.eat_reserved("do")?;
                let body = self.list(&["done"])?;
                self.eat_reserved("done")?;
                self.finish_compound(
                    CompoundKind::While {
                        until: kw == "until",
                        cond,
                        body,
                    },
                    start,
                )
            }
            Some("for") => {
                self.pos += 3;
                self.skip_blanks();
                let var = match self.word()? {
                    Some(w) => w.literal().unwrap_or_default(),
                    None => return self.err("expected a name after `for`"),
                };
                if !is_name(&var) {
                    return self.err("expected a name after `for`");
                }
                self.skip_blanks();
                let mut words = None;
                if self.peek() == Some(';') {
                    self.pos += 1;
                }
                self.skip_newlines()?;
                if self.reserved_ahead() == Some("in") {
                    self.pos += 2;
                    let mut ws = Vec::new();
                    loop {
                        self.skip_blanks();
                        match self.peek() {
                            Some(';') => {
                                self.pos += 1;
                                break;
                            }
                            Some('\n') | None => break,
                            _ => match self.word()? {
                                Some(w) => ws.push(w),
                                None => return self.err("unexpected character in `for … in`"),
                            },
                        }
                    }
                    words = Some(ws);
                }
                self.skip_newlines()?;
                self.eat_reserved("do")?;
                let body = self.list(&["done"])?;
                self.eat_reserved("done")?;
                self.finish_compound(CompoundKind::For { var, words, body }, start)
            }
            Some("case") => {
                self.pos += 4;
                self.skip_blanks();
                let Some(word) = self.word()? else {
                    return self.err("expected a word after `case`");
                };
                self.skip_newlines()?;
                self.eat_reserved("in")?;
                let mut arms = Vec::new();
                loop {
                    self.skip_newlines()?;
                    if self.reserved_ahead() == Some("esac") {
                        self.pos += 4;
                        break;
                    }
                    if self.peek() == Some('(') {
                        self.pos += 1;
                    }
                    let mut pats = Vec::new();
                    loop {
                        self.skip_blanks();
                        match self.word()? {
                            Some(w) => pats.push(w),
                            None => return self.err("expected a pattern in `case`"),
                        }
                        self.skip_blanks();
                        match self.peek() {
                            Some('|') => {
                                self.pos += 1;
                            }
                            Some(')') => {
                                self.pos += 1;
                                break;
                            }
                            _ => return self.err("expected `)` after a `case` pattern"),
                        }
                    }
                    let body = self.list(&["esac"])?;
                    arms.push((pats, body));
                    self.skip_blanks();
                    if self.starts(";;") {
                        self.pos += 2;
                    } else if self.reserved_ahead() == Some("esac") {
                        self.pos += 4;
                        break;
                    } else {
                        return self.err("expected `;;` or `esac`");
                    }
                }
                self.finish_compound(CompoundKind::Case { word, arms }, start)
            }
            Some("function") => {
                self.pos += 8;
                self.skip_blanks();
                let name = self.word()?.and_then(|w| w.literal()).unwrap_or_default();
                self.skip_blanks();
                if self.starts("()") {
                    self.pos += 2;
                }
                self.function_body(name, start)
            }
            Some(w @ ("then" | "else" | "elif" | "fi" | "do" | "done" | "esac" | "}" | "in")) => {
                self.err(format!("unexpected `{w}`"))
            }
            Some("[[") => self.err("`[[ … ]]` tests are not supported"),
            Some("select") => self.err("`select` is not supported"),
            _ => {
                // `name() compound`
                let save = self.pos;
                let rest = &self.text[self.pos..];
                let n = rest
                    .char_indices()
                    .find(|&(_, c)| !(is_name_char(c) || c == '-' || c == '.'))
                    .map(|(i, _)| i)
                    .unwrap_or(rest.len());
                if n > 0 && is_name_start(rest.chars().next().unwrap_or('0')) {
                    let name = rest[..n].to_string();
                    self.pos += n;
                    self.skip_blanks();
                    if self.starts("()") {
                        self.pos += 2;
                        return self.function_body(name, start);
                    }
                    self.pos = save;
                }
                self.simple().map(Command::Simple)
            }
        }
    }

    fn function_body(&mut self, name: String, start: usize) -> R<Command> {
        self.skip_newlines()?;
        match self.command()? {
            Command::Compound(c) => Ok(Command::Function {
                name,
                body: c,
                span: self.span(start, self.pos),
            }),
            _ => self.err("a function body must be a compound command"),
        }
    }

    fn finish_compound(&mut self, kind: CompoundKind, start: usize) -> R<Command> {
        let mut redirects = Vec::new();
        loop {
            self.skip_blanks();
            match self.redirect()? {
                Some(r) => redirects.push(r),
                None => break,
            }
        }
        Ok(Command::Compound(Box::new(Compound {
            kind,
            redirects,
            span: self.span(start, self.pos),
        })))
    }

    fn simple(&mut self) -> R<SimpleCommand> {
        let start = self.pos;
        let mut cmd = SimpleCommand::default();
        loop {
            self.skip_blanks();
            if let Some(r) = self.redirect()? {
                cmd.redirects.push(r);
                continue;
            }
            let wstart = self.pos;
            let Some(w) = self.word()? else { break };
            if cmd.words.is_empty() {
                if let Some(a) = assignment(&w, &self.text[wstart..self.pos]) {
                    cmd.assignments.push(a);
                    continue;
                }
            }
            cmd.words.push(w);
        }
        if cmd.words.is_empty() && cmd.assignments.is_empty() && cmd.redirects.is_empty() {
            return match self.peek() {
                None => self.err("expected a command"),
                Some(c) => self.err(format!("expected a command, found `{c}`")),
            };
        }
        let mut end = self.pos;
        while end > start && self.text[..end].ends_with([' ', '\t']) {
            end -= 1;
        }
        cmd.span = self.span(start, end);
        // A long file's ASTs are kept for the whole run: no spare room.
        cmd.words.shrink_to_fit();
        Ok(cmd)
    }

    /// A redirection at the current position, if there is one.
    fn redirect(&mut self) -> R<Option<Redirect>> {
        let start = self.pos;
        let rest = &self.text[self.pos..];
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        let after = &rest[digits..];
        let (op, len) = if after.starts_with("&>>") && digits == 0 {
            (RedirOp::OutErr { append: true }, 3)
        } else if after.starts_with("&>") && digits == 0 {
            (RedirOp::OutErr { append: false }, 2)
        } else if after.starts_with("<<<") {
            (RedirOp::HereString, 3)
        } else if after.starts_with("<<-") {
            (RedirOp::HereDoc { strip_tabs: true }, 3)
        } else if after.starts_with("<<") {
            (RedirOp::HereDoc { strip_tabs: false }, 2)
        } else if after.starts_with("<&") {
            (RedirOp::DupIn, 2)
        } else if after.starts_with("<>") {
            (RedirOp::ReadWrite, 2)
        } else if after.starts_with('<') {
            (RedirOp::In, 1)
        } else if after.starts_with(">>") {
            (RedirOp::Append, 2)
        } else if after.starts_with(">&") {
            (RedirOp::DupOut, 2)
        } else if after.starts_with(">|") {
            (RedirOp::Clobber, 2)
        } else if after.starts_with('>') {
            (RedirOp::Out, 1)
        } else {
            return Ok(None);
        };
        let fd = if digits > 0 {
            rest[..digits].parse().ok()
        } else {
            None
        };
        self.pos += digits + len;
        self.skip_blanks();
        let Some(target) = self.word()? else {
            return self.err("expected a file name after a redirection");
        };
        let mut heredoc = None;
        if let RedirOp::HereDoc { strip_tabs } = op {
            let delim = target.literal().unwrap_or_else(|| target.lossy());
            let id = self.src(start);
            self.pending.push((id, delim, strip_tabs));
            heredoc = None;
        }
        Ok(Some(Redirect {
            fd,
            op,
            target,
            heredoc,
            span: self.span(start, self.pos),
        }))
    }

    /// One word, or None at a metacharacter or the end.
    pub(super) fn word(&mut self) -> R<Option<Word>> {
        let start = self.pos;
        // Most words are one part (see `list`).
        let mut parts: Vec<Part> = Vec::with_capacity(1);
        let mut lit = String::new();
        let flush = |parts: &mut Vec<Part>, lit: &mut String| {
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(lit)));
            }
        };
        while let Some(c) = self.peek() {
            if is_meta(c) || c == '\r' {
                break;
            }
            match c {
                '\\' => {
                    self.pos += 1;
                    match self.bump() {
                        Some('\n') => {}
                        Some(n) => {
                            flush(&mut parts, &mut lit);
                            push_quoted(&mut parts, n.to_string());
                        }
                        None => lit.push('\\'),
                    }
                }
                '\'' => {
                    self.pos += 1;
                    let Some(end) = self.text[self.pos..].find('\'') else {
                        return self.err("unterminated single quote");
                    };
                    flush(&mut parts, &mut lit);
                    push_quoted(&mut parts, self.text[self.pos..self.pos + end].to_string());
                    self.pos += end + 1;
                }
                '"' => {
                    self.pos += 1;
                    flush(&mut parts, &mut lit);
                    let inner = self.double_quoted()?;
                    parts.push(Part::Double(inner));
                }
                '$' => {
                    flush(&mut parts, &mut lit);
                    match self.dollar(false)? {
                        Some(p) => parts.push(p),
                        None => lit.push('$'),
                    }
                }
                '`' => {
                    flush(&mut parts, &mut lit);
                    let p = self.backquote()?;
                    parts.push(p);
                }
                _ => {
                    // The plain characters up to the next one this loop
                    // treats apart, at once: one push per character made a
                    // 50 KB word most of a check's time.
                    // Every such character is ASCII, and no byte of a
                    // multi-byte character is: a byte scan stops on a
                    // character boundary.
                    let rest = &self.text[self.pos..];
                    let n = rest
                        .bytes()
                        .position(|b| {
                            b.is_ascii()
                                && (is_meta(b as char)
                                    || matches!(b, b'\r' | b'\\' | b'\'' | b'"' | b'$' | b'`'))
                        })
                        .unwrap_or(rest.len());
                    lit.push_str(&rest[..n]);
                    self.pos += n;
                }
            }
        }
        flush(&mut parts, &mut lit);
        if self.pos == start {
            return Ok(None);
        }
        Ok(Some(Word {
            parts,
            span: self.span(start, self.pos),
        }))
    }

    fn double_quoted(&mut self) -> R<Vec<Part>> {
        let mut parts = Vec::new();
        let mut text = String::new();
        loop {
            let Some(c) = self.peek() else {
                return self.err("unterminated double quote");
            };
            match c {
                '"' => {
                    self.pos += 1;
                    break;
                }
                '\\' => {
                    self.pos += 1;
                    match self.peek() {
                        Some(n @ ('$' | '`' | '"' | '\\')) => {
                            self.pos += 1;
                            text.push(n);
                        }
                        Some('\n') => self.pos += 1,
                        _ => text.push('\\'),
                    }
                }
                '$' => {
                    if !text.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut text)));
                    }
                    match self.dollar(true)? {
                        Some(p) => parts.push(p),
                        None => text.push('$'),
                    }
                }
                '`' => {
                    if !text.is_empty() {
                        parts.push(Part::Quoted(std::mem::take(&mut text)));
                    }
                    parts.push(self.backquote()?);
                }
                _ => {
                    self.bump();
                    text.push(c);
                }
            }
        }
        if !text.is_empty() {
            parts.push(Part::Quoted(text));
        }
        Ok(parts)
    }

    /// `$…` at the current position; None when the `$` is literal.
    fn dollar(&mut self, in_double: bool) -> R<Option<Part>> {
        let next = self.peek_at(1);
        match next {
            Some('(') if self.starts("$((") => {
                self.pos += 3;
                let start = self.pos;
                let mut depth = 0usize;
                loop {
                    match self.bump() {
                        None => return self.err("unterminated `$((`"),
                        Some('(') => depth += 1,
                        Some(')') if depth > 0 => depth -= 1,
                        Some(')') => {
                            if self.peek() == Some(')') {
                                let expr = self.text[start..self.pos - 1].to_string();
                                self.pos += 1;
                                return Ok(Some(Part::Arith(expr)));
                            }
                            return self.err("expected `))`");
                        }
                        _ => {}
                    }
                }
            }
            Some('(') => {
                self.pos += 2;
                self.enter()?;
                let saved = std::mem::take(&mut self.pending);
                let body = self.list(&[])?;
                self.skip_newlines()?;
                self.pending = saved;
                self.depth -= 1;
                if self.bump() != Some(')') {
                    return self.err("expected `)` closing `$(`");
                }
                Ok(Some(Part::Command(Box::new(body))))
            }
            Some('{') => {
                self.pos += 2;
                self.braced_param().map(Some)
            }
            Some('\'') if !in_double => {
                // bash's $'…': backslash escapes inside single quotes.
                self.pos += 2;
                let mut s = String::new();
                loop {
                    match self.bump() {
                        None => return self.err("unterminated `$'`"),
                        Some('\'') => break,
                        Some('\\') => match self.bump() {
                            Some('n') => s.push('\n'),
                            Some('t') => s.push('\t'),
                            Some('r') => s.push('\r'),
                            Some('0') => s.push('\0'),
                            Some(o) => s.push(o),
                            None => return self.err("unterminated `$'`"),
                        },
                        Some(o) => s.push(o),
                    }
                }
                Ok(Some(Part::Quoted(s)))
            }
            Some('"') if !in_double => {
                self.pos += 2;
                Ok(Some(Part::Double(self.double_quoted()?)))
            }
            Some(c) if is_name_start(c) => {
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
                Ok(Some(Part::Param(Box::new(Param {
                    name: self.text[start..self.pos].to_string(),
                    op: None,
                    arg: None,
                }))))
            }
            Some(c) if c.is_ascii_digit() || "@*#?-$!".contains(c) => {
                self.pos += 2;
                Ok(Some(Part::Param(Box::new(Param {
                    name: c.to_string(),
                    op: None,
                    arg: None,
                }))))
            }
            _ => {
                self.pos += 1;
                Ok(None)
            }
        }
    }

    /// After `${`: the name, the operator and its word up to the matching `}`.
    fn braced_param(&mut self) -> R<Part> {
        let mut length = false;
        if self.peek() == Some('#') && self.peek_at(1).is_some_and(|c| c != '}') {
            length = true;
            self.pos += 1;
        }
        let start = self.pos;
        match self.peek() {
            Some(c) if is_name_start(c) => {
                while self.peek().is_some_and(is_name_char) {
                    self.pos += 1;
                }
            }
            Some(c) if c.is_ascii_digit() => {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            }
            Some(c) if "@*#?-$!".contains(c) => self.pos += 1,
            _ => return self.err("bad parameter name in `${`"),
        }
        let name = self.text[start..self.pos].to_string();
        let rest_start = self.pos;
        let mut depth = 0usize;
        loop {
            match self.bump() {
                None => return self.err("unterminated `${`"),
                Some('\\') => {
                    self.bump();
                }
                Some('\'') => {
                    if let Some(e) = self.text[self.pos..].find('\'') {
                        self.pos += e + 1;
                    }
                }
                Some('{') => depth += 1,
                Some('}') if depth > 0 => depth -= 1,
                Some('}') => break,
                _ => {}
            }
        }
        let rest = &self.text[rest_start..self.pos - 1];
        if length {
            return Ok(Part::Param(Box::new(Param {
                name,
                op: Some("#".into()),
                arg: None,
            })));
        }
        if rest.is_empty() {
            return Ok(Part::Param(Box::new(Param {
                name,
                op: None,
                arg: None,
            })));
        }
        const OPS: &[&str] = &[
            ":-", ":=", ":?", ":+", "##", "%%", "//", "^^", ",,", "-", "=", "?", "+", "#", "%",
            "/", "^", ",", ":", "[",
        ];
        let op = OPS.iter().find(|o| rest.starts_with(**o)).copied();
        match op {
            Some(op) => Ok(Part::Param(Box::new(Param {
                name,
                op: Some(op.to_string()),
                arg: Some(rest[op.len()..].to_string()),
            }))),
            None => self.err(format!("bad substitution `${{{name}{rest}}}`")),
        }
    }

    fn backquote(&mut self) -> R<Part> {
        let open = self.pos;
        self.pos += 1;
        let mut inner = String::new();
        let mut map = Vec::new();
        loop {
            let at = self.pos;
            match self.bump() {
                None => return self.err("unterminated backquote"),
                Some('`') => break,
                Some('\\') => match self.peek() {
                    Some(n @ ('`' | '\\' | '$')) => {
                        self.pos += 1;
                        map.push(self.src(at));
                        inner.push(n);
                    }
                    _ => {
                        map.push(self.src(at));
                        inner.push('\\');
                    }
                },
                Some(c) => {
                    for k in 0..c.len_utf8() {
                        map.push(self.src(at + k));
                    }
                    inner.push(c);
                }
            }
        }
        map.push(self.src(self.pos.saturating_sub(1)));
        // The inner text is parsed on its own, offsets mapped through the outer map.
        let mut sub = Parser::new(&inner, &map);
        sub.depth = self.depth + 1;
        if sub.depth > MAX_DEPTH {
            self.pos = open;
            return self.err("nesting too deep");
        }
        let body = sub.list(&[])?;
        sub.skip_newlines()?;
        if !sub.eof() {
            return Err(ShellError {
                message: "unexpected `)` inside a backquote".into(),
                offset: sub.src(sub.pos),
            });
        }
        Ok(Part::Command(Box::new(body)))
    }

    pub(super) fn finish(mut self, mut script: Script) -> R<Script> {
        self.skip_newlines()?;
        if !self.eof() {
            return self.err(format!(
                "unexpected `{}`",
                self.peek().map(String::from).unwrap_or_default()
            ));
        }
        // A here-document with no body in the text: the Dockerfile may carry it.
        let bodies = std::mem::take(&mut self.bodies);
        if !bodies.is_empty() {
            super::walk::each_redirect_mut(&mut script, &mut |r| {
                if let RedirOp::HereDoc { .. } = r.op {
                    if let Some((_, b)) = bodies.iter().find(|(id, _)| *id == r.span.start) {
                        r.heredoc = Some(b.clone());
                    }
                }
            });
        }
        Ok(script)
    }
}

fn push_quoted(parts: &mut Vec<Part>, s: String) {
    if let Some(Part::Quoted(prev)) = parts.last_mut() {
        prev.push_str(&s);
    } else {
        parts.push(Part::Quoted(s));
    }
}

/// `NAME=value` (or bash's `NAME+=value`) as the word was written.
fn assignment(w: &Word, raw: &str) -> Option<Assignment> {
    let Some(Part::Lit(first)) = w.parts.first() else {
        return None;
    };
    let eq = first.find('=')?;
    let name = first[..eq].trim_end_matches('+');
    if !is_name(name) || !raw.starts_with(name) {
        return None;
    }
    let mut parts = Vec::new();
    let after = &first[eq + 1..];
    if !after.is_empty() {
        parts.push(Part::Lit(after.to_string()));
    }
    parts.extend(w.parts[1..].iter().cloned());
    Some(Assignment {
        name: name.to_string(),
        value: Word {
            parts,
            span: Span::new((w.span.start + eq + 1).min(w.span.end), w.span.end),
        },
        span: w.span,
    })
}
