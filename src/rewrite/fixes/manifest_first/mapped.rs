//! Paths as the install sees them, mapped through the full COPY to the
//! context, and the full COPY's text the new instructions repeat.

use crate::ecosystem::Files;
use crate::model::path;
use crate::rewrite::Checker;
use crate::syntax::{Dockerfile, Instruction};

/// Maps paths as the install sees them to context paths through the full COPY.
pub(super) struct Mapped<'c, 'a> {
    pub checker: &'c Checker<'a>,
    pub cwd: String,
    pub dest: String,
    pub src_dir: String,
}

impl Mapped<'_, '_> {
    /// The path relative to the COPY destination (None if outside it).
    pub fn rel(&self, p: &str) -> Option<String> {
        let abs = path::join_abs(&self.cwd, p);
        if self.dest == "/" {
            return Some(abs.trim_start_matches('/').to_string()).filter(|s| !s.is_empty());
        }
        abs.strip_prefix(&format!("{}/", self.dest))
            .map(str::to_string)
            .or_else(|| (abs == self.dest).then(String::new))
    }

    /// Where an item of the manifest COPY (a path relative to the COPY's
    /// destination, as [`Mapped::rel`] gives) lands. The lookups below take
    /// paths as the install names them (relative to its cwd, which is not
    /// the destination after a `cd` or in a folder above it): an item goes
    /// through here first.
    pub fn at(&self, item: &str) -> String {
        path::join_abs(&self.dest, item)
    }

    /// The copied directory as a context path prefix ("" or "dir/").
    pub fn src_prefix(&self) -> String {
        if self.src_dir.is_empty() {
            String::new()
        } else {
            format!("{}/", self.src_dir)
        }
    }

    pub fn ctx(&self, p: &str) -> Option<String> {
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

    fn problem(&self, p: &str) -> Option<String> {
        self.checker.context_file_problem(&self.ctx(p)?)
    }

    fn is_link(&self, p: &str) -> bool {
        let entry = || self.checker.context?.get(&self.ctx(p)?);
        entry().is_some_and(|e| e.kind == crate::context::EntryKind::Symlink)
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

pub(super) fn plain(p: &str) -> bool {
    !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || "\"'$\\`*?[".contains(c))
}

/// The full COPY as written: keyword, flags (each followed by a space), the
/// destination without its trailing `/`, and the file's line ending.
pub(super) struct FullCopy {
    pub kw: String,
    pub flags: String,
    pub base: String,
    pub eol: &'static str,
}

/// None when the destination would need quoting.
pub(super) fn full_copy(df: &Dockerfile, copy_ins: &Instruction) -> Option<FullCopy> {
    let words = copy_ins.words();
    let raw_dest = words.last().filter(|d| {
        !d.is_empty() && !d.contains(|c: char| c.is_whitespace() || "\"'\\`".contains(c))
    })?;
    Some(FullCopy {
        kw: df.source[copy_ins.keyword_span.start..copy_ins.keyword_span.end].to_string(),
        flags: copy_ins
            .flags
            .iter()
            .map(|f| format!("{} ", &df.source[f.span.start..f.span.end]))
            .collect(),
        base: raw_dest.trim_end_matches('/').to_string(),
        eol: crate::rewrite::edit::eol(&df.source),
    })
}

/// The destination, as written, of files under `parent` (relative to the COPY's destination).
pub(super) fn dest_for(base: &str, parent: &str) -> String {
    match (base, parent) {
        ("", "") => "/".to_string(),
        ("", p) => format!("/{p}/"),
        (b, "") => format!("{b}/"),
        (b, p) => format!("{b}/{p}/"),
    }
}
