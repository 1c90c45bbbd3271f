//! The real-toolchains tier's logic without an engine: plain `cargo test` runs the unit tests
//! of tests/real's modules here (the tier itself is `harness = false`).

#[path = "real/apps.rs"]
#[allow(dead_code)]
mod apps;
#[path = "real/engine.rs"]
#[allow(dead_code)]
mod engine;
#[path = "real/excuses.rs"]
#[allow(dead_code)]
mod excuses;
#[path = "real/mirror.rs"]
#[allow(dead_code)]
mod mirror;
