//! Package counts of the manifests and lockfiles in a build context, read from their text
//! (the context model keeps sizes and digests, not contents). Keyed by the file's context
//! digest, so one table serves both sides of a change and every revision of a history: a
//! file the table has not read (a perturbed `--changed` file, an unreadable one) has no count
//! and the heuristics say so.

use crate::context::ContextTree;
use crate::ecosystem::lockfiles;
use std::collections::BTreeMap;
use std::path::Path;

/// Files larger than this are not read (a lockfile of 20 000 packages is ~10 MB).
const MAX_MANIFEST_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PackageCount {
    /// Packages a production install fetches.
    pub packages: u64,
    /// Whether this came from a lockfile (every transitive package) or a manifest (the
    /// direct dependencies only).
    pub locked: bool,
}

/// Context digest → package count.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageCounts {
    by_digest: BTreeMap<String, PackageCount>,
}

fn is_manifest(base: &str) -> bool {
    (base.starts_with("requirements") && base.ends_with(".txt"))
        || matches!(
            base,
            "constraints.txt" | "package.json" | "go.mod" | "Gemfile"
        )
}

/// Manifests that list direct dependencies (not lockfiles), by base name.
fn manifest_count(base: &str, text: &str) -> Option<u64> {
    if (base.starts_with("requirements") && base.ends_with(".txt")) || base == "constraints.txt" {
        let n = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty() && !l.starts_with('-'))
            .count();
        return Some(n as u64);
    }
    match base {
        "package.json" => {
            let v: serde_json::Value = serde_json::from_str(text).ok()?;
            let n = |k: &str| v.get(k).and_then(|d| d.as_object()).map_or(0, |o| o.len());
            Some((n("dependencies") + n("devDependencies") + n("optionalDependencies")) as u64)
        }
        "go.mod" => {
            let mut n = 0;
            let mut block = false;
            for l in text.lines().map(str::trim) {
                if l.starts_with("require (") {
                    block = true;
                } else if block && l.starts_with(')') {
                    block = false;
                } else if (block && !l.is_empty() && !l.starts_with("//"))
                    || l.starts_with("require ")
                {
                    n += 1;
                }
            }
            Some(n)
        }
        "Gemfile" => Some(
            text.lines()
                .filter(|l| l.trim_start().starts_with("gem "))
                .count() as u64,
        ),
        _ => None,
    }
}

impl PackageCounts {
    /// Reads every manifest and lockfile of `tree` under `root` (the directory it was loaded
    /// from).
    pub fn scan(root: &Path, tree: &ContextTree) -> PackageCounts {
        let mut out = PackageCounts::default();
        out.add(root, tree);
        out
    }

    pub fn add(&mut self, root: &Path, tree: &ContextTree) {
        for (path, e) in tree.entries() {
            if e.is_dir() || e.size > MAX_MANIFEST_BYTES || self.by_digest.contains_key(&e.digest) {
                continue;
            }
            let base = path.rsplit('/').next().unwrap_or(path);
            let is_lock = lockfiles::format_of(base).is_some();
            if !is_lock && !is_manifest(base) {
                continue;
            }
            let Ok(text) = std::fs::read_to_string(root.join(path)) else {
                continue;
            };
            let count = match lockfiles::count(base, &text) {
                Some(Ok(c)) => Some(PackageCount {
                    packages: c.packages as u64,
                    locked: true,
                }),
                Some(Err(_)) => None,
                None => manifest_count(base, &text).map(|n| PackageCount {
                    packages: n,
                    locked: false,
                }),
            };
            if let Some(c) = count {
                self.by_digest.insert(e.digest.clone(), c);
            }
        }
    }

    pub fn get(&self, digest: &str) -> Option<PackageCount> {
        self.by_digest.get(digest).copied()
    }

    pub fn merge(&mut self, other: &PackageCounts) {
        for (k, v) in &other.by_digest {
            self.by_digest.entry(k.clone()).or_insert(*v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_found_by_digest() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, t: &str| std::fs::write(dir.path().join(p), t).unwrap();
        w(
            "requirements.txt",
            "# pinned\nflask==3.0.3\n\n-r base.txt\nrequests  # http\n",
        );
        w(
            "package.json",
            r#"{"dependencies":{"a":"1"},"devDependencies":{"b":"1"}}"#,
        );
        w("go.mod", "module x\n\ngo 1.19\n\nrequire (\n\tgithub.com/a/b v1.0.0\n\t// c\n)\nrequire github.com/c/d v0.1.0\n");
        w(
            "poetry.lock",
            "[[package]]\nname = \"a\"\nversion = \"1\"\n",
        );
        w("app.py", "print(1)\n");
        let tree = ContextTree::load(dir.path(), None).unwrap();
        let c = PackageCounts::scan(dir.path(), &tree);
        let n = |p: &str| {
            c.get(&tree.get(p).unwrap().digest)
                .map(|c| (c.packages, c.locked))
        };
        assert_eq!(n("requirements.txt"), Some((2, false)));
        assert_eq!(n("package.json"), Some((2, false)));
        assert_eq!(n("go.mod"), Some((2, false)));
        assert_eq!(n("poetry.lock"), Some((1, true)));
        assert_eq!(n("app.py"), None);
    }
}
