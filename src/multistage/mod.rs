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

mod compiled;
mod dotnet;
mod go;
pub mod images;
mod java;
mod node;
pub mod packages;
mod python;
mod rust;
pub mod shell;

#[cfg(test)]
mod tests;

use crate::context::ContextTree;
use crate::model::{
    self, path::join_abs, Base, BuildOptions, CopySource, ImageConfig, Model, Op, Step,
};
use crate::syntax::{self, Dockerfile, Instruction, Keyword};
use images::ImageRef;
use packages::{Distro, Fate};
use serde::Serialize;
use shell::{Cmd, CmdKind};

/// The name of the build stage the conversion introduces.
pub const BUILDER: &str = "builder";

#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `--runtime-base IMAGE`: run on this image instead of the table's
    /// choice (the only way to get `scratch` or a distroless image).
    pub runtime_base: Option<String>,
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
    pub reason: String,
}

impl Refusal {
    pub fn new(reason: impl Into<String>) -> Self {
        Refusal {
            reason: reason.into(),
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for Refusal {}

impl From<String> for Refusal {
    fn from(reason: String) -> Self {
        Refusal { reason }
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
    let a = Analysis::new(df, model, context)?;
    let r = ImageRef::parse(&a.base)?;
    let eco = images::ecosystem_of(&r).ok_or_else(|| {
        Refusal::new(format!(
            "no recognised build toolchain in base image `{}` (known: python, node, golang, rust, maven, gradle, dotnet/sdk)",
            a.base
        ))
    })?;
    let plan = match eco {
        Ecosystem::Python => python::plan(&a, &r, opts)?,
        Ecosystem::Node => node::plan(&a, &r, opts)?,
        Ecosystem::Go => go::plan(&a, &r, opts)?,
        Ecosystem::Rust => rust::plan(&a, &r, opts)?,
        Ecosystem::Java => java::plan(&a, &r, opts)?,
        Ecosystem::Dotnet => dotnet::plan(&a, &r, opts)?,
    };
    finish(&a, eco, plan)
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

/// Drops a context COPY that the very next instruction, a COPY of the whole
/// context (`.`) to the same directory with the same flags, copies again:
/// the files end up identical, one layer fewer. It happens when the input was
/// already manifest-first (`COPY requirements.txt ./` then `COPY . .`).
fn drop_shadowed_copies(text: &str) -> String {
    let Ok(df) = syntax::parse(text) else {
        return text.to_string();
    };
    let Ok(m) = model::build(&df, &BuildOptions::default()) else {
        return text.to_string();
    };
    let copy = |i: usize| {
        m.steps
            .iter()
            .find(|s| s.instruction == i)
            .and_then(|s| match &s.op {
                Some(model::Op::Copy(c)) if c.source == model::CopySource::Context && !c.add => {
                    Some((s.stage, c))
                }
                _ => None,
            })
    };
    let mut cut: Vec<syntax::Span> = Vec::new();
    for i in 0..df.instructions.len().saturating_sub(1) {
        let (Some((sa, a)), Some((sb, b))) = (copy(i), copy(i + 1)) else {
            continue;
        };
        let whole = b.srcs.len() == 1 && b.srcs[0].path.is_empty();
        let dir = |d: &str| d.trim_end_matches('/').to_string();
        let same_flags = a.chown == b.chown && a.chmod == b.chmod && !a.link && !b.link;
        let plain = a.srcs.iter().all(|s| {
            !s.wildcard && s.inline.is_none() && s.remote.is_none() && !s.path.contains('/')
        });
        let into_dir = a.dest.ends_with('/')
            || a.srcs
                .iter()
                .all(|s| dir(&a.dest).ends_with(&format!("/{}", s.basename)));
        let a_dir = if a.dest.ends_with('/') {
            dir(&a.dest)
        } else {
            a.dest
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default()
        };
        if sa == sb && whole && same_flags && plain && into_dir && a_dir == dir(&b.dest) {
            cut.push(df.instructions[i].line_span);
        }
    }
    let mut out = text.to_string();
    for span in cut.iter().rev() {
        out.replace_range(span.start..span.end, "");
    }
    out
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

/// One instruction of the original stage (after FROM).
pub(crate) struct Item<'a> {
    pub ins: &'a Instruction,
    pub step: &'a Step,
    /// The classified commands of a RUN.
    pub cmds: Vec<Cmd>,
}

impl Item<'_> {
    pub fn keyword(&self) -> Keyword {
        self.ins.keyword
    }

    pub fn is_run(&self) -> bool {
        self.ins.keyword == Keyword::Run
    }

    pub fn is_context_copy(&self) -> bool {
        matches!(&self.step.op, Some(Op::Copy(c)) if c.source == CopySource::Context)
    }
}

/// The original file, checked for what every pattern needs and classified.
pub(crate) struct Analysis<'a> {
    pub df: &'a Dockerfile,
    pub context: Option<&'a ContextTree>,
    pub from: &'a Instruction,
    /// The FROM image, expanded.
    pub base: String,
    pub items: Vec<Item<'a>>,
    /// The original image config.
    pub config: &'a ImageConfig,
    /// Directives and global ARGs, verbatim.
    pub preamble: String,
}

impl<'a> Analysis<'a> {
    fn new(
        df: &'a Dockerfile,
        model: &'a Model,
        context: Option<&'a ContextTree>,
    ) -> Result<Analysis<'a>, Refusal> {
        if model.stages.len() != 1 {
            return Err(Refusal::new(format!(
                "already multistage ({} stages)",
                model.stages.len()
            )));
        }
        if df.escape != '\\' {
            return Err(Refusal::new("uses a non-default escape character"));
        }
        for ins in &df.instructions {
            let line = ins.start_line;
            match ins.keyword {
                Keyword::Onbuild => {
                    return Err(Refusal::new(format!(
                        "line {line}: ONBUILD triggers would run in the runtime image's children"
                    )))
                }
                Keyword::Shell => {
                    return Err(Refusal::new(format!(
                        "line {line}: SHELL changes how RUN commands are read"
                    )))
                }
                _ => {}
            }
            if !ins.heredocs.is_empty() {
                return Err(Refusal::new(format!(
                    "line {line}: heredocs are not converted (and this engine's frontend lacks them)"
                )));
            }
        }
        let stage = &model.stages[0];
        let base = match &stage.base {
            Base::Image(i) => i.clone(),
            Base::Scratch => {
                return Err(Refusal::new("the base is scratch: nothing to build with"))
            }
            Base::Stage(_) => return Err(Refusal::new("already multistage")),
        };
        let from = &df.instructions[stage.from_instruction];
        let mut items = Vec::new();
        for step in model.stage_steps(0) {
            let ins = &df.instructions[step.instruction];
            let line = ins.start_line;
            let mut cmds = Vec::new();
            match &step.op {
                Some(Op::Copy(c)) => match &c.source {
                    CopySource::Context => {
                        if c.srcs.iter().any(|s| s.remote.is_some()) {
                            return Err(Refusal::new(format!(
                                "line {line}: ADD of a URL or git source: the converter cannot tell what it holds"
                            )));
                        }
                    }
                    CopySource::Image(i) => {
                        return Err(Refusal::new(format!(
                            "line {line}: COPY --from an image (`{i}`)"
                        )))
                    }
                    CopySource::Stage(_) => return Err(Refusal::new("already multistage")),
                },
                Some(Op::Run(r)) => {
                    if let Some(Err(e)) = crate::shell::parse_run(df, ins) {
                        let at = df.position(e.offset);
                        return Err(Refusal::new(format!(
                            "line {line}: RUN step does not parse as a shell script: {} (line {}, column {})",
                            e.message, at.line, at.column
                        )));
                    }
                    let classified = match &ins.arguments {
                        syntax::Arguments::Shell { text, .. } => shell::classify_run(text),
                        syntax::Arguments::Exec { .. } => shell::classify_exec(&r.argv),
                    };
                    cmds = classified.map_err(|e| {
                        Refusal::new(format!("line {line}: RUN step it cannot classify: {e}"))
                    })?;
                }
                _ => {}
            }
            items.push(Item { ins, step, cmds });
        }
        let mut preamble = String::new();
        for d in &df.directives {
            preamble.push_str(&format!("# {}={}\n", d.name, d.value));
        }
        for m in &model.meta_args {
            let ins = &df.instructions[m.instruction];
            preamble.push_str(&block(df, ins));
        }
        if !preamble.is_empty() {
            preamble.push('\n');
        }
        Ok(Analysis {
            df,
            context,
            from,
            base,
            items,
            config: &stage.config,
            preamble,
        })
    }

    pub fn text(&self, ins: &Instruction) -> &'a str {
        self.df.text(ins.span)
    }

    pub fn cmds(&self) -> impl Iterator<Item = (&Item<'a>, &Cmd)> {
        self.items
            .iter()
            .flat_map(|i| i.cmds.iter().map(move |c| (i, c)))
    }

    /// The final working directory (`/` when none is set).
    pub fn workdir(&self) -> String {
        self.config
            .working_dir
            .clone()
            .unwrap_or_else(|| "/".to_string())
    }

    /// `FROM [--platform=…] IMAGE [AS name]`, keeping the original flags.
    pub fn stage_line(&self, image: &str, name: Option<&str>) -> String {
        let mut s = String::from("FROM ");
        for f in &self.from.flags {
            s.push_str(self.df.text(f.span));
            s.push(' ');
        }
        s.push_str(image);
        if let Some(n) = name {
            s.push_str(" AS ");
            s.push_str(n);
        }
        s.push('\n');
        s
    }

    /// The FROM line's comments, for the first stage.
    pub fn base_comments(&self) -> String {
        comments(self.from)
    }

    /// The text CMD/ENTRYPOINT/HEALTHCHECK run: fetchers named there stay.
    pub fn runtime_text(&self) -> String {
        self.items
            .iter()
            .filter(|i| {
                matches!(
                    i.keyword(),
                    Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck
                )
            })
            .map(|i| i.ins.logical.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// USER before any RUN: the commands ran as that user.
    pub fn user_before_run(&self) -> Option<usize> {
        let mut user = None;
        for i in &self.items {
            match i.keyword() {
                Keyword::User => user = Some(i.ins.start_line),
                Keyword::Run if user.is_some() => return user,
                _ => {}
            }
        }
        None
    }

    /// The context path a file at `abs` in the image came from, by the last
    /// context COPY whose destination covers it.
    pub fn context_source_of(&self, abs: &str) -> Option<String> {
        for i in self.items.iter().rev() {
            let Some(Op::Copy(c)) = &i.step.op else {
                continue;
            };
            if c.source != CopySource::Context {
                continue;
            }
            let dest = c.dest.trim_end_matches('/');
            let dir_dest = c.dest.ends_with('/') || c.srcs.len() > 1 || c.dest == "/";
            for s in &c.srcs {
                if s.wildcard {
                    continue;
                }
                let is_dir = s.path.is_empty()
                    || self
                        .context
                        .and_then(|t| t.get(&s.path))
                        .is_some_and(|e| e.is_dir());
                let candidate = if is_dir {
                    // Directory contents land under dest.
                    abs.strip_prefix(&format!("{dest}/")).map(|rest| {
                        if s.path.is_empty() {
                            rest.to_string()
                        } else {
                            format!("{}/{rest}", s.path)
                        }
                    })
                } else if dir_dest {
                    (abs == format!("{dest}/{}", s.basename)).then(|| s.path.clone())
                } else {
                    (abs == dest).then(|| s.path.clone())
                };
                if let Some(p) = candidate {
                    if self.context.is_none_or(|t| t.get(&p).is_some()) {
                        return Some(p);
                    }
                }
            }
        }
        None
    }

    /// The distro family of an image tag.
    pub fn distro(tag: &str) -> Distro {
        if images::is_alpine(tag) {
            Distro::Alpine
        } else {
            Distro::Debian(images::debian_release(tag))
        }
    }

    /// Splits the installed system packages into runtime (kept or mapped)
    /// and build-only ones.
    pub fn package_fates(&self, distro: Distro) -> Result<(Vec<String>, Vec<String>), Refusal> {
        let rt = self.runtime_text();
        let mut runtime = Vec::new();
        let mut moved = Vec::new();
        for (item, c) in self.cmds() {
            let pkgs = match &c.kind {
                CmdKind::AptInstall(p) | CmdKind::ApkAdd(p) => p,
                _ => continue,
            };
            for p in pkgs {
                let fate = packages::fate(p, distro, &rt)
                    .map_err(|e| Refusal::new(format!("line {}: {e}", item.ins.start_line)))?;
                match fate {
                    Fate::BuildOnly => push_unique(&mut moved, p),
                    Fate::Runtime(lib) => {
                        push_unique(&mut moved, p);
                        push_unique(&mut runtime, &lib);
                    }
                    Fate::Keep => push_unique(&mut runtime, p),
                }
            }
        }
        Ok((runtime, moved))
    }
}

pub(crate) fn push_unique(v: &mut Vec<String>, s: &str) {
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
    }
}

/// Own-line comments above an instruction, re-rendered.
pub(crate) fn comments(ins: &Instruction) -> String {
    let mut s = String::new();
    for c in &ins.comments {
        if c.text.is_empty() {
            s.push_str("#\n");
        } else {
            s.push_str(&format!("# {}\n", c.text));
        }
    }
    s
}

/// An instruction with its comments, verbatim, newline-terminated.
pub(crate) fn block(df: &Dockerfile, ins: &Instruction) -> String {
    format!("{}{}\n", comments(ins), df.text(ins.span))
}

/// The runtime's system-package install line.
pub(crate) fn install_line(distro: Distro, pkgs: &[String]) -> String {
    match distro {
        Distro::Alpine => format!("RUN apk add --no-cache {}\n", pkgs.join(" ")),
        Distro::Debian(_) => format!(
            "RUN apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*\n",
            pkgs.join(" ")
        ),
    }
}

/// A context COPY, verbatim when it ran in the final workdir, otherwise
/// rewritten with its absolute destination (same flags, same sources).
pub(crate) fn copy_at(a: &Analysis, item: &Item, workdir: &str) -> String {
    if item.step.cwd == workdir {
        return block(a.df, item.ins);
    }
    let Some(Op::Copy(c)) = &item.step.op else {
        return block(a.df, item.ins);
    };
    let mut s = comments(item.ins);
    s.push_str(if c.add { "ADD " } else { "COPY " });
    for f in &item.ins.flags {
        s.push_str(a.df.text(f.span));
        s.push(' ');
    }
    let mut words: Vec<String> = c.srcs.iter().map(|x| x.raw.clone()).collect();
    words.push(c.dest.clone());
    s.push_str(&serde_json::to_string(&words).unwrap_or_default());
    s.push('\n');
    s
}

/// An exec-form instruction line.
pub(crate) fn exec_line(keyword: &str, argv: &[String]) -> String {
    format!(
        "{keyword} {}\n",
        serde_json::to_string(argv).unwrap_or_default()
    )
}

/// Absolute path of `p` against `cwd`.
pub(crate) fn abs(cwd: &str, p: &str) -> String {
    join_abs(cwd, p)
}

/// The image's command line: ENTRYPOINT then CMD (exec forms only).
pub(crate) fn command_line(config: &ImageConfig) -> Vec<String> {
    let mut v = config.entrypoint.clone().unwrap_or_default();
    if v.is_empty() {
        v = config.cmd.clone().unwrap_or_default();
    }
    v
}

/// Late config instructions (USER, EXPOSE, VOLUME, HEALTHCHECK, STOPSIGNAL,
/// ENTRYPOINT, CMD) with their comments, in the original order.
pub(crate) fn is_late_config(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::User
            | Keyword::Expose
            | Keyword::Volume
            | Keyword::Healthcheck
            | Keyword::Stopsignal
            | Keyword::Entrypoint
            | Keyword::Cmd
    )
}

/// Early config: ARG, ENV, LABEL, MAINTAINER, WORKDIR.
pub(crate) fn is_early_config(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::Arg | Keyword::Env | Keyword::Label | Keyword::Maintainer | Keyword::Workdir
    )
}

/// Early config verbatim (with comments or without).
pub(crate) fn early_config(a: &Analysis, with_comments: bool) -> String {
    let mut s = String::new();
    for i in a.items.iter().filter(|i| is_early_config(i.keyword())) {
        if with_comments {
            s.push_str(&block(a.df, i.ins));
        } else {
            s.push_str(a.text(i.ins));
            s.push('\n');
        }
    }
    s
}

/// Late config verbatim with comments; `replace` swaps an instruction's
/// text (e.g. the ENTRYPOINT of a moved script).
pub(crate) fn late_config(a: &Analysis, replace: &[(Keyword, String)]) -> String {
    let mut s = String::new();
    for i in a.items.iter().filter(|i| is_late_config(i.keyword())) {
        match replace.iter().find(|(k, _)| *k == i.keyword()) {
            Some((_, text)) => {
                s.push_str(&comments(i.ins));
                s.push_str(text);
            }
            None => s.push_str(&block(a.df, i.ins)),
        }
    }
    s
}

/// A runtime override that cannot hold a shell (scratch, distroless).
pub(crate) fn shell_less(image: &str) -> bool {
    image == "scratch" || image.contains("distroless")
}

/// Checks a `--runtime-base` override against what the runtime stage runs.
pub(crate) fn check_override(
    image: &str,
    needs_shell: bool,
    allow_shell_less: bool,
) -> Result<(), Refusal> {
    if shell_less(image) {
        if !allow_shell_less {
            return Err(Refusal::new(format!(
                "`{image}` has no interpreter for this ecosystem"
            )));
        }
        if needs_shell {
            return Err(Refusal::new(format!(
                "`{image}` has no shell, but the runtime stage needs one (shell-form CMD/ENTRYPOINT, package installs or RUN steps)"
            )));
        }
    }
    Ok(())
}

/// Whether the image config runs anything through `/bin/sh -c`.
pub(crate) fn config_needs_shell(a: &Analysis) -> bool {
    a.items.iter().any(|i| {
        matches!(
            i.keyword(),
            Keyword::Cmd | Keyword::Entrypoint | Keyword::Healthcheck
        ) && !i.ins.arguments.is_exec()
    }) || a
        .config
        .healthcheck
        .as_deref()
        .is_some_and(|h| h.contains("CMD-SHELL"))
}
