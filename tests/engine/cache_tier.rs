//! The runner: for each scenario, prime, change, rebuild on the real engine, then check the
//! after build against `expected.json` (drift) and against `dockopt simulate` (the prediction).

use crate::dockopt::{self, SimArgs};
use crate::engine::{tail, BuildRequest, Docker};
use crate::progress::{self, Status, Step};
use crate::scenario::{self, BaseChangeKind, Expected, ExpectedStep, Loaded};
use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Options {
    pub record: bool,
    pub filters: Vec<String>,
}

pub fn images_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine/images.sh")
}

fn images_sh(docker: &Docker, args: &[&str]) -> Result<(), String> {
    let mut c = Command::new("bash");
    c.arg(images_script())
        .args(args)
        .env("DOCKER", docker.bin());
    let o = crate::engine::run_with_timeout(c, std::time::Duration::from_secs(120))
        .map_err(|e| format!("cannot run images.sh: {e}"))?;
    if o.success {
        Ok(())
    } else {
        Err(format!(
            "images.sh {} failed:\n{}",
            args.join(" "),
            tail(&o.text, 10)
        ))
    }
}

/// The recorded form of the after build.
pub fn to_expected(steps: &[Step]) -> Result<Expected, String> {
    let mut out = Vec::new();
    for s in steps {
        let result = match s.status {
            Status::Cached => "hit",
            Status::Done => "miss",
            other => {
                return Err(format!(
                    "after build: step {} ended {} (the scenario is broken)",
                    s.label(),
                    other.as_str()
                ))
            }
        };
        out.push(ExpectedStep {
            stage: s.stage.clone(),
            k: s.k,
            n: s.n,
            instruction: s.instruction.clone(),
            result: result.to_string(),
        });
    }
    sort_steps(&mut out);
    Ok(Expected { steps: out })
}

/// Parallel stages print in a nondeterministic order, so recordings are sorted.
fn sort_steps(v: &mut [ExpectedStep]) {
    v.sort_by(|a, b| (&a.stage, a.k, &a.instruction).cmp(&(&b.stage, b.k, &b.instruction)));
}

fn key(s: &ExpectedStep) -> String {
    match &s.stage {
        Some(st) => format!("[{st} {}/{}] {}", s.k, s.n, s.instruction),
        None => format!("[{}/{}] {}", s.k, s.n, s.instruction),
    }
}

/// Differences between the recorded and the live after build.
pub fn drift(expected: &Expected, live: &Expected) -> Vec<String> {
    let mut out = Vec::new();
    for e in &expected.steps {
        match live.steps.iter().find(|l| key(l) == key(e)) {
            None => out.push(format!(
                "DRIFT: recorded step {} ({}) not printed now",
                key(e),
                e.result
            )),
            Some(l) if l.result != e.result => out.push(format!(
                "DRIFT: {} was recorded {} but the engine now says {}",
                key(e),
                e.result,
                l.result
            )),
            Some(_) => {}
        }
    }
    for l in &live.steps {
        if !expected.steps.iter().any(|e| key(e) == key(l)) {
            out.push(format!(
                "DRIFT: new step {} ({}) not in expected.json",
                key(l),
                l.result
            ));
        }
    }
    out
}

struct Built {
    after_ops: Vec<Step>,
    before_dir: PathBuf,
    after_dir: PathBuf,
    _tmp: tempfile::TempDir,
}

fn build_checked(docker: &Docker, req: &BuildRequest, which: &str) -> Result<Vec<Step>, String> {
    let out = docker.build(req)?;
    let steps = progress::parse(&out.text);
    if let Some(bad) = steps.iter().find(|s| s.status == Status::Error) {
        return Err(format!(
            "{which} build: step {} ERROR (the scenario is broken):\n{}",
            bad.label(),
            tail(&out.text, 15)
        ));
    }
    if !out.success {
        return Err(format!(
            "{which} build failed (exit {:?}; the scenario is broken):\n{}",
            out.code,
            tail(&out.text, 15)
        ));
    }
    if std::env::var_os("DOCKOPT_ENGINE_VERBOSE").is_some() {
        eprintln!("--- {which} build ---\n{}", out.text);
    }
    Ok(steps.into_iter().filter(|s| !s.is_from()).collect())
}

fn args_vec(m: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

fn run_builds(docker: &Docker, sc: &Loaded) -> Result<Built, String> {
    let spec = &sc.spec;
    let tmp = tempfile::Builder::new()
        .prefix("dockopt-engine-")
        .tempdir()
        .map_err(|e| format!("tempdir: {e}"))?;
    let before_dir = tmp.path().join("before");
    let after_dir = tmp.path().join("after");
    scenario::copy_tree(&sc.dir.join("before"), &before_dir)
        .map_err(|e| format!("copying before/: {e}"))?;
    let after_src = if sc.dir.join("after").is_dir() {
        sc.dir.join("after")
    } else {
        sc.dir.join("before")
    };
    scenario::copy_tree(&after_src, &after_dir).map_err(|e| format!("copying after/: {e}"))?;
    scenario::apply_ops(&after_dir, &spec.after_ops)?;

    let before_args = args_vec(&spec.build_args);
    let mut merged = spec.build_args.clone();
    merged.extend(spec.after_build_args.clone());
    let after_args = args_vec(&merged);

    if let Some(bc) = &spec.base_change {
        // A previous run may have stopped half-way with the variant still tagged.
        images_sh(docker, &["restore", &bc.image])?;
    }
    docker.prune_all()?;
    let target = spec.target.as_deref();
    build_checked(
        docker,
        &BuildRequest {
            context: &before_dir,
            dockerfile: &spec.dockerfile,
            target,
            build_args: before_args,
        },
        "before",
    )?;
    let result = (|| {
        if let Some(bc) = &spec.base_change {
            let env = bc.env.clone().unwrap_or_default();
            images_sh(docker, &["variant", &bc.image, bc.kind.as_str(), &env])?;
        }
        docker.prune_source_local()?;
        build_checked(
            docker,
            &BuildRequest {
                context: &after_dir,
                dockerfile: &spec.dockerfile,
                target,
                build_args: after_args,
            },
            "after",
        )
    })();
    if let Some(bc) = &spec.base_change {
        images_sh(docker, &["restore", &bc.image])?;
    }
    Ok(Built {
        after_ops: result?,
        before_dir,
        after_dir,
        _tmp: tmp,
    })
}

/// Runs one scenario; Ok(note) or Err(details).
fn run_one(docker: &Docker, sc: &Loaded, opts: &Options) -> Result<String, String> {
    let built = run_builds(docker, sc)?;
    let live = to_expected(&built.after_ops)?;
    if opts.record {
        let old = scenario::read_expected(&sc.dir)?;
        scenario::write_expected(&sc.dir, &live)?;
        let hits = live.steps.iter().filter(|s| s.result == "hit").count();
        let summary = format!(
            "recorded {} steps ({} hit, {} miss)",
            live.steps.len(),
            hits,
            live.steps.len() - hits
        );
        return Ok(match old {
            Some(old) if old != live => {
                format!("{summary}; CHANGED: {}", drift(&old, &live).join("; "))
            }
            Some(_) => format!("{summary}; unchanged"),
            None => format!("{summary}; new"),
        });
    }
    let mut problems = Vec::new();
    match scenario::read_expected(&sc.dir)? {
        None => problems.push("no expected.json (record it with --record)".to_string()),
        Some(exp) => problems.extend(drift(&exp, &live)),
    }
    let spec = &sc.spec;
    let base_changed = spec
        .base_change
        .as_ref()
        .filter(|b| b.kind != BaseChangeKind::Identical)
        .map(|b| b.image.as_str());
    // The base images' configs, live from the engine (the committed copy is for the replay).
    let mut configs = Vec::new();
    for image in &spec.image_configs {
        let file = built
            ._tmp
            .path()
            .join(format!("{}.inspect.json", configs.len()));
        let json = docker.image_inspect(image)?;
        std::fs::write(&file, json).map_err(|e| format!("writing {}: {e}", file.display()))?;
        configs.push((image.clone(), file));
    }
    let args = SimArgs {
        before: &built.before_dir,
        after: &built.after_dir,
        dockerfile: &spec.dockerfile,
        target: spec.target.as_deref(),
        build_args: &args_vec(&spec.build_args),
        after_build_args: &args_vec(&spec.after_build_args),
        base_changed,
        image_configs: &configs,
    };
    // DOCKOPT_BIN points the tier at another build (e.g. a release binary).
    let bin = std::env::var_os("DOCKOPT_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_dockopt")));
    let modern: Vec<(Option<String>, u32, String)> = spec
        .modern_results
        .iter()
        .map(|m| (m.stage.clone(), m.k, m.result.clone()))
        .collect();
    if let Some(gap) = &spec.dockopt_gap {
        if problems.is_empty() {
            return Ok(format!("GAP (dockopt not compared): {gap}"));
        }
    }
    match dockopt::simulate(&bin, &args) {
        Err(e) => problems.push(format!("DOCKOPT: {e}")),
        Ok(sim) => problems.extend(
            dockopt::compare(&built.after_ops, &sim, &modern)
                .into_iter()
                .map(|p| format!("DOCKOPT: {p}")),
        ),
    }
    if problems.is_empty() {
        Ok(String::new())
    } else {
        Err(problems.join("\n    "))
    }
}

/// Runs the selected scenarios; returns (passed, failed, skipped).
pub fn run(docker: &Docker, opts: &Options) -> (usize, usize, usize) {
    let all = match scenario::load_all(&scenario::scenarios_dir()) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("FAIL loading scenarios: {e}");
            return (0, 1, 0);
        }
    };
    let selected: Vec<&Loaded> = all
        .iter()
        .filter(|s| {
            opts.filters.is_empty() || opts.filters.iter().any(|f| s.name.contains(f.as_str()))
        })
        .collect();
    if selected.is_empty() {
        return (0, 0, 0);
    }
    let start = std::time::Instant::now();
    let (mut passed, mut failed, mut skipped) = (0usize, 0usize, 0usize);
    for sc in selected {
        let t = std::time::Instant::now();
        match run_one(docker, sc, opts) {
            Ok(note) if note.starts_with("GAP") => {
                skipped += 1;
                println!("SKIP {}: {note}", sc.name);
            }
            Ok(note) => {
                passed += 1;
                let secs = t.elapsed().as_secs_f64();
                if note.is_empty() {
                    println!("ok {} ({secs:.1}s)", sc.name);
                } else {
                    println!("ok {} ({secs:.1}s): {note}", sc.name);
                }
            }
            Err(details) => {
                failed += 1;
                println!("FAIL {}: {details}", sc.name);
            }
        }
    }
    println!(
        "engine tier wall time: {:.1}s",
        start.elapsed().as_secs_f64()
    );
    println!("cache scenarios: {passed} passed, {failed} failed, {skipped} skipped");
    (passed, failed, skipped)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_and_drift() {
        let live = progress::ops(include_str!("fixtures/single-warm.txt"));
        let e = to_expected(&live).unwrap();
        assert_eq!(
            e.steps
                .iter()
                .map(|s| s.result.as_str())
                .collect::<Vec<_>>(),
            ["hit", "miss", "miss", "miss"]
        );
        assert!(drift(&e, &e).is_empty());
        let mut changed = e.clone();
        changed.steps[1].result = "hit".into();
        changed.steps.pop();
        let d = drift(&e, &changed);
        assert_eq!(d.len(), 2, "{d:#?}");
        assert!(d[0].contains("[3/5] COPY a.txt /a was recorded miss but the engine now says hit"));
        assert!(d[1].contains("[5/5] RUN echo r (miss) not printed now"));
        let json = serde_json::to_string(&e).unwrap();
        assert!(json.starts_with(r#"{"steps":[{"stage":null,"k":2,"n":5,"instruction":"RUN echo s00 >/scen","result":"hit"}"#), "{json}");
    }

    #[test]
    fn error_step_is_broken() {
        let out = "#4 [2/3] RUN false\n#4 ERROR: executor failed\n";
        let err = to_expected(&progress::ops(out)).unwrap_err();
        assert!(err.contains("broken"));
    }
}
