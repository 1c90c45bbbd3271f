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
fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
