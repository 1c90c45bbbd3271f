//! The CI rules on small repositories: each finds its case, and each edit
//! fix leaves a workflow that no longer triggers it.

use super::*;
use crate::rules::Applicability;

fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    for (p, body) in files {
        let path = dir.path().join(p);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("{e}"));
        }
        std::fs::write(path, body).unwrap_or_else(|e| panic!("{e}"));
    }
    dir
}

const MULTI: &str = "FROM golang:1.22 AS build\nCOPY . /src\nRUN go build -o /app /src\nFROM alpine:3.19\nCOPY --from=build /app /app\n";

fn findings(root: &Path) -> Vec<(String, String, Vec<Finding>)> {
    let (builds, _) = ci::read_all(root);
    let mut w = Vec::new();
    check_repository(root, &builds, &mut w)
}

fn codes(f: &[(String, String, Vec<Finding>)]) -> Vec<&'static str> {
    f.iter().flat_map(|x| x.2.iter().map(|f| f.code)).collect()
}

fn fixed(text: &str, fs: &[Finding]) -> String {
    let edits: Vec<&crate::rules::Edit> = fs
        .iter()
        .filter_map(|f| f.fix.as_ref())
        .filter(|f| f.applicability == Applicability::Safe)
        .flat_map(|f| f.edits.iter())
        .collect();
    crate::report::ci::apply(text, &edits)
}

fn wf(with: &str) -> String {
    format!("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n{with}")
}

#[test]
fn min_mode_on_multistage_is_fixed_to_max() {
    let w = wf("          cache-from: type=gha\n          cache-to: type=gha\n");
    let d = repo(&[("Dockerfile", MULTI), (".github/workflows/ci.yml", &w)]);
    let f = findings(d.path());
    assert_eq!(codes(&f), ["DO601"]);
    assert!(
        f[0].2[0].message.contains("stage build re-runs"),
        "{}",
        f[0].2[0].message
    );
    let after = fixed(&f[0].1, &f[0].2);
    assert!(after.contains("cache-to: type=gha,mode=max\n"), "{after}");
    std::fs::write(d.path().join(".github/workflows/ci.yml"), after)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(codes(&findings(d.path())).is_empty());
}

#[test]
fn single_stage_min_is_fine() {
    let w = wf("          cache-from: type=gha\n          cache-to: type=gha\n");
    let d = repo(&[
        ("Dockerfile", "FROM alpine:3.19\nRUN echo hi\n"),
        (".github/workflows/ci.yml", &w),
    ]);
    assert!(codes(&findings(d.path())).is_empty());
}

#[test]
fn inline_cache_in_a_run_step_is_display_only() {
    let w = "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - run: docker build --build-arg BUILDKIT_INLINE_CACHE=1 --cache-from app:latest -t app:latest .\n";
    let d = repo(&[("Dockerfile", MULTI), (".github/workflows/ci.yml", w)]);
    let f = findings(d.path());
    assert_eq!(codes(&f), ["DO601"]);
    let fix = f[0].2[0].fix.clone().unwrap_or_else(|| panic!("no fix"));
    assert_eq!(fix.applicability, Applicability::DisplayOnly);
    assert_eq!(f[0].2[0].start.line, 6);
}

#[test]
fn missing_cache_from_gets_both_inputs() {
    let d = repo(&[("Dockerfile", MULTI), (".github/workflows/ci.yml", &wf(""))]);
    let f = findings(d.path());
    assert_eq!(codes(&f), ["DO602"]);
    let after = fixed(&f[0].1, &f[0].2);
    assert!(
        after.ends_with("          push: true\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n"),
        "{after}"
    );
    std::fs::write(d.path().join(".github/workflows/ci.yml"), after)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(codes(&findings(d.path())).is_empty());
}

#[test]
fn shared_scope_between_two_dockerfiles() {
    let w = "on: push\njobs:\n  b:\n    runs-on: x\n    steps:\n      - uses: docker/build-push-action@v6\n        with:\n          context: api\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n      - uses: docker/build-push-action@v6\n        with:\n          context: web\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n";
    let df = "FROM alpine:3.19\nRUN echo\n";
    let d = repo(&[
        ("api/Dockerfile", df),
        ("web/Dockerfile", df),
        (".github/workflows/ci.yml", w),
    ]);
    let f = findings(d.path());
    assert_eq!(codes(&f), ["DO603", "DO603"]);
    let after = fixed(&f[0].1, &f[0].2);
    assert!(
        after.contains("cache-to: type=gha,mode=max,scope=api\n"),
        "{after}"
    );
    assert!(
        after.contains("cache-from: type=gha,scope=web\n"),
        "{after}"
    );
    std::fs::write(d.path().join(".github/workflows/ci.yml"), after)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(codes(&findings(d.path())).is_empty());
}

#[test]
fn no_cache_with_unpinned_base() {
    let w = wf("          no-cache: true\n");
    let d = repo(&[
        ("Dockerfile", "FROM alpine:3.19\nRUN echo\n"),
        (".github/workflows/ci.yml", &w),
    ]);
    assert_eq!(codes(&findings(d.path())), ["DO604"]);
    let pinned = "FROM alpine:3.19@sha256:0000000000000000000000000000000000000000000000000000000000000000\nRUN echo\n";
    let d2 = repo(&[("Dockerfile", pinned), (".github/workflows/ci.yml", &w)]);
    assert!(codes(&findings(d2.path())).is_empty());
}

#[test]
fn git_directory_in_the_context() {
    let w = wf("          context: .\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n");
    let df = "FROM alpine:3.19\nCOPY . /app\n";
    let d = repo(&[
        ("Dockerfile", df),
        (".git/HEAD", "ref: x\n"),
        (".github/workflows/ci.yml", &w),
    ]);
    assert_eq!(codes(&findings(d.path())), ["DO605"]);
    std::fs::write(d.path().join(".dockerignore"), ".git\n").unwrap_or_else(|e| panic!("{e}"));
    assert!(codes(&findings(d.path())).is_empty());
}

#[test]
fn suppression_comment() {
    let w = "on: push\njobs:\n  build:\n    runs-on: x\n    steps:\n      # dockopt: ignore=DO602\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n";
    let d = repo(&[("Dockerfile", MULTI), (".github/workflows/ci.yml", w)]);
    assert!(codes(&findings(d.path())).is_empty());
}

#[test]
fn helpers() {
    assert_eq!(with_option("type=gha", "mode", "max"), "type=gha,mode=max");
    assert_eq!(
        with_option("type=gha,mode=min", "mode", "max"),
        "type=gha,mode=max"
    );
    assert!(is_pipeline_path(Path::new("x/.github/workflows/a.yml")));
    assert!(is_pipeline_path(Path::new(".gitlab-ci.yml")));
    assert!(!is_pipeline_path(Path::new("docker-compose.yml")));
    assert_eq!(
        root_of(Path::new("x/.github/workflows/a.yml")),
        PathBuf::from("x")
    );
}
