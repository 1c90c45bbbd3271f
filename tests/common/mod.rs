//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod pipeline;

use std::path::{Path, PathBuf};

/// `../shared/corpus` beside the project root, when present.
pub fn shared_corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    dir.is_dir().then_some(dir)
}

/// Every file named like a Dockerfile below `dir`, sorted.
pub fn dockerfiles_under(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            p.file_name()
                .map(|n| {
                    let n = n.to_string_lossy();
                    n == "Dockerfile"
                        || n.ends_with(".Dockerfile")
                        || n.starts_with("Dockerfile.")
                        || n == "Containerfile"
                })
                .unwrap_or(false)
        })
        .collect();
    out.sort();
    out
}

pub mod generate;

/// The Dockerfiles of ../shared/corpus (`NNNN/Dockerfile`), sorted, with their ids.
pub fn shared_dockerfiles() -> Vec<(String, PathBuf)> {
    let Some(dir) = shared_corpus() else {
        return Vec::new();
    };
    let mut files: Vec<(String, PathBuf)> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| {
            let id = e.file_name().to_string_lossy().to_string();
            (id, e.path().join("Dockerfile"))
        })
        .filter(|(_, p)| p.is_file())
        .collect();
    files.sort();
    files
}
