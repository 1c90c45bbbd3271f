//! The engine scenarios replayed without an engine: every `expected.json`
//! under tests/engine/scenarios was recorded from a real BuildKit build, so
//! plain `cargo test` checks `dockopt simulate` against the engine's verdicts
//! on a machine with only Rust. The engine tier (`DOCKOPT_ENGINE=1 cargo test
//! --test engine`) re-records live and also checks the recordings still hold.
#![allow(dead_code)]

#[path = "engine/dockopt.rs"]
mod dockopt;
#[path = "engine/engine.rs"]
mod engine;
#[path = "engine/progress.rs"]
mod progress;
#[path = "engine/scenario.rs"]
mod scenario;

use progress::Step;
use std::path::PathBuf;

fn args(m: &std::collections::BTreeMap<String, String>) -> Vec<(String, String)> {
    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

#[test]
fn recorded_engine_verdicts() {
    let all = scenario::load_all(&scenario::scenarios_dir()).unwrap_or_else(|e| panic!("{e}"));
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_dockopt"));
    let (mut passed, mut failures, mut gaps) = (0, Vec::new(), 0);
    for sc in &all {
        let spec = &sc.spec;
        if spec.dockopt_gap.is_some() {
            gaps += 1;
            continue;
        }
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
        let prepared = scenario::copy_tree(&sc.dir.join("before"), &before)
            .and_then(|_| scenario::copy_tree(&after_src, &after))
            .map_err(|e| e.to_string())
            .and_then(|_| scenario::apply_ops(&after, &spec.after_ops));
        if let Err(e) = prepared {
            failures.push(format!("{}: preparing contexts: {e}", sc.name));
            continue;
        }
        let base_changed = spec
            .base_change
            .as_ref()
            .filter(|b| b.kind != scenario::BaseChangeKind::Identical)
            .map(|b| b.image.as_str());
        let (ba, aa) = (args(&spec.build_args), args(&spec.after_build_args));
        let configs: Vec<(String, PathBuf)> = spec
            .image_configs
            .iter()
            .map(|i| (i.clone(), scenario::Scenario::recorded_inspect(&sc.dir, i)))
            .collect();
        let sim_args = dockopt::SimArgs {
            before: &before,
            after: &after,
            dockerfile: &spec.dockerfile,
            target: spec.target.as_deref(),
            build_args: &ba,
            after_build_args: &aa,
            base_changed,
            image_configs: &configs,
        };
        let engine_steps: Vec<Step> = expected.engine_steps();
        let modern: Vec<(Option<String>, u32, String)> = spec
            .modern_results
            .iter()
            .map(|m| (m.stage.clone(), m.k, m.result.clone()))
            .collect();
        match dockopt::simulate(&bin, &sim_args) {
            Err(e) => failures.push(format!("{}: {e}", sc.name)),
            Ok(sim) => {
                let problems = dockopt::compare(&engine_steps, &sim, &modern);
                if problems.is_empty() {
                    passed += 1;
                } else {
                    failures.push(format!("{}: {}", sc.name, problems.join("; ")));
                }
            }
        }
    }
    println!(
        "recorded engine scenarios: {passed} agree, {} disagree, {gaps} known gaps",
        failures.len()
    );
    assert!(all.len() >= 60, "only {} scenarios", all.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
