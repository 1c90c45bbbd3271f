//! Walking the context directory on disk: collect metadata (never following symlinks, never
//! opening special files), apply `.dockerignore` with pruning, and list the files to hash.

use std::collections::{BTreeMap, HashMap};
use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use walkdir::WalkDir;

use super::dockerignore::DockerIgnore;
use super::entry::{Entry, EntryKind, ROOT_MODE};
use super::filter::{add_parents, verdict, Verdict};
use super::warning::{ContextWarning, WarningKind};

pub(crate) struct Walked {
    /// Kept entries; file digests still empty.
    pub entries: BTreeMap<String, Entry>,
    /// Kept regular files: key and absolute path.
    pub files: Vec<(String, PathBuf)>,
    pub warnings: Vec<ContextWarning>,
}

pub(crate) fn walk(root: &Path, ignore: Option<&DockerIgnore>) -> Walked {
    let mut entries = BTreeMap::new();
    entries.insert(String::new(), Entry::new(EntryKind::Dir, ROOT_MODE, 0));
    let mut excluded_dirs: HashMap<String, Entry> = HashMap::new();
    let mut files = Vec::new();
    let mut warnings = Vec::new();

    let mut it = WalkDir::new(root)
        .min_depth(1)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter();
    while let Some(next) = it.next() {
        let dent = match next {
            Ok(d) => d,
            Err(e) => {
                let path = e.path().map(|p| rel_lossy(root, p)).unwrap_or_default();
                warnings.push(ContextWarning {
                    path,
                    kind: WarningKind::Walk(e.to_string()),
                });
                continue;
            }
        };
        let is_dir = dent.file_type().is_dir();
        let Some(rel) = rel_key(root, dent.path()) else {
            warnings.push(ContextWarning {
                path: rel_lossy(root, dent.path()),
                kind: WarningKind::NonUtf8Name,
            });
            if is_dir {
                it.skip_current_dir();
            }
            continue;
        };
        let v = verdict(ignore, &rel, is_dir);
        if v == Verdict::Prune {
            it.skip_current_dir();
            continue;
        }
        let meta = match dent.metadata() {
            Ok(m) => m,
            Err(e) => {
                warnings.push(ContextWarning {
                    path: rel,
                    kind: WarningKind::Walk(e.to_string()),
                });
                continue;
            }
        };
        let mut entry = entry_from_meta(&meta);
        if v == Verdict::Excluded {
            if is_dir {
                excluded_dirs.insert(rel, entry);
            }
            continue;
        }
        match entry.kind {
            EntryKind::File => files.push((rel.clone(), dent.path().to_path_buf())),
            EntryKind::Symlink => match std::fs::read_link(dent.path()) {
                Ok(t) => entry.link_target = Some(t.to_string_lossy().into_owned()),
                Err(e) => warnings.push(ContextWarning {
                    path: rel.clone(),
                    kind: WarningKind::Unreadable(e.to_string()),
                }),
            },
            k if k.is_special() => warnings.push(ContextWarning {
                path: rel.clone(),
                kind: WarningKind::SpecialFile(k),
            }),
            _ => {}
        }
        entries.insert(rel, entry);
    }
    add_parents(&mut entries, &excluded_dirs);
    Walked {
        entries,
        files,
        warnings,
    }
}

fn entry_from_meta(meta: &Metadata) -> Entry {
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        EntryKind::Dir
    } else if ft.is_symlink() {
        EntryKind::Symlink
    } else if ft.is_fifo() {
        EntryKind::Fifo
    } else if ft.is_socket() {
        EntryKind::Socket
    } else if ft.is_char_device() {
        EntryKind::CharDevice
    } else if ft.is_block_device() {
        EntryKind::BlockDevice
    } else {
        EntryKind::File
    };
    let mut e = Entry::new(kind, meta.mode(), meta.len());
    if matches!(kind, EntryKind::CharDevice | EntryKind::BlockDevice) {
        e.rdev = Some(meta.rdev());
    }
    e
}

/// Context key of an on-disk path: relative, `/`-separated. None for non-UTF-8 names.
fn rel_key(root: &Path, p: &Path) -> Option<String> {
    let rel = p.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

fn rel_lossy(root: &Path, p: &Path) -> String {
    p.strip_prefix(root)
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}
