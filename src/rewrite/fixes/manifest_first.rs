//! DO101 manifest-first: copy the dependency manifests and install before
//! copying the whole source tree.
//!
//! ## What it does
//! Finds a `COPY` of a directory (`COPY . .`, `COPY src/ /app/`) directly
//! followed by a dependency install (`pip install -r requirements.txt`,
//! `npm ci`, `go mod download`, `bundle install`, …) and splits it: a `COPY`
//! of just the manifests the install reads (to the same place, with the same
//! `--chown`/`--chmod`), the install, then the full `COPY`.
//!
//! Cargo has no command that fetches and builds only the dependencies, so a
//! `cargo build` (or `cargo install --path .`) after the full `COPY` gets
//! the classic dummy-crate split instead: `COPY Cargo.toml Cargo.lock ./`
//! (the manifests the context has, plus `rust-toolchain[.toml]`), a `RUN`
//! that writes dummy sources (`fn main() {}` in `src/main.rs` for a binary,
//! an empty `src/lib.rs` for a library, as Cargo.toml and the context say),
//! runs the same cargo command, then deletes `src` and the dummy crate's own
//! artifacts under `target/<profile>`; the full `COPY` and the original
//! build stay after it. A second run sees the cargo `RUN` above the full
//! `COPY` and leaves the split alone.
//!
//! ## Why is this bad?
//! BuildKit keys a `COPY . .` on every file of the context. Any source edit
//! misses it, and every step after it re-runs, including the slow install
//! whose real inputs (the manifests) did not change. For Rust that means
//! recompiling every dependency on each edit.
//!
//! ## Example
//! ```dockerfile
//! WORKDIR /app
//! COPY . .
//! RUN pip install -r requirements.txt
//! ```
//! Use instead:
//! ```dockerfile
//! WORKDIR /app
//! COPY requirements.txt ./
//! RUN pip install -r requirements.txt
//! COPY . .
//! ```
//! And for a binary crate `ledger` (with `--unsafe-fixes`):
//! ```dockerfile
//! WORKDIR /app
//! COPY Cargo.toml Cargo.lock ./
//! RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release && rm -rf src target/release/deps/ledger-* target/release/ledger target/release/ledger.d target/release/.fingerprint/ledger-*
//! COPY . .
//! RUN cargo build --release
//! ```
//!
//! ## Fix safety
//! Safe when the install reads nothing but the manifests, which the fix
//! checks against the real context: the manifests exist and are not
//! ignored, requirements includes (`-r`, `-c`) are followed, and the fix is
//! skipped (with the reason) for editable or local installs, `pip install .`,
//! `poetry install` without `--no-root`, `uv sync` without
//! `--no-install-project`, npm/yarn/pnpm lifecycle scripts or workspaces,
//! `composer install` without
//! `--no-scripts`, multi-module Maven/Gradle/.NET builds, and when the
//! context also holds a directory the install writes (`node_modules`,
//! `vendor`, `.venv`, `obj`…), which the full COPY would overwrite.
//!
//! On top of that, the install is checked against its effects
//! (`crate::effects`, with the files the full COPY brings): every file it
//! reads that the full COPY brings is copied first — tool configuration
//! such as `.npmrc`, `poetry.toml`, `.python-version` or the `pip.conf` an
//! `ENV PIP_CONFIG_FILE` points at is added to the manifest COPY — and the
//! split is refused, with the reason, when the install reads a whole
//! directory the manifests do not cover, when a manifest is a symlink whose
//! target is not copied too (COPY copies the link itself), or when the
//! hazard check (`rewrite::hazard`) refuses moving it above the full COPY.
//!
//! Installs that may rewrite their lock file (`npm install`, `yarn install`,
//! `bundle install` with a lock present and no frozen flag) are split as an
//! Unsafe fix: the later full COPY puts the original lock back, so the image
//! can differ in that one file.
//!
//! The cargo split is unsafe: the image gets an extra layer of dependency
//! artifacts compiled for the dummy crate, and the real build recompiles
//! the crate only because the dummy's artifacts and fingerprints are
//! deleted (cargo would otherwise trust the dummy build, whose fingerprint
//! is newer than the copied sources). It is skipped, with the reason, for
//! workspaces with members (or a `Cargo.toml` above the crate), explicit
//! build scripts or `[[example]]`/`[[test]]`/`[[bench]]` targets, target
//! sources outside `src/`, cargo flags it does not know to repeat, a
//! `CARGO_TARGET_DIR`/`CARGO_BUILD_TARGET` in the environment, commands
//! before cargo in the same `RUN`, and a context holding `target/` or
//! `.cargo/`.

use super::ecosystems::{classify, Class, Files};
use super::run_view::{parse_run, program, Script};
use super::{config_only, step_of};
use crate::context::EntryKind;
use crate::effects;
use crate::fix::edit::{block_text, delete_block, insert_above};
use crate::fix::{hazard, Applicability, Checker, Fix, Transform};
use crate::model::{path, CopySource, Op};
use crate::model::{CopyOp, Step};
use crate::syntax::{Dockerfile, Instruction, Keyword};

pub const CODE: &str = "DO101";

/// Maps paths as the install sees them to context paths through the full COPY.
struct Mapped<'c, 'a> {
    checker: &'c Checker<'a>,
    cwd: String,
    dest: String,
    src_dir: String,
}

impl Mapped<'_, '_> {
    /// The path relative to the COPY destination (None if outside it).
    fn rel(&self, p: &str) -> Option<String> {
        let abs = path::join_abs(&self.cwd, p);
        if self.dest == "/" {
            return Some(abs.trim_start_matches('/').to_string()).filter(|s| !s.is_empty());
        }
        abs.strip_prefix(&format!("{}/", self.dest))
            .map(str::to_string)
            .or_else(|| (abs == self.dest).then(String::new))
    }

    /// The copied directory as a context path prefix ("" or "dir/").
    fn src_prefix(&self) -> String {
        if self.src_dir.is_empty() {
            String::new()
        } else {
            format!("{}/", self.src_dir)
        }
    }

    fn ctx(&self, p: &str) -> Option<String> {
        let rel = self.rel(p)?;
        Some(match (self.src_dir.is_empty(), rel.is_empty()) {
            (true, _) => rel,
            (false, true) => self.src_dir.clone(),
            (false, false) => format!("{}/{}", self.src_dir, rel),
        })
    }
}

impl Files for Mapped<'_, '_> {
    fn read(&self, p: &str) -> Option<String> {
        self.checker.read_context_file(&self.ctx(p)?)
    }

    fn kind(&self, p: &str) -> Option<bool> {
        let e = self.checker.context?.get(&self.ctx(p)?)?;
        Some(e.is_dir())
    }

    fn list(&self, p: &str) -> Vec<String> {
        let (Some(ctx), Some(dir)) = (self.checker.context, self.ctx(p)) else {
            return Vec::new();
        };
        let prefix = if dir.is_empty() {
            String::new()
        } else {
            format!("{dir}/")
        };
        ctx.entries()
            .filter_map(|(k, _)| k.strip_prefix(&prefix).map(str::to_string))
            .filter(|k| !k.is_empty() && !k.contains('/'))
            .collect()
    }
}

fn plain(p: &str) -> bool {
    !p.is_empty() && !p.contains(|c: char| c.is_whitespace() || "\"'$\\`*?[".contains(c))
}

/// The full COPY as written: keyword, flags (each followed by a space), the
/// destination without its trailing `/`, and the file's line ending.
struct FullCopy {
    kw: String,
    flags: String,
    base: String,
    eol: &'static str,
}

/// None when the destination would need quoting.
fn full_copy(df: &Dockerfile, copy_ins: &Instruction) -> Option<FullCopy> {
    let words = copy_ins.words();
    let raw_dest = words.last().filter(|d| {
        !d.is_empty() && !d.contains(|c: char| c.is_whitespace() || "\"'\\`".contains(c))
    })?;
    Some(FullCopy {
        kw: df.source[copy_ins.keyword_span.start..copy_ins.keyword_span.end].to_string(),
        flags: copy_ins
            .flags
            .iter()
            .map(|f| format!("{} ", &df.source[f.span.start..f.span.end]))
            .collect(),
        base: raw_dest.trim_end_matches('/').to_string(),
        eol: crate::fix::edit::eol(&df.source),
    })
}

/// The destination, as written, of files under `parent` (relative to the COPY's destination).
fn dest_for(base: &str, parent: &str) -> String {
    match (base, parent) {
        ("", "") => "/".to_string(),
        ("", p) => format!("/{p}/"),
        (b, "") => format!("{b}/"),
        (b, p) => format!("{b}/{p}/"),
    }
}

/// `cargo build …` or `cargo install …` (a `+toolchain` first is allowed).
fn is_cargo_build(argv: &[&str]) -> bool {
    let (prog, i) = program(argv);
    let mut rest = argv.iter().skip(i + 1).skip_while(|a| a.starts_with('+'));
    prog == "cargo" && matches!(rest.next(), Some(&"build" | &"install"))
}

/// Whether the instruction above the full COPY (config-only ones skipped) is
/// a RUN that already builds with cargo: the split form (ours or hand-written).
fn dummy_build_above(c: &Checker, copy_idx: usize) -> bool {
    let df = c.df;
    let Some(prev) = df.instructions[..copy_idx]
        .iter()
        .rev()
        .find(|i| !config_only(i.keyword))
    else {
        return false;
    };
    prev.keyword == Keyword::Run
        && parse_run(df, prev)
            .is_some_and(|s| s.commands.iter().any(|cmd| is_cargo_build(&cmd.argv())))
}

/// Words the dummy RUN can repeat unquoted.
fn shell_plain(w: &str) -> bool {
    !w.is_empty()
        && w.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%^".contains(c))
}

/// A cargo build or install, as far as the dummy build needs it.
struct CargoCmd {
    install: bool,
    /// `target/[<triple>/]<profile dir>`.
    out_dir: String,
    /// `--root` of `cargo install`.
    root: Option<String>,
}

fn cargo_cmd(argv: &[&str]) -> Result<CargoCmd, String> {
    let (_, i) = program(argv);
    if i != 0 {
        return Err(format!("`{}` runs cargo through another program", argv[0]));
    }
    let mut it = argv[1..].iter().copied().skip_while(|a| a.starts_with('+'));
    let sub = it.next().unwrap_or("");
    let install = sub == "install";
    let mut release = install;
    let mut profile = None;
    let mut triple = None;
    let mut root = None;
    let mut path = None;
    while let Some(a) = it.next() {
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if a.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let mut value = || {
            inline
                .clone()
                .or_else(|| it.next().map(str::to_string))
                .ok_or_else(|| format!("`cargo {sub}` option `{flag}` has no value"))
        };
        match flag {
            "--release" | "-r" if !install => release = true,
            "--debug" if install => release = false,
            "--profile" => profile = Some(value()?),
            "--target" => triple = Some(value()?),
            "--root" if install => root = Some(value()?),
            "--path" if install => path = Some(value()?),
            "-F" | "--features" | "--bin" | "-j" | "--jobs" | "--color" => {
                value()?;
            }
            "-p" | "--package" if !install => {
                value()?;
            }
            "--lib" if !install => {}
            "--force" | "-f" if install => {}
            "--locked"
            | "--frozen"
            | "--offline"
            | "--all-features"
            | "--no-default-features"
            | "--bins"
            | "-v"
            | "-vv"
            | "-vvv"
            | "--verbose"
            | "-q"
            | "--quiet" => {}
            _ => {
                return Err(format!(
                "`cargo {sub}` argument `{a}` is not one this fix knows the dummy build can repeat"
            ))
            }
        }
    }
    if install && !matches!(path.as_deref(), Some("." | "./")) {
        return Err("`cargo install` does not build the copied crate (`--path .`)".into());
    }
    let profile = profile.unwrap_or_else(|| if release { "release" } else { "dev" }.into());
    let dir = match profile.as_str() {
        "dev" | "test" => "debug",
        "release" | "bench" => "release",
        p => p,
    };
    let out_dir = match triple {
        Some(t) => format!("target/{t}/{dir}"),
        None => format!("target/{dir}"),
    };
    Ok(CargoCmd {
        install,
        out_dir,
        root,
    })
}

/// The crate's own targets, from Cargo.toml and the context.
struct Crate {
    package: String,
    /// Library crate name and source path.
    lib: Option<(String, String)>,
    /// Binary names and source paths.
    bins: Vec<(String, String)>,
}

fn read_crate(files: &Mapped) -> Result<Crate, String> {
    let text = files
        .read("Cargo.toml")
        .ok_or("Cargo.toml is not in the build context (or is ignored)")?;
    let toml: toml::Table =
        toml::from_str(&text).map_err(|_| "Cargo.toml does not parse".to_string())?;
    if let Some(members) = toml
        .get("workspace")
        .and_then(|w| w.get("members"))
        .and_then(|m| m.as_array())
        .filter(|m| !m.is_empty())
    {
        let names: Vec<&str> = members.iter().filter_map(|m| m.as_str()).collect();
        return Err(format!(
            "Cargo.toml is a workspace with members ({}): a dummy build would need every member's manifest and a dummy source for each",
            names.join(", ")
        ));
    }
    let package = toml
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
        .ok_or("Cargo.toml has no [package] name")?
        .to_string();
    if toml
        .get("package")
        .and_then(|p| p.get("build"))
        .is_some_and(|b| b.is_str())
    {
        return Err("Cargo.toml names a build script, which the dummy build would not have".into());
    }
    if let Some(k) = ["example", "test", "bench"]
        .into_iter()
        .find(|k| toml.contains_key(*k))
    {
        return Err(format!(
            "Cargo.toml declares [[{k}]] targets, whose sources the dummy build would not have"
        ));
    }
    let underscored = |n: &str| n.replace('-', "_");
    let lib = match toml.get("lib") {
        Some(l) => Some((
            l.get("name")
                .and_then(|n| n.as_str())
                .map_or_else(|| underscored(&package), underscored),
            l.get("path")
                .and_then(|p| p.as_str())
                .unwrap_or("src/lib.rs")
                .to_string(),
        )),
        None => (files.kind("src/lib.rs") == Some(false))
            .then(|| (underscored(&package), "src/lib.rs".to_string())),
    };
    let mut bins = Vec::new();
    for b in toml
        .get("bin")
        .and_then(|b| b.as_array())
        .map(Vec::as_slice)
        .unwrap_or_default()
    {
        let name = b
            .get("name")
            .and_then(|n| n.as_str())
            .ok_or("a [[bin]] in Cargo.toml has no name")?;
        let path = match b.get("path").and_then(|p| p.as_str()) {
            Some(p) => p.to_string(),
            None => {
                let mut cands = vec![
                    format!("src/bin/{name}.rs"),
                    format!("src/bin/{name}/main.rs"),
                ];
                if name == package {
                    cands.insert(0, "src/main.rs".into());
                }
                cands
                    .into_iter()
                    .find(|p| files.kind(p) == Some(false))
                    .ok_or_else(|| {
                        format!("cannot find the source of [[bin]] `{name}` in the context")
                    })?
            }
        };
        bins.push((name.to_string(), path));
    }
    let autobins = toml
        .get("package")
        .and_then(|p| p.get("autobins"))
        .and_then(|a| a.as_bool())
        != Some(false);
    if autobins
        && files.kind("src/main.rs") == Some(false)
        && !bins.iter().any(|(_, p)| p == "src/main.rs")
    {
        bins.push((package.clone(), "src/main.rs".into()));
    }
    if lib.is_none() && bins.is_empty() {
        return Err(
            "cannot tell the crate's targets (no src/main.rs, src/lib.rs, [lib] or [[bin]])".into(),
        );
    }
    let paths = lib.iter().chain(&bins).map(|(_, p)| p);
    if let Some(p) = paths.clone().find(|p| {
        !shell_plain(p) || !p.starts_with("src/") || p.split('/').any(|s| s == ".." || s == ".")
    }) {
        return Err(format!(
            "the target source {p} is not a plain path under src/ (the dummy sources are removed with src/)"
        ));
    }
    if let Some(n) = lib
        .iter()
        .chain(&bins)
        .map(|(n, _)| n)
        .find(|n| !shell_plain(n))
    {
        return Err(format!("the target name `{n}` would need quoting"));
    }
    Ok(Crate { package, lib, bins })
}

/// The unsafe split of a cargo build: the manifests, a RUN that builds the
/// dependencies against dummy sources and deletes the dummy crate's own
/// artifacts, then the full COPY and the original build, unchanged.
fn cargo_split(
    c: &Checker,
    mapped: &Mapped,
    script: &Script,
    k: usize,
    run_idx: usize,
    copy_idx: usize,
) -> Result<Fix, String> {
    let df = c.df;
    let ctx = c.context.ok_or("no build context")?;
    let ins = &df.instructions[run_idx];
    let copy_ins = &df.instructions[copy_idx];
    if script.complex || script.has_vars {
        return Err("the RUN uses shell constructs or variables this fix does not follow".into());
    }
    let cmd = &script.commands[k];
    if k > 0 {
        let first = script.commands[0].argv().join(" ");
        return Err(format!(
            "the RUN runs `{first}` before cargo, which the dummy build would need too"
        ));
    }
    if let Some(Op::Run(run)) = step_of(c.model, run_idx).and_then(|s| s.op.as_ref()) {
        let shell = run
            .argv
            .first()
            .map(|s| path::base_name(s))
            .unwrap_or_default();
        if !matches!(shell.as_str(), "sh" | "bash" | "ash" | "dash" | "zsh") {
            return Err(format!("the RUN shell is `{shell}`, not a POSIX shell"));
        }
        if let Some((v, _)) = run.env.iter().find(|(v, _)| {
            matches!(
                v.as_str(),
                "CARGO_TARGET_DIR" | "CARGO_BUILD_TARGET_DIR" | "CARGO_BUILD_TARGET"
            )
        }) {
            return Err(format!(
                "{v} is set: the dummy crate's artifacts may not be under target/<profile>"
            ));
        }
    }
    let words: Vec<&str> = cmd.words.iter().map(|w| w.value.as_str()).collect();
    if let Some(w) = words.iter().find(|w| !shell_plain(w)) {
        return Err(format!(
            "the cargo command has `{w}`, which would need quoting"
        ));
    }
    let cargo = cargo_cmd(&cmd.argv())?;
    // Where the crate sits in the copied tree: no manifest above it.
    let crate_dir = mapped
        .rel("Cargo.toml")
        .ok_or("Cargo.toml is outside the copied directory")?;
    let parent = crate_dir
        .rsplit_once('/')
        .map(|(p, _)| p)
        .unwrap_or("")
        .to_string();
    let src_prefix = mapped.src_prefix();
    let mut up = parent.as_str();
    while !up.is_empty() {
        up = up.rsplit_once('/').map(|(p, _)| p).unwrap_or("");
        let key = if up.is_empty() {
            format!("{src_prefix}Cargo.toml")
        } else {
            format!("{src_prefix}{up}/Cargo.toml")
        };
        if ctx.get(key.trim_start_matches('/')).is_some() {
            return Err(format!(
                "the copied tree has {key} above the crate (a workspace the dummy build would not see)"
            ));
        }
    }
    if mapped.kind("Cargo.toml") != Some(false) {
        return Err("Cargo.toml is not in the build context (or is ignored)".into());
    }
    for (dir, why) in [
        (
            "target",
            "which the full COPY would copy over the dependency build (add it to .dockerignore)",
        ),
        (
            ".cargo",
            "cargo configuration the dummy build would not see",
        ),
    ] {
        if let Some(p) = mapped.ctx(dir).filter(|p| ctx.get(p).is_some()) {
            return Err(format!("the context has {p}/, {why}"));
        }
    }
    let krate = read_crate(mapped)?;
    let items: Vec<String> = [
        "Cargo.toml",
        "Cargo.lock",
        "rust-toolchain.toml",
        "rust-toolchain",
    ]
    .into_iter()
    .filter(|m| mapped.kind(m) == Some(false))
    .filter_map(|m| mapped.rel(m))
    .collect();
    if items.iter().any(|i| !plain(i)) {
        return Err("a manifest path needs quoting".into());
    }
    let FullCopy {
        kw,
        flags,
        base,
        eol,
    } = full_copy(df, copy_ins).ok_or("the COPY destination needs quoting")?;

    // The dummy sources.
    let mut dirs: Vec<&str> = Vec::new();
    let mut writes = Vec::new();
    for (_, p) in &krate.bins {
        writes.push(format!("echo 'fn main() {{}}' > {p}"));
    }
    if let Some((_, p)) = &krate.lib {
        writes.push(format!("touch {p}"));
    }
    for (_, p) in krate.lib.iter().chain(&krate.bins) {
        let d = p.rsplit_once('/').map(|(d, _)| d).unwrap_or("src");
        if !dirs.contains(&d) {
            dirs.push(d);
        }
    }
    // The dummy crate's own artifacts: without removing them, cargo keeps the
    // dummy build (its fingerprint is newer than the copied sources' mtimes).
    let out = &cargo.out_dir;
    let mut rm = vec!["src".to_string()];
    for (name, _) in &krate.bins {
        let u = name.replace('-', "_");
        rm.push(format!("{out}/deps/{u}-*"));
        rm.push(format!("{out}/{name}"));
        rm.push(format!("{out}/{name}.d"));
    }
    if let Some((name, _)) = &krate.lib {
        rm.push(format!("{out}/deps/lib{name}-*"));
        rm.push(format!("{out}/deps/{name}-*"));
        rm.push(format!("{out}/lib{name}.*"));
    }
    rm.push(format!("{out}/.fingerprint/{}-*", krate.package));
    let mut seen = Vec::new();
    rm.retain(|r| {
        !seen.contains(r) && {
            seen.push(r.clone());
            true
        }
    });
    let mut steps = vec![format!("mkdir -p {}", dirs.join(" "))];
    steps.extend(writes);
    steps.push(words.join(" "));
    if cargo.install {
        let root = cargo
            .root
            .as_ref()
            .map(|r| format!("--root {r} "))
            .unwrap_or_default();
        steps.push(format!("cargo uninstall {root}{}", krate.package));
    }
    steps.push(format!("rm -rf {}", rm.join(" ")));
    let run_kw = &df.source[ins.keyword_span.start..ins.keyword_span.end];
    let run_flags: String = ins
        .flags
        .iter()
        .map(|f| format!("{} ", &df.source[f.span.start..f.span.end]))
        .collect();
    let new_text = format!(
        "{kw} {flags}{} {}{eol}{run_kw} {run_flags}{}{eol}",
        items
            .iter()
            .map(|i| format!("{src_prefix}{i}"))
            .collect::<Vec<_>>()
            .join(" "),
        dest_for(&base, &parent),
        steps.join(" && "),
    );
    let dummy: Vec<&str> = krate
        .lib
        .iter()
        .chain(&krate.bins)
        .map(|(_, p)| p.as_str())
        .collect();
    Ok(Fix {
        transforms: Vec::new(),
        code: CODE,
        message: format!(
            "copy {} and build the dependencies against a dummy {} before `{}`: source edits no longer recompile them \
             (unsafe: the image gets an extra layer of dependency artifacts built for the dummy crate, \
             and the real build recompiles the crate only because the dummy's artifacts are deleted)",
            items.join(", "),
            dummy.join(", "),
            copy_ins.first_line(&df.source).trim()
        ),
        applicability: Applicability::Unsafe,
        line: ins.start_line,
        edits: vec![insert_above(df, copy_ins, &new_text)],
    })
}

/// Checks the split against the effects model: every file the install reads
/// that the full COPY brings must be copied first (tool configuration files
/// found this way are added to `items`); a read of a whole directory, a
/// symlinked manifest whose target is not copied, or any other hazard of
/// moving the install above the full COPY refuses the split, with the reason.
fn effects_allow(
    c: &Checker,
    ins: &Instruction,
    run_step: &Step,
    cop: &CopyOp,
    mapped: &Mapped,
    items: &mut Vec<String>,
    lock_may_change: bool,
) -> Result<(), String> {
    let (Some(ctx), Some(root)) = (c.context, c.root) else {
        return Err("the build context is not known".into());
    };
    let Some(Op::Run(run)) = &run_step.op else {
        return Err("the install is not a RUN op".into());
    };
    let files = hazard::CopyFiles {
        copy: cop,
        ctx,
        root,
    };
    let mut fx = effects::of_run_with(c.df, ins, run, &files);
    if fx.unknown || fx.reads.is_everything() {
        return Err(match fx.why.first() {
            Some(w) => format!("{w}, so the install may read files not copied yet"),
            None => "the install may read any file, including ones not copied yet".into(),
        });
    }
    let dest = path::clean(&cop.dest);
    let provided = |items: &[String], p: &str| {
        items.iter().any(|i| {
            let landed = path::join_abs(&dest, i);
            effects::under(p, &landed)
        })
    };
    for p in fx.reads.iter() {
        if !hazard::copy_touches(cop, Some(ctx), p) || provided(items, p) {
            continue;
        }
        let rel = mapped.rel(p).unwrap_or_default();
        if rel.is_empty() || !effects::under(p, &dest) {
            return Err(format!(
                "the install reads all of {p}, which the full COPY brings"
            ));
        }
        match mapped.kind(&rel) {
            Some(_) if fx.config_files.contains(p) || mapped.kind(&rel) == Some(false) => {
                items.push(rel)
            }
            _ => {
                return Err(format!(
                    "the install reads {rel}, which the manifest COPY would not copy"
                ))
            }
        }
    }
    // A manifest that is a symlink: COPY copies the link, not its target.
    for i in items.iter() {
        let Some(cpath) = mapped.ctx(i) else { continue };
        let Some(e) = ctx.get(&cpath) else { continue };
        if e.kind != EntryKind::Symlink {
            continue;
        }
        let target = e.link_target.clone().unwrap_or_default();
        let ok = if target.starts_with('/') {
            !effects::under(&path::clean(&target), &dest)
        } else {
            let dir = i.rsplit_once('/').map(|(d, _)| d).unwrap_or("");
            let joined = if dir.is_empty() {
                target.clone()
            } else {
                format!("{dir}/{target}")
            };
            let t = path::clean(&joined);
            items.contains(&t)
        };
        if !ok {
            return Err(format!(
                "{i} is a symlink to {target}, which the manifest COPY would not copy (COPY copies the link itself)"
            ));
        }
    }
    if lock_may_change && !fx.writes.is_everything() {
        // The lock the install may rewrite is the declared unsafety of this
        // split (an Unsafe fix): the full COPY puts the original back.
        let mut kept = effects::PathSet::default();
        for p in fx.writes.iter().filter(|p| !provided(items, p)) {
            kept.insert(p);
        }
        fx.writes = kept;
    }
    let provides = |p: &str| provided(items, p);
    hazard::run_may_cross_with(&fx, run, cop, Some(ctx), &provides, true)
        .map_err(|w| format!("the install may not move above the full COPY: {w}"))
}

pub fn check(c: &mut Checker) {
    let df = c.df;
    for (idx, ins) in df.instructions.iter().enumerate() {
        if ins.keyword != Keyword::Run {
            continue;
        }
        let Some(run_step) = step_of(c.model, idx) else {
            continue;
        };
        let Some(script) = parse_run(df, ins) else {
            continue;
        };
        // The COPY right before it (config-only instructions may sit between).
        let mut j = idx;
        let copy_idx = loop {
            if j == 0 {
                break None;
            }
            j -= 1;
            let k = df.instructions[j].keyword;
            if config_only(k) {
                continue;
            }
            break (k == Keyword::Copy).then_some(j);
        };
        let Some(copy_idx) = copy_idx else { continue };
        let Some(copy_step) = step_of(c.model, copy_idx) else {
            continue;
        };
        if copy_step.stage != run_step.stage {
            continue;
        }
        let Some(Op::Copy(cop)) = &copy_step.op else {
            continue;
        };
        if cop.source != CopySource::Context
            || cop.srcs.len() != 1
            || cop.srcs[0].wildcard
            || cop.srcs[0].inline.is_some()
            || cop.link
            || cop.parents
            || !cop.exclude.is_empty()
        {
            continue;
        }
        let line = ins.start_line;
        let Some(ctx) = c.context else {
            continue;
        };
        let src_dir = cop.srcs[0].path.clone();
        if !ctx.get(&src_dir).is_some_and(|e| e.is_dir()) {
            continue;
        }
        let mapped = Mapped {
            checker: c,
            cwd: run_step.cwd.clone(),
            dest: path::clean(&cop.dest),
            src_dir,
        };
        // Cargo has no install that reads only the manifests: the unsafe
        // dummy-crate split (or nothing, when already split).
        if let Some(k) = script
            .commands
            .iter()
            .position(|cmd| is_cargo_build(&cmd.argv()))
        {
            if dummy_build_above(c, copy_idx) {
                continue;
            }
            match cargo_split(c, &mapped, &script, k, idx, copy_idx) {
                Ok(fix) => c.fix(fix),
                Err(r) => c.skip(CODE, line, format!("not split: {r}")),
            }
            continue;
        }
        let mut installs = Vec::new();
        let mut other = None;
        let mut unsafe_reason = None;
        let mut lock_reason: Option<String> = None;
        for cmd in &script.commands {
            let argv = cmd.argv();
            match classify(&argv, &mapped) {
                Class::Install(i) => installs.push(i),
                Class::LockMayChange(i, r) => {
                    installs.push(i);
                    lock_reason = Some(r);
                }
                Class::Unsafe(r) => unsafe_reason = Some(r),
                Class::Neutral => {}
                Class::Other => other = Some(argv.join(" ")),
            }
        }
        if installs.is_empty() && unsafe_reason.is_none() {
            continue;
        }
        if let Some(r) = unsafe_reason {
            c.skip(CODE, line, format!("not split: {r}"));
            continue;
        }
        if script.complex || script.has_vars {
            c.skip(
                CODE,
                line,
                "not split: the RUN uses shell constructs or variables this fix does not follow",
            );
            continue;
        }
        if let Some(o) = other {
            c.skip(
                CODE,
                line,
                format!("not split: the RUN also runs `{o}`, which may read files not copied yet"),
            );
            continue;
        }
        let mut items: Vec<String> = Vec::new();
        let mut problem = None;
        for inst in &installs {
            for r in &inst.required {
                if mapped.kind(r).is_none() {
                    problem = Some(format!("{r} is not in the build context (or is ignored)"));
                }
            }
            for o in &inst.outputs {
                if let Some(p) = mapped.ctx(o) {
                    if ctx.get(&p).is_some() {
                        problem = Some(format!(
                            "the context has {p}, which the install also writes: the full COPY would overwrite the install's output (add it to .dockerignore)"
                        ));
                    }
                }
            }
            for p in inst.required.iter().chain(&inst.optional) {
                if let Some(r) = mapped.rel(p) {
                    if !items.contains(&r) {
                        items.push(r);
                    }
                } else {
                    problem = Some(format!("{p} is outside the copied directory"));
                }
            }
        }
        if let Some(p) = problem {
            c.skip(CODE, line, format!("not split: {p}"));
            continue;
        }
        if let Err(why) = effects_allow(
            c,
            ins,
            run_step,
            cop,
            &mapped,
            &mut items,
            lock_reason.is_some(),
        ) {
            c.skip(CODE, line, format!("not split: {why}"));
            continue;
        }
        if items.iter().any(|i| !plain(i)) {
            c.skip(CODE, line, "not split: a manifest path needs quoting");
            continue;
        }
        let copy_ins = &df.instructions[copy_idx];
        let Some(FullCopy {
            kw,
            flags,
            base,
            eol,
        }) = full_copy(df, copy_ins)
        else {
            c.skip(CODE, line, "not split: the COPY destination needs quoting");
            continue;
        };
        let dest_for = |parent: &str| dest_for(&base, parent);
        let src_prefix = mapped.src_prefix();
        // Files grouped by parent directory; directories each get their own COPY.
        let mut groups: Vec<(String, Vec<String>)> = Vec::new();
        let mut lines = String::new();
        for it in &items {
            let is_dir = mapped.kind(it) == Some(true);
            if is_dir {
                lines.push_str(&format!(
                    "{kw} {flags}{src_prefix}{it} {}{eol}",
                    dest_for(it)
                ));
                continue;
            }
            let parent = it
                .rsplit_once('/')
                .map(|(p, _)| p)
                .unwrap_or("")
                .to_string();
            match groups.iter_mut().find(|(p, _)| *p == parent) {
                Some((_, v)) => v.push(format!("{src_prefix}{it}")),
                None => groups.push((parent, vec![format!("{src_prefix}{it}")])),
            }
        }
        let mut copy_lines = String::new();
        for (parent, files) in &groups {
            copy_lines.push_str(&format!(
                "{kw} {flags}{} {}{eol}",
                files.join(" "),
                dest_for(parent)
            ));
        }
        copy_lines.push_str(&lines);
        let ecos: Vec<&str> = installs.iter().map(|i| i.eco).collect();
        let names: Vec<&str> = items.iter().map(String::as_str).collect();
        let mut new_text = copy_lines;
        new_text.push_str(&block_text(df, ins));
        let mut message = format!(
            "copy {} and run the {} install before `{}`: source edits no longer re-run it",
            names.join(", "),
            ecos.join("/"),
            copy_ins.first_line(&df.source).trim()
        );
        // The split is the same, but the lock the install may rewrite is put
        // back by the full COPY: the image can differ in that one file.
        let applicability = match &lock_reason {
            Some(r) => {
                message.push_str(&format!(" (unsafe: {r})"));
                Applicability::Unsafe
            }
            None => Applicability::Safe,
        };
        let copies = groups.len()
            + items
                .iter()
                .filter(|i| mapped.kind(i) == Some(true))
                .count();
        let mut transforms = vec![Transform::Insert { above: copy_idx }; copies];
        transforms.push(Transform::Move {
            ins: idx,
            above: copy_idx,
        });
        c.fix(Fix {
            transforms,
            code: CODE,
            message,
            applicability,
            line,
            edits: vec![insert_above(df, copy_ins, &new_text), delete_block(df, ins)],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run_ctx;
    use crate::rewrite::Applicability;

    #[test]
    fn pip_split_with_includes() {
        let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"python\", \"app.py\"]\n";
        let out = run_ctx(
            df,
            &[
                ("requirements.txt", "-r base.txt\nflask\n"),
                ("base.txt", "requests\n"),
                ("app.py", "print(1)\n"),
            ],
            false,
            &["DO101"],
        );
        assert_eq!(
            out.output,
            "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt base.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n"
        );
    }

    #[test]
    fn traps() {
        let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
        // A nested include in a subfolder is copied too (resolved against the including file).
        let out = run_ctx(
            df,
            &[
                ("requirements.txt", "-r reqs/base.txt\n"),
                ("reqs/base.txt", "-c c.txt\nflask\n"),
                ("reqs/c.txt", "a<2\n"),
                ("app.py", ""),
            ],
            false,
            &["DO101"],
        );
        assert!(
            out.output.contains("COPY reqs/base.txt reqs/c.txt ./reqs/"),
            "{}",
            out.output
        );
        // The pip.conf an ENV points at is copied with the manifest.
        let df2 = "FROM python:3.12\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install -r requirements.txt\n";
        let out = run_ctx(
            df2,
            &[
                ("requirements.txt", "flask\n"),
                ("pip.conf", "[global]\n"),
                ("app.py", ""),
            ],
            false,
            &["DO101"],
        );
        assert!(
            out.output.contains("COPY requirements.txt pip.conf ./"),
            "{}",
            out.output
        );
        // A local path in the requirements reads the project: not split, with the reason.
        let out = run_ctx(
            df,
            &[("requirements.txt", "./libs/x\n"), ("libs/x/setup.py", "")],
            false,
            &["DO101"],
        );
        assert_eq!(out.output, df);
        assert!(!out.skipped.is_empty());
    }

    #[cfg(unix)]
    #[test]
    fn symlinked_manifest_is_not_split() {
        let dir = tempfile::tempdir().unwrap();
        let df = "FROM python:3.12\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
        std::fs::write(dir.path().join("Dockerfile"), df).unwrap();
        std::fs::create_dir(dir.path().join("deps")).unwrap();
        std::fs::write(dir.path().join("deps/prod.txt"), "flask\n").unwrap();
        std::os::unix::fs::symlink("deps/prod.txt", dir.path().join("requirements.txt")).unwrap();
        let out = crate::rewrite::fix_file(
            df,
            &dir.path().join("Dockerfile"),
            None,
            &crate::rewrite::Settings {
                select: Some(vec!["DO101".into()]),
                ..Default::default()
            },
        )
        .unwrap();
        assert_eq!(out.output, df);
        assert!(
            out.skipped.iter().any(|s| s.reason.contains("symlink")),
            "{:?}",
            out.skipped
        );
    }

    #[test]
    fn dest_and_flags_kept() {
        let df = "FROM node:20\nCOPY --chown=node:node . /srv/app\nWORKDIR /srv/app\nRUN npm ci\n";
        // WORKDIR between: not a config-only instruction, so no split.
        let out = run_ctx(df, &[("package.json", "{}")], false, &["DO101"]);
        assert!(out.applied.is_empty());
        let df = "FROM node:20\nWORKDIR /srv/app\nCOPY --chown=node:node . /srv/app\nRUN npm ci\n";
        let out = run_ctx(
            df,
            &[("package.json", "{}"), ("package-lock.json", "{}")],
            false,
            &["DO101"],
        );
        assert_eq!(
            out.output,
            "FROM node:20\nWORKDIR /srv/app\nCOPY --chown=node:node package.json package-lock.json /srv/app/\nRUN npm ci\nCOPY --chown=node:node . /srv/app\n"
        );
    }

    #[test]
    fn skips_with_reasons() {
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\n";
        let out = run_ctx(
            df,
            &[
                ("package.json", r#"{"scripts":{"postinstall":"node x.js"}}"#),
                ("x.js", ""),
            ],
            false,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
        assert!(out.skipped[0].reason.contains("postinstall"));
        let out = run_ctx(
            df,
            &[("package.json", "{}"), ("node_modules/a/index.js", "")],
            false,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
        assert!(out.skipped[0].reason.contains("node_modules"));
    }

    #[test]
    fn ignored_manifest_not_copied() {
        let df = "FROM python:3\nWORKDIR /app\nCOPY . .\nRUN pip install -r requirements.txt\n";
        let out = run_ctx(
            df,
            &[
                ("requirements.txt", "x\n"),
                (".dockerignore", "requirements.txt\n"),
            ],
            false,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
    }

    #[test]
    fn crlf_and_comments_move() {
        let df = "FROM python:3\r\nWORKDIR /app\r\n# all\r\nCOPY . .\r\n# deps\r\nRUN pip install -r requirements.txt\r\n";
        let out = run_ctx(df, &[("requirements.txt", "x\n")], false, &["DO101"]);
        assert_eq!(
            out.output,
            "FROM python:3\r\nWORKDIR /app\r\nCOPY requirements.txt ./\r\n# deps\r\nRUN pip install -r requirements.txt\r\n# all\r\nCOPY . .\r\n"
        );
    }
    const BIN_TOML: &str =
        "[package]\nname = \"my-app\"\nversion = \"0.1.0\"\n\n[dependencies]\nserde = \"1\"\n";

    fn cargo_files(toml: &'static str) -> Vec<(&'static str, &'static str)> {
        vec![
            ("Cargo.toml", toml),
            ("Cargo.lock", "version = 4\n"),
            ("src/main.rs", "fn main() { println!(\"hi\"); }\n"),
        ]
    }

    #[test]
    fn cargo_bin_debug_split_is_unsafe() {
        let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --locked\nCMD [\"./target/debug/my-app\"]\n";
        let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
        assert_eq!(
            out.output,
            "FROM rust:1.79\nWORKDIR /app\nCOPY Cargo.toml Cargo.lock ./\n\
             RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --locked && \
             rm -rf src target/debug/deps/my_app-* target/debug/my-app target/debug/my-app.d target/debug/.fingerprint/my-app-*\n\
             COPY . .\nRUN cargo build --locked\nCMD [\"./target/debug/my-app\"]\n"
        );
        assert_eq!(out.applied.len(), 1);
        assert_eq!(out.applied[0].applicability, Applicability::Unsafe);
        assert!(
            out.applied[0].message.contains("unsafe: "),
            "{}",
            out.applied[0].message
        );
    }

    #[test]
    fn cargo_release_chown_dest_crlf_and_comments() {
        let df = "FROM rust:1.79\r\n# sources\r\nCOPY --chown=app:app . /srv/app\r\nWORKDIR /srv/app\r\nRUN cargo build --release\r\n";
        // WORKDIR between the COPY and the build: not split (as for every ecosystem).
        let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
        assert!(out.applied.is_empty());
        let df = "FROM rust:1.79\r\nWORKDIR /srv/app\r\n# sources\r\nCOPY --chown=app:app . /srv/app\r\nRUN cargo build --release --locked\r\n";
        let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
        assert_eq!(
            out.output,
            "FROM rust:1.79\r\nWORKDIR /srv/app\r\nCOPY --chown=app:app Cargo.toml Cargo.lock /srv/app/\r\n\
             RUN mkdir -p src && echo 'fn main() {}' > src/main.rs && cargo build --release --locked && \
             rm -rf src target/release/deps/my_app-* target/release/my-app target/release/my-app.d target/release/.fingerprint/my-app-*\r\n\
             # sources\r\nCOPY --chown=app:app . /srv/app\r\nRUN cargo build --release --locked\r\n"
        );
    }

    #[test]
    fn cargo_lib_crate_and_subdirectory_copy() {
        let df = "FROM rust:1.79\nWORKDIR /app\nCOPY core/ .\nRUN cargo build -r\n";
        let out = run_ctx(
            df,
            &[
                (
                    "core/Cargo.toml",
                    "[package]\nname = \"ledger-core\"\nversion = \"0.1.0\"\n",
                ),
                ("core/src/lib.rs", "pub fn f() {}\n"),
            ],
            true,
            &["DO101"],
        );
        assert_eq!(
            out.output,
            "FROM rust:1.79\nWORKDIR /app\nCOPY core/Cargo.toml ./\n\
             RUN mkdir -p src && touch src/lib.rs && cargo build -r && \
             rm -rf src target/release/deps/libledger_core-* target/release/deps/ledger_core-* target/release/libledger_core.* target/release/.fingerprint/ledger-core-*\n\
             COPY core/ .\nRUN cargo build -r\n"
        );
    }

    #[test]
    fn cargo_install_path_uninstalls_the_dummy() {
        let df = "FROM rust:1.79\nWORKDIR /src\nCOPY . .\nRUN cargo install --locked --path .\n";
        let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
        assert!(
            out.output.contains(
                "&& cargo install --locked --path . && cargo uninstall my-app && rm -rf src target/release/deps/my_app-*"
            ),
            "{}",
            out.output
        );
    }

    #[test]
    fn cargo_refusals() {
        let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n";
        let ws = "[workspace]\nmembers = [\"api\", \"core\"]\n";
        let out = run_ctx(
            df,
            &[("Cargo.toml", ws), ("api/Cargo.toml", "")],
            true,
            &["DO101"],
        );
        assert!(out.applied.is_empty());
        assert!(out.skipped[0]
            .reason
            .contains("workspace with members (api, core)"));
        let mut files = cargo_files(BIN_TOML);
        files.push(("target/release/my-app", ""));
        let out = run_ctx(df, &files, true, &["DO101"]);
        assert!(out.applied.is_empty());
        assert!(
            out.skipped[0].reason.contains("target/"),
            "{:?}",
            out.skipped
        );
        let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --all-targets\n";
        let out = run_ctx(df, &cargo_files(BIN_TOML), true, &["DO101"]);
        assert!(out.skipped[0].reason.contains("--all-targets"));
    }

    #[test]
    fn cargo_safe_mode_lists_it_and_second_run_is_idempotent() {
        let df = "FROM rust:1.79\nWORKDIR /app\nCOPY . .\nRUN cargo build --release\n";
        let files = cargo_files(BIN_TOML);
        let safe = run_ctx(df, &files, false, &["DO101"]);
        assert_eq!(safe.output, df);
        assert!(safe.applied.is_empty() && safe.skipped.is_empty());
        assert_eq!(safe.unsafe_available.len(), 1);
        assert_eq!(safe.unsafe_available[0].code, "DO101");
        let fixed = run_ctx(df, &files, true, &["DO101"]);
        assert_eq!(fixed.iterations, 1);
        let again = run_ctx(&fixed.output, &files, true, &[]);
        assert!(again.applied.is_empty(), "{:?}", again.applied);
        assert!(again.unsafe_available.is_empty());
        assert!(
            again.skipped.iter().all(|s| s.code != "DO101"),
            "{:?}",
            again.skipped
        );
        assert_eq!(again.output, fixed.output);
    }
}
