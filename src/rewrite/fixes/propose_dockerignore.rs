//! DO209 propose-dockerignore: write a `.dockerignore` for what the build
//! should not see.
//!
//! ## What it does
//! When the context has no `.dockerignore` and the Dockerfile copies from
//! it, proposes one (as a new file next to the Dockerfile) listing what
//! really exists in the context among: `.git`, `node_modules`, `__pycache__`,
//! `*.pyc`, `.venv`/`venv`, `.env`, `.pytest_cache`, `.mypy_cache`, `.tox`,
//! `dist`, `build`, `target`, `.idea`, `.vscode`.
//!
//! ## Why is this bad?
//! Without it every file is sent to the builder and hashed: a commit
//! (`.git`), a local `npm install` or a test run changes the key of
//! `COPY . .` and re-runs everything after it. Secrets in `.env` end up in
//! the image.
//!
//! ## Example
//! A context with `.git/`, `node_modules/` and `.env` gets:
//! ```text
//! .git
//! node_modules
//! .env
//! ```
//!
//! ## Fix safety
//! Unsafe: the image no longer contains those files. Entries the Dockerfile
//! names explicitly (`COPY dist/ …`) are left out. Never overwrites an
//! existing ignore file.

use crate::context::ContextTree;
use crate::fix::NewFile;
use crate::model::Model;
use crate::syntax::Dockerfile;

pub const CODE: &str = "DO209";

const CANDIDATES: &[&str] = &[
    ".git",
    "node_modules",
    "__pycache__",
    ".venv",
    "venv",
    ".env",
    ".pytest_cache",
    ".mypy_cache",
    ".tox",
    "dist",
    "build",
    "target",
    ".idea",
    ".vscode",
];

pub fn propose(_df: &Dockerfile, model: &Model, ctx: &ContextTree) -> Option<NewFile> {
    if ctx.ignore_source().is_some() {
        return None;
    }
    let reads: Vec<String> = model.steps.iter().flat_map(|s| s.context_reads()).collect();
    if reads.is_empty() {
        return None;
    }
    let named = |c: &str| {
        reads
            .iter()
            .any(|r| !r.is_empty() && (r == c || r.starts_with(&format!("{c}/"))))
    };
    let mut lines: Vec<String> = Vec::new();
    for c in CANDIDATES {
        if ctx.get(c).is_some() && !named(c) {
            lines.push(c.to_string());
        }
    }
    let nested = |name: &str| {
        ctx.entries()
            .any(|(k, _)| k.contains('/') && k.rsplit('/').next() == Some(name))
    };
    if nested("__pycache__") {
        lines.push("**/__pycache__".into());
    }
    if ctx.entries().any(|(k, _)| k.ends_with(".pyc")) {
        lines.push("**/*.pyc".into());
    }
    if nested("node_modules") {
        lines.push("**/node_modules".into());
    }
    if lines.is_empty() {
        return None;
    }
    let mut content = String::from(
        "# Proposed by dockopt (DO209): what the image and its cache keys should not see.\n",
    );
    for l in &lines {
        content.push_str(l);
        content.push('\n');
    }
    Some(NewFile {
        name: ".dockerignore".into(),
        content,
        code: CODE,
        message: format!("write .dockerignore excluding {}", lines.join(", ")),
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run_ctx;

    #[test]
    fn proposes_existing_entries_only() {
        let out = run_ctx(
            "FROM node\nWORKDIR /app\nCOPY . .\n",
            &[
                (".git/HEAD", "x"),
                ("node_modules/a/i.js", ""),
                ("src/a.js", ""),
            ],
            true,
            &["DO209"],
        );
        let nf = &out.new_files[0];
        assert!(nf.content.contains("\n.git\nnode_modules\n"));
        assert!(!nf.content.contains(".venv"));
        let safe = run_ctx(
            "FROM node\nCOPY . .\n",
            &[(".git/HEAD", "x")],
            false,
            &["DO209"],
        );
        assert!(safe.new_files.is_empty());
    }
}
