//! Explaining why two contexts differ: which paths changed, and how.

use serde::{Deserialize, Serialize};

use super::entry::{Entry, EntryKind};
use super::tree::ContextTree;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeReason {
    Added,
    Removed,
    Content,
    Mode,
    Type,
    LinkTarget,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub path: String,
    pub reason: ChangeReason,
}

impl ChangeReason {
    /// A short stable name: added, removed, content, mode, type, link-target.
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeReason::Added => "added",
            ChangeReason::Removed => "removed",
            ChangeReason::Content => "content",
            ChangeReason::Mode => "mode",
            ChangeReason::Type => "type",
            ChangeReason::LinkTarget => "link-target",
        }
    }
}

impl std::fmt::Display for Change {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.reason {
            ChangeReason::Added => "added",
            ChangeReason::Removed => "removed",
            ChangeReason::Content => "changed (content)",
            ChangeReason::Mode => "changed (mode)",
            ChangeReason::Type => "changed (type)",
            ChangeReason::LinkTarget => "changed (link target)",
        };
        write!(f, "{} {why}", self.path)
    }
}

impl ContextTree {
    /// Changes from `self` (old) to `other` (new), in path order. Files, links and special
    /// files are reported individually; a directory only when its type or mode changed or when
    /// it was added/removed empty (otherwise its contents explain it). The root never appears.
    pub fn changes(&self, other: &ContextTree) -> Vec<Change> {
        let mut out = Vec::new();
        let mut push = |path: &str, reason| {
            out.push(Change {
                path: path.to_string(),
                reason,
            })
        };
        let keys: std::collections::BTreeSet<&String> =
            self.entries.keys().chain(other.entries.keys()).collect();
        for key in keys.into_iter().filter(|k| !k.is_empty()) {
            match (self.entries.get(key), other.entries.get(key)) {
                (Some(old), Some(new)) => {
                    if let Some(reason) = entry_change(old, new) {
                        push(key, reason);
                    }
                }
                (None, Some(new)) if !new.is_dir() || other.is_empty_dir(key) => {
                    push(key, ChangeReason::Added)
                }
                (Some(old), None) if !old.is_dir() || self.is_empty_dir(key) => {
                    push(key, ChangeReason::Removed)
                }
                _ => {}
            }
        }
        out
    }

    /// Paths of `changes`.
    pub fn changed_paths(&self, other: &ContextTree) -> Vec<String> {
        self.changes(other).into_iter().map(|c| c.path).collect()
    }

    fn is_empty_dir(&self, key: &str) -> bool {
        let prefix = format!("{key}/");
        !self
            .entries
            .range(prefix.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&prefix))
    }
}

fn entry_change(old: &Entry, new: &Entry) -> Option<ChangeReason> {
    if old.kind != new.kind || old.rdev != new.rdev {
        return Some(ChangeReason::Type);
    }
    if old.mode != new.mode {
        return Some(ChangeReason::Mode);
    }
    match old.kind {
        EntryKind::Dir => None,
        EntryKind::Symlink if old.link_target != new.link_target => Some(ChangeReason::LinkTarget),
        _ if old.digest != new.digest => Some(ChangeReason::Content),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;

    #[test]
    fn reasons() {
        let dir = tree_with(&[
            ("src/app.py", "1"),
            ("run.sh", "x"),
            ("gone", "g"),
            ("t", "t"),
        ]);
        symlink(dir.path(), "l", "t");
        let old = load(dir.path());
        write(dir.path(), "src/app.py", "2");
        chmod(dir.path(), "run.sh", 0o755);
        std::fs::remove_file(dir.path().join("gone")).unwrap();
        write(dir.path(), "new/deep/file", "n");
        mkdir(dir.path(), "empty");
        symlink(dir.path(), "l", "run.sh");
        std::fs::remove_file(dir.path().join("t")).unwrap();
        mkdir(dir.path(), "t");
        let new = load(dir.path());
        let got: Vec<String> = old.changes(&new).iter().map(|c| c.to_string()).collect();
        assert_eq!(
            got,
            vec![
                "empty added",
                "gone removed",
                "l changed (link target)",
                "new/deep/file added",
                "run.sh changed (mode)",
                "src/app.py changed (content)",
                "t changed (type)",
            ]
        );
        assert_eq!(old.changed_paths(&new).len(), 7);
        assert!(old.changes(&old).is_empty());
    }
}
