//! Pipenv: `pipenv install --deploy` / `pipenv sync` read Pipfile and
//! Pipfile.lock (`.env` and `PIPENV_*` are the effects model's).

use super::{has, sub, Class, Ecosystem, Files, Install};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "pipenv",
    manifests: &["Pipfile"],
    lockfiles: &["Pipfile.lock"],
    effects: "python",
    installs: &["pipenv install --system --deploy", "pipenv sync"],
    caches: &["/root/.cache/pipenv", "/root/.cache/pip"],
    install_outputs: &[".venv"],
    build_outputs: &[],
    runtime_images: &["python"],
    toolchain: None,
    git_sources: &[("Pipfile", "git = "), ("Pipfile.lock", "\"git\":")],
    plain_value_flags: &[],
    elsewhere: &[],
    detect,
    classify,
};

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    (prog == "pipenv" && matches!(sub(args).0, "install" | "sync"))
        .then_some(&["Pipfile", "Pipfile.lock"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "pipenv" {
        return None;
    }
    let ok = match args.first() {
        Some(&"sync") => true,
        Some(&"install") => {
            if let Some(p) = args[1..].iter().find(|a| !a.starts_with('-')) {
                return Some(Class::Unsafe(format!(
                    "`pipenv install {p}` adds a package to the Pipfile"
                )));
            }
            has(args, &["--deploy", "--ignore-pipfile"])
        }
        _ => return None,
    };
    if !ok {
        return Some(Class::Unsafe(
            "`pipenv install` without --deploy may rewrite Pipfile.lock".into(),
        ));
    }
    if files.kind("Pipfile").is_none() {
        return Some(super::missing(files, "Pipfile"));
    }
    Some(Class::Install(Install {
        eco: "pipenv",
        required: vec!["Pipfile".into()],
        optional: super::opt(files, &["Pipfile.lock"]),
        outputs: vec![".venv"],
    }))
}
