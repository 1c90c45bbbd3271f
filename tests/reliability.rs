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
        let o = run_bounded(d.path(), &args);
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
        assert!(text(&o).contains(want), "{args:?}: {}", text(&o));
    }
}

/// Runs dockopt in `dir`, failing the test if it has not finished in 20 s:
/// a blocked read would otherwise hang the test, so the timeout is the assertion.
fn run_bounded(dir: &Path, args: &[&str]) -> Output {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
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
    child.wait_with_output().unwrap_or_else(|e| panic!("{e}"))
}

/// A FIFO named `.dockerignore` (or `Dockerfile.dockerignore`) blocked every
/// command that measures the context; now each names it and exits 2 (BuildKit
/// cannot build with it either). A FIFO or huge file standing where a
/// manifest is read is left unread: the fix that needs it is refused.
#[cfg(unix)]
#[test]
fn context_files_that_cannot_be_read_block_nothing() {
    let mkfifo = |p: &Path| {
        Command::new("mkfifo")
            .arg(p)
            .status()
            .is_ok_and(|s| s.success())
    };
    for ignore in [".dockerignore", "Dockerfile.dockerignore"] {
        let d = tempdir();
        let sub = d.path().join("sub");
        write(&sub.join("Dockerfile"), "FROM debian:12\nCOPY . /app\n");
        if !mkfifo(&sub.join(ignore)) {
            eprintln!("skipped: mkfifo unavailable");
            return;
        }
        // From the context and from the folder above it: the Dockerfile's
        // path is the user's, relative to where they run dockopt.
        for (cwd, args) in [
            (&sub, vec!["check", "."]),
            (&sub, vec!["fix", "--diff", "."]),
            (&sub, vec!["simulate", "--changed", "x"]),
            (&sub, vec!["multistage", "Dockerfile"]),
            (&d.path().to_path_buf(), vec!["check", "sub"]),
            (&d.path().to_path_buf(), vec!["fix", "--diff", "sub"]),
            (
                &d.path().to_path_buf(),
                vec!["simulate", "-f", "sub/Dockerfile", "--changed", "x"],
            ),
            (
                &d.path().to_path_buf(),
                vec!["simulate", "--context", "sub", "--changed", "x"],
            ),
            (
                &d.path().to_path_buf(),
                vec!["multistage", "sub/Dockerfile"],
            ),
            (
                &d.path().to_path_buf(),
                vec!["snapshot", "-f", "sub/Dockerfile"],
            ),
        ] {
            let o = run_bounded(cwd, &args);
            assert_eq!(code(&o), 2, "{ignore} {args:?}: {}", text(&o));
            assert!(
                text(&o).contains("is a FIFO"),
                "{ignore} {args:?}: {}",
                text(&o)
            );
        }
    }
    let d = tempdir();
    write(
        &d.path().join("Dockerfile"),
        "FROM python:3.12-slim\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n",
    );
    write(&d.path().join("app.py"), "print(1)\n");
    let req = d.path().join("requirements.txt");
    assert!(mkfifo(&req));
    let fix = ["fix", "--unsafe-fixes", "--diff", "."];
    for args in [&["check", "."][..], &fix] {
        let o = run_bounded(d.path(), args);
        assert!(code(&o) <= 1, "{args:?}: {}", text(&o));
        assert!(!text(&o).contains("panicked"), "{args:?}: {}", text(&o));
    }
    let why = |o: &Output| {
        text(o)
            .lines()
            .find(|l| l.contains("DO101 not fixed"))
            .map(str::to_string)
            .unwrap_or_else(|| panic!("DO101 is refused with a reason: {}", text(o)))
    };
    let o = run_bounded(d.path(), &fix);
    assert!(
        why(&o).contains("requirements.txt cannot be read from the build context: is a FIFO"),
        "{}",
        why(&o)
    );
    // Sparse, just past the cap: refused on its length, never loaded.
    std::fs::remove_file(&req).unwrap();
    std::fs::File::create(&req)
        .and_then(|f| f.set_len((32 << 20) + 1))
        .unwrap();
    let o = run_bounded(d.path(), &fix);
    assert!(code(&o) <= 1, "{}", text(&o));
    assert!(
        why(&o).contains("cannot be read from the build context: larger than"),
        "{}",
        why(&o)
    );
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

const FIXABLE: &str = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y curl\n";

#[test]
fn an_edit_made_while_fix_runs_is_kept() {
    let d = tempdir();
    let p = d.path().join("Dockerfile");
    write(&p, FIXABLE);
    let o = bin()
        .current_dir(d.path())
        .args(["fix", "."])
        .env("DOCKOPT_TEST_EDIT_BEFORE_RENAME", "# the user's edit\n")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(
        text(&o).contains("changed since it was read"),
        "{}",
        text(&o)
    );
    assert_eq!(
        std::fs::read_to_string(&p).unwrap_or_default(),
        format!("{FIXABLE}# the user's edit\n")
    );
    let names: Vec<_> = std::fs::read_dir(d.path())
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert_eq!(names.len(), 1, "no temp file left: {names:?}");
}

#[cfg(unix)]
#[test]
fn fix_writes_through_a_symlinked_dockerfile() {
    let d = tempdir();
    let real = d.path().join("docker/Dockerfile.real");
    write(&real, FIXABLE);
    std::os::unix::fs::symlink("docker/Dockerfile.real", d.path().join("Dockerfile"))
        .unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(d.path(), &["fix", "Dockerfile"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("through its symlink"), "{}", text(&o));
    let link =
        std::fs::symlink_metadata(d.path().join("Dockerfile")).unwrap_or_else(|e| panic!("{e}"));
    assert!(link.file_type().is_symlink());
    assert!(std::fs::read_to_string(&real)
        .unwrap_or_default()
        .contains("apt-get update && apt-get install"));
    // Discovery finds a symlinked Dockerfile too, instead of skipping it.
    write(&real, FIXABLE);
    let o = run_in(d.path(), &["fix", "--check", "."]);
    assert_eq!(code(&o), 1, "{}", text(&o));
}

#[cfg(unix)]
#[test]
fn fix_keeps_owner_group_mode_and_hard_links() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    let d = tempdir();
    let p = d.path().join("Dockerfile");
    write(&p, FIXABLE);
    // As root (CI containers), give the file to nobody as the issue did.
    let root = std::fs::metadata(d.path())
        .map(|m| m.uid() == 0)
        .unwrap_or(false)
        && Command::new("id")
            .arg("-u")
            .output()
            .map(|o| o.stdout == b"0\n")
            .unwrap_or(false);
    if root {
        let _ = std::os::unix::fs::chown(&p, Some(65534), Some(65534));
    }
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o6751)).unwrap_or_default();
    let before = std::fs::metadata(&p).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(d.path(), &["fix", "."]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    let after = std::fs::metadata(&p).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((after.uid(), after.gid()), (before.uid(), before.gid()));
    assert_eq!(after.mode() & 0o7777, 0o6751);
    // A hard link keeps seeing the same file.
    write(&p, FIXABLE);
    let twin = d.path().join("twin");
    std::fs::hard_link(&p, &twin).unwrap_or_else(|e| panic!("{e}"));
    let o = run_in(d.path(), &["fix", "Dockerfile"]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("hard links"), "{}", text(&o));
    assert_eq!(
        std::fs::read_to_string(&twin).unwrap_or_default(),
        std::fs::read_to_string(&p).unwrap_or_default()
    );
    assert_eq!(std::fs::metadata(&p).map(|m| m.nlink()).unwrap_or(0), 2);
}

#[cfg(unix)]
#[test]
fn a_multi_file_fix_is_all_or_nothing() {
    let d = tempdir();
    let p = d.path().join("Dockerfile");
    write(
        &p,
        "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN apt-get update\nRUN apt-get install -y curl\n",
    );
    write(&d.path().join("node_modules/x/index.js"), "x");
    write(&d.path().join("package.json"), "{}");
    std::os::unix::fs::symlink("nowhere", d.path().join(".dockerignore"))
        .unwrap_or_else(|e| panic!("{e}"));
    let before = std::fs::read_to_string(&p).unwrap_or_default();
    let o = run_in(d.path(), &["fix", "--unsafe-fixes", "."]);
    assert_eq!(code(&o), 2, "{}", text(&o));
    assert!(text(&o).contains("nothing was written"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&p).unwrap_or_default(), before);
    // Without the obstacle both files are written and both are listed.
    let _ = std::fs::remove_file(d.path().join(".dockerignore"));
    let o = run_in(d.path(), &["fix", "--unsafe-fixes", "."]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(text(&o).contains("wrote ./Dockerfile"), "{}", text(&o));
    assert!(text(&o).contains("created ./.dockerignore"), "{}", text(&o));
}

#[test]
fn stale_temp_files_are_removed_from_the_context() {
    let d = tempdir();
    write(&d.path().join("Dockerfile"), FIXABLE);
    // What `kill -9` during an earlier fix left (pid beyond pid_max: dead).
    let stale = d.path().join(".dockopt-4194304999-Ab3xQ.tmp");
    write(&stale, FIXABLE);
    let o = run_in(d.path(), &["fix", "."]);
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(!stale.exists(), "{}", text(&o));
    assert!(text(&o).contains("interrupted fix"), "{}", text(&o));
}

const SECRET_DOCKERFILE: &str = "FROM debian:12
ARG GITHUB_TOKEN
ARG DB_PASSWORD=hunter2-pass-S1
ENV API_TOKEN=envtok-S2 PLAIN=visible
ENV LEGACY_PASSWORD legacy-S3
RUN git clone https://bob:urlpass-S4@github.com/x/y.git /src
RUN echo $GITHUB_TOKEN $DB_PASSWORD
COPY . .
RUN apt-get update
RUN apt-get install -y curl
ENV SESSION_SECRET=\"unclosed-S8
ARG SIGNING_KEY=${unclosed-S9
ENV WEBHOOK_TOKEN=\"quoted-S10 value\"
RUN curl -u bob:curlpass-S11 -H \"Authorization: Bearer bearer-S12\" https://x/y
RUN mysql -uroot -pmysqlpass-S13 -e 'select 1'
ARG GH_PAT=ghp_S14a0123456789abcdefXYZ
";

const SECRETS: [&str; 14] = [
    "hunter2-pass-S1",
    "envtok-S2",
    "legacy-S3",
    "urlpass-S4",
    "ghp_cliS5",
    "ghp_cliS6",
    "ghp_ciS7",
    // Words BuildKit cannot expand: the model's warning and DO415 name
    // the instruction, not the value.
    "unclosed-S8",
    "unclosed-S9",
    // A quoted value: a format's escaped quotes (Mermaid's `#quot;`) hid
    // where it ends.
    "quoted-S10",
    // Given away by their place on a command line, or by their prefix.
    "curlpass-S11",
    "bearer-S12",
    "mysqlpass-S13",
    "ghp_S14a0123456789abcdefXYZ",
];

/// A workflow passing a secret on the command line.
const SECRET_WORKFLOW: &str = "on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: docker build --build-arg GITHUB_TOKEN=ghp_ciS7 --build-arg DB_URL=https://u:urlpass-S4@db/x -t app .
";

#[test]
fn no_command_or_format_prints_a_secret() {
    let d = tempdir();
    write(&d.path().join("Dockerfile"), SECRET_DOCKERFILE);
    write(&d.path().join("app.py"), "print(1)\n");
    // A Dockerfile `multistage` converts, so its diff is printed.
    write(
        &d.path().join("py/Dockerfile"),
        "FROM python:3.12\nENV API_TOKEN=envtok-S2\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n",
    );
    write(&d.path().join("py/requirements.txt"), "flask\n");
    write(&d.path().join("py/app.py"), "print(1)\n");
    let ba = ["--build-arg", "GITHUB_TOKEN=ghp_cliS5"];
    let after = ["--after-build-arg", "GITHUB_TOKEN=ghp_cliS6"];
    write(&d.path().join(".github/workflows/ci.yml"), SECRET_WORKFLOW);
    // Every command and format that reports on the input. Not here, on
    // purpose: `fix --stdout` and `snapshot` print the file itself, and
    // `profile record` the profile to keep, whose step texts must match the
    // Dockerfile's (data to redirect, which masking would corrupt); `rule`
    // reads no input.
    let mut cases: Vec<Vec<&str>> = vec![
        vec!["parse", "Dockerfile"],
        vec!["parse", "Dockerfile", "--format", "json"],
    ];
    for f in ["dot", "json", "mermaid"] {
        cases.push([&["graph", "Dockerfile", "--format", f][..], &ba].concat());
    }
    for cmd in ["simulate", "estimate"] {
        for f in ["text", "json"] {
            cases.push(
                [
                    &[cmd, "--changed", "app.py", "--format", f][..],
                    &ba,
                    &after,
                ]
                .concat(),
            );
            cases.push([&[cmd, "--changed", "app.py", "--format", f][..], &ba].concat());
        }
    }
    for f in ["text", "json", "sarif", "github", "markdown"] {
        cases.push(vec!["check", ".", "--format", f]);
        cases.push(vec!["check", ".", "--format", f, "--no-context"]);
    }
    cases.push(vec!["fix", "--check", "--unsafe-fixes", "."]);
    cases.push(vec!["fix", "--diff", "."]);
    cases.push(vec!["fix", "--diff", "--unsafe-fixes", "."]);
    cases.push(vec!["multistage", "Dockerfile"]);
    cases.push(vec!["multistage", "py/Dockerfile"]);
    cases.push(vec!["multistage", "py/Dockerfile", "--diff"]);
    for f in ["text", "json", "markdown"] {
        cases.push(vec!["ci", ".", "--format", f]);
        cases.push(vec!["ci", ".", "--format", f, "--changed", "app.py"]);
    }
    for args in &cases {
        let o = run_in(d.path(), args);
        assert_no_crash(&o, &format!("{args:?}"));
        let t = text(&o);
        for s in SECRETS {
            assert!(!t.contains(s), "{args:?} printed {s}:\n{t}");
        }
    }
    // The masked output still says what changed.
    let o = run_in(
        d.path(),
        &[&["simulate", "--changed", "app.py"][..], &ba, &after].concat(),
    );
    assert!(
        text(&o).contains("build arg GITHUB_TOKEN changed (******** → ********)"),
        "{}",
        text(&o)
    );
}

#[test]
fn unknown_rule_codes_are_rejected_everywhere() {
    let d = tempdir();
    write(&d.path().join("Dockerfile"), FIXABLE);
    for args in [
        &["check", "--select", "DO999", "."][..],
        &["check", "--ignore", "DO999", "."],
        &["fix", "--select", "DO999", "."],
    ] {
        let o = run_in(d.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
        assert!(text(&o).contains("DO999"), "{args:?}: {}", text(&o));
    }
    // Config files: found next to the Dockerfile or given with --config,
    // in `select` or `ignore` (`fix` reads no config file).
    for conf in ["select = [\"DO999\"]\n", "ignore = [\"DO999\"]\n"] {
        write(&d.path().join(".dockopt.toml"), conf);
        write(&d.path().join("conf/other.toml"), conf);
        for args in [
            &["check", "."][..],
            &["check", "--config", "conf/other.toml", "."],
        ] {
            let o = run_in(d.path(), args);
            assert_eq!(code(&o), 2, "{conf} {args:?}: {}", text(&o));
            assert!(text(&o).contains("DO999"), "{conf} {args:?}: {}", text(&o));
        }
    }
}

#[test]
fn changed_paths_are_resolved_against_the_context() {
    let d = tempdir();
    write(
        &d.path().join("app/Dockerfile"),
        "FROM python:3\nCOPY src/ /app/\nCOPY . /x\n",
    );
    write(&d.path().join("app/src/a.py"), "1\n");
    let abs = d.path().join("app/src/a.py");
    let o = run_in(
        d.path(),
        &[
            "simulate",
            "--context",
            "app",
            "--changed",
            abs.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
    assert!(
        text(&o).contains("src/a.py changed (content)"),
        "{}",
        text(&o)
    );
    for cmd in ["simulate", "estimate"] {
        for bad in ["../x", "/etc/passwd", "src/../../x"] {
            let o = run_in(d.path(), &[cmd, "--context", "app", "--changed", bad]);
            assert_eq!(code(&o), 2, "{cmd} {bad}: {}", text(&o));
            assert!(
                text(&o).contains("outside the build context"),
                "{cmd} {bad}: {}",
                text(&o)
            );
        }
    }
    // estimate resolves an absolute path inside the context like simulate.
    let o = run_in(
        d.path(),
        &[
            "estimate",
            "--context",
            "app",
            "--changed",
            abs.to_str().unwrap_or_default(),
        ],
    );
    assert_eq!(code(&o), 0, "{}", text(&o));
}

/// What cannot be read is reported as unreadable, not as missing. dockopt
/// usually runs as root in CI containers, where no permission bit stops a
/// read: a directory where a file is expected is the unreadable file root
/// has; the permission case runs only when the tests do not run as root.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_not_called_missing() {
    use std::os::unix::fs::PermissionsExt;
    let d = tempdir();
    std::fs::create_dir_all(d.path().join("dir.Dockerfile")).unwrap_or_else(|e| panic!("{e}"));
    // (`parse`, `check` and `fix` search a directory they are given.)
    for args in [
        &["multistage", "dir.Dockerfile"][..],
        &["simulate", "-f", "dir.Dockerfile", "--changed", "x"],
        &["estimate", "-f", "dir.Dockerfile", "--changed", "x"],
        &["profile", "record", "dir.Dockerfile"],
    ] {
        let o = run_in(d.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
        let t = text(&o).to_lowercase();
        assert!(
            t.contains("is a directory") || t.contains("is not a regular file"),
            "{args:?}: {t}"
        );
        assert!(
            !t.contains("does not exist") && !t.contains("not found"),
            "{args:?}: {t}"
        );
    }
    let p = d.path().join("Dockerfile");
    write(&p, FIXABLE);
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o000))
        .unwrap_or_else(|e| panic!("{e}"));
    if std::fs::read(&p).is_err() {
        // Not root: the permission bit applies.
        for args in [&["parse", "Dockerfile"][..], &["check", "."], &["fix", "."]] {
            let o = run_in(d.path(), args);
            assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
            assert!(
                text(&o).to_lowercase().contains("permission denied"),
                "{args:?}: {}",
                text(&o)
            );
        }
    }
}

#[test]
fn precise_messages() {
    let d = tempdir();
    write(
        &d.path().join("Dockerfile"),
        "FROM python:3.12\nRUN pip install flask\n",
    );
    write(&d.path().join("manage.py"), "1\n");
    // --history too large: a usage error, not git's "not an integer".
    let o = run_in(d.path(), &["estimate", "--history", "2147483648"]);
    assert_eq!(code(&o), 2);
    assert!(text(&o).contains("not in 0..=1000000"), "{}", text(&o));
    // A file given as the context.
    let o = run_in(
        d.path(),
        &["simulate", "--context", "manage.py", "--changed", "x"],
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o).contains("build context manage.py is a file, not a directory"),
        "{}",
        text(&o)
    );
    // An empty --runtime-base.
    let o = run_in(
        d.path(),
        &["multistage", "Dockerfile", "--runtime-base", ""],
    );
    assert_eq!(code(&o), 2);
    assert!(
        text(&o).contains("--runtime-base \"\": expected an image reference"),
        "{}",
        text(&o)
    );
    // A missing file: the OS error once, not "(os error 2): …(os error 2)".
    let o = run_in(d.path(), &["parse", "nope.Dockerfile"]);
    assert_eq!(code(&o), 2);
    assert_eq!(text(&o).matches("no such file").count(), 1, "{}", text(&o));
    // A BOM is not a column.
    write(&d.path().join("bom.Dockerfile"), "\u{feff}FROOM a\n");
    let o = run_in(d.path(), &["parse", "bom.Dockerfile"]);
    assert!(text(&o).contains("bom.Dockerfile:1:1"), "{}", text(&o));
    // A 100 MB build log with one bad byte at its end: its line and byte.
    let line = "#1 [internal] load build definition\n";
    let lines = (100 << 20) / line.len();
    let mut log = line.repeat(lines).into_bytes();
    log.extend_from_slice(b"#2 bad \xff byte\n");
    std::fs::write(d.path().join("build.log"), &log).unwrap_or_default();
    let o = run_in(
        d.path(),
        &["estimate", "--changed", "manage.py", "--log", "build.log"],
    );
    assert_eq!(code(&o), 2);
    let want = format!(
        "build.log:{}:8: not valid UTF-8 (byte {}",
        lines + 1,
        lines * line.len() + 7
    );
    assert!(text(&o).contains(&want), "{want}: {}", text(&o));
    drop(log);
}

#[cfg(unix)]
#[test]
fn discovery_never_skips_silently() {
    let d = tempdir();
    write(&d.path().join("svc/Dockerfile"), FIXABLE);
    // A dangling symlink named like a Dockerfile.
    std::os::unix::fs::symlink("missing", d.path().join("api.Dockerfile")).unwrap_or_default();
    for args in [
        &["check", "."][..],
        &["fix", "--check", "."],
        &["parse", "."],
    ] {
        let o = run_in(d.path(), args);
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains("api.Dockerfile"),
            "{args:?}: {}",
            text(&o)
        );
    }
    let _ = std::fs::remove_file(d.path().join("api.Dockerfile"));
    // A FIFO named like a Dockerfile (directly or through a link) is
    // refused by name, not skipped into a clean "0 files" run.
    let fifo_dir = d.path().join("pipe");
    std::fs::create_dir_all(&fifo_dir).unwrap_or_default();
    let made = Command::new("mkfifo")
        .arg(fifo_dir.join("Dockerfile"))
        .status()
        .is_ok_and(|s| s.success());
    if made {
        std::os::unix::fs::symlink("pipe/Dockerfile", d.path().join("linked.Dockerfile"))
            .unwrap_or_default();
        for args in [
            &["check", "pipe"][..],
            &["check", "."],
            &["fix", "--check", "pipe"],
        ] {
            let o = run_in(d.path(), args);
            assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
            assert!(text(&o).contains("FIFO"), "{args:?}: {}", text(&o));
        }
        let _ = std::fs::remove_file(d.path().join("linked.Dockerfile"));
        let _ = std::fs::remove_dir_all(&fifo_dir);
    }
    // A directory with a Dockerfile's name is searched, not an error.
    std::fs::create_dir_all(d.path().join("svc/Dockerfile.d")).unwrap_or_default();
    let o = run_in(d.path(), &["check", "svc"]);
    assert_ne!(code(&o), 2, "{}", text(&o));
    // A symlink loop in the context is called a loop.
    std::os::unix::fs::symlink("b", d.path().join("svc/a")).unwrap_or_default();
    std::os::unix::fs::symlink("a", d.path().join("svc/b")).unwrap_or_default();
    let o = run_in(
        d.path(),
        &["simulate", "--context", "svc", "--changed", "x"],
    );
    assert!(text(&o).contains("is a loop"), "{}", text(&o));
    // A path past PATH_MAX in a searched folder is an error, not a skip.
    let mut deep = d.path().join("deep");
    while deep.as_os_str().len() < 4200 {
        deep.push("d".repeat(200));
    }
    if std::fs::create_dir_all(&deep).is_ok() {
        write(&deep.join("Dockerfile"), FIXABLE);
        let o = run_in(d.path(), &["check", "."]);
        assert_ne!(code(&o), 0, "{}", text(&o));
    }
}

/// A bad `.dockerignore` pattern fails the build in BuildKit: every command
/// that reads the context says where (FILE:LINE:COL) and exits 2, instead of
/// check and fix judging the context as if the file were not there.
#[test]
fn a_bad_ignore_pattern_is_named_with_its_position() {
    let d = tempdir();
    write(
        &d.path().join("Dockerfile"),
        "FROM debian:12\nCOPY . /app\n",
    );
    write(
        &d.path().join(".dockerignore"),
        "node_modules\n\n# c\n  foo[\n",
    );
    for args in [
        vec!["check", "."],
        vec!["fix", "--diff", "."],
        vec!["simulate", "--changed", "x"],
    ] {
        let o = run_bounded(d.path(), &args);
        assert_eq!(code(&o), 2, "{args:?}: {}", text(&o));
        assert!(
            text(&o).contains(".dockerignore:4:3: bad pattern \"foo[\""),
            "{args:?}: {}",
            text(&o)
        );
    }
}
