//! The inline-cache engine scenarios replayed without an engine: each `expected.json` under
//! tests/engine/inline was recorded from Docker 20.10 importing a registry image built with
//! `BUILDKIT_INLINE_CACHE=1` on an emptied builder (see tests/engine/inline_tier.rs). Plain
//! `cargo test` checks `dockopt simulate --cache-source inline` against those verdicts, and
//! that the local-cache model alone would get some of them wrong (the scenarios matter).
#![allow(dead_code)]

#[path = "engine/dockopt.rs"]
mod dockopt;
#[path = "engine/engine.rs"]
mod engine;
#[path = "engine/inline_scenario.rs"]
mod inline_scenario;
#[path = "engine/progress.rs"]
mod progress;
#[path = "engine/scenario.rs"]
mod scenario;

use progress::Step;
use std::path::PathBuf;

fn run(cmd: std::process::Command) -> Result<dockopt::SimOutput, String> {
    let out = engine::run_with_timeout(cmd, std::time::Duration::from_secs(60))
        .map_err(|e| e.to_string())?;
    if !out.success {
        return Err(engine::tail(&out.text, 5));
    }
    dockopt::parse_output(&out.stdout)
}

#[test]
fn recorded_inline_cache_verdicts() {
    let all = inline_scenario::load_all(&inline_scenario::scenarios_dir())
        .unwrap_or_else(|e| panic!("{e}"));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_dockopt"));
    let (mut passed, mut failures, mut local_wrong) = (0, Vec::new(), 0);
    for sc in &all {
        let Ok(Some(expected)) = scenario::read_expected(&sc.dir) else {
            failures.push(format!("{}: no expected.json", sc.name));
            continue;
        };
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let (before, after) = (tmp.path().join("before"), tmp.path().join("after"));
        let after_src = if sc.dir.join("after").is_dir() {
            sc.dir.join("after")
        } else {
            sc.dir.join("before")
        };
        scenario::copy_tree(&sc.dir.join("before"), &before)
            .and_then(|_| scenario::copy_tree(&after_src, &after))
            .unwrap_or_else(|e| panic!("{}: {e}", sc.name));
        scenario::apply_ops(&after, &sc.spec.after_ops).unwrap_or_else(|e| panic!("{e}"));
        let engine_steps: Vec<Step> = expected.engine_steps();
        let cmd = inline_scenario::sim_command(&bin, &sc.spec, &before, &after);
        match run(cmd) {
            Err(e) => failures.push(format!("{}: {e}", sc.name)),
            Ok(sim) => {
                let problems = dockopt::compare(&engine_steps, &sim, &[]);
                if problems.is_empty() {
                    passed += 1;
                } else {
                    failures.push(format!("{}: {}", sc.name, problems.join("; ")));
                }
            }
        }
        // The control: the same question asked of the local-cache model.
        let mut local = inline_scenario::sim_command(&bin, &sc.spec, &before, &after);
        let args: Vec<String> = local
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect();
        let mut plain = std::process::Command::new(local.get_program());
        let mut skip = false;
        for a in &args {
            if skip {
                skip = false;
                continue;
            }
            if a == "--cache-source" || a == "--cache-target" {
                skip = true;
                continue;
            }
            plain.arg(a);
        }
        local = plain;
        if sc.spec.before_target.is_none() {
            if let Ok(sim) = run(local) {
                if !dockopt::compare(&engine_steps, &sim, &[]).is_empty() {
                    local_wrong += 1;
                }
            }
        }
    }
    println!(
        "recorded inline-cache scenarios: {passed} agree, {} disagree; the local-cache model alone mispredicts {local_wrong}",
        failures.len()
    );
    assert!(all.len() >= 20, "only {} inline scenarios", all.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        local_wrong >= 5,
        "the scenarios no longer separate inline from local"
    );
}
