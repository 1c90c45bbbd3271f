//! Writing results safely.
//!
//! A fix is a [`Plan`]: files to replace (each with the text it was read
//! as) and files to create. [`Plan::commit`] is all or nothing:
//!
//! 1. every file is prepared — the replacement's target found through any
//!    symlink, its new content written to a temp file and synced, owner,
//!    group and mode copied onto the temp file (owner first: `chown` clears
//!    set-uid bits);
//! 2. every file is verified *after* that, immediately before the renames:
//!    unchanged since it was read, a new file's name still free;
//! 3. the renames happen; if one fails, the files already created are removed.
//!
//! A replaced file keeps its symlink (the target is rewritten), owner, group
//! and mode. A file with several hard links, or one whose owner this user
//! cannot give to a new file, is written *in place* once the temp file holds
//! the complete new content (the temp file is removed only after the
//! in-place write is synced); the report says so.
//!
//! Where the temp file lives: BuildKit ships every file `.dockerignore` does
//! not exclude, so a temp file left by a crash (`kill -9`) in the build
//! context ends up in the next image. The temp file is therefore created in
//! the system temp directory when that is on the same filesystem (a rename
//! still works and a crash leaves nothing in the context), else next to the
//! target with the name `.dockopt-<pid>-<random>.tmp`; [`clean_stale_temps`]
//! removes such files whose process is gone at the start of the next run.
//! The context model does not hide them: they are real files a build would
//! ship, and pretending otherwise would make the simulator wrong.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}: the file vanished before it could be written")]
    Vanished(PathBuf),
    #[error("{0}: the file changed since it was read (edited while fix ran?)")]
    Changed(PathBuf),
    #[error("{0}: the file is read-only")]
    ReadOnly(PathBuf),
    #[error("{0}: already exists; not overwritten")]
    Exists(PathBuf),
    #[error("{0}: a symbolic link to a missing file is in the way; not overwritten")]
    DanglingLink(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// The prefix of temp files next to their target; `clean_stale_temps` looks for it.
const TEMP_PREFIX: &str = ".dockopt-";
const TEMP_SUFFIX: &str = ".tmp";

/// Test hook: when this variable is set, its value is appended to every
/// replaced file after the temp file is written and before the final check,
/// as a user editing the file while `fix` runs would. Used by the tests of
/// the "edited while fix runs" race (unit and CLI); never set it otherwise.
pub const TEST_EDIT_HOOK: &str = "DOCKOPT_TEST_EDIT_BEFORE_RENAME";

#[cfg(unix)]
fn same_device(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_device(_: &Path, _: &Path) -> bool {
    false
}

/// A synced temp file holding `content`, for a final file in `dir`: in the
/// system temp directory when a rename from there can work, else in `dir`.
fn temp_for(dir: &Path, content: &str) -> Result<tempfile::NamedTempFile, WriteError> {
    let sys = std::env::temp_dir();
    let builder_in = |d: &Path| {
        tempfile::Builder::new()
            .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
            .suffix(TEMP_SUFFIX)
            .tempfile_in(d)
    };
    let mut tmp = if same_device(&sys, dir) {
        builder_in(&sys).or_else(|_| builder_in(dir))
    } else {
        builder_in(dir)
    }
    .map_err(io(dir))?;
    tmp.write_all(content.as_bytes()).map_err(io(dir))?;
    tmp.as_file().sync_all().map_err(io(dir))?;
    Ok(tmp)
}

/// Moves `tmp` to `to`; across filesystems (a bind mount the device check
/// could not see) the content is re-written in a temp file next to `to`.
fn persist(
    tmp: tempfile::NamedTempFile,
    to: &Path,
    content: &str,
    noclobber: bool,
) -> Result<(), WriteError> {
    let r = if noclobber {
        tmp.persist_noclobber(to)
    } else {
        tmp.persist(to)
    };
    match r {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::CrossesDevices => {
            let meta = e.file.as_file().metadata().ok();
            let local = temp_for_local(parent(to), content)?;
            if let Some(m) = meta {
                copy_owner_and_mode(local.as_file(), &m);
            }
            persist(local, to, content, noclobber)
        }
        Err(e) if noclobber && e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            Err(WriteError::Exists(to.to_path_buf()))
        }
        Err(e) => Err(io(to)(e.error)),
    }
}

fn temp_for_local(dir: &Path, content: &str) -> Result<tempfile::NamedTempFile, WriteError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!("{TEMP_PREFIX}{}-", std::process::id()))
        .suffix(TEMP_SUFFIX)
        .tempfile_in(dir)
        .map_err(io(dir))?;
    tmp.write_all(content.as_bytes()).map_err(io(dir))?;
    tmp.as_file().sync_all().map_err(io(dir))?;
    Ok(tmp)
}

/// Copies owner, group and mode of `meta` onto `f`; false when the owner or
/// group could not be kept (another user's file, a group we are not in).
#[cfg(unix)]
fn copy_owner_and_mode(f: &File, meta: &std::fs::Metadata) -> bool {
    use std::os::unix::fs::{fchown, MetadataExt, PermissionsExt};
    // Owner first: changing the owner clears set-uid/set-gid bits.
    let owner_kept = match f.metadata() {
        Ok(m) if m.uid() == meta.uid() && m.gid() == meta.gid() => true,
        _ => fchown(f, Some(meta.uid()), Some(meta.gid())).is_ok(),
    };
    let _ = f.set_permissions(std::fs::Permissions::from_mode(meta.mode() & 0o7777));
    owner_kept
}

#[cfg(not(unix))]
fn copy_owner_and_mode(f: &File, meta: &std::fs::Metadata) -> bool {
    let _ = f.set_permissions(meta.permissions());
    true
}

#[cfg(unix)]
fn link_count(meta: &std::fs::Metadata) -> u64 {
    use std::os::unix::fs::MetadataExt;
    meta.nlink()
}

#[cfg(not(unix))]
fn link_count(_: &std::fs::Metadata) -> u64 {
    1
}

/// How a file was written, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    /// The path as given.
    pub path: PathBuf,
    /// Where the bytes went when that differs (a symlink's target).
    pub target: Option<PathBuf>,
    pub created: bool,
    /// Why it was written in place rather than renamed, or what could not be kept.
    pub notes: Vec<String>,
}

enum Step {
    Replace {
        path: PathBuf,
        expected: String,
        content: String,
    },
    Create {
        path: PathBuf,
        content: String,
    },
}

/// Files one fix writes, committed together.
#[derive(Default)]
pub struct Plan {
    steps: Vec<Step>,
}

impl Plan {
    pub fn new() -> Self {
        Plan::default()
    }

    /// Replace `path`, whose content was read as `expected`, with `content`.
    pub fn replace(&mut self, path: &Path, expected: &str, content: &str) {
        self.steps.push(Step::Replace {
            path: path.to_path_buf(),
            expected: expected.to_string(),
            content: content.to_string(),
        });
    }

    /// Create `path` with `content`; never replaces anything.
    pub fn create(&mut self, path: &Path, content: &str) {
        self.steps.push(Step::Create {
            path: path.to_path_buf(),
            content: content.to_string(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Writes every file or none (see the module doc).
    pub fn commit(self) -> Result<Vec<Written>, WriteError> {
        self.commit_with(&|_| {})
    }

    /// [`commit`](Self::commit) with `before_verify` called on each replaced
    /// file's target between writing the temp files and the final check.
    pub fn commit_with(self, before_verify: &dyn Fn(&Path)) -> Result<Vec<Written>, WriteError> {
        struct Prepared {
            written: Written,
            tmp: tempfile::NamedTempFile,
            content: String,
            expected: Option<String>,
            target: PathBuf,
            in_place: bool,
        }
        // 1. Prepare: check what can be checked early, write and sync temps.
        let mut prepared = Vec::new();
        for step in self.steps {
            match step {
                Step::Replace {
                    path,
                    expected,
                    content,
                } => {
                    let target = resolve_link(&path)?;
                    let meta = existing_meta(&target, &path)?;
                    if meta.permissions().readonly() {
                        return Err(WriteError::ReadOnly(path));
                    }
                    verify_unchanged(&target, &path, &expected)?;
                    let tmp = temp_for(parent(&target), &content)?;
                    let owner_kept = copy_owner_and_mode(tmp.as_file(), &meta);
                    let mut notes = Vec::new();
                    let links = link_count(&meta);
                    let in_place = if links > 1 {
                        notes.push(format!("written in place to keep its {} hard links", links));
                        true
                    } else if !owner_kept {
                        notes.push(
                            "written in place: a new file could not keep its owner and group"
                                .into(),
                        );
                        true
                    } else {
                        false
                    };
                    let shown_target = (target != path).then(|| target.clone());
                    prepared.push(Prepared {
                        written: Written {
                            path,
                            target: shown_target,
                            created: false,
                            notes,
                        },
                        tmp,
                        content,
                        expected: Some(expected),
                        target,
                        in_place,
                    });
                }
                Step::Create { path, content } => {
                    check_free(&path)?;
                    let tmp = temp_for(parent(&path), &content)?;
                    prepared.push(Prepared {
                        written: Written {
                            path: path.clone(),
                            target: None,
                            created: true,
                            notes: Vec::new(),
                        },
                        tmp,
                        content,
                        expected: None,
                        target: path,
                        in_place: false,
                    });
                }
            }
        }
        // 2. Verify, immediately before anything is renamed: an edit made
        // while the temps were written wins over the fix.
        for p in &prepared {
            match &p.expected {
                Some(expected) => {
                    before_verify(&p.target);
                    if let Ok(text) = std::env::var(TEST_EDIT_HOOK) {
                        test_edit(&p.target, &text);
                    }
                    verify_unchanged(&p.target, &p.written.path, expected)?;
                }
                None => check_free(&p.target)?,
            }
        }
        // 3. Rename: new files first (they can fail on a name taken since),
        // the replacements last; a failure removes the files created so far.
        prepared.sort_by_key(|p| !p.written.created);
        let mut created: Vec<PathBuf> = Vec::new();
        let mut done = Vec::new();
        for p in prepared {
            let r = if p.written.created {
                persist(p.tmp, &p.target, &p.content, true)
            } else if p.in_place {
                write_in_place(&p.target, &p.content).map(|()| drop(p.tmp))
            } else {
                persist(p.tmp, &p.target, &p.content, false)
            };
            if let Err(e) = r {
                for c in &created {
                    let _ = std::fs::remove_file(c);
                }
                return Err(e);
            }
            if p.written.created {
                created.push(p.target.clone());
            }
            done.push(p.written);
        }
        Ok(done)
    }
}

fn test_edit(target: &Path, text: &str) {
    if let Ok(mut f) = std::fs::OpenOptions::new().append(true).open(target) {
        let _ = f.write_all(text.as_bytes());
    }
}

/// The file a path's bytes live in: symlinks followed (the link is kept).
fn resolve_link(path: &Path) -> Result<PathBuf, WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => match std::fs::canonicalize(path) {
            Ok(t) => Ok(t),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(WriteError::Vanished(path.to_path_buf()))
            }
            Err(e) => Err(io(path)(e)),
        },
        Ok(_) => Ok(path.to_path_buf()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(WriteError::Vanished(path.to_path_buf()))
        }
        Err(e) => Err(io(path)(e)),
    }
}

fn existing_meta(target: &Path, shown: &Path) -> Result<std::fs::Metadata, WriteError> {
    match std::fs::metadata(target) {
        Ok(m) => Ok(m),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(WriteError::Vanished(shown.to_path_buf()))
        }
        Err(e) => Err(io(shown)(e)),
    }
}

fn verify_unchanged(target: &Path, shown: &Path, expected: &str) -> Result<(), WriteError> {
    match std::fs::read(target) {
        Ok(now) if now == expected.as_bytes() => Ok(()),
        Ok(_) => Err(WriteError::Changed(shown.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(WriteError::Vanished(shown.to_path_buf()))
        }
        Err(e) => Err(io(shown)(e)),
    }
}

/// A new file's name must be free: no file, and no symlink (even a dangling
/// one: creating through it would write somewhere else).
fn check_free(path: &Path) -> Result<(), WriteError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() && !path.exists() => {
            Err(WriteError::DanglingLink(path.to_path_buf()))
        }
        Ok(_) => Err(WriteError::Exists(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io(path)(e)),
    }
}

/// Overwrites the file's bytes, keeping its inode (hard links, owner, ACLs).
/// Only called once the complete new content is safe in a synced temp file.
fn write_in_place(target: &Path, content: &str) -> Result<(), WriteError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(target)
        .map_err(io(target))?;
    f.write_all(content.as_bytes()).map_err(io(target))?;
    f.sync_all().map_err(io(target))
}

/// Replaces `path` (whose content was `expected`) with `content`: a one-file [`Plan`].
pub fn replace_file(path: &Path, expected: &str, content: &str) -> Result<Written, WriteError> {
    let mut plan = Plan::new();
    plan.replace(path, expected, content);
    one(plan.commit()?)
}

/// Creates `path` with `content`; never replaces an existing file.
pub fn create_file(path: &Path, content: &str) -> Result<Written, WriteError> {
    let mut plan = Plan::new();
    plan.create(path, content);
    one(plan.commit()?)
}

fn one(mut v: Vec<Written>) -> Result<Written, WriteError> {
    v.pop().ok_or_else(|| WriteError::Io {
        path: PathBuf::new(),
        source: std::io::Error::other("nothing was written"),
    })
}

/// Removes `.dockopt-<pid>-*.tmp` files in `dir` whose process is gone: what
/// a `kill -9` during an earlier fix left behind (a build would ship them).
/// Returns the files removed. Another live `dockopt fix`'s temps are kept.
pub fn clean_stale_temps(dir: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut removed = Vec::new();
    for e in rd.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let Some(rest) = name
            .strip_prefix(TEMP_PREFIX)
            .and_then(|r| r.strip_suffix(TEMP_SUFFIX))
        else {
            continue;
        };
        let pid = rest.split('-').next().and_then(|p| p.parse::<u32>().ok());
        let alive = match pid {
            Some(p) if p == std::process::id() => true,
            Some(p) => process_alive(p),
            // The pre-pid naming: no owner to ask; it can only be stale.
            None => false,
        };
        if !alive
            && e.file_type().is_ok_and(|t| t.is_file())
            && std::fs::remove_file(e.path()).is_ok()
        {
            removed.push(e.path());
        }
    }
    removed
}

#[cfg(target_os = "linux")]
fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[cfg(not(target_os = "linux"))]
fn process_alive(_: u32) -> bool {
    // Without a portable liveness check, never delete another run's file.
    true
}

/// A unified diff (`--- a/… +++ b/…`), empty when equal.
pub fn unified_diff(old: &str, new: &str, old_name: &str, new_name: &str) -> String {
    if old == new {
        return String::new();
    }
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(unix)]
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn dir() -> tempfile::TempDir {
        tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn entries(d: &Path) -> usize {
        std::fs::read_dir(d).map(|r| r.count()).unwrap_or(0)
    }

    #[test]
    fn replace_keeps_mode_and_checks_content() {
        let d = dir();
        let p = d.path().join("Dockerfile");
        std::fs::write(&p, "a\n").unwrap_or_default();
        #[cfg(unix)]
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap_or_default();
        assert!(matches!(
            replace_file(&p, "other\n", "b\n"),
            Err(WriteError::Changed(_))
        ));
        assert!(replace_file(&p, "a\n", "b\n").is_ok());
        assert_eq!(read(&p), "b\n");
        #[cfg(unix)]
        assert_eq!(
            std::fs::metadata(&p)
                .map(|m| m.permissions().mode() & 0o7777)
                .unwrap_or(0),
            0o640
        );
        let gone = d.path().join("gone");
        assert!(matches!(
            replace_file(&gone, "a\n", "b\n"),
            Err(WriteError::Vanished(_))
        ));
        assert!(matches!(create_file(&p, "x"), Err(WriteError::Exists(_))));
        assert_eq!(entries(d.path()), 1, "no temp file left behind");
    }

    #[test]
    fn an_edit_during_the_write_wins() {
        let d = dir();
        let p = d.path().join("Dockerfile");
        std::fs::write(&p, "a\n").unwrap_or_default();
        let mut plan = Plan::new();
        plan.replace(&p, "a\n", "b\n");
        let edit = |t: &Path| {
            let _ = std::fs::write(t, "a\n# the user's edit\n");
        };
        assert!(matches!(
            plan.commit_with(&edit),
            Err(WriteError::Changed(_))
        ));
        assert_eq!(read(&p), "a\n# the user's edit\n");
        assert_eq!(entries(d.path()), 1, "no temp file left behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_symlinked_file_is_written_through_its_link() {
        let d = dir();
        let real = d.path().join("real.Dockerfile");
        let link = d.path().join("Dockerfile");
        std::fs::write(&real, "a\n").unwrap_or_default();
        std::os::unix::fs::symlink("real.Dockerfile", &link).unwrap_or_default();
        let w = replace_file(&link, "a\n", "b\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(w.target.is_some());
        assert_eq!(read(&real), "b\n");
        let m = std::fs::symlink_metadata(&link).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.file_type().is_symlink(), "the link is kept");
    }

    #[cfg(unix)]
    #[test]
    fn hard_links_and_special_modes_are_kept() {
        let d = dir();
        let p = d.path().join("Dockerfile");
        let other = d.path().join("Dockerfile.copy");
        std::fs::write(&p, "a\n").unwrap_or_default();
        std::fs::hard_link(&p, &other).unwrap_or_default();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o6751)).unwrap_or_default();
        let w = replace_file(&p, "a\n", "b\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(w.notes.iter().any(|n| n.contains("hard links")), "{w:?}");
        assert_eq!(read(&other), "b\n", "the other link sees the fix");
        let m = std::fs::metadata(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.nlink(), 2);
        assert_eq!(m.mode() & 0o7777, 0o6751);
        // Without hard links: a rename, and the mode (set-uid/gid too) copied.
        let q = d.path().join("single");
        std::fs::write(&q, "a\n").unwrap_or_default();
        std::fs::set_permissions(&q, std::fs::Permissions::from_mode(0o6751)).unwrap_or_default();
        let before = std::fs::metadata(&q).unwrap_or_else(|e| panic!("{e}"));
        let w = replace_file(&q, "a\n", "b\n").unwrap_or_else(|e| panic!("{e}"));
        assert!(w.notes.is_empty(), "{w:?}");
        let after = std::fs::metadata(&q).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(after.mode() & 0o7777, 0o6751);
        assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    }

    #[cfg(unix)]
    #[test]
    fn a_multi_file_plan_is_all_or_nothing() {
        let d = dir();
        let p = d.path().join("Dockerfile");
        std::fs::write(&p, "a\n").unwrap_or_default();
        let ignore = d.path().join(".dockerignore");
        std::os::unix::fs::symlink("nowhere", &ignore).unwrap_or_default();
        let mut plan = Plan::new();
        plan.replace(&p, "a\n", "b\n");
        plan.create(&ignore, ".git\n");
        assert!(matches!(plan.commit(), Err(WriteError::DanglingLink(_))));
        assert_eq!(read(&p), "a\n", "the Dockerfile is untouched");
        let _ = std::fs::remove_file(&ignore);
        let mut plan = Plan::new();
        plan.replace(&p, "a\n", "b\n");
        plan.create(&ignore, ".git\n");
        let w = plan.commit().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w.len(), 2);
        assert_eq!(
            (read(&p).as_str(), read(&ignore).as_str()),
            ("b\n", ".git\n")
        );
    }

    #[test]
    fn stale_temps_are_cleaned_live_ones_kept() {
        let d = dir();
        let stale = d.path().join(".dockopt-4194304999-abc.tmp");
        let old_style = d.path().join(".dockopt-XyZ12.tmp");
        let mine = d
            .path()
            .join(format!(".dockopt-{}-abc.tmp", std::process::id()));
        let other = d.path().join("dockopt-1-abc.tmp");
        for f in [&stale, &old_style, &mine, &other] {
            std::fs::write(f, "x").unwrap_or_default();
        }
        let mut removed = clean_stale_temps(d.path());
        removed.sort();
        let mut want = vec![old_style, stale];
        want.sort();
        assert_eq!(removed, want);
        assert!(mine.exists() && other.exists());
    }
}
