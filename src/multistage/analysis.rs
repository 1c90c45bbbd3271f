//! Analysis: the original file checked for what every pattern needs, its
//! RUN steps classified, and the questions plans ask of it (where a file
//! came from, which packages are build-only, what the image runs). Nothing
//! here writes Dockerfile text.

use super::images;
use super::packages::{self, Distro, Fate};
use super::shell::{self, Cmd, CmdKind};
use super::{block, comments, Refusal};
use crate::context::ContextTree;
use crate::model::{path::join_abs, Base, CopySource, ImageConfig, Model, Op, Step};
use crate::syntax::{self, Dockerfile, Instruction, Keyword};

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

    /// `COPY --from=composer[:tag] …`: the composer binary, a build tool.
    pub fn is_composer_copy(&self) -> bool {
        matches!(&self.step.op, Some(Op::Copy(c)) if matches!(&c.source, CopySource::Image(i) if is_composer_image(i)))
    }
}

/// The official composer image (`composer`, `composer:2`, `composer/composer:2`).
pub(crate) fn is_composer_image(image: &str) -> bool {
    let name = image.split([':', '@']).next().unwrap_or(image);
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    matches!(name, "composer" | "composer/composer")
}

/// The original file, checked for what every pattern needs and classified.
pub(crate) struct Analysis<'a> {
    pub df: &'a Dockerfile,
    pub context: Option<&'a ContextTree>,
    /// The context directory, to read file contents (see `ContextFiles`).
    pub root: Option<&'a std::path::Path>,
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
    pub(super) fn new(
        df: &'a Dockerfile,
        model: &'a Model,
        context: Option<&'a ContextTree>,
        root: Option<&'a std::path::Path>,
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
                    // The composer binary: a PHP plan keeps it in the builder;
                    // every other plan refuses it (see `convert`).
                    CopySource::Image(i) if is_composer_image(i) => {}
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
                        Refusal::of_kind(
                            format!("RUN step it cannot classify: {}", e.kind),
                            format!("line {line}: RUN step it cannot classify: {e}"),
                        )
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
            root: root.filter(|_| context.is_some()),
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

/// The files a RUN of the original finds at image paths that context COPYs
/// put there, read from the context directory: what the effects model needs
/// to follow requirement includes.
pub(crate) struct ContextFiles<'x, 'a> {
    pub a: &'x Analysis<'a>,
}

impl crate::effects::Files for ContextFiles<'_, '_> {
    fn read(&self, abs: &str) -> Option<String> {
        let root = self.a.root?;
        let src = self.a.context_source_of(abs)?;
        let e = self.a.context?.get(&src)?;
        if e.is_dir() {
            return None;
        }
        crate::source::read_context_text(&root.join(&src)).ok()
    }

    fn list(&self, abs: &str) -> Option<Vec<String>> {
        let ctx = self.a.context?;
        let src = self.a.context_source_of(abs)?;
        let prefix = if src.is_empty() {
            String::new()
        } else {
            format!("{src}/")
        };
        Some(
            ctx.entries()
                .filter_map(|(k, _)| k.strip_prefix(&prefix).map(str::to_string))
                .filter(|k| !k.is_empty() && !k.contains('/'))
                .collect(),
        )
    }
}
