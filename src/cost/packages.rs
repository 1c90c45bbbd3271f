//! Package counts of the manifests and lockfiles in a build context, read from their text
//! (the context model keeps sizes and digests, not contents). Keyed by the file's context
//! digest, so one table serves both sides of a change and every revision of a history: a
//! file the table has not read (a perturbed `--changed` file, an unreadable one) has no count
//! and the heuristics say so.

use crate::context::ContextTree;
use crate::ecosystem::lockfiles;
use crate::ecosystem::registry::{Dep, Kind, Sized};
use std::collections::{BTreeMap, BTreeSet};
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
    /// Lockfiles that could not be read, by digest (each is reported once).
    failed: BTreeSet<String>,
    /// Why each of those was not counted, naming file:line:col.
    warnings: Vec<String>,
    /// The packages a manifest names (requirements files, `package.json`), by digest: what
    /// a change added to it, for `estimate --registry`.
    names: BTreeMap<String, Vec<Dep>>,
}

fn is_manifest(base: &str) -> bool {
    (base.starts_with("requirements") && base.ends_with(".txt"))
        || matches!(
            base,
            "constraints.txt" | "package.json" | "go.mod" | "Gemfile"
        )
}

/// Manifests that list direct dependencies (not lockfiles), by base name:
/// the count, or (line, column, why) where the manifest does not parse.
fn manifest_count(base: &str, text: &str) -> Option<Result<u64, (usize, usize, String)>> {
    if base == "package.json" {
        return Some(
            serde_json::from_str::<serde_json::Value>(text)
                .map_err(|e| (e.line(), e.column(), e.to_string()))
                .map(|v| {
                    let n = |k: &str| v.get(k).and_then(|d| d.as_object()).map_or(0, |o| o.len());
                    (n("dependencies") + n("devDependencies") + n("optionalDependencies")) as u64
                }),
        );
    }
    direct_count(base, text).map(Ok)
}

fn direct_count(base: &str, text: &str) -> Option<u64> {
    if (base.starts_with("requirements") && base.ends_with(".txt")) || base == "constraints.txt" {
        let n = text
            .lines()
            .map(|l| l.split('#').next().unwrap_or("").trim())
            .filter(|l| !l.is_empty() && !l.starts_with('-'))
            .count();
        return Some(n as u64);
    }
    match base {
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
            if e.is_dir()
                || e.size > MAX_MANIFEST_BYTES
                || self.by_digest.contains_key(&e.digest)
                || self.failed.contains(&e.digest)
            {
                continue;
            }
            let base = path.rsplit('/').next().unwrap_or(path);
            let is_lock = lockfiles::format_of(base).is_some();
            if !is_lock && !is_manifest(base) {
                continue;
            }
            let full = root.join(path);
            // A lockfile or manifest that cannot be read is said, never
            // skipped silently: its install is then costed without its
            // package count.
            let mut broken = |why: String| {
                self.failed.insert(e.digest.clone());
                self.warnings.push(format!(
                    "{why}; its packages are not counted (the estimate falls back to the heuristics)"
                ));
            };
            let text = match std::fs::read(&full).map(String::from_utf8) {
                Ok(Ok(t)) => t,
                Ok(Err(bad)) => {
                    let valid = bad.utf8_error().valid_up_to();
                    let prefix = std::str::from_utf8(&bad.as_bytes()[..valid]).unwrap_or("");
                    let (line, col) = lockfiles::line_col(prefix, prefix.len());
                    broken(format!(
                        "{}:{line}:{col}: not valid UTF-8 (byte {valid})",
                        full.display()
                    ));
                    continue;
                }
                Err(err) => {
                    broken(format!("{}: cannot be read ({err})", full.display()));
                    continue;
                }
            };
            let count = match lockfiles::count(base, &text) {
                Some(Ok(c)) => Some(PackageCount {
                    packages: c.packages as u64,
                    locked: true,
                }),
                Some(Err(err)) => {
                    broken(format!(
                        "{}:{}:{}: not a valid {}: {}",
                        full.display(),
                        err.line,
                        err.column,
                        err.file,
                        err.message
                    ));
                    None
                }
                None => match manifest_count(base, &text) {
                    Some(Ok(n)) => Some(PackageCount {
                        packages: n,
                        locked: false,
                    }),
                    Some(Err((line, col, why))) => {
                        broken(format!(
                            "{}:{line}:{col}: not a valid {base}: {why}",
                            full.display()
                        ));
                        None
                    }
                    None => None,
                },
            };
            if let Some(c) = count {
                self.by_digest.insert(e.digest.clone(), c);
            }
            let named = if crate::ecosystem::pip::is_requirements_name(base) {
                Some(crate::ecosystem::pip::named_requirements(&text))
            } else if base == "package.json" {
                crate::ecosystem::npm::package_json_deps(&text)
            } else {
                None
            };
            if let Some(n) = named {
                self.names.insert(e.digest.clone(), n);
            }
        }
    }

    /// Lockfiles found but not counted, each with its file:line:col and why.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    pub fn get(&self, digest: &str) -> Option<PackageCount> {
        self.by_digest.get(digest).copied()
    }

    pub fn merge(&mut self, other: &PackageCounts) {
        for (k, v) in &other.by_digest {
            self.by_digest.entry(k.clone()).or_insert(*v);
        }
        for (k, v) in &other.names {
            self.names.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }

    /// The packages a manifest names, when it was read.
    pub fn names(&self, digest: &str) -> Option<&[Dep]> {
        self.names.get(digest).map(Vec::as_slice)
    }

    /// The packages manifest `now` names that manifest `was` did not (by name; both read).
    pub fn added(&self, was: &str, now: &str) -> Option<Vec<&Dep>> {
        let (w, n) = (self.names.get(was)?, self.names.get(now)?);
        Some(
            n.iter()
                .filter(|d| !w.iter().any(|o| o.name == d.name))
                .collect(),
        )
    }

    /// Every package added between two manifests of the same path (what `estimate
    /// --registry` looks up): `pairs` are (was, now) digests.
    pub fn added_between<'a>(
        &'a self,
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Vec<&'a Dep> {
        let mut out: Vec<&Dep> = Vec::new();
        for (w, n) in pairs {
            for d in self.added(w, n).unwrap_or_default() {
                if !out.iter().any(|o| o.kind == d.kind && o.name == d.name) {
                    out.push(d);
                }
            }
        }
        out
    }
}

/// Packages sized by their registries (`estimate --registry`), by registry and name.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackageSizes {
    by_name: BTreeMap<(Kind, String), Sized>,
}

impl PackageSizes {
    pub fn insert(&mut self, s: Sized) {
        self.by_name.insert((s.registry, s.name.clone()), s);
    }

    pub fn get(&self, kind: Kind, name: &str) -> Option<&Sized> {
        self.by_name.get(&(kind, name.to_string()))
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
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
        // What a manifest gained: by name, whatever its pin.
        let names = |t: &str| {
            let d = tempfile::tempdir().unwrap();
            std::fs::write(d.path().join("requirements.txt"), t).unwrap();
            let tree = ContextTree::load(d.path(), None).unwrap();
            let c = PackageCounts::scan(d.path(), &tree);
            (c, tree.get("requirements.txt").unwrap().digest.clone())
        };
        let (mut was, w) = names("flask==3.0.3\nrequests\n");
        let (now, n2) = names("flask==3.0.4\nrequests\nNumPy==1.26.4\n");
        was.merge(&now);
        let added: Vec<&str> = was
            .added(&w, &n2)
            .unwrap()
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(added, ["numpy"]);
        assert_eq!(was.added(&w, "unknown"), None);
        assert_eq!(
            was.added_between([(w.as_str(), n2.as_str()), (w.as_str(), n2.as_str())])
                .len(),
            1
        );
        assert!(c.warnings().is_empty(), "{:?}", c.warnings());
    }

    /// A broken lockfile is a warning naming file:line:col, once per
    /// content, and gets no count; a good one beside it still counts.
    #[test]
    fn broken_lockfiles_are_reported_not_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let w = |p: &str, t: &[u8]| {
            std::fs::create_dir_all(dir.path().join(p).parent().unwrap()).unwrap();
            std::fs::write(dir.path().join(p), t).unwrap()
        };
        w("web/package-lock.json", b"{\n  \"packages\": {,\n}");
        w(
            "api/poetry.lock",
            b"[[package]]\nname = \"a\"\nversion = \"1\"\n",
        );
        w("bin/Cargo.lock", b"version = 3\n\xff\n");
        w(
            "ok/uv.lock",
            b"[[package]]\nname = \"a\"\n[[package]]\nname = \"b\"\n",
        );
        let tree = ContextTree::load(dir.path(), None).unwrap();
        let mut c = PackageCounts::scan(dir.path(), &tree);
        let warned = c.warnings().join("\n");
        let json = format!(
            "{}:2:16: not a valid package-lock.json",
            dir.path().join("web/package-lock.json").display()
        );
        let utf8 = format!(
            "{}:2:1: not valid UTF-8 (byte 12)",
            dir.path().join("bin/Cargo.lock").display()
        );
        assert!(warned.contains(&json), "{warned}");
        assert!(warned.contains(&utf8), "{warned}");
        assert!(warned.contains("falls back to the heuristics"), "{warned}");
        assert_eq!(c.warnings().len(), 2, "{warned}");
        assert_eq!(
            c.get(&tree.get("web/package-lock.json").unwrap().digest),
            None
        );
        assert_eq!(
            c.get(&tree.get("ok/uv.lock").unwrap().digest)
                .map(|c| c.packages),
            Some(2)
        );
        // Read again (the other side of a change): not reported twice.
        c.add(dir.path(), &tree);
        assert_eq!(c.warnings().len(), 2);
    }

    /// A package.json that does not parse is said like a broken lockfile
    /// (it was skipped silently: the install then had no count and nothing
    /// said why).
    #[test]
    fn a_broken_package_json_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("package.json"),
            "{\n  \"dependencies\": {\"a\": \"1\",}\n}\n",
        )
        .unwrap();
        let tree = ContextTree::load(dir.path(), None).unwrap();
        let c = PackageCounts::scan(dir.path(), &tree);
        let warned = c.warnings().join("\n");
        let at = format!(
            "{}:2:29: not a valid package.json",
            dir.path().join("package.json").display()
        );
        assert!(warned.contains(&at), "{warned}");
        assert_eq!(c.get(&tree.get("package.json").unwrap().digest), None);
    }
}
