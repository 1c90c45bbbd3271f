//! Runs the equivalence oracle alone (`DOCKOPT_ENGINE_EQUIV=1 cargo test --test engine_equiv
//! [-- NAME...]`); without that variable it does nothing, so `cargo test` needs no engine.
#[path = "mod.rs"]
mod engine_equiv;

fn main() {
    if std::env::var_os("DOCKOPT_ENGINE_EQUIV").is_none() {
        println!("engine_equiv: set DOCKOPT_ENGINE_EQUIV=1 to run (needs a docker engine)");
        return;
    }
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let (_, failed) = engine_equiv::run(&filter);
    if failed > 0 {
        std::process::exit(1);
    }
}
