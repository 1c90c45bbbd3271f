//! What each instruction does: the stages, the build state (env, args,
//! cwd, user, shell) before each step, the op BuildKit emits for it with its
//! parameters expanded, what it reads (context, stages, images), and the
//! image config each stage ends with.

mod base_image;
mod build;
mod config;
pub mod env;
pub mod mount;
mod ops;
pub mod path;
pub mod port;

pub use base_image::{
    config_for, normalize_image, strip_hub_prefixes, BaseImageConfig, ImageConfigError,
};
pub use build::{build, BuildOptions, ModelError};
pub use config::ImageConfig;
pub use env::EnvList;
pub use mount::{Mount, MountKind};
pub use ops::{CopyOp, CopySource, CopySrc, Op, RunOp, WorkdirOp};

use crate::syntax::Keyword;
use serde::Serialize;

/// The default platform assumed for `TARGETPLATFORM` and friends.
pub const DEFAULT_PLATFORM: &str = "linux/amd64";

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub meta_args: Vec<MetaArg>,
    pub stages: Vec<Stage>,
    pub steps: Vec<Step>,
    /// The stage built: `--target`, or the last one.
    pub target: usize,
    pub warnings: Vec<String>,
    /// Words BuildKit cannot expand, in source order (each is also a warning).
    #[serde(skip)]
    pub expand_failures: Vec<ExpandFailure>,
    /// The RUN scripts of the file this model was built from, parsed on first
    /// use ([`Model::run_script`]).
    #[serde(skip)]
    pub scripts: crate::shell::ScriptMemo,
    /// Each RUN step's effects, computed on first use ([`Model::run_effects`]).
    #[serde(skip)]
    pub effects: crate::effects::EffectsMemo,
}

/// A word of an instruction BuildKit expands (ENV, ARG, LABEL, WORKDIR,
/// USER, EXPOSE, VOLUME, STOPSIGNAL, COPY, ADD, FROM) that its lexer
/// rejects: BuildKit fails the build before any step runs. The model keeps
/// the word as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpandFailure {
    /// The instruction's first line.
    pub line: usize,
    pub word: String,
    pub error: crate::syntax::expand::ExpandError,
}

impl Model {
    /// The shell script of `ins`, an instruction of `df` (the file this model
    /// was built from): [`crate::shell::parse_run`]'s answer, parsed once for
    /// every rule, fix function and effects query that reads it.
    pub fn run_script(
        &self,
        df: &crate::syntax::Dockerfile,
        ins: &crate::syntax::Instruction,
    ) -> Option<Result<std::sync::Arc<crate::shell::Script>, crate::shell::ShellError>> {
        self.scripts.get(df, ins)
    }

    /// The effects of `step`, a RUN step of this model (built from `df`),
    /// computed once for every rule and fix function that asks (the
    /// context's files unread); None for any other step.
    pub fn run_effects(
        &self,
        df: &crate::syntax::Dockerfile,
        step: &Step,
    ) -> Option<&crate::effects::Effects> {
        self.effects.get(df, self, step)
    }

    /// The index of `step` in this model's steps, from its address; None
    /// for a step of another model (checked: never another step's index).
    pub fn step_index(&self, step: &Step) -> Option<usize> {
        let size = std::mem::size_of::<Step>().max(1);
        let at = (step as *const Step as usize).wrapping_sub(self.steps.as_ptr() as usize) / size;
        self.steps
            .get(at)
            .is_some_and(|s| std::ptr::eq(s, step))
            .then_some(at)
    }

    /// A stage's steps, in order. Steps are in source order, so each stage's
    /// are contiguous (`build` asserts it in debug builds): found by binary
    /// search, not by a filter of every step (called per stage, that was
    /// quadratic in a file of many stages).
    pub fn stage_steps(&self, stage: usize) -> impl Iterator<Item = &Step> {
        self.steps[self.stage_range(stage)].iter()
    }

    /// The indices of a stage's steps (see [`Self::stage_steps`]).
    pub fn stage_range(&self, stage: usize) -> std::ops::Range<usize> {
        let from = self.steps.partition_point(|s| s.stage < stage);
        let len = self.steps[from..].partition_point(|s| s.stage == stage);
        from..from + len
    }

    /// Stages the target needs: through FROM, COPY --from and RUN --mount from=.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.stages.len()];
        let mut todo = vec![self.target];
        while let Some(s) = todo.pop() {
            if s >= seen.len() || seen[s] {
                continue;
            }
            seen[s] = true;
            todo.extend(self.stages[s].depends_on(self));
        }
        seen
    }

    /// `stage` and the stages it is built on, nearest first (`FROM builder`
    /// chains); stops at an image, scratch, or a stage seen twice.
    pub fn from_chain(&self, stage: usize) -> impl Iterator<Item = usize> + '_ {
        let mut seen = vec![false; self.stages.len()];
        let mut next = Some(stage);
        std::iter::from_fn(move || {
            let s = next.filter(|&s| s < seen.len() && !seen[s])?;
            seen[s] = true;
            next = match self.stages[s].base {
                Base::Stage(b) => Some(b),
                _ => None,
            };
            Some(s)
        })
    }

    /// The image at the root of `stage`'s FROM chain (None: scratch).
    pub fn root_image(&self, stage: usize) -> Option<&str> {
        let last = self.from_chain(stage).last()?;
        match &self.stages[last].base {
            Base::Image(i) => Some(i),
            _ => None,
        }
    }

    pub fn stage_by_name(&self, name: &str) -> Option<usize> {
        self.stages.iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }
}

/// A global ARG (before the first FROM): used to expand FROM lines only.
#[derive(Debug, Clone, Serialize)]
pub struct MetaArg {
    pub name: String,
    pub value: Option<String>,
    pub instruction: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum Base {
    Image(String),
    Stage(usize),
    Scratch,
}

#[derive(Debug, Clone, Serialize)]
pub struct Stage {
    pub index: usize,
    /// Lower-cased, as BuildKit stores stage names.
    pub name: Option<String>,
    /// Index of its FROM instruction in the Dockerfile.
    pub from_instruction: usize,
    pub base: Base,
    /// The FROM argument as written, before expansion.
    pub base_raw: String,
    pub platform: Option<String>,
    /// The image config at the end of the stage.
    pub config: ImageConfig,
    /// The base image's ONBUILD triggers (known only from `--image-config`):
    /// BuildKit runs them first, before the stage's own instructions.
    pub onbuild: Vec<OnbuildTrigger>,
}

/// One ONBUILD trigger of a stage's base image, modelled in the stage's state.
#[derive(Debug, Clone, Serialize)]
pub struct OnbuildTrigger {
    /// The trigger as stored in the image config (`COPY a.txt /a`).
    pub text: String,
    pub keyword: Option<Keyword>,
    /// The op it emits, as if written right after FROM.
    pub op: Option<Op>,
}

impl Stage {
    /// BuildKit's progress label: the stage name, or `stage-N`.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .unwrap_or_else(|| format!("stage-{}", self.index))
    }

    pub fn depends_on(&self, model: &Model) -> Vec<usize> {
        let mut deps = Vec::new();
        if let Base::Stage(b) = self.base {
            deps.push(b);
        }
        for step in model.stage_steps(self.index) {
            deps.extend(step.stage_reads());
        }
        deps.sort_unstable();
        deps.dedup();
        deps
    }
}

/// One instruction inside a stage (FROM lines and global ARGs are not steps).
#[derive(Debug, Clone, Serialize)]
pub struct Step {
    /// Index into `Dockerfile::instructions`.
    pub instruction: usize,
    pub stage: usize,
    pub keyword: Keyword,
    /// The op BuildKit emits, if any: RUN, COPY/ADD, WORKDIR (not `/`).
    pub op: Option<Op>,
    /// Variables this step defines (ENV, ARG).
    pub defines: Vec<String>,
    /// Variables its arguments reference (`$X` in RUN text included).
    pub var_refs: Vec<String>,
    /// Referenced variables with no known value.
    pub unresolved: Vec<String>,
    pub cwd: String,
    pub user: String,
}

impl Step {
    /// Stages whose output this step reads (COPY --from, RUN --mount from=).
    pub fn stage_reads(&self) -> Vec<usize> {
        match &self.op {
            Some(Op::Copy(c)) => match c.source {
                CopySource::Stage(s) => vec![s],
                _ => Vec::new(),
            },
            Some(Op::Run(r)) => r.mount_stages.iter().flatten().copied().collect(),
            _ => Vec::new(),
        }
    }

    /// Context paths read, as cleaned patterns ("" is the whole context).
    pub fn context_reads(&self) -> Vec<String> {
        match &self.op {
            Some(Op::Copy(c)) if c.source == CopySource::Context => c
                .srcs
                .iter()
                .filter(|s| s.inline.is_none() && s.remote.is_none())
                .map(|s| s.path.clone())
                .collect(),
            Some(Op::Run(r)) => r
                .mounts
                .iter()
                .zip(&r.mount_stages)
                .filter(|(m, st)| m.kind == MountKind::Bind && st.is_none() && m.from.is_none())
                .map(|(m, _)| path::context_relative(m.source.as_deref().unwrap_or("")))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn makes_layer(&self) -> bool {
        self.op.is_some()
    }
}
