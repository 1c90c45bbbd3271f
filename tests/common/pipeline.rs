//! What `dockopt check` and `dockopt fix` run on one Dockerfile's text, through the
//! library entry points. Shared by tests/no_panic_pipeline.rs and the cargo-fuzz
//! targets in fuzz/ (a `#[path]` module there), so that `cargo test` compiles the
//! fuzz targets' bodies and an API change cannot leave them stale.
//! Only `dockopt::` paths: the file is included from outside this crate.

/// The rules with fix labelling, the safe-fix preview and every output format.
pub fn exercise_check(text: &str) {
    use dockopt::report::check as report;
    let opts = dockopt::rules::engine::CheckOptions {
        label: Some(dockopt::rewrite::label),
        measure_context: false,
        extras: true,
        context: None,
    };
    let mut r = dockopt::rules::engine::check_dockerfile(
        std::path::Path::new("Dockerfile"),
        "Dockerfile",
        text,
        &dockopt::rules::config::Settings::default(),
        &opts,
    );
    r.after_fix = dockopt::rewrite::preview::after_fix(&r);
    let files = [r];
    let _ = report::to_text(&files, false);
    let _ = report::to_json(&files);
    let _ = report::to_sarif(&files);
    let _ = report::to_github(&files);
    let _ = report::to_markdown(&files);
}

/// Safe and unsafe fixes; whatever `fix` returns re-parses, and a file that parses never
/// meets the engine's internal failures (a fix whose output does not parse, rounds that do
/// not converge, a safe run the whole-file guard rejects): each is a fix bug.
pub fn exercise_fix(text: &str) {
    let parses = dockopt::syntax::parse(text).is_ok();
    for unsafe_fixes in [false, true] {
        let input = dockopt::rewrite::Input {
            text,
            context: None,
            root: None,
            has_dockerignore: unsafe_fixes,
        };
        let settings = dockopt::rewrite::Settings {
            unsafe_fixes,
            ..dockopt::rewrite::Settings::default()
        };
        match dockopt::rewrite::fix(&input, &settings) {
            Ok(out) => assert!(
                dockopt::syntax::parse(&out.output).is_ok(),
                "fix returned a file that does not parse"
            ),
            Err(
                e @ (dockopt::rewrite::RewriteError::NotReparsable { .. }
                | dockopt::rewrite::RewriteError::NotConverged(_)
                | dockopt::rewrite::RewriteError::NotEquivalent(_)),
            ) if parses => panic!("fix (unsafe: {unsafe_fixes}) failed internally: {e}"),
            Err(_) => {}
        }
    }
}
