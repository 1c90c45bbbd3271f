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
