//! Resolving COPY/ADD (and bind-mount) sources against a context tree, and the content digest
//! BuildKit keys the operation on (buildkit-cache.md §6.2, §6.3 "What a COPY is keyed on").

use std::collections::VecDeque;

use sha2::{Digest, Sha256};

use super::entry::EntryKind;
use super::glob::{compile_path_match, has_wildcards, GlobError};
use super::path::{base_name, is_within, to_context_key};
use super::tree::ContextTree;

/// Symlink hops allowed while resolving one source (Linux uses 40 too).
const MAX_LINK_HOPS: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    /// A non-wildcard source that is missing (or ignored), or a link to something missing.
    #[error("\"/{0}\" not found")]
    NotFound(String),
    #[error("\"/{0}\": too many levels of symbolic links")]
    SymlinkLoop(String),
    #[error("bad wildcard {pattern:?}: {reason}")]
    BadPattern { pattern: String, reason: GlobError },
}

/// One top-level match of a source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matched {
    /// The path that matched, as a tree key.
    pub path: String,
    /// Where it leads after following a top-level symlink (== `path` otherwise).
    pub resolved: String,
    /// Content digest of `resolved`.
    pub digest: String,
}

/// The matches of one source string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceSelection {
    /// The cleaned source (tree key form; `""` is the root).
    pub source: String,
    pub wildcard: bool,
    pub matches: Vec<Matched>,
}

impl SourceSelection {
    /// Checksum of one selector: the single path's digest; for a wildcard, the `"\0"`-joined
    /// `basename ‖ digest` of each match in path order (v0.8), except that a single match with
    /// the pattern's own base name is just its digest.
    fn digest(&self) -> String {
        if !self.wildcard {
            return self
                .matches
                .first()
                .map(|m| m.digest.clone())
                .unwrap_or_default();
        }
        if let [only] = self.matches.as_slice() {
            if base_name(&only.path) == base_name(&self.source) {
                return only.digest.clone();
            }
        }
        let mut h = Sha256::new();
        for (i, m) in self.matches.iter().enumerate() {
            if i > 0 {
                h.update(b"\0");
            }
            h.update(base_name(&m.path).as_bytes());
            h.update(m.digest.as_bytes());
        }
        hex::encode(h.finalize())
    }
}

/// What a COPY/ADD with several sources reads from the context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    sources: Vec<SourceSelection>,
}

impl Selection {
    /// Every matched path, per source in source order.
    pub fn paths(&self) -> Vec<&str> {
        self.sources
            .iter()
            .flat_map(|s| s.matches.iter().map(|m| m.path.as_str()))
            .collect()
    }

    pub fn sources(&self) -> &[SourceSelection] {
        &self.sources
    }

    /// True if nothing matched (only possible with wildcards).
    pub fn is_empty(&self) -> bool {
        self.sources.iter().all(|s| s.matches.is_empty())
    }

    /// The content part of the cache key. One selector → its checksum. Several → BuildKit's
    /// `dedupeSelectors`: non-wildcard paths nested under (or equal to) another are dropped,
    /// selectors sorted by path, checksums joined with `"\0"` and hashed.
    pub fn digest(&self) -> String {
        let plain: Vec<&SourceSelection> = self.sources.iter().filter(|s| !s.wildcard).collect();
        let mut kept: Vec<&SourceSelection> = Vec::new();
        for (i, s) in plain.iter().enumerate() {
            let covered = plain.iter().enumerate().any(|(j, o)| {
                j != i
                    && is_within(&s.source, &o.source)
                    // Of two equal paths keep the first.
                    && (s.source != o.source || j < i)
            });
            if !covered {
                kept.push(s);
            }
        }
        kept.extend(self.sources.iter().filter(|s| s.wildcard));
        kept.sort_by(|a, b| a.source.cmp(&b.source));
        if let [only] = kept.as_slice() {
            return only.digest();
        }
        let mut h = Sha256::new();
        for (i, s) in kept.iter().enumerate() {
            if i > 0 {
                h.update(b"\0");
            }
            h.update(s.digest().as_bytes());
        }
        hex::encode(h.finalize())
    }
}

impl ContextTree {
    /// Resolves COPY/ADD sources. A missing non-wildcard source is `NotFound`; a wildcard with
    /// no match selects nothing. Top-level symlinks are followed inside the context.
    pub fn select(&self, sources: &[&str]) -> Result<Selection, SelectError> {
        let sources = sources
            .iter()
            .map(|s| self.select_one(s))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selection { sources })
    }

    /// The digest a `RUN --mount=type=bind,source=…` (or COPY) would be keyed on. An empty
    /// list means the whole context.
    pub fn digest_of_paths(&self, sources: &[&str]) -> Result<String, SelectError> {
        if sources.is_empty() {
            return Ok(self.root_digest());
        }
        Ok(self.select(sources)?.digest())
    }

    fn select_one(&self, raw: &str) -> Result<SourceSelection, SelectError> {
        let source = to_context_key(raw);
        if !has_wildcards(&source) {
            let resolved = self.resolve(&source, true)?;
            let digest = self.digest_at(&resolved, &source)?;
            return Ok(SourceSelection {
                matches: vec![Matched {
                    path: source.clone(),
                    resolved,
                    digest,
                }],
                source,
                wildcard: false,
            });
        }
        let prog = compile_path_match(&source).map_err(|reason| SelectError::BadPattern {
            pattern: source.clone(),
            reason,
        })?;
        // `*` never crosses `/`, so every match lies under the pattern's literal leading dirs.
        let prefix = literal_dir_prefix(&source);
        let mut matches = Vec::new();
        for key in self
            .entries
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix.as_str()))
        {
            if key.is_empty() || !prog.is_match(key) {
                continue;
            }
            let resolved = self.resolve(key, true)?;
            let digest = self.digest_at(&resolved, key)?;
            matches.push(Matched {
                path: key.clone(),
                resolved,
                digest,
            });
        }
        Ok(SourceSelection {
            source,
            wildcard: true,
            matches,
        })
    }

    fn digest_at(&self, resolved: &str, source: &str) -> Result<String, SelectError> {
        self.entries
            .get(resolved)
            .map(|e| e.digest.clone())
            .ok_or_else(|| SelectError::NotFound(source.to_string()))
    }

    /// Resolves a tree key, following symlinks in parent components (and in the last one if
    /// `follow_last`). The context root acts as `/`: absolute targets start there and `..`
    /// stops there, as in BuildKit's scoped lookups, so nothing can leave the context.
    pub(crate) fn resolve(&self, key: &str, follow_last: bool) -> Result<String, SelectError> {
        let not_found = || SelectError::NotFound(key.to_string());
        let mut pending: VecDeque<String> = key.split('/').map(str::to_string).collect();
        let mut cur: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(comp) = pending.pop_front() {
            match comp.as_str() {
                "" | "." => continue,
                ".." => {
                    cur.pop();
                    continue;
                }
                _ => {}
            }
            cur.push(comp);
            let here = cur.join("/");
            let entry = self.entries.get(&here).ok_or_else(not_found)?;
            let is_last = pending.iter().all(|c| c.is_empty() || c == ".");
            match entry.kind {
                EntryKind::Symlink if !is_last || follow_last => {
                    hops += 1;
                    if hops > MAX_LINK_HOPS {
                        return Err(SelectError::SymlinkLoop(key.to_string()));
                    }
                    cur.pop();
                    let target = entry.link_target.as_deref().unwrap_or("");
                    if target.starts_with('/') {
                        cur.clear();
                    }
                    for c in target.split('/').rev() {
                        pending.push_front(c.to_string());
                    }
                }
                EntryKind::Dir => {}
                _ if !is_last => return Err(not_found()),
                _ => {}
            }
        }
        Ok(cur.join("/"))
    }
}

/// The leading pattern components without wildcards, with a trailing `/` (or `""`).
fn literal_dir_prefix(pattern: &str) -> String {
    let mut prefix = String::new();
    let comps: Vec<&str> = pattern.split('/').collect();
    for c in &comps[..comps.len().saturating_sub(1)] {
        if has_wildcards(c) || c.contains('\\') {
            break;
        }
        prefix.push_str(c);
        prefix.push('/');
    }
    prefix
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use std::fs;

    fn digest(t: &ContextTree, sources: &[&str]) -> String {
        t.select(sources).unwrap().digest()
    }

    #[test]
    fn spellings_of_a_source_are_equal() {
        let dir = tree_with(&[("a", "a"), ("d/x", "x")]);
        let t = load(dir.path());
        let d = digest(&t, &["a"]);
        for s in ["./a", "a/", "/a", "d/../a"] {
            assert_eq!(digest(&t, &[s]), d, "{s}");
        }
        assert_eq!(digest(&t, &["d/"]), digest(&t, &["d"]));
        assert_eq!(digest(&t, &["."]), t.root_digest());
        assert_eq!(t.digest_of_paths(&[]).unwrap(), t.root_digest());
        assert_eq!(t.select(&["./a"]).unwrap().paths(), vec!["a"]);
    }

    #[test]
    fn same_bytes_in_other_dir_is_same_digest() {
        let dir = tree_with(&[("dir1/a.txt", "same"), ("dir2/a.txt", "same")]);
        let t = load(dir.path());
        assert_eq!(digest(&t, &["dir1/a.txt"]), digest(&t, &["dir2/a.txt"]));
    }

    #[test]
    fn missing_or_ignored_source_is_not_found() {
        let dir = tree_with(&[(".dockerignore", "secret"), ("secret", "s")]);
        let t = load(dir.path());
        assert_eq!(
            t.select(&["nope"]).err(),
            Some(SelectError::NotFound("nope".into()))
        );
        assert_eq!(
            t.select(&["./secret"]).err(),
            Some(SelectError::NotFound("secret".into()))
        );
    }

    #[test]
    fn wildcards_add_matching_misses_add_other_hits() {
        let dir = tree_with(&[("a.txt", "a"), ("r.md", "r"), ("d/x.txt", "x")]);
        let t0 = load(dir.path());
        let sel = t0.select(&["*.txt"]).unwrap();
        assert_eq!(sel.paths(), vec!["a.txt"]);
        write(dir.path(), "c.cfg", "c");
        let t1 = load(dir.path());
        assert_eq!(digest(&t0, &["*.txt"]), digest(&t1, &["*.txt"]));
        write(dir.path(), "b.txt", "b");
        let t2 = load(dir.path());
        assert_ne!(digest(&t1, &["*.txt"]), digest(&t2, &["*.txt"]));
        assert_eq!(
            t2.select(&["*.txt"]).unwrap().paths(),
            vec!["a.txt", "b.txt"]
        );
        assert_eq!(t2.select(&["d/?.txt"]).unwrap().paths(), vec!["d/x.txt"]);
        assert_eq!(t2.select(&["[ab].txt"]).unwrap().paths().len(), 2);
    }

    #[test]
    fn empty_wildcard_is_not_an_error() {
        let t = load(tree_with(&[("a", "a")]).path());
        let sel = t.select(&["*.none"]).unwrap();
        assert!(sel.is_empty());
        assert!(matches!(
            t.select(&["[oops"]),
            Err(SelectError::BadPattern { .. })
        ));
    }

    #[test]
    fn several_sources_dedupe_nested_and_sort() {
        let dir = tree_with(&[("d/x", "x"), ("a", "a"), ("b", "b")]);
        let t = load(dir.path());
        assert_eq!(digest(&t, &["d", "d/x"]), digest(&t, &["d"]));
        assert_eq!(digest(&t, &["a", "a"]), digest(&t, &["a"]));
        assert_eq!(digest(&t, &["a", "b"]), digest(&t, &["b", "a"]));
        assert_ne!(digest(&t, &["a", "b"]), digest(&t, &["a"]));
        assert_eq!(digest(&t, &[".", "a"]), t.root_digest());
    }

    #[test]
    fn top_level_links_are_followed_nested_ones_are_not() {
        let dir = tree_with(&[("t1", "one"), ("t2", "one"), ("e/keep", "k")]);
        symlink(dir.path(), "e/link", "../t1");
        symlink(dir.path(), "toplink", "t1");
        let t0 = load(dir.path());
        let sel = t0.select(&["toplink"]).unwrap();
        assert_eq!(sel.sources()[0].matches[0].resolved, "t1");
        assert_eq!(sel.digest(), digest(&t0, &["t1"]));

        write(dir.path(), "t1", "changed");
        let t1 = load(dir.path());
        assert_eq!(digest(&t0, &["e"]), digest(&t1, &["e"]));
        assert_ne!(digest(&t0, &["toplink"]), digest(&t1, &["toplink"]));

        symlink(dir.path(), "e/link", "../t2");
        let t2 = load(dir.path());
        assert_ne!(digest(&t1, &["e"]), digest(&t2, &["e"]));
    }

    #[test]
    fn links_stay_inside_the_context() {
        let dir = tree_with(&[("etc/passwd", "p"), ("real/f", "f")]);
        symlink(dir.path(), "abs", "/etc/passwd");
        symlink(dir.path(), "up", "../../../../real");
        symlink(dir.path(), "out", "../../../../nonexistent");
        symlink(dir.path(), "loop1", "loop2");
        symlink(dir.path(), "loop2", "loop1");
        let t = load(dir.path());
        assert_eq!(digest(&t, &["abs"]), digest(&t, &["etc/passwd"]));
        assert_eq!(digest(&t, &["up/f"]), digest(&t, &["real/f"]));
        assert_eq!(
            t.select(&["out"]).err(),
            Some(SelectError::NotFound("out".into()))
        );
        assert_eq!(
            t.select(&["loop1"]).err(),
            Some(SelectError::SymlinkLoop("loop1".into()))
        );
        assert!(matches!(
            t.select(&["a.txt/x"]),
            Err(SelectError::NotFound(_))
        ));
    }

    #[test]
    fn mount_source_digest_ignores_unrelated_edits() {
        let dir = tree_with(&[("req.txt", "r"), ("other.txt", "o")]);
        let t0 = load(dir.path());
        write(dir.path(), "other.txt", "o2");
        let f = fs::File::options()
            .write(true)
            .open(dir.path().join("req.txt"))
            .unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        let t1 = load(dir.path());
        assert_eq!(
            t0.digest_of_paths(&["req.txt"]).unwrap(),
            t1.digest_of_paths(&["req.txt"]).unwrap()
        );
        assert_ne!(
            t0.digest_of_paths(&[]).unwrap(),
            t1.digest_of_paths(&[]).unwrap()
        );
    }
}
