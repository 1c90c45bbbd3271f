//! The CI rules on small repositories: each finds its case, and each edit
//! fix leaves a workflow that no longer triggers it.

use super::*;
use crate::rules::{Applicability, Fix};

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
    format!("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          push: true\n{with}")
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

/// A job's steps under `steps:` (six-space list items).
fn job(steps: &str) -> String {
    format!("on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n{steps}")
}

/// The DO602 findings' fixes on a one-Dockerfile repository with `workflow`,
/// and the workflow after the safe ones.
fn do602(workflow: &str) -> (Vec<Fix>, String, tempfile::TempDir) {
    let d = repo(&[
        ("Dockerfile", MULTI),
        (".github/workflows/ci.yml", workflow),
    ]);
    let f = findings(d.path());
    let fixes = f
        .iter()
        .flat_map(|x| x.2.iter())
        .filter(|f| f.code == "DO602")
        .map(|f| f.fix.clone().unwrap_or_else(|| panic!("no fix")))
        .collect();
    let after = f
        .first()
        .map(|x| fixed(&x.1, &x.2))
        .unwrap_or_else(|| workflow.to_string());
    (fixes, after, d)
}

/// One DO602 finding whose fix is advice only, with `why` in its message.
fn advice_only(workflow: &str, why: &str) {
    let (fixes, after, _d) = do602(workflow);
    assert_eq!(fixes.len(), 1, "{workflow}");
    assert_eq!(
        fixes[0].applicability,
        Applicability::DisplayOnly,
        "{workflow}"
    );
    assert!(fixes[0].edits.is_empty());
    assert!(fixes[0].message.contains(why), "{}", fixes[0].message);
    assert_eq!(after, workflow);
}

/// One safe DO602 fix; after it the workflow parses and has no DO602.
fn safe_fix(workflow: &str) -> String {
    let (fixes, after, d) = do602(workflow);
    assert_eq!(fixes.len(), 1, "{workflow}");
    assert_eq!(fixes[0].applicability, Applicability::Safe, "{workflow}");
    std::fs::write(d.path().join(".github/workflows/ci.yml"), &after)
        .unwrap_or_else(|e| panic!("{e}"));
    let (_, warnings) = ci::read_all(d.path());
    assert!(warnings.is_empty(), "{warnings:?}\n{after}");
    assert!(!codes(&findings(d.path())).contains(&"DO602"), "{after}");
    after
}

const BUILD: &str =
    "      - uses: docker/build-push-action@v6\n        with:\n          push: false\n";

#[test]
fn gha_cache_needs_a_buildx_builder() {
    // No setup-buildx-action: the default builder's docker driver cannot export to gha.
    advice_only(
        &job(&format!("      - uses: actions/checkout@v4\n{BUILD}")),
        "add `- uses: docker/setup-buildx-action@v3`",
    );
    // The setup step after the build does not count.
    advice_only(
        &job(&format!(
            "{BUILD}      - uses: docker/setup-buildx-action@v3\n"
        )),
        "setup-buildx-action",
    );
    // A setup step in another job does not count either.
    advice_only(
        &format!("on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - uses: docker/setup-buildx-action@v3\n  build:\n    runs-on: x\n    steps:\n{BUILD}"),
        "add `- uses: docker/setup-buildx-action@v3`",
    );
    advice_only(
        &job(&format!("      - uses: docker/setup-buildx-action@v3\n        with:\n          driver: docker\n{BUILD}")),
        "sets `driver: docker`",
    );
    advice_only(
        &job(&format!("      - uses: docker/setup-buildx-action@v3\n        with:\n          driver: ${{{{ matrix.driver }}}}\n{BUILD}")),
        "at run time",
    );
    // `use: false`: the builder is made but the step still uses the default one.
    advice_only(
        &job(&format!("      - uses: docker/setup-buildx-action@v3\n        with:\n          use: false\n{BUILD}")),
        "add `- uses: docker/setup-buildx-action@v3`",
    );
    advice_only(
        &job(&format!(
            "      - uses: docker/setup-buildx-action@v3\n{BUILD}          builder: default\n"
        )),
        "`builder: default`",
    );
    advice_only(
        &job(&format!(
            "      - uses: docker/setup-buildx-action@v3\n{BUILD}          builder: my-remote\n"
        )),
        "`builder: my-remote`",
    );
    // A setup step that may not run.
    advice_only(
        &job(&format!("      - uses: docker/setup-buildx-action@v3\n        if: github.event_name == 'push'\n{BUILD}")),
        "runs only `if:",
    );
    advice_only(
        &job("      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v1\n        with:\n          push: false\n"),
        "@v1",
    );
}

#[test]
fn gha_cache_on_a_known_buildx_builder_is_fixed() {
    // Any version of the setup action, pinned by tag or commit.
    for setup in [
        "docker/setup-buildx-action@v3",
        "docker/setup-buildx-action@v1",
        "docker/setup-buildx-action@b5ca514318bd6ebac0fb2aedd5d36ec1b5c232a2",
    ] {
        let after = safe_fix(&job(&format!("      - uses: {setup}\n{BUILD}")));
        assert!(
            after.ends_with("          push: false\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n"),
            "{after}"
        );
    }
    safe_fix(&job(&format!(
        "      - uses: docker/setup-buildx-action@v3\n        with:\n          driver: kubernetes\n{BUILD}"
    )));
    // `use: false` and the builder named by the step's output or its name.
    safe_fix(&job(&format!(
        "      - uses: docker/setup-buildx-action@v3\n        id: bx\n        with:\n          use: false\n{BUILD}          builder: ${{{{ steps.bx.outputs.name }}}}\n"
    )));
    safe_fix(&job(&format!(
        "      - uses: docker/setup-buildx-action@v3\n        with:\n          name: ci-builder\n          use: false\n{BUILD}          builder: ci-builder\n"
    )));
    // The same condition on both steps: the setup runs whenever the build does.
    safe_fix(&job(
        "      - uses: docker/setup-buildx-action@v3\n        if: github.ref == 'refs/heads/main'\n      - uses: docker/build-push-action@v6\n        if: github.ref == 'refs/heads/main'\n        with:\n          push: false\n",
    ));
    // A self-hosted runner is no different.
    let w = job(&format!(
        "      - uses: docker/setup-buildx-action@v3\n{BUILD}"
    ))
    .replace("ubuntu-latest", "[self-hosted, linux]");
    safe_fix(&w);
}

#[test]
fn gha_cache_inputs_are_added_where_they_fit() {
    let setup = "      - uses: docker/setup-buildx-action@v3\n";
    // A flow mapping: inside the braces, values quoted.
    let after = safe_fix(&job(&format!(
        "{setup}      - uses: docker/build-push-action@v6\n        with: {{push: false, file: ./Dockerfile}}\n"
    )));
    assert!(
        after.contains("with: {push: false, file: ./Dockerfile, cache-from: \"type=gha\", cache-to: \"type=gha,mode=max\"}\n"),
        "{after}"
    );
    let after = safe_fix(&job(&format!(
        "{setup}      - uses: docker/build-push-action@v6\n        with: {{}}\n"
    )));
    assert!(
        after.contains("with: {cache-from: \"type=gha\", cache-to: \"type=gha,mode=max\"}\n"),
        "{after}"
    );
    advice_only(
        &job(&format!("{setup}      - uses: docker/build-push-action@v6\n        with: {{push: false, # x\n          file: Dockerfile}}\n")),
        "not a plain flow mapping",
    );
    // No `with:`: one is added.
    let after = safe_fix(&job(&format!(
        "{setup}      - name: Build\n        uses: docker/build-push-action@v6\n      - run: echo done\n"
    )));
    assert!(
        after.contains("        uses: docker/build-push-action@v6\n        with:\n          cache-from: type=gha\n          cache-to: type=gha,mode=max\n      - run: echo done\n"),
        "{after}"
    );
    // A comment after the last input stays on its line.
    let after = safe_fix(&job(&format!(
        "{setup}      - uses: docker/build-push-action@v6\n        with:\n          push: false  # not yet\n"
    )));
    assert!(
        after.contains("push: false  # not yet\n          cache-from: type=gha\n"),
        "{after}"
    );
    // `cache-to` already exports to gha: only the import is added, in its scope.
    let after = safe_fix(&job(&format!(
        "{setup}{BUILD}          cache-to: type=gha,mode=max,scope=mine\n"
    )));
    assert!(
        after.ends_with(
            "cache-to: type=gha,mode=max,scope=mine\n          cache-from: type=gha,scope=mine\n"
        ),
        "{after}"
    );
    assert_eq!(after.matches("cache-to").count(), 1, "{after}");
    advice_only(
        &job(&format!(
            "{setup}{BUILD}          cache-to: type=registry,ref=r/app:cache\n"
        )),
        "add a `cache-from` that imports it",
    );
    advice_only(
        &job(&format!("{setup}{BUILD}          cache-from:\n")),
        "`cache-from` is set but empty",
    );
}

#[test]
fn gha_cache_fix_leaves_shared_inputs_alone() {
    let w = job("      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v6\n        with: &inputs\n          push: false\n      - uses: docker/build-push-action@v6\n        with: *inputs\n");
    let (fixes, after, _d) = do602(&w);
    assert_eq!(fixes.len(), 2);
    for f in &fixes {
        assert_eq!(f.applicability, Applicability::DisplayOnly);
        assert!(f.message.contains("YAML anchor or alias"), "{}", f.message);
    }
    assert_eq!(after, w);
}

#[test]
fn gha_cache_fix_takes_no_scope_another_image_writes() {
    // web/Dockerfile already exports to scope `api`; the api build would get `api` too.
    let w = job("      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          context: api\n      - uses: docker/build-push-action@v6\n        with:\n          context: web\n          cache-from: type=gha,scope=api\n          cache-to: type=gha,mode=max,scope=api\n");
    let df = "FROM alpine:3.19\nRUN echo\n";
    let d = repo(&[
        ("api/Dockerfile", df),
        ("web/Dockerfile", df),
        (".github/workflows/ci.yml", &w),
    ]);
    let f = findings(d.path());
    assert_eq!(codes(&f), ["DO602"]);
    let fix = f[0].2[0].fix.clone().unwrap_or_else(|| panic!("no fix"));
    assert_eq!(fix.applicability, Applicability::DisplayOnly);
    assert!(
        fix.message
            .contains("scope `api` is already written by web/Dockerfile"),
        "{}",
        fix.message
    );
}
