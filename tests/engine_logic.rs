//! Unit tests of the real-engine tier's logic (progress parser, scenario format, matching
//! against dockopt's JSON). They need no engine, so plain `cargo test` runs them; the tier
//! itself (`tests/engine/main.rs`, harness = false) cannot host `#[test]`s.
#![allow(dead_code)]

#[path = "engine/cache_tier.rs"]
mod cache_tier;
#[path = "engine/dockopt.rs"]
mod dockopt;
#[path = "engine/engine.rs"]
mod engine;
#[path = "engine/progress.rs"]
mod progress;
#[path = "engine/scenario.rs"]
mod scenario;
// The equivalence tier's image comparison and the fuzzer's generator, PRNG and case rendering.
#[path = "engine_equiv/mod.rs"]
mod engine_equiv;
#[path = "engine_fuzz/mod.rs"]
mod engine_fuzz;
