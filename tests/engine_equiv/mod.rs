//! Equivalence oracle for `dockopt fix` on a real engine.
//!
//! For each app under `tests/engine_equiv/apps/<name>/` (a context with its
//! Dockerfile, on the stub base images of `images.sh`): build the original
//! and the safe-fixed Dockerfile (both passed with `-f` from outside the
//! context, so the context is byte-identical), then compare the two images:
//! every path's type, mode, owner, content hash and link target (from
//! `docker export` of a created container) and the config (`docker inspect`).
//! Zero differences are allowed (mtimes are not compared).
//!
//! Then one source file is edited and both are rebuilt: the steps BuildKit
//! re-ran (`DONE` rather than `CACHED` in `--progress=plain`) and the seconds
//! are recorded, next to the simulator's prediction for the same edit.
//!
//! `run(filter)` returns `(passed, failed)`; wire it into the engine target
//! with `#[path = "../engine_equiv/mod.rs"] mod engine_equiv;`.

use dockopt::cache;
use dockopt::change::input_from_text;
use dockopt::context::ContextTree;
use dockopt::model::BuildOptions;
use dockopt::rewrite::{self, Settings};

pub mod compare;
use compare::{config, diff_maps, export};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

fn docker() -> String {
    std::env::var("DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into())
}

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine_equiv")
}

/// Whether a dockerd answers.
pub fn engine_available() -> bool {
    Command::new(docker())
        .args(["version", "--format", "{{.Server.Version}}"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Imports the stub base images (idempotent): this tier's, and the fuzzer's, whose stubs read
/// config files as the real tools do (the `trap-*` apps, counterexamples the fuzzer found, use it).
pub fn prepare_images() -> Result<(), String> {
    for script in [
        dir().join("images.sh"),
        dir().join("../engine_fuzz/images.sh"),
    ] {
        let out = Command::new("bash")
            .arg(&script)
            .env("DOCKER", docker())
            .output()
            .map_err(|e| format!("{}: {e}", script.display()))?;
        if !out.status.success() {
            return Err(format!(
                "{} failed: {}",
                script.display(),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
    }
    Ok(())
}

struct Built {
    seconds: f64,
    reran: usize,
}

fn build(dockerfile: &Path, ctx: &Path, tag: &str) -> Result<Built, String> {
    let t = Instant::now();
    let out = Command::new(docker())
        .env("DOCKER_BUILDKIT", "1")
        .args([
            "build",
            "--network=none",
            "--progress=plain",
            "-t",
            tag,
            "-f",
        ])
        .arg(dockerfile)
        .arg(ctx)
        .output()
        .map_err(|e| format!("docker build: {e}"))?;
    let seconds = t.elapsed().as_secs_f64();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if !out.status.success() {
        let tail: Vec<&str> = log.lines().rev().take(12).collect();
        return Err(format!(
            "build of {} failed:\n{}",
            dockerfile.display(),
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        ));
    }
    Ok(Built {
        seconds,
        reran: count_reran(&log),
    })
}

/// Steps with a `[k/n]` label that finished `DONE` without `CACHED` (FROM excluded).
fn count_reran(log: &str) -> usize {
    let mut labels: BTreeMap<String, bool> = BTreeMap::new();
    let mut done: BTreeMap<String, bool> = BTreeMap::new();
    for line in log.lines() {
        let Some(rest) = line.strip_prefix('#') else {
            continue;
        };
        let Some((id, tail)) = rest.split_once(' ') else {
            continue;
        };
        if tail.starts_with('[') {
            let step = tail
                .split_once(']')
                .map(|(l, r)| l.contains('/') && !r.trim_start().starts_with("FROM"))
                .unwrap_or(false);
            labels.insert(id.to_string(), step);
        } else if tail.starts_with("CACHED") {
            done.insert(id.to_string(), false);
        } else if tail.starts_with("DONE") {
            done.entry(id.to_string()).or_insert(true);
        }
    }
    done.iter()
        .filter(|(id, ran)| **ran && labels.get(*id).copied().unwrap_or(false))
        .count()
}

/// The source file an app's one-line edit goes to.
fn edit_target(ctx: &Path) -> Option<String> {
    const CANDIDATES: &[&str] = &[
        "app.py",
        "main.py",
        "app/main.py",
        "service/main.py",
        "index.js",
        "src/index.js",
        "main.go",
        "src/main/java/App.java",
        "app.rb",
        "src/index.php",
        "Program.cs",
        "Api/Program.cs",
        "svc/app.py",
        "run.sh",
        "Makefile",
        "pkg/mod.py",
        "bin/tool",
    ];
    CANDIDATES
        .iter()
        .find(|c| ctx.join(c).is_file())
        .map(|s| s.to_string())
}

/// The simulator's misses in its two worlds: re-run stages give new bytes /
/// give the same bytes (a stub toolchain often rebuilds identical output).
fn simulate_misses(text: &str, ctx: &Path, edited: &str) -> Option<(usize, usize)> {
    let tree = ContextTree::load(ctx, Some(&ctx.join("Dockerfile"))).ok()?;
    let (after_tree, _) = tree.with_changed(&[edited]);
    let opts = BuildOptions::default();
    let before = input_from_text("Dockerfile".into(), text, &opts, tree).ok()?;
    let after = input_from_text("Dockerfile".into(), text, &opts, after_tree).ok()?;
    let sim = cache::simulate(&before, &after);
    let identical = sim
        .steps
        .iter()
        .filter(|s| s.if_outputs_identical.unwrap_or(s.result) == cache::Verdict::Miss)
        .count();
    Some((sim.summary.misses, identical))
}

/// Engine re-runs before/after the fix, seconds before/after, simulator misses before/after.
pub type Rebuild = (
    usize,
    usize,
    f64,
    f64,
    Option<(usize, usize)>,
    Option<(usize, usize)>,
);

pub struct AppResult {
    pub fixed: Vec<String>,
    pub error: Option<String>,
    pub rebuild: Option<Rebuild>,
    /// Steps re-run after the edit by the baseline dockopt's fix
    /// (`DOCKOPT_EQUIV_BASELINE`) and by the app's hand-written
    /// `ideal.Dockerfile`, when there are.
    pub baseline: Option<usize>,
    /// What is wrong with the baseline's fix, when it does not build the
    /// original image: its rewrite fails, fails to build or builds another
    /// image (a trap the baseline falls into). The app itself still passes:
    /// it measures this binary's fix.
    pub baseline_wrong: Option<String>,
    pub ideal: Option<usize>,
    /// How the engine caught the app's `naive.Dockerfile` (the rewrite a
    /// fixer without the hazard check would write), when there is one.
    pub naive: Option<String>,
}

/// The safe fix of another dockopt binary (`DOCKOPT_EQUIV_BASELINE`, e.g. the
/// main branch's) for the same context: the "before" of a comparison.
fn baseline_fix(ctx: &Path) -> Option<Result<String, String>> {
    let bin = std::env::var_os("DOCKOPT_EQUIV_BASELINE")?;
    let out = Command::new(bin)
        .args(["fix", "--stdout", "--context"])
        .arg(ctx)
        .arg(ctx.join("Dockerfile"))
        .output();
    Some(match out {
        Ok(o) if o.status.code().is_some_and(|c| c <= 1) => {
            Ok(String::from_utf8_lossy(&o.stdout).into_owned())
        }
        Ok(o) => Err(format!(
            "baseline fix failed: {}",
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("baseline fix: {e}")),
    })
}

fn copy_dir(from: &Path, to: &Path) -> Result<(), String> {
    let st = Command::new("cp")
        .arg("-a")
        .arg(format!("{}/.", from.display()))
        .arg(to)
        .status()
        .map_err(|e| e.to_string())?;
    st.success()
        .then_some(())
        .ok_or_else(|| "cp -a failed".to_string())
}

fn run_app(name: &str, app: &Path) -> AppResult {
    let mut res = AppResult {
        fixed: Vec::new(),
        error: None,
        rebuild: None,
        baseline: None,
        baseline_wrong: None,
        ideal: None,
        naive: None,
    };
    let r = (|| -> Result<(), String> {
        let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
        let ctx = tmp.path().join("ctx");
        std::fs::create_dir(&ctx).map_err(|e| e.to_string())?;
        copy_dir(app, &ctx)?;
        let orig = std::fs::read_to_string(ctx.join("Dockerfile")).map_err(|e| e.to_string())?;
        // An app with a file `unsafe-fixes` is a trap for an unsafe fix: it
        // is fixed with --unsafe-fixes, and must still build the same image
        // (written so that the one unsafe fix it offers is the one to refuse).
        let settings = Settings {
            unsafe_fixes: app.join("unsafe-fixes").is_file(),
            ..Settings::default()
        };
        let out = rewrite::fix_file(&orig, &ctx.join("Dockerfile"), None, &settings)
            .map_err(|e| format!("fix: {e}"))?;
        res.fixed = out.applied.iter().map(|a| a.code.to_string()).collect();
        let fixed = out.output.clone();
        let (fo, ff) = (
            tmp.path().join("orig.Dockerfile"),
            tmp.path().join("fixed.Dockerfile"),
        );
        std::fs::write(&fo, &orig).map_err(|e| e.to_string())?;
        std::fs::write(&ff, &fixed).map_err(|e| e.to_string())?;
        let (to, tf) = (
            format!("dockopt-equiv-{name}:orig"),
            format!("dockopt-equiv-{name}:fixed"),
        );
        build(&fo, &ctx, &to)?;
        // A trap's naive rewrite must differ on the engine (or not build):
        // otherwise the trap shows nothing about the refusal.
        let fnv = app.join("naive.Dockerfile");
        if fnv.is_file() {
            let tn = format!("dockopt-equiv-{name}:naive");
            res.naive = Some(match build(&fnv, &ctx, &tn) {
                Err(e) => format!(
                    "naive rewrite fails to build ({})",
                    e.lines().last().unwrap_or("").trim()
                ),
                Ok(_) => {
                    let mut d = diff_maps(&export(&to)?, &export(&tn)?);
                    if config(&to)? != config(&tn)? {
                        d.push("config differs".into());
                    }
                    match d.first() {
                        None => {
                            return Err("naive.Dockerfile builds the same image: not a trap".into())
                        }
                        Some(first) => format!("naive rewrite differs ({first})"),
                    }
                }
            });
        }
        // The baseline's fix and the hand-written ideal, built before the edit.
        // A baseline that fails, or builds another image than the original,
        // is reported as the baseline's fault and not measured further.
        let fb = tmp.path().join("baseline.Dockerfile");
        let tb = format!("dockopt-equiv-{name}:baseline");
        let base_text = match baseline_fix(&ctx) {
            Some(Err(e)) => {
                res.baseline_wrong = Some(e);
                None
            }
            Some(Ok(t)) if t != orig && t != fixed => {
                std::fs::write(&fb, &t).map_err(|e| e.to_string())?;
                match build(&fb, &ctx, &tb) {
                    Err(e) => {
                        res.baseline_wrong = Some(format!(
                            "its rewrite fails to build ({})",
                            e.lines().last().unwrap_or("").trim()
                        ));
                        None
                    }
                    Ok(_) => {
                        let mut d = diff_maps(&export(&to)?, &export(&tb)?);
                        if config(&to)? != config(&tb)? {
                            d.push("config differs".into());
                        }
                        match d.first() {
                            Some(first) => {
                                res.baseline_wrong =
                                    Some(format!("its rewrite builds another image ({first})"));
                                None
                            }
                            None => Some(t),
                        }
                    }
                }
            }
            other => other.and_then(Result::ok),
        };
        let fi = app.join("ideal.Dockerfile");
        let ti = format!("dockopt-equiv-{name}:ideal");
        let ideal = fi.is_file();
        if ideal {
            build(&fi, &ctx, &ti)?;
        }
        if fixed == orig && base_text.is_none() && !ideal {
            return Ok(());
        }
        build(&ff, &ctx, &tf)?;
        let mut problems = diff_maps(&export(&to)?, &export(&tf)?);
        let (co, cf) = (config(&to)?, config(&tf)?);
        if co != cf {
            problems.push(format!("config differs:\n  {co}\n  {cf}"));
        }
        if !problems.is_empty() {
            problems.truncate(12);
            return Err(format!("images differ:\n  {}", problems.join("\n  ")));
        }
        // One-line source edit, unique per build so the engine cannot have
        // the edited context cached from another variant's build.
        if let Some(target) = edit_target(&ctx) {
            let sim_o = simulate_misses(&orig, &ctx, &target);
            let sim_f = simulate_misses(&fixed, &ctx, &target);
            let p = ctx.join(&target);
            let edit = || -> Result<(), String> {
                let nonce = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_nanos())
                    .unwrap_or(0);
                let mut text = std::fs::read_to_string(&p).map_err(|e| e.to_string())?;
                text.push_str(&format!("\n# edit {nonce}\n"));
                std::fs::write(&p, text).map_err(|e| e.to_string())
            };
            edit()?;
            let bo = build(&fo, &ctx, &to)?;
            edit()?;
            let bf = build(&ff, &ctx, &tf)?;
            res.rebuild = Some((bo.reran, bf.reran, bo.seconds, bf.seconds, sim_o, sim_f));
            // The same text as the original or the fix re-runs what that did.
            let same_as = |t: &str| {
                if t == orig {
                    Some(bo.reran)
                } else if t == fixed {
                    Some(bf.reran)
                } else {
                    None
                }
            };
            if let Some(t) = &base_text {
                res.baseline = Some(match same_as(t) {
                    Some(n) => n,
                    None => {
                        edit()?;
                        build(&fb, &ctx, &tb)?.reran
                    }
                });
            }
            if ideal {
                let t = std::fs::read_to_string(&fi).map_err(|e| e.to_string())?;
                res.ideal = Some(match same_as(&t) {
                    Some(n) => n,
                    None => {
                        edit()?;
                        build(&fi, &ctx, &ti)?.reran
                    }
                });
            }
        }
        Ok(())
    })();
    res.error = r.err();
    res
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Runs every app whose name contains one of `filter` (all when empty).
pub fn run(filter: &[String]) -> (usize, usize) {
    if !engine_available() {
        println!("engine_equiv: no docker engine: skipped");
        return (0, 0);
    }
    if let Err(e) = prepare_images() {
        println!("engine_equiv: {e}");
        return (0, 1);
    }
    let mut apps: Vec<(String, PathBuf)> = std::fs::read_dir(dir().join("apps"))
        .map(|rd| {
            rd.flatten()
                .filter(|e| e.path().join("Dockerfile").is_file())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .collect()
        })
        .unwrap_or_default();
    apps.sort();
    apps.retain(|(n, _)| filter.is_empty() || filter.iter().any(|f| n.contains(f.as_str())));
    let (mut passed, mut failed) = (0, 0);
    let mut step_red = Vec::new();
    let mut sec_red = Vec::new();
    let mut sim_agree = (0, 0);
    // Apps where the baseline's fix does not build the original image.
    let mut baseline_wrong = 0usize;
    // Steps re-run after the edit, summed over the apps: original, fix,
    // baseline fix; and over the apps with an ideal: original, fix, ideal.
    let mut share = (0usize, 0usize, 0usize);
    let mut share_ideal = (0usize, 0usize, 0usize, 0usize);
    for (name, path) in &apps {
        let r = run_app(name, path);
        let fixes = if r.fixed.is_empty() {
            "unchanged".to_string()
        } else {
            r.fixed.join(",")
        };
        match &r.error {
            None => {
                passed += 1;
                let mut line = format!("ok    {name:<24} {fixes}");
                if let Some((o, f, so, sf, simo, simf)) = r.rebuild {
                    let show = |x: Option<(usize, usize)>| match x {
                        Some((a, b)) if a == b => a.to_string(),
                        Some((a, b)) => format!("{a}|{b}"),
                        None => "?".into(),
                    };
                    line.push_str(&format!(
                        "  re-run {o} -> {f} (simulator {} -> {})  {so:.1}s -> {sf:.1}s",
                        show(simo),
                        show(simf)
                    ));
                    share.0 += o;
                    share.1 += f;
                    share.2 += r.baseline.unwrap_or(o);
                    if let Some(b) = r.baseline {
                        line.push_str(&format!("  baseline fix {b}"));
                    }
                    if let Some(i) = r.ideal {
                        line.push_str(&format!("  ideal {i}"));
                        share_ideal.0 += o;
                        share_ideal.1 += f;
                        share_ideal.2 += i;
                        share_ideal.3 += 1;
                    }
                    if !r.fixed.is_empty() {
                        step_red.push(o as f64 - f as f64);
                        sec_red.push(so - sf);
                    }
                    sim_agree.1 += 2;
                    let agrees = |sim: Option<(usize, usize)>, engine: usize| {
                        sim.is_some_and(|(a, b)| a == engine || b == engine)
                    };
                    sim_agree.0 += usize::from(agrees(simo, o)) + usize::from(agrees(simf, f));
                }
                if let Some(n) = &r.naive {
                    line.push_str(&format!("  caught: {n}"));
                }
                if let Some(w) = &r.baseline_wrong {
                    baseline_wrong += 1;
                    line.push_str(&format!("  baseline fix WRONG: {w}"));
                }
                println!("{line}");
            }
            Some(e) => {
                failed += 1;
                println!(
                    "FAIL  {name:<24} {fixes}\n      {}",
                    e.replace('\n', "\n      ")
                );
            }
        }
    }
    let mean = |v: &[f64]| {
        if v.is_empty() {
            0.0
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    println!(
        "engine_equiv: steps re-run after a one-line edit, reduction over {} fixed apps: median {:.1}, mean {:.2}; seconds: median {:.2}, mean {:.2}; simulator matched the engine on {}/{} builds",
        step_red.len(),
        median(step_red.clone()),
        mean(&step_red),
        median(sec_red.clone()),
        mean(&sec_red),
        sim_agree.0,
        sim_agree.1
    );
    let pct = |saved: usize, of: usize| {
        if of == 0 {
            0.0
        } else {
            100.0 * saved as f64 / of as f64
        }
    };
    let baseline = std::env::var_os("DOCKOPT_EQUIV_BASELINE").is_some();
    println!(
        "engine_equiv: share of re-run steps saved after a one-line edit: fix {:.1}% of {} ({}){}",
        pct(share.0 - share.1.min(share.0), share.0),
        share.0,
        if baseline {
            format!(
                "baseline fix {:.1}%, counting its {baseline_wrong} wrong rewrites as saving nothing",
                pct(share.0 - share.2.min(share.0), share.0)
            )
        } else {
            "no DOCKOPT_EQUIV_BASELINE".into()
        },
        if share_ideal.3 > 0 {
            format!(
                "; on the {} apps with an ideal.Dockerfile: fix {:.1}%, ideal {:.1}%",
                share_ideal.3,
                pct(
                    share_ideal.0 - share_ideal.1.min(share_ideal.0),
                    share_ideal.0
                ),
                pct(
                    share_ideal.0 - share_ideal.2.min(share_ideal.0),
                    share_ideal.0
                )
            )
        } else {
            String::new()
        }
    );
    println!("engine_equiv: {passed} passed, {failed} failed");
    (passed, failed)
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_reran_steps() {
        let log = "#5 [1/4] FROM docker.io/library/x\n#5 DONE 0.0s\n#6 [2/4] WORKDIR /a\n#6 CACHED\n#7 [3/4] COPY . .\n#7 DONE 0.1s\n#8 [stage-1 2/2] RUN x\n#8 DONE 1.0s\n#9 exporting to image\n#9 DONE 0.0s\n";
        assert_eq!(super::count_reran(log), 2);
    }
}
