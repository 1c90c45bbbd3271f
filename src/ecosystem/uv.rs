//! uv: `uv sync` (pyproject.toml + uv.lock, a `.venv` in the project) and
//! `uv pip install` (pip's grammar).

use super::{has, sub, Class, Ecosystem, Files, Install, TwoPhase};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "uv",
    manifests: &["pyproject.toml"],
    lockfiles: &["uv.lock"],
    effects: "python",
    installs: &["uv sync --frozen --no-install-project", "uv sync --locked"],
    caches: &["/root/.cache/uv"],
    install_outputs: &[".venv"],
    build_outputs: &["dist"],
    runtime_images: &["python"],
    toolchain: None,
    git_sources: &[
        ("pyproject.toml", "git+"),
        ("pyproject.toml", "git = "),
        ("uv.lock", "git = "),
    ],
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("--directory"),
        super::Elsewhere::Any("--project"),
        super::Elsewhere::Any("--config-file"),
        super::Elsewhere::Any("--package"),
        super::Elsewhere::Any("--all-packages"),
        super::Elsewhere::Relative("--cache-dir"),
    ],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "uv" && sub(args).0 == "sync").then_some(&["pyproject.toml", "uv.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "uv" {
        return None;
    }
    match args.first() {
        Some(&"pip") => super::pip::install(&args[1..], files, "uv pip").map(|c| match c {
            Class::Install(mut i) => {
                i.eco = "uv";
                Class::Install(i)
            }
            Class::Project(mut t) => {
                t.install.eco = "uv";
                t.pre.insert(0, "pip".into());
                Class::Project(t)
            }
            c => c,
        }),
        Some(&"sync") => sync(args, files),
        _ => None,
    }
}

fn sync(args: &[&str], files: &dyn Files) -> Option<Class> {
    let locked = has(args, &["--frozen", "--locked"]);
    if has(args, &["--package", "--all-packages"]) {
        return Some(Class::Unsafe(
            "`uv sync` of workspace packages needs every member's manifest".into(),
        ));
    }
    let Some(py) = files.read("pyproject.toml") else {
        return Some(super::missing(files, "pyproject.toml"));
    };
    if py.contains("[tool.uv.workspace]") || py.contains("[tool.uv.sources]") {
        return Some(Class::Unsafe(
            "pyproject.toml declares a uv workspace or local sources".into(),
        ));
    }
    let install = Install {
        eco: "uv",
        required: vec!["pyproject.toml".into(), "uv.lock".into()],
        optional: Vec::new(),
        outputs: vec![".venv"],
    };
    if has(args, &["--only-install-project"]) {
        return Some(Class::Unsafe(
            "`uv sync --only-install-project` installs only the project".into(),
        ));
    }
    if !has(args, &["--no-install-project"]) {
        if files.kind("uv.lock").is_none() {
            return Some(Class::Unsafe(
                "`uv sync` installs the project, and without uv.lock a dependency-only sync cannot run first".into(),
            ));
        }
        // The dependency-only sync installs exactly the lock (`--frozen`),
        // which is what a `--frozen`/`--locked` sync installs too.
        let mut pre: Vec<String> = args
            .iter()
            .filter(|a| **a != "--locked")
            .map(|s| s.to_string())
            .collect();
        if !pre.iter().any(|a| a == "--frozen") {
            pre.push("--frozen".into());
        }
        pre.push("--no-install-project".into());
        return Some(Class::Project(TwoPhase {
            install,
            pre,
            unsafe_reason: (!locked).then(|| {
                "the `uv sync` after the sources may re-lock (no --frozen/--locked) and install other versions than the first, frozen one; the image keeps both downloads in uv's cache".to_string()
            }),
        }));
    }
    if !locked {
        return Some(Class::Unsafe(
            "`uv sync` without --frozen/--locked may rewrite uv.lock".into(),
        ));
    }
    Some(Class::Install(install))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    #[test]
    fn sync_of_the_project_is_two_phase() {
        let f = mem(&[("pyproject.toml", "[project]\n"), ("uv.lock", "")]);
        match classify(&["uv", "sync", "--locked", "--no-dev"], &f) {
            Class::Project(t) => {
                assert_eq!(
                    t.pre,
                    ["sync", "--no-dev", "--frozen", "--no-install-project"]
                );
                assert_eq!(t.unsafe_reason, None);
            }
            c => panic!("{c:?}"),
        }
        match classify(&["uv", "sync"], &f) {
            Class::Project(t) => assert!(t.unsafe_reason.is_some()),
            c => panic!("{c:?}"),
        }
        assert!(matches!(
            classify(&["uv", "sync", "--frozen", "--no-install-project"], &f),
            Class::Install(_)
        ));
    }
}
