//! `dockopt fix` on every corpus/ folder (snapshots of the diff) and on the
//! shared corpus (re-parses, idempotent, untouched files unchanged).

mod common;

use dockopt::rewrite::{self, write::unified_diff, Settings};
use std::collections::BTreeMap;
use std::path::Path;

fn settings(unsafe_fixes: bool) -> Settings {
    Settings {
        unsafe_fixes,
        ..Settings::default()
    }
}

fn fix(path: &Path, unsafe_fixes: bool) -> Option<(String, rewrite::Outcome)> {
    let text = std::fs::read_to_string(path).ok()?;
    let out = rewrite::fix_file(&text, path, None, &settings(unsafe_fixes)).ok()?;
    Some((text, out))
}

#[test]
fn corpus_fix_diffs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for df in common::dockerfiles_under(&root) {
        let rel = df
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('/', "__");
        for (mode, unsafe_fixes) in [("safe", false), ("unsafe", true)] {
            let Some((text, out)) = fix(&df, unsafe_fixes) else {
                continue;
            };
            let mut report = unified_diff(&text, &out.output, "a/Dockerfile", "b/Dockerfile");
            for nf in &out.new_files {
                report.push_str(&unified_diff(
                    "",
                    &nf.content,
                    "/dev/null",
                    &format!("b/{}", nf.name),
                ));
            }
            for s in out.skipped.iter().chain(&out.refused) {
                report.push_str(&format!(
                    "# line {}: {} not fixed: {}\n",
                    s.line, s.code, s.reason
                ));
            }
            // Idempotent: fixing the output again applies nothing.
            let again = rewrite::fix(
                &rewrite::Input {
                    text: &out.output,
                    context: None,
                    root: None,
                    has_dockerignore: true,
                },
                &Settings {
                    select: Some(vec!["DO102".into(), "DO104".into(), "DO2".into()]),
                    ..settings(unsafe_fixes)
                },
            )
            .expect("output re-fixes");
            assert!(
                again.applied.is_empty(),
                "{rel} ({mode}) not idempotent: {:?}",
                again.applied
            );
            insta::assert_snapshot!(format!("{rel}__{mode}"), report);
        }
    }
}

#[test]
fn flask_notebook_moves_requirements_first() {
    let df = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/flask-notebook/Dockerfile");
    let (_, out) = fix(&df, false).unwrap();
    let o = &out.output;
    let req = o.find("COPY requirements.txt ./").expect("manifest COPY");
    let install = o.find("RUN pip install -r requirements.txt").unwrap();
    let all = o.find("COPY . .").unwrap();
    assert!(req < install && install < all, "{o}");
    insta::assert_snapshot!("flask_notebook_fixed", o);
}

#[test]
fn shared_corpus_reparses_and_is_idempotent() {
    let Some(dir) = common::shared_corpus() else {
        eprintln!("../shared/corpus not present: skipped");
        return;
    };
    for unsafe_fixes in [false, true] {
        let mut changed = 0;
        let mut files = 0;
        let mut errors = 0;
        let mut by_code: BTreeMap<&str, usize> = BTreeMap::new();
        for df in common::dockerfiles_under(&dir) {
            let text = match std::fs::read_to_string(&df) {
                Ok(t) => t,
                Err(_) => continue,
            };
            files += 1;
            let out = match rewrite::fix_file(&text, &df, None, &settings(unsafe_fixes)) {
                Ok(o) => o,
                Err(rewrite::RewriteError::Parse(_) | rewrite::RewriteError::Model(_)) => {
                    errors += 1;
                    continue;
                }
                Err(e) => panic!("{}: {e}", df.display()),
            };
            dockopt::syntax::parse(&out.output).expect("output re-parses");
            if out.applied.is_empty() {
                assert_eq!(out.output, text, "{}: untouched file changed", df.display());
            } else {
                changed += 1;
                let again = rewrite::fix_file(&out.output, &df, None, &settings(unsafe_fixes))
                    .expect("output fixes");
                assert!(again.applied.is_empty(), "{}: not idempotent", df.display());
                assert_eq!(again.output, out.output);
            }
            for (k, v) in out.counts_by_code() {
                *by_code.entry(k).or_insert(0) += v;
            }
        }
        println!(
            "shared corpus ({}): {files} files, {changed} changed, {errors} not parseable/modelable, fixes by code: {by_code:?}",
            if unsafe_fixes { "--unsafe-fixes" } else { "safe" }
        );
    }
}
