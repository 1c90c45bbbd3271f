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
        ContextTree::load(dir, Some(df_path)).ok()
    } else {
        None
    };
    let opts = Options {
        context_root: ctx.as_ref().map(|_| dir.to_path_buf()),
        ..Options::default()
    };
    Some(multistage::convert(&df, &m, ctx.as_ref(), &opts))
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

/// One file's outcome: converted, or the kind of refusal.
fn outcome(df_path: &Path, context: Option<&Path>) -> Option<Result<Conversion, Refusal>> {
    let text = std::fs::read_to_string(df_path).ok()?;
    let df = syntax::parse(&text).ok()?;
    let m = model::build(&df, &BuildOptions::default()).ok()?;
    let ctx = context.and_then(|root| ContextTree::load(root, Some(df_path)).ok());
    let opts = Options {
        context_root: ctx.as_ref().and(context).map(Path::to_path_buf),
        ..Options::default()
    };
    Some(multistage::convert(&df, &m, ctx.as_ref(), &opts))
}

/// The refusal table for `../shared/field/` (each app with its context, from
/// manifest.tsv) and `../shared/corpus/` (Dockerfiles without contexts): how
/// many files each reason blocks. Prints the table (README "Multistage
/// refusals"); run with
/// `cargo test --test multistage refusal_reasons -- --nocapture`
/// (`DOCKOPT_SHARED=DIR` when the shared folder is elsewhere).
#[test]
fn refusal_reasons_field_and_corpus() {
    use std::collections::BTreeMap;
    let shared = std::env::var_os("DOCKOPT_SHARED")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared"));
    let field = shared.join("field");
    let Ok(manifest) = std::fs::read_to_string(field.join("manifest.tsv")) else {
        eprintln!("../shared/field not present: skipped");
        return;
    };
    // (kind) -> [field, corpus]
    let mut table: BTreeMap<String, [usize; 2]> = BTreeMap::new();
    let mut totals = [[0usize; 3]; 2]; // [files, converted, refused]
    let mut tally = |col: usize, name: &str, r: Option<Result<Conversion, Refusal>>| {
        totals[col][0] += 1;
        match r {
            Some(Ok(c)) => {
                check_output(name, &c);
                totals[col][1] += 1;
            }
            Some(Err(e)) => {
                assert!(!e.kind.contains("line "), "{name}: kind with a line: {e:?}");
                totals[col][2] += 1;
                table.entry(e.kind).or_default()[col] += 1;
            }
            None => table.entry("(does not parse or model)".into()).or_default()[col] += 1,
        }
    };
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (Some(id), Some(df)) = (cols.first(), cols.get(3)) else {
            continue;
        };
        let root = field.join(id);
        if !root.is_dir() {
            continue;
        }
        let r = outcome(&root.join(df), Some(&root));
        tally(0, id, r);
    }
    let mut dirs: Vec<_> = std::fs::read_dir(shared.join("corpus"))
        .map(|rd| rd.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    for d in dirs {
        let f = d.join("Dockerfile");
        if f.is_file() {
            let r = outcome(&f, None);
            tally(1, &f.display().to_string(), r);
        }
    }
    let mut rows: Vec<(&String, &[usize; 2])> = table.iter().collect();
    rows.sort_by(|a, b| (b.1[0] + b.1[1]).cmp(&(a.1[0] + a.1[1])).then(a.0.cmp(b.0)));
    println!("| refusal (files blocked) | field | corpus |");
    println!("|---|---:|---:|");
    for (k, [f, c]) in rows {
        println!("| {} | {f} | {c} |", k.replace('|', "\\|"));
    }
    println!(
        "| **converted** | **{}** of {} | **{}** of {} |",
        totals[0][1], totals[0][0], totals[1][1], totals[1][0]
    );
    assert!(totals[0][0] > 0, "no field app read");
}

/// Check codes of a Dockerfile text (checked as if it lived in `dir`), warnings
/// and errors. Info findings are left out: DO208 (two RUNs in a row) is what a
/// builder's separate system-package and dependency layers look like, kept
/// apart on purpose so a requirements edit does not re-run apt.
fn check_codes(dir: &Path, text: &str) -> std::collections::BTreeSet<String> {
    use dockopt::rules::config::Settings;
    use dockopt::rules::engine::{check_dockerfile, CheckOptions};
    let r = check_dockerfile(
        &dir.join("Dockerfile"),
        "Dockerfile",
        text,
        &Settings::default(),
        &CheckOptions::default(),
    );
    assert!(r.error.is_none(), "{:?}", r.error);
    r.findings
        .iter()
        .filter(|f| f.severity != dockopt::rules::Severity::Info)
        .map(|f| f.code.to_string())
        .collect()
}

/// A conversion adds nothing `check` flags (an unpinned runtime tag such as
/// `alpine:latest`, a shell-form command…): every engine app and every
/// converted file of corpus/.
#[test]
fn conversions_add_no_check_findings() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut dirs: Vec<PathBuf> = Vec::new();
    for base in ["tests/engine_multistage/apps", "corpus"] {
        let mut d: Vec<PathBuf> = std::fs::read_dir(root.join(base))
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.join("Dockerfile").is_file() && !p.join("refused.txt").exists())
            .collect();
        d.sort();
        dirs.extend(d);
    }
    let mut converted = 0;
    for d in dirs {
        let Some(Ok(c)) = convert_file(&d.join("Dockerfile"), true) else {
            continue;
        };
        converted += 1;
        let before = check_codes(&d, &std::fs::read_to_string(d.join("Dockerfile")).unwrap());
        let after = check_codes(&d, &c.text);
        let new: Vec<&String> = after.difference(&before).collect();
        assert!(
            new.is_empty(),
            "{}: the conversion adds {new:?}\n{}",
            d.display(),
            c.text
        );
    }
    assert!(converted >= 20, "only {converted} converted");
}
