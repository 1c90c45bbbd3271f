//! Whether `ADD` would unpack a local file: BuildKit decides by content, not
//! by name (moby's `IsArchivePath`: a compression format recognised by its
//! magic bytes, then a tar header that reads). A rule that tells `ADD` from
//! `COPY` needs the same answer.

use std::io::Read;
use std::path::Path;

/// Magic bytes of the compressions BuildKit's decompressor recognises.
const COMPRESSED: &[&[u8]] = &[
    &[0x1f, 0x8b, 0x08],                   // gzip
    b"BZh",                                // bzip2
    &[0xfd, b'7', b'z', b'X', b'Z', 0x00], // xz
    &[0x28, 0xb5, 0x2f, 0xfd],             // zstd
];

/// Whether `head` (a file's first 512 bytes or all of a shorter file) may be
/// an archive `ADD` unpacks. A compressed file counts whatever it holds
/// (telling would mean decompressing it): the answer errs towards "archive",
/// which keeps `ADD`.
pub fn may_be_archive(head: &[u8]) -> bool {
    if COMPRESSED.iter().any(|m| head.starts_with(m)) {
        return true;
    }
    tar_header(head)
}

/// A 512-byte tar header whose checksum field matches its bytes (what Go's
/// tar reader checks before anything else; an all-zero block is the end of
/// an empty archive, which `ADD` copies as a file).
fn tar_header(head: &[u8]) -> bool {
    let Some(block) = head.get(..512) else {
        return false;
    };
    if block.iter().all(|&b| b == 0) {
        return false;
    }
    let field = &block[148..156];
    let digits: String = field
        .iter()
        .map(|&b| b as char)
        .filter(|c| !matches!(c, ' ' | '\0'))
        .collect();
    let Ok(want) = u64::from_str_radix(&digits, 8) else {
        return false;
    };
    // the checksum is taken with its own field as spaces, unsigned or
    // signed (old tars wrote the signed sum)
    let (mut unsigned, mut signed) = (0u64, 0i64);
    for (i, &b) in block.iter().enumerate() {
        let b = if (148..156).contains(&i) { b' ' } else { b };
        unsigned += u64::from(b);
        signed += i64::from(b as i8);
    }
    want == unsigned || i64::try_from(want).is_ok_and(|w| w == signed)
}

/// [`may_be_archive`] of the file at `path`; None when it cannot be read.
pub fn file_may_be_archive(path: &Path) -> Option<bool> {
    let mut head = Vec::with_capacity(512);
    std::fs::File::open(path)
        .ok()?
        .take(512)
        .read_to_end(&mut head)
        .ok()?;
    Some(may_be_archive(&head))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(name: &str, body: &[u8]) -> Vec<u8> {
        let mut h = vec![0u8; 512];
        h[..name.len()].copy_from_slice(name.as_bytes());
        h[100..108].copy_from_slice(b"0000644\0");
        h[124..136].copy_from_slice(format!("{:011o}\0", body.len()).as_bytes());
        h[156] = b'0';
        h[257..263].copy_from_slice(b"ustar\0");
        h[148..156].copy_from_slice(b"        ");
        let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
        h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
        h.extend_from_slice(body);
        h
    }

    #[test]
    fn content_decides_not_the_name() {
        assert!(may_be_archive(&tar_of("f", b"hi")));
        assert!(may_be_archive(&[0x1f, 0x8b, 0x08, 0, 0]));
        assert!(may_be_archive(b"BZh91AY&SY"));
        assert!(!may_be_archive(b"print('hello')\n"));
        assert!(!may_be_archive(&[0u8; 1024]));
        // a broken checksum is not a header
        let mut bad = tar_of("f", b"hi");
        bad[0] = b'g';
        assert!(!may_be_archive(&bad));
    }
}
