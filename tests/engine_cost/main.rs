//! Temporary target for the cost calibration until it joins the engine tier
//! (`tests/engine/main.rs`: `#[path = "../engine_cost/mod.rs"] mod engine_cost;` then `engine_cost::run(&filter)`).
//!
//!     DOCKOPT_ENGINE=1 cargo test --test engine_cost [-- NAME...]
//!
//! Without `DOCKOPT_ENGINE=1` it prints one line and passes; with it and no engine, it fails.

#[path = "mod.rs"]
mod engine_cost;

fn main() {
    if std::env::var("DOCKOPT_ENGINE").ok().as_deref() != Some("1") {
        println!("engine_cost: skipped (set DOCKOPT_ENGINE=1 to run against a Docker engine)");
        return;
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let (passed, failed) = engine_cost::run(&filter);
    println!("{passed} passed, {failed} failed");
    if failed > 0 {
        std::process::exit(1);
    }
}
