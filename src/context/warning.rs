//! Non-fatal problems met while reading the context. BuildKit would often fail the build on
//! these; a linter must keep going and say what it skipped.

use serde::{Deserialize, Serialize};

use super::entry::EntryKind;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum WarningKind {
    /// A fifo, socket or device: recorded, never opened.
    SpecialFile(EntryKind),
    /// A file that could not be read; its digest only reflects its header.
    Unreadable(String),
    /// A symlink whose target does not exist inside the (filtered) context.
    BrokenSymlink(String),
    /// A symlink that leads back to itself (through other links).
    SymlinkLoop(String),
    /// A file name that is not UTF-8; it and anything below it are left out.
    NonUtf8Name,
    /// The walk could not list or stat something.
    Walk(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContextWarning {
    /// Context-relative path (lossy for non-UTF-8 names).
    pub path: String,
    #[serde(flatten)]
    pub kind: WarningKind,
}

impl std::fmt::Display for ContextWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.kind {
            WarningKind::SpecialFile(k) => {
                write!(f, "{}: special file ({k:?}) not read", self.path)
            }
            WarningKind::Unreadable(e) => write!(f, "{}: unreadable: {e}", self.path),
            WarningKind::BrokenSymlink(t) => {
                write!(
                    f,
                    "{}: symlink target {t:?} is not in the context",
                    self.path
                )
            }
            WarningKind::SymlinkLoop(t) => write!(
                f,
                "{}: symlink to {t:?} is a loop (too many levels of symbolic links)",
                self.path
            ),
            WarningKind::NonUtf8Name => write!(f, "{}: non-UTF-8 name skipped", self.path),
            WarningKind::Walk(e) => write!(f, "{}: {e}", self.path),
        }
    }
}
