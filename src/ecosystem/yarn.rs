//! Yarn (classic and berry): package.json + yarn.lock; `.yarnrc*` are the
//! effects model's, the `.yarn/` directories it runs from are copied too.

use super::node::node_install;
use super::{has, no_relative_args, sub, Class, Ecosystem, Files};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "yarn",
    manifests: &["package.json"],
    lockfiles: &["yarn.lock"],
    effects: "node",
    installs: &[
        "yarn install --frozen-lockfile",
        "yarn install --immutable",
        "yarn",
    ],
    caches: &["/usr/local/share/.cache/yarn", "/root/.yarn/berry/cache"],
    install_outputs: super::node::NODE_OUTPUTS,
    build_outputs: &["dist", "build", ".next"],
    runtime_images: &["node"],
    toolchain: None,
    git_sources: super::node::GIT_SOURCES,
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("--cwd"),
        super::Elsewhere::Any("--use-yarnrc"),
        super::Elsewhere::Relative("--cache-folder"),
        super::Elsewhere::Relative("--modules-folder"),
    ],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "yarn" && matches!(sub(args).0, "" | "install"))
        .then_some(&["package.json", "yarn.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "yarn" {
        return None;
    }
    let rest = match args.first() {
        None => args,
        Some(&"install") => &args[1..],
        Some(a) if a.starts_with('-') => args,
        Some(&"global") => {
            return Some(if no_relative_args(&args[1..]) {
                Class::Neutral
            } else {
                Class::Other
            })
        }
        _ => return None,
    };
    if rest.iter().any(|a| !a.starts_with('-')) {
        return Some(Class::Other);
    }
    let frozen = has(
        rest,
        &["--frozen-lockfile", "--immutable", "--pure-lockfile"],
    );
    let mut c = node_install(
        "yarn",
        files,
        has(rest, &["--ignore-scripts"]),
        &["yarn.lock"],
        frozen,
    );
    if let Class::Install(i) | Class::LockMayChange(i, _) = &mut c {
        for d in [".yarn/releases", ".yarn/plugins", ".yarn/patches"] {
            if files.kind(d) == Some(true) {
                i.optional.push(d.into());
            }
        }
    }
    Some(c)
}
