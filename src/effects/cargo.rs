//! cargo and rustup: `Cargo.toml` and `Cargo.lock` (a workspace root may be
//! above the cwd), `.cargo/config.toml` (and `.cargo/config`) in the cwd,
//! every ancestor and `$CARGO_HOME`, `rust-toolchain[.toml]` found upward,
//! `CARGO_*`, `RUSTFLAGS` and `RUSTUP_*`. Building reads the crate tree.

use super::{read_cwd, write_rel, Cmd, Cx, Effects};
use crate::model::path;

pub(super) fn apply(c: &Cmd, cx: &Cx, fx: &mut Effects) -> bool {
    if !matches!(c.prog, "cargo" | "rustup" | "rustc") {
        return false;
    }
    fx.env_prefix(&[
        "CARGO",
        "RUSTFLAGS",
        "RUSTDOCFLAGS",
        "RUSTC",
        "RUSTUP_",
        "RUST_",
        "CC",
        "CXX",
        "AR",
        "PKG_CONFIG",
        "OPENSSL_",
        "http_",
        "https_",
        "HTTP_",
        "HTTPS_",
    ]);
    let cargo_home = cx
        .var("CARGO_HOME")
        .map(str::to_string)
        .unwrap_or_else(|| cx.home(".cargo"));
    let rustup_home = cx
        .var("RUSTUP_HOME")
        .map(str::to_string)
        .unwrap_or_else(|| cx.home(".rustup"));
    for d in [&cargo_home, &rustup_home] {
        super::write_rel(fx, cx, d);
        super::read_rel(fx, cx, d);
    }
    for d in ["/usr/local/cargo", "/usr/local/rustup"] {
        fx.read_write(d);
    }
    for d in cx.cwd_and_ancestors() {
        for f in [
            ".cargo/config.toml",
            ".cargo/config",
            "rust-toolchain.toml",
            "rust-toolchain",
            "Cargo.toml",
            "Cargo.lock",
        ] {
            fx.config(&path::join_abs(&d, f));
        }
    }
    fx.network = true;
    let vals = c.vals();
    let sub = vals
        .iter()
        .flatten()
        .find(|v| !v.starts_with('-') && !v.starts_with('+'))
        .copied();
    match (c.prog, sub) {
        ("rustup", _) | ("cargo", Some("--version" | "version")) => {}
        ("cargo", Some("install")) if !c.has(&["--path"]) && !c.has(&["--git"]) => {}
        ("cargo", Some("fetch")) => {
            // Path dependencies and workspace members: the tree.
            read_cwd(fx, cx);
            write_rel(fx, cx, "Cargo.lock");
        }
        _ => {
            read_cwd(fx, cx);
            let target = cx.var("CARGO_TARGET_DIR").unwrap_or("target").to_string();
            write_rel(fx, cx, &target);
            write_rel(fx, cx, "Cargo.lock");
            if matches!(sub, Some("run" | "test" | "bench")) {
                fx.give_up("this cargo command runs code this model does not read");
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::super::testutil::fx;

    #[test]
    fn config_files_and_tree() {
        let e = fx("cargo install ripgrep", &[]);
        assert!(
            e.reads_under("/app/.cargo/config.toml") && e.reads_under("/app/rust-toolchain.toml")
        );
        assert!(
            !e.reads_under("/app/src") && e.reads_env("RUSTFLAGS") && e.reads_env("CARGO_HOME")
        );
        let e = fx("cargo build --release", &[]);
        assert!(e.reads_under("/app/src") && e.writes_under("/app/target"));
    }
}
