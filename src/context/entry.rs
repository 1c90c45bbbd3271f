//! One context entry and its tar-header-like digest record (buildkit-cache.md §6.3).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    File,
    Dir,
    Symlink,
    Fifo,
    Socket,
    CharDevice,
    BlockDevice,
}

impl EntryKind {
    /// Tar type flag used in the header record. BuildKit hashes sockets as regular files.
    fn type_flag(self) -> char {
        match self {
            EntryKind::File | EntryKind::Socket => '0',
            EntryKind::Symlink => '2',
            EntryKind::CharDevice => '3',
            EntryKind::BlockDevice => '4',
            EntryKind::Dir => '5',
            EntryKind::Fifo => '6',
        }
    }

    /// Fifos, sockets and devices: never opened for reading.
    pub fn is_special(self) -> bool {
        !matches!(self, EntryKind::File | EntryKind::Dir | EntryKind::Symlink)
    }
}

/// One entry of the context tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub kind: EntryKind,
    /// Permission bits plus setuid/setgid/sticky (`mode & 0o7777`); 0o777 for symlinks.
    pub mode: u32,
    /// Byte size for regular files, 0 for everything else.
    pub size: u64,
    /// Symlink target text, exactly as stored in the link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// Device number for char/block devices (it is part of the tar header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdev: Option<u64>,
    /// Hex SHA-256: file = H(header ‖ bytes); link/special = H(header); dir = recursive.
    pub digest: String,
}

/// Mode of the context root as hashed: a constant, so `chmod` of the context dir is invisible.
pub(crate) const ROOT_MODE: u32 = 0o755;

impl Entry {
    pub fn is_dir(&self) -> bool {
        self.kind == EntryKind::Dir
    }

    /// The canonical header record: every field BuildKit's tarsum-v1 header keeps, except the
    /// name (added by the parent). uid/gid are always 0 for context files and mtime is never
    /// part of it. xattrs are a known gap: we do not read them.
    pub(crate) fn header_bytes(&self) -> Vec<u8> {
        let size = if self.kind == EntryKind::File {
            self.size
        } else {
            0
        };
        let mode = if self.kind == EntryKind::Symlink {
            0o777
        } else {
            self.mode & 0o7777
        };
        format!(
            "tarsum.v1\0type={}\0mode={:o}\0uid=0\0gid=0\0size={}\0link={}\0dev={}\0",
            self.kind.type_flag(),
            mode,
            size,
            self.link_target.as_deref().unwrap_or(""),
            self.rdev.unwrap_or(0),
        )
        .into_bytes()
    }

    /// H(header) as hex: the full digest of links and special files, and the "own header" part
    /// of a directory digest.
    pub(crate) fn header_digest(&self) -> String {
        hex::encode(Sha256::digest(self.header_bytes()))
    }

    /// A new entry with an empty digest (filled in by hashing).
    pub(crate) fn new(kind: EntryKind, mode: u32, size: u64) -> Entry {
        Entry {
            kind,
            mode: if kind == EntryKind::Symlink {
                0o777
            } else {
                mode & 0o7777
            },
            size: if kind == EntryKind::File { size } else { 0 },
            link_target: None,
            rdev: None,
            digest: String::new(),
        }
    }
}
