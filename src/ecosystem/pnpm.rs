//! pnpm: package.json + pnpm-lock.yaml (`.npmrc`, `.pnpmfile.cjs` are the
//! effects model's); a workspace is not split.

use super::node::node_install;
use super::{has, sub, Class, Ecosystem, Files};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "pnpm",
    manifests: &["package.json", "pnpm-workspace.yaml"],
    lockfiles: &["pnpm-lock.yaml"],
    effects: "node",
    installs: &["pnpm install --frozen-lockfile"],
    caches: &["/root/.local/share/pnpm/store", "/root/.cache/pnpm"],
    install_outputs: super::node::NODE_OUTPUTS,
    build_outputs: &["dist", "build", ".next"],
    runtime_images: &["node"],
    toolchain: None,
    git_sources: super::node::GIT_SOURCES,
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("-C"),
        super::Elsewhere::Any("--dir"),
        super::Elsewhere::Any("--filter"),
        super::Elsewhere::Any("-F"),
        super::Elsewhere::Any("--recursive"),
        super::Elsewhere::Any("-r"),
        super::Elsewhere::Relative("--store-dir"),
    ],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "pnpm" && matches!(sub(args).0, "install" | "i"))
        .then_some(&["package.json", "pnpm-lock.yaml"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "pnpm" {
        return None;
    }
    let sub = *args.first()?;
    let rest = &args[1..];
    match sub {
        "add" if has(rest, &["-g", "--global"]) => Some(Class::Neutral),
        "install" | "i" => {
            if rest.iter().any(|a| !a.starts_with('-')) {
                return Some(Class::Other);
            }
            if files.kind("pnpm-workspace.yaml").is_some() {
                return Some(Class::Unsafe(
                    "a pnpm workspace installs packages whose manifests live elsewhere".into(),
                ));
            }
            Some(node_install(
                "pnpm",
                files,
                has(rest, &["--ignore-scripts"]),
                &["pnpm-lock.yaml"],
                has(rest, &["--frozen-lockfile"]),
            ))
        }
        _ => None,
    }
}
