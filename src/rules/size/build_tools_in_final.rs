use crate::ecosystem::{self, Toolchain};
use crate::model::Base;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds compilers and build tools (gcc, g++, make, build-essential, `*-dev`
    /// headers, git, cmake, ...) installed in the stage that is the final image,
    /// and a final image that is a compiler's own image (`golang`, `rust`,
    /// `maven`, `gradle`, `dotnet/sdk`) which compiles there and runs what it
    /// compiled (not `go run`/`cargo run`/`dotnet watch`: the toolchain is what
    /// those run; not an image that compiles nothing, such as a code generator's).
    /// A package counts only when a build step uses it after its install, in
    /// its stage or one built on it: compilers and headers when something
    /// compiles (make, cmake, a compiler, a package install that builds native
    /// extensions: pip, npm, gem, cargo, PECL, or `go` with cgo, where a C
    /// compiler is there to do it), git when something runs git or installs dependencies that
    /// the project's manifests fetch from git. Installed and never used by the
    /// build, it is there for the program (an image whose job is git, or
    /// protoc). Not in a build image either: a final stage named `build` or
    /// `builder` that sets no CMD or ENTRYPOINT is a toolchain by design.
    /// Not in a development or test image, which ships nowhere: a file named so
    /// (`Dockerfile.dev`, `.devcontainer/Dockerfile`, `Dockerfile.tests`), a
    /// final stage named so (`AS dev`, what compose builds with `target: dev`),
    /// or a Dockerfile beside the main one that only compose services with the
    /// project bind-mounted build.
    ///
    /// ## Why is this bad?
    /// They are needed to build, not to run: they add tens to hundreds of
    /// megabytes and attack surface. A builder stage compiles; the final stage
    /// copies only the result. The saving shown is an estimate from typical
    /// Debian/Alpine installed sizes (with their dependencies), not a measurement.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*
    /// RUN pip install --no-cache-dir psycopg2
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim AS build
    /// RUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev && rm -rf /var/lib/apt/lists/*
    /// RUN pip wheel --no-cache-dir -w /wheels psycopg2
    ///
    /// FROM python:3.12-slim
    /// RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
    /// COPY --from=build /wheels /wheels
    /// RUN pip install --no-cache-dir /wheels/*
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe (`dockopt fix --unsafe-fixes`, or `dockopt multistage`): the file is
    /// split into a builder and a slim runtime when the converter can be sure of
    /// what the runtime needs; otherwise it says why not.
    code: "DO207",
    name: "build-tools-in-final",
    family: Size,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::multistage_split::check,
    check: Dockerfile(check),
}

/// Estimated installed size in MB, with typical dependencies (Debian/Alpine).
pub const ESTIMATES: &[(&str, u32)] = &[
    ("build-essential", 230),
    ("build-base", 200),
    ("gcc", 110),
    ("g++", 130),
    ("clang", 300),
    ("make", 2),
    ("cmake", 35),
    ("git", 40),
    ("autoconf", 3),
    ("automake", 2),
    ("libtool", 2),
    ("pkg-config", 1),
    ("pkgconf", 1),
    ("python3-dev", 25),
    ("python-dev", 25),
    ("musl-dev", 10),
    ("libpq-dev", 3),
    ("libssl-dev", 8),
    ("openssl-dev", 8),
    ("libffi-dev", 1),
    ("golang", 250),
    ("default-jdk", 300),
    ("cargo", 300),
    ("rustc", 250),
];

/// A build tool and its estimated size, for a package name (version stripped).
pub fn build_tool(pkg: &str) -> Option<(String, u32)> {
    let name = pkg.split(['=', '>', '<']).next().unwrap_or(pkg);
    if let Some((_, mb)) = ESTIMATES.iter().find(|(n, _)| *n == name) {
        return Some((name.to_string(), *mb));
    }
    (name.ends_with("-dev") || name.ends_with("-devel")).then(|| (name.to_string(), 5))
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    // A development or test image ships nowhere: its compilers are its job.
    if cx.for_development().is_some() {
        return;
    }
    if build_image(cx) {
        return;
    }
    toolchain_image(cx, out);
    let mut uses = Uses::new(cx);
    let full_base = final_base(cx).filter(|b| ecosystem::buildpack::based_on(b));
    for (step, ins, cmds) in cx.shipped_runs() {
        let removed: Vec<&str> = cmds
            .iter()
            .filter(|c| {
                c.is(&["apt-get", "apt"], &["purge", "remove", "autoremove"])
                    || c.is(&["apk"], &["del"])
            })
            .flat_map(|c| c.after_subcommand().iter().map(String::as_str))
            .collect();
        // docker-library's pattern: `apt-mark auto '.*'` (then `apt-mark
        // manual` of what the image keeps) and `apt-get purge --auto-remove`
        // remove every package this RUN installed that nothing needs.
        let auto_removed = cmds.iter().any(|c| c.is(&["apt-mark"], &["auto"]))
            && cmds.iter().any(|c| {
                c.is(&["apt-get", "apt"], &["autoremove"])
                    || (c.is(&["apt-get", "apt"], &["purge", "remove"])
                        && (c.has_arg("--auto-remove") || c.has_arg("--autoremove")))
            });
        if auto_removed {
            continue;
        }
        let mut tools: Vec<(String, u32)> = Vec::new();
        for (i, c) in cmds
            .iter()
            .enumerate()
            .filter(|(_, c)| installs_packages(c))
        {
            // Summed only for an install of a build tool: most installs are not.
            let mut later: Option<u16> = None;
            for pkg in c.after_subcommand().iter().filter(|a| !a.starts_with('-')) {
                if let Some(t) = build_tool(pkg) {
                    if !removed.contains(&t.0.as_str())
                        && !removed.contains(&".build-deps")
                        && !tools.iter().any(|x| x.0 == t.0)
                        && {
                            let l = *later.get_or_insert_with(|| uses.later(step, i));
                            uses.used_by(l, step.stage, &t.0)
                        }
                    {
                        tools.push(t);
                    }
                }
            }
            // `apk add --virtual .build-deps ...` then `apk del .build-deps`
            if (c.has_arg("--virtual") || c.has_arg("-t")) && !removed.is_empty() {
                tools.clear();
            }
        }
        if tools.is_empty() {
            continue;
        }
        let total: u32 = tools.iter().map(|t| t.1).sum();
        let names: Vec<&str> = tools.iter().map(|t| t.0.as_str()).collect();
        let first = names[0];
        // A full (buildpack-deps based) base already ships compilers and
        // headers: a build stage saves them only if the final stage moves to
        // the slim variant (the install of those only marks them manual).
        let (note, advice) = match full_base {
            Some(base) => {
                let had: Vec<&str> = names
                    .iter()
                    .copied()
                    .filter(|n| ecosystem::buildpack::has_package(n))
                    .collect();
                let note = if had.is_empty() {
                    format!("; the base {base} is a full build image too")
                } else {
                    format!("; the base {base} is a full build image and already has {}", had.join(", "))
                };
                (note, "build in a separate stage and ship on the base's -slim variant, with COPY --from only the artifacts".to_string())
            }
            None => (
                String::new(),
                format!("build in a separate stage and COPY --from it only the artifacts: saves about {total} MB (estimate)"),
            ),
        };
        out.push(
            cx.finding(
                &RULE,
                cx.find_in(ins, first),
                format!(
                    "build tools stay in the final image: {} (~{total} MB, estimate){note}",
                    names.join(", ")
                ),
            )
            .with_fix(Fix::display(advice)),
        );
    }
}

/// Whether the image this file builds is a build environment by design: its
/// final stage is named as one (`AS build`, `AS builder`) and sets no CMD
/// or ENTRYPOINT, so nothing runs in it but what its user brings (a
/// `docker run … make`, or `docker cp` of what it built).
fn build_image(cx: &DockerfileCtx) -> bool {
    const NAMES: &[&str] = &["build", "builder", "buildenv", "build-env", "toolchain"];
    // `FROM buildpack-deps`: a build environment by its base's choice (the
    // full python image's own Dockerfile adds headers to it on purpose).
    if final_base(cx).is_some_and(ecosystem::buildpack::is_itself) {
        return true;
    }
    cx.model.stages.get(cx.model.target).is_some_and(|stage| {
        stage.name.as_deref().is_some_and(|n| NAMES.contains(&n))
            && stage.config.cmd.is_none()
            && stage.config.entrypoint.is_none()
    })
}

/// The image the final stage is built on, through `FROM <stage>` links.
fn final_base<'a>(cx: &DockerfileCtx<'a>) -> Option<&'a str> {
    let mut i = cx.model.target;
    for _ in 0..=cx.model.stages.len() {
        match &cx.model.stages.get(i)?.base {
            Base::Image(image) => return Some(image),
            Base::Stage(b) => i = *b,
            Base::Scratch => return None,
        }
    }
    None
}

/// A system package install (apt, apk, yum/dnf).
fn installs_packages(c: &crate::rules::ctx::Cmd) -> bool {
    c.is_apt_install() || c.is_apk_add() || c.is(&["yum", "dnf"], &["install"])
}

/// Packages that are (or pull in) a C compiler.
const C_COMPILERS: &[&str] = &[
    "gcc",
    "g++",
    "clang",
    "build-base",
    "build-essential",
    "gcc-c++",
];

/// Programs that compile, or drive a compiler, whatever their arguments.
const COMPILES: &[&str] = &[
    "make",
    "gmake",
    "cmake",
    "ninja",
    "meson",
    "scons",
    "bazel",
    "gcc",
    "g++",
    "cc",
    "c++",
    "clang",
    "clang++",
    "ld",
    "configure",
    "autoreconf",
    "autoconf",
    "automake",
    "libtool",
    "phpize",
    "pecl",
    "docker-php-ext-install",
    "node-gyp",
    "cpanm",
    "cpan",
    "luarocks",
    "R",
    "Rscript",
    "python-build",
    "pyenv",
    "rbenv",
    "ruby-build",
];

/// Package managers: their installs may build native extensions and fetch
/// dependencies with git.
const INSTALLERS: &[&str] = &[
    "pip", "pip3", "pipenv", "poetry", "uv", "pdm", "npm", "yarn", "pnpm", "npx", "bundle",
    "bundler", "gem", "cargo", "composer", "conda", "mamba", "mix", "rebar3",
];

/// Package managers whose installs never compile C (JVM, .NET, PHP's own
/// packages): headers and compilers are not theirs to use.
const NO_NATIVE: &[&str] = &["composer", "mvn", "mvnw", "gradle", "gradlew", "dotnet"];

/// What a command does that makes a build tool used, one bit each: the
/// commands after an install are summed into one mask, so asking "does a
/// later step use X" is a bit test, not a scan of every later step (the scan
/// per install was quadratic on long files).
mod bit {
    /// Runs git, `go get`, or names a git source.
    pub const GIT: u16 = 1;
    /// A package manager: it may fetch dependencies with git.
    pub const INSTALLER: u16 = 1 << 1;
    /// A program in [`super::COMPILES`].
    pub const BUILD_DRIVER: u16 = 1 << 2;
    /// Compiles whatever else the image has: a compiler or build driver
    /// itself (`super::compiles(c, false)`).
    pub const COMPILES: u16 = 1 << 3;
    /// Compiles where a C compiler is there: also a package install that
    /// builds native extensions, or `go` with cgo (`super::compiles(c, true)`).
    pub const COMPILES_WITH_CC: u16 = 1 << 4;
    /// Runs a program of toolchain `i` of [`super::TOOLCHAINS`]: bit 5 + i.
    pub const TOOLCHAIN: u16 = 1 << 5;
}

/// Language toolchain packages and the programs that use them to build.
const TOOLCHAINS: &[(&[&str], &[&str])] = &[
    (&["golang"], &["go"]),
    (&["cargo", "rustc"], &["cargo", "rustc"]),
    (
        &["default-jdk"],
        &[
            "javac", "mvn", "mvnw", "gradle", "gradlew", "ant", "sbt", "lein", "jar",
        ],
    ),
];

/// The bit of the toolchain that package `tool` is, if any.
fn toolchain_bit(tool: &str) -> Option<u16> {
    TOOLCHAINS
        .iter()
        .position(|(pkgs, _)| pkgs.contains(&tool))
        .map(|i| bit::TOOLCHAIN << i)
}

/// The [`bit`]s of what command `c` does.
fn command_bits(c: &crate::rules::ctx::Cmd) -> u16 {
    let prog = c.program();
    let mut m = 0;
    // `go get` fetches with git in GOPATH mode (Go before modules, or
    // GO111MODULE=off); module-mode installs go through the proxy.
    if prog == "git"
        || c.is(&["go"], &["get"])
        || c.args()
            .iter()
            .any(|a| a.contains("git+") || a.contains("git://") || a.starts_with("github:"))
    {
        m |= bit::GIT;
    }
    let args: Vec<&str> = c.args().iter().map(String::as_str).collect();
    if INSTALLERS.contains(&prog)
        || ecosystem::ALL
            .iter()
            .any(|e| (e.detect)(prog, &args).is_some())
    {
        m |= bit::INSTALLER;
    }
    if COMPILES.contains(&prog) {
        m |= bit::BUILD_DRIVER;
    }
    if compiles(c, false) {
        m |= bit::COMPILES;
    }
    if compiles(c, true) {
        m |= bit::COMPILES_WITH_CC;
    }
    for (i, (_, programs)) in TOOLCHAINS.iter().enumerate() {
        if programs.contains(&prog) {
            m |= bit::TOOLCHAIN << i;
        }
    }
    m
}

/// Whether a build step uses a package after it was installed, answered
/// from the commands of the steps that follow (the context's manifests for
/// git dependencies, read once).
struct Uses<'c, 'a> {
    cx: &'c DockerfileCtx<'a>,
    git_deps: Option<bool>,
    /// [`Self::compiler_available`] per stage, once asked.
    compilers: Vec<Option<bool>>,
    /// Per instruction: the [`bit`]s of the RUNs after it in its stage or a
    /// stage built on it. Built on first use.
    after: Option<Vec<u16>>,
}

impl<'c, 'a> Uses<'c, 'a> {
    fn new(cx: &'c DockerfileCtx<'a>) -> Self {
        Uses {
            cx,
            git_deps: None,
            compilers: vec![None; cx.model.stages.len()],
            after: None,
        }
    }

    /// The bits of the RUNs after each instruction, from one backward walk:
    /// a stage's base is always an earlier stage, so every stage built on
    /// one comes after it, and is summed before it.
    fn build_after(cx: &DockerfileCtx) -> Vec<u16> {
        let model = &cx.model;
        let mut after = vec![0u16; cx.df.instructions.len()];
        let mut by_stage: Vec<Vec<&crate::model::Step>> = vec![Vec::new(); model.stages.len()];
        for s in model
            .steps
            .iter()
            .filter(|s| s.keyword == crate::syntax::Keyword::Run)
        {
            if let Some(v) = by_stage.get_mut(s.stage) {
                v.push(s);
            }
        }
        // The bits of the stages built on each stage, directly or not.
        let mut below = vec![0u16; model.stages.len()];
        for stage in (0..model.stages.len()).rev() {
            let mut running = below[stage];
            for s in by_stage[stage].iter().rev() {
                if let Some(slot) = after.get_mut(s.instruction) {
                    *slot = running;
                }
                running |= cx
                    .cmds(s.instruction)
                    .iter()
                    .fold(0, |m, c| m | command_bits(c));
            }
            if let Base::Stage(parent) = model.stages[stage].base {
                if parent < stage {
                    below[parent] |= running;
                }
            }
        }
        after
    }

    /// The bits of the commands after command `at` of `step`: the rest of
    /// that RUN, and the RUNs after it in its stage or a stage built on it.
    fn later(&mut self, step: &crate::model::Step, at: usize) -> u16 {
        let cx = self.cx;
        let after = self.after.get_or_insert_with(|| Self::build_after(cx));
        let rest = cx
            .cmds(step.instruction)
            .iter()
            .skip(at + 1)
            .fold(0, |m, c| m | command_bits(c));
        rest | after.get(step.instruction).copied().unwrap_or(0)
    }

    /// Whether a command with `later` bits (after its install in `stage`) uses `tool`.
    fn used_by(&mut self, later: u16, stage: usize, tool: &str) -> bool {
        if tool == "git" || tool == "git-lfs" {
            later & bit::GIT != 0 || (later & bit::INSTALLER != 0 && self.context_has_git_deps())
        } else if let Some(b) = toolchain_bit(tool) {
            later & (b | bit::BUILD_DRIVER) != 0
        } else if C_COMPILERS.contains(&tool) || self.compiler_available(stage) {
            later & bit::COMPILES_WITH_CC != 0
        } else {
            later & bit::COMPILES != 0
        }
    }

    /// Whether a manifest or lock file of the context names a dependency
    /// fetched with git; without a context, unknown: yes.
    fn context_has_git_deps(&mut self) -> bool {
        if let Some(v) = self.git_deps {
            return v;
        }
        let v = match self.cx.context {
            None => true,
            Some(ctx) => ctx.filtered.entries().any(|(rel, e)| {
                let base = rel.rsplit('/').next().unwrap_or(rel);
                e.kind == crate::context::EntryKind::File
                    && e.size < 8 << 20
                    && crate::ecosystem::may_name_git_dependency(base)
                    && crate::source::read_context_text(&ctx.root.join(rel))
                        .is_ok_and(|t| crate::ecosystem::names_git_dependency(base, &t))
            }),
        };
        self.git_deps = Some(v);
        v
    }

    /// A C compiler is there for a native build in `stage`: the stage (or one
    /// it is built on) installs one, or its base image is not a slim or
    /// Alpine variant (the full Debian-based language images carry gcc; an
    /// image this model does not know may too).
    fn compiler_available(&mut self, stage: usize) -> bool {
        if let Some(&Some(v)) = self.compilers.get(stage) {
            return v;
        }
        let v = self.find_compiler(stage);
        if let Some(slot) = self.compilers.get_mut(stage) {
            *slot = Some(v);
        }
        v
    }

    fn find_compiler(&self, stage: usize) -> bool {
        let cx = self.cx;
        let bare = cx.model.root_image(stage).is_some_and(|i| {
            let i = i.to_ascii_lowercase();
            i.contains("alpine") || i.contains("slim") || i.contains("distroless")
        });
        if !bare {
            return true;
        }
        let chain: Vec<usize> = cx.model.from_chain(stage).collect();
        cx.runs().any(|(s, _, cmds)| {
            chain.contains(&s.stage)
                && cmds.iter().any(|c| {
                    installs_packages(c)
                        && c.after_subcommand()
                            .iter()
                            .any(|p| C_COMPILERS.contains(&p.as_str()))
                })
        })
    }
}

/// Whether `c` compiles native code: a compiler or build driver, or, when a
/// C compiler is there (`compiler`), a package install that builds native
/// extensions or a `go` build with cgo.
fn compiles(c: &crate::rules::ctx::Cmd, compiler: bool) -> bool {
    let prog = c.program();
    if COMPILES.contains(&prog) || prog.ends_with("-gcc") || prog.ends_with("-g++") {
        return true;
    }
    if !compiler || NO_NATIVE.contains(&prog) {
        return false;
    }
    if prog == "go" {
        return matches!(
            c.subcommand(),
            Some("build" | "install" | "get" | "test" | "run" | "generate")
        );
    }
    if prog.starts_with("python") {
        return c
            .args()
            .iter()
            .any(|a| a.ends_with("setup.py") || a == "pip");
    }
    // `fluent-gem`, `td-agent-gem`: gem under another name.
    INSTALLERS.contains(&prog) || prog.ends_with("-gem") || crate::ecosystem::pip::is_pip(prog) || {
        let args: Vec<&str> = c.args().iter().map(String::as_str).collect();
        crate::ecosystem::ALL
            .iter()
            .any(|e| (e.detect)(prog, &args).is_some() && !NO_NATIVE.contains(&e.name))
    }
}

/// The final stage runs on a compiler's own image (`FROM golang`, `rust`,
/// `maven`, `gradle`, `dotnet/sdk`), compiles there and runs what it
/// compiled: the whole toolchain ships. Not when the image runs the program
/// from source (`go run`, `cargo run`, `mvn spring-boot:run`, `dotnet
/// watch`: the toolchain is what it runs) or compiles nothing (a code
/// generator's image that installs protoc plugins with `go install`).
fn toolchain_image(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(stage) = cx.model.stages.get(cx.model.target) else {
        return;
    };
    if !cx.shipped.get(stage.index).copied().unwrap_or(false) {
        return;
    }
    let Base::Image(image) = &stage.base else {
        return;
    };
    let Ok(r) = crate::multistage::images::ImageRef::parse(image) else {
        return;
    };
    let Some((eco, tc)) = ecosystem::toolchain_of_image(&r.name) else {
        return;
    };
    let compile = cx
        .shipped_runs()
        .filter(|(s, _, _)| s.stage == stage.index)
        .flat_map(|(_, _, cmds)| {
            cmds.iter()
                .filter(|c| Toolchain::matches(tc.compiles, c.program(), c.subcommand()))
                .map(|c| format!("{} {}", c.program(), c.subcommand().unwrap_or("")))
                .collect::<Vec<_>>()
        })
        .next();
    let Some(compile) = compile else {
        return;
    };
    let argv: Vec<&str> = [&stage.config.entrypoint, &stage.config.cmd]
        .into_iter()
        .flatten()
        .flatten()
        .flat_map(|a| a.split_whitespace())
        .collect();
    let base = |w: &str| w.rsplit('/').next().unwrap_or(w).to_string();
    let from_source = argv
        .windows(2)
        .any(|w| Toolchain::matches(tc.runs_from_source, &base(w[0]), Some(w[1])));
    if from_source || argv.is_empty() {
        return;
    }
    let ins = cx.ins(stage.from_instruction);
    out.push(
        cx.finding(
            &RULE,
            cx.find_in(ins, image),
            format!(
                "the final image is the {} toolchain image `{image}`: the compiler ships with what `{}` built",
                eco.name,
                compile.trim()
            ),
        )
        .with_fix(Fix::display(
            "build in a separate stage and COPY --from it only the artifacts onto a small runtime image",
        )),
    );
}
