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
    toolchain_image(cx, out);
    for (_, ins, cmds) in cx.shipped_runs() {
        let removed: Vec<&str> = cmds
            .iter()
            .filter(|c| {
                c.is(&["apt-get", "apt"], &["purge", "remove", "autoremove"])
                    || c.is(&["apk"], &["del"])
            })
            .flat_map(|c| c.after_subcommand().iter().map(String::as_str))
            .collect();
        let mut tools: Vec<(String, u32)> = Vec::new();
        for c in cmds
            .iter()
            .filter(|c| c.is_apt_install() || c.is_apk_add() || c.is(&["yum", "dnf"], &["install"]))
        {
            for pkg in c.after_subcommand().iter().filter(|a| !a.starts_with('-')) {
                if let Some(t) = build_tool(pkg) {
                    if !removed.contains(&t.0.as_str())
                        && !removed.contains(&".build-deps")
                        && !tools.iter().any(|x| x.0 == t.0)
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
        out.push(
            cx.finding(
                &RULE,
                cx.find_in(ins, first),
                format!(
                    "build tools stay in the final image: {} (~{total} MB, estimate)",
                    names.join(", ")
                ),
            )
            .with_fix(Fix::display(format!(
                "build in a separate stage and COPY --from it only the artifacts: saves about {total} MB (estimate)"
            ))),
        );
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
