//! `ContextTree`: the build context as BuildKit sees it after `.dockerignore`.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::dockerignore::{DockerIgnore, IgnoreError};
use super::entry::{Entry, EntryKind};
use super::filter::{add_parents, verdict, Verdict};
use super::hash::{compute_dir_digests, hash_file, unreadable_digest};
use super::path::ancestors;
use super::walk::walk;
use super::warning::{ContextWarning, WarningKind};

/// Snapshot format version written by `to_json` and required by `from_json`.
pub const SNAPSHOT_VERSION: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("build context {0} does not exist")]
    NotFound(PathBuf),
    #[error("build context {0} is not a directory")]
    NotADirectory(PathBuf),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{path}: {source}")]
    Ignore {
        path: PathBuf,
        #[source]
        source: IgnoreError,
    },
}

/// The ignore file a tree was filtered with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoreSource {
    /// Where it was read from (as given to `load`), or `<memory>` for `with_ignore`.
    pub path: String,
    /// Its full text, so a later run can re-parse it without the old tree.
    pub text: String,
}

/// Files, directories and bytes of (part of) a context.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextStats {
    /// Every non-directory entry (regular files, links, special files).
    pub files: u64,
    /// Directories, not counting the root.
    pub dirs: u64,
    /// Sum of regular-file sizes.
    pub bytes: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextTree {
    pub(crate) version: u32,
    pub(crate) ignore: Option<IgnoreSource>,
    /// Keyed by cleaned `/`-separated path relative to the context root; the root is `""`.
    pub(crate) entries: BTreeMap<String, Entry>,
    #[serde(default)]
    pub(crate) warnings: Vec<ContextWarning>,
}

impl ContextTree {
    /// Reads the context at `root`, filtered by `<dockerfile>.dockerignore` if that file exists
    /// next to the Dockerfile, else by `<root>/.dockerignore` (never both). A relative
    /// `dockerfile` is taken relative to `root`.
    pub fn load(root: &Path, dockerfile: Option<&Path>) -> Result<ContextTree, ContextError> {
        check_root(root)?;
        let ignore = read_ignore(root, dockerfile)?;
        Ok(Self::load_filtered(root, ignore))
    }

    /// Reads the context with no `.dockerignore` at all (e.g. to measure what one would save).
    pub fn load_unfiltered(root: &Path) -> Result<ContextTree, ContextError> {
        check_root(root)?;
        Ok(Self::load_filtered(root, None))
    }

    fn load_filtered(root: &Path, ignore: Option<(IgnoreSource, DockerIgnore)>) -> ContextTree {
        let walked = walk(root, ignore.as_ref().map(|(_, ig)| ig));
        let mut entries = walked.entries;
        let mut warnings = walked.warnings;
        let hashed: Vec<(String, io::Result<(String, u64)>)> = walked
            .files
            .par_iter()
            .map(|(key, path)| {
                let res = match entries.get(key) {
                    Some(e) => hash_file(path, e),
                    None => Err(io::Error::other("entry vanished")),
                };
                (key.clone(), res)
            })
            .collect();
        for (key, res) in hashed {
            let Some(e) = entries.get_mut(&key) else {
                continue;
            };
            match res {
                Ok((digest, size)) => {
                    e.digest = digest;
                    e.size = size;
                }
                Err(err) => {
                    e.digest = unreadable_digest(e);
                    warnings.push(ContextWarning {
                        path: key,
                        kind: WarningKind::Unreadable(err.to_string()),
                    });
                }
            }
        }
        for e in entries.values_mut() {
            if e.kind != EntryKind::File && !e.is_dir() {
                e.digest = e.header_digest();
            }
        }
        compute_dir_digests(&mut entries);
        let mut tree = ContextTree {
            version: super::tree::SNAPSHOT_VERSION,
            ignore: ignore.map(|(src, _)| src),
            entries,
            warnings,
        };
        tree.warn_broken_symlinks();
        tree.warnings.sort_by(|a, b| a.path.cmp(&b.path));
        tree
    }

    fn warn_broken_symlinks(&mut self) {
        let broken: Vec<ContextWarning> = self
            .entries
            .iter()
            .filter(|(_, e)| e.kind == EntryKind::Symlink)
            .filter(|(k, _)| self.resolve(k, true).is_err())
            .map(|(k, e)| ContextWarning {
                path: k.clone(),
                kind: WarningKind::BrokenSymlink(e.link_target.clone().unwrap_or_default()),
            })
            .collect();
        self.warnings.extend(broken);
    }

    pub fn warnings(&self) -> &[ContextWarning] {
        &self.warnings
    }

    /// The entry at a context path (`./a`, `a/`, `/a` all name `a`; `.` is the root).
    pub fn get(&self, rel: &str) -> Option<&Entry> {
        self.entries.get(&super::path::to_context_key(rel))
    }

    /// All entries in path order, root (`""`) first.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, e)| (k.as_str(), e))
    }

    /// The ignore file this tree was filtered with, if any.
    pub fn ignore_source(&self) -> Option<&IgnoreSource> {
        self.ignore.as_ref()
    }

    /// Number of regular files.
    pub fn file_count(&self) -> usize {
        self.entries
            .values()
            .filter(|e| e.kind == EntryKind::File)
            .count()
    }

    /// Sum of regular-file sizes.
    pub fn total_bytes(&self) -> u64 {
        self.stats().bytes
    }

    pub fn stats(&self) -> ContextStats {
        stats_of(
            self.entries
                .iter()
                .filter(|(k, _)| !k.is_empty())
                .map(|(_, e)| e),
        )
    }

    /// Digest of the whole context (what `COPY . …` or a bind mount without `source` sees).
    pub fn root_digest(&self) -> String {
        self.entries
            .get("")
            .map(|e| e.digest.clone())
            .unwrap_or_default()
    }

    /// This tree filtered again by `ignore`, as if the walk had used it: entries removed,
    /// parents of re-included entries kept, directory digests recomputed. Applied to a tree
    /// from `load_unfiltered` it gives what `load` would have produced with that file.
    pub fn with_ignore(&self, ignore: &DockerIgnore, text: &str) -> ContextTree {
        let mut kept = BTreeMap::new();
        let mut pool: HashMap<String, Entry> = HashMap::new();
        let mut pruned: HashSet<&str> = HashSet::new();
        for (key, e) in &self.entries {
            if key.is_empty() {
                kept.insert(key.clone(), e.clone());
                continue;
            }
            if ancestors(key).any(|a| pruned.contains(a)) {
                continue;
            }
            match verdict(Some(ignore), key, e.is_dir()) {
                Verdict::Keep => {
                    kept.insert(key.clone(), e.clone());
                }
                Verdict::Excluded => {
                    if e.is_dir() {
                        pool.insert(key.clone(), e.clone());
                    }
                }
                Verdict::Prune => {
                    pruned.insert(key);
                }
            }
        }
        add_parents(&mut kept, &pool);
        compute_dir_digests(&mut kept);
        let warnings = self
            .warnings
            .iter()
            .filter(|w| kept.contains_key(&w.path))
            .cloned()
            .collect();
        ContextTree {
            version: SNAPSHOT_VERSION,
            ignore: Some(IgnoreSource {
                path: "<memory>".to_string(),
                text: text.to_string(),
            }),
            entries: kept,
            warnings,
        }
    }

    /// What `ignore` would remove from this tree (files, dirs, bytes). Use on a tree from
    /// `load_unfiltered`: "`.git` adds 40 MB to your context".
    pub fn excluded_by(&self, ignore: &DockerIgnore) -> ContextStats {
        let filtered = self.with_ignore(ignore, "");
        stats_of(
            self.entries
                .iter()
                .filter(|(k, _)| !k.is_empty() && !filtered.entries.contains_key(*k))
                .map(|(_, e)| e),
        )
    }
}

fn stats_of<'a>(entries: impl Iterator<Item = &'a Entry>) -> ContextStats {
    let mut s = ContextStats::default();
    for e in entries {
        match e.kind {
            EntryKind::Dir => s.dirs += 1,
            EntryKind::File => {
                s.files += 1;
                s.bytes += e.size;
            }
            _ => s.files += 1,
        }
    }
    s
}

fn check_root(root: &Path) -> Result<(), ContextError> {
    match std::fs::metadata(root) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(ContextError::NotADirectory(root.to_path_buf())),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Err(ContextError::NotFound(root.to_path_buf()))
        }
        Err(source) => {
            return Err(ContextError::Io {
                path: root.to_path_buf(),
                source,
            })
        }
    }
    // An unlistable root is fatal (nothing could be sent); deeper problems are warnings.
    std::fs::read_dir(root)
        .map(|_| ())
        .map_err(|source| ContextError::Io {
            path: root.to_path_buf(),
            source,
        })
}

/// §9.1: `<dockerfile>.dockerignore` next to the Dockerfile wins, else `<root>/.dockerignore`.
fn read_ignore(
    root: &Path,
    dockerfile: Option<&Path>,
) -> Result<Option<(IgnoreSource, DockerIgnore)>, ContextError> {
    let mut candidates = Vec::new();
    if let Some(df) = dockerfile {
        let df = if df.is_absolute() {
            df.to_path_buf()
        } else {
            root.join(df)
        };
        let mut name = df.as_os_str().to_owned();
        name.push(".dockerignore");
        candidates.push(PathBuf::from(name));
    }
    candidates.push(root.join(".dockerignore"));
    for path in candidates {
        let bytes = match std::fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(source) => return Err(ContextError::Io { path, source }),
        };
        // Go reads bytes; invalid UTF-8 can only appear inside patterns, where a lossy
        // replacement keeps every valid line intact.
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let ig = DockerIgnore::parse(&text).map_err(|source| ContextError::Ignore {
            path: path.clone(),
            source,
        })?;
        let src = IgnoreSource {
            path: path.to_string_lossy().into_owned(),
            text,
        };
        return Ok(Some((src, ig)));
    }
    Ok(None)
}
