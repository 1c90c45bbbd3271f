//! The ecosystem table: what each package ecosystem is, in one place.
//!
//! One file per ecosystem, each exporting an [`Ecosystem`]: its manifests and
//! lock files, the install commands it recognises (and, for DO101's split,
//! what such an install reads and writes), its download caches, the
//! directories its installs and builds write, and its usual runtime images.
//! Rules (DO101's detection, the "one-line source edit" a simulation
//! makes), fixes (DO101's manifest-first split) read it; multistage and the
//! cost model may too.
//!
//! The configuration files a tool loads (`.npmrc`, `poetry.toml`,
//! `pip.conf`, `NuGet.config`, …) are not listed here: the effects model
//! (`crate::effects`, one file per tool family, named by
//! [`Ecosystem::effects`]) knows them by the tool's own rules, and DO101's
//! split copies every file that model says the install reads.
//!
//! Adding an ecosystem: a file here with its `ECOSYSTEM`, a `pub mod` line
//! and an entry in [`ALL`], plus its fixtures.

pub mod buildpack;
pub mod bundler;
pub mod cargo;
pub mod composer;
pub mod dotnet;
pub mod go;
pub mod gradle;
pub mod install_log;
pub mod lockfiles;
pub mod maven;
mod node;
pub mod npm;
pub mod pip;
pub mod pipenv;
pub mod pnpm;
pub mod poetry;
pub mod python_stdlib;
pub mod registry;
pub mod uv;
pub mod yarn;

/// One package ecosystem.
pub struct Ecosystem {
    pub name: &'static str,
    /// Files whose edit should not reinstall dependencies (base names).
    pub manifests: &'static [&'static str],
    /// Lock files among (or next to) the manifests (base names).
    pub lockfiles: &'static [&'static str],
    /// The `crate::effects` family that models what its tools read
    /// (configuration files, environment) and write.
    pub effects: &'static str,
    /// Dependency installs as a user writes them (documentation, advice).
    pub installs: &'static [&'static str],
    /// Download caches its tools keep (absolute, root's home).
    pub caches: &'static [&'static str],
    /// Paths an install writes next to its manifests (relative to the
    /// project): a context that also holds them has the full COPY overwrite
    /// the install's output.
    pub install_outputs: &'static [&'static str],
    /// What a build writes (relative to the project).
    pub build_outputs: &'static [&'static str],
    /// Official images that run its programs.
    pub runtime_images: &'static [&'static str],
    /// For a compiled ecosystem: the images that carry its compiler and
    /// what builds and what runs from source (DO207: a final image on the
    /// toolchain image that only runs what it compiled ships the compiler).
    pub toolchain: Option<&'static Toolchain>,
    /// Dependencies fetched with git, as `(file, marker)`: the manifest or
    /// lock file (base name; `requirements.txt` stands for pip's whole
    /// `requirements*.txt` family) and text that names such a dependency in
    /// it. An install reading such a file runs `git` (DO207: git installed in
    /// the image is then a build tool, not something the program runs).
    pub git_sources: &'static [(&'static str, &'static str)],
    /// Flags of its installs whose value names no file (`dotnet restore -r
    /// linux-$TARGETARCH`): a build argument there changes no file the
    /// install reads, so DO101 may split an install that expands one.
    pub plain_value_flags: &'static [&'static str],
    /// Options that make an install read another folder or file than the
    /// cwd's manifests (`npm --prefix=web`, `composer -d web`, `go
    /// -modfile=tools.mod`): the split, which copies the cwd's manifests,
    /// is not made when one is given.
    pub elsewhere: &'static [Elsewhere],
    /// The dependency install a rule recognises (`prog` a base name, `args`
    /// what follows it): the manifests to name in the advice.
    pub detect: fn(prog: &str, args: &[&str]) -> Option<&'static [&'static str]>,
    /// What a dependency install reads and writes, read against the context.
    pub classify: fn(prog: &str, args: &[&str], files: &dyn Files) -> Option<Class>,
}

/// An option that points an install elsewhere (see [`Ecosystem::elsewhere`]).
#[derive(Debug, Clone, Copy)]
pub enum Elsewhere {
    /// Whatever its value: `--prefix DIR`, `--prefix=DIR`, and for a short
    /// option `-dDIR`; a name ending in `:` is a prefix (`-p:` for MSBuild
    /// properties).
    Any(&'static str),
    /// Only with a value that is not an absolute path (`--cache .npm`: a
    /// folder of the context, which the manifest COPY would not copy).
    Relative(&'static str),
}

impl Elsewhere {
    /// How `args` give this option (`-d web`, `--prefix=web`), if they do.
    fn given(&self, args: &[&str]) -> Option<String> {
        let (name, relative_only) = match *self {
            Elsewhere::Any(n) => (n, false),
            Elsewhere::Relative(n) => (n, true),
        };
        let short = !name.starts_with("--") && name.len() == 2;
        for (i, a) in args.iter().enumerate() {
            let spaced = *a == name;
            let value = if spaced {
                args.get(i + 1).copied()
            } else if let Some(v) = a.strip_prefix(name) {
                if name.ends_with(':') || v.starts_with('=') {
                    Some(v.trim_start_matches('='))
                } else if short && !v.is_empty() {
                    Some(v)
                } else {
                    continue;
                }
            } else {
                continue;
            };
            if !relative_only || value.is_none_or(|v| !v.starts_with('/')) {
                return Some(match (spaced, value) {
                    (true, Some(v)) => format!("{a} {v}"),
                    _ => a.to_string(),
                });
            }
        }
        None
    }
}

/// A compiler toolchain: its images, and the commands that compile an
/// artifact or run the program from source, as `(program, subcommands)`
/// (program base names; `mvnw` is `./mvnw`).
pub struct Toolchain {
    /// Image names (registry and `library/` stripped) whose every tag carries the compiler.
    pub images: &'static [&'static str],
    pub compiles: &'static [(&'static str, &'static [&'static str])],
    pub runs_from_source: &'static [(&'static str, &'static [&'static str])],
}

impl Toolchain {
    /// Whether `prog sub` is one of `list`.
    pub fn matches(list: &[(&str, &[&str])], prog: &str, sub: Option<&str>) -> bool {
        list.iter()
            .any(|(p, subs)| *p == prog && sub.is_some_and(|s| subs.contains(&s)))
    }
}

/// The toolchain whose image is `image_name` (registry and `library/` stripped).
pub fn toolchain_of_image(image_name: &str) -> Option<(&'static Ecosystem, &'static Toolchain)> {
    ALL.iter()
        .filter_map(|e| e.toolchain.map(|t| (*e, t)))
        .find(|(_, t)| t.images.contains(&image_name))
}

/// Where a tool keeps a cache a BuildKit cache mount should hold (DO210),
/// in the order the tool itself looks: a command-line flag, environment
/// variables, `$XDG_CACHE_HOME`, then a default under `$HOME`.
pub struct CacheDir {
    /// What the cache is, for the advice ("npm's download cache").
    pub what: &'static str,
    /// The flag that names it (`npm --cache DIR`).
    pub flag: Option<&'static str>,
    /// Variables that name it, the first set one wins.
    pub env: &'static [&'static str],
    /// The value of those variables that turns the cache off (`GOCACHE=off`).
    pub off: Option<&'static str>,
    /// Its directory under `$XDG_CACHE_HOME`, when the tool honours it.
    pub xdg: Option<&'static str>,
    /// Its directory under `$HOME` otherwise.
    pub home: &'static str,
}

/// Every ecosystem, in the order rules try them.
pub const ALL: &[&Ecosystem] = &[
    &pip::ECOSYSTEM,
    &uv::ECOSYSTEM,
    &poetry::ECOSYSTEM,
    &pipenv::ECOSYSTEM,
    &npm::ECOSYSTEM,
    &yarn::ECOSYSTEM,
    &pnpm::ECOSYSTEM,
    &go::ECOSYSTEM,
    &cargo::ECOSYSTEM,
    &maven::ECOSYSTEM,
    &gradle::ECOSYSTEM,
    &bundler::ECOSYSTEM,
    &composer::ECOSYSTEM,
    &dotnet::ECOSYSTEM,
];

/// Whether the manifest or lock file `base` (a base name), holding `text`,
/// names a dependency its ecosystem's install fetches with git.
pub fn names_git_dependency(base: &str, text: &str) -> bool {
    git_sources_of(base).any(|marker| text.contains(marker))
}

/// Whether `base` is a manifest or lock file some ecosystem names git
/// dependencies in (so that reading it can tell).
pub fn may_name_git_dependency(base: &str) -> bool {
    git_sources_of(base).next().is_some()
}

/// The git-dependency markers of the manifest or lock file `base`.
fn git_sources_of(base: &str) -> impl Iterator<Item = &'static str> + '_ {
    ALL.iter()
        .flat_map(|e| e.git_sources.iter())
        .filter(move |(file, _)| {
            *file == base || (*file == "requirements.txt" && pip::is_requirements_name(base))
        })
        .map(|(_, marker)| *marker)
}

/// The ecosystem called `name`.
pub fn by_name(name: &str) -> Option<&'static Ecosystem> {
    ALL.iter().copied().find(|e| e.name == name)
}

/// Context access for manifests, by path as written in the command (relative to the cwd).
pub trait Files {
    fn read(&self, p: &str) -> Option<String>;
    /// Some(true) for a directory, Some(false) for a file, None if absent (or ignored).
    fn kind(&self, p: &str) -> Option<bool>;
    /// Names of the entries directly under directory `p` ("" is the cwd).
    fn list(&self, p: &str) -> Vec<String>;
    /// Whether `p` is a symbolic link in the context (not followed: a
    /// manifest reached through one is absent for `read`).
    fn is_link(&self, _p: &str) -> bool {
        false
    }
    /// Why `p`, which is there, cannot be read (a FIFO, too large, not UTF-8).
    fn problem(&self, _p: &str) -> Option<String> {
        None
    }
}

/// A dependency install that reads only its manifests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Install {
    pub eco: &'static str,
    /// Manifests the install needs (paths as the command sees them).
    pub required: Vec<String>,
    /// Copied too when present (lock files, files the tool reads beside them).
    pub optional: Vec<String>,
    /// Paths the install writes next to the manifests: if the context also has
    /// them, the later full COPY would overwrite the install's output.
    pub outputs: Vec<&'static str>,
}

/// An install that also installs the project (`poetry install`, `uv sync`,
/// `pip install .`): the dependency-only command that can run before the
/// sources are copied, with the original kept after the full COPY.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TwoPhase {
    /// What the dependency-only command reads and writes.
    pub install: Install,
    /// The dependency-only command's arguments (what follows the program);
    /// empty when there is none (`pip install .`: only installs before it
    /// in the same RUN can run first).
    pub pre: Vec<String>,
    /// Why running it first may change the image (an Unsafe fix), if so.
    pub unsafe_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Class {
    Install(Install),
    /// Installs the project too; a dependency-only command exists.
    Project(TwoPhase),
    /// A dependency install that reads (or may rewrite) more than its manifests.
    Unsafe(String),
    /// A manifest-only install that may rewrite its lock file: splitting it is
    /// possible, but the later full COPY would put the original lock back, so
    /// the image can differ in that one file (an Unsafe fix, with the reason).
    LockMayChange(Install, String),
    /// Reads nothing relative to the cwd and writes only system locations.
    Neutral,
    Other,
}

/// The program's base name and its index in `argv`, wrappers (`sudo`,
/// `env X=1`, …) skipped.
pub fn program(argv: &[&str]) -> (String, usize) {
    crate::rewrite::fixes::run_view::program(argv)
}

/// Classifies one simple command (`argv` with its program).
///
/// A command that is not a dependency install is `Neutral` here: whether it
/// may run before the full COPY is the effects model's question (see
/// `manifest_first::effects_allow`), not a hand list's.
pub fn classify(argv: &[&str], files: &dyn Files) -> Class {
    classify_known(argv, files).unwrap_or(Class::Neutral)
}

/// As [`classify`], None when no ecosystem knows the command.
pub fn classify_known(argv: &[&str], files: &dyn Files) -> Option<Class> {
    let (prog, i) = program(argv);
    let rest = &argv[(i + 1).min(argv.len())..];
    ALL.iter().find_map(|e| {
        let class = (e.classify)(&prog, rest, files)?;
        if !matches!(
            class,
            Class::Install(_) | Class::Project(_) | Class::LockMayChange(..)
        ) {
            return Some(class);
        }
        Some(match e.elsewhere.iter().find_map(|o| o.given(rest)) {
            Some(w) => Class::Unsafe(format!(
                "`{w}` points the install at another folder or file, which the manifest COPY would not copy"
            )),
            None => class,
        })
    })
}

/// The dependency-only form of a project install (`poetry install` →
/// `poetry install --no-root`), whole argv; None when `argv` is not one.
/// Read without the context: the guard checks a two-phase split's text.
pub fn dependency_only(argv: &[&str]) -> Option<Vec<String>> {
    struct Any;
    impl Files for Any {
        fn read(&self, _: &str) -> Option<String> {
            Some(String::new())
        }
        fn kind(&self, _: &str) -> Option<bool> {
            Some(false)
        }
        fn list(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
    }
    let (_, i) = program(argv);
    match classify_known(argv, &Any)? {
        Class::Project(t) if !t.pre.is_empty() => {
            let mut out: Vec<String> = argv[..=i.min(argv.len().saturating_sub(1))]
                .iter()
                .map(|s| s.to_string())
                .collect();
            out.extend(t.pre);
            Some(out)
        }
        _ => None,
    }
}

/// Whether `argv` installs the project itself (a two-phase split's second
/// phase), read without the context.
pub fn is_project_install(argv: &[&str]) -> bool {
    struct Any;
    impl Files for Any {
        fn read(&self, _: &str) -> Option<String> {
            Some(String::new())
        }
        fn kind(&self, _: &str) -> Option<bool> {
            Some(false)
        }
        fn list(&self, _: &str) -> Vec<String> {
            Vec::new()
        }
    }
    matches!(classify_known(argv, &Any), Some(Class::Project(_)))
}

/// The dependency install `prog args` is (the ecosystem and the manifests to
/// name), for rules.
pub fn detect(prog: &str, args: &[&str]) -> Option<(&'static Ecosystem, &'static [&'static str])> {
    // An install pointed elsewhere reads other manifests than the advice would name.
    ALL.iter()
        .copied()
        .find_map(|e| (e.detect)(prog, args).map(|m| (e, m)))
        .filter(|(e, _)| e.elsewhere.iter().all(|o| o.given(args).is_none()))
}

/// Whether a context path is a dependency manifest or lock file of any
/// ecosystem (editing it should reinstall dependencies, editing anything
/// else should not).
pub fn is_manifest(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    ALL.iter()
        .any(|e| e.manifests.contains(&base) || e.lockfiles.contains(&base))
        || pip::is_requirements_name(base)
        || dotnet::is_project_file(base)
}

/// The first argument that is not an option, and what follows it.
pub(crate) fn sub<'a, 'b>(args: &'a [&'b str]) -> (&'b str, &'a [&'b str]) {
    match args.iter().position(|a| !a.starts_with('-')) {
        Some(i) => (args[i], &args[i + 1..]),
        None => ("", &[]),
    }
}

pub(crate) fn no_relative_args(args: &[&str]) -> bool {
    use crate::rewrite::fixes::run_view::is_relative_pathish;
    args.iter()
        .all(|a| !is_relative_pathish(a) && !a.contains('$') && !a.contains('='))
        || args
            .iter()
            .all(|a| !is_relative_pathish(a) && !a.contains('$'))
}

pub(crate) fn has(args: &[&str], flags: &[&str]) -> bool {
    args.iter().any(|a| {
        flags
            .iter()
            .any(|f| a == f || a.starts_with(&format!("{f}=")))
    })
}

/// The names among `names` that the context has.
pub(crate) fn opt(files: &dyn Files, names: &[&str]) -> Vec<String> {
    names
        .iter()
        .filter(|n| files.kind(n).is_some())
        .map(|n| n.to_string())
        .collect()
}

#[cfg(test)]
pub(crate) mod testutil {
    use super::Files;
    use std::collections::BTreeMap;

    pub struct Mem(pub BTreeMap<&'static str, &'static str>);
    impl Files for Mem {
        fn read(&self, p: &str) -> Option<String> {
            self.0.get(p).map(|s| s.to_string())
        }
        fn kind(&self, p: &str) -> Option<bool> {
            if self.0.contains_key(p) {
                return Some(false);
            }
            let pre = format!("{p}/");
            self.0.keys().any(|k| k.starts_with(&pre)).then_some(true)
        }
        fn list(&self, _: &str) -> Vec<String> {
            self.0.keys().map(|k| k.to_string()).collect()
        }
    }

    pub fn mem(files: &[(&'static str, &'static str)]) -> Mem {
        Mem(files.iter().copied().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An install pointed at another folder or file (found by a trap hunt:
    /// each split copied the cwd's manifests and the fixed build failed).
    #[test]
    fn installs_pointed_elsewhere_are_not_split() {
        let f = testutil::mem(&[
            ("package.json", r#"{"name":"a","version":"1.0.0"}"#),
            ("package-lock.json", "{}"),
            ("yarn.lock", ""),
            ("pnpm-lock.yaml", ""),
            ("composer.json", "{}"),
            ("composer.lock", "{}"),
            (
                "pyproject.toml",
                "[tool.poetry]\nname = \"a\"\n[tool.poetry.dependencies]\npython = \"^3.11\"\n",
            ),
            ("poetry.lock", ""),
            ("uv.lock", ""),
            ("go.mod", "module x\n"),
            ("go.sum", ""),
            ("Gemfile", "source 'https://rubygems.org'\n"),
            ("Gemfile.lock", ""),
            ("app.csproj", "<Project/>"),
        ]);
        for line in [
            "npm ci --prefix=web",
            "npm ci -Cweb",
            "npm ci --userconfig=.npmrc.ci",
            "npm ci --cache=.npm-cache --offline",
            "yarn install --frozen-lockfile --cwd=web",
            "pnpm install --frozen-lockfile --dir=web",
            "composer install --no-scripts -d web",
            "composer install --no-scripts --working-dir=web",
            "poetry install --no-root -C web",
            "poetry install --no-root --directory=web",
            "uv sync --frozen --no-install-project --directory=web",
            "go mod download -modfile=tools.mod",
            "bundle install --frozen --gemfile=deps/Gemfile",
            "dotnet restore --configfile=nuget.ci.config",
        ] {
            let argv: Vec<&str> = line.split(' ').collect();
            match classify(&argv, &f) {
                Class::Unsafe(why) => {
                    assert!(why.contains("another folder or file"), "{line}: {why}")
                }
                c => panic!("{line}: {c:?}"),
            }
            assert!(detect(argv[0], &argv[1..]).is_none(), "{line}");
        }
        for line in [
            "npm ci --omit=dev",
            "npm ci --cache /tmp/npm",
            "composer install --no-scripts --no-autoloader",
            "go mod download -x",
        ] {
            let argv: Vec<&str> = line.split(' ').collect();
            assert!(!matches!(classify(&argv, &f), Class::Unsafe(_)), "{line}");
        }
    }

    #[test]
    fn git_dependencies_are_read_per_file_format() {
        let yes = [
            (
                "requirements-dev.txt",
                "flask\n-e git+https://github.com/x/y.git#egg=y\n",
            ),
            (
                "poetry.lock",
                "[package.source]\ntype = \"git\"\nurl = \"https://x\"\n",
            ),
            (
                "Pipfile",
                "[packages]\ny = {git = \"https://github.com/x/y.git\"}\n",
            ),
            ("package.json", r#"{"dependencies": {"y": "github:x/y"}}"#),
            (
                "Cargo.lock",
                "source = \"git+https://github.com/x/y#abc\"\n",
            ),
            (
                "Gemfile.lock",
                "GIT\n  remote: https://github.com/x/y.git\n",
            ),
            (
                "composer.json",
                r#"{"repositories": [{"type": "vcs", "url": "x"}]}"#,
            ),
        ];
        for (file, text) in yes {
            assert!(names_git_dependency(file, text), "{file}");
        }
        let no = [
            ("requirements.txt", "flask==3.0\n"),
            ("poetry.lock", "[[package]]\nname = \"gitpython\"\n"),
            (
                "package.json",
                r#"{"repository": "https://github.com/x/y"}"#,
            ),
            // composer.lock names a git source for every package; installs use the dist zip.
            ("composer.lock", r#"{"source": {"type": "git"}}"#),
            ("go.mod", "require github.com/x/y v1.0.0\n"),
            ("README.md", "git+https://x"),
        ];
        for (file, text) in no {
            assert!(!names_git_dependency(file, text), "{file}");
        }
    }

    #[test]
    fn every_ecosystem_is_listed_once_with_manifests() {
        for (i, e) in ALL.iter().enumerate() {
            assert!(!e.manifests.is_empty(), "{}", e.name);
            assert!(!e.installs.is_empty(), "{}", e.name);
            assert!(ALL[i + 1..].iter().all(|o| o.name != e.name), "{}", e.name);
            assert!(by_name(e.name).is_some());
        }
    }

    #[test]
    fn manifests_are_recognised() {
        for p in [
            "requirements.txt",
            "requirements-dev.txt",
            "svc/package.json",
            "Api.csproj",
            "go.sum",
            "Cargo.lock",
            "Pipfile.lock",
        ] {
            assert!(is_manifest(p), "{p}");
        }
        for p in ["app.py", "src/main.rs", "README.md"] {
            assert!(!is_manifest(p), "{p}");
        }
    }

    #[test]
    fn every_listed_install_is_detected() {
        for e in ALL {
            for cmd in e.installs {
                let argv: Vec<&str> = cmd.split_whitespace().collect();
                let (prog, i) = program(&argv);
                let got = detect(&prog, &argv[i + 1..]).map(|(d, _)| d.name);
                assert_eq!(got, Some(e.name), "{cmd}");
            }
        }
    }
}

/// The class of an install whose manifest the context lacks.
pub(crate) fn missing(files: &dyn Files, name: &str) -> Class {
    Class::Unsafe(absent(files, name))
}

/// Why `path` cannot be read from the context: reached through a symbolic
/// link there (BuildKit would follow it for a manifest COPY, making a folder
/// where the full COPY puts the link: not the same image), there but
/// unreadable (a FIFO, past the read cap, not UTF-8), or not there.
pub(crate) fn absent(files: &dyn Files, path: &str) -> String {
    let parts: Vec<&str> = path
        .split('/')
        .filter(|p| !p.is_empty() && *p != ".")
        .collect();
    let mut prefix = String::new();
    for (i, part) in parts.iter().enumerate() {
        if !prefix.is_empty() {
            prefix.push('/');
        }
        prefix.push_str(part);
        if !files.is_link(&prefix) {
            continue;
        }
        return if i + 1 == parts.len() {
            format!(
                "{path} is a symbolic link in the build context whose target cannot be read there"
            )
        } else {
            format!(
                "{path} is reached through the symbolic link `{prefix}` in the build context: a COPY of it would make a folder where the full COPY puts the link"
            )
        };
    }
    match files.problem(path) {
        Some(why) => format!("{path} cannot be read from the build context: {why}"),
        None => format!("{path} is not in the build context (or is ignored)"),
    }
}
