//! (d) real rebuild costs: per app a source edit, a dependency-file edit, a Dockerfile edit
//! and (for some) a base-image change, each built on top of the original's cache and measured
//! (seconds the engine spent on steps), next to `dockopt estimate` with the original's cold
//! build log and with heuristics alone. Which steps re-run must agree; the figures are
//! printed (Spearman's rho, median relative error).

use crate::engine;
use crate::workdir::{step_seconds, AppWork, PREFIX};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

pub struct Row {
    pub name: String,
    pub measured: f64,
    pub with_log: f64,
    pub heuristic: f64,
    /// Steps (k of the after-Dockerfile) the engine re-ran / the estimate said miss.
    pub engine_rerun: BTreeSet<usize>,
    pub predicted_rerun: BTreeSet<usize>,
}

fn nonce() -> String {
    format!(
        "{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0)
    )
}

/// A line that leaves the file's meaning alone but changes its bytes.
fn comment_for(path: &str, n: &str) -> String {
    let ext = Path::new(path)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("");
    match ext {
        "js" | "go" | "rs" | "mod" => format!("\n// change {n}\n"),
        "json" | "html" => "\n".repeat(1 + n.len() % 3),
        _ => format!("\n# change {n}\n"),
    }
}

fn append(file: &Path, text: &str) -> Result<(), String> {
    let mut body = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    body.push_str(text);
    std::fs::write(file, body).map_err(|e| e.to_string())
}

fn copy_ctx(from: &Path, to: &Path) -> Result<(), String> {
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .map_err(|e| e.to_string())?;
    st.success()
        .then_some(())
        .ok_or_else(|| "cp -a failed".into())
}

/// `dockopt estimate --before --after [--log] [--base-changed]` → (seconds, re-run steps).
fn estimate(
    before: &Path,
    after: &Path,
    log: Option<&Path>,
    base: Option<&str>,
) -> Result<(f64, BTreeSet<usize>), String> {
    let mut c = Command::new(env!("CARGO_BIN_EXE_dockopt"));
    c.arg("estimate")
        .arg("--before")
        .arg(before)
        .arg("--after")
        .arg(after)
        .args(["--format", "json"]);
    if let Some(l) = log {
        c.arg("--log").arg(l);
    }
    if let Some(b) = base {
        c.args(["--base-changed", b]);
    }
    let out = c.output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(format!(
            "dockopt estimate failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).map_err(|e| e.to_string())?;
    let secs = v["rebuild"]["seconds"]
        .as_f64()
        .ok_or("no rebuild.seconds")?;
    let rerun = v["steps"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| s["result"] == "miss")
                .filter_map(|s| s["progress"]["k"].as_u64())
                .map(|k| k as usize)
                .collect()
        })
        .unwrap_or_default();
    Ok((secs, rerun))
}

fn engine_rerun(log: &str) -> BTreeSet<usize> {
    dockopt::cost::log::parse(log)
        .map(|l| {
            l.steps
                .iter()
                .filter(|s| !s.is_from() && s.seconds().is_some())
                .map(|s| s.k)
                .collect()
        })
        .unwrap_or_default()
}

/// The changes an app gets: (name, how to apply it to the after-context, changed base).
fn changes(w: &AppWork) -> Vec<(String, Change)> {
    let mut v = Vec::new();
    if let Some(e) = &w.app.edit {
        v.push(("source".to_string(), Change::Append(e.clone())));
    }
    if let Some(d) = &w.app.deps {
        v.push(("deps".to_string(), Change::Append(d.clone())));
    }
    v.push(("dockerfile".to_string(), Change::DockerfileEnv));
    if w.app.base_change {
        v.push(("base".to_string(), Change::Base));
    }
    v
}

enum Change {
    Append(String),
    DockerfileEnv,
    Base,
}

/// The FROM image of a single-stage Dockerfile.
fn base_of(text: &str) -> Option<String> {
    text.lines()
        .find(|l| l.trim_start().to_ascii_uppercase().starts_with("FROM "))
        .and_then(|l| l.split_whitespace().nth(1))
        .map(str::to_string)
}

pub fn run(w: &AppWork, rows: &mut Vec<Row>) -> Result<(), String> {
    let before = w.root.join("cost-before");
    copy_ctx(&w.ctx, &before)?;
    for (kind, change) in changes(w) {
        let n = nonce();
        let after = w.root.join(format!("cost-{kind}"));
        copy_ctx(&w.ctx, &after)?;
        let mut prefix = PREFIX.to_string();
        let mut base_changed = None;
        match &change {
            Change::Append(p) => append(&after.join(p), &comment_for(p, &n))?,
            Change::DockerfileEnv => {
                // A new ENV before the first COPY: every step from there re-runs.
                let text = std::fs::read_to_string(after.join("Dockerfile")).unwrap();
                let mut out = String::new();
                let mut done = false;
                for l in text.lines() {
                    if !done && l.trim_start().starts_with("COPY ") {
                        out.push_str(&format!("ENV DOCKOPT_CHANGE={n}\n"));
                        done = true;
                    }
                    out.push_str(l);
                    out.push('\n');
                }
                std::fs::write(after.join("Dockerfile"), out).map_err(|e| e.to_string())?;
            }
            Change::Base => {
                // The base gets a new layer, as a registry update of the tag would: a
                // config-only change (a LABEL) leaves BuildKit 0.8's WORKDIR cached.
                let base = base_of(&w.orig).ok_or("no FROM")?;
                let tmp = after.join(".rebase");
                std::fs::create_dir_all(&tmp).map_err(|e| e.to_string())?;
                let df = w.root.join(format!("rebase-{kind}.Dockerfile"));
                std::fs::write(
                    &df,
                    format!("FROM {PREFIX}{base}\nRUN echo {n} > /etc/dockopt-rebase\n"),
                )
                .map_err(|e| e.to_string())?;
                engine::build(&df, &tmp, &format!("dockopt-real-rebased/{base}"), false)?;
                std::fs::remove_dir_all(&tmp).ok();
                prefix = "dockopt-real-rebased/".into();
                base_changed = Some(base);
            }
        }
        let text = std::fs::read_to_string(after.join("Dockerfile")).unwrap();
        let df = w.root.join(format!("cost-{kind}.Dockerfile"));
        std::fs::write(&df, engine::for_engine(&text, &prefix)).map_err(|e| e.to_string())?;
        let bc = base_changed.as_deref();
        let (with_log, predicted_rerun) = estimate(&before, &after, Some(&w.cold_log), bc)?;
        let (heuristic, _) = estimate(&before, &after, None, bc)?;
        let b = engine::build(&df, &after, &w.tag(&format!("cost-{kind}")), false)?;
        let _ = engine::output(&["rmi", &w.tag(&format!("cost-{kind}"))]);
        rows.push(Row {
            name: format!("{}/{kind}", w.app.name),
            measured: step_seconds(&b.log),
            with_log,
            heuristic,
            engine_rerun: engine_rerun(&b.log),
            predicted_rerun,
        });
    }
    Ok(())
}
