//! Writing results safely: in place through a temp file in the same
//! directory and a rename (mode kept), new files without clobbering, and
//! refusing when the file changed, vanished or is read-only since it was read.

use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error("{0}: the file vanished before it could be written; nothing written")]
    Vanished(PathBuf),
    #[error("{0}: the file changed since it was read; nothing written")]
    Changed(PathBuf),
    #[error("{0}: the file is read-only; nothing written")]
    ReadOnly(PathBuf),
    #[error("{0}: already exists; not overwritten")]
    Exists(PathBuf),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> WriteError + '_ {
    move |source| WriteError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn temp_in(dir: &Path, content: &str) -> Result<tempfile::NamedTempFile, WriteError> {
    let mut tmp = tempfile::Builder::new()
        .prefix(".dockopt-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(io(dir))?;
    tmp.write_all(content.as_bytes()).map_err(io(dir))?;
    tmp.as_file().sync_all().map_err(io(dir))?;
    Ok(tmp)
}

fn parent(path: &Path) -> &Path {
    path.parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."))
}

/// Replaces `path` (whose content was `expected`) with `content`, atomically.
pub fn replace_file(path: &Path, expected: &str, content: &str) -> Result<(), WriteError> {
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(WriteError::Vanished(path.to_path_buf()))
        }
        Err(e) => return Err(io(path)(e)),
    };
    if meta.permissions().readonly() {
        return Err(WriteError::ReadOnly(path.to_path_buf()));
    }
    match std::fs::read(path) {
        Ok(now) if now == expected.as_bytes() => {}
        Ok(_) => return Err(WriteError::Changed(path.to_path_buf())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(WriteError::Vanished(path.to_path_buf()))
        }
        Err(e) => return Err(io(path)(e)),
    }
    let tmp = temp_in(parent(path), content)?;
    std::fs::set_permissions(tmp.path(), meta.permissions()).map_err(io(path))?;
    if !path.exists() {
        return Err(WriteError::Vanished(path.to_path_buf()));
    }
    tmp.persist(path).map_err(|e| io(path)(e.error))?;
    Ok(())
}

/// Creates `path` with `content`; never replaces an existing file.
pub fn create_file(path: &Path, content: &str) -> Result<(), WriteError> {
    if path.exists() {
        return Err(WriteError::Exists(path.to_path_buf()));
    }
    let tmp = temp_in(parent(path), content)?;
    tmp.persist_noclobber(path).map_err(|e| {
        if e.error.kind() == std::io::ErrorKind::AlreadyExists {
            WriteError::Exists(path.to_path_buf())
        } else {
            io(path)(e.error)
        }
    })?;
    Ok(())
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
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn replace_keeps_mode_and_checks_content() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("Dockerfile");
        std::fs::write(&p, "a\n").unwrap();
        #[cfg(unix)]
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        assert!(matches!(
            replace_file(&p, "other\n", "b\n"),
            Err(WriteError::Changed(_))
        ));
        replace_file(&p, "a\n", "b\n").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "b\n");
        #[cfg(unix)]
        assert_eq!(
            std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o640
        );
        let gone = d.path().join("gone");
        assert!(matches!(
            replace_file(&gone, "a\n", "b\n"),
            Err(WriteError::Vanished(_))
        ));
        assert!(matches!(create_file(&p, "x"), Err(WriteError::Exists(_))));
        let names: Vec<_> = std::fs::read_dir(d.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temp file left behind");
    }
}
