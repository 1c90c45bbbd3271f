//! DO6xx: CI pipelines (GitHub Actions workflows, `.gitlab-ci.yml`): cache
//! settings that make a fresh runner rebuild more than the change needs.
//! The pipelines are read by [`crate::ci`]; fixes are text edits in the
//! workflow file.

pub mod min_mode_multistage;
pub mod no_cache_from;
pub mod no_cache_unpinned_base;
pub mod shared_cache_scope;
pub mod volatile_context;

use super::{Check, Finding, Rule};
use crate::ci::{self, CiBuild};
use crate::model::Model;
use crate::syntax::{LineIndex, Span};
use std::path::{Path, PathBuf};

pub struct CiCtx<'a> {
    /// The pipeline file as shown.
    pub path: &'a str,
    /// The repository root the pipeline runs in.
    pub root: &'a Path,
    pub text: &'a str,
    /// Builds declared in this file.
    pub builds: Vec<&'a CiBuild>,
    /// Builds in every pipeline file of the repository (caches are shared across files).
    pub all_builds: &'a [CiBuild],
    line_index: LineIndex,
}

impl<'a> CiCtx<'a> {
    pub fn new(
        path: &'a str,
        root: &'a Path,
        text: &'a str,
        builds: Vec<&'a CiBuild>,
        all_builds: &'a [CiBuild],
    ) -> Self {
        CiCtx {
            path,
            root,
            text,
            builds,
            all_builds,
            line_index: LineIndex::new(text),
        }
    }

    /// A finding on a byte span of the pipeline file, kept to its first line.
    pub fn finding(&self, rule: &Rule, span: Span, message: impl Into<String>) -> Finding {
        let s = span.start.min(self.text.len());
        let mut e = span.end.clamp(s, self.text.len());
        if let Some(nl) = self.text.get(s..e).and_then(|t| t.find('\n')) {
            e = s + nl;
        }
        let pos = |o| self.line_index.position(self.text, o);
        let mut f = Finding::new(rule, pos(s), pos(e), message);
        f.span = Some(Span::new(s, e));
        f
    }

    pub fn model(&self, b: &CiBuild) -> Option<Model> {
        ci::analyze::load_model(self.root, b)
    }

    /// Whether `span` holds exactly `value` (a plain scalar that can be replaced in place).
    pub fn exact(&self, span: Span, value: &str) -> bool {
        self.text.get(span.start..span.end) == Some(value)
    }
}

/// A short cache scope for a build: `api-runtime` for api/Dockerfile, target runtime.
pub fn scope_for(b: &CiBuild) -> String {
    let dir = b
        .dockerfile
        .parent()
        .and_then(|p| p.file_name())
        .map(|n| n.to_string_lossy().to_string());
    let file = b
        .dockerfile
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let stem = match file.as_str() {
        "Dockerfile" => dir.unwrap_or_else(|| "app".into()),
        f => f
            .trim_end_matches(".Dockerfile")
            .trim_end_matches(".dockerfile")
            .trim_start_matches("Dockerfile.")
            .to_string(),
    };
    let mut s = stem;
    if let Some(t) = &b.target {
        s.push('-');
        s.push_str(t);
    }
    s.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// `spec` with `key=value` set (replaced if present, appended otherwise).
pub fn with_option(spec: &str, key: &str, value: &str) -> String {
    let mut parts: Vec<String> = spec.split(',').map(|p| p.trim().to_string()).collect();
    match parts
        .iter_mut()
        .find(|p| p.split_once('=').is_some_and(|(k, _)| k == key))
    {
        Some(p) => *p = format!("{key}={value}"),
        None => parts.push(format!("{key}={value}")),
    }
    parts.join(",")
}

/// Whether a pipeline file name is one `dockopt check` reads.
pub fn is_pipeline_path(p: &Path) -> bool {
    let s = p.to_string_lossy().replace('\\', "/");
    let name = p
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    (s.contains(".github/workflows/") && (name.ends_with(".yml") || name.ends_with(".yaml")))
        || name == ".gitlab-ci.yml"
        || name == ".gitlab-ci.yaml"
}

/// The repository root of a pipeline file (`X/.github/workflows/a.yml` → `X`).
pub fn root_of(file: &Path) -> PathBuf {
    let parent = file.parent().unwrap_or(Path::new("."));
    let s = file.to_string_lossy().replace('\\', "/");
    let root = if s.contains(".github/workflows/") {
        parent
            .parent()
            .and_then(Path::parent)
            .unwrap_or(Path::new("."))
    } else {
        parent
    };
    if root.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        root.to_path_buf()
    }
}

/// Runs the CI rules on one pipeline file (every rule; the caller filters by config).
pub fn check_file(cx: &CiCtx, enabled: &dyn Fn(&Rule) -> bool) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in super::all() {
        if let Check::Ci(f) = rule.check {
            if enabled(rule) {
                f(cx, &mut out);
            }
        }
    }
    out.sort_by(|a, b| {
        (a.start.line, a.start.column, a.code).cmp(&(b.start.line, b.start.column, b.code))
    });
    out
}

/// The CI rules over every pipeline file holding a build (for `dockopt ci`):
/// (file as shown, its text, findings), suppression comments honoured.
pub fn check_repository(
    root: &Path,
    builds: &[CiBuild],
    warnings: &mut Vec<String>,
) -> Vec<(String, String, Vec<Finding>)> {
    let mut files: Vec<&PathBuf> = builds.iter().map(|b| &b.file).collect();
    files.dedup();
    files.sort();
    files.dedup();
    let mut out = Vec::new();
    for f in files {
        let text = match crate::source::read_context_text(&root.join(f)) {
            Ok(t) => t,
            Err(e) => {
                warnings.push(e.to_string());
                continue;
            }
        };
        let shown = f.display().to_string();
        let mine: Vec<&CiBuild> = builds.iter().filter(|b| &b.file == f).collect();
        let cx = CiCtx::new(&shown, root, &text, mine, builds);
        let mut found = check_file(&cx, &|_| true);
        super::engine::retain_unsuppressed(&text, &mut found);
        out.push((shown.clone(), text.clone(), found));
    }
    out
}

#[cfg(test)]
mod tests;
