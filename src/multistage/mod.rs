//! Multistage conversion: a single-stage Dockerfile that builds on a full
//! toolchain image becomes a `builder` stage plus a lean runtime stage.
//!
//! The conversion is deliberately conservative. It recognises one pattern
//! per ecosystem (see `python`, `node`, `go`, `rust`, `java`, `dotnet`) and
//! refuses, with a reason, whenever it cannot say what the running image
//! needs: an unknown base tag, a RUN command it cannot classify, ONBUILD,
//! heredocs, `COPY --from`, an existing multistage file.
//!
//! The runtime stage keeps the original's image config (ENV, WORKDIR, USER,
//! EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, LABEL, STOPSIGNAL, VOLUME); every
//! deliberate difference is listed in `Conversion::notes`, and `convert`
//! checks the result by re-parsing it and comparing the final stage's
//! [`ImageConfig`] with the original's.
//!
//! The output is a fixpoint: converting it again is a refusal
//! ("already multistage").

mod analysis;
mod compiled;
mod dotnet;
mod emit;
mod go;
pub mod images;
mod java;
mod node;
pub mod packages;
mod php;
mod python;
mod python_env;
mod python_tools;
mod ruby;
mod rust;
pub mod shell;

#[cfg(test)]
mod tests;

pub(crate) use analysis::*;
pub(crate) use emit::*;

use crate::context::ContextTree;
use crate::model::{self, BuildOptions, ImageConfig, Model};
use crate::syntax::{self, Dockerfile};
use images::ImageRef;
use serde::Serialize;

/// The name of the build stage the conversion introduces.
pub const BUILDER: &str = "builder";

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--runtime-base IMAGE`: run on this image instead of the table's
    /// choice (the only way to get `scratch` or a distroless image).
    pub runtime_base: Option<String>,
    /// The context directory on disk, to read what the install reads
    /// (requirement includes). Without it, files whose contents decide what
    /// else is read are not followed and a context-checked conversion that
    /// needs them is refused.
    pub context_root: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    Python,
    Node,
    Go,
    Rust,
    Java,
    Dotnet,
    Ruby,
    Php,
}

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Ecosystem::Python => "python",
            Ecosystem::Node => "node",
            Ecosystem::Go => "go",
            Ecosystem::Rust => "rust",
            Ecosystem::Java => "java",
            Ecosystem::Dotnet => "dotnet",
            Ecosystem::Ruby => "ruby",
            Ecosystem::Php => "php",
        })
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Conversion {
    /// The whole new Dockerfile.
    pub text: String,
    pub ecosystem: Ecosystem,
    pub builder_base: String,
    pub runtime_base: String,
    /// System packages left in the builder (build-only tools, `-dev` packages).
    pub moved_packages: Vec<String>,
    /// Rough uncompressed MB saved: the base-image difference of
    /// `images` plus the build-only packages of `packages::BUILD_ONLY_MB`.
    pub estimated_saving_mb: Option<u64>,
    /// Deliberate differences and things to check.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// What blocks the conversion, with the line when one instruction does.
    pub reason: String,
    /// The same without the line and the file's own words (`RUN step it
    /// cannot classify: go install`): what refusals are counted by, so the
    /// most common blocker across many files is visible.
    #[serde(skip)]
    pub kind: String,
}

impl Refusal {
    /// A refusal whose kind is its reason with the line number and the
    /// quoted file text masked.
    pub fn new(reason: impl Into<String>) -> Self {
        let reason = reason.into();
        Refusal {
            kind: mask(&reason),
            reason,
        }
    }

    /// A refusal with an explicit kind.
    pub fn of_kind(kind: impl Into<String>, reason: impl Into<String>) -> Self {
        Refusal {
            reason: reason.into(),
            kind: kind.into(),
        }
    }
}

/// `line 12: uses `x y`` → `uses `…``: drops a leading `line N: ` and the
/// text inside backquotes (the file's own words), and a trailing count in
/// parentheses (`already multistage (3 stages)`).
fn mask(reason: &str) -> String {
    let mut r = reason;
    if let Some(rest) = r.strip_prefix("line ") {
        if let Some((n, tail)) = rest.split_once(": ") {
            if n.chars().all(|c| c.is_ascii_digit()) {
                r = tail;
            }
        }
    }
    let mut out = String::new();
    let mut inside = false;
    for ch in r.chars() {
        if ch == '`' {
            inside = !inside;
            out.push_str(if inside { "`…" } else { "`" });
        } else if !inside {
            out.push(ch);
        }
    }
    match out.rfind(" (") {
        Some(i) if out.ends_with(')') && out[i + 2..].starts_with(|c: char| c.is_ascii_digit()) => {
            out.truncate(i)
        }
        _ => {}
    }
    out
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Refusal {}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal::new(reason)
    }
}

/// Converts `df` (whose model is `model`) into a builder and a runtime stage.
/// `context`, when given, is used to check that files exist and to read
/// their modes (an executable entrypoint script).
pub fn convert(
    df: &Dockerfile,
    model: &Model,
    context: Option<&ContextTree>,
    opts: &Options,
) -> Result<Conversion, Refusal> {
    let a = Analysis::new(df, model, context, opts.context_root.as_deref())?;
    plain_path(&a.workdir(), None)?;
    for item in &a.items {
        plain_path(&item.step.cwd, Some(item.ins.start_line))?;
    }
    let r = ImageRef::parse(&a.base)?;
    let eco = images::ecosystem_of(&r).ok_or_else(|| {
        Refusal::new(format!(
            "no recognised build toolchain in base image `{}` (known: python, node, golang, rust, maven, gradle, dotnet/sdk, ruby, php)",
            a.base
        ))
    })?;
    if eco != Ecosystem::Php {
        if let Some(item) = a.items.iter().find(|i| i.is_composer_copy()) {
            return Err(Refusal::new(format!(
                "line {}: COPY --from an image (`composer`) outside a PHP image",
                item.ins.start_line
            )));
        }
    }
    let plan = match eco {
        Ecosystem::Python => python::plan(&a, &r, opts)?,
        Ecosystem::Node => node::plan(&a, &r, opts)?,
        Ecosystem::Go => go::plan(&a, &r, opts)?,
        Ecosystem::Rust => rust::plan(&a, &r, opts)?,
        Ecosystem::Java => java::plan(&a, &r, opts)?,
        Ecosystem::Dotnet => dotnet::plan(&a, &r, opts)?,
        Ecosystem::Ruby => ruby::plan(&a, &r, opts)?,
        Ecosystem::Php => php::plan(&a, &r, opts)?,
    };
    finish(&a, eco, plan)
}

/// Refuses a path the converter would write unquoted into a `COPY` line or
/// a `cd` command: a blank splits a COPY's words (BuildKit splits its shell
/// form on blanks, quotes included), `$` and `\\` are expanded or escaped
/// by BuildKit and the shell, glob characters make a COPY source a pattern,
/// and shell operators end the `cd`. Rare in real files; refusing keeps
/// every line the converter writes a plain word.
pub(crate) fn plain_path(path: &str, line: Option<usize>) -> Result<(), Refusal> {
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || "/._-+@%,:=".contains(c));
    if plain {
        return Ok(());
    }
    let at = line.map(|l| format!("line {l}: ")).unwrap_or_default();
    Err(Refusal::of_kind(
        "a path needs quoting in the lines the conversion writes",
        format!(
            "{at}the path `{}` needs quoting in the lines the conversion writes (COPY --from, cd)",
            path.escape_debug()
        ),
    ))
}

/// What an ecosystem module hands back.
pub(crate) struct Plan {
    pub text: String,
    pub runtime_base: String,
    pub moved_packages: Vec<String>,
    pub estimated_saving_mb: Option<u64>,
    pub notes: Vec<String>,
    /// Config fields changed on purpose (`entrypoint`, `cmd`, `env:NAME`).
    pub changed: Vec<String>,
}

/// The note that names the build-only packages a split leaves in the builder
/// and the runtime packages that replace them (none when nothing moved).
pub(crate) fn left_in_builder(moved: &[String], runtime_pkgs: &[String]) -> Option<String> {
    if moved.is_empty() {
        return None;
    }
    let runtime = if runtime_pkgs.is_empty() {
        "none".to_string()
    } else {
        runtime_pkgs.join(" ")
    };
    Some(format!(
        "left in the builder: {}; runtime packages: {runtime}",
        moved.join(" ")
    ))
}

fn finish(a: &Analysis, eco: Ecosystem, mut plan: Plan) -> Result<Conversion, Refusal> {
    plan.text = drop_shadowed_copies(&plan.text);
    if a.df.source.ends_with('\n') && !plan.text.ends_with('\n') {
        plan.text.push('\n');
    }
    let df2 = syntax::parse(&plan.text)
        .map_err(|e| Refusal::new(format!("internal: the converted file does not parse: {e}")))?;
    let m2 = model::build(&df2, &BuildOptions::default())
        .map_err(|e| Refusal::new(format!("internal: the converted file has no model: {e}")))?;
    if m2.stages.len() < 2 {
        return Err(Refusal::new(
            "internal: the converted file is not multistage",
        ));
    }
    let after = &m2.stages[m2.target].config;
    if let Some(diff) = config_difference(a.config, after, &plan.changed) {
        return Err(Refusal::new(format!(
            "internal: the runtime stage's config would differ from the original's ({diff})"
        )));
    }
    Ok(Conversion {
        text: plan.text,
        ecosystem: eco,
        builder_base: a.base.clone(),
        runtime_base: plan.runtime_base,
        moved_packages: plan.moved_packages,
        estimated_saving_mb: plan.estimated_saving_mb,
        notes: plan.notes,
    })
}

/// The first field where `after` differs from `before` other than the
/// deliberate changes; `None` when they agree.
pub fn config_difference(
    before: &ImageConfig,
    after: &ImageConfig,
    changed: &[String],
) -> Option<String> {
    let allowed = |f: &str| changed.iter().any(|c| c == f);
    let env = |c: &ImageConfig| -> Vec<(String, String)> {
        c.env
            .iter()
            .filter(|(k, _)| !allowed(&format!("env:{k}")))
            .cloned()
            .collect()
    };
    let checks: [(&str, bool); 11] = [
        ("env", env(before) == env(after)),
        ("working_dir", before.working_dir == after.working_dir),
        ("user", before.user == after.user),
        ("cmd", allowed("cmd") || before.cmd == after.cmd),
        (
            "entrypoint",
            allowed("entrypoint") || before.entrypoint == after.entrypoint,
        ),
        ("exposed_ports", before.exposed_ports == after.exposed_ports),
        ("labels", before.labels == after.labels),
        ("volumes", before.volumes == after.volumes),
        ("healthcheck", before.healthcheck == after.healthcheck),
        ("stop_signal", before.stop_signal == after.stop_signal),
        ("shell", before.shell == after.shell),
    ];
    checks
        .iter()
        .find(|(_, ok)| !ok)
        .map(|(name, _)| name.to_string())
}
