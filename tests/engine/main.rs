//! Real-engine tier: builds each scenario twice on a real Docker engine (20.10, BuildKit v0.8)
//! and checks which steps were taken from cache, against `expected.json` and against
//! `dockopt simulate`.
//!
//!   DOCKOPT_ENGINE=1 cargo test --test engine                 all scenarios
//!   DOCKOPT_ENGINE=1 cargo test --test engine -- s13 dfi      scenarios whose name contains s13 or dfi
//!   DOCKOPT_ENGINE=1 cargo test --test engine -- --record s13 re-record expected.json
//!   DOCKOPT_ENGINE=1 cargo test --test engine -- fuzz         the differential fuzzer alone
//!
//! Needs a running engine (`/usr/bin/docker info`) and the base images of
//! `tests/engine/images.sh`; `.ci/run` sets both up. The logic is unit-tested by
//! `tests/engine_logic.rs`, which plain `cargo test` runs.

// With harness = false, `cargo clippy --all-targets` still compiles this target with cfg(test);
// the `#[test]`s inside the modules run from tests/engine_logic.rs instead.
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod cache_tier;
mod dockopt;
mod engine;
#[path = "../engine_cost/mod.rs"]
mod engine_cost;
#[path = "../engine_equiv/mod.rs"]
mod engine_equiv;
#[path = "../engine_fuzz/mod.rs"]
mod engine_fuzz;
#[path = "../engine_multistage/runner.rs"]
mod engine_multistage;
mod inline_scenario;
mod inline_tier;
mod progress;
mod scenario;

fn main() {
    let requested = std::env::var("DOCKOPT_ENGINE").unwrap_or_default();
    if requested.is_empty() || requested == "0" {
        println!(
            "engine tier not requested: run `DOCKOPT_ENGINE=1 cargo test --test engine` with a running Docker engine (or .ci/run)"
        );
        return;
    }
    let mut opts = cache_tier::Options {
        record: false,
        filters: Vec::new(),
    };
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--record" => opts.record = true,
            "-h" | "--help" => {
                println!(
                    "usage: DOCKOPT_ENGINE=1 cargo test --test engine -- [--record] [SUBSTRING]..."
                );
                return;
            }
            // Flags cargo or users may pass that mean nothing here.
            s if s.starts_with("--") => {}
            s => opts.filters.push(s.to_string()),
        }
    }
    let docker = engine::Docker::new();
    match docker.info() {
        Ok(v) => println!("engine tier: Docker engine {v} via {}", docker.bin()),
        Err(e) => {
            eprintln!(
                "ENGINE TIER FAILED: DOCKOPT_ENGINE=1 but no Docker engine answers `{} info`.\n\
                 Start one (e.g. `dockerd --bridge=none --iptables=false --ip-masq=false &`, or run .ci/run)\n\
                 or unset DOCKOPT_ENGINE.\n{e}",
                docker.bin()
            );
            std::process::exit(2);
        }
    }
    if !docker.image_exists("bkbase") {
        eprintln!("ENGINE TIER FAILED: base image bkbase is missing: run `bash tests/engine/images.sh` first.");
        std::process::exit(2);
    }
    // Each tier returns its counts; the last line totals them for CI.
    let (mut passed, mut failed, skipped) = cache_tier::run(&docker, &opts);
    let (p, f) = inline_tier::run(&docker, &opts.filters, opts.record);
    passed += p;
    failed += f;
    let (p, f) = engine_cost::run(&opts.filters);
    println!("cost calibration: {p} passed, {f} failed");
    passed += p;
    failed += f;
    let (p, f) = engine_equiv::run(&opts.filters);
    passed += p;
    failed += f;
    if docker
        .image_label("python:3.9-slim-buster", "dockopt.stubs")
        .as_deref()
        == Some("multistage-v1")
    {
        let (p, f) = engine_multistage::run(&opts.filters);
        println!("multistage oracle: {p} passed, {f} failed");
        passed += p;
        failed += f;
    } else {
        eprintln!("FAIL multistage oracle: its stub images are missing: run `bash tests/engine_multistage/images.sh` (.ci/run does)");
        failed += 1;
    }
    // Last: the fuzzer is time-boxed and should not delay the deterministic tiers' verdicts.
    let (p, f) = engine_fuzz::run(&opts.filters);
    passed += p;
    failed += f;
    if passed + failed + skipped == 0 {
        eprintln!("no scenario or tier matches {:?}", opts.filters);
        failed += 1;
    }
    if skipped > 0 {
        println!("{passed} passed, {failed} failed, {skipped} skipped");
    } else {
        println!("{passed} passed, {failed} failed");
    }
    std::process::exit(i32::from(failed > 0));
}
