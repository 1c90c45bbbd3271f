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
