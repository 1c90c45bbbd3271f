//! `dockopt fix` as a process: exit codes, atomic in-place writes, errors.

use std::path::Path;
use std::process::Command;

fn dockopt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .arg("fix")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn flask_copy() -> tempfile::TempDir {
    corpus_copy("flask-notebook")
}

/// A scratch copy of `corpus/NAME`, hidden folders (`.github/`) included.
fn corpus_copy(name: &str) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name);
    for e in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let rel = e.path().strip_prefix(&src).unwrap();
        let to = d.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(e.path(), &to).unwrap();
        }
    }
    d
}

#[test]
fn in_place_then_nothing_more() {
    let d = flask_copy();
    let df = d.path().join("Dockerfile");
    let p = df.to_str().unwrap();
    let before = std::fs::read_to_string(&df).unwrap();
    let (code, _, _) = dockopt(&["--check", p]);
    assert_eq!(code, 1);
    assert_eq!(
        std::fs::read_to_string(&df).unwrap(),
        before,
        "--check writes nothing"
    );
    let (code, out, _) = dockopt(&["--diff", p]);
    assert_eq!(code, 1);
    assert!(out.contains("+COPY requirements.txt ./"));
    let (code, _, err) = dockopt(&[p]);
    assert_eq!(code, 0, "{err}");
    let fixed = std::fs::read_to_string(&df).unwrap();
    assert_ne!(fixed, before);
    let mtime = std::fs::metadata(&df).unwrap().modified().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let (code, _, _) = dockopt(&[p]);
    assert_eq!(code, 0);
    assert_eq!(std::fs::read_to_string(&df).unwrap(), fixed);
    assert_eq!(
        std::fs::metadata(&df).unwrap().modified().unwrap(),
        mtime,
        "not rewritten"
    );
    let (code, _, _) = dockopt(&["--check", p]);
    assert_eq!(code, 0);
    let leftovers = std::fs::read_dir(d.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".dockopt-"))
        .count();
    assert_eq!(leftovers, 0);
}

#[test]
fn stdout_and_unsafe() {
    let d = flask_copy();
    let p = d.path().join("Dockerfile");
    let (code, out, _) = dockopt(&["--stdout", "--unsafe-fixes", p.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.contains("--no-install-recommends"));
    assert!(!d.path().join(".dockerignore").exists() || out.contains("FROM"));
}

#[test]
fn errors_exit_2_and_write_nothing() {
    let d = flask_copy();
    let df = d.path().join("Dockerfile");
    let p = df.to_str().unwrap();
    let (code, _, err) = dockopt(&["--select", "XYZ", p]);
    assert_eq!(code, 2);
    assert!(err.contains("XYZ"), "{err}");
    let before = std::fs::read_to_string(&df).unwrap();
    let mut perm = std::fs::metadata(&df).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&df, perm).unwrap();
    let (code, _, err) = dockopt(&[p]);
    assert_eq!(code, 2);
    assert!(err.contains("read-only"), "{err}");
    assert_eq!(std::fs::read_to_string(&df).unwrap(), before);
    let empty = tempfile::tempdir().unwrap();
    let (code, _, _) = dockopt(&[empty.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    let bad = empty.path().join("Dockerfile");
    std::fs::write(&bad, "FROM a b\n").unwrap();
    let (code, _, _) = dockopt(&[bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), "FROM a b\n");
}

/// Codes that `check --format json` reports with a safe fix for this file.
fn check_fixable(p: &str) -> Vec<String> {
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(["check", "--format", "json", p])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut codes: Vec<String> = v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
        .filter(|f| f["fix"]["applicability"] == "safe")
        .filter_map(|f| f["code"].as_str().map(String::from))
        .collect();
    codes.sort();
    codes.dedup();
    codes
}

/// `.dockopt.toml` turns a rule off for `fix` exactly as for `check`: `ignore`,
/// `per-file-ignores` and `--config` (check and fix agree, issue 15).
#[test]
fn config_file_turns_fixes_off_as_in_check() {
    let d = flask_copy();
    let df = d.path().join("Dockerfile");
    let p = df.to_str().unwrap();
    let before = std::fs::read_to_string(&df).unwrap();
    let fixable = check_fixable(p);
    assert!(fixable.iter().any(|c| c == "DO101"), "{fixable:?}");

    // ignore = all the safe codes check shows: check shows none, fix changes nothing.
    let list = fixable
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    std::fs::write(
        d.path().join(".dockopt.toml"),
        format!("ignore = [{list}]\n"),
    )
    .unwrap();
    assert!(check_fixable(p).is_empty());
    let (code, _, err) = dockopt(&[p]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("Nothing to fix"), "{err}");
    assert_eq!(std::fs::read_to_string(&df).unwrap(), before);

    // per-file-ignores for DO101 only: the other fixes still apply, DO101's does not.
    std::fs::write(
        d.path().join(".dockopt.toml"),
        "[per-file-ignores]\n\"Dockerfile\" = [\"DO101\"]\n",
    )
    .unwrap();
    let shown = check_fixable(p);
    assert!(!shown.iter().any(|c| c == "DO101"), "{shown:?}");
    let (code, out, err) = dockopt(&["--diff", p]);
    assert_eq!(code, 1, "{err}");
    assert!(!out.contains("+COPY requirements.txt ./"), "{out}");
    assert!(!err.contains("DO101"), "{err}");

    // --config points elsewhere: that file wins over the nearest one.
    let other = d.path().join("other.toml");
    std::fs::write(&other, "select = [\"DO101\"]\n").unwrap();
    let (code, out, err) = dockopt(&["--diff", "--config", other.to_str().unwrap(), p]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("+COPY requirements.txt ./"), "{out}");
    assert!(err.contains("DO101 ×1)"), "{err}");

    // A broken config is an error that names it, exit 2, nothing written.
    std::fs::write(d.path().join(".dockopt.toml"), "ignore = [\"DO999\"]\n").unwrap();
    let (code, _, err) = dockopt(&[p]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains(".dockopt.toml") && err.contains("DO999"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&df).unwrap(), before);
}

/// `fix DIR` also fixes the CI pipelines `check DIR` reads (DO6xx), in place,
/// once: a second run changes nothing.
#[test]
fn fixes_pipeline_files_check_reports() {
    let d = corpus_copy("ci-github");
    let wf = d.path().join(".github/workflows/image.yml");
    let before = std::fs::read_to_string(&wf).unwrap();
    let dir = d.path().to_str().unwrap();
    let (code, _, err) = dockopt(&["--check", dir]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("DO601"), "{err}");
    assert_eq!(std::fs::read_to_string(&wf).unwrap(), before);
    let (code, _, err) = dockopt(&[dir]);
    assert_eq!(code, 0, "{err}");
    let after = std::fs::read_to_string(&wf).unwrap();
    assert!(after.contains("cache-to: type=gha,mode=max"), "{after}");
    let (code, _, err) = dockopt(&["--check", dir]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_to_string(&wf).unwrap(), after);
    // The ignored code stays as it is.
    std::fs::write(&wf, &before).unwrap();
    let (code, _, err) = dockopt(&["--check", "--ignore", "DO601", dir]);
    assert!(!err.contains("DO601"), "{err}");
    let _ = code;
}
