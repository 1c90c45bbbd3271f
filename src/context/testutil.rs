//! Helpers to build real context directories in tests.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::tree::ContextTree;

pub(crate) fn write(root: &Path, rel: &str, content: &str) {
    let p = root.join(rel);
    if let Some(dir) = p.parent() {
        fs::create_dir_all(dir).unwrap();
    }
    fs::write(p, content).unwrap();
}

pub(crate) fn mkdir(root: &Path, rel: &str) {
    fs::create_dir_all(root.join(rel)).unwrap();
}

pub(crate) fn symlink(root: &Path, rel: &str, target: &str) {
    let p = root.join(rel);
    let _ = fs::remove_file(&p);
    std::os::unix::fs::symlink(target, p).unwrap();
}

pub(crate) fn chmod(root: &Path, rel: &str, mode: u32) {
    fs::set_permissions(root.join(rel), fs::Permissions::from_mode(mode)).unwrap();
}

pub(crate) fn load(root: &Path) -> ContextTree {
    ContextTree::load(root, None).unwrap()
}

/// A tempdir with `files` written (path, content).
pub(crate) fn tree_with(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (p, c) in files {
        write(dir.path(), p, c);
    }
    dir
}

pub(crate) fn keys(t: &ContextTree) -> Vec<&str> {
    t.entries().map(|(k, _)| k).collect()
}
