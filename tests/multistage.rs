//! Multistage conversion over the hand-written corpus (snapshot of the seed
//! lab app) and the shared corpus (eligible / converted counts; every output
//! re-parses, keeps the image config and is a fixpoint).

use dockopt::context::ContextTree;
use dockopt::model::{self, BuildOptions};
use dockopt::multistage::{self, Conversion, Options, Refusal};
use dockopt::syntax;
use std::path::{Path, PathBuf};

fn convert_file(df_path: &Path, with_context: bool) -> Option<Result<Conversion, Refusal>> {
    let text = std::fs::read_to_string(df_path).ok()?;
    let df = syntax::parse(&text).ok()?;
    let m = model::build(&df, &BuildOptions::default()).ok()?;
    let dir = df_path.parent().unwrap();
    let ctx = if with_context {
        ContextTree::load(dir, Some(Path::new("Dockerfile"))).ok()
    } else {
        None
    };
    Some(multistage::convert(
        &df,
        &m,
        ctx.as_ref(),
        &Options::default(),
    ))
}

/// Converted text re-parses, its runtime config matches, converting it again refuses.
fn check_output(name: &str, c: &Conversion) {
    let df2 = syntax::parse(&c.text)
        .unwrap_or_else(|e| panic!("{name}: output does not parse: {e}\n{}", c.text));
    let m2 = model::build(&df2, &BuildOptions::default()).unwrap();
    assert!(m2.stages.len() >= 2, "{name}");
    let again = multistage::convert(&df2, &m2, None, &Options::default()).expect_err(name);
    assert!(
        again.reason.starts_with("already multistage"),
        "{name}: {again}"
    );
}

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

#[test]
fn seed_lab_app_snapshot() {
    let c = convert_file(&corpus().join("flask-notebook/Dockerfile"), true)
        .unwrap()
        .unwrap_or_else(|r| panic!("refused: {r}"));
    check_output("flask-notebook", &c);
    assert_eq!(c.builder_base, "python:3.9-buster");
    assert_eq!(c.runtime_base, "python:3.9-slim-buster");
    assert_eq!(c.moved_packages, vec!["gcc", "libpq-dev"]);
    let report = format!(
        "{}\n---\necosystem: {}\nmoved: {:?}\nestimated_saving_mb: {:?}\nnotes:\n- {}\n",
        c.text,
        c.ecosystem,
        c.moved_packages,
        c.estimated_saving_mb,
        c.notes.join("\n- ")
    );
    insta::assert_snapshot!("flask_notebook_multistage", report);
}

#[test]
fn local_corpus_outcomes() {
    let mut lines = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(corpus())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    for d in dirs {
        let f = d.join("Dockerfile");
        let name = d.file_name().unwrap().to_string_lossy().to_string();
        match convert_file(&f, true) {
            Some(Ok(c)) => {
                check_output(&name, &c);
                lines.push(format!("{name}: {} -> {}", c.builder_base, c.runtime_base));
            }
            Some(Err(r)) => lines.push(format!("{name}: refused: {}", r.reason)),
            None => lines.push(format!("{name}: (does not parse or model)")),
        }
    }
    insta::assert_snapshot!("corpus_multistage_outcomes", lines.join("\n"));
}

/// `../shared/corpus` (present here and in CI): eligible = single-stage with
/// a recognised toolchain base; prints how many convert.
#[test]
fn shared_corpus_eligible_and_converted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(rd) = std::fs::read_dir(&root) else {
        eprintln!("shared corpus not present at {}: skipped", root.display());
        return;
    };
    let mut dirs: Vec<_> = rd.flatten().map(|e| e.path()).collect();
    dirs.sort();
    let (mut files, mut eligible, mut converted) = (0, 0, 0);
    let mut reasons: std::collections::BTreeMap<String, usize> = Default::default();
    for d in dirs {
        let f = d.join("Dockerfile");
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        files += 1;
        let Ok(df) = syntax::parse(&text) else {
            continue;
        };
        let Ok(m) = model::build(&df, &BuildOptions::default()) else {
            continue;
        };
        let single = m.stages.len() == 1;
        let toolchain = matches!(&m.stages[0].base, model::Base::Image(i)
            if multistage::images::ImageRef::parse(i).ok().and_then(|r| multistage::images::ecosystem_of(&r)).is_some());
        if !(single && toolchain) {
            continue;
        }
        eligible += 1;
        match multistage::convert(&df, &m, None, &Options::default()) {
            Ok(c) => {
                check_output(&f.display().to_string(), &c);
                converted += 1;
            }
            Err(r) => {
                let key = r.reason.clone();
                *reasons.entry(key).or_default() += 1;
            }
        }
    }
    println!("shared corpus: {files} files, {eligible} eligible (single stage on a toolchain image), {converted} converted");
    for (r, n) in &reasons {
        println!("  refused {n:3}  {r}");
    }
    assert!(eligible > 0);
}

#[test]
fn cli_diff_stdout_and_refusal_exit_codes() {
    let bin = env!("CARGO_BIN_EXE_dockopt");
    let f = corpus().join("flask-notebook/Dockerfile");
    let out = std::process::Command::new(bin)
        .arg("multistage")
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let diff = String::from_utf8_lossy(&out.stdout);
    assert!(diff.contains("+FROM python:3.9-slim-buster"), "{diff}");
    let out = std::process::Command::new(bin)
        .args([
            "multistage",
            "--stdout",
            "--runtime-base",
            "python:3.9-slim-buster",
        ])
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout)
        .starts_with("# pull official base image\nFROM python:3.9-buster AS builder"));
    let out = std::process::Command::new(bin)
        .arg("multistage")
        .arg(corpus().join("onbuild/Dockerfile"))
        .output()
        .unwrap();
    // A refusal is an answer, not an error (as `fix` reports what it leaves):
    // exit 0, the reasons on stderr, no `error:`.
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("not converted") && stderr.contains("ONBUILD"),
        "{stderr}"
    );
    assert!(!stderr.contains("error:"), "{stderr}");
    assert!(out.stdout.is_empty(), "no diff for a refusal");
    // --stdout prints the file as it is, so a pipeline keeps a valid Dockerfile.
    let onbuild = corpus().join("onbuild/Dockerfile");
    let out = std::process::Command::new(bin)
        .args(["multistage", "--stdout"])
        .arg(&onbuild)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stdout, std::fs::read(&onbuild).unwrap());
    // A real error still exits 2.
    let out = std::process::Command::new(bin)
        .args(["multistage", "no-such-Dockerfile"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
