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
    #[error(transparent)]
    Read(#[from] crate::source::SourceError),
    #[error("{}:{source}", path.display())]
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
    /// next to the Dockerfile, else by `<root>/.dockerignore` (never both). `dockerfile` is
    /// a path as the user gave it (relative to the working directory), not relative to `root`.
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
            .filter_map(|(k, e)| self.resolve(k, true).err().map(|err| (k, e, err)))
            .map(|(k, e, err)| ContextWarning {
                path: k.clone(),
                kind: match err {
                    super::select::SelectError::SymlinkLoop(_) => {
                        WarningKind::SymlinkLoop(e.link_target.clone().unwrap_or_default())
                    }
                    _ => WarningKind::BrokenSymlink(e.link_target.clone().unwrap_or_default()),
                },
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

    /// Whether an entry is at the context key `key` or below it (`""`: any
    /// entry). A range of the sorted keys, not a scan: the hazard check asks
    /// it once per path a RUN reads.
    pub fn has_at_or_under(&self, key: &str) -> bool {
        if key.is_empty() {
            return !self.entries.is_empty();
        }
        self.entries.contains_key(key)
            || self
                .entries
                .range(format!("{key}/")..)
                .next()
                .is_some_and(|(k, _)| k.starts_with(key) && k[key.len()..].starts_with('/'))
    }

    /// The names directly in the folder at context key `key` (`""`: the
    /// root), in order: a range of the sorted keys, not a scan.
    pub fn children<'a>(&'a self, key: &str) -> impl Iterator<Item = &'a str> + 'a {
        let prefix = if key.is_empty() {
            String::new()
        } else {
            format!("{key}/")
        };
        let plen = prefix.len();
        self.entries
            .range(prefix.clone()..)
            .map(|(k, _)| k.as_str())
            .take_while(move |k| k.starts_with(&prefix))
            .filter_map(move |k| {
                let name = &k[plen..];
                (!name.is_empty() && !name.contains('/')).then_some(name)
            })
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

/// The build context dockopt uses for a Dockerfile when none is given: the
/// Dockerfile's folder (`.` for a bare file name), as `docker build -f
/// dir/Dockerfile dir` would be run.
pub fn default_root(dockerfile: &Path) -> &Path {
    dockerfile
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// §9.1: `<dockerfile>.dockerignore` next to the Dockerfile wins, else `<root>/.dockerignore`.
/// `dockerfile` is a path as the user gave it (relative to the working
/// directory, as `docker build -f` takes it), not relative to `root`.
pub(crate) fn read_ignore(
    root: &Path,
    dockerfile: Option<&Path>,
) -> Result<Option<(IgnoreSource, DockerIgnore)>, ContextError> {
    let mut candidates = Vec::new();
    if let Some(df) = dockerfile {
        let mut name = df.as_os_str().to_owned();
        name.push(".dockerignore");
        candidates.push(PathBuf::from(name));
    }
    candidates.push(root.join(".dockerignore"));
    for path in candidates {
        // Capped and regular files only: a FIFO named .dockerignore must not block.
        let bytes = match crate::source::read_regular(&path, crate::source::MAX_CONTEXT_TEXT_BYTES)
        {
            Ok(b) => b,
            // The docker CLI treats a dangling link like no file (os.IsNotExist).
            Err(
                crate::source::SourceError::NotFound { .. }
                | crate::source::SourceError::DanglingLink { .. },
            ) => continue,
            Err(e) => return Err(e.into()),
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

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;
    use std::fs;

    #[test]
    fn missing_and_non_dir_root_are_typed_errors() {
        let dir = tree_with(&[("f", "x")]);
        assert!(matches!(
            ContextTree::load(&dir.path().join("nope"), None),
            Err(ContextError::NotFound(_))
        ));
        assert!(matches!(
            ContextTree::load(&dir.path().join("f"), None),
            Err(ContextError::NotADirectory(_))
        ));
    }

    #[test]
    fn entries_modes_and_links() {
        let dir = tree_with(&[("a.txt", "hello"), ("d/b.txt", "b")]);
        symlink(dir.path(), "d/link", "../a.txt");
        chmod(dir.path(), "a.txt", 0o4755);
        let t = load(dir.path());
        assert_eq!(keys(&t), vec!["", "a.txt", "d", "d/b.txt", "d/link"]);
        let a = t.get("./a.txt").unwrap();
        assert_eq!((a.kind, a.mode, a.size), (EntryKind::File, 0o4755, 5));
        let l = t.get("d/link").unwrap();
        assert_eq!((l.kind, l.mode), (EntryKind::Symlink, 0o777));
        assert_eq!(l.link_target.as_deref(), Some("../a.txt"));
        assert_eq!(t.file_count(), 2);
        assert_eq!(t.total_bytes(), 6);
        assert!(t.warnings().is_empty(), "{:?}", t.warnings());
    }

    #[test]
    fn touch_and_root_chmod_keep_digest_but_chmod_x_changes_it() {
        let dir = tree_with(&[("a.txt", "a"), ("d/b", "b")]);
        let before = load(dir.path());
        let f = fs::File::options()
            .write(true)
            .open(dir.path().join("a.txt"))
            .unwrap();
        f.set_modified(std::time::SystemTime::UNIX_EPOCH).unwrap();
        chmod(dir.path(), ".", 0o700);
        let after = load(dir.path());
        assert_eq!(before.root_digest(), after.root_digest());
        chmod(dir.path(), "a.txt", 0o755);
        let x = load(dir.path());
        assert_ne!(
            before.get("a.txt").unwrap().digest,
            x.get("a.txt").unwrap().digest
        );
        assert_ne!(before.root_digest(), x.root_digest());
        assert_eq!(before.get("d").unwrap().digest, x.get("d").unwrap().digest);
    }

    #[test]
    fn rename_empty_dir_and_subdir_mode_change_dir_digest() {
        let dir = tree_with(&[("e/y", "y"), ("e/z", "z")]);
        let base = load(dir.path()).get("e").unwrap().digest.clone();
        fs::rename(dir.path().join("e/y"), dir.path().join("e/y2")).unwrap();
        let renamed = load(dir.path()).get("e").unwrap().digest.clone();
        assert_ne!(base, renamed);
        mkdir(dir.path(), "e/empty");
        let with_empty = load(dir.path()).get("e").unwrap().digest.clone();
        assert_ne!(renamed, with_empty);
        chmod(dir.path(), "e", 0o700);
        assert_ne!(with_empty, load(dir.path()).get("e").unwrap().digest);
    }

    #[test]
    fn copying_the_project_elsewhere_keeps_digests() {
        let a = tree_with(&[("x", "1"), ("d/y", "2")]);
        let b = tree_with(&[("d/y", "2"), ("x", "1")]);
        assert_eq!(load(a.path()).root_digest(), load(b.path()).root_digest());
    }

    #[test]
    fn i05_reincluded_file_brings_parent_only() {
        let dir = tree_with(&[
            (".dockerignore", "build\n!build/keep.txt"),
            ("build/keep.txt", "k"),
            ("build/out.o", "o"),
            ("build/sub/x", "x"),
        ]);
        let t = load(dir.path());
        assert_eq!(
            keys(&t),
            vec!["", ".dockerignore", "build", "build/keep.txt"]
        );
        assert!(t.get("build").unwrap().is_dir());
    }

    #[test]
    fn i04_and_i16_trees() {
        let dir = tree_with(&[
            (".dockerignore", "*\n!src\n!Dockerfile"),
            ("Dockerfile", "FROM x"),
            ("src/a/b.rs", "b"),
            ("other/c", "c"),
            ("top.txt", "t"),
        ]);
        assert_eq!(
            keys(&load(dir.path())),
            vec!["", "Dockerfile", "src", "src/a", "src/a/b.rs"]
        );
        let dir = tree_with(&[
            (".dockerignore", "a\n!a/b/c/c.txt"),
            ("a/b/c/c.txt", "c"),
            ("a/b/c/d.txt", "d"),
            ("a/x", "x"),
        ]);
        assert_eq!(
            keys(&load(dir.path())),
            vec!["", ".dockerignore", "a", "a/b", "a/b/c", "a/b/c/c.txt"]
        );
    }

    #[test]
    fn ignored_changes_do_not_matter() {
        let dir = tree_with(&[(".dockerignore", "*.log"), ("a.txt", "a"), ("x.log", "1")]);
        let before = load(dir.path()).root_digest();
        write(dir.path(), "x.log", "2");
        write(dir.path(), "new.log", "3");
        assert_eq!(before, load(dir.path()).root_digest());
    }

    #[test]
    fn dockerfile_specific_ignore_wins_and_is_not_merged() {
        let dir = tree_with(&[
            (".dockerignore", "a.txt"),
            ("build/app.Dockerfile", "FROM x"),
            ("build/app.Dockerfile.dockerignore", "b.txt"),
            ("a.txt", "a"),
            ("b.txt", "b"),
        ]);
        let t =
            ContextTree::load(dir.path(), Some(&dir.path().join("build/app.Dockerfile"))).unwrap();
        assert!(t.get("a.txt").is_some());
        assert!(t.get("b.txt").is_none());
        assert!(t
            .ignore_source()
            .unwrap()
            .path
            .ends_with("app.Dockerfile.dockerignore"));
        // Without that file next to the Dockerfile, the root one applies.
        let t = ContextTree::load(dir.path(), Some(&dir.path().join("Dockerfile"))).unwrap();
        assert!(t.get("a.txt").is_none());
        assert!(t.get("b.txt").is_some());
    }

    #[test]
    fn bad_ignore_file_is_a_typed_error() {
        let dir = tree_with(&[(".dockerignore", "ok\n!\n")]);
        assert!(matches!(
            ContextTree::load(dir.path(), None),
            Err(ContextError::Ignore { .. })
        ));
    }

    #[test]
    fn special_files_are_recorded_never_opened() {
        let dir = tree_with(&[("a", "a")]);
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        let _sock = std::os::unix::net::UnixListener::bind(dir.path().join("sock")).unwrap();
        let t = load(dir.path());
        assert_eq!(t.get("sock").unwrap().kind, EntryKind::Socket);
        if made.is_ok_and(|s| s.success()) {
            assert_eq!(t.get("fifo").unwrap().kind, EntryKind::Fifo);
            assert!(t
                .warnings()
                .iter()
                .any(|w| w.path == "fifo" && w.kind == WarningKind::SpecialFile(EntryKind::Fifo)));
        }
    }

    #[test]
    fn unreadable_and_broken_links_are_warnings() {
        let dir = tree_with(&[("secret", "s"), ("locked/x", "x")]);
        chmod(dir.path(), "secret", 0o000);
        chmod(dir.path(), "locked", 0o000);
        symlink(dir.path(), "dangling", "nowhere");
        let t = load(dir.path());
        chmod(dir.path(), "locked", 0o755);
        assert!(t.get("secret").is_some());
        assert!(t
            .warnings()
            .iter()
            .any(|w| w.path == "dangling" && matches!(w.kind, WarningKind::BrokenSymlink(_))));
        // Root can read anything; only check the warnings when permissions bite.
        if fs::read(dir.path().join("secret")).is_err() {
            assert!(t.warnings().iter().any(|w| w.path == "secret"));
            assert!(t.warnings().iter().any(|w| w.path.starts_with("locked")));
        }
    }

    #[test]
    fn with_ignore_equals_loading_with_it_and_measures_savings() {
        let dir = tree_with(&[
            (".git/objects/big", &"x".repeat(1000)),
            (".git/HEAD", "ref"),
            ("build/keep.txt", "k"),
            ("build/o", "oo"),
            ("src/a.rs", "a"),
        ]);
        let text = ".git\nbuild\n!build/keep.txt\n";
        let full = ContextTree::load_unfiltered(dir.path()).unwrap();
        write(dir.path(), ".dockerignore", text);
        let real = load(dir.path());
        let ig = DockerIgnore::parse(text).unwrap();
        let sim = full.with_ignore(&ig, text);
        // `real` also contains the .dockerignore itself; compare everything else.
        let real_keys: Vec<_> = keys(&real)
            .into_iter()
            .filter(|k| *k != ".dockerignore")
            .collect();
        assert_eq!(keys(&sim), real_keys);
        assert_eq!(
            sim.get("build").unwrap().digest,
            real.get("build").unwrap().digest
        );
        let saved = full.excluded_by(&ig);
        assert_eq!(
            saved,
            ContextStats {
                files: 3,
                dirs: 2,
                bytes: 1005
            }
        );
    }
}
