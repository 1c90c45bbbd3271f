//! Content hashing: streaming file digests and the recursive directory digests.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::entry::{Entry, EntryKind, ROOT_MODE};
use super::path::{join, parent};

/// Buffer size for streaming file contents: big enough to amortise syscalls, small enough that
/// rayon workers hashing in parallel never hold much memory.
const CHUNK: usize = 256 * 1024;

/// H(header ‖ bytes) of a regular file, streamed. Returns the digest and the number of bytes
/// actually read (the file may change size between stat and read; the bytes hashed win).
pub(crate) fn hash_file(path: &Path, entry: &Entry) -> io::Result<(String, u64)> {
    let mut file = File::open(path)?;
    // The walker saw a regular file, but it may have been swapped since; refuse anything else.
    if !file.metadata()?.is_file() {
        return Err(io::Error::other("no longer a regular file"));
    }
    let mut content = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut total = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        content.update(&buf[..n]);
        total += n as u64;
    }
    // The header carries the size, which we only know for sure after reading, so hash the
    // header and the content digest instead of one contiguous stream. Same equalities.
    let mut sized = entry.clone();
    sized.size = total;
    let mut h = Sha256::new();
    h.update(sized.header_bytes());
    h.update(content.finalize());
    Ok((hex::encode(h.finalize()), total))
}

/// Digest for a file we could not read: depends only on the header, and can never collide
/// with a readable file's digest (different preimage shape).
pub(crate) fn unreadable_digest(entry: &Entry) -> String {
    let mut h = Sha256::new();
    h.update(entry.header_bytes());
    h.update(b"\0unreadable");
    hex::encode(h.finalize())
}

/// Fills in the digest of every directory, bottom-up:
/// H("\0" ‖ own header digest ‖ for each child in byte order of name: "\0" ‖ name ‖ digest).
/// Non-directory digests must already be set; the root `""` uses a constant header.
pub(crate) fn compute_dir_digests(entries: &mut BTreeMap<String, Entry>) {
    let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
    for key in entries.keys() {
        if let Some(p) = parent(key) {
            let name = &key[if p.is_empty() { 0 } else { p.len() + 1 }..];
            children.entry(p).or_default().push(name);
        }
    }
    let mut dirs: Vec<String> = entries
        .iter()
        .filter(|(_, e)| e.is_dir())
        .map(|(k, _)| k.clone())
        .collect();
    // Deepest first, so every child directory is done before its parent.
    dirs.sort_by_key(|d| std::cmp::Reverse(depth(d)));
    let children: HashMap<String, Vec<String>> = children
        .into_iter()
        .map(|(k, mut v)| {
            v.sort_unstable();
            (k.to_string(), v.into_iter().map(str::to_string).collect())
        })
        .collect();
    for dir in dirs {
        let own = match entries.get(&dir) {
            Some(_) if dir.is_empty() => Entry::new(EntryKind::Dir, ROOT_MODE, 0).header_digest(),
            Some(e) => e.header_digest(),
            None => continue,
        };
        let mut h = Sha256::new();
        h.update(b"\0");
        h.update(own.as_bytes());
        for name in children.get(&dir).into_iter().flatten() {
            if let Some(child) = entries.get(&join(&dir, name)) {
                h.update(b"\0");
                h.update(name.as_bytes());
                h.update(child.digest.as_bytes());
            }
        }
        if let Some(e) = entries.get_mut(&dir) {
            e.digest = hex::encode(h.finalize());
        }
    }
}

fn depth(key: &str) -> usize {
    if key.is_empty() {
        0
    } else {
        key.matches('/').count() + 1
    }
}
