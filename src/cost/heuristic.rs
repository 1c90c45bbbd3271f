//! Documented guesses of a step's duration and output size when no build log or profile
//! covers it. Every figure here is listed, with its reasoning, in `docs/cost-model.md`;
//! keep the two in step.

use super::packages::PackageCounts;
use super::rates::Rates;
use crate::context::ContextTree;
use crate::ecosystem::registry::Dep;
use crate::model::{CopyOp, CopySource, Op, RunOp};
use crate::shell;
use std::sync::OnceLock;

const MB: u64 = 1_000_000;

/// Fixed cost of a RUN: container start and snapshot commit. Measured on BuildKit v0.8 /
/// overlayfs: `RUN sleep 2` reports `DONE 2.1s`, `RUN echo x >/f` 0.1-0.4 s.
pub const RUN_OVERHEAD: f64 = 0.15;
/// Fixed cost of a COPY from the context (measured 0.0-0.1 s for small files).
pub const COPY_OVERHEAD: f64 = 0.1;
/// A WORKDIR, or anything that only touches metadata.
pub const TRIVIAL: f64 = 0.1;
/// Context bytes copied per second by COPY (hashing + diff apply), measured on local disk.
pub const COPY_BYTES_PER_SEC: f64 = 50.0 * MB as f64;

/// `go build` without a learned rate: (seconds, seconds per module in go.sum). The fixed part
/// is the real tier's stdlib-only server (`go-stdlib`, cold `go build`: 3.1, 5.1, 8.2 s on
/// the shared 2-core machine); the per-module figure is not measured here (no app with
/// modules), it assumes a small module compiles about as fast as that whole server.
pub const GO_BUILD: (f64, f64) = (5.0, 1.0);
/// `npm run build` (and yarn/pnpm) without a learned rate: the real tier's Vite build
/// (`vite-build`, 58 packages) took 2.4 and 4.5 s cold.
pub const NODE_BUILD: f64 = 4.0;

/// What a guess can draw on besides the op: the context (sizes), the package counts of its
/// manifests, the rates learned on this machine, and the stage's base image.
pub struct Env<'a> {
    pub context: &'a ContextTree,
    pub counts: &'a PackageCounts,
    pub rates: &'a Rates,
    /// The stage's base image reference (through `FROM <stage>` chains), if an image.
    pub base: Option<&'a str>,
}

fn empty_counts() -> &'static PackageCounts {
    static E: OnceLock<PackageCounts> = OnceLock::new();
    E.get_or_init(PackageCounts::default)
}

fn default_rates() -> &'static Rates {
    static R: OnceLock<Rates> = OnceLock::new();
    R.get_or_init(Rates::default)
}

impl<'a> Env<'a> {
    /// Sizes only: documented defaults, no package counts, no base image.
    pub fn plain(context: &'a ContextTree) -> Env<'a> {
        Env {
            context,
            counts: empty_counts(),
            rates: default_rates(),
            base: None,
        }
    }
}

/// One costed part of a guess: what a learned rate is kept under.
#[derive(Debug, Clone, PartialEq)]
pub struct Part {
    /// The installer (`pip`, `npm`, `apt`) or the command class (`go build`).
    pub key: String,
    /// The installer's ecosystem (`python`, `node`, `debian`); `None` for a class.
    pub ecosystem: Option<String>,
    /// Packages installed, for installers (estimated from a file size when not `counted`).
    pub packages: Option<u64>,
    /// Whether `packages` was counted (operands, a parsed manifest), not estimated.
    pub counted: bool,
    /// This part's share of the guess.
    pub seconds: f64,
    /// Where the install's direct dependencies are named: what a change added is looked up
    /// there (`estimate --registry`).
    pub names: Option<Names>,
}

/// Where an install's direct dependencies are named.
#[derive(Debug, Clone, PartialEq)]
pub enum Names {
    /// A manifest (a requirements file, `package.json`), by context digest: its names are in
    /// the package counts' table.
    Manifest(String),
    /// The command's own operands (`pip install numpy==1.26.4`, `npm install koa`).
    Listed(Vec<Dep>),
}

/// A guess with the class of command it is based on.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub seconds: f64,
    pub bytes: u64,
    /// e.g. `apt-get install (3 packages)`, joined with ` + ` for chained commands.
    pub class: String,
    /// The commands' parts, for learning rates from a logged time and for scaling one.
    pub parts: Vec<Part>,
}

impl Guess {
    fn new(seconds: f64, bytes: u64, class: impl Into<String>) -> Guess {
        Guess {
            seconds,
            bytes,
            class: class.into(),
            parts: Vec::new(),
        }
    }

    /// A class without a count: its learned seconds per step when known.
    fn class(env: &Env, key: &str, seconds: f64, bytes: u64, class: impl Into<String>) -> Guess {
        let seconds = env.rates.class(key).unwrap_or(seconds);
        let mut g = Guess::new(seconds, bytes, class);
        g.parts.push(Part {
            key: key.to_string(),
            ecosystem: None,
            packages: None,
            counted: false,
            seconds,
            names: None,
        });
        g
    }

    /// Packages installed by one installer (the first part of its kind), when counted.
    pub fn packages(&self) -> Option<(&str, u64)> {
        self.parts
            .iter()
            .filter(|p| p.counted)
            .find_map(|p| p.packages.map(|n| (p.key.as_str(), n)))
    }
}

/// The guess for one op.
pub fn guess(op: &Op, env: &Env) -> Guess {
    match op {
        Op::Run(r) => run(r, env),
        Op::Copy(c) => copy(c, env.context),
        Op::Workdir(_) => Guess::new(TRIVIAL, 0, "workdir"),
    }
}

pub fn copy(c: &CopyOp, context: &ContextTree) -> Guess {
    if let Some(s) = c.srcs.iter().find(|s| s.remote.is_some()) {
        let url = s.remote.as_deref().unwrap_or("");
        return if url.starts_with("git@") || url.ends_with(".git") || url.contains(".git#") {
            Guess::new(10.0, 20 * MB, "ADD git repository")
        } else {
            Guess::new(5.0, 20 * MB, "ADD url (download)")
        };
    }
    match &c.source {
        CopySource::Context => {
            let bytes: u64 = c
                .srcs
                .iter()
                .map(|s| match &s.inline {
                    Some(body) => body.len() as u64,
                    None => context_bytes(context, &s.path),
                })
                .sum();
            Guess::new(
                COPY_OVERHEAD + bytes as f64 / COPY_BYTES_PER_SEC,
                bytes,
                format!("COPY {} from the context", human_bytes(bytes)),
            )
        }
        CopySource::Stage(_) => Guess::new(0.5, 10 * MB, "COPY --from a stage"),
        CopySource::Image(_) => Guess::new(3.0, 10 * MB, "COPY --from an image (pull)"),
    }
}

/// Bytes under `source` (a cleaned context path or wildcard) in the context.
pub fn context_bytes(context: &ContextTree, source: &str) -> u64 {
    let Ok(sel) = context.select(&[source]) else {
        return 0;
    };
    sel.paths().iter().map(|p| subtree_bytes(context, p)).sum()
}

fn subtree_bytes(context: &ContextTree, path: &str) -> u64 {
    match context.get(path) {
        Some(e) if !e.is_dir() => e.size,
        _ => {
            let prefix = format!("{path}/");
            context
                .entries()
                .filter(|(k, e)| !e.is_dir() && (path.is_empty() || k.starts_with(&prefix)))
                .map(|(_, e)| e.size)
                .sum()
        }
    }
}

pub use crate::frame::human_bytes;

pub fn run(r: &RunOp, env: &Env) -> Guess {
    let mut total = Guess::new(RUN_OVERHEAD, 0, "");
    let Some(cmds) = commands(r) else {
        // A script this model cannot read (a parse error, a non-POSIX
        // SHELL): one command of unknown work.
        total.seconds += 1.0;
        total.bytes += MB;
        total.class = "other command (script not read)".into();
        return total;
    };
    let mut classes: Vec<String> = Vec::new();
    for words in cmds {
        if let Some(g) = command(&words, env) {
            total.seconds += g.seconds;
            total.bytes += g.bytes;
            total.parts.extend(g.parts);
            if !classes.contains(&g.class) {
                classes.push(g.class);
            }
        }
    }
    total.class = if classes.is_empty() {
        "RUN (no command)".into()
    } else {
        classes.join(" + ")
    };
    total
}

/// The RUN's simple commands as words (program base name, then its
/// arguments; wrappers and `VAR=value` prefixes peeled), read through the
/// shell model; None when it cannot read the script. Commands inside
/// `$(…)` are left out: their output becomes an argument (`$(nproc)`,
/// `$(uname -m)`), they write nothing worth a figure.
fn commands(r: &RunOp) -> Option<Vec<Vec<String>>> {
    let non_posix_shell = r
        .argv
        .split_last()
        .is_some_and(|(_, prefix)| looks_like_shell(prefix) && !shell::is_posix_shell(prefix));
    if non_posix_shell {
        return None;
    }
    let mut script = shell::from_argv(&r.argv).ok()?;
    // `RUN <<EOF` alone: the here-document is the script.
    if let [body] = r.heredocs.as_slice() {
        let only_heredoc = matches!(script.simple_commands().as_slice(),
            [c] if c.words.is_empty() && c.assignments.is_empty()
                && c.redirects.iter().all(|x| matches!(x.op, shell::RedirOp::HereDoc { .. })));
        if only_heredoc {
            script = shell::parse(body, 0).ok()?;
        }
    }
    Some(
        shell::commands(&script)
            .into_iter()
            .filter(|(_, place)| !place.substitution)
            .filter_map(|(c, _)| c.invocation())
            .map(|inv| {
                std::iter::once(inv.program.clone())
                    .chain(inv.lossy())
                    .collect()
            })
            .collect(),
    )
}

/// A shell-form prefix (`SHELL [...]` ending in its command flag), as
/// opposed to an exec-form argv.
fn looks_like_shell(prefix: &[String]) -> bool {
    prefix.last().is_some_and(|f| {
        matches!(
            f.to_ascii_lowercase().as_str(),
            "-c" | "/c" | "/s" | "-command"
        )
    })
}

/// Operands: the words after `from` that are not flags (and not flag values we know of).
fn operands(words: &[String], from: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for w in words.iter().skip(from) {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w.starts_with('-') {
            // Flags that take a separate value.
            skip_next = matches!(
                w.as_str(),
                "-r" | "--requirement" | "-c" | "--constraint" | "-t" | "--target" | "-o"
            );
            continue;
        }
        out.push(w.as_str());
    }
    out
}

/// The value after `flag` (`-r req.txt` or `--requirement=req.txt`).
fn flag_value<'a>(words: &'a [String], flags: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        for f in flags {
            if w == f {
                if let Some(v) = words.get(i + 1) {
                    out.push(v.as_str());
                }
            } else if let Some(v) = w.strip_prefix(&format!("{f}=")) {
                out.push(v);
            }
        }
    }
    out
}

fn has(words: &[String], w: &str) -> bool {
    words.iter().any(|x| x == w)
}

/// The entry of a manifest named `n` (a context path, else a base name anywhere).
fn find_manifest<'a>(context: &'a ContextTree, n: &str) -> Option<&'a crate::context::Entry> {
    let clean = n.trim_start_matches("./").trim_start_matches('/');
    context.get(clean).or_else(|| {
        context
            .entries()
            .find(|(k, e)| !e.is_dir() && k.rsplit('/').next() == Some(clean))
            .map(|(_, e)| e)
    })
}

/// Packages an install fetches, from the first of `names` in the context: parsed from its
/// text when the counts table has read it (lockfiles give every transitive package), else
/// estimated from its size at about `bytes_per_line` bytes per package. `(count, known)`.
fn manifest_packages(env: &Env, names: &[&str], bytes_per_line: u64, default: u64) -> (u64, bool) {
    for n in names {
        if let Some(e) = find_manifest(env.context, n) {
            if let Some(c) = env.counts.get(&e.digest) {
                return (c.packages, true);
            }
            return ((e.size / bytes_per_line).max(1), false);
        }
    }
    (default, false)
}

/// Defaults, per installer: (fixed seconds, seconds per package, bytes per package).
/// Measured on this project's real tier (docs/cost-model.md); a learned rate replaces both
/// seconds figures with seconds per package.
#[allow(clippy::too_many_arguments)]
fn install(
    env: &Env,
    tool: &str,
    ecosystem: &str,
    (base, per, bytes_per): (f64, f64, u64),
    count: u64,
    what: &str,
    unit: &str,
    known: bool,
) -> Guess {
    let n = if known {
        format!("{count} {unit}")
    } else {
        format!("~{count} {unit}, assumed")
    };
    let seconds = match env.rates.per_package(tool, ecosystem) {
        Some(rate) => rate * count.max(1) as f64,
        None => base + per * count as f64,
    };
    let mut g = Guess::new(seconds, bytes_per * count, format!("{what} ({n})"));
    g.parts.push(Part {
        key: tool.to_string(),
        ecosystem: Some(ecosystem.to_string()),
        packages: Some(count),
        counted: known,
        seconds,
        names: None,
    });
    g
}

/// `g`'s install part names its dependencies in the first of `names` the context has.
fn named_in(mut g: Guess, env: &Env, names: &[&str]) -> Guess {
    let digest = names
        .iter()
        .find_map(|n| find_manifest(env.context, n))
        .map(|e| e.digest.clone());
    if let Some(p) = g.parts.first_mut() {
        p.names = digest.map(Names::Manifest);
    }
    g
}

/// `g`'s install part names `deps` on its command line.
fn listing(mut g: Guess, deps: Vec<Dep>) -> Guess {
    if let Some(p) = g.parts.first_mut() {
        p.names = Some(Names::Listed(deps));
    }
    g
}

/// The packages a RUN names on its command lines for an installer (`pip install numpy`,
/// `npm install koa`), read as the heuristics read it: what `estimate --registry` looks up
/// when a Dockerfile edit adds one.
pub fn listed_packages(op: &Op, context: &ContextTree) -> Vec<Dep> {
    guess(op, &Env::plain(context))
        .parts
        .into_iter()
        .filter_map(|p| match p.names {
            Some(Names::Listed(v)) => Some(v),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Seconds per megabyte of a package sized by its registry (`estimate --registry`), when no
/// install log taught one (`Rates::per_mb`). PyPI (megabytes of the wheel): the *marginal*
/// cost of one package's megabytes, since the package itself is already costed at the
/// per-package rate. numpy's own install log (real tier, session 5 run 12) unpacked at 0.09
/// s/MB, and session 10's run 22 added numpy (18.2 MB) to pip-tiny for 0.093 s/MB end to end,
/// as written and as fixed. The whole-install averages of the real tier's cold logs
/// (0.11–0.25 s/MB over 6–19 MB of wheels: poetry-api 0.11, fastapi-pip 0.16, pipenv-bot 0.18
/// and 0.21, flask-notebook 0.25) count every small package's fixed unpack time again; the
/// previous default, 0.15, was their median, and put numpy 1.4× over its measurement.
pub const PYPI_SECONDS_PER_MB: f64 = 0.09;
/// npm (megabytes unpacked): not measured here (npm and yarn print no sizes); a tarball
/// unpacks to about three times its size, so a third of PyPI's per-wheel-megabyte figure.
pub const NPM_SECONDS_PER_MB: f64 = 0.05;

/// One simple command.
fn command(words: &[String], env: &Env) -> Option<Guess> {
    let prog = words.first()?.rsplit('/').next().unwrap_or("").to_string();
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    let g = match prog.as_str() {
        "sleep" => {
            let secs = sub.trim_end_matches('s').parse::<f64>().unwrap_or(1.0);
            Guess::new(secs, 0, "sleep (stand-in)")
        }
        "apt-get" | "apt" | "aptitude" => match sub {
            "update" => Guess::class(env, "apt-get update", 10.0, 30 * MB, "apt-get update"),
            "install" => {
                let named = operands(words, 2);
                let in_base = env.base.is_some_and(crate::ecosystem::buildpack::based_on);
                let new: Vec<&&str> = named
                    .iter()
                    .filter(|p| !(in_base && crate::ecosystem::buildpack::has_package(p)))
                    .collect();
                if new.is_empty() && !named.is_empty() {
                    Guess::new(0.5, 0, "apt-get install (all already in the base image)")
                } else {
                    let n = new.len().max(1) as u64;
                    install(
                        env,
                        "apt",
                        "debian",
                        (5.0, 3.0, 15 * MB),
                        n,
                        "apt-get install",
                        "packages",
                        true,
                    )
                }
            }
            "upgrade" | "dist-upgrade" => {
                Guess::class(env, "apt-get upgrade", 30.0, 50 * MB, "apt-get upgrade")
            }
            _ => Guess::new(1.0, 0, "apt-get housekeeping"),
        },
        "yum" | "dnf" | "microdnf" | "zypper" => match sub {
            "install" => {
                let n = operands(words, 2).len().max(1) as u64;
                install(
                    env,
                    "dnf",
                    "rpm",
                    (8.0, 3.0, 20 * MB),
                    n,
                    "yum/dnf install",
                    "packages",
                    true,
                )
            }
            "update" | "upgrade" | "makecache" => {
                Guess::class(env, "dnf update", 20.0, 50 * MB, "yum/dnf update")
            }
            _ => Guess::new(1.0, 0, "yum/dnf housekeeping"),
        },
        "apk" => match sub {
            "add" => {
                let n = operands(words, 2).len().max(1) as u64;
                install(
                    env,
                    "apk",
                    "alpine",
                    (1.0, 0.5, 3 * MB),
                    n,
                    "apk add",
                    "packages",
                    true,
                )
            }
            "update" | "upgrade" => Guess::class(env, "apk update", 2.0, 2 * MB, "apk update"),
            _ => Guess::new(0.5, 0, "apk housekeeping"),
        },
        "pip" | "pip3" | "pipenv" | "poetry" | "uv" | "python" | "python3" if is_pip(words) => {
            pip(words, env)
        }
        "npm" | "yarn" | "pnpm" => node(&prog, words, env),
        "go" => match sub {
            "mod" => {
                let (n, known) = manifest_packages(env, &["go.sum", "go.mod"], 100, 20);
                install(
                    env,
                    "go mod",
                    "go",
                    (2.0, 1.0, 10 * MB),
                    n,
                    "go mod download",
                    "modules",
                    known,
                )
            }
            "build" | "install" => {
                // The standard library comes precompiled: the build compiles the module's
                // own packages and each dependency once (go.sum lists two lines a module).
                let (n, _) = manifest_packages(env, &["go.sum"], 200, 0);
                Guess::class(
                    env,
                    "go build",
                    GO_BUILD.0 + GO_BUILD.1 * n as f64,
                    30 * MB,
                    "go build (compile)",
                )
            }
            "test" | "vet" | "generate" => Guess::class(env, "go test", 20.0, 0, "go test/vet"),
            _ => Guess::new(2.0, 0, "go (other)"),
        },
        "cargo" => match sub {
            "build" | "install" if has(words, "--release") || sub == "install" => {
                let (n, known) = manifest_packages(env, &["Cargo.lock"], 300, 50);
                install(
                    env,
                    "cargo build --release",
                    "rust",
                    (20.0, 2.0, 10 * MB),
                    n,
                    "cargo build --release (compile)",
                    "crates",
                    known,
                )
            }
            "build" | "test" | "check" => {
                let (n, known) = manifest_packages(env, &["Cargo.lock"], 300, 50);
                install(
                    env,
                    "cargo build",
                    "rust",
                    (15.0, 1.5, 10 * MB),
                    n,
                    "cargo build (compile)",
                    "crates",
                    known,
                )
            }
            "fetch" | "vendor" => Guess::class(env, "cargo fetch", 20.0, 200 * MB, "cargo fetch"),
            _ => Guess::new(5.0, 0, "cargo (other)"),
        },
        "mvn" | "mvnw" => {
            if words.iter().any(|w| w.starts_with("dependency:")) {
                Guess::class(
                    env,
                    "maven dependency",
                    60.0,
                    200 * MB,
                    "maven dependency download",
                )
            } else if words
                .iter()
                .any(|w| matches!(w.as_str(), "package" | "install" | "verify" | "compile"))
            {
                Guess::class(env, "mvn package", 90.0, 60 * MB, "mvn package (compile)")
            } else {
                Guess::new(30.0, 20 * MB, "maven (other)")
            }
        }
        "gradle" | "gradlew" => {
            if words
                .iter()
                .any(|w| w.contains("build") || w.contains("assemble") || w.contains("Jar"))
            {
                Guess::class(env, "gradle build", 90.0, 60 * MB, "gradle build (compile)")
            } else {
                Guess::class(
                    env,
                    "gradle dependency",
                    60.0,
                    200 * MB,
                    "gradle dependency download",
                )
            }
        }
        "bundle" | "bundler" => {
            let (n, known) = manifest_packages(env, &["Gemfile.lock", "Gemfile"], 40, 30);
            install(
                env,
                "bundle",
                "ruby",
                (10.0, 1.0, 2 * MB),
                n,
                "bundle install",
                "gems",
                known,
            )
        }
        "gem" => {
            let n = operands(words, 2).len().max(1) as u64;
            install(
                env,
                "gem",
                "ruby",
                (3.0, 3.0, 2 * MB),
                n,
                "gem install",
                "gems",
                true,
            )
        }
        "composer" => match sub {
            "install" | "update" | "require" => {
                let (n, known) =
                    manifest_packages(env, &["composer.lock", "composer.json"], 400, 30);
                install(
                    env,
                    "composer",
                    "php",
                    (10.0, 1.0, 2 * MB),
                    n,
                    "composer install",
                    "packages",
                    known,
                )
            }
            _ => Guess::new(5.0, 0, "composer (other)"),
        },
        "dotnet" => match sub {
            "restore" => {
                let (n, known) = manifest_packages(env, &["packages.lock.json"], 200, 30);
                install(
                    env,
                    "dotnet restore",
                    "dotnet",
                    (10.0, 1.0, 3 * MB),
                    n,
                    "dotnet restore",
                    "packages",
                    known,
                )
            }
            "build" | "publish" | "test" => Guess::class(
                env,
                "dotnet build",
                60.0,
                50 * MB,
                "dotnet build/publish (compile)",
            ),
            _ => Guess::new(5.0, 0, "dotnet (other)"),
        },
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" => {
            Guess::class(env, "cc", 5.0, 2 * MB, "C compiler run")
        }
        "make" | "ninja" => Guess::class(env, "make", 60.0, 20 * MB, "make (compile)"),
        "cmake" if has(words, "--build") => {
            Guess::class(env, "make", 60.0, 20 * MB, "make (compile)")
        }
        "cmake" | "configure" => Guess::class(env, "configure", 15.0, 0, "configure"),
        "curl" | "wget" => Guess::class(env, "download", 5.0, 20 * MB, "download (curl/wget)"),
        "git" if sub == "clone" => Guess::class(env, "git clone", 8.0, 30 * MB, "git clone"),
        "tar" | "unzip" | "gunzip" | "xz" => Guess::new(2.0, 20 * MB, "unpack archive"),
        "chown" | "chmod" if words.iter().any(|w| w == "-R") => {
            Guess::new(1.0, 0, "recursive chown/chmod")
        }
        "echo" | "printf" | "mkdir" | "chmod" | "chown" | "ln" | "cp" | "mv" | "rm" | "touch"
        | "cd" | "export" | "set" | "true" | "test" | "[" | "useradd" | "adduser" | "groupadd"
        | "addgroup" | "cat" | "sed" | "ls" | "id" | "whoami" | "umask" | "exit" | "source"
        | "." => Guess::new(TRIVIAL, 0, "trivial shell command"),
        _ => Guess::new(1.0, MB, "other command"),
    };
    Some(g)
}

fn is_pip(words: &[String]) -> bool {
    let prog = words[0].rsplit('/').next().unwrap_or("");
    match prog {
        "python" | "python3" => {
            has(words, "-m")
                && words.iter().any(|w| w == "pip" || w == "pip3")
                && has(words, "install")
        }
        _ => words
            .iter()
            .any(|w| w == "install" || w == "sync" || w == "add"),
    }
}

/// pip's default figures: a resolver start-up plus a wheel download and unpack per package.
/// Bytes: most wheels are well under a megabyte installed; a few (numpy, pydantic-core) are
/// tens of megabytes.
const PIP: (f64, f64, u64) = (3.0, 2.0, 3 * MB);

fn pip(words: &[String], env: &Env) -> Guess {
    let reqs = flag_value(words, &["-r", "--requirement"]);
    if !reqs.is_empty() {
        // `name==1.2.3` lines average ~20 bytes when the file was not read.
        let (n, known) = manifest_packages(env, &reqs, 20, 20);
        // A requirements file names direct dependencies; pip fetches their dependencies too.
        // Its rate is kept apart from `pip install NAME…` (`pip`): the two count different
        // things, and one `pip install pipenv` (1 name, 9 packages, 24 s on the real tier)
        // pooled with `pip install -r` of one small requirement (5.6 s) made the latter's
        // learned rate 3× too high (docs/cost-model.md).
        return named_in(
            install(
                env,
                "pip -r",
                "python",
                PIP,
                n,
                "pip install -r",
                "requirements",
                known,
            ),
            env,
            &reqs,
        );
    }
    let prog = words[0].rsplit('/').next().unwrap_or("");
    if matches!(prog, "pipenv" | "poetry" | "uv") {
        let lock = match prog {
            "pipenv" => "Pipfile.lock",
            "poetry" => "poetry.lock",
            _ => "uv.lock",
        };
        let (n, known) = manifest_packages(env, &[lock, "pyproject.toml", "Pipfile"], 400, 20);
        return install(
            env,
            prog,
            "python",
            (5.0, 2.0, 10 * MB),
            n,
            &format!("{prog} install"),
            "packages",
            known,
        );
    }
    let start = words
        .iter()
        .position(|w| w == "install")
        .map_or(1, |i| i + 1);
    let pkgs: Vec<&str> = operands(words, start)
        .into_iter()
        .filter(|w| *w != "." && !w.starts_with('/'))
        .collect();
    let local = operands(words, start)
        .iter()
        .any(|w| *w == "." || w.starts_with('/'));
    let n = pkgs.len().max(1) as u64;
    let names: Vec<&str> = pkgs
        .iter()
        .map(|p| p.split(['=', '<', '>', '~', '[']).next().unwrap_or(p))
        .collect();
    if names == ["pip"] || names == ["pip", "setuptools"] || names == ["pip", "setuptools", "wheel"]
    {
        return Guess::class(
            env,
            "pip upgrade",
            5.0,
            10 * MB,
            "pip install --upgrade pip",
        );
    }
    if local && pkgs.is_empty() {
        return Guess::class(
            env,
            "pip install .",
            15.0,
            20 * MB,
            "pip install . (local project)",
        );
    }
    let listed = crate::ecosystem::pip::named_requirements(&pkgs.join("\n"));
    listing(
        install(
            env,
            "pip",
            "python",
            PIP,
            n,
            "pip install",
            "packages",
            true,
        ),
        listed,
    )
}

fn node(prog: &str, words: &[String], env: &Env) -> Guess {
    let sub = words.get(1).map(String::as_str).unwrap_or("install");
    let lock = match prog {
        "yarn" => "yarn.lock",
        "pnpm" => "pnpm-lock.yaml",
        _ => "package-lock.json",
    };
    let whole = |env: &Env| {
        // Lockfile entries when it was read; package.json lines (~30 bytes each) otherwise.
        let (n, known) = manifest_packages(env, &[lock, "package.json"], 30, 20);
        named_in(
            install(
                env,
                prog,
                "node",
                (3.0, 0.3, 2 * MB),
                n,
                &format!("{prog} install"),
                "packages",
                known,
            ),
            env,
            &["package.json"],
        )
    };
    match sub {
        "ci" | "install" | "i" | "add" if operands(words, 2).is_empty() || sub == "ci" => {
            whole(env)
        }
        "install" | "i" | "add" => {
            let named = operands(words, 2);
            let listed = named
                .iter()
                .filter_map(|w| crate::ecosystem::npm::operand_dep(w))
                .collect();
            listing(
                install(
                    env,
                    &format!("{prog} add"),
                    "node",
                    (5.0, 2.0, 10 * MB),
                    named.len() as u64,
                    &format!("{prog} install"),
                    "packages",
                    true,
                ),
                listed,
            )
        }
        "run" | "build" | "exec" | "test" => {
            let script = if sub == "run" {
                words.get(2).map(String::as_str).unwrap_or("")
            } else {
                sub
            };
            if script.contains("build") || script.contains("compile") {
                Guess::class(
                    env,
                    "node build",
                    NODE_BUILD,
                    20 * MB,
                    format!("{prog} run build (compile)"),
                )
            } else {
                Guess::new(10.0, 0, format!("{prog} run (script)"))
            }
        }
        _ if prog == "yarn" && words.len() == 1 => whole(env),
        _ => Guess::new(3.0, 0, format!("{prog} (other)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::input_from_text;
    use crate::model::BuildOptions;

    fn ctx(files: &[(&str, &str)]) -> (tempfile::TempDir, ContextTree) {
        let dir = tempfile::tempdir().unwrap();
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        let tree = ContextTree::load(dir.path(), None).unwrap();
        (dir, tree)
    }

    /// Guesses for each op of a Dockerfile.
    fn guesses(df: &str, files: &[(&str, &str)]) -> Vec<Guess> {
        let (_d, tree) = ctx(files);
        let input =
            input_from_text("Dockerfile".into(), df, &BuildOptions::default(), tree).unwrap();
        input
            .model
            .steps
            .iter()
            .filter_map(|s| s.op.as_ref())
            .map(|op| guess(op, &Env::plain(&input.context)))
            .collect()
    }

    #[test]
    fn package_installs_scale_with_package_count() {
        let g = guesses(
            "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev netcat\nRUN apk add --no-cache curl\nRUN pip install flask requests\n",
            &[],
        );
        assert_eq!(g[0].class, "apt-get update + apt-get install (3 packages)");
        assert!((g[0].seconds - (RUN_OVERHEAD + 10.0 + 5.0 + 9.0)).abs() < 1e-9);
        assert_eq!(g[0].bytes, 30 * MB + 45 * MB);
        assert_eq!(g[1].class, "apk add (1 packages)");
        assert!((g[2].seconds - (RUN_OVERHEAD + 3.0 + 4.0)).abs() < 1e-9);
    }

    #[test]
    fn requirements_are_counted_from_the_context() {
        let reqs = "Flask==2.3.3\nFlask-SQLAlchemy==3.1.1\npsycopg2==2.9.9\ngunicorn==21.2.0\npython-dotenv==1.0.1\n";
        let g = guesses(
            "FROM python\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN pip install --upgrade pip\n",
            &[("requirements.txt", reqs)],
        );
        assert_eq!(g[0].bytes, reqs.len() as u64);
        // Sizes only (no counts read): ~20 bytes a line.
        assert_eq!(g[1].class, "pip install -r (~4 requirements, assumed)");
        assert_eq!(g[2].class, "pip install --upgrade pip");
        let missing = guesses("FROM python\nRUN pip install -r req.txt\n", &[]);
        assert_eq!(
            missing[0].class,
            "pip install -r (~20 requirements, assumed)"
        );
    }

    #[test]
    fn compilers_downloads_and_trivia() {
        let g = guesses(
            "FROM x\nWORKDIR /app\nRUN go mod download\nRUN CGO_ENABLED=0 go build -o /app ./...\nRUN cargo build --release\nRUN ./mvnw package -DskipTests\nRUN curl -fsSL https://x/y.tgz | tar xz\nRUN mkdir -p /data && chmod 755 /data\nRUN sleep 2.5\nRUN npm ci && npm run build\n",
            &[("package.json", &"x".repeat(300))],
        );
        let classes: Vec<&str> = g.iter().map(|g| g.class.as_str()).collect();
        assert_eq!(
            classes,
            vec![
                "workdir",
                "go mod download (~20 modules, assumed)",
                "go build (compile)",
                "cargo build --release (compile) (~50 crates, assumed)",
                "mvn package (compile)",
                "download (curl/wget) + unpack archive",
                "trivial shell command",
                "sleep (stand-in)",
                "npm install (~10 packages, assumed) + npm run build (compile)",
            ]
        );
        assert!((g[7].seconds - (RUN_OVERHEAD + 2.5)).abs() < 1e-9);
        assert!((g[0].seconds - TRIVIAL).abs() < 1e-9);
    }

    #[test]
    fn compile_defaults_follow_the_real_tiers_small_apps() {
        // A stdlib-only `go build` (no go.sum) and a Vite build: seconds, not half a minute.
        let g = guesses(
            "FROM golang
RUN go build -o /x .
RUN npm run build
",
            &[("go.mod", "module x\n")],
        );
        assert!((g[0].seconds - (RUN_OVERHEAD + GO_BUILD.0)).abs() < 1e-9);
        assert!((g[1].seconds - (RUN_OVERHEAD + NODE_BUILD)).abs() < 1e-9);
        // Each module of go.sum (two lines, ~200 bytes, when the file is not read) adds its compile.
        let sum = "example.com/a v1.0.0 h1:xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx=\n".repeat(6);
        let g = guesses(
            "FROM golang
RUN go build -o /x .
",
            &[("go.sum", &sum)],
        );
        assert!(
            g[0].seconds > RUN_OVERHEAD + GO_BUILD.0 + GO_BUILD.1,
            "{:?}",
            g[0]
        );
    }

    #[test]
    fn runs_are_read_through_the_shell_model() {
        let g = guesses(
            "FROM x\nRUN sudo apt-get install -y gcc make\nRUN env X=1 npm ci\nRUN env\nRUN X=1\nRUN X=1 && rm -rf /tmp/x\nRUN make -j$(nproc)\nRUN echo \"a\\\"b && c\" | sh\nRUN echo 'unclosed\nRUN <<EOF\napt-get update\nEOF\n",
            &[],
        );
        let classes: Vec<&str> = g.iter().map(|g| g.class.as_str()).collect();
        assert_eq!(
            classes,
            vec![
                "apt-get install (2 packages)",
                "npm install (~20 packages, assumed)",
                "other command",
                "RUN (no command)",
                "trivial shell command",
                // `nproc` inside `$(…)` adds nothing.
                "make (compile)",
                // The quoted `&&` is an argument, not a list.
                "trivial shell command + other command",
                "other command (script not read)",
                "apt-get update",
            ]
        );
        let pwsh = guesses(
            "FROM x\nSHELL [\"pwsh\", \"-Command\"]\nRUN apt-get update; $x = 1\n",
            &[],
        );
        assert_eq!(pwsh[0].class, "other command (script not read)");
    }

    #[test]
    fn copy_counts_context_bytes() {
        let g = guesses(
            "FROM x\nCOPY . .\nCOPY src/ /src/\nCOPY *.txt /t/\nCOPY --from=alpine /bin/sh /sh\nADD https://example.com/a.tgz /a\n",
            &[("src/a.py", "0123456789"), ("src/b.py", "01234"), ("a.txt", "abc")],
        );
        let bytes: Vec<u64> = g.iter().map(|g| g.bytes).collect();
        assert_eq!(bytes, vec![18, 15, 3, 10 * MB, 20 * MB]);
        assert_eq!(g[4].class, "ADD url (download)");
    }

    #[test]
    fn lockfiles_are_counted_and_learned_rates_replace_defaults() {
        let lock = "[[package]]\nname = \"a\"\nversion = \"1\"\nfiles = [{file = \"a.whl\", hash = \"sha256:00\"}]\n\n[[package]]\nname = \"b\"\nversion = \"1\"\n";
        let (_d, tree) = ctx(&[("poetry.lock", lock), ("pyproject.toml", "[tool.poetry]\n")]);
        let input = input_from_text(
            "Dockerfile".into(),
            "FROM python:3.11-bookworm\nRUN poetry install --no-root\nRUN apt-get install -y gcc libpq-dev\nRUN apt-get install -y gcc graphviz\n",
            &BuildOptions::default(),
            tree.clone(),
        )
        .unwrap();
        let dir = _d.path().to_path_buf();
        let counts = PackageCounts::scan(&dir, &tree);
        let mut rates = Rates::default();
        let env = |rates: &Rates| -> Vec<Guess> {
            let env = Env {
                context: &input.context,
                counts: &counts,
                rates,
                base: Some("python:3.11-bookworm"),
            };
            input
                .model
                .steps
                .iter()
                .filter_map(|s| s.op.as_ref())
                .map(|op| guess(op, &env))
                .collect()
        };
        let g = env(&rates);
        assert_eq!(g[0].class, "poetry install (2 packages)");
        assert!((g[0].seconds - (RUN_OVERHEAD + 5.0 + 4.0)).abs() < 1e-9);
        // The full python image has gcc and libpq-dev: nothing to fetch.
        assert_eq!(
            g[1].class,
            "apt-get install (all already in the base image)"
        );
        assert_eq!(g[2].class, "apt-get install (1 packages)");
        rates.learn_packages("pip", "python", 1.5, 3);
        let g = env(&rates);
        // No poetry rate: the python ecosystem's, 0.5 s per package.
        assert!((g[0].seconds - (RUN_OVERHEAD + 1.0)).abs() < 1e-9);
        assert_eq!(g[0].packages(), Some(("poetry", 2)));
    }

    #[test]
    fn named_packages_and_requirement_files_learn_apart() {
        // `pip install pipenv` installs nine packages for one name; a requirements file's
        // small requirement installs one: their per-name rates must not pool.
        let (_d, tree) = ctx(&[("requirements.txt", "bottle==0.12.25\n")]);
        let input = input_from_text(
            "Dockerfile".into(),
            "FROM python:3.11-slim\nRUN pip install pipenv==2024.0.1\nRUN pip install -r requirements.txt\n",
            &BuildOptions::default(),
            tree,
        )
        .unwrap();
        let counts = PackageCounts::default();
        let mut rates = Rates::default();
        rates.learn_packages("pip", "python", 24.0, 1);
        rates.learn_packages("pip -r", "python", 5.0, 1);
        let env = Env {
            context: &input.context,
            counts: &counts,
            rates: &rates,
            base: None,
        };
        let g: Vec<Guess> = input
            .model
            .steps
            .iter()
            .filter_map(|s| s.op.as_ref())
            .map(|op| guess(op, &env))
            .collect();
        assert!((g[0].seconds - (RUN_OVERHEAD + 24.0)).abs() < 1e-9);
        assert!(
            (g[1].seconds - (RUN_OVERHEAD + 5.0)).abs() < 1e-9,
            "{:?}",
            g[1]
        );
    }
}
