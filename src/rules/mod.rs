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
//! comment is also what `dockopt rule CODE` prints) plus one check function
//! and, optionally, the fix function it owns (see [`crate::fix`] for how
//! check and fix share them). The registry in [`registry`] lists them all,
//! one name per code; codes never change meaning.

#[macro_use]
mod macros;
pub mod ci;
pub mod compose;
pub mod config;
mod ctx;
pub mod engine;
pub(crate) mod fan_out;
pub mod precision;
pub mod registry;
pub mod suppress;
#[cfg(test)]
pub(crate) mod testutil;

mod cache;
mod correctness;
pub(crate) mod security;
pub(crate) mod size;

pub(crate) use ctx::shipped_stages;
pub use ctx::{ContextInfo, DockerfileCtx, Scripts};
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

pub use crate::fix::{Applicability, Edit, Fix, FixFn};

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

    /// Attaches the rule's fix (its code and line are the finding's).
    pub fn with_fix(mut self, mut fix: Fix) -> Self {
        fix.code = self.code;
        fix.line = self.start.line;
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
    /// How safe the fix this rule offers is (None: no fix, not even advice).
    pub fix: Option<Applicability>,
    /// The rule's fix function, which the rewrite engine drives. A rule with
    /// an automatic fix and no fix function fixes through the edits its check
    /// attaches to its findings.
    pub fixer: Option<FixFn>,
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
    /// Whether `dockopt fix` can fix this rule's findings.
    pub fn has_automatic_fix(&self) -> bool {
        self.fix.is_some_and(Applicability::is_automatic)
    }

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

/// A human size: `1.2 MB` (see [`crate::frame::human_bytes`]).
pub use crate::frame::human_bytes;
