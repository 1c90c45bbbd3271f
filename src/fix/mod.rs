//! What a fix is: the one [`Fix`]/[`Edit`]/[`Applicability`] that rules,
//! fix functions, the rewrite engine and every report share.
//!
//! # Design (issue 15: one registry, ruff's shape)
//!
//! - **One registry.** [`crate::rules::registry`] lists every rule once, by
//!   code, with one name. A rule declares the [`Applicability`] of its fix
//!   and *owns* its fix: either an optional fix function ([`FixFn`], in
//!   [`crate::fixes`]: it sees the tree, the model and the context and
//!   proposes byte-range edits) or, for rules without one, the edits its
//!   check attaches to its findings. There is no second list of fixes.
//! - **Layers stay one-way** (source → syntax → model → … → rules → rewrite
//!   → report → CLI): this module and [`crate::fixes`] sit below `rules` and
//!   depend only on syntax, model, shell, effects and context; the rules
//!   registry names fix functions; the rewrite engine ([`crate::rewrite`])
//!   drives them, and report only renders what it is given.
//! - **A fix belongs to a finding.** The engine keeps a fix function's
//!   proposal only where the rule reports a finding at that instruction, so
//!   `fix` never edits what `check` does not flag (inline suppressions and
//!   builder stages a rule skips included), and `check` labels findings from
//!   the same proposals, put through the same re-parse and equivalence guard
//!   ([`crate::rewrite::label`]), so check shows exactly what fix applies.
//!
//! The fix functions' files live in `src/rewrite/fixes/` (where their history
//! is) but form the low module `crate::fixes`; `crate::rewrite` re-exports
//! these types under their old paths.

pub mod edit;
pub mod hazard;

pub use edit::Edit;

use crate::context::{ContextTree, EntryKind};
use crate::model::Model;
use crate::syntax::Dockerfile;
use serde::Serialize;
use std::path::Path;

/// How safely a fix can be applied (ruff's three levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Same files, same config: `dockopt fix` applies it.
    Safe,
    /// Changes what the image contains or how it runs: only with `--unsafe-fixes`.
    Unsafe,
    /// Advice only: shown, never applied.
    DisplayOnly,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
            Applicability::DisplayOnly => "display-only",
        }
    }

    /// Whether `dockopt fix` applies fixes of this kind (with `--unsafe-fixes` for Unsafe).
    pub fn is_automatic(self) -> bool {
        self != Applicability::DisplayOnly
    }
}

/// One fix: what it does, how safe it is, and its edits on the text it was
/// proposed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    /// The rule's code (filled in by [`crate::rules::Finding::with_fix`] for fixes a check attaches).
    pub code: &'static str,
    pub message: String,
    pub applicability: Applicability,
    /// 1-based line of the instruction the fix is about (in the text it was proposed on).
    pub line: usize,
    /// Empty for advice without a concrete edit.
    pub edits: Vec<Edit>,
    /// What the fix does to the op sequence, for the equivalence guard: a
    /// Safe fix that moves, merges or inserts ops must declare it, and the
    /// guard accepts no other difference.
    #[serde(skip)]
    pub transforms: Vec<Transform>,
}

impl Fix {
    /// Advice: a message, no edit.
    pub fn display(message: impl Into<String>) -> Fix {
        Fix::edit(Applicability::DisplayOnly, message, Vec::new())
    }

    /// A fix with edits; code and line come from the finding it is attached to.
    pub fn edit(applicability: Applicability, message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            code: "",
            message: message.into(),
            applicability,
            line: 0,
            edits,
            transforms: Vec::new(),
        }
    }

    /// Whether `dockopt fix` would apply this (it has edits and is not advice).
    pub fn is_automatic(&self) -> bool {
        self.applicability.is_automatic() && !self.edits.is_empty()
    }

    /// The byte range the edits cover.
    pub fn span(&self) -> (usize, usize) {
        let s = self.edits.iter().map(|e| e.start).min().unwrap_or(0);
        let e = self.edits.iter().map(|e| e.end).max().unwrap_or(0);
        (s, e)
    }

    /// Identifies the fix across iterations (offsets move, text does not).
    pub fn signature(&self, text: &str) -> String {
        let mut sig = self.code.to_string();
        for e in &self.edits {
            sig.push('\0');
            sig.push_str(text.get(e.start..e.end).unwrap_or(""));
            sig.push('\u{1}');
            sig.push_str(&e.content);
        }
        sig
    }
}

/// One declared change to a stage's op sequence. Indices are instruction
/// indices in the text the fix was proposed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Instruction `ins` moves to just above instruction `above` (after any
    /// earlier transform placed there).
    Move { ins: usize, above: usize },
    /// RUN `a` and the RUN right after it, `b`, become one RUN `a && b`.
    Merge { a: usize, b: usize },
    /// A new COPY of manifests goes just above instruction `above`.
    Insert { above: usize },
}

/// A place where a fix function saw an opportunity but did not fix it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub code: &'static str,
    pub line: usize,
    pub reason: String,
}

/// A new file to create next to the Dockerfile (DO209).
#[derive(Debug, Clone, Serialize)]
pub struct NewFile {
    pub name: String,
    pub content: String,
    pub code: &'static str,
    pub message: String,
}

/// A rule's fix function: looks at the tree, the model and the context and
/// proposes fixes (or records why not).
pub type FixFn = fn(&mut Checker);

/// What a fix function sees.
pub struct Checker<'a> {
    pub df: &'a Dockerfile,
    pub model: &'a Model,
    /// The build context after `.dockerignore` (None: unknown, e.g. stdin).
    pub context: Option<&'a ContextTree>,
    /// The context directory, to read manifests (requirements.txt, package.json).
    pub root: Option<&'a Path>,
    fixes: Vec<Fix>,
    skips: Vec<Skip>,
    /// The symbolic links each RUN of the file makes, read once.
    links: std::cell::OnceCell<Vec<hazard::LinksMade>>,
}

impl<'a> Checker<'a> {
    pub fn new(
        df: &'a Dockerfile,
        model: &'a Model,
        context: Option<&'a ContextTree>,
        root: Option<&'a Path>,
    ) -> Self {
        Checker {
            df,
            model,
            context,
            root,
            fixes: Vec::new(),
            skips: Vec::new(),
            links: std::cell::OnceCell::new(),
        }
    }

    /// The symbolic links the RUNs of the file make (see
    /// [`hazard::LinksMade`]), read on first use.
    pub fn links_made(&self) -> &[hazard::LinksMade] {
        self.links
            .get_or_init(|| hazard::links_in(self.model, self.context))
    }

    pub fn fix(&mut self, fix: Fix) {
        // A fix function that computed an offset wrongly (a span mapped
        // through line continuations into a multi-byte character, found by
        // cargo-fuzz) would make the edit panic or cut a character: the
        // fix is not offered, and the reason says so.
        let src = &self.df.source;
        let fits = fix.edits.iter().all(|e| {
            e.start <= e.end && src.is_char_boundary(e.start) && src.is_char_boundary(e.end)
        });
        if fits {
            self.fixes.push(fix);
        } else {
            let line = fix.line;
            self.skip(
                fix.code,
                line,
                "internal: the fix's edit does not fall between characters of the file; not fixed",
            );
        }
    }

    pub fn skip(&mut self, code: &'static str, line: usize, reason: impl Into<String>) {
        self.skips.push(Skip {
            code,
            line,
            reason: reason.into(),
        });
    }

    /// Reads a context file as text (None if unknown, missing, ignored or not UTF-8).
    pub fn read_context_file(&self, rel: &str) -> Option<String> {
        let ctx = self.context?;
        let e = ctx.get(rel)?;
        // Symlinks are read through (DO101 checks their targets are copied).
        if !matches!(e.kind, EntryKind::File | EntryKind::Symlink) {
            return None;
        }
        crate::source::read_context_text(&self.root?.join(rel)).ok()
    }

    /// Why a context file that is there cannot be read as text (a FIFO,
    /// larger than the read cap, not UTF-8, unreadable); None when it reads
    /// or is not there.
    pub fn context_file_problem(&self, rel: &str) -> Option<String> {
        let e = self.context?.get(rel)?;
        if e.is_dir() {
            return None;
        }
        crate::source::read_context_text(&self.root?.join(rel))
            .err()
            .map(|e| e.reason())
    }

    /// Keeps only the fixes and skips of `code` (one fix function serving
    /// several rules; the engine gives each rule a fresh checker).
    pub fn retain_code(&mut self, code: &str) {
        self.fixes.retain(|f| f.code == code);
        self.skips.retain(|s| s.code == code);
    }

    pub fn into_parts(self) -> (Vec<Fix>, Vec<Skip>) {
        (self.fixes, self.skips)
    }
}
