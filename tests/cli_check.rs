//! `dockopt check` and `dockopt rule` as a process: exit codes and flags.

use std::process::Command;

fn dockopt(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn exit_codes_follow_fail_on() {
    let bad = "tests/fixtures/rules/DO408.Dockerfile";
    assert_eq!(dockopt(&["check", bad, "--select", "DO408"]).0, 1);
    assert_eq!(
        dockopt(&["check", bad, "--select", "DO408", "--fail-on", "error"]).0,
        0
    );
    assert_eq!(
        dockopt(&[
            "check",
            "tests/fixtures/rules/DO408.good.Dockerfile",
            "--select",
            "DO408"
        ])
        .0,
        0
    );
    assert_eq!(dockopt(&["check", bad, "--ignore", "ALL"]).0, 0);
    let info_only = dockopt(&[
        "check",
        "tests/fixtures/rules/DO410.Dockerfile",
        "--select",
        "DO410",
    ]);
    assert_eq!(
        info_only.0, 0,
        "info findings do not fail at the default threshold"
    );
    assert_eq!(
        dockopt(&[
            "check",
            "tests/fixtures/rules/DO410.Dockerfile",
            "--select",
            "DO410",
            "--fail-on",
            "info"
        ])
        .0,
        1
    );
}

#[test]
fn parse_errors_exit_2_with_a_code_frame() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let f = dir.path().join("Dockerfile");
    std::fs::write(&f, "FROM alpine:3\nFROB x\n").unwrap_or_else(|e| panic!("{e}"));
    let (code, _, err) = dockopt(&["check", f.to_str().unwrap_or("")]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown instruction"), "{err}");
    assert_eq!(
        dockopt(&["check", "--select", "DO999", "--config", "/nonexistent"]).0,
        2
    );
}

#[test]
fn config_flag_and_formats() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let cfg = dir.path().join("strict.toml");
    std::fs::write(
        &cfg,
        "select = [\"DO410\"]\n[severity]\nDO410 = \"error\"\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (code, out, _) = dockopt(&[
        "check",
        "tests/fixtures/rules/DO410.Dockerfile",
        "--config",
        cfg.to_str().unwrap_or(""),
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(v["files"][0]["findings"][0]["severity"], "error");
    for fmt in ["text", "sarif", "github", "markdown"] {
        let (code, out, _) = dockopt(&[
            "check",
            "tests/fixtures/rules/DO410.Dockerfile",
            "--format",
            fmt,
            "--select",
            "DO410",
        ]);
        assert_eq!(code, 0, "{fmt}");
        assert!(!out.is_empty() && !out.contains("\x1b["), "{fmt}");
    }
}

#[test]
fn rule_command_prints_docs_and_list() {
    let (code, out, _) = dockopt(&["rule", "DO101"]);
    assert_eq!(code, 0);
    for s in [
        "# manifest-after-sources (DO101)",
        "## Why is this bad?",
        "Use instead:",
        "## Fix safety",
        "Fix: safe",
    ] {
        assert!(out.contains(s), "{s} missing:\n{out}");
    }
    assert!(dockopt(&["rule", "apt-no-install-recommends"])
        .1
        .contains("hadolint twin: DL3015"));
    let (_, list, _) = dockopt(&["rule", "--list"]);
    for r in dockopt::rules::all() {
        assert!(list.contains(r.code), "{}", r.code);
    }
    assert_eq!(dockopt(&["rule", "DO999"]).0, 2);
}

#[test]
fn discovery_respects_gitignore_and_finds_compose_files() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path();
    std::fs::create_dir_all(p.join("vendor/x")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(p.join(".git")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(p.join(".gitignore"), "vendor/\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(p.join("vendor/x/Dockerfile"), "FROM a\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(p.join("Dockerfile"), "FROM alpine:3\n").unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(p.join("compose.override.yaml"), "services: {}\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let t = dockopt::rules::engine::discover(&[p.to_path_buf()]).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<String> = t
        .iter()
        .map(|t| {
            t.path
                .strip_prefix(p)
                .unwrap_or(&t.path)
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(names, ["Dockerfile", "compose.override.yaml"]);
}

/// `check DIR` and `fix DIR` look in hidden folders (`.devcontainer/`,
/// `.github/actions/…`, `.docker/`) like ruff and ripgrep users expect of a
/// linter, but not in version control or dependency folders.
#[test]
fn discovery_searches_hidden_folders_but_not_git_or_node_modules() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path();
    let bad = "FROM alpine:latest\n";
    for rel in [
        ".devcontainer/Dockerfile",
        ".github/actions/build/Dockerfile",
        ".docker/api.Dockerfile",
        ".git/Dockerfile",
        "app/node_modules/x/Dockerfile",
    ] {
        let f = p.join(rel);
        std::fs::create_dir_all(f.parent().unwrap_or(p)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(f, bad).unwrap_or_else(|e| panic!("{e}"));
    }
    std::fs::create_dir_all(p.join(".devcontainer")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        p.join(".devcontainer/docker-compose.yml"),
        "services:\n  dev:\n    image: alpine:3.20\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let dirs = p.display().to_string();
    let (code, out, err) = dockopt(&["check", &dirs, "--select", "DO401", "--format", "json"]);
    assert_eq!(code, 1, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}"));
    let mut paths: Vec<String> = v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["path"].as_str())
        .map(|s| s.strip_prefix(&dirs).unwrap_or(s).to_string())
        .collect();
    paths.sort();
    assert_eq!(
        paths,
        [
            "/.devcontainer/Dockerfile",
            "/.devcontainer/docker-compose.yml",
            "/.docker/api.Dockerfile",
            "/.github/actions/build/Dockerfile",
        ],
        "{out}"
    );
    // fix searches the same way: `.devcontainer/Dockerfile` would change,
    // the same file under `.git/` would not.
    let fixable = "FROM alpine:3.20\nRUN apk update\nRUN apk add curl\n";
    for rel in [".devcontainer/Dockerfile", ".git/Dockerfile"] {
        std::fs::write(p.join(rel), fixable).unwrap_or_else(|e| panic!("{e}"));
    }
    let (code, out, err) = dockopt(&["fix", "--check", &dirs]);
    assert_eq!(code, 1, "{out}{err}");
    let all = format!("{out}{err}");
    assert!(all.contains(".devcontainer/Dockerfile:2: DO104"), "{all}");
    assert!(!all.contains(".git/"), "{all}");
    assert!(all.contains("in 1 file"), "{all}");
}

/// `--no-context` says there is no build context: DO505 (a service's
/// `build:` directory is missing) stays silent, like DO209 and the other
/// rules that read the context; without the flag it fires.
#[test]
fn no_context_silences_the_missing_build_context_rule() {
    let compose = "tests/fixtures/rules/DO505/compose.yaml";
    let (code, out, err) = dockopt(&["check", compose, "--select", "DO505"]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("DO505"), "{out}");
    let (code, out, err) = dockopt(&["check", "--no-context", compose, "--select", "DO505"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("DO505"), "{out}");
}

/// `check --context DIR` measures the context `docker build -f sub/Dockerfile DIR`
/// sends (as `fix --context` does): with the repository root as context the
/// manifest under the service folder is found and DO101 offers the same safe
/// fix `fix --context` applies; with the Dockerfile's own folder (the
/// default) the COPY's source is not there and nothing is offered.
#[test]
fn context_flag_checks_against_the_given_build_context() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let p = d.path();
    std::fs::create_dir_all(p.join("svc/app")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(p.join("svc/app/requirements.txt"), "flask==3.0.0\n").unwrap();
    std::fs::write(p.join("svc/app/main.py"), "print(1)\n").unwrap();
    std::fs::write(
        p.join("svc/Dockerfile"),
        "FROM python:3.12-slim\nWORKDIR /code\nCOPY svc/app/ app/\nRUN pip install --no-cache-dir -r app/requirements.txt\nCMD [\"python\", \"app/main.py\"]\n",
    )
    .unwrap();
    let root = p.display().to_string();
    let df = p.join("svc/Dockerfile").display().to_string();
    let do101 = |args: &[&str]| {
        let (_, out, err) = dockopt(args);
        let v: serde_json::Value =
            serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}{err}"));
        v["files"][0]["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["code"] == "DO101")
            .map(|f| {
                f["fix"]["applicability"]
                    .as_str()
                    .unwrap_or("none")
                    .to_string()
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        do101(&["check", "--format", "json", "--context", &root, &df]),
        ["safe"]
    );
    assert!(do101(&["check", "--format", "json", &df])
        .iter()
        .all(|a| a != "safe"));
    let (code, out, err) = dockopt(&["fix", "--check", "--context", &root, &df]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(format!("{out}{err}").contains("DO101"), "{out}{err}");
    let (code, _, err) = dockopt(&["check", "--context", "/nonexistent-dir", &df]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("is not a directory"), "{err}");
}
