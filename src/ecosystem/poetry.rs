//! Poetry: `poetry install` (pyproject.toml + poetry.lock; `poetry.toml`
//! and `POETRY_*` are the effects model's).

use super::{has, sub, Class, Ecosystem, Files, Install, TwoPhase};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "poetry",
    manifests: &["pyproject.toml"],
    lockfiles: &["poetry.lock"],
    effects: "python",
    installs: &["poetry install --no-root", "poetry install"],
    caches: &["/root/.cache/pypoetry"],
    install_outputs: &[".venv"],
    build_outputs: &["dist"],
    runtime_images: &["python"],
    toolchain: None,
    git_sources: &[
        ("pyproject.toml", "git = "),
        ("poetry.lock", "type = \"git\""),
    ],
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("-C"),
        super::Elsewhere::Any("--directory"),
        super::Elsewhere::Any("-P"),
        super::Elsewhere::Any("--project"),
    ],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "poetry" && sub(args).0 == "install").then_some(&["pyproject.toml", "poetry.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "poetry" {
        return None;
    }
    match args.first() {
        Some(&"install") => {}
        // Writes the same setting each time it runs (repeatable).
        Some(&"config") => return Some(Class::Neutral),
        _ => return None,
    }
    if has(args, &["--only-root"]) {
        return Some(Class::Unsafe(
            "`poetry install --only-root` installs only the project, which needs its sources"
                .into(),
        ));
    }
    let Some(py) = files.read("pyproject.toml") else {
        return Some(super::missing(files, "pyproject.toml"));
    };
    if py.contains("path =") || py.contains("path=") {
        return Some(Class::Unsafe(
            "pyproject.toml has path dependencies, which are not copied first".into(),
        ));
    }
    let install = Install {
        eco: "poetry",
        required: vec!["pyproject.toml".into()],
        optional: super::opt(files, &["poetry.lock"]),
        outputs: vec![".venv"],
    };
    if has(args, &["--no-root"]) {
        return Some(Class::Install(install));
    }
    // The dependencies first (`--no-root`); the install after the sources
    // finds them in place and adds only the project.
    let no_lock = files.kind("poetry.lock").is_none();
    let mut pre: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    pre.push("--no-root".into());
    Some(Class::Project(TwoPhase {
        install,
        pre,
        unsafe_reason: no_lock.then(|| {
            "there is no poetry.lock: the first install resolves and writes one, which the second then installs from".to_string()
        }),
    }))
}

#[cfg(test)]
mod tests {
    use super::super::testutil::mem;
    use super::super::{classify, Class};

    #[test]
    fn install_of_the_project_is_two_phase() {
        let f = mem(&[("pyproject.toml", "[tool.poetry]\n"), ("poetry.lock", "")]);
        match classify(&["poetry", "install", "--only", "main"], &f) {
            Class::Project(t) => {
                assert_eq!(t.pre, ["install", "--only", "main", "--no-root"]);
                assert_eq!(t.unsafe_reason, None);
            }
            c => panic!("{c:?}"),
        }
        assert!(matches!(
            classify(&["poetry", "install", "--no-root"], &f),
            Class::Install(_)
        ));
        assert!(matches!(
            classify(&["poetry", "install", "--only-root"], &f),
            Class::Unsafe(_)
        ));
    }
}
