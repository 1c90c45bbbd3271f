//! Cargo: no command fetches and builds only the dependencies, so DO101's
//! fix makes the dummy-crate split (`rewrite::fixes::manifest_first::cargo`).

use super::{sub, Class, Ecosystem, Files, Toolchain};

pub const TOOLCHAIN: Toolchain = Toolchain {
    images: &["rust"],
    compiles: &[("cargo", &["build", "install"])],
    runs_from_source: &[("cargo", &["run"])],
};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "cargo",
    manifests: &["Cargo.toml"],
    lockfiles: &["Cargo.lock"],
    effects: "cargo",
    installs: &["cargo fetch"],
    caches: &["/usr/local/cargo/registry", "/usr/local/cargo/git"],
    install_outputs: &["target"],
    build_outputs: &["target"],
    runtime_images: &["debian", "gcr.io/distroless/cc"],
    toolchain: Some(&TOOLCHAIN),
    git_sources: &[("Cargo.toml", "git = "), ("Cargo.lock", "source = \"git+")],
    plain_value_flags: &[],
    elsewhere: &[super::Elsewhere::Any("--manifest-path")],
    detect,
    classify,
};

/// Files the dummy-crate split copies with the manifests when present.
pub const TOOLCHAIN_FILES: &[&str] = &["rust-toolchain.toml", "rust-toolchain"];

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "cargo" && sub(args).0 == "fetch").then_some(&["Cargo.toml", "Cargo.lock"][..])
}

fn classify(prog: &str, args: &[&str], _files: &dyn Files) -> Option<Class> {
    if prog != "cargo" {
        return None;
    }
    match args.first() {
        Some(&"build" | &"fetch" | &"install") => Some(Class::Unsafe(
            "cargo needs the crate's sources (a dummy main.rs would change the image): not fixed"
                .into(),
        )),
        _ => None,
    }
}
