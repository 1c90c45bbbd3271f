//! Real-toolchains tier (issue #13): real Debian bookworm images (tests/real/images.sh), real
//! apt, pip, poetry, uv, pipenv, npm, yarn, pnpm, cargo and go, and a real PostgreSQL.
//!
//!   DOCKOPT_REAL=1 cargo test --test real              every app
//!   DOCKOPT_REAL=1 cargo test --test real -- flask     apps whose name contains `flask`
//!   DOCKOPT_REAL=1 cargo test --test real -- --cold    rebuild the originals and baselines
//!   DOCKOPT_REAL=1 cargo test --test real -- --cost-only yarn go-std pipenv apt pip-tiny
//!                                                      only the rebuild-cost measurements
//!   DOCKOPT_REAL=1 cargo test --test real -- --no-cost leave out (d), for quick reruns
//!   bash tests/real/ci.sh                              as CI runs it: preflight, its own
//!                                                      dockerd and download proxy, images.sh,
//!                                                      then the tier with --no-cost
//!
//! Per app: (a) two --no-cache builds measure the toolchain's nondeterminism (once per
//! toolchain, only where a safe fix changed the Dockerfile: apps::baseline_apps); (b) the safe fix builds an image equal to the original up to the excuses
//! those baselines observed; (c) the multistage rewrite builds, runs and answers its probe
//! (the seed lab against PostgreSQL), sizes before/after; (d) rebuild costs of a few changes
//! measured and estimated. Then (e) a wrong rewrite must be caught. Needs `images.sh` first;
//! fails (never skips) when the engine, the images or a registry are missing.

// With harness = false, `cargo clippy --all-targets` still compiles this target with cfg(test).
#![cfg_attr(test, allow(dead_code, unused_imports))]

mod apps;
#[path = "../engine_equiv/compare.rs"]
mod compare;
mod cost;
mod engine;
#[path = "../engine_cost/mod.rs"]
#[allow(dead_code)]
mod engine_cost;
mod equiv;
mod excuses;
mod mirror;
mod postgres;
mod probe;
mod report;
mod runtime;
mod selftest;
mod workdir;

use std::time::Instant;

fn fail(msg: &str) -> ! {
    eprintln!("REAL TIER FAILED: {msg}");
    std::process::exit(2);
}

fn main() {
    let requested = std::env::var("DOCKOPT_REAL").unwrap_or_default();
    if requested.is_empty() || requested == "0" {
        println!("real-toolchains tier not requested: run `bash tests/real/images.sh && DOCKOPT_REAL=1 cargo test --test real`");
        return;
    }
    let mut filters = Vec::new();
    let mut cold = false;
    let mut cost_only = false;
    let mut with_cost = true;
    for a in std::env::args().skip(1) {
        match a.as_str() {
            "--cold" => cold = true,
            // Only the rebuild-cost measurements (issue #17): no baselines, equivalence,
            // runtimes or self-test.
            "--cost-only" => cost_only = true,
            "--no-cost" => with_cost = false,
            s if s.starts_with("--") => {}
            s => filters.push(s.to_string()),
        }
    }
    let t0 = Instant::now();
    match engine::output(&["info", "--format", "{{.ServerVersion}}"]) {
        Ok(v) => println!("real tier: Docker engine {v}"),
        Err(e) => fail(&format!("no Docker engine answers: {e}")),
    }
    let apps = apps::load(&filters).unwrap_or_else(|e| fail(&e));
    let selftest = filters.is_empty() || filters.iter().any(|f| "selftest".contains(f.as_str()));
    if apps.is_empty() && !selftest {
        fail(&format!("no app matches {filters:?}"));
    }
    // The images the selected apps (and the self-test) build from must exist; all carry the
    // same recipe label, which keys the cached cold builds.
    let mut recipe = String::new();
    for b in engine::BASES {
        let used = apps.iter().any(|a| {
            std::fs::read_to_string(a.dir.join("Dockerfile")).is_ok_and(|t| t.contains(b))
        }) || *b == "python:3.11-slim-bookworm";
        let tag = format!("{}{b}", workdir::PREFIX);
        match engine::label(&tag, "dockopt.real") {
            Some(l) => recipe = l,
            None if used => fail(&format!(
                "image {tag} is missing: run `bash tests/real/images.sh` first"
            )),
            None => {}
        }
    }
    let pg = if apps.iter().any(|a| a.postgres) {
        match postgres::Postgres::start() {
            Ok(p) => {
                println!("real tier: PostgreSQL on 127.0.0.1:{}", p.port);
                Some(p)
            }
            Err(e) => fail(&format!("cannot start PostgreSQL: {e}")),
        }
    } else {
        None
    };
    let mut rep = report::Report::default();
    let mut excuses = excuses::Excuses::new();
    // Original builds, then the baselines: the fixes are judged against what they observed.
    let mut works = Vec::new();
    for app in &apps {
        let t = Instant::now();
        println!("---- {}", app.name);
        let w = match workdir::AppWork::prepare(
            app,
            &recipe,
            cold,
            cost::cold_builds(app, with_cost),
        ) {
            Ok(w) => w,
            Err(e) => {
                rep.fail(&app.name, "original build", &e);
                continue;
            }
        };
        println!(
            "      original: {} ({:.0}s cold build{})",
            w.tag("orig"),
            w.cold_seconds,
            if w.reused { ", reused" } else { "" }
        );
        rep.time(&app.name, t.elapsed().as_secs_f64());
        rep.phase("original builds", t);
        works.push(w);
    }
    let prepared: Vec<apps::App> = works.iter().map(|w| w.app.clone()).collect();
    let changed: Vec<bool> = works.iter().map(|w| w.fixed != w.orig).collect();
    for i in apps::baseline_apps(&prepared, &changed)
        .into_iter()
        .filter(|_| !cost_only)
    {
        let t = Instant::now();
        let w = &works[i];
        println!(
            "---- {}: baseline of toolchain `{}`",
            w.app.name, w.app.toolchain
        );
        match equiv::baseline(w, &mut excuses) {
            Ok(un) if un.is_empty() => {}
            Ok(un) => rep.fail(
                &w.app.name,
                "baseline",
                &format!(
                    "nondeterminism no excuse explains (measure it and list it in excuses.rs):\n{}",
                    un.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
                ),
            ),
            Err(e) => rep.fail(&w.app.name, "baseline", &e),
        }
        rep.time(&w.app.name, t.elapsed().as_secs_f64());
        rep.phase("baselines", t);
    }
    report::print_excuses(&excuses);
    // The cost-only apps are prepared first; the heuristics' rates are learned once every
    // app is measured, from all the rounds' cold builds (`cost::heuristics`).
    let extra = if with_cost {
        cost::prepare_extra(&filters, &recipe, cold).unwrap_or_else(|e| {
            rep.fail("cost-apps", "cost", &e);
            Vec::new()
        })
    } else {
        Vec::new()
    };
    for w in &works {
        let t = Instant::now();
        let name = &w.app.name;
        println!("---- {name}: fixes {:?}", w.fixes);
        if cost_only {
        } else if w.fixed == w.orig {
            rep.equiv(name, "unchanged by the safe fixes", 0);
        } else {
            rep.fix_verdict(name, &w.fixes.join(","), equiv::fixed(w, &excuses));
        }
        let tp = rep.phase("safe fixes", t);
        if !cost_only {
            match runtime::run(w, pg.as_ref()) {
                Ok(s) => rep.sizes(name, s),
                Err(e) => rep.fail(name, "runtime", &e),
            }
        }
        let tp = rep.phase("multistage + probes", tp);
        if with_cost {
            if let Err(e) = cost::run(w, &mut rep.costs) {
                rep.fail(name, "cost", &e);
            }
        }
        rep.phase("rebuild costs", tp);
        rep.time(name, t.elapsed().as_secs_f64());
    }
    for w in &extra {
        println!("---- {}: rebuild costs", w.app.name);
        if let Err(e) = cost::run(w, &mut rep.costs) {
            rep.fail(&w.app.name, "cost", &e);
        }
    }
    if with_cost {
        for (what, e) in cost::heuristics(&mut rep.costs) {
            rep.fail(&what, "cost", &e);
        }
    }
    if selftest && !cost_only {
        let t = Instant::now();
        match selftest::run(&excuses, &recipe) {
            Ok(m) => println!("harness self-test: {m}"),
            Err(e) => rep.fail("selftest", "wrong rewrite", &e),
        }
        rep.phase("self-test", t);
    }
    drop(pg);
    let failed = rep.print(t0.elapsed().as_secs_f64());
    std::process::exit(i32::from(failed));
}
