//! Reading Dockerfiles from disk or stdin, and finding them in directories.

use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error(
        "{path}:{line}:{column}: not valid UTF-8 (byte {byte} of the file; expected UTF-8 text)"
    )]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
        /// 0-based offset of the first bad byte.
        byte: usize,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no Dockerfile found (looked for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile)")]
    NoDockerfile { path: String },
    #[error("{path}: a symbolic link whose target does not exist")]
    DanglingLink { path: String },
    #[error("{path}: cannot search for Dockerfiles here: {reason}")]
    Walk { path: String, reason: String },
    #[error("{path}: permission denied (the file exists but cannot be read)")]
    Unreadable { path: String },
    #[error("{path}: is a {kind}, not a regular file; refusing to read it")]
    NotRegular { path: String, kind: &'static str },
    #[error("{path}: larger than {limit} bytes; refusing to read it")]
    TooLarge { path: String, limit: u64 },
}

impl SourceError {
    /// The message without the path it starts with, for callers that name
    /// the file themselves ("requirements.txt cannot be read: <reason>").
    pub fn reason(&self) -> String {
        use SourceError::*;
        let path = match self {
            NotUtf8 { line, column, .. } => {
                return format!("line {line}, column {column}: not valid UTF-8");
            }
            NotFound { path }
            | Io { path, .. }
            | NoDockerfile { path }
            | DanglingLink { path }
            | Walk { path, .. }
            | Unreadable { path }
            | NotRegular { path, .. }
            | TooLarge { path, .. } => path,
        };
        let full = self.to_string();
        match full.strip_prefix(path.as_str()) {
            Some(rest) => rest.trim_start_matches(": ").to_string(),
            None => full,
        }
    }
}

/// The most a Dockerfile (or stdin) may hold: far above any real file (the
/// scale benchmark's 50 MB file fits), low enough that `/dev/zero`-like input
/// ends with an error instead of exhausting memory.
pub const MAX_DOCKERFILE_BYTES: u64 = 128 << 20;

/// The most a file of the build context read for its text may hold (a
/// manifest, lockfile, tool config, `.dockerignore`, compose file, CI
/// workflow): well above real lockfiles, low enough that a multi-gigabyte
/// file named `requirements.txt` costs a refusal, not the machine's memory.
pub const MAX_CONTEXT_TEXT_BYTES: u64 = 32 << 20;

/// The most a build log, profile, snapshot or image config may hold.
pub const MAX_INPUT_BYTES: u64 = 1 << 30;

/// What kind of non-regular file `t` is, for messages.
pub fn kind_name(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "character device";
        }
        if t.is_block_device() {
            return "block device";
        }
        if t.is_socket() {
            return "socket";
        }
    }
    if t.is_dir() {
        "directory"
    } else if t.is_symlink() {
        "symbolic link"
    } else {
        "special file"
    }
}

fn open_error(name: &str, source: std::io::Error) -> SourceError {
    match source.kind() {
        std::io::ErrorKind::NotFound if Path::new(name).symlink_metadata().is_ok() => {
            SourceError::DanglingLink { path: name.into() }
        }
        std::io::ErrorKind::NotFound => SourceError::NotFound { path: name.into() },
        std::io::ErrorKind::PermissionDenied => SourceError::Unreadable { path: name.into() },
        _ => SourceError::Io {
            path: name.into(),
            source,
        },
    }
}

fn read_capped(mut r: impl Read, name: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
    let mut buf = Vec::new();
    r.by_ref()
        .take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|source| SourceError::Io {
            path: name.into(),
            source,
        })?;
    if buf.len() as u64 > limit {
        return Err(SourceError::TooLarge {
            path: name.into(),
            limit,
        });
    }
    Ok(buf)
}

/// Reads a regular file (following symlinks) of at most `limit` bytes.
/// FIFOs, devices and sockets are refused before they are opened, so a
/// FIFO never blocks and `/dev/zero` is never read.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, SourceError> {
    let name = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| open_error(&name, e))?;
    if !meta.is_file() {
        return Err(SourceError::NotRegular {
            path: name,
            kind: kind_name(meta.file_type()),
        });
    }
    let f = std::fs::File::open(path).map_err(|e| open_error(&name, e))?;
    // The path may have been swapped between the stat and the open.
    let meta = f.metadata().map_err(|e| open_error(&name, e))?;
    if !meta.is_file() {
        return Err(SourceError::NotRegular {
            path: name,
            kind: kind_name(meta.file_type()),
        });
    }
    if meta.len() > limit {
        return Err(SourceError::TooLarge { path: name, limit });
    }
    read_capped(f, &name, limit)
}

/// [`read_regular`] as UTF-8 text, with the line and column of a bad byte.
pub fn read_text(path: &Path, limit: u64) -> Result<String, SourceError> {
    let bytes = read_regular(path, limit)?;
    utf8(bytes, &path.display().to_string())
}

fn utf8(bytes: Vec<u8>, shown: &str) -> Result<String, SourceError> {
    String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        SourceError::NotUtf8 {
            path: shown.to_string(),
            line,
            column,
            byte: valid.len(),
        }
    })
}

/// A context or project file's text ([`read_text`] capped at
/// [`MAX_CONTEXT_TEXT_BYTES`]): every reader of such files goes through it,
/// so a FIFO never blocks and a huge file is refused, not loaded.
pub fn read_context_text(path: &Path) -> Result<String, SourceError> {
    read_text(path, MAX_CONTEXT_TEXT_BYTES)
}

/// A Dockerfile's text and the name it is shown under.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: String,
    pub path: Option<PathBuf>,
    pub text: String,
}

/// Reads `path`, or stdin when it is `-`.
pub fn read(path: &Path) -> Result<SourceFile, SourceError> {
    let name = path.display().to_string();
    let bytes = if name == "-" {
        read_capped(std::io::stdin().lock(), "<stdin>", MAX_DOCKERFILE_BYTES)?
    } else {
        read_regular(path, MAX_DOCKERFILE_BYTES)?
    };
    let shown = if name == "-" {
        "<stdin>".to_string()
    } else {
        name
    };
    let text = utf8(bytes, &shown)?;
    Ok(SourceFile {
        name: shown,
        path: (path.as_os_str() != "-").then(|| path.to_path_buf()),
        text,
    })
}

/// Whether a file name is one a Dockerfile goes by.
pub fn is_dockerfile_name(name: &str) -> bool {
    name == "Dockerfile"
        || name == "Containerfile"
        || name.ends_with(".Dockerfile")
        || name.ends_with(".dockerfile")
        || (name.starts_with("Dockerfile.") && !name.ends_with(".dockerignore"))
}

/// The Dockerfiles a path names: the file itself, or those found below a
/// directory by [`walk`].
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let name = path.display().to_string();
    if name == "-" {
        return Ok(vec![path.to_path_buf()]);
    }
    match std::fs::metadata(path) {
        // Files of any kind are taken as given: reading them says precisely
        // why a FIFO, device or unreadable file is refused.
        Ok(m) if !m.is_dir() => return Ok(vec![path.to_path_buf()]),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(if std::fs::symlink_metadata(path).is_ok() {
                SourceError::DanglingLink { path: name }
            } else {
                SourceError::NotFound { path: name }
            })
        }
        Err(e) => return Err(open_error(&name, e)),
    }
    let found = walk(path, &is_dockerfile_name)?;
    if found.is_empty() {
        return Err(SourceError::NoDockerfile { path: name });
    }
    Ok(found)
}

/// Folders no search enters: version control (`.git`, `.hg`, `.svn`,
/// `.bzr`, `.jj`, `_darcs`, `.pijul`) and what tools install or cache inside
/// a project (`node_modules`, Rust's `target`, Python virtual environments
/// and tool caches). Other hidden folders are searched: `.devcontainer/`,
/// `.github/actions/x/` and `.docker/` hold Dockerfiles of the project's own.
pub const SKIPPED_DIRS: &[&str] = &[
    ".git",
    ".hg",
    ".svn",
    ".bzr",
    ".jj",
    "_darcs",
    ".pijul",
    "node_modules",
    "target",
    ".venv",
    "venv",
    "__pycache__",
    ".tox",
    ".nox",
    ".mypy_cache",
    ".pytest_cache",
    ".ruff_cache",
    ".direnv",
];

/// The walker behind every folder search (Dockerfiles, compose files, CI
/// scripts): `.gitignore` (in a git repository), `.ignore` and
/// `.git/info/exclude` are honoured like ripgrep does; hidden folders and
/// files are searched, except [`SKIPPED_DIRS`]. A folder named as `dir`
/// itself is always searched, whatever its name.
pub fn walker(dir: &Path) -> ignore::WalkBuilder {
    let mut b = ignore::WalkBuilder::new(dir);
    b.hidden(false).filter_entry(|e| {
        !(e.depth() > 0
            && e.file_type().is_some_and(|t| t.is_dir())
            && e.file_name()
                .to_str()
                .is_some_and(|n| SKIPPED_DIRS.contains(&n)))
    });
    b
}

/// The files below directory `dir` whose name `want` accepts, sorted: the
/// one search every command uses ([`walker`]'s rules). A symlinked file is
/// read through its link, as docker does.
pub fn walk(dir: &Path, want: &dyn Fn(&str) -> bool) -> Result<Vec<PathBuf>, SourceError> {
    let root = dir.display().to_string();
    let mut found = Vec::new();
    let walk = walker(dir).build();
    for entry in walk {
        // An unreadable directory, a loop or a path past PATH_MAX may hide a
        // Dockerfile: say so instead of reporting a clean run.
        let e = entry.map_err(|e| walk_error(&root, e))?;
        if !want(&e.file_name().to_string_lossy()) {
            continue;
        }
        let Some(t) = e.file_type() else { continue };
        // Directories (`Dockerfile.d/`) are searched, not read. Anything
        // else with a Dockerfile's name is found like a file given by name:
        // reading it then says why a FIFO, socket or device is refused,
        // instead of a clean run over "0 files".
        if t.is_symlink() {
            match std::fs::metadata(e.path()) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => found.push(e.into_path()),
                Err(_) => {
                    return Err(SourceError::DanglingLink {
                        path: e.path().display().to_string(),
                    })
                }
            }
        } else if !t.is_dir() {
            found.push(e.into_path());
        }
    }
    found.sort();
    Ok(found)
}

fn walk_error(root: &str, e: ignore::Error) -> SourceError {
    fn parts(e: &ignore::Error, path: Option<String>) -> (Option<String>, String) {
        match e {
            ignore::Error::WithPath { path: p, err } => parts(err, Some(p.display().to_string())),
            ignore::Error::WithDepth { err, .. } | ignore::Error::WithLineNumber { err, .. } => {
                parts(err, path)
            }
            ignore::Error::Loop { child, .. } => (
                Some(child.display().to_string()),
                "a symbolic link loop".into(),
            ),
            ignore::Error::Io(io) if io.kind() == std::io::ErrorKind::PermissionDenied => {
                (path, "permission denied".into())
            }
            other => (path, other.to_string()),
        }
    }
    let (path, reason) = parts(&e, None);
    SourceError::Walk {
        path: path.unwrap_or_else(|| root.to_string()),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_text_is_refused_past_the_cap_without_being_read() {
        let d = tempfile::tempdir().unwrap();
        let big = d.path().join("requirements.txt");
        // Sparse: 2 GiB on the size, nothing on the disk; refused on its length.
        std::fs::File::create(&big)
            .and_then(|f| f.set_len(2 << 30))
            .unwrap();
        assert!(matches!(
            read_context_text(&big),
            Err(SourceError::TooLarge { limit, .. }) if limit == MAX_CONTEXT_TEXT_BYTES
        ));
        std::fs::write(d.path().join("ok.txt"), "flask\n").unwrap();
        assert_eq!(
            read_context_text(&d.path().join("ok.txt")).unwrap(),
            "flask\n"
        );
        assert!(matches!(
            read_context_text(d.path()),
            Err(SourceError::NotRegular { .. })
        ));
    }

    #[test]
    fn names() {
        for n in [
            "Dockerfile",
            "api.Dockerfile",
            "Dockerfile.prod",
            "Containerfile",
        ] {
            assert!(is_dockerfile_name(n), "{n}");
        }
        for n in ["Dockerfile.dockerignore", "README.md", "dockerfile.txt"] {
            assert!(!is_dockerfile_name(n), "{n}");
        }
    }

    /// Hidden folders hold Dockerfiles of the project's own; VCS folders,
    /// installed dependencies and ignored paths are not searched.
    #[test]
    fn discovery_searches_hidden_folders_but_not_vcs_or_ignored_ones() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let put = |rel: &str, text: &str| {
            let p = dir.path().join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
            }
            std::fs::write(p, text).unwrap_or_else(|e| panic!("{e}"));
        };
        for rel in [
            "Dockerfile",
            ".devcontainer/Dockerfile",
            ".github/actions/x/Dockerfile",
            ".docker/api.Dockerfile",
            // skipped: version control, installed dependencies, caches
            ".git/Dockerfile",
            ".hg/x/Dockerfile",
            ".svn/Dockerfile",
            "web/node_modules/pkg/Dockerfile",
            ".venv/lib/Dockerfile",
            "target/Dockerfile",
            // skipped: .gitignore (this is a git repository) and .ignore
            "build/out/Dockerfile",
            ".cache/Dockerfile",
        ] {
            put(rel, "FROM a\n");
        }
        put(".gitignore", "build/\n");
        put(".ignore", ".cache/\n");
        let found: Vec<String> = discover(dir.path())
            .unwrap_or_default()
            .iter()
            .filter_map(|p| p.strip_prefix(dir.path()).ok())
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            found,
            [
                ".devcontainer/Dockerfile",
                ".docker/api.Dockerfile",
                ".github/actions/x/Dockerfile",
                "Dockerfile"
            ]
        );
        // A skipped folder named on the command line is searched.
        assert_eq!(
            discover(&dir.path().join("web/node_modules"))
                .map(|v| v.len())
                .unwrap_or(0),
            1
        );
    }

    #[test]
    fn discovery_and_errors() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(
            discover(dir.path()),
            Err(SourceError::NoDockerfile { .. })
        ));
        std::fs::create_dir_all(dir.path().join("svc")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("svc/Dockerfile"), "FROM a\n")
            .unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(dir.path().join("bad.Dockerfile"), b"FROM a\n\xff\n")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(discover(dir.path()).map(|v| v.len()).unwrap_or(0), 2);
        match read(&dir.path().join("bad.Dockerfile")) {
            Err(SourceError::NotUtf8 { line, column, .. }) => assert_eq!((line, column), (2, 1)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            read(&dir.path().join("nope")),
            Err(SourceError::NotFound { .. })
        ));
    }
}
