//! Go modules: `go mod download` reads go.mod and go.sum.

use super::{opt, sub, CacheDir, Class, Ecosystem, Files, Install, Toolchain};

pub const TOOLCHAIN: Toolchain = Toolchain {
    images: &["golang"],
    compiles: &[("go", &["build"])],
    runs_from_source: &[("go", &["run"])],
};

pub const ECOSYSTEM: Ecosystem = Ecosystem {
    name: "go",
    manifests: &["go.mod"],
    lockfiles: &["go.sum"],
    effects: "go",
    installs: &["go mod download"],
    caches: &["/root/go/pkg/mod", "/root/.cache/go-build"],
    install_outputs: &[],
    build_outputs: &[],
    runtime_images: &["gcr.io/distroless/static", "alpine", "scratch"],
    toolchain: Some(&TOOLCHAIN),
    git_sources: &[],
    plain_value_flags: &[],
    elsewhere: &[
        super::Elsewhere::Any("-modfile"),
        super::Elsewhere::Any("--modfile"),
        super::Elsewhere::Any("-C"),
    ],
    detect,
    classify,
};

/// Go's build cache (`go build`): `GOCACHE` (`off`: none), then
/// `$XDG_CACHE_HOME/go-build`, then `~/.cache/go-build`.
pub const BUILD_CACHE: CacheDir = CacheDir {
    what: "Go's build cache",
    flag: None,
    env: &["GOCACHE"],
    off: Some("off"),
    xdg: Some("go-build"),
    home: ".cache/go-build",
};

/// Whether `go build` arguments force rebuilding every package (`-a`): the
/// build cache is then written but never read, so keeping it gains nothing
/// (Go's own test, cmd/go/testdata/script/build_cache_compile.txt: "... unless
/// we use -a"). Go's flag package takes `-a`, `--a` and `-a=true`.
pub fn build_ignores_cache<S: AsRef<str>>(args: &[S]) -> bool {
    args.iter()
        .any(|a| matches!(a.as_ref(), "-a" | "--a" | "-a=true" | "--a=true"))
}

fn detect(prog: &str, args: &[&str]) -> Option<&'static [&'static str]> {
    let (s, rest) = sub(args);
    (prog == "go" && s == "mod" && rest.first() == Some(&"download"))
        .then_some(&["go.mod", "go.sum"][..])
}

fn classify(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class> {
    if prog != "go" || args.first() != Some(&"mod") || args.get(1) != Some(&"download") {
        return None;
    }
    if args[2..].iter().any(|a| !a.starts_with('-')) {
        return Some(Class::Other);
    }
    let Some(gomod) = files.read("go.mod") else {
        return Some(super::missing(files, "go.mod"));
    };
    for line in gomod.lines() {
        let l = line.trim();
        if (l.starts_with("replace") || l.contains("=>"))
            && (l.contains("=> ./") || l.contains("=> ../") || l.contains("=> /"))
        {
            return Some(Class::Unsafe(
                "go.mod replaces a module with a local directory, which is not copied first".into(),
            ));
        }
    }
    if files.kind("go.work").is_some() || files.kind("vendor").is_some() {
        return Some(Class::Unsafe(
            "a go.work file or vendor directory changes what `go mod download` reads".into(),
        ));
    }
    Some(Class::Install(Install {
        eco: "go",
        required: vec!["go.mod".into()],
        optional: opt(files, &["go.sum"]),
        outputs: vec![],
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn dash_a_forces_a_full_rebuild() {
        assert!(super::build_ignores_cache(&[
            "build", "-a", "-o", "/app", "."
        ]));
        assert!(super::build_ignores_cache(&["build", "--a=true", "."]));
        assert!(!super::build_ignores_cache(&["build", "-o", "/app", "./a"]));
    }
}
