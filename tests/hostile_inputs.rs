//! Hostile files on the newer input paths (issue 16): `estimate --rates`
//! and `.dockopt.toml` given a missing file, a directory, a FIFO, binary,
//! an oversized file, malformed or deeply nested text: a clear error naming
//! the file (with its position where the format has one), exit 2, no panic.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_dockopt");

fn dockopt(dir: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run dockopt")
}

fn context() -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("Dockerfile"), "FROM debian:12\nRUN echo hi\n").unwrap();
    d
}

fn refused(o: &Output, what: &str, needle: &str) {
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{what}: exit 2, got {:?}: {err}",
        o.status.code()
    );
    assert!(!err.contains("panicked"), "{what}: {err}");
    assert!(
        err.contains(needle),
        "{what}: the error says `{needle}`: {err}"
    );
}

#[test]
fn estimate_rates_refuses_what_is_not_a_profile() {
    let d = context();
    let p = d.path();
    std::fs::create_dir(p.join("adir")).unwrap();
    std::fs::write(p.join("bin.json"), b"\x00\xff\x01").unwrap();
    std::fs::write(
        p.join("bad.json"),
        "{\"version\": 1,\n \"rates\": {\"packages\": {\"pip\": {\"seconds\": \"x\"}}}}",
    )
    .unwrap();
    std::fs::write(p.join("trunc.json"), "{\"version\": 1,\n \"rates\": ").unwrap();
    std::fs::write(
        p.join("format.json"),
        "{\n \"format\": \"x/2\", \"steps\": []}",
    )
    .unwrap();
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    std::fs::write(p.join("deep.json"), deep).unwrap();
    // Sparse: past the read cap without writing it.
    let huge = std::fs::File::create(p.join("huge.json")).unwrap();
    huge.set_len(2 << 30).unwrap();
    let cases = [
        ("missing.json", "missing.json: no such file"),
        ("adir", "adir: is a directory"),
        ("bin.json", "bin.json:1:"),
        // FILE:LINE:COL, then what was expected there.
        (
            "bad.json",
            "bad.json:2:46: not a dockopt profile: invalid type: string \"x\", expected f64",
        ),
        (
            "trunc.json",
            "trunc.json:2:10: not a dockopt profile: EOF while parsing a value",
        ),
        (
            "format.json",
            "format.json:2:2: unsupported profile format `x/2` (expected `dockopt-profile/1`)",
        ),
        ("deep.json", "deep.json"),
        ("huge.json", "huge.json"),
    ];
    for (file, needle) in cases {
        let o = dockopt(p, &["estimate", "--context", ".", "--rates", file]);
        refused(&o, file, needle);
    }
}

#[cfg(unix)]
#[test]
fn estimate_rates_refuses_a_fifo_without_blocking() {
    let d = context();
    let fifo = d.path().join("rates.fifo");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        eprintln!("skipped: mkfifo unavailable");
        return;
    }
    let o = dockopt(
        d.path(),
        &["estimate", "--context", ".", "--rates", "rates.fifo"],
    );
    refused(&o, "fifo", "FIFO");
}

#[test]
fn config_file_hostile_contents_are_errors() {
    let deep = format!("a = {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let cases: [(&str, Vec<u8>); 4] = [
        ("binary", b"\x00\xff\xfe[check]".to_vec()),
        ("truncated", b"[check]\nselect = [\"DO1".to_vec()),
        ("deep", deep.into_bytes()),
        (
            "wrong format",
            b"{\"check\": {\"select\": [\"DO1\"]}}".to_vec(),
        ),
    ];
    for (what, bytes) in cases {
        let d = context();
        std::fs::write(d.path().join(".dockopt.toml"), bytes).unwrap();
        let o = dockopt(d.path(), &["check", "."]);
        refused(&o, what, ".dockopt.toml");
    }
}

/// A lockfile that does not parse is a warning naming FILE:LINE:COL, and the
/// estimate says it falls back; it is never skipped in silence (issue 16).
#[test]
fn estimate_names_a_broken_lockfile() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path();
    std::fs::write(
        p.join("Dockerfile"),
        "FROM node:20\nCOPY package.json package-lock.json ./\nRUN npm ci\nCOPY . .\n",
    )
    .unwrap();
    std::fs::write(p.join("package.json"), "{\"dependencies\": {\"a\": \"1\"}}").unwrap();
    std::fs::write(p.join("package-lock.json"), "{\n  \"packages\": {,\n}").unwrap();
    std::fs::write(p.join("app.js"), "1\n").unwrap();
    let o = dockopt(p, &["estimate", "--context", ".", "--changed", "app.js"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(
        err.contains("package-lock.json:2:16: not a valid package-lock.json: key must be a string")
            && err.contains("falls back to the heuristics"),
        "{err}"
    );
}
