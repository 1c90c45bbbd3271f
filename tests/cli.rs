//! End-to-end tests of the `dockopt` binary: commands, formats, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dockopt"))
}

fn run(args: &[&str]) -> Output {
    bin()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

fn corpus(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(name)
}

/// A copy of a corpus folder in a temp dir (tests may edit it).
fn copy_of(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let src = corpus(name);
    for e in walkdir::WalkDir::new(&src).into_iter().flatten() {
        let rel = e.path().strip_prefix(&src).unwrap_or(e.path());
        let dst = tmp.path().join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(e.path(), &dst).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    tmp
}

#[test]
fn parse_text_json_and_stdin() {
    let df = corpus("flask-notebook").join("Dockerfile");
    let o = run(&["parse", df.to_str().unwrap_or_default()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("COPY        . ."));
    let o = run(&["parse", "--format", "json", df.to_str().unwrap_or_default()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["instructions"][0]["keyword"], "FROM");
    assert_eq!(v["instructions"][0]["span"]["line"], 2);
    let mut child = bin()
        .args(["parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let _ = stdin.write_all(b"FROM a\nRUN <<EOF\necho\n");
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("<stdin>:2:5"), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("unterminated heredoc"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn parse_finds_dockerfiles_in_directories() {
    let o = run(&[
        "parse",
        corpus("unreachable-stages").to_str().unwrap_or_default(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let o = run(&["parse", tmp.path().to_str().unwrap_or_default()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no Dockerfile found"), "{}", stderr(&o));
    let o = run(&["parse", "/nonexistent/Dockerfile"]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(&["parse"]);
    assert_eq!(o.status.code(), Some(2), "usage error");
}

#[test]
fn graph_formats() {
    let dir = corpus("unreachable-stages");
    let d = dir.to_str().unwrap_or_default();
    let o = run(&["graph", d]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("digraph dockerfile {"));
    assert!(
        stdout(&o).contains("style=dashed"),
        "unbuilt stages are dashed"
    );
    let o = run(&["graph", d, "--format", "mermaid"]);
    assert!(stdout(&o).starts_with("flowchart TD"));
    let o = run(&["graph", d, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert!(v["edges"]
        .as_array()
        .map(|a| !a.is_empty())
        .unwrap_or(false));
    let o = run(&["graph", d, "--target", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("target stage `nope` not found"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn simulate_changed_paths_json_contract() {
    let tmp = copy_of("flask-notebook");
    let ctx = tmp.path().to_str().unwrap_or_default();
    let o = run(&[
        "simulate",
        "--context",
        ctx,
        "--changed",
        "manage.py",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    let steps = v["steps"].as_array().cloned().unwrap_or_default();
    let copy = steps
        .iter()
        .find(|s| s["instruction"] == "COPY . .")
        .cloned()
        .unwrap_or_default();
    assert_eq!(copy["result"], "miss");
    assert_eq!(copy["stage"], 0);
    assert_eq!(copy["stage_name"], serde_json::Value::Null);
    assert_eq!(copy["line"], 16);
    assert_eq!(copy["cause"]["kind"], "file");
    assert_eq!(copy["cause"]["paths"][0]["path"], "manage.py");
    let pip = steps
        .iter()
        .find(|s| s["instruction"] == "RUN pip install -r requirements.txt")
        .cloned()
        .unwrap_or_default();
    assert_eq!(pip["cause"]["kind"], "upstream");
    assert_eq!(v["summary"]["hits"], 3);
    assert_eq!(v["summary"]["misses"], 4);
    assert!(steps.iter().all(|s| s["instruction"]
        .as_str()
        .map(|i| !i.starts_with("FROM"))
        .unwrap_or(false)));
    let o = run(&["simulate", "--context", ctx, "--changed", "manage.py"]);
    assert!(
        stdout(&o).contains("COPY . . ← manage.py changed (content)"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn simulate_before_after_snapshot_and_git() {
    let before = copy_of("flask-notebook");
    let after = copy_of("flask-notebook");
    std::fs::write(after.path().join("requirements.txt"), "flask==3.0.0\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let (b, a) = (
        before.path().to_str().unwrap_or_default(),
        after.path().to_str().unwrap_or_default(),
    );
    let o = run(&["simulate", "--before", b, "--after", a, "--format", "json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["summary"]["misses"], 4);

    // snapshot of the first build, then compare the edited tree with it
    let snap = run(&["snapshot", "--context", b]);
    assert!(snap.status.success(), "{}", stderr(&snap));
    let snap_file = before
        .path()
        .join("..")
        .join(format!("snap-{}.json", std::process::id()));
    std::fs::write(&snap_file, &snap.stdout).unwrap_or_else(|e| panic!("{e}"));
    let o = run(&[
        "simulate",
        "--context",
        a,
        "--before-snapshot",
        snap_file.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let w: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        w["steps"], v["steps"],
        "a snapshot replaces the old tree exactly"
    );
    let _ = std::fs::remove_file(&snap_file);

    // a git range
    let repo = copy_of("flask-notebook");
    let r = repo.path();
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .arg("-C")
            .arg(r)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(
            o.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    git(&["init", "-q"]);
    git(&["-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "one",
    ]);
    std::fs::write(r.join("manage.py"), "print('edited')\n").unwrap_or_else(|e| panic!("{e}"));
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qam",
        "two",
    ]);
    let ctx = r.to_str().unwrap_or_default();
    let o = run(&[
        "simulate",
        "--context",
        ctx,
        "--git",
        "HEAD~1..HEAD",
        "--format",
        "json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let g: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(g["summary"]["misses"], 4);
    let o = run(&["simulate", "--context", ctx, "--git", "nope..HEAD"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("unknown revision `nope`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn simulate_bad_input() {
    let tmp = copy_of("flask-notebook");
    let ctx = tmp.path().to_str().unwrap_or_default();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["simulate", "--context", "/nonexistent"],
            "does not exist",
        ),
        (
            vec!["simulate", "--context", ctx, "--target", "nope"],
            "target stage `nope` not found",
        ),
        (
            vec![
                "simulate",
                "--context",
                ctx,
                "--before-snapshot",
                "/nonexistent.json",
            ],
            "snapshot",
        ),
        (
            vec!["simulate", "--context", ctx, "-f", "/etc/hostname"],
            "outside the build context",
        ),
        (
            vec!["simulate", "--context", ctx, "--git", "a...b"],
            "two dots",
        ),
    ];
    for (args, needle) in cases {
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{args:?}: {}", stderr(&o));
    }
    let garbage = tmp.path().join("garbage.json");
    std::fs::write(&garbage, "{not json").unwrap_or_else(|e| panic!("{e}"));
    let o = run(&[
        "simulate",
        "--context",
        ctx,
        "--before-snapshot",
        garbage.to_str().unwrap_or_default(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not JSON"), "{}", stderr(&o));
    // A bad --image-config is a clear error, exit 2.
    let g = garbage.to_str().unwrap_or_default();
    for (arg, needle) in [
        ("python".to_string(), "expected IMAGE=FILE"),
        ("python=/nonexistent.json".to_string(), "cannot read"),
        (format!("python={g}"), "not JSON"),
    ] {
        let o = run(&["simulate", "--context", ctx, "--image-config", &arg]);
        assert_eq!(o.status.code(), Some(2), "{arg}: {}", stderr(&o));
        assert!(stderr(&o).contains(needle), "{arg}: {}", stderr(&o));
        assert!(stderr(&o).contains("--image-config"), "{}", stderr(&o));
    }
    std::fs::write(
        tmp.path().join("Dockerfile"),
        "FROM a\nRUN --mount=type=nfs x\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let o = run(&["simulate", "--context", ctx]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("unknown mount type"), "{}", stderr(&o));
}

#[test]
fn simulate_build_args_and_base_changes() {
    let tmp = copy_of("flask-notebook");
    let ctx = tmp.path().to_str().unwrap_or_default();
    let o = run(&[
        "simulate",
        "--context",
        ctx,
        "--base-changed",
        "python:3.9-buster",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(v["summary"]["hits"], 0);
    assert_eq!(v["steps"][0]["cause"]["kind"], "base");
    let o = run(&[
        "simulate",
        "--context",
        ctx,
        "--after-build-arg",
        "UNDECLARED=1",
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        v["summary"]["misses"], 0,
        "undeclared build args are not keyed"
    );
}

/// What BuildKit refuses once it reads an instruction's flags (a mount of an
/// unknown type, `--from=` a stage number not built yet) is an error at the
/// value's file:line:col in every command, and check's summary does not read
/// as a clean bill.
#[test]
fn model_errors_have_a_position_in_every_command() {
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let df = tmp.path().join("Dockerfile");
    let cases = [
        (
            "FROM debian:12\nRUN --mount=type=foo echo hi\n",
            "Dockerfile:2:13",
            "unknown mount type `foo`",
        ),
        (
            "FROM debian:12\nRUN --mount=type=cache,tagret=/x echo hi\n",
            "Dockerfile:2:13",
            "unexpected key `tagret`",
        ),
        (
            "FROM debian:12\nEXPOSE 80 \\\n  8080/tpc\n",
            "Dockerfile:2:8",
            "invalid protocol `tpc`",
        ),
        (
            "FROM debian:12\nARG P=70000\nEXPOSE 80 $P\n",
            "Dockerfile:3:11",
            "invalid port `70000`",
        ),
        (
            "FROM debian:12\nCOPY --from=3 a b\n",
            "Dockerfile:2:13",
            "--from=3 does not name an earlier stage",
        ),
    ];
    for (text, at, message) in cases {
        std::fs::write(&df, text).unwrap_or_else(|e| panic!("{e}"));
        let d = df.to_string_lossy().to_string();
        let t = tmp.path().to_string_lossy().to_string();
        for args in [
            vec!["check", t.as_str()],
            vec!["fix", t.as_str()],
            vec!["graph", d.as_str()],
            vec!["multistage", d.as_str()],
            vec!["simulate", "--context", t.as_str(), "--changed", "a"],
            vec!["estimate", "--context", t.as_str(), "--changed", "a"],
        ] {
            let o = run(&args);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{args:?} on {text:?}: {err}");
            assert!(err.contains(at), "{args:?} on {text:?}: {err}");
            assert!(err.contains(message), "{args:?} on {text:?}: {err}");
            assert!(!err.contains("line 2:"), "{args:?}: old format: {err}");
            // The frame shows the line once per report, never twice.
            assert_eq!(err.matches(" --> ").count(), 1, "{args:?}: {err}");
        }
        let o = run(&["check", &t]);
        assert!(
            stdout(&o).contains("1 file(s) not checked"),
            "{}",
            stdout(&o)
        );
    }
    // Unchanged, nothing half-written.
    assert_eq!(
        std::fs::read_to_string(&df).unwrap_or_default(),
        "FROM debian:12\nCOPY --from=3 a b\n"
    );
}
