//! The rule catalogue: stable codes grouped by concern, one file per rule
//! with its user documentation, and the engine that runs them.
//!
//! | range  | family      |
//! |--------|-------------|
//! | DO1xx  | cache       |
//! | DO2xx  | size        |
//! | DO3xx  | security    |
//! | DO4xx  | correctness / best practice |
//! | DO5xx  | compose     |
//! | DO6xx  | ci          |
//!
//! A rule is a [`Rule`] value (declared with [`declare_rule!`], whose doc
//! comment is also what `dockopt rule CODE` prints) plus one check function.
//! The registry in [`registry`] lists them all; codes never change meaning.

#[macro_use]
mod macros;
pub mod ci;
pub mod compose;
pub mod config;
mod ctx;
pub mod engine;
pub mod precision;
pub mod registry;
pub mod suppress;

mod cache;
mod correctness;
pub(crate) mod security;
pub(crate) mod size;

pub use ctx::{ContextInfo, DockerfileCtx};
pub use engine::{check_compose_file, check_dockerfile, CheckOptions, FileReport};
pub use registry::{all, by_code, hadolint_twins};

use crate::syntax::{Position, Span};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        match s.to_ascii_lowercase().as_str() {
            "info" | "note" => Some(Severity::Info),
            "warning" | "warn" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Family {
    Cache,
    Size,
    Security,
    Correctness,
    Compose,
    Ci,
}

impl Family {
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Cache => "cache",
            Family::Size => "size",
            Family::Security => "security",
            Family::Correctness => "correctness",
            Family::Compose => "compose",
            Family::Ci => "ci",
        }
    }
}

/// How safely a fix can be applied (ruff's three levels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Keeps the image's behaviour: `dockopt fix` applies it.
    Safe,
    /// Changes what the image contains or how it runs: only with `--unsafe-fixes`.
    Unsafe,
    /// Advice only: no edit is applied automatically.
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
}

/// A textual replacement of a byte range of the checked file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edit {
    pub span: Span,
    pub content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub applicability: Applicability,
    pub message: String,
    /// Empty for display-only fixes.
    pub edits: Vec<Edit>,
}

impl Fix {
    pub fn display(message: impl Into<String>) -> Fix {
        Fix {
            applicability: Applicability::DisplayOnly,
            message: message.into(),
            edits: Vec::new(),
        }
    }

    pub fn edit(applicability: Applicability, message: impl Into<String>, edits: Vec<Edit>) -> Fix {
        Fix {
            applicability,
            message: message.into(),
            edits,
        }
    }
}

/// One problem found in one file.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub code: &'static str,
    pub name: &'static str,
    pub severity: Severity,
    pub message: String,
    /// 1-based; columns count characters.
    pub start: Position,
    pub end: Position,
    /// Byte range in the file, when the file is one we hold the text of.
    pub span: Option<Span>,
    pub fix: Option<Fix>,
    /// Byte ranges whose text must never be shown (secret values).
    #[serde(skip)]
    pub redact: Vec<Span>,
}

impl Finding {
    pub fn new(rule: &Rule, start: Position, end: Position, message: impl Into<String>) -> Self {
        Finding {
            code: rule.code,
            name: rule.name,
            severity: rule.severity,
            message: message.into(),
            start,
            end,
            span: None,
            fix: None,
            redact: Vec::new(),
        }
    }

    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fix = Some(fix);
        self
    }
}

/// What a rule inspects.
#[derive(Clone, Copy)]
pub enum Check {
    Dockerfile(fn(&DockerfileCtx, &mut Vec<Finding>)),
    Compose(fn(&compose::ComposeCtx, &mut Vec<Finding>)),
    Ci(fn(&ci::CiCtx, &mut Vec<Finding>)),
}

/// A rule's identity, defaults and documentation.
pub struct Rule {
    /// Stable code, e.g. `DO101`.
    pub code: &'static str,
    /// kebab-case name, e.g. `manifest-after-sources`.
    pub name: &'static str,
    pub family: Family,
    pub severity: Severity,
    /// hadolint rules that check the same thing (their ignore pragmas are honoured).
    pub hadolint: &'static [&'static str],
    /// The fix this rule offers, if any.
    pub fix: Option<Applicability>,
    /// The rule's documentation (Markdown), from its doc comment.
    pub doc: &'static str,
    pub check: Check,
}

impl Rule {
    /// The first sentence under `## What it does`.
    pub fn summary(&self) -> String {
        let text = self.docs();
        let body = text
            .split("## What it does")
            .nth(1)
            .unwrap_or(&text)
            .trim_start();
        let para: Vec<&str> = body
            .lines()
            .take_while(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(str::trim)
            .collect();
        para.join(" ")
    }

    /// The doc comment with rustdoc's leading space removed.
    pub fn docs(&self) -> String {
        let mut out = String::new();
        for line in self.doc.lines() {
            out.push_str(line.strip_prefix(' ').unwrap_or(line));
            out.push('\n');
        }
        out
    }
}

impl std::fmt::Debug for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rule").field("code", &self.code).finish()
    }
}

/// A human size: `1.2 MB`.
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}
