//! Engine oracle for `dockopt::multistage`: every app under `apps/` is built as written and as
//! converted, on the stub toolchain images of `images.sh`; the converted image must print the
//! same output (`expected.txt`), hold none of the build-only paths of `forbidden.txt`, and be
//! smaller. Prints the size reduction per app, the median, then `N passed, N failed`.
//!
//! Trap apps (`refused.txt` holds part of the expected refusal): the converter must refuse;
//! the original must build and print `expected.txt`; and `naive.Dockerfile`, when present (the
//! split a converter without the check would write), must break on the engine (fail to build,
//! fail to start, or print something else), so the refusal is shown to be needed.
//!
//! `run(filter)` is the entry point (the engine target calls it); an empty filter runs all.

use dockopt::context::ContextTree;
use dockopt::model::{self, BuildOptions};
use dockopt::multistage::{self, Options};
use dockopt::syntax;
use std::path::{Path, PathBuf};
use std::process::Command;

fn docker() -> String {
    std::env::var("DOCKOPT_DOCKER").unwrap_or_else(|_| "/usr/bin/docker".to_string())
}

fn sh(args: &[&str]) -> Result<String, String> {
    let out = Command::new(docker())
        .env("DOCKER_BUILDKIT", "1")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let tail: Vec<&str> = text.lines().rev().take(15).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        Err(format!(
            "`docker {}` failed:\n{}",
            args.join(" "),
            tail.join("\n")
        ))
    }
}

pub fn apps_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine_multistage/apps")
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    for e in walkdir::WalkDir::new(from).min_depth(1) {
        let e = e?;
        let rel = e.path().strip_prefix(from).unwrap();
        if ["expected.txt", "forbidden.txt", "refused.txt"]
            .iter()
            .any(|f| rel == Path::new(f))
        {
            continue;
        }
        let dst = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dst)?;
        } else {
            std::fs::copy(e.path(), &dst)?;
        }
    }
    Ok(())
}

struct Outcome {
    before_mb: f64,
    after_mb: f64,
    /// A trap app: what the converter said, and how the naive split broke.
    trap: Option<String>,
}

fn build(ctx: &Path, tag: &str, file: &str) -> Result<String, String> {
    let df_path = ctx.join(file).to_string_lossy().to_string();
    let ctx_s = ctx.to_string_lossy().to_string();
    sh(&[
        "build",
        "--network=none",
        "--progress=plain",
        "-q",
        "-t",
        tag,
        "-f",
        &df_path,
        &ctx_s,
    ])
}

/// A trap app: the converter refuses with `want` in its reason, the original works, and the
/// naive split (if given) does not.
fn trap(
    ctx: &Path,
    name: &str,
    want: &str,
    expected: &str,
    refusal: Result<String, String>,
) -> Result<Outcome, String> {
    let reason = match refusal {
        Ok(text) => return Err(format!("converted a trap app:\n{text}")),
        Err(r) => r,
    };
    if !reason.contains(want.trim()) {
        return Err(format!(
            "refused for another reason: {reason} (expected: {})",
            want.trim()
        ));
    }
    let before = format!("dockopt-ms-{name}:before");
    let naive = format!("dockopt-ms-{name}:naive");
    let result = (|| {
        build(ctx, &before, "Dockerfile").map_err(|e| format!("original: {e}"))?;
        let out = sh(&["run", "--rm", "--network=none", &before])?;
        if out.trim() != expected.trim() {
            return Err(format!("original prints {out:?}, expected {expected:?}"));
        }
        let mut how = String::from("no naive split given");
        if ctx.join("naive.Dockerfile").exists() {
            how = match build(ctx, &naive, "naive.Dockerfile") {
                Err(e) => format!(
                    "naive split fails to build: {}",
                    e.lines().last().unwrap_or("")
                ),
                Ok(_) => match sh(&["run", "--rm", "--network=none", &naive]) {
                    Err(e) => format!(
                        "naive split fails to start: {}",
                        e.lines().last().unwrap_or("")
                    ),
                    Ok(o) if o != out => format!("naive split prints {o:?}"),
                    Ok(_) => return Err("the naive split works: not a trap".to_string()),
                },
            };
        }
        let b = size(&before)?;
        Ok(Outcome {
            before_mb: b as f64 / 1e6,
            after_mb: b as f64 / 1e6,
            trap: Some(format!("refused ({reason}); {how}")),
        })
    })();
    let _ = sh(&["rmi", "-f", &before, &naive]);
    result
}

fn size(tag: &str) -> Result<u64, String> {
    sh(&["image", "inspect", "--format", "{{.Size}}", tag])?
        .trim()
        .parse()
        .map_err(|e| format!("size of {tag}: {e}"))
}

/// Paths in the image's filesystem (`docker export` of a created container).
fn listing(tag: &str) -> Result<Vec<String>, String> {
    let id = sh(&["create", tag])?.trim().to_string();
    let out = Command::new("sh")
        .arg("-c")
        .arg(format!("{} export {id} | tar -t", docker()))
        .output()
        .map_err(|e| e.to_string());
    let _ = sh(&["rm", &id]);
    let out = out?;
    Ok(String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| format!("/{}", l.trim_start_matches("./").trim_end_matches('/')))
        .collect())
}

fn present(list: &[String], path: &str) -> bool {
    list.iter()
        .any(|p| p == path || p.starts_with(&format!("{path}/")))
}

fn one(app: &Path, name: &str) -> Result<Outcome, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let ctx = tmp.path();
    copy_tree(app, ctx).map_err(|e| e.to_string())?;
    let expected = std::fs::read_to_string(app.join("expected.txt")).map_err(|e| e.to_string())?;
    let forbidden = std::fs::read_to_string(app.join("forbidden.txt")).unwrap_or_default();

    // Convert (with the context, as the CLI does) and check the fixpoint.
    let text = std::fs::read_to_string(ctx.join("Dockerfile")).map_err(|e| e.to_string())?;
    let df = syntax::parse(&text).map_err(|e| e.to_string())?;
    let m = model::build(&df, &BuildOptions::default()).map_err(|e| e.to_string())?;
    let tree = ContextTree::load(ctx, Some(&ctx.join("Dockerfile"))).map_err(|e| e.to_string())?;
    let opts = Options {
        context_root: Some(ctx.to_path_buf()),
        ..Options::default()
    };
    let converted = multistage::convert(&df, &m, Some(&tree), &opts);
    if let Ok(want) = std::fs::read_to_string(app.join("refused.txt")) {
        let r = converted.map(|c| c.text).map_err(|r| r.reason);
        return trap(ctx, name, &want, &expected, r);
    }
    let c = converted.map_err(|r| format!("refused: {}", r.reason))?;
    let df2 = syntax::parse(&c.text).map_err(|e| format!("output does not parse: {e}"))?;
    let m2 = model::build(&df2, &BuildOptions::default()).map_err(|e| e.to_string())?;
    match multistage::convert(&df2, &m2, None, &Options::default()) {
        Err(r) if r.reason.starts_with("already multistage") => {}
        other => return Err(format!("not a fixpoint: {:?}", other.map(|c| c.text))),
    }
    std::fs::write(ctx.join("Dockerfile.multistage"), &c.text).map_err(|e| e.to_string())?;
    if std::env::var_os("DOCKOPT_ENGINE_VERBOSE").is_some() {
        println!("--- {name}: converted\n{}", c.text);
    }

    let before = format!("dockopt-ms-{name}:before");
    let after = format!("dockopt-ms-{name}:after");
    for (tag, file) in [(&before, "Dockerfile"), (&after, "Dockerfile.multistage")] {
        build(ctx, tag, file).map_err(|e| format!("build of {file}: {e}"))?;
    }
    let run = |tag: &str| sh(&["run", "--rm", "--network=none", tag]);
    let out_before = run(&before)?;
    let out_after = run(&after)?;
    let result = (|| {
        if out_before.trim() != expected.trim() {
            return Err(format!(
                "original prints {out_before:?}, expected {expected:?}"
            ));
        }
        if out_after != out_before {
            return Err(format!(
                "converted prints {out_after:?}, original {out_before:?}"
            ));
        }
        let list = listing(&after)?;
        let list_before = listing(&before)?;
        for p in forbidden.lines().map(str::trim).filter(|l| !l.is_empty()) {
            if present(&list, p) {
                return Err(format!("converted image still holds build-only {p}"));
            }
            if !present(&list_before, p) {
                return Err(format!("fixture error: original image has no {p}"));
            }
        }
        let (b, a) = (size(&before)?, size(&after)?);
        if a >= b {
            return Err(format!("converted image is not smaller ({a} >= {b} bytes)"));
        }
        Ok(Outcome {
            before_mb: b as f64 / 1e6,
            after_mb: a as f64 / 1e6,
            trap: None,
        })
    })();
    let _ = sh(&["rmi", &before, &after]);
    result
}

/// Runs the apps whose name contains one of `filter` (all when empty); returns (passed, failed).
pub fn run(filter: &[String]) -> (usize, usize) {
    let mut apps: Vec<PathBuf> = std::fs::read_dir(apps_dir())
        .map(|rd| {
            rd.flatten()
                .map(|e| e.path())
                .filter(|p| p.is_dir())
                .collect()
        })
        .unwrap_or_default();
    apps.sort();
    let (mut passed, mut failed) = (0, 0);
    let mut reductions = Vec::new();
    for app in apps {
        let name = app.file_name().unwrap().to_string_lossy().to_string();
        if !filter.is_empty() && !filter.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        match one(&app, &name) {
            Ok(Outcome { trap: Some(t), .. }) => {
                println!("ok {name}: trap: {t}");
                passed += 1;
            }
            Ok(o) => {
                let pct = 100.0 * (1.0 - o.after_mb / o.before_mb);
                println!(
                    "ok {name}: {:.1} MB -> {:.1} MB (-{pct:.0}%)",
                    o.before_mb, o.after_mb
                );
                reductions.push(pct);
                passed += 1;
            }
            Err(e) => {
                println!("FAIL {name}: {e}");
                failed += 1;
            }
        }
    }
    if !reductions.is_empty() {
        reductions.sort_by(|a, b| a.partial_cmp(b).unwrap());
        let n = reductions.len();
        let median = if n % 2 == 1 {
            reductions[n / 2]
        } else {
            (reductions[n / 2 - 1] + reductions[n / 2]) / 2.0
        };
        println!("median size reduction: {median:.0}% over {n} apps");
    }
    println!("{passed} passed, {failed} failed");
    (passed, failed)
}
