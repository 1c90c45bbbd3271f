//! Round trip and no-error over every Dockerfile in corpus/ and, when the
//! folder exists, ../shared/corpus (real-world files, never copied here).

use std::path::{Path, PathBuf};

mod common;
use common::{dockerfiles_under, shared_corpus};

/// Files that BuildKit's parser accepts but its build rejects: a bare `FROM`,
/// a stray `&&` line (an unknown instruction) and `COPY --from build` (a
/// string flag without `=`, which BuildKit's `BFlags.Parse` refuses). Listed by the manifest
/// id so the test states exactly which files may fail, and how.
const REJECTED_BY_BUILD: [(&str, &str); 3] = [
    ("0104", "bad-arguments"),
    ("0123", "unknown-instruction"),
    ("0252", "flag-without-value"),
];

fn check_file(path: &Path, failures: &mut Vec<String>) -> bool {
    let Ok(bytes) = std::fs::read(path) else {
        failures.push(format!("{}: unreadable", path.display()));
        return false;
    };
    let Ok(text) = String::from_utf8(bytes) else {
        failures.push(format!("{}: not UTF-8", path.display()));
        return false;
    };
    match dockopt::syntax::parse(&text) {
        Ok(df) => {
            if df.to_source() != text {
                failures.push(format!("{}: round trip differs", path.display()));
                return false;
            }
            true
        }
        Err(e) => {
            failures.push(e.render(&path.display().to_string(), &text));
            false
        }
    }
}

#[test]
fn own_corpus_round_trips() {
    let files = dockerfiles_under(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("corpus")
            .as_path(),
    );
    assert!(files.len() >= 40, "corpus/ has {} Dockerfiles", files.len());
    let mut failures = Vec::new();
    let ok = files
        .iter()
        .filter(|f| check_file(f, &mut failures))
        .count();
    println!(
        "corpus/: {ok}/{} Dockerfiles parse and round-trip byte-exact",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn shared_corpus_round_trips() {
    let Some(dir) = shared_corpus() else {
        println!("../shared/corpus not present: shared tier not run");
        return;
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
        let p = entry.path().join("Dockerfile");
        if p.is_file() {
            files.push(p);
        }
    }
    files.sort();
    let mut failures = Vec::new();
    let mut expected_errors = 0;
    let mut ok = 0;
    for f in &files {
        let id = f
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        if let Some((_, code)) = REJECTED_BY_BUILD.iter().find(|(i, _)| *i == id) {
            let text = std::fs::read_to_string(f).unwrap_or_default();
            match dockopt::syntax::parse(&text) {
                Err(e) if e.kind.code() == *code => expected_errors += 1,
                other => failures.push(format!("{id}: expected {code}, got {other:?}")),
            }
            continue;
        }
        if check_file(f, &mut failures) {
            ok += 1;
        }
    }
    println!(
        "shared corpus: {ok}/{} valid files parse and round-trip byte-exact; {expected_errors} files a build rejects get their error",
        files.len() - REJECTED_BY_BUILD.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
