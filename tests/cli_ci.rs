//! `dockopt ci` on the corpus pipelines (outputs kept beside them in
//! `corpus/<name>/expected/`), and `--cache-source` on simulate/estimate: the new
//! `cache_source` field appears only when asked for, every existing field stays.

use std::path::Path;
use std::process::Command;

fn dockopt(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn ci_reports_on_corpus_pipelines() {
    for (name, changed) in [("ci-github", "main.go"), ("ci-gitlab", "requirements.txt")] {
        let dir = format!("corpus/{name}");
        let (ok, text, err) = dockopt(&["ci", &dir, "--changed", changed]);
        assert!(ok, "{err}");
        let (ok, md, err) = dockopt(&["ci", &dir, "--changed", changed, "--format", "markdown"]);
        assert!(ok, "{err}");
        assert!(md.contains("**CI time per change:"), "{md}");
        let (ok, json, err) = dockopt(&["ci", &dir, "--changed", changed, "--format", "json"]);
        assert!(ok, "{err}");
        let v: serde_json::Value = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        let b = &v["builds"][0];
        assert!(
            b["figures"]["ci"]["seconds"].as_f64() > b["figures"]["suggested"]["seconds"].as_f64()
        );
        assert_eq!(b["not_exported_stages"], serde_json::json!(["build"]));
        insta::with_settings!({
            snapshot_path => Path::new(env!("CARGO_MANIFEST_DIR")).join(&dir).join("expected"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!("ci", text);
            insta::assert_snapshot!("ci-markdown", md);
        });
    }
    let (_, gh, _) = dockopt(&["ci", "corpus/ci-github", "--changed", "main.go", "--strict"]);
    assert!(gh.contains("DO601"));
}

#[test]
fn ci_without_history_says_how_to_get_figures() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(dir.path().join(".github/workflows")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join("Dockerfile"),
        "FROM alpine:3.19\nRUN echo\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.path().join(".github/workflows/ci.yml"),
        "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: docker build -t x .\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let p = dir.path().to_string_lossy().into_owned();
    let (ok, text, err) = dockopt(&["ci", &p]);
    assert!(ok, "{err}");
    assert!(
        text.contains("cache       none on a fresh runner"),
        "{text}"
    );
    assert!(text.contains("--changed"), "{text}");
    assert!(text.contains("DO602"), "{text}");
}

fn sim_json(extra: &[&str]) -> serde_json::Value {
    let mut args = vec![
        "simulate",
        "--before",
        "tests/engine/inline/ic07-multi-builder-source-changed/before",
        "--after",
        "tests/engine/inline/ic07-multi-builder-source-changed/after",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let (ok, out, err) = dockopt(&args);
    assert!(ok, "{err}");
    serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out}"))
}

#[test]
fn simulate_cache_source_json_contract() {
    let plain = sim_json(&[]);
    assert!(plain["steps"][0].get("cache_source").is_none());
    let inline = sim_json(&["--cache-source", "inline"]);
    let keys = |v: &serde_json::Value| -> Vec<String> {
        v.as_object()
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default()
    };
    for (p, i) in plain["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .zip(inline["steps"].as_array().into_iter().flatten())
    {
        for k in keys(p) {
            assert!(i.get(&k).is_some(), "field {k} lost with --cache-source");
        }
    }
    let first = &inline["steps"][0];
    assert_eq!(first["result"], "miss");
    assert_eq!(first["cache_source"]["source"], "inline");
    assert_eq!(first["cache_source"]["served"], false);
    assert_eq!(
        first["cache_source"]["reason"],
        "not exported: builder stage `builder`, inline cache"
    );
    assert_eq!(first["cause"]["kind"], "not-cached");
    assert_eq!(plain["steps"][0]["result"], "hit");
    let max = sim_json(&["--cache-source", "registry,mode=max"]);
    assert_eq!(max["steps"][0]["result"], "hit");
    assert!(max["notes"].as_array().into_iter().flatten().any(|n| n
        .as_str()
        .is_some_and(|s| s.contains("not engine-verified"))));
    let none = sim_json(&["--cache-source", "none"]);
    assert_eq!(none["summary"]["hits"], 0);
    let (ok, _, err) = dockopt(&["simulate", "--changed", "x", "--cache-source", "bogus"]);
    assert!(!ok && err.contains("unknown cache source"), "{err}");
}

#[test]
fn estimate_takes_cache_source() {
    let run = |src: &str| {
        let (ok, out, err) = dockopt(&[
            "estimate",
            "--before",
            "tests/engine/inline/ic07-multi-builder-source-changed/before",
            "--after",
            "tests/engine/inline/ic07-multi-builder-source-changed/after",
            "--cache-source",
            src,
            "--format",
            "json",
        ]);
        assert!(ok, "{err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap_or_else(|e| panic!("{e}"))
    };
    let local = run("local");
    let inline = run("inline");
    let steps = |v: &serde_json::Value| v["rebuild"]["steps_rerun"].as_u64().unwrap_or(0);
    assert!(steps(&inline) > steps(&local));
    assert!(inline["steps"][0]["cache_source"]["reason"].is_string());
    assert!(inline["steps"][0]["seconds"].is_number());
}

fn dockopt_in(dir: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// DO602 on a workflow whose jobs differ in what the gha cache needs: the job
/// without docker/setup-buildx-action gets advice only (the default builder's
/// docker driver cannot export to gha); a flow-style `with:`, a block one and a
/// step without `with:` are fixed, and check shows exactly those fixes.
const DO602_WORKFLOW: &str = "name: Build
on: [push]
jobs:
  plain:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - name: Build
        uses: docker/build-push-action@v5
        with:
          push: false
          tags: app:ci
  flow:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v5
        with: {push: false, file: ./Dockerfile}
  block:
    runs-on: ubuntu-latest
    steps:
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v5
        with:
          push: false
          build-args: |
            A=1

            B=2
  bare:
    runs-on: [self-hosted]
    steps:
      - uses: docker/setup-buildx-action@v3
      - uses: docker/build-push-action@v5
";

#[test]
fn do602_fixes_only_steps_on_a_buildx_builder() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let wf = d.path().join(".github/workflows/build.yml");
    std::fs::create_dir_all(d.path().join(".github/workflows")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&wf, DO602_WORKFLOW).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        d.path().join("Dockerfile"),
        "FROM alpine:3.19\nRUN echo hi\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let (_, out, err) = dockopt_in(d.path(), &["check", "--select", "DO602", "."]);
    assert_eq!(out.matches("DO602 warning").count(), 4, "{out}{err}");
    assert_eq!(out.matches("= fix (safe)").count(), 3, "{out}");
    assert!(
        out.contains("= fix (display-only): add `- uses: docker/setup-buildx-action@v3` to the job before this step"),
        "{out}"
    );
    assert!(out.contains("Cache export feature is currently not supported for docker driver"));
    let (code, diff, err) = dockopt_in(d.path(), &["fix", "--diff", "."]);
    // --diff exits 1 when there is something to fix.
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("Would fix 3 issues in 1 file (DO602 ×3)"),
        "{err}"
    );
    assert!(!err.contains("not fixed"), "{err}");
    insta::assert_snapshot!("do602_fix_diff", diff);
    let (code, _, err) = dockopt_in(d.path(), &["fix", "."]);
    assert_eq!(code, Some(0), "{err}");
    let (_, out, _) = dockopt_in(d.path(), &["check", "--select", "DO602", "."]);
    assert_eq!(out.matches("DO602 warning").count(), 1, "{out}");
    assert!(out.contains("build.yml:8:9: DO602"), "{out}");
    let (_, _, err) = dockopt_in(d.path(), &["fix", "--diff", "."]);
    assert!(err.contains("Nothing to fix"), "{err}");
}

#[test]
fn config_rejects_unknown_codes_in_per_file_ignores() {
    let d = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(d.path().join("Dockerfile"), "FROM alpine:3.19\n")
        .unwrap_or_else(|e| panic!("{e}"));
    let cfg = d.path().join(".dockopt.toml");
    for (text, bad) in [
        ("ignore = [\"DO999\"]\n", "`DO999` matches no rule"),
        (
            "[per-file-ignores]\n\"*.Dockerfile\" = [\"DOX\"]\n",
            "per-file-ignores.\"*.Dockerfile\": `DOX` matches no rule",
        ),
    ] {
        std::fs::write(&cfg, text).unwrap_or_else(|e| panic!("{e}"));
        let (code, _, err) = dockopt_in(d.path(), &["check", "."]);
        assert_eq!(code, Some(2), "{text}: {err}");
        assert!(err.contains(bad), "{err}");
    }
}
