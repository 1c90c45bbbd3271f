//! The tree of a POSIX `sh -c` script, as BuildKit hands a shell-form RUN to
//! `/bin/sh -c`. Every node keeps its byte span in the Dockerfile source
//! (or in the text given to [`super::parse`]), so fixes can edit in place.

use crate::syntax::Span;

/// A whole script: and-or lists separated by `;`, `&` or newlines.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    pub items: Vec<ListItem>,
    pub span: Span,
}

/// One and-or list with the terminator that follows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListItem {
    pub and_or: AndOr,
    /// Ended by `&`: runs in the background.
    pub background: bool,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Connector {
    /// `&&`
    And,
    /// `||`
    Or,
}

impl Connector {
    pub fn as_str(self) -> &'static str {
        match self {
            Connector::And => "&&",
            Connector::Or => "||",
        }
    }
}

/// `p1 && p2 || p3`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AndOr {
    pub first: Pipeline,
    pub rest: Vec<(Connector, Pipeline)>,
}

impl AndOr {
    pub fn pipelines(&self) -> impl Iterator<Item = &Pipeline> {
        std::iter::once(&self.first).chain(self.rest.iter().map(|(_, p)| p))
    }
}

/// `[!] c1 | c2 | …`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pipeline {
    pub negated: bool,
    pub commands: Vec<Command>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Simple(SimpleCommand),
    /// Boxed: most commands are simple, and a compound is three times the
    /// size of one (every RUN's script is kept in memory).
    Compound(Box<Compound>),
    /// `name() { …; }` / `function name { …; }`: defines, does not run.
    Function {
        name: String,
        body: Box<Compound>,
        span: Span,
    },
}

impl Command {
    pub fn span(&self) -> Span {
        match self {
            Command::Simple(s) => s.span,
            Command::Compound(c) => c.span,
            Command::Function { span, .. } => *span,
        }
    }
}

/// A compound command with the redirections applied to all of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Compound {
    pub kind: CompoundKind,
    pub redirects: Vec<Redirect>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CompoundKind {
    /// `( … )`: runs in a subshell (a `cd` inside does not leak out).
    Subshell(Script),
    /// `{ …; }`
    Group(Script),
    /// `if c1; then b1; elif c2; then b2; else b3; fi`
    If {
        branches: Vec<(Script, Script)>,
        otherwise: Option<Script>,
    },
    /// `for name [in words]; do body; done`
    For {
        var: String,
        words: Option<Vec<Word>>,
        body: Script,
    },
    /// `while cond; do body; done` (`until` sets `until`).
    While {
        until: bool,
        cond: Script,
        body: Script,
    },
    /// `case word in pattern) body ;; … esac`
    Case {
        word: Word,
        arms: Vec<(Vec<Word>, Script)>,
    },
}

/// `NAME=value … prog arg … >file`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    pub assignments: Vec<Assignment>,
    /// The command words as written, wrappers (`sudo`, `env`…) included.
    pub words: Vec<Word>,
    pub redirects: Vec<Redirect>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    pub name: String,
    pub value: Word,
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedirOp {
    /// `<`
    In,
    /// `>`
    Out,
    /// `>>`
    Append,
    /// `>|`
    Clobber,
    /// `<>`
    ReadWrite,
    /// `<&`
    DupIn,
    /// `>&` (and bash's `&>`, which sets `fd` to None and means stdout+stderr)
    DupOut,
    /// `&>` / `&>>`: bash, stdout and stderr to a file.
    OutErr { append: bool },
    /// `<<` / `<<-`
    HereDoc { strip_tabs: bool },
    /// `<<<` (bash)
    HereString,
}

impl RedirOp {
    /// Whether the target word names a file that is written.
    pub fn writes_file(self) -> bool {
        matches!(
            self,
            RedirOp::Out
                | RedirOp::Append
                | RedirOp::Clobber
                | RedirOp::ReadWrite
                | RedirOp::OutErr { .. }
        )
    }

    /// Whether the target word names a file that is read.
    pub fn reads_file(self) -> bool {
        matches!(self, RedirOp::In | RedirOp::ReadWrite)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    pub fd: Option<u32>,
    pub op: RedirOp,
    /// The file, fd number or here-doc delimiter.
    pub target: Word,
    /// The here-document body, when the script carries it.
    pub heredoc: Option<String>,
    pub span: Span,
}

impl Redirect {
    /// A `>&N`/`<&N` duplicating a descriptor (or closing it with `-`): no file.
    pub fn is_fd_dup(&self) -> bool {
        matches!(self.op, RedirOp::DupIn | RedirOp::DupOut)
            && self
                .target
                .literal()
                .is_some_and(|t| t == "-" || t.chars().all(|c| c.is_ascii_digit()))
    }

    /// The file this redirect reads or writes, when it names one literally.
    /// `/dev/null` and friends are not files of the image.
    pub fn file(&self) -> Option<String> {
        if self.is_fd_dup() || matches!(self.op, RedirOp::HereDoc { .. } | RedirOp::HereString) {
            return None;
        }
        self.target.literal()
    }
}

/// A word: quoted and unquoted pieces and expansions, concatenated.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Word {
    pub parts: Vec<Part>,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Unquoted text, backslash escapes removed (`\x` → `x`); may hold
    /// glob characters and a leading `~`.
    Lit(String),
    /// Text that is quoted or escaped: no globbing, no tilde, no splitting.
    Quoted(String),
    /// `"…"`: its parts (text inside is [`Part::Quoted`]).
    Double(Vec<Part>),
    /// `$name`, `${name}`, `${name:-word}`, `$1`, `$?`… Boxed: a part is
    /// mostly text, and a parameter is three strings.
    Param(Box<Param>),
    /// `$(…)` or `` `…` ``.
    Command(Box<Script>),
    /// `$((…))`: the expression text.
    Arith(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    pub name: String,
    /// The operator after the name (`:-`, `-`, `:=`, `=`, `:?`, `?`, `:+`,
    /// `+`, `#`, `##`, `%`, `%%`, `/`, `//`, `:`, …), or `#name` for the length.
    pub op: Option<String>,
    /// The word after the operator (unparsed text).
    pub arg: Option<String>,
}

impl Word {
    /// The word's value when it has no expansion: quotes removed.
    pub fn literal(&self) -> Option<String> {
        let mut out = String::new();
        fn go(parts: &[Part], out: &mut String) -> bool {
            for p in parts {
                match p {
                    Part::Lit(s) | Part::Quoted(s) => out.push_str(s),
                    Part::Double(inner) => {
                        if !go(inner, out) {
                            return false;
                        }
                    }
                    Part::Param(_) | Part::Command(_) | Part::Arith(_) => return false,
                }
            }
            true
        }
        go(&self.parts, &mut out).then_some(out)
    }

    /// The value with expansions shown as written (`$HOME/x`), for messages
    /// and for readers that only need a conservative guess.
    pub fn lossy(&self) -> String {
        let mut out = String::new();
        fn go(parts: &[Part], out: &mut String) {
            for p in parts {
                match p {
                    Part::Lit(s) | Part::Quoted(s) => out.push_str(s),
                    Part::Double(inner) => go(inner, out),
                    Part::Param(p) => {
                        out.push_str("${");
                        out.push_str(&p.name);
                        if let Some(op) = &p.op {
                            out.push_str(op);
                        }
                        if let Some(a) = &p.arg {
                            out.push_str(a);
                        }
                        out.push('}');
                    }
                    Part::Command(_) => out.push_str("$(…)"),
                    Part::Arith(a) => {
                        out.push_str("$((");
                        out.push_str(a);
                        out.push_str("))");
                    }
                }
            }
        }
        go(&self.parts, &mut out);
        out
    }

    /// Whether any part expands at run time (parameters, commands, arithmetic).
    pub fn has_expansion(&self) -> bool {
        fn go(parts: &[Part]) -> bool {
            parts.iter().any(|p| match p {
                Part::Param(_) | Part::Command(_) | Part::Arith(_) => true,
                Part::Double(inner) => go(inner),
                Part::Lit(_) | Part::Quoted(_) => false,
            })
        }
        go(&self.parts)
    }

    /// Parameter names the word reads (nested `$(…)` included).
    pub fn params(&self) -> Vec<String> {
        let mut out = Vec::new();
        fn go(parts: &[Part], out: &mut Vec<String>) {
            for p in parts {
                match p {
                    Part::Param(p) => {
                        out.push(p.name.clone());
                        if let Some(a) = &p.arg {
                            out.extend(super::lexer::names_in(a));
                        }
                    }
                    Part::Double(inner) => go(inner, out),
                    Part::Command(s) => out.extend(s.params()),
                    Part::Arith(a) => out.extend(super::lexer::arith_names(a)),
                    Part::Lit(_) | Part::Quoted(_) => {}
                }
            }
        }
        go(&self.parts, &mut out);
        out
    }

    /// Unquoted `*`, `?` or `[`: pathname expansion may apply.
    pub fn has_glob(&self) -> bool {
        self.parts
            .iter()
            .any(|p| matches!(p, Part::Lit(s) if s.contains(['*', '?', '['])))
    }

    /// Holds a pattern the shell matches against file names: an unquoted
    /// `*` or `?`, or an unquoted `[` closed by a `]` (a lone `[`, the test
    /// command, is no pattern).
    pub fn is_pattern(&self) -> bool {
        self.parts.iter().any(|p| {
            matches!(p, Part::Lit(s) if s.contains(['*', '?'])
                || s.find('[').is_some_and(|i| s[i + 1..].contains(']')))
        })
    }

    /// Starts with an unquoted `~`: tilde expansion applies.
    pub fn has_tilde(&self) -> bool {
        matches!(self.parts.first(), Some(Part::Lit(s)) if s.starts_with('~'))
    }

    /// Command substitutions inside the word.
    pub fn substitutions(&self) -> Vec<&Script> {
        let mut out = Vec::new();
        fn go<'a>(parts: &'a [Part], out: &mut Vec<&'a Script>) {
            for p in parts {
                match p {
                    Part::Command(s) => out.push(s),
                    Part::Double(inner) => go(inner, out),
                    _ => {}
                }
            }
        }
        go(&self.parts, &mut out);
        out
    }

    /// Same value and same quoting, whatever the spans: how the guard compares words.
    pub fn same_as(&self, other: &Word) -> bool {
        self.parts == other.parts
    }
}

impl Script {
    /// Parameters the script reads anywhere (for a conservative env check).
    pub fn params(&self) -> Vec<String> {
        let mut out = Vec::new();
        super::walk::each_word(self, &mut |w| out.extend(w.params()));
        out
    }

    /// Every simple command, in source order, nested ones included.
    pub fn simple_commands(&self) -> Vec<&SimpleCommand> {
        super::walk::commands(self)
            .into_iter()
            .map(|(c, _)| c)
            .collect()
    }
}
