//! Link the `dockopt` binary as a position-dependent executable on Linux.
//!
//! A PIE binary of this size carries ~10,000 relative relocations that the
//! dynamic loader applies at every start, touching ~40 pages of
//! `.data.rel.ro` and reading the 240 KB `.rela.dyn`: about 40 of the ~165
//! page faults of `dockopt --version`. Without PIE the linker resolves them
//! once. The cost is that the executable itself loads at a fixed address
//! (libraries, stack and heap stay randomised). Only the binary is affected:
//! `RUSTFLAGS=-C relocation-model=static` would also reach proc-macros,
//! which cannot be linked that way. Figures: README, "Performance".
//!
//! glibc only: a musl build is a static PIE whose start-up code relocates
//! itself, and `-no-pie` there gives a binary that crashes before `main`.
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let var = |k: &str| std::env::var(k).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") == "linux" && var("CARGO_CFG_TARGET_ENV") == "gnu" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
