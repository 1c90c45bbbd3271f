//! Walks the instructions in order, keeping BuildKit's per-stage state, and
//! produces the model.

use super::base_image::{config_for, BaseImageConfig};
use super::config::ImageConfig;
use super::env::EnvList;
use super::mount::{parse_mount, MountError};
use super::ops::{CopyOp, CopySource, CopySrc, Op, RunOp, WorkdirOp};
use super::path::{base_name, context_relative, has_wildcard, join_abs};
use super::port::exposed_ports;
use super::{Base, MetaArg, Model, OnbuildTrigger, Stage, Step, DEFAULT_PLATFORM};
use crate::syntax::expand::{expand, ExpandError, Expansion};
use crate::syntax::words::{parse_words, split_whitespace};
use crate::syntax::{
    Arguments, Dockerfile, Instruction, Keyword, ParseError, ParseErrorKind, Span,
};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// `--build-arg K=V`.
    pub build_args: BTreeMap<String, String>,
    /// `--target`: the stage to build (default: the last).
    pub target: Option<String>,
    /// Base image configs (`--image-config IMAGE=FILE`), by reference as given.
    pub image_configs: BTreeMap<String, BaseImageConfig>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ModelError {
    #[error("target stage `{name}` not found (stages: {available})")]
    UnknownTarget { name: String, available: String },
    /// An instruction BuildKit refuses once its flags are read (a mount
    /// of an unknown type, `--from=` a stage number not yet built), at the
    /// offending value's position.
    #[error("{0}")]
    Invalid(Box<ParseError>),
}

impl ModelError {
    fn invalid(df: &Dockerfile, kind: ParseErrorKind, message: String, span: Span) -> Self {
        ModelError::Invalid(Box::new(ParseError::new(
            kind,
            message,
            span,
            &df.source,
            &df.line_index,
        )))
    }

    fn expecting(self, expected: &str) -> Self {
        match self {
            ModelError::Invalid(e) => ModelError::Invalid(Box::new(e.expecting(expected))),
            other => other,
        }
    }

    /// The error as the CLI prints it: a code frame at file:line:col when
    /// it has a position, as parse errors are printed.
    pub fn render(&self, file: &str, source: &str) -> String {
        match self {
            ModelError::Invalid(e) => e.render(file, source),
            ModelError::UnknownTarget { .. } => format!("error: {file}: {self}\n"),
        }
    }
}

/// Build args BuildKit defines for every build.
fn builtin_args() -> Vec<(&'static str, String)> {
    let (os, arch) = DEFAULT_PLATFORM
        .split_once('/')
        .unwrap_or(("linux", "amd64"));
    vec![
        ("TARGETPLATFORM", DEFAULT_PLATFORM.to_string()),
        ("TARGETOS", os.to_string()),
        ("TARGETARCH", arch.to_string()),
        ("TARGETVARIANT", String::new()),
        ("BUILDPLATFORM", DEFAULT_PLATFORM.to_string()),
        ("BUILDOS", os.to_string()),
        ("BUILDARCH", arch.to_string()),
        ("BUILDVARIANT", String::new()),
    ]
}

#[derive(Debug, Clone)]
struct StageState {
    env: EnvList,
    cwd: String,
    user: String,
    shell: Vec<String>,
    config: ImageConfig,
    cmd_set: bool,
}

impl StageState {
    fn fresh() -> Self {
        StageState {
            env: EnvList::default(),
            cwd: "/".to_string(),
            user: String::new(),
            shell: vec!["/bin/sh".to_string(), "-c".to_string()],
            config: ImageConfig::default(),
            cmd_set: false,
        }
    }

    /// What FROM an image with a known config starts from (spec §2).
    fn from_image(c: &BaseImageConfig) -> Self {
        let mut st = StageState::fresh();
        for (k, v) in &c.env {
            st.env.set(k, v);
        }
        if let Some(w) = &c.working_dir {
            st.cwd = join_abs("/", w);
        }
        if let Some(u) = &c.user {
            st.user = u.clone();
        }
        if let Some(sh) = &c.shell {
            st.shell = sh.clone();
        }
        st
    }
}

struct Builder<'a> {
    df: &'a Dockerfile,
    opts: &'a BuildOptions,
    meta: Vec<MetaArg>,
    stages: Vec<Stage>,
    finals: Vec<StageState>,
    steps: Vec<Step>,
    warnings: std::cell::RefCell<Vec<String>>,
    expand_failures: std::cell::RefCell<Vec<super::ExpandFailure>>,
}

pub fn build(df: &Dockerfile, opts: &BuildOptions) -> Result<Model, ModelError> {
    let mut b = Builder {
        df,
        opts,
        meta: Vec::new(),
        stages: Vec::new(),
        finals: Vec::new(),
        // At most one step per instruction: reserved once, not grown by
        // doubling (up to twice the steps' memory, per model).
        steps: Vec::with_capacity(df.instructions.len()),
        warnings: Default::default(),
        expand_failures: Default::default(),
    };
    let mut cur: Option<StageState> = None;
    for (i, ins) in df.instructions.iter().enumerate() {
        match (ins.keyword, cur.as_mut()) {
            (Keyword::Arg, None) => b.global_arg(i, ins)?,
            (Keyword::From, _) => {
                if let Some(done) = cur.take() {
                    b.end_stage(done);
                }
                cur = Some(b.from(i, ins)?);
            }
            (_, Some(state)) => {
                let step = b.step(i, ins, state)?;
                b.steps.push(step);
            }
            // The parser rejects anything but ARG before the first FROM.
            (_, None) => {}
        }
    }
    if let Some(done) = cur.take() {
        b.end_stage(done);
    }
    let target = match &opts.target {
        None => b.stages.len().saturating_sub(1),
        Some(name) => b
            .stages
            .iter()
            .position(|s| {
                s.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            })
            .ok_or_else(|| ModelError::UnknownTarget {
                name: name.clone(),
                available: b
                    .stages
                    .iter()
                    .map(|s| s.label())
                    .collect::<Vec<_>>()
                    .join(", "),
            })?,
    };
    // `Model::stage_steps` finds a stage's steps by binary search.
    debug_assert!(
        b.steps.windows(2).all(|w| w[0].stage <= w[1].stage),
        "steps out of stage order"
    );
    let steps_len = b.steps.len();
    Ok(Model {
        meta_args: b.meta,
        stages: b.stages,
        steps: b.steps,
        target,
        warnings: b.warnings.into_inner(),
        expand_failures: b.expand_failures.into_inner(),
        scripts: crate::shell::ScriptMemo::new(df),
        effects: crate::effects::EffectsMemo::new(df, steps_len),
    })
}

impl Builder<'_> {
    fn line(&self, ins: &Instruction) -> usize {
        ins.start_line
    }

    fn expand_with(
        &self,
        ins: &Instruction,
        word: &str,
        lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Expansion, ModelError> {
        // BuildKit fails such a build; the model keeps the word as written and
        // says so, so that graph, check and fix still work on templates.
        Ok(
            expand(word, self.df.escape, lookup).unwrap_or_else(|e: ExpandError| {
                // A value of ENV, ARG or LABEL may be a secret: not repeated.
                let said = if matches!(ins.keyword, Keyword::Env | Keyword::Arg | Keyword::Label) {
                    e.without_word()
                } else {
                    e.to_string()
                };
                self.warnings
                    .borrow_mut()
                    .push(format!("line {}: {said}; kept as written", self.line(ins)));
                self.expand_failures
                    .borrow_mut()
                    .push(super::ExpandFailure {
                        line: self.line(ins),
                        word: word.to_string(),
                        error: e,
                    });
                Expansion {
                    value: word.to_string(),
                    ..Default::default()
                }
            }),
        )
    }

    fn meta_value(&self, name: &str) -> Option<String> {
        if let Some(m) = self.meta.iter().rev().find(|m| m.name == name) {
            return m.value.clone();
        }
        builtin_args()
            .into_iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v)
    }

    fn global_arg(&mut self, i: usize, ins: &Instruction) -> Result<(), ModelError> {
        let text = ins.arguments.shell_text().unwrap_or("");
        for (word, _, _) in parse_words(text, self.df.escape) {
            let (name, default) = match word.split_once('=') {
                Some((n, d)) => (n.to_string(), Some(d.to_string())),
                None => (word.clone(), None),
            };
            let lookup = |n: &str| self.meta_value(n);
            let default = match default {
                Some(d) => Some(self.expand_with(ins, &d, &lookup)?.value),
                None => None,
            };
            let value = self.opts.build_args.get(&name).cloned().or(default);
            self.meta.push(MetaArg {
                name,
                value,
                instruction: i,
            });
        }
        Ok(())
    }

    fn from(&mut self, i: usize, ins: &Instruction) -> Result<StageState, ModelError> {
        let text = ins.arguments.shell_text().unwrap_or("");
        let words = split_whitespace(text);
        let raw = words.first().map(|w| w.0).unwrap_or("").to_string();
        let lookup = |n: &str| self.meta_value(n);
        let image = self.expand_with(ins, &raw, &lookup)?.value;
        let name = (words.len() == 3).then(|| words[2].0.to_ascii_lowercase());
        let platform = match ins.flag("platform").and_then(|f| f.value.as_deref()) {
            Some(p) => Some(self.expand_with(ins, p, &lookup)?.value),
            None => None,
        };
        let index = self.stages.len();
        let earlier = self.stages.iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(&image))
        });
        let known = config_for(&self.opts.image_configs, &image)
            .or_else(|| config_for(&self.opts.image_configs, &raw))
            .cloned();
        let (base, mut state) = match earlier {
            Some(s) => (Base::Stage(s), self.finals[s].clone()),
            None if image.eq_ignore_ascii_case("scratch") => (Base::Scratch, StageState::fresh()),
            None => {
                let st = known
                    .as_ref()
                    .map(StageState::from_image)
                    .unwrap_or_else(StageState::fresh);
                (Base::Image(image), st)
            }
        };
        self.stages.push(Stage {
            index,
            name,
            from_instruction: i,
            base,
            base_raw: raw,
            platform,
            config: ImageConfig::default(),
            onbuild: Vec::new(),
        });
        if let (Base::Image(_), Some(c)) = (&self.stages[index].base, &known) {
            let triggers = self.triggers(ins, &c.onbuild, &mut state)?;
            self.stages[index].onbuild = triggers;
        }
        Ok(state)
    }

    /// Runs the base image's ONBUILD triggers in the new stage's state, as
    /// BuildKit does before the stage's own instructions. Each is parsed as
    /// its own one-instruction Dockerfile; none becomes a model step.
    fn triggers(
        &mut self,
        from: &Instruction,
        texts: &[String],
        st: &mut StageState,
    ) -> Result<Vec<OnbuildTrigger>, ModelError> {
        let mut out = Vec::new();
        for text in texts {
            let src = format!("FROM scratch\n{text}\n");
            let parsed = crate::syntax::parse(&src)
                .ok()
                .filter(|df| df.instructions.len() == 2);
            let Some(df) = parsed else {
                self.warnings.borrow_mut().push(format!(
                    "line {}: ONBUILD trigger `{text}` of the base image does not parse; ignored",
                    self.line(from)
                ));
                out.push(OnbuildTrigger {
                    text: text.clone(),
                    keyword: None,
                    op: None,
                });
                continue;
            };
            let ins = &df.instructions[1];
            let step = self.step(usize::MAX, ins, st)?;
            out.push(OnbuildTrigger {
                text: text.clone(),
                keyword: Some(ins.keyword),
                op: step.op,
            });
        }
        Ok(out)
    }

    fn end_stage(&mut self, mut state: StageState) {
        state.config.env = state
            .env
            .entries()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        if let Some(stage) = self.stages.last_mut() {
            stage.config = state.config.clone();
        }
        self.finals.push(state);
    }

    /// A stage named by `--from` or `from=`: a name or index of an earlier stage.
    fn stage_ref(&self, name: &str) -> Option<usize> {
        let current = self.stages.len();
        if let Ok(n) = name.parse::<usize>() {
            return (n < current).then_some(n);
        }
        self.stages[..current].iter().position(|s| {
            s.name
                .as_deref()
                .is_some_and(|n| n.eq_ignore_ascii_case(name))
        })
    }

    fn step(
        &mut self,
        i: usize,
        ins: &Instruction,
        st: &mut StageState,
    ) -> Result<Step, ModelError> {
        let stage = self.stages.len().saturating_sub(1);
        let mut step = Step {
            instruction: i,
            stage,
            keyword: ins.keyword,
            op: None,
            defines: Vec::new(),
            var_refs: Vec::new(),
            unresolved: Vec::new(),
            cwd: st.cwd.clone(),
            user: st.user.clone(),
        };
        // Expansion reads the env as it was before this instruction; its own
        // assignments (`pending`) are applied once `env_before` is dropped,
        // so the list is copied only when a step's op still shares it (a
        // copy per ENV/ARG was most of the model's time on 100k lines).
        let env_before = st.env.clone();
        let lookup = move |n: &str| env_before.get(n).map(str::to_string);
        let mut pending: Vec<(String, String)> = Vec::new();
        let mut x = |word: &str, step: &mut Step| -> Result<String, ModelError> {
            let e = self.expand_with(ins, word, &lookup)?;
            for r in e.refs {
                if !step.var_refs.contains(&r) {
                    step.var_refs.push(r);
                }
            }
            for u in e.unset {
                if !step.unresolved.contains(&u) {
                    step.unresolved.push(u);
                }
            }
            Ok(e.value)
        };
        let text = ins.arguments.shell_text().unwrap_or("");
        match ins.keyword {
            Keyword::Env | Keyword::Label => {
                let mut pairs = Vec::new();
                for (k, v) in name_values(text, self.df.escape) {
                    pairs.push((x(&k, &mut step)?, x(&v, &mut step)?));
                }
                for (k, v) in pairs {
                    if ins.keyword == Keyword::Env {
                        step.defines.push(k.clone());
                        pending.push((k, v));
                    } else {
                        st.config.labels.insert(k, v);
                    }
                }
            }
            Keyword::Arg => {
                for (word, _, _) in parse_words(text, self.df.escape) {
                    let (name, default) = match word.split_once('=') {
                        Some((n, d)) => (n.to_string(), Some(d.to_string())),
                        None => (word.clone(), None),
                    };
                    let default = match default {
                        Some(d) => Some(x(&d, &mut step)?),
                        None => None,
                    };
                    let global = self
                        .meta
                        .iter()
                        .rev()
                        .find(|m| m.name == name)
                        .and_then(|m| m.value.clone())
                        .or_else(|| {
                            builtin_args()
                                .into_iter()
                                .find(|(n, _)| *n == name)
                                .map(|(_, v)| v)
                        });
                    let value = self
                        .opts
                        .build_args
                        .get(&name)
                        .cloned()
                        .or(default)
                        .or(global);
                    if let Some(v) = value {
                        pending.push((name.clone(), v));
                    }
                    step.defines.push(name);
                }
            }
            Keyword::Workdir => {
                let p = x(text, &mut step)?;
                st.cwd = join_abs(&st.cwd, &p);
                st.config.working_dir = Some(st.cwd.clone());
                if st.cwd != "/" {
                    step.op = Some(Op::Workdir(WorkdirOp {
                        path: st.cwd.clone(),
                        user: st.user.clone(),
                    }));
                }
            }
            Keyword::User => {
                st.user = x(text, &mut step)?;
                st.config.user = Some(st.user.clone());
            }
            Keyword::Shell => {
                st.shell = ins.words();
                st.config.shell = Some(st.shell.clone());
            }
            Keyword::Run => {
                let op = self.run_op(ins, st, &mut step, &mut x)?;
                step.op = Some(Op::Run(op));
            }
            Keyword::Copy | Keyword::Add => {
                let op = self.copy_op(ins, st, &mut step, &mut x)?;
                step.op = Some(Op::Copy(op));
            }
            Keyword::Cmd | Keyword::Entrypoint => {
                let argv = match &ins.arguments {
                    Arguments::Exec { .. } => ins.words(),
                    Arguments::Shell { text, .. } => {
                        let mut v = st.shell.clone();
                        v.push(text.clone());
                        v
                    }
                };
                if ins.keyword == Keyword::Cmd {
                    st.config.cmd = Some(argv);
                    st.cmd_set = true;
                } else {
                    st.config.entrypoint = Some(argv);
                    if !st.cmd_set {
                        st.config.cmd = None;
                    }
                }
            }
            Keyword::Expose => {
                let args = ins.arguments.span();
                for (w, at) in split_whitespace(text) {
                    let earlier = std::mem::take(&mut step.unresolved);
                    let failures = self.expand_failures.borrow().len();
                    let value = x(w, &mut step)?;
                    // A word the lexer cannot read is DO415's to report.
                    let unreadable = self.expand_failures.borrow().len() > failures;
                    let unset = !step.unresolved.is_empty();
                    for u in earlier.into_iter().rev() {
                        if !step.unresolved.contains(&u) {
                            step.unresolved.insert(0, u);
                        }
                    }
                    if unset || unreadable {
                        // `EXPOSE ${PORT}` with a build argument this file
                        // does not set: the port comes from `--build-arg`;
                        // kept as written, and not judged.
                        if !st.config.exposed_ports.iter().any(|p| p == w) {
                            st.config.exposed_ports.push(w.to_string());
                        }
                        continue;
                    }
                    // An unquoted variable's value is split into words, as
                    // BuildKit's ProcessWords splits it.
                    let quoted = w.contains(['"', '\'', '\\']);
                    let specs: Vec<&str> = if quoted {
                        vec![value.as_str()]
                    } else {
                        value.split_ascii_whitespace().collect()
                    };
                    for spec in specs {
                        let ports = exposed_ports(spec).map_err(|e| {
                            // The word's own span when the text is the source
                            // verbatim (no line continuation in between).
                            let span = if args.end - args.start == text.len() {
                                Span::new(args.start + at, args.start + at + w.len())
                            } else {
                                args
                            };
                            let expected = e.expected();
                            let err = ModelError::invalid(
                                self.df,
                                ParseErrorKind::BadArguments,
                                format!("EXPOSE {e}"),
                                span,
                            );
                            err.expecting(expected)
                        })?;
                        for p in ports {
                            if !st.config.exposed_ports.contains(&p) {
                                st.config.exposed_ports.push(p);
                            }
                        }
                    }
                }
            }
            Keyword::Volume => {
                for w in ins.words() {
                    let v = x(&w, &mut step)?;
                    if !st.config.volumes.contains(&v) {
                        st.config.volumes.push(v);
                    }
                }
            }
            Keyword::Healthcheck => st.config.healthcheck = Some(ins.logical.clone()),
            Keyword::Stopsignal => st.config.stop_signal = Some(x(text, &mut step)?),
            Keyword::Onbuild => st.config.onbuild.push(text.to_string()),
            Keyword::Maintainer => {
                st.config
                    .labels
                    .insert("maintainer".to_string(), text.to_string());
            }
            Keyword::From => {}
        }
        drop(lookup);
        for (k, v) in pending {
            st.env.set(&k, &v);
        }
        Ok(step)
    }

    fn run_op(
        &self,
        ins: &Instruction,
        st: &StageState,
        step: &mut Step,
        x: &mut dyn FnMut(&str, &mut Step) -> Result<String, ModelError>,
    ) -> Result<RunOp, ModelError> {
        let argv = match &ins.arguments {
            Arguments::Exec { .. } => ins.words(),
            Arguments::Shell { text, .. } => {
                for r in shell_var_refs(text) {
                    if !step.var_refs.contains(&r) {
                        step.var_refs.push(r);
                    }
                }
                let mut v = st.shell.clone();
                v.push(text.clone());
                v
            }
        };
        let mut mounts = Vec::new();
        let mut mount_stages = Vec::new();
        for flag in ins.flags.iter().filter(|f| f.name == "mount") {
            let Some(value) = flag.value.as_deref() else {
                continue;
            };
            let expanded = x(value, step)?;
            let m = parse_mount(&expanded).map_err(|e| {
                let span = flag.value_span.unwrap_or(flag.span);
                let expected = match e {
                    MountError::UnknownType(_) => "a mount type: bind, cache, tmpfs, secret or ssh",
                    MountError::UnknownKey(_) => {
                        "type, from, source, target, readonly, readwrite, id, sharing, mode, uid, gid, required or size"
                    }
                };
                let err = ModelError::invalid(self.df, ParseErrorKind::BadMount, e.to_string(), span);
                err.expecting(expected)
            })?;
            let from_stage = match m.from.as_deref() {
                Some(f) => self.stage_ref(f),
                None => None,
            };
            mount_stages.push(from_stage);
            mounts.push(m);
        }
        let network = match ins.flag("network").and_then(|f| f.value.as_deref()) {
            Some(v) => Some(x(v, step)?),
            None => None,
        };
        let security = match ins.flag("security").and_then(|f| f.value.as_deref()) {
            Some(v) => Some(x(v, step)?),
            None => None,
        };
        Ok(RunOp {
            argv,
            heredocs: ins.heredocs.iter().map(|h| h.content.clone()).collect(),
            env: st.env.shared(),
            cwd: st.cwd.clone(),
            user: st.user.clone(),
            network,
            security,
            mounts,
            mount_stages,
        })
    }

    fn copy_op(
        &self,
        ins: &Instruction,
        st: &StageState,
        step: &mut Step,
        x: &mut dyn FnMut(&str, &mut Step) -> Result<String, ModelError>,
    ) -> Result<CopyOp, ModelError> {
        let add = ins.keyword == Keyword::Add;
        let words = ins.words();
        let (dest_raw, src_words) = match words.split_last() {
            Some((d, s)) => (d.clone(), s.to_vec()),
            None => (String::new(), Vec::new()),
        };
        let from = ins.flag("from");
        let source = match from.and_then(|f| f.value.as_deref()) {
            None => CopySource::Context,
            Some(f) => {
                let meta = |n: &str| self.meta_value(n);
                let name = self.expand_with(ins, f, &meta)?.value;
                match self.stage_ref(&name) {
                    Some(s) => CopySource::Stage(s),
                    None if name.parse::<usize>().is_ok() => {
                        let span = from.and_then(|f| f.value_span).unwrap_or(ins.span);
                        return Err(ModelError::invalid(
                            self.df,
                            ParseErrorKind::BadFlagValue,
                            format!("--from={name} does not name an earlier stage"),
                            span,
                        ));
                    }
                    None => CopySource::Image(name),
                }
            }
        };
        let mut srcs = Vec::new();
        for w in &src_words {
            let name = crate::syntax::heredoc::opener_name(w);
            let heredoc = ins
                .heredocs
                .iter()
                .find(|h| name.as_deref() == Some(h.name.as_str()));
            if let Some(h) = heredoc {
                // BuildKit expands an unquoted heredoc's body when it writes
                // the file: what the body names is read by this step.
                if h.expand {
                    for r in shell_var_refs(&h.content) {
                        if !step.var_refs.contains(&r) {
                            step.var_refs.push(r);
                        }
                    }
                }
                srcs.push(CopySrc {
                    raw: w.clone(),
                    path: h.name.clone(),
                    basename: h.name.clone(),
                    wildcard: false,
                    inline: Some(h.content.clone()),
                    remote: None,
                });
                continue;
            }
            let value = x(w, step)?;
            let remote = (add && is_remote(&value)).then(|| value.clone());
            srcs.push(CopySrc {
                path: if remote.is_some() {
                    value.clone()
                } else {
                    context_relative(&value)
                },
                basename: base_name(&value),
                wildcard: remote.is_none() && has_wildcard(&value),
                raw: value,
                inline: None,
                remote,
            });
        }
        let dest_value = x(&dest_raw, step)?;
        let mut dest = join_abs(&st.cwd, &dest_value);
        if (dest_value.ends_with('/') || dest_value == "." || dest_value.ends_with("/."))
            && dest != "/"
        {
            dest.push('/');
        }
        let flag = |name: &str| ins.flag(name).and_then(|f| f.value.clone());
        let boolean = |name: &str| {
            ins.flag(name).is_some_and(|f| {
                f.value
                    .as_deref()
                    .is_none_or(|v| v.eq_ignore_ascii_case("true"))
            })
        };
        let chown = match flag("chown") {
            Some(v) => Some(x(&v, step)?),
            None => None,
        };
        let chmod = match flag("chmod") {
            Some(v) => {
                let earlier = std::mem::take(&mut step.unresolved);
                let failures = self.expand_failures.borrow().len();
                let mode = x(&v, step)?;
                // A variable this build leaves unset (its value comes from
                // `--build-arg`) or a word the lexer cannot read: not judged.
                let judged =
                    step.unresolved.is_empty() && self.expand_failures.borrow().len() == failures;
                for u in earlier.into_iter().rev() {
                    if !step.unresolved.contains(&u) {
                        step.unresolved.insert(0, u);
                    }
                }
                // BuildKit reads the mode when it builds the instruction: a
                // value it cannot read fails the build there (Dockerfile
                // frontend 1.10 on; before, BuildKit ignored it silently and
                // the files kept their mode: Docker 20.10 here does).
                if judged && !chmod_is_valid(&mode) {
                    let span = ins
                        .flag("chmod")
                        .and_then(|f| f.value_span)
                        .unwrap_or(ins.span);
                    return Err(ModelError::invalid(
                        self.df,
                        ParseErrorKind::BadFlagValue,
                        format!("invalid chmod parameter: '{mode}'"),
                        span,
                    )
                    .expecting(
                        "an octal mode from 0 to 7777, or a symbolic one such as u+x,go-w",
                    ));
                }
                Some(mode)
            }
            None => None,
        };
        Ok(CopyOp {
            add,
            source,
            srcs,
            dest,
            chown,
            chmod,
            link: boolean("link"),
            parents: boolean("parents"),
            exclude: ins.flag_values("exclude").map(str::to_string).collect(),
            checksum: flag("checksum"),
            keep_git_dir: boolean("keep-git-dir"),
            unpack: flag("unpack"),
        })
    }
}

/// Whether BuildKit takes `mode` for `--chmod`: octal up to 07777, or (with
/// the `dfchmodnonoctal` feature of newer frontends; accepted here so that
/// no file is rejected that some BuildKit builds) a symbolic mode as chmod(1)
/// writes it, clauses of
/// `[ugoa]*` then one or more `[-+=]` each followed by `[rwxXst]*` or one of
/// `u`, `g`, `o`, joined by commas.
pub fn chmod_is_valid(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return u32::from_str_radix(mode, 8).is_ok_and(|m| m <= 0o7777);
    }
    !mode.is_empty()
        && mode.split(',').all(|clause| {
            let ops = clause.trim_start_matches(['u', 'g', 'o', 'a']);
            let mut rest = ops;
            if rest.is_empty() {
                return false;
            }
            while let Some(r) = rest.strip_prefix(['+', '-', '=']) {
                let perms = r.trim_start_matches(['r', 'w', 'x', 'X', 's', 't']);
                rest = if perms.len() == r.len() {
                    r.strip_prefix(['u', 'g', 'o']).unwrap_or(r)
                } else {
                    perms
                };
            }
            rest.is_empty()
        })
}

fn is_remote(src: &str) -> bool {
    src.starts_with("http://")
        || src.starts_with("https://")
        || src.starts_with("git@")
        || src.starts_with("git://")
        || src.contains(".git#")
        || src.ends_with(".git")
}

/// `ENV`/`LABEL` key-value pairs as BuildKit's `parseNameVal` splits them,
/// including the legacy `ENV key value with spaces` form.
pub fn name_values(text: &str, escape: char) -> Vec<(String, String)> {
    let words = parse_words(text, escape);
    match words.first() {
        None => Vec::new(),
        Some((first, _, _)) if !first.contains('=') => {
            let parts = split_whitespace(text);
            match parts.first() {
                Some(&(k, _)) => {
                    let rest =
                        text[k.len()..].trim_start_matches(crate::syntax::words::is_separator);
                    vec![(k.to_string(), rest.to_string())]
                }
                None => Vec::new(),
            }
        }
        Some(_) => words
            .into_iter()
            .filter_map(|(w, _, _)| {
                w.split_once('=')
                    .map(|(k, v)| (k.to_string(), v.to_string()))
            })
            .collect(),
    }
}

/// `$NAME` and `${NAME…}` references in a shell command (the shell expands
/// them at run time, so the text stays as written in the key).
fn shell_var_refs(text: &str) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'$' {
            let start = if bytes.get(i + 1) == Some(&b'{') {
                i + 2
            } else {
                i + 1
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end > start && !bytes[start].is_ascii_digit() {
                let name = text[start..end].to_string();
                if !out.contains(&name) {
                    out.push(name);
                }
            }
            i = end.max(i + 1);
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn model(src: &str, args: &[(&str, &str)], target: Option<&str>) -> Model {
        let df = parse(src).unwrap_or_else(|e| panic!("{}", e.render("Dockerfile", src)));
        let opts = BuildOptions {
            build_args: args
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            target: target.map(str::to_string),
            ..Default::default()
        };
        build(&df, &opts).unwrap_or_else(|e| panic!("{e}"))
    }

    /// BuildKit's own cases (`64a`, `10000` fail: "invalid chmod parameter")
    /// and symbolic modes, which newer frontends accept.
    #[test]
    fn chmod_values_as_buildkit_reads_them() {
        for ok in [
            "644",
            "0755",
            "7777",
            "0",
            "u+x",
            "a+rX,go-w",
            "u=rwx,g=rx,o=",
            "g=u",
            "+x",
        ] {
            assert!(chmod_is_valid(ok), "{ok}");
        }
        for bad in [
            "999", "64a", "10000", "", "u", "x+", "u+q", "a+rX,", "07777 ",
        ] {
            assert!(!chmod_is_valid(bad), "{bad}");
        }
        let src = "FROM alpine\nCOPY --chmod=999 a /b\n";
        let df = parse(src).unwrap();
        let e = build(&df, &BuildOptions::default()).unwrap_err();
        let shown = e.render("Dockerfile", src);
        assert!(shown.contains("Dockerfile:2:14"), "{shown}");
        assert!(shown.contains("invalid chmod parameter: '999'"), "{shown}");
        // A variable this build leaves unset is not judged (its value comes
        // from the command line); one it sets is.
        let src = "FROM alpine\nARG M\nCOPY --chmod=$M a /b\n";
        assert!(build(&parse(src).unwrap(), &BuildOptions::default()).is_ok());
        let src = "FROM alpine\nARG M=999\nCOPY --chmod=$M a /b\n";
        assert!(build(&parse(src).unwrap(), &BuildOptions::default()).is_err());
        let ok = BuildOptions {
            build_args: [("M".to_string(), "0644".to_string())]
                .into_iter()
                .collect(),
            ..Default::default()
        };
        assert!(build(&parse(src).unwrap(), &ok).is_ok());
    }

    fn run(m: &Model, n: usize) -> RunOp {
        m.steps
            .iter()
            .filter_map(|s| match &s.op {
                Some(Op::Run(r)) => Some(r.clone()),
                _ => None,
            })
            .nth(n)
            .unwrap_or_else(|| panic!("no RUN #{n}"))
    }

    #[test]
    fn stages_and_bases() {
        let m = model(
            "ARG BASE=alpine:3\nFROM $BASE AS build\nRUN make\nFROM build AS test\nFROM scratch\nCOPY --from=build /out /out\n",
            &[],
            None,
        );
        assert_eq!(m.stages.len(), 3);
        assert!(matches!(&m.stages[0].base, Base::Image(i) if i == "alpine:3"));
        assert!(matches!(m.stages[1].base, Base::Stage(0)));
        assert!(matches!(m.stages[2].base, Base::Scratch));
        assert_eq!(m.target, 2);
        assert_eq!(m.reachable(), vec![true, false, true]);
    }

    #[test]
    fn arg_scoping() {
        let src = "ARG G=1\nFROM a\nRUN echo one\nARG G\nARG L=x\nRUN echo two\n";
        let m = model(src, &[], None);
        assert!(
            run(&m, 0).env.is_empty(),
            "a global ARG is not in a stage's env"
        );
        assert_eq!(
            run(&m, 1).env.to_vec(),
            vec![("G".into(), "1".into()), ("L".into(), "x".into())]
        );
        let m = model(src, &[("G", "2"), ("L", "y"), ("UNDECLARED", "z")], None);
        assert_eq!(
            run(&m, 1).env.to_vec(),
            vec![("G".into(), "2".into()), ("L".into(), "y".into())]
        );
    }

    #[test]
    fn env_order_and_expansion() {
        let m = model(
            "FROM a\nENV D=/app\nWORKDIR $D\nENV abc=hello\nENV abc=bye def=$abc\nCOPY a.txt ${D}/\nRUN echo $def\n",
            &[],
            None,
        );
        let r = run(&m, 0);
        assert_eq!(r.cwd, "/app");
        assert_eq!(r.env.last(), Some(&("def".into(), "hello".into())));
        let copy = m.steps.iter().find_map(|s| match &s.op {
            Some(Op::Copy(c)) => Some(c.clone()),
            _ => None,
        });
        assert_eq!(copy.map(|c| c.dest), Some("/app/".to_string()));
    }

    #[test]
    fn copy_sources_and_from() {
        let m = model(
            "FROM a AS b\nFROM a\nWORKDIR /w\nCOPY --from=b ./dir1/a.txt *.md rel/\nCOPY --from=0 /x /y\nADD https://e.com/f.tgz /z\n",
            &[],
            None,
        );
        let copies: Vec<CopyOp> = m
            .steps
            .iter()
            .filter_map(|s| match &s.op {
                Some(Op::Copy(c)) => Some(c.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(copies[0].source, CopySource::Stage(0));
        assert_eq!(copies[0].srcs[0].path, "dir1/a.txt");
        assert_eq!(copies[0].srcs[0].basename, "a.txt");
        assert!(copies[0].srcs[1].wildcard);
        assert_eq!(copies[0].dest, "/w/rel/");
        assert_eq!(copies[1].source, CopySource::Stage(0));
        assert!(copies[2].srcs[0].remote.is_some());
    }

    #[test]
    fn workdir_root_has_no_op_and_target_selects() {
        let m = model(
            "FROM a AS one\nWORKDIR /\nFROM a AS two\nRUN x\n",
            &[],
            Some("one"),
        );
        assert!(m.steps[0].op.is_none());
        assert_eq!(m.target, 0);
        assert_eq!(m.reachable(), vec![true, false]);
        let df = parse("FROM a AS one\n").unwrap_or_else(|e| panic!("{e}"));
        let e = build(
            &df,
            &BuildOptions {
                target: Some("nope".into()),
                ..Default::default()
            },
        );
        assert!(matches!(e, Err(ModelError::UnknownTarget { .. })));
    }

    #[test]
    fn unsupported_substitutions_are_kept_with_a_warning() {
        let df = parse("FROM base:${templateOption:imageVariant}\nRUN x\n")
            .unwrap_or_else(|e| panic!("{e}"));
        let m = build(&df, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(
            matches!(&m.stages[0].base, Base::Image(i) if i == "base:${templateOption:imageVariant}")
        );
        assert!(
            m.warnings[0].contains("unsupported modifier `i`"),
            "{:?}",
            m.warnings
        );
    }

    #[test]
    fn config_follows_instructions() {
        let m = model(
            "FROM a\nENV FLASK_APP=manage.py\nEXPOSE 5555\nENTRYPOINT [\"./e.sh\"]\nCMD gunicorn x\nLABEL a=b\nUSER app\n",
            &[],
            None,
        );
        let c = &m.stages[0].config;
        assert_eq!(c.exposed_ports, ["5555/tcp"]);
        assert_eq!(c.entrypoint.as_deref(), Some(&["./e.sh".to_string()][..]));
        assert_eq!(c.cmd.as_ref().map(|v| v.len()), Some(3));
        assert_eq!(c.user.as_deref(), Some("app"));
        assert_eq!(
            c.env,
            vec![("FLASK_APP".to_string(), "manage.py".to_string())]
        );
    }

    /// Ports as Docker 20.10 puts them in the image config (checked with
    /// `docker inspect`): ranges one port each, protocol lower-cased, an
    /// unquoted variable split into words; a port from a build argument the
    /// file does not set is kept as written.
    #[test]
    fn exposed_ports_as_buildkit_records_them() {
        let m = model(
            "FROM a\nARG P=\"81 82\"\nARG Q\nEXPOSE 8000-8002/UDP 080 $P ${Q} ${Q}/udp 80\n",
            &[],
            None,
        );
        assert_eq!(
            m.stages[0].config.exposed_ports,
            [
                "8000/udp", "8001/udp", "8002/udp", "80/tcp", "81/tcp", "82/tcp", "${Q}",
                "${Q}/udp"
            ]
        );
    }
}
