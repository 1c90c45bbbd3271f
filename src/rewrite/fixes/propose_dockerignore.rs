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
//! Unsafe: the image no longer contains those files. Entries the build
//! uses are left out, so that the build still runs: those the Dockerfile
//! names (`COPY dist/ …`, `RUN cat .env`), those a RUN reads as the effects
//! model tells (`cp -r dist /srv`), and `.git` when a RUN runs `git` or the
//! project takes its version from git (setuptools-scm, hatch-vcs,
//! versioneer, dynamic versioning: `pip install .` fails without `.git`).
//! Never overwrites an existing ignore file.

use crate::context::ContextTree;
use crate::fix::NewFile;
use crate::model::Model;
use crate::syntax::{Dockerfile, Keyword};
use std::path::Path;

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

pub fn propose(df: &Dockerfile, model: &Model, ctx: &ContextTree, root: &Path) -> Option<NewFile> {
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
    let used = used_by_runs(df, model);
    let mut lines: Vec<String> = Vec::new();
    for c in CANDIDATES {
        let vcs = *c == ".git" && (used.runs_git || versions_from_git(ctx, root));
        if ctx.get(c).is_some() && !named(c) && !used.names.contains(c) && !vcs {
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

/// What the RUNs use of the candidates.
#[derive(Default)]
struct Used {
    /// Candidates a RUN names as a path segment in its text, or reads (a
    /// path with such a segment, as the effects model tells).
    names: Vec<&'static str>,
    /// A RUN runs `git` (which reads the repository from the cwd upward).
    runs_git: bool,
}

fn used_by_runs(df: &Dockerfile, model: &Model) -> Used {
    let mut used = Used::default();
    for step in model.steps.iter().filter(|s| s.keyword == Keyword::Run) {
        let Some(ins) = df.instructions.get(step.instruction) else {
            continue;
        };
        let mut seen = segments(df.text(ins.span));
        used.runs_git |= seen.iter().any(|w| w == "git");
        if let Some(fx) = model.run_effects(df, step) {
            if !fx.reads.is_everything() {
                for p in fx.reads.iter() {
                    seen.extend(segments(p));
                }
            }
        }
        for c in CANDIDATES {
            if seen.iter().any(|w| w == c) && !used.names.contains(c) {
                used.names.push(c);
            }
        }
    }
    used
}

/// The words of a RUN's text or a path, split at blanks, `/` and shell
/// punctuation: `cp -r dist/ /srv` has `dist`.
fn segments(s: &str) -> Vec<String> {
    s.split(|c: char| c.is_whitespace() || "/=:;,'\"()[]{}<>|&$`".contains(c))
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether the project takes its version from git when built (the build
/// fails without `.git`): setuptools-scm, hatch-vcs, versioneer, pbr, or
/// poetry/pdm dynamic versioning named in its Python build files.
fn versions_from_git(ctx: &ContextTree, root: &Path) -> bool {
    const FILES: &[&str] = &["pyproject.toml", "setup.cfg", "setup.py"];
    const TOOLS: &[&str] = &[
        "setuptools_scm",
        "setuptools-scm",
        "hatch-vcs",
        "versioneer",
        "pbr",
        "dynamic-versioning",
        "pdm-backend",
        "vcs-versioning",
    ];
    FILES
        .iter()
        .filter(|f| ctx.get(f).is_some())
        .filter_map(|f| crate::source::read_context_text(&root.join(f)).ok())
        .any(|text| TOOLS.iter().any(|t| text.contains(t)))
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

    /// The proposal must not break the build: entries a RUN reads or names
    /// stay in the context (`cat .env`, `cp -r dist …`), and `.git` stays
    /// when a RUN runs git or the project's version comes from git.
    #[test]
    fn leaves_out_what_the_build_uses() {
        let files = [
            (".git/HEAD", "x"),
            ("node_modules/a/i.js", ""),
            (".env", "A=1"),
            ("dist/app.js", ""),
            ("app.py", ""),
        ];
        let out = run_ctx(
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN git rev-parse HEAD > /version && cat .env > /cfg && cp -r dist /srv\n",
            &files,
            true,
            &["DO209"],
        );
        let nf = &out.new_files[0];
        assert!(nf.content.contains("\nnode_modules\n"), "{}", nf.content);
        for kept in [".git", ".env", "dist"] {
            assert!(
                !nf.content.lines().any(|l| l == kept),
                "{kept}: {}",
                nf.content
            );
        }
        let out = run_ctx(
            "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install .\n",
            &[
                (".git/HEAD", "x"),
                (".venv/bin/python", ""),
                (
                    "pyproject.toml",
                    "[build-system]\nrequires = [\"setuptools\", \"setuptools-scm\"]\n",
                ),
            ],
            true,
            &["DO209"],
        );
        let nf = &out.new_files[0];
        assert!(!nf.content.lines().any(|l| l == ".git"), "{}", nf.content);
        assert!(nf.content.lines().any(|l| l == ".venv"), "{}", nf.content);
    }
}
