//! DO101 manifest-first: copy the dependency manifests and install before
//! copying the whole source tree.
//!
//! ## What it does
//! Finds a `COPY` of a directory (`COPY . .`, `COPY src/ /app/`) directly
//! followed by a dependency install (`pip install -r requirements.txt`,
//! `npm ci`, `go mod download`, `bundle install`, …) and splits it: a `COPY`
//! of just the manifests the install reads (to the same place, with the same
//! `--chown`/`--chmod`), the install, then the full `COPY`.
//!
//! ## Why is this bad?
//! BuildKit keys a `COPY . .` on every file of the context. Any source edit
//! misses it, and every step after it re-runs, including the slow install
//! whose real inputs (the manifests) did not change.
//!
//! ## Example
//! ```dockerfile
//! WORKDIR /app
//! COPY . .
//! RUN pip install -r requirements.txt
//! ```
//! Use instead:
//! ```dockerfile
//! WORKDIR /app
//! COPY requirements.txt ./
//! RUN pip install -r requirements.txt
//! COPY . .
//! ```
//!
//! ## Fix safety
//! Safe when the install reads nothing but the manifests, which the fix
//! checks against the real context: the manifests exist and are not
//! ignored, requirements includes (`-r`, `-c`) are followed, and the fix is
//! skipped (with the reason) for editable or local installs, `pip install .`,
//! `poetry install` without `--no-root`, `uv sync` without
//! `--no-install-project`, npm/yarn/pnpm lifecycle scripts or workspaces,
//! installs that may rewrite their lock file (`npm install`, `yarn install`
//! or `bundle install` with a lock present and no frozen flag — the later
//! full COPY would put the old lock back), `composer install` without
//! `--no-scripts`, multi-module Maven/Gradle/.NET builds, and when the
//! context also holds a directory the install writes (`node_modules`,
//! `vendor`, `.venv`, `obj`…), which the full COPY would overwrite. Cargo is
//! never split (it needs a dummy `main.rs`).

use super::ecosystems::{classify, Class, Files};
use super::{config_only, step_of};
use crate::model::{path, CopySource, Op};
use crate::rewrite::edit::{block_text, delete_block, insert_above};
use crate::rewrite::shell::parse_run;
use crate::rewrite::{Applicability, Checker, Fix};
use crate::syntax::Keyword;

pub const CODE: &str = "DO101";

/// Maps paths as the install sees them to context paths through the full COPY.
struct Mapped<'c, 'a> {
    checker: &'c Checker<'a>,
    cwd: String,
    dest: String,
    src_dir: String,
}

impl Mapped<'_, '_> {
    /// The path relative to the COPY destination (None if outside it).
    fn rel(&self, p: &str) -> Option<String> {
        let abs = path::join_abs(&self.cwd, p);
        if self.dest == "/" {
            return Some(abs.trim_start_matches('/').to_string()).filter(|s| !s.is_empty());
        }
        abs.strip_prefix(&format!("{}/", self.dest))
            .map(str::to_string)
            .or_else(|| (abs == self.dest).then(String::new))
    }

    fn ctx(&self, p: &str) -> Option<String> {
        let rel = self.rel(p)?;
        Some(match (self.src_dir.is_empty(), rel.is_empty()) {
            (true, _) => rel,
            (false, true) => self.src_dir.clone(),
            (false, false) => format!("{}/{}", self.src_dir, rel),
        })
    }
}

impl Files for Mapped<'_, '_> {
    fn read(&self, p: &str) -> Option<String> {
        self.checker.read_context_file(&self.ctx(p)?)
    }

    fn kind(&self, p: &str) -> Option<bool> {
        let e = self.checker.context?.get(&self.ctx(p)?)?;
        Some(e.is_dir())
    }

    fn list(&self, p: &str) -> Vec<String> {
        let (Some(ctx), Some(dir)) = (self.checker.context, self.ctx(p)) else {
            return Vec::new();
        };
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        ctx.entries()
            .filter_map(|(k, _)| k.strip_prefix(&prefix).map(str::to_string))
            .filter(|k| !k.is_empty() && !k.contains('/'))
            .collect()
    }
}

fn plain(p: &str) -> bool {
    !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || "\"'$\\`*?[".contains(c))
}

pub fn check(c: &mut Checker) {
    let df = c.df;
    for (idx, ins) in df.instructions.iter().enumerate() {
        if ins.keyword != Keyword::Run {
            continue;
        }
        let Some(run_step) = step_of(c.model, idx) else {
            continue;
        };
        let Some(script) = parse_run(df, ins) else {
            continue;
        };
        // The COPY right before it (config-only instructions may sit between).
        let mut j = idx;
        let copy_idx = loop {
            if j == 0 {
                break None;
            }
            j -= 1;
            let k = df.instructions[j].keyword;
            if config_only(k) {
                continue;
            }
            break (k == Keyword::Copy).then_some(j);
        };
        let Some(copy_idx) = copy_idx else { continue };
        let Some(copy_step) = step_of(c.model, copy_idx) else {
            continue;
        };
        if copy_step.stage != run_step.stage {
            continue;
        }
        let Some(Op::Copy(cop)) = &copy_step.op else {
            continue;
        };
        if cop.source != CopySource::Context
            || cop.srcs.len() != 1
            || cop.srcs[0].wildcard
            || cop.srcs[0].inline.is_some()
            || cop.link
            || cop.parents
            || !cop.exclude.is_empty()
        {
            continue;
        }
        let line = ins.start_line;
        let Some(ctx) = c.context else {
            continue;
        };
        let src_dir = cop.srcs[0].path.clone();
        if !ctx.get(&src_dir).is_some_and(|e| e.is_dir()) {
            continue;
        }
        let mapped = Mapped {
            checker: c,
            cwd: run_step.cwd.clone(),
            dest: path::clean(&cop.dest),
            src_dir,
        };
        let mut installs = Vec::new();
        let mut other = None;
        let mut unsafe_reason = None;
        for cmd in &script.commands {
            let argv = cmd.argv();
            match classify(&argv, &mapped) {
                Class::Install(i) => installs.push(i),
                Class::Unsafe(r) => unsafe_reason = Some(r),
                Class::Neutral => {}
                Class::Other => other = Some(argv.join(" ")),
            }
        }
        if installs.is_empty() && unsafe_reason.is_none() {
            continue;
        }
        if let Some(r) = unsafe_reason {
            c.skip(CODE, line, format!("not split: {r}"));
            continue;
        }
        if script.complex || script.has_vars {
            c.skip(
                CODE,
                line,
                "not split: the RUN uses shell constructs or variables this fix does not follow",
            );
            continue;
        }
        if let Some(o) = other {
            c.skip(
                CODE,
                line,
                format!("not split: the RUN also runs `{o}`, which may read files not copied yet"),
            );
            continue;
        }
        let mut items: Vec<String> = Vec::new();
        let mut problem = None;
        for inst in &installs {
            for r in &inst.required {
                if mapped.kind(r).is_none() {
                    problem = Some(format!("{r} is not in the build context (or is ignored)"));
                }
            }
            for o in &inst.outputs {
                if let Some(p) = mapped.ctx(o) {
                    if ctx.get(&p).is_some() {
                        problem = Some(format!(
                            "the context has {p}, which the install also writes: the full COPY would overwrite the install's output (add it to .dockerignore)"
                        ));
                    }
                }
            }
            for p in inst.required.iter().chain(&inst.optional) {
                if let Some(r) = mapped.rel(p) {
                    if !items.contains(&r) {
                        items.push(r);
                    }
                } else {
                    problem = Some(format!("{p} is outside the copied directory"));
                }
            }
        }
        if let Some(p) = problem {
            c.skip(CODE, line, format!("not split: {p}"));
            continue;
        }
        if items.iter().any(|i| !plain(i)) {
            c.skip(CODE, line, "not split: a manifest path needs quoting");
            continue;
        }
        // The full COPY's destination as written, and its flags.
        let copy_ins = &df.instructions[copy_idx];
        let words = copy_ins.words();
        let Some(raw_dest) = words.last().filter(|d| {
            !d.is_empty() && !d.contains(|c: char| c.is_whitespace() || "\"'\\`".contains(c))
        }) else {
            c.skip(CODE, line, "not split: the COPY destination needs quoting");
            continue;
        };
        let base = raw_dest.trim_end_matches('/');
        let dest_for = |parent: &str| -> String {
            match (base, parent) {
                ("", "") => "/".to_string(),
                ("", p) => format!("/{p}/"),
                (b, "") => format!("{b}/"),
                (b, p) => format!("{b}/{p}/"),
            }
        };
        let kw = &df.source[copy_ins.keyword_span.start..copy_ins.keyword_span.end];
        let flags: String = copy_ins
            .flags
            .iter()
            .map(|f| format!("{} ", &df.source[f.span.start..f.span.end]))
            .collect();
        let eol = crate::rewrite::edit::eol(&df.source);
        let src_prefix = if mapped.src_dir.is_empty() {
            String::new()
        } else {
            format!("{}/", mapped.src_dir)
        };
        // Files grouped by parent directory; directories each get their own COPY.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        let mut lines = String::new();
        for it in &items {
            let is_dir = mapped.kind(it) == Some(true);
            if is_dir {
                lines.push_str(&format!(
                    "{kw} {flags}{src_prefix}{it} {}{eol}",
                    dest_for(it)
                ));
                continue;
            }
            let parent = it
                .rsplit_once('/')
                .map(|(p, _)| p)
                .unwrap_or("")
                .to_string();
            match groups.iter_mut().find(|(p, _)| *p == parent) {
                Some((_, v)) => v.push(format!("{src_prefix}{it}")),
                None => groups.push((parent, vec![format!("{src_prefix}{it}")])),
            }
        }
        let mut copy_lines = String::new();
        for (parent, files) in &groups {
            copy_lines.push_str(&format!(
                "{kw} {flags}{} {}{eol}",
                files.join(" "),
                dest_for(parent)
            ));
        }
        copy_lines.push_str(&lines);
        let ecos: Vec<&str> = installs.iter().map(|i| i.eco).collect();
        let names: Vec<&str> = items.iter().map(String::as_str).collect();
        let mut new_text = copy_lines;
        new_text.push_str(&block_text(df, ins));
        c.fix(Fix {
            code: CODE,
            message: format!(
                "copy {} and run the {} install before `{}`: source edits no longer re-run it",
                names.join(", "),
                ecos.join("/"),
                copy_ins.first_line(&df.source).trim()
            ),
            applicability: Applicability::Safe,
            line,
            edits: vec![insert_above(df, copy_ins, &new_text), delete_block(df, ins)],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run_ctx;

    #[test]
    fn pip_split_with_includes() {
        let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n";
        let out = run_ctx(
            df,
            &[
                ("requirements.txt", "-r base.txt\nflask\n"),
                ("base.txt", "requests\n"),
                ("app.py", "print(1)\n"),
            ],
            false,
            &["DO101"],
        );
        assert_eq!(
            out.output,
            "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
        );
    }

    #[test]
    fn dest_and_flags_kept() {
        let df = "FROM node:20\nCOPY --chown=node:node . /srv/app\nWORKDIR /srv/app\nRUN npm ci\n";
        // WORKDIR between: not a config-only instruction, so no split.
        let out = run_ctx(df, &[("package.json", "{}")], false, &["DO101"]);
        assert!(out.applied.is_empty());
        let df = "FROM node:20\nWORKDIR /srv/app\nCOPY --chown=node:node . /srv/app\nRUN npm ci\n";
        let out = run_ctx(
            df,
            &[("package.json", "{}"), ("package-lock.json", "{}")],
            false,
            &["DO101"],
        );
        assert_eq!(
            out.output,
            "FROM node:20\nWORKDIR /srv/app\nCOPY --chown=node:node package.json package-lock.json /srv/app/\nRUN npm ci\nCOPY --chown=node:node . /srv/app\n"
        );
    }

    #[test]
    fn skips_with_reasons() {
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
        let out = run_ctx(
            df,
            &[
                ("package.json", r#"{"scripts":{"postinstall":"node x.js"}}"#),
                ("x.js", ""),
            ],
            false,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
        assert!(out.skipped[0].reason.contains("postinstall"));
        let out = run_ctx(
            df,
            &[("package.json", "{}"), ("node_modules/a/index.js", "")],
            false,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
        assert!(out.skipped[0].reason.contains("node_modules"));
    }

    #[test]
    fn ignored_manifest_not_copied() {
        let df = "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
        let out = run_ctx(
            df,
            &[
                ("requirements.txt", "x\n"),
                (".dockerignore", "requirements.txt\n"),
            ],
            false,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
    }

    #[test]
    fn crlf_and_comments_move() {
        let df = "FROM python:3\r\nWORKDIR /app\r\n# all\r\nCOPY . .\r\n# deps\r\nRUN pip install -r requirements.txt\r\n";
        let out = run_ctx(df, &[("requirements.txt", "x\n")], false, &["DO101"]);
        assert_eq!(
            out.output,
            "FROM python:3\r\nWORKDIR /app\r\nCOPY requirements.txt ./\r\n# deps\r\nRUN pip install -r requirements.txt\r\n# all\r\nCOPY . .\r\n"
        );
    }
}
