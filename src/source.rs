//! Reading Dockerfiles from disk or stdin, and finding them in directories.

use std::io::Read;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: no such file or directory")]
    NotFound { path: String },
    #[error("{path}:{line}:{column}: not valid UTF-8 (a Dockerfile is text)")]
    NotUtf8 {
        path: String,
        line: usize,
        column: usize,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: no Dockerfile found (looked for Dockerfile, *.Dockerfile, Dockerfile.*, Containerfile)")]
    NoDockerfile { path: String },
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
        let mut buf = Vec::new();
        std::io::stdin()
            .read_to_end(&mut buf)
            .map_err(|source| SourceError::Io {
                path: "<stdin>".into(),
                source,
            })?;
        buf
    } else {
        std::fs::read(path).map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound => SourceError::NotFound { path: name.clone() },
            _ => SourceError::Io {
                path: name.clone(),
                source,
            },
        })?
    };
    let shown = if name == "-" {
        "<stdin>".to_string()
    } else {
        name
    };
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        let column = String::from_utf8_lossy(&valid[line_start..])
            .chars()
            .count()
            + 1;
        SourceError::NotUtf8 {
            path: shown.clone(),
            line,
            column,
        }
    })?;
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
/// directory (hidden directories, `target` and `node_modules` skipped).
pub fn discover(path: &Path) -> Result<Vec<PathBuf>, SourceError> {
    let name = path.display().to_string();
    if name == "-" || path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    if !path.exists() {
        return Err(SourceError::NotFound { path: name });
    }
    let mut found: Vec<PathBuf> = walkdir::WalkDir::new(path)
        .into_iter()
        .filter_entry(|e| {
            let n = e.file_name().to_string_lossy();
            e.depth() == 0 || !(n.starts_with('.') || n == "target" || n == "node_modules")
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_dockerfile_name(&e.file_name().to_string_lossy()))
        .map(|e| e.into_path())
        .collect();
    found.sort();
    if found.is_empty() {
        return Err(SourceError::NoDockerfile { path: name });
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

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
