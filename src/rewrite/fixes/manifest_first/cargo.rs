//! The cargo dummy-crate split (unsafe): cargo has no command that builds
//! only the dependencies, so the manifests are copied, the dependencies
//! built against dummy sources whose own artifacts are then deleted, and
//! the full COPY and the original build follow.

use super::mapped::{dest_for, full_copy, plain, FullCopy, Mapped};
use super::CODE;
use crate::ecosystem::Files;
use crate::model::{path, Op};
use crate::rewrite::edit::insert_above;
use crate::rewrite::fixes::run_view::{parse_run, program, Script};
use crate::rewrite::fixes::step_of;
use crate::rewrite::{Applicability, Checker, Fix};
use crate::syntax::Keyword;

/// `cargo build …` or `cargo install …` (a `+toolchain` first is allowed).
pub(super) fn is_cargo_build(argv: &[&str]) -> bool {
    let (prog, i) = program(argv);
    let mut rest = argv.iter().skip(i + 1).skip_while(|a| a.starts_with('+'));
    prog == "cargo" && matches!(rest.next(), Some(&"build" | &"install"))
}

/// Whether a RUN of the full COPY's stage, above it, already builds with
/// cargo: the split form, ours (directly above) or hand-written (a dummy
/// `src/main.rs`, the build, then an `rm` of its artifacts, as rustypaste
/// does) — a second dummy build would only repeat it.
pub(super) fn dummy_build_above(c: &Checker, copy_idx: usize) -> bool {
    let df = c.df;
    let Some(stage) = step_of(c.model, copy_idx).map(|s| s.stage) else {
        return false;
    };
    df.instructions[..copy_idx]
        .iter()
        .enumerate()
        .rev()
        .take_while(|(j, i)| {
            i.keyword != Keyword::From && step_of(c.model, *j).is_none_or(|s| s.stage == stage)
        })
        .any(|(_, prev)| {
            prev.keyword == Keyword::Run
                && parse_run(df, c.model, prev)
                    .is_some_and(|s| s.commands.iter().any(|cmd| is_cargo_build(&cmd.argv())))
        })
}

/// Words the dummy RUN can repeat unquoted.
pub(super) fn shell_plain(w: &str) -> bool {
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
        .ok_or_else(|| crate::ecosystem::absent(files, "Cargo.toml"))?;
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
    if let Some((name, dir)) = path_dependencies(&toml).into_iter().next() {
        return Err(format!(
            "Cargo.toml has a path dependency (`{name}` at {dir}), which the manifest COPY would not copy: the dummy build would fail"
        ));
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

/// Every dependency Cargo reads from a folder: `{ path = "…" }` in
/// [dependencies], [dev-dependencies], [build-dependencies] (also under
/// `target.'cfg(…)'`), [workspace.dependencies], [patch.*] and [replace]. Cargo
/// reads each one's manifest (and builds it) even for a dummy build.
fn path_dependencies(toml: &toml::Table) -> Vec<(String, String)> {
    const KINDS: &[&str] = &["dependencies", "dev-dependencies", "build-dependencies"];
    fn values_of(v: Option<&toml::Value>) -> Vec<&toml::Value> {
        v.and_then(|v| v.as_table())
            .map(|t| t.values().collect())
            .unwrap_or_default()
    }
    let mut tables: Vec<Option<&toml::Value>> = Vec::new();
    for k in KINDS {
        tables.push(toml.get(*k));
        for target in values_of(toml.get("target")) {
            tables.push(target.get(*k));
        }
    }
    tables.push(toml.get("workspace").and_then(|w| w.get("dependencies")));
    tables.push(toml.get("replace"));
    tables.extend(values_of(toml.get("patch")).into_iter().map(Some));
    let mut out = Vec::new();
    for t in tables.into_iter().flatten().filter_map(|v| v.as_table()) {
        for (name, spec) in t {
            if let Some(dir) = spec.get("path").and_then(|p| p.as_str()) {
                out.push((name.clone(), dir.to_string()));
            }
        }
    }
    out
}

/// The unsafe split of a cargo build: the manifests, a RUN that builds the
/// dependencies against dummy sources and deletes the dummy crate's own
/// artifacts, then the full COPY and the original build, unchanged.
pub(super) fn cargo_split(
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
                &**v,
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
        return Err(crate::ecosystem::absent(mapped, "Cargo.toml"));
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
