//! `dockopt check` renderers: the flask-notebook showcase, the JSON contract,
//! SARIF validated against the official 2.1.0 schema, GitHub escaping, and
//! secrets masked in every format.

use dockopt::report::check as report;
use dockopt::rules::config::Settings;
use dockopt::rules::engine::{check_all, discover, CheckOptions, FileReport};
use std::path::{Path, PathBuf};

fn check(paths: &[&str], extras: bool) -> Vec<FileReport> {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let targets = discover(&paths).unwrap_or_else(|e| panic!("{e}"));
    let settings = |_: &Path| Ok(Settings::default());
    check_all(
        &targets,
        &settings,
        &CheckOptions {
            label: Some(dockopt::rewrite::label),
            measure_context: true,
            extras,
            context: None,
        },
        &|| {},
    )
}

#[test]
fn flask_notebook_showcase() {
    let files = check(&["corpus/flask-notebook"], false);
    let codes: Vec<&str> = files
        .iter()
        .flat_map(|f| f.findings.iter().map(|x| x.code))
        .collect();
    for expected in [
        "DO101", "DO104", "DO201", "DO202", "DO203", "DO207", "DO209", "DO301", "DO406", "DO501",
        "DO502",
    ] {
        assert!(
            codes.contains(&expected),
            "{expected} missing from {codes:?}"
        );
    }
    insta::assert_snapshot!("flask_notebook_text", report::to_text(&files, false));
}

#[test]
fn json_contract() {
    let files = check(&["corpus/flask-notebook"], false);
    let v = report::to_json(&files);
    assert_eq!(v["version"], 1);
    let f = &v["files"][0]["findings"][0];
    for key in [
        "code",
        "name",
        "severity",
        "message",
        "line",
        "column",
        "end_line",
        "end_column",
        "fix",
    ] {
        assert!(f.get(key).is_some(), "finding lacks {key}: {f}");
    }
    let fix = v["files"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|f| f["findings"].as_array().cloned().unwrap_or_default())
        .find(|f| !f["fix"].is_null())
        .unwrap_or_default();
    assert!(["safe", "unsafe", "display-only"]
        .contains(&fix["fix"]["applicability"].as_str().unwrap_or("")));
    for key in [
        "files", "findings", "errors", "error", "warning", "info", "fixable",
    ] {
        assert!(v["summary"].get(key).is_some(), "summary lacks {key}");
    }
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/fixtures/sarif-schema-2.1.0.json")
            .unwrap_or_else(|e| panic!("{e}")),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let validator = jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{e}"));
    let files = check(
        &[
            "corpus/flask-notebook",
            "tests/fixtures/rules/DO408.Dockerfile",
            "tests/fixtures/rules/DO302.Dockerfile",
        ],
        false,
    );
    let sarif = report::to_sarif(&files);
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|e| format!("{} at {}", e, e.instance_path))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let run = &sarif["runs"][0];
    assert_eq!(
        run["tool"]["driver"]["rules"].as_array().map(Vec::len),
        Some(dockopt::rules::all().len())
    );
    let with_fix = run["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| r.get("fixes").is_some())
        .count();
    assert!(with_fix > 0, "no SARIF fixes");
    // a parse error is reported as a notification and still validates
    let broken = vec![FileReport {
        error: Some("x:1:1: error".into()),
        ..files[0].clone()
    }];
    assert!(validator.is_valid(&report::to_sarif(&broken)));
}

#[test]
fn github_annotations_escape_properties_and_data() {
    assert_eq!(
        report::gh_escape_property("a:b,c%d\ne"),
        "a%3Ab%2Cc%25d%0Ae"
    );
    assert_eq!(
        report::gh_escape_data("50%\r\nok: a,b"),
        "50%25%0D%0Aok: a,b"
    );
    let files = check(&["tests/fixtures/rules/DO408.Dockerfile"], false);
    let out = report::to_github(&files);
    let line = out
        .lines()
        .find(|l| l.contains("title=DO408"))
        .unwrap_or_default();
    assert!(line.starts_with("::warning file=tests/fixtures/rules/DO408.Dockerfile,line=2,col=1,endLine=2,endColumn=4,title=DO408 add-instead-of-copy::"), "{line}");
    assert_eq!(out.lines().count(), files[0].findings.len());
}

#[test]
fn secrets_are_masked_in_every_format() {
    let files = check(
        &[
            "tests/fixtures/rules/DO302.Dockerfile",
            "tests/fixtures/rules/DO209",
        ],
        true,
    );
    let outputs = [
        report::to_text(&files, false),
        report::to_json(&files).to_string(),
        report::to_sarif(&files).to_string(),
        report::to_github(&files),
        report::to_markdown(&files),
    ];
    for out in outputs {
        for secret in ["hunter2", "wJalrXUtnFEMI"] {
            assert!(!out.contains(secret), "{secret} leaked:\n{out}");
        }
    }
    let text = report::to_text(&files, false);
    assert!(
        text.contains("ENV DB_PASSWORD=******** APP_ENV=prod"),
        "{text}"
    );
}

#[test]
fn markdown_comment_has_table_estimate_and_graph() {
    let mut files = check(&["corpus/flask-notebook"], true);
    // What the command layer adds for the PR comment (report only renders).
    for f in &mut files {
        f.after_fix = dockopt::rewrite::preview::after_fix(f);
    }
    let md = report::to_markdown(&files);
    assert!(md.contains("| | Rule | Line | Problem | Fix |"));
    assert!(md.contains("**Rebuild estimate**"), "{md}");
    assert!(md.contains("```mermaid"));
    assert!(md.contains("```diff"), "the safe fixes' diff");
    assert!(md.contains("after `dockopt fix`"), "{md}");
    insta::assert_snapshot!("flask_notebook_markdown", md);
}
