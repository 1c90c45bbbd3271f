//! Real-engine calibration of `dockopt estimate` (docs/cost-model.md, "Calibration").
//!
//! For each scenario family: build the base context cold with `--progress=plain` and keep
//! the log; then, for each change, build the changed context on top of that cache and
//! compare `dockopt estimate --before base --after changed --log base.log` with what the
//! engine spent (the sum of `DONE` times of the rebuild's steps and per-build vertices, and
//! wall-clock time).
//! Steps are `sleep` stand-ins with known, different durations. Markers are unique per run
//! (`cost-<family>-<run id>`) so runs never share cache with each other or with other
//! tests on the same daemon; only `type=source.local` cache is pruned.
//!
//! Called as `engine_cost::run(filter)` from the engine target, or by
//! `DOCKOPT_ENGINE=1 cargo test --test engine_cost [-- NAME...]`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

struct Family {
    id: &'static str,
    /// `{RUN}` is replaced by the run's marker.
    dockerfile: &'static str,
    files: &'static [(&'static str, &'static str)],
    changes: &'static [Change],
}

struct Change {
    name: &'static str,
    /// Files whose content is replaced by a unique text (created if absent).
    edit: &'static [&'static str],
    after_build_args: &'static [&'static str],
}

const fn ch(name: &'static str, edit: &'static [&'static str]) -> Change {
    Change {
        name,
        edit,
        after_build_args: &[],
    }
}

const FAMILIES: &[Family] = &[
    Family {
        id: "chain",
        dockerfile: "FROM bkbase\nRUN echo cost-chain-{RUN} >/scen\nRUN sleep 2.0\nCOPY deps.txt /deps.txt\nRUN sleep 1.6 && cat /deps.txt\nCOPY lib/ /lib2/\nRUN sleep 1.0\nWORKDIR /app\nCOPY app.txt ./\nRUN sleep 0.5 && cat app.txt\nCOPY . /all\nRUN sleep 0.2\n",
        files: &[
            ("deps.txt", "deps 1\n"),
            ("lib/a.txt", "lib a\n"),
            ("lib/b.txt", "lib b\n"),
            ("app.txt", "app\n"),
            ("notes.txt", "notes\n"),
            ("ignored.log", "ignored\n"),
            (".dockerignore", "*.log\n"),
        ],
        changes: &[
            ch("chain-deps", &["deps.txt"]),
            ch("chain-lib-a", &["lib/a.txt"]),
            ch("chain-lib-new", &["lib/c.txt"]),
            ch("chain-app", &["app.txt"]),
            ch("chain-notes", &["notes.txt"]),
            ch("chain-new-file", &["new.txt"]),
            ch("chain-ignored", &["ignored.log"]),
            ch("chain-deps-app", &["deps.txt", "app.txt"]),
            ch("chain-lib-notes", &["lib/b.txt", "notes.txt"]),
        ],
    },
    Family {
        id: "stages",
        dockerfile: "FROM bkbase AS deps\nRUN echo cost-stages-deps-{RUN} >/scen\nCOPY deps.txt /deps.txt\nRUN sleep 2.4 && cp /deps.txt /deps.out\n\nFROM bkbase AS build\nRUN echo cost-stages-build-{RUN} >/scen\nCOPY src/ /src/\nRUN sleep 1.2 && cat /src/* > /build.out\n\nFROM bkbase\nRUN echo cost-stages-final-{RUN} >/scen\nCOPY --from=deps /deps.out /d\nRUN sleep 0.7\nCOPY --from=build /build.out /b\nCOPY conf.txt /conf\nRUN sleep 0.3\n",
        files: &[
            ("deps.txt", "deps\n"),
            ("src/main.txt", "main\n"),
            ("src/util.txt", "util\n"),
            ("conf.txt", "conf\n"),
            ("README.md", "readme\n"),
        ],
        changes: &[
            ch("stages-deps", &["deps.txt"]),
            ch("stages-src", &["src/main.txt"]),
            ch("stages-src-new", &["src/new.txt"]),
            ch("stages-conf", &["conf.txt"]),
            ch("stages-readme", &["README.md"]),
            ch("stages-src-conf", &["src/util.txt", "conf.txt"]),
            ch("stages-all", &["deps.txt", "src/main.txt", "conf.txt"]),
        ],
    },
    Family {
        id: "args",
        dockerfile: "FROM bkbase\nARG V=1\nRUN echo cost-args-{RUN} >/scen\nRUN sleep 1.8\nRUN echo $V > /v && sleep 0.9\nCOPY x.txt /x\nRUN sleep 0.4\nCOPY y.txt /y\nRUN sleep 3.0\n",
        files: &[("x.txt", "x\n"), ("y.txt", "y\n")],
        changes: &[
            Change {
                name: "args-v",
                edit: &[],
                after_build_args: &["V=2"],
            },
            ch("args-x", &["x.txt"]),
            ch("args-y", &["y.txt"]),
            Change {
                name: "args-v-y",
                edit: &["y.txt"],
                after_build_args: &["V=3"],
            },
            ch("args-x-y", &["x.txt", "y.txt"]),
        ],
    },
];

fn docker() -> String {
    std::env::var("DOCKOPT_DOCKER").unwrap_or_else(|_| "/usr/bin/docker".to_string())
}

fn dockopt() -> String {
    std::env::var("DOCKOPT_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_dockopt").to_string())
}

fn verbose() -> bool {
    std::env::var("DOCKOPT_ENGINE_VERBOSE").is_ok()
}

/// A `docker build`: (combined output, wall seconds).
fn build(ctx: &Path, args: &[String]) -> Result<(String, f64), String> {
    let prune = Command::new(docker())
        .args(["builder", "prune", "-f", "--filter", "type=source.local"])
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if !prune.status.success() {
        return Err(format!(
            "docker builder prune: {}",
            String::from_utf8_lossy(&prune.stderr)
        ));
    }
    let mut c = Command::new(docker());
    c.env("DOCKER_BUILDKIT", "1")
        .args(["build", "--network=none", "--progress=plain"]);
    for a in args {
        c.arg("--build-arg").arg(a);
    }
    c.arg(ctx);
    let t = Instant::now();
    let out = c.output().map_err(|e| format!("cannot run docker: {e}"))?;
    let wall = t.elapsed().as_secs_f64();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if verbose() {
        eprintln!("{text}");
    }
    if !out.status.success() {
        return Err(format!("docker build failed:\n{text}"));
    }
    Ok((text, wall))
}

/// Seconds the engine spent: steps (labelled vertices other than FROM) and the per-build
/// vertices (`[internal] load …`, `exporting to image`), which `estimate` counts as overhead.
fn measured(log: &str) -> f64 {
    dockopt::cost::log::parse(log)
        .map(|l| {
            l.steps
                .iter()
                .filter(|s| !s.is_from())
                .filter_map(|s| s.seconds())
                .fold(0.0, |a, b| a + b)
                + l.internal_seconds(|_| true)
        })
        .unwrap_or(0.0)
}

fn write_tree(dir: &Path, df: &str, files: &[(&str, &str)]) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("Dockerfile"), df).unwrap();
    for (p, body) in files {
        let path = dir.join(p);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// `dockopt estimate … --format json` → rebuild.seconds.
fn predict(
    before: &Path,
    after: &Path,
    log: Option<&Path>,
    after_args: &[&str],
) -> Result<f64, String> {
    let mut c = Command::new(dockopt());
    c.arg("estimate")
        .arg("--before")
        .arg(before)
        .arg("--after")
        .arg(after)
        .args(["--format", "json"]);
    if let Some(l) = log {
        c.arg("--log").arg(l);
    }
    for a in after_args {
        c.arg("--after-build-arg").arg(a);
    }
    let out = c.output().map_err(|e| format!("cannot run dockopt: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "dockopt estimate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    if log.is_some() {
        let warnings = v["warnings"].as_array().map(Vec::len).unwrap_or(0);
        if warnings > 0 {
            return Err(format!(
                "the base log did not cover every step: {}",
                v["warnings"]
            ));
        }
    }
    v["rebuild"]["seconds"]
        .as_f64()
        .ok_or_else(|| "no rebuild.seconds".to_string())
}

/// Ranks with ties averaged (1-based).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0.0; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rho: Pearson correlation of the ranks.
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = ra.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va == 0.0 || vb == 0.0 {
        return 0.0;
    }
    cov / (va * vb).sqrt()
}

/// Median of |p - m| / m over pairs with m > 0.1 s.
pub fn median_relative_error(pred: &[f64], meas: &[f64]) -> f64 {
    let mut e: Vec<f64> = pred
        .iter()
        .zip(meas)
        .filter(|(_, m)| **m > 0.1)
        .map(|(p, m)| (p - m).abs() / m)
        .collect();
    if e.is_empty() {
        return 0.0;
    }
    e.sort_by(f64::total_cmp);
    let n = e.len();
    if n % 2 == 1 {
        e[n / 2]
    } else {
        (e[n / 2 - 1] + e[n / 2]) / 2.0
    }
}

struct Row {
    name: String,
    predicted: f64,
    heuristic: f64,
    measured: f64,
    wall: f64,
}

fn engine_ready() -> Result<(), String> {
    let info = Command::new(docker())
        .args(["info", "--format", "{{.ServerVersion}}"])
        .output()
        .map_err(|e| format!("cannot run {}: {e}", docker()))?;
    if !info.status.success() {
        return Err(format!(
            "no engine answers `{} info`: {}",
            docker(),
            String::from_utf8_lossy(&info.stderr).trim()
        ));
    }
    let img = Command::new(docker())
        .args(["image", "inspect", "bkbase"])
        .output()
        .map_err(|e| e.to_string())?;
    if !img.status.success() {
        return Err("base image bkbase is missing: run tests/engine/images.sh".into());
    }
    Ok(())
}

fn run_family(f: &Family, run_id: &str, work: &Path, rows: &mut Vec<Row>) -> Result<(), String> {
    let base = work.join(format!("{}-base", f.id));
    write_tree(&base, &f.dockerfile.replace("{RUN}", run_id), f.files);
    let (log, _) = build(&base, &[])?;
    let log_path = work.join(format!("{}-base.log", f.id));
    std::fs::write(&log_path, &log).unwrap();
    for c in f.changes {
        let after = work.join(c.name);
        copy_dir(&base, &after);
        for p in c.edit {
            let path = after.join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("{} {} {}\n", c.name, run_id, p)).unwrap();
        }
        let predicted = predict(&base, &after, Some(&log_path), c.after_build_args)?;
        let heuristic = predict(&base, &after, None, c.after_build_args)?;
        let args: Vec<String> = c.after_build_args.iter().map(|s| s.to_string()).collect();
        let (out, wall) = build(&after, &args)?;
        rows.push(Row {
            name: c.name.to_string(),
            predicted,
            heuristic,
            measured: measured(&out),
            wall,
        });
    }
    Ok(())
}

/// Runs the calibration (one check, `cost-calibration`); returns (passed, failed).
pub fn run(filter: &[String]) -> (usize, usize) {
    const NAME: &str = "cost-calibration";
    if !filter.is_empty() && !filter.iter().any(|f| NAME.contains(f.as_str())) {
        return (0, 0);
    }
    if let Err(e) = engine_ready() {
        println!("FAIL {NAME}: {e}");
        return (0, 1);
    }
    let run_id = format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0)
    );
    let work: PathBuf = tempfile::tempdir().unwrap().keep();
    let mut rows = Vec::new();
    for f in FAMILIES {
        if let Err(e) = run_family(f, &run_id, &work, &mut rows) {
            println!("FAIL {NAME}: family {}: {e}", f.id);
            let _ = std::fs::remove_dir_all(&work);
            return (0, 1);
        }
    }
    let _ = std::fs::remove_dir_all(&work);
    println!(
        "{:<18} {:>9} {:>9} {:>9} {:>9}",
        "change", "predicted", "heuristic", "measured", "wall"
    );
    for r in &rows {
        println!(
            "{:<18} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
            r.name, r.predicted, r.heuristic, r.measured, r.wall
        );
    }
    let col = |f: fn(&Row) -> f64| rows.iter().map(f).collect::<Vec<f64>>();
    let (p, h, m, w) = (
        col(|r| r.predicted),
        col(|r| r.heuristic),
        col(|r| r.measured),
        col(|r| r.wall),
    );
    let rho = spearman(&p, &m);
    let mre = median_relative_error(&p, &m);
    println!(
        "{} changes: with --log: Spearman {:.3}, median relative error {:.1}% (vs step time); Spearman {:.3} vs wall clock",
        rows.len(),
        rho,
        mre * 100.0,
        spearman(&p, &w)
    );
    println!(
        "heuristics only: Spearman {:.3}, median relative error {:.1}%",
        spearman(&h, &m),
        median_relative_error(&h, &m) * 100.0
    );
    if rows.len() >= 20 && rho >= 0.9 {
        println!("ok {NAME}");
        (1, 0)
    } else {
        println!(
            "FAIL {NAME}: need >= 20 changes and Spearman >= 0.9 (got {}, {rho:.3})",
            rows.len()
        );
        (0, 1)
    }
}
