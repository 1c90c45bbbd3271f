//! Issue 16's reproductions, end to end: no panic, nothing lost, no secret
//! printed, clear answers. Each test is one item a tester reproduced.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_dockopt"))
}

fn run_in(dir: &Path, args: &[&str]) -> Output {
    bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{e}"))
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"))
}

fn write(p: &Path, s: &str) {
    if let Some(d) = p.parent() {
        std::fs::create_dir_all(d).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::write(p, s).unwrap_or_else(|e| panic!("{e}"));
}

/// Exit 101 is a Rust panic, 134 an abort (stack overflow).
fn assert_no_crash(o: &Output, what: &str) {
    let c = code(o);
    assert!(matches!(c, 0..=2), "{what}: exit {c}\n{}", text(o));
    assert!(!text(o).contains("panicked"), "{what}: {}", text(o));
}

#[test]
fn run_env_and_assignments_do_not_panic() {
    for body in [
        "RUN env",
        "RUN X=1",
        "RUN X=1 && rm -rf /tmp/x",
        "RUN sudo",
        "RUN env X=1 nice",
    ] {
        let d = tempdir();
        write(
            &d.path().join("Dockerfile"),
            &format!("FROM debian:12\nRUN apt-get update\n{body}\n"),
        );
        for args in [
            &["check", "."][..],
            &["fix", "--diff", "."],
            &["fix", "--diff", "--unsafe-fixes", "."],
            &["fix", "--unsafe-fixes", "."],
        ] {
            assert_no_crash(&run_in(d.path(), args), &format!("{body}: {args:?}"));
        }
    }
}

#[test]
fn deeply_nested_substitution_is_an_error_not_a_stack_overflow() {
    let d = tempdir();
    let n = 20_000;
    write(
        &d.path().join("Dockerfile"),
        &format!(
            "FROM debian:12\nENV X={}{}\nRUN echo hi\n",
            "${a:-".repeat(n),
            "}".repeat(n)
        ),
    );
    for args in [
        &["parse", "Dockerfile"][..],
        &["graph", "Dockerfile"],
        &["check", "."],
        &["fix", "--diff", "--unsafe-fixes", "."],
        &["simulate", "--changed", "x"],
        &["estimate", "--changed", "x"],
        &["multistage", "Dockerfile"],
    ] {
        let o = run_in(d.path(), args);
        assert_no_crash(&o, &format!("{args:?}"));
    }
    let o = run_in(d.path(), &["graph", "Dockerfile"]);
    assert!(
        text(&o).contains("Dockerfile: line 2: substitutions nested deeper than 64 levels"),
        "{}",
        text(&o)
    );
}

#[cfg(unix)]
#[test]
fn special_files_are_refused_not_read() {
    let d = tempdir();
    let fifo = d.path().join("fifo");
    let ok = Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    let mut cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["multistage", "/dev/zero"],
            "/dev/zero: is a character device, not a regular file",
        ),
        (
            vec!["profile", "record", "/dev/zero"],
            "/dev/zero: is a character device",
        ),
        (
            vec!["parse", "/dev/zero"],
            "/dev/zero: is a character device",
        ),
        (
            vec!["check", "/dev/zero"],
            "/dev/zero: is a character device",
        ),
        (
            vec!["estimate", "--changed", "x", "--log", "/dev/zero"],
            "/dev/zero: is a character device",
        ),
    ];
    if ok {
        cases.extend([
            (
                vec!["multistage", "fifo"],
                "fifo: is a FIFO (named pipe), not a regular file",
            ),
            (vec!["check", "fifo"], "fifo: is a FIFO"),
            (vec!["fix", "fifo"], "fifo: is a FIFO"),
            (vec!["parse", "fifo"], "fifo: is a FIFO"),
        ]);
    }
    write(&d.path().join("Dockerfile"), "FROM debian:12\n");
    for (args, want) in cases {
        // A blocked read would hang the test: the timeout is the assertion.
        let mut child = bin()
            .current_dir(d.path())
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{e}"));
        let start = std::time::Instant::now();
        loop {
            if child.try_wait().ok().flatten().is_some() {
                break;
            }
            if start.elapsed() > std::time::Duration::from_secs(20) {
                let _ = child.kill();
                panic!("{args:?} did not finish");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
        assert!(text(&o).contains(want), "{args:?}: {}", text(&o));
    }
}

#[test]
fn stdin_is_capped() {
    let mut child = bin()
        .args(["parse", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    if let Some(mut stdin) = child.stdin.take() {
        use std::io::Write;
        let chunk = vec![b'#'; 1 << 20];
        // Writing fails once dockopt stops reading; that is the point.
        for _ in 0..200 {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    }
    let o = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("<stdin>: larger than"), "{}", text(&o));
}

#[test]
fn control_bytes_from_the_input_are_escaped() {
    let d = tempdir();
    write(
        &d.path().join("Dockerfile"),
        "FROM a\nRUN echo \"\x1b[31mred\"\nR\x1b[2JUN x\0\n",
    );
    let o = run_in(d.path(), &["parse", "Dockerfile"]);
    assert_eq!(code(&o), 2);
    let t = text(&o);
    assert!(!t.contains('\x1b') && !t.contains('\0'), "{t:?}");
    assert!(t.contains("R\\u{1b}[2JUN"), "{t}");
    write(
        &d.path().join("Dockerfile"),
        "FROM a\nRUN echo \"\x1b[31mred\0\"\n",
    );
    for args in [
        &["parse", "Dockerfile"][..],
        &["check", "--format", "text", "."],
    ] {
        let t = text(&run_in(d.path(), args));
        assert!(!t.contains('\x1b') && !t.contains('\0'), "{args:?}: {t:?}");
    }
}
