//! What a Dockerfile rule sees: the tree, the model, the measured build
//! context, parsed RUN scripts, and the cache simulator.

use super::{Finding, Rule};
use crate::cache::{self, BuildInput, Simulation};
use crate::context::{ContextError, ContextTree};
use crate::model::{self, Base, BuildOptions, Model, Op, Step};
use crate::shell::{self, Invocation, Place, Script, Word};
use crate::syntax::{Dockerfile, Instruction, Keyword, Position, Span};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The build context, measured on disk.
#[derive(Debug, Clone)]
pub struct ContextInfo {
    pub root: PathBuf,
    /// Every file, as if there were no `.dockerignore`.
    pub unfiltered: ContextTree,
    /// What the build sees.
    pub filtered: ContextTree,
    /// The ignore file in effect (relative to the root), if any.
    pub ignore_file: Option<String>,
}

impl ContextInfo {
    /// [`ContextInfo::load`] for commands that can go on without a context:
    /// None when the root cannot be measured (rules and fixes that need it then
    /// stay silent or refuse), an error when the ignore file is unusable (a
    /// FIFO, too large, unreadable, a bad pattern): BuildKit fails that build,
    /// and going on without it would judge a context the build never sees.
    pub fn measure(root: &Path, dockerfile: &Path) -> Result<Option<ContextInfo>, ContextError> {
        match ContextInfo::load(root, dockerfile) {
            Ok(info) => Ok(Some(info)),
            Err(e @ (ContextError::Read(_) | ContextError::Ignore { .. })) => Err(e),
            Err(_) => Ok(None),
        }
    }

    /// Reads `root` once, without filtering, and derives the filtered view
    /// with the ignore file BuildKit would use for `dockerfile`.
    pub fn load(root: &Path, dockerfile: &Path) -> Result<ContextInfo, ContextError> {
        let unfiltered = ContextTree::load_unfiltered(root)?;
        // The ignore file is looked up as `load` does; a bad one is an error
        // (BuildKit fails the build), not a build without it.
        if let Some((src, ig)) = crate::context::read_ignore(root, Some(dockerfile))? {
            let shown = Path::new(&src.path);
            let rel = std::path::absolute(root)
                .ok()
                .and_then(|r| shown.strip_prefix(r).ok())
                .or_else(|| shown.strip_prefix(root).ok())
                .unwrap_or(shown);
            return Ok(ContextInfo {
                root: root.to_path_buf(),
                filtered: unfiltered.with_ignore(&ig, &src.text),
                unfiltered,
                ignore_file: Some(rel.display().to_string()),
            });
        }
        Ok(ContextInfo {
            root: root.to_path_buf(),
            filtered: unfiltered.clone(),
            unfiltered,
            ignore_file: None,
        })
    }
}

/// A change the simulator can try.
pub enum Perturb<'s> {
    /// A one-line edit of this context file.
    Edit(&'s str),
    /// New values for these build args, all at once.
    BuildArgs(&'s [&'s str]),
}

/// Stages whose layers end up in the built image: the target and its FROM chain.
pub fn shipped_stages(model: &Model) -> Vec<bool> {
    let mut shipped = vec![false; model.stages.len()];
    let mut s = Some(model.target);
    while let Some(i) = s {
        if i >= shipped.len() || shipped[i] {
            break;
        }
        shipped[i] = true;
        s = match model.stages.get(i).map(|st| &st.base) {
            Some(Base::Stage(b)) => Some(*b),
            _ => None,
        };
    }
    shipped
}

/// A folder of tests above the Dockerfile's own folder
/// (`test/telemetry/Dockerfile`): inside the repository (below the folder
/// holding `.git`), or, outside one, the folder above the Dockerfile's own
/// only. Test words alone: a checkout under `~/dev/` is no development image.
fn test_folder_above(file: &std::path::Path) -> Option<String> {
    const TEST_DIRS: &[&str] = &["test", "tests", "testing", "e2e"];
    let is_test = |d: &std::path::Path| {
        d.file_name()
            .map(|n| n.to_string_lossy().to_ascii_lowercase())
            .filter(|n| TEST_DIRS.contains(&n.as_str()))
    };
    let abs = file.canonicalize().ok();
    let root = abs
        .as_deref()
        .and_then(|a| a.ancestors().skip(1).find(|d| d.join(".git").exists()));
    match (abs.as_deref(), root) {
        (Some(a), Some(root)) => a
            .ancestors()
            .skip(2)
            .take_while(|d| d.starts_with(root) && *d != root)
            .find_map(is_test),
        _ => file.parent().and_then(|d| d.parent()).and_then(is_test),
    }
}

pub struct DockerfileCtx<'a> {
    pub path: &'a str,
    pub df: &'a Dockerfile,
    pub model: &'a Model,
    pub context: Option<&'a ContextInfo>,
    /// Stages whose layers end up in the built image (the target and its FROM chain).
    pub shipped: Vec<bool>,
    scripts: &'a Scripts,
    /// Each instruction's commands ([`Self::cmds`]), read from its scripts
    /// once for every rule that asks (a dozen rules read them; reading them
    /// per rule was a sixth of `check`'s time).
    cmds: Vec<std::sync::OnceLock<Vec<Cmd<'a>>>>,
    /// Simulations of a one-line edit, by edited path: rules ask for the
    /// same one per stage, and each simulates the whole file (rerunning it
    /// per stage made `check` quadratic in the number of stages × steps).
    edit_sims: std::sync::Mutex<std::collections::HashMap<String, Option<Arc<Simulation>>>>,
    /// Held while a whole build is simulated: on a long file the rules run
    /// on two threads, and two simulations at once (DO103's build-arg one
    /// beside DO101/DO102's edit) put two models and key sets in memory
    /// together (~100 MB at 100k instructions, past the 500 MB goal).
    simulating: std::sync::Mutex<()>,
    /// The context's source file a one-line edit touches, picked once
    /// (None: no context, or no source file in it).
    source_pick: std::sync::OnceLock<Option<String>>,
    /// [`Self::for_development`]'s answer: several rules ask, and it reads
    /// the disk (the folders above the file, compose files).
    development: std::sync::OnceLock<Option<String>>,
    /// Each model step's effects when the model's own memo has no answer
    /// (a model of another copy of the file), computed once per step;
    /// allocated only then: a slot per step of a 100k-line file is tens of
    /// megabytes.
    effects: std::sync::OnceLock<Vec<std::sync::OnceLock<crate::effects::Effects>>>,
    /// The file and model as the simulator holds them, copied once for
    /// every simulation of this context (not twice per simulation).
    shared: std::sync::OnceLock<(Arc<Dockerfile>, Arc<Model>)>,
}

/// The RUN scripts of one Dockerfile as rules read them, parsed once: each
/// RUN's script, then the scripts it feeds to a shell on stdin (`bash
/// <<EOF`); empty for other instructions and for a script that does not
/// parse or runs under a non-POSIX `SHELL` (unknown: no finding). Owned
/// apart from [`DockerfileCtx`] so that the context can keep the commands
/// it reads from them.
#[derive(Debug, Clone, Default)]
pub struct Scripts(Vec<Vec<Read>>);

impl Scripts {
    pub fn new(df: &Dockerfile, model: &Model) -> Scripts {
        let mut scripts: Vec<Vec<Read>> = vec![Vec::new(); df.instructions.len()];
        for step in model.steps.iter().filter(|s| s.keyword == Keyword::Run) {
            if let (Some(slot), Some(ins)) = (
                scripts.get_mut(step.instruction),
                df.instructions.get(step.instruction),
            ) {
                if let Some(read) = run_script(df, model, ins, Some(step)) {
                    let fed = fed_scripts(&read.script);
                    slot.push(read);
                    slot.extend(fed);
                }
            }
        }
        Scripts(scripts)
    }
}

/// A parsed script and the text its spans index (None: the Dockerfile source).
#[derive(Debug, Clone)]
struct Read {
    script: Arc<Script>,
    text: Option<String>,
}

/// One simple command of a RUN as rules read it: the invocation (wrappers
/// peeled) with its place in the script and its arguments as strings.
#[derive(Debug, Clone)]
pub struct Cmd<'a> {
    pub inv: Invocation<'a>,
    pub place: Place,
    /// Argument values, expansions as written (`${V}`).
    values: Vec<String>,
    /// Its words' spans index the Dockerfile (a RUN's own script), not a
    /// here-document's body or an exec-form string.
    in_source: bool,
}

impl<'a> std::ops::Deref for Cmd<'a> {
    type Target = Invocation<'a>;
    fn deref(&self) -> &Invocation<'a> {
        &self.inv
    }
}

impl<'a> Cmd<'a> {
    /// The program's base name (`/usr/bin/pip3` → `pip3`).
    pub fn program(&self) -> &str {
        &self.inv.program
    }

    /// Arguments after the program.
    pub fn args(&self) -> &[String] {
        &self.values
    }

    /// The first argument that is not an option (apt-get's `install`).
    pub fn subcommand(&self) -> Option<&str> {
        self.values
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str)
    }

    /// Arguments after the subcommand.
    pub fn after_subcommand(&self) -> &[String] {
        match self.values.iter().position(|a| !a.starts_with('-')) {
            Some(i) => &self.values[i + 1..],
            None => &[],
        }
    }

    /// pip's arguments after `install`, as strings.
    pub fn pip_install_args(&self) -> Option<Vec<String>> {
        self.inv.pip_install_args().map(shell::tools::lossy)
    }

    /// `prog` is one of `programs` and its subcommand one of `subs`.
    pub fn is(&self, programs: &[&str], subs: &[&str]) -> bool {
        self.inv.is_sub(programs, subs)
    }
}

/// The commands of a script, nested ones (`$(…)`, subshells) included;
/// `text` is what the script's spans index.
pub fn script_cmds<'s>(script: &'s Script, text: &str) -> Vec<Cmd<'s>> {
    cmds_of(script, text, false)
}

fn cmds_of<'s>(script: &'s Script, text: &str, in_source: bool) -> Vec<Cmd<'s>> {
    shell::commands(script)
        .into_iter()
        .filter_map(|(c, place)| {
            let inv = c.invocation()?;
            let values = inv.args.iter().map(|w| value(w, text)).collect();
            Some(Cmd {
                inv,
                place,
                values,
                in_source,
            })
        })
        .collect()
}

/// A word as a rule compares and quotes it: its value when literal; with an
/// expansion, as written (`$GOPATH/src`, quotes around it dropped), so a
/// message shows what the Dockerfile says and can be found in it.
fn value(w: &Word, text: &str) -> String {
    if let Some(v) = w.literal() {
        return v;
    }
    let raw = text.get(w.span.start..w.span.end).unwrap_or("");
    if raw.is_empty() {
        return w.lossy();
    }
    match w.parts.as_slice() {
        [shell::Part::Double(_)] => raw
            .strip_prefix('"')
            .and_then(|r| r.strip_suffix('"'))
            .unwrap_or(raw)
            .to_string(),
        _ => raw.to_string(),
    }
}

/// Here-documents a POSIX shell reads as its script (`bash <<EOF`, `sh -s <<EOF`):
/// their commands run too. Bodies that do not parse are left out (unknown).
fn fed_scripts(script: &Script) -> Vec<Read> {
    let mut out = Vec::new();
    for c in script.simple_commands() {
        let Some(inv) = c.invocation() else { continue };
        let reads_stdin = inv.lossy().iter().all(|a| a.starts_with('-') && a != "-c");
        if !shell::is_posix_shell(&[inv.program.clone(), "-c".into()]) || !reads_stdin {
            continue;
        }
        for r in &c.redirects {
            if matches!(r.op, shell::RedirOp::HereDoc { .. }) && r.fd.is_none_or(|fd| fd == 0) {
                if let Some(body) = r.heredoc.as_deref() {
                    if let Ok(script) = shell::parse(body, 0) {
                        out.push(Read {
                            script: Arc::new(script),
                            text: Some(body.to_string()),
                        });
                    }
                }
            }
        }
    }
    out
}

/// The script a RUN runs, when this model can read it: shell form under a
/// POSIX shell (heredoc bodies attached), or exec form (`sh -c` parsed).
fn run_script(
    df: &Dockerfile,
    model: &Model,
    ins: &Instruction,
    step: Option<&Step>,
) -> Option<Read> {
    let prefix: Option<&[String]> = match step.and_then(|s| s.op.as_ref()) {
        Some(Op::Run(r)) => r.argv.split_last().map(|(_, p)| p),
        _ => None,
    };
    match &ins.arguments {
        crate::syntax::Arguments::Shell { .. } => {
            if prefix.is_some_and(|p| !shell::is_posix_shell(p)) {
                return None;
            }
            let script = model.run_script(df, ins)?.ok()?;
            Some(Read { script, text: None })
        }
        crate::syntax::Arguments::Exec { elements, .. } => {
            let argv: Vec<String> = elements.iter().map(|e| e.value.clone()).collect();
            let script = shell::from_argv(&argv).ok()?;
            // `sh -c SCRIPT`: spans index the script string.
            let text = argv.last().cloned();
            Some(Read {
                script: Arc::new(script),
                text,
            })
        }
    }
}

impl<'a> DockerfileCtx<'a> {
    pub fn new(
        path: &'a str,
        df: &'a Dockerfile,
        model: &'a Model,
        scripts: &'a Scripts,
        context: Option<&'a ContextInfo>,
    ) -> Self {
        let shipped = shipped_stages(model);
        DockerfileCtx {
            path,
            df,
            model,
            context,
            shipped,
            scripts,
            cmds: (0..df.instructions.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
            edit_sims: Default::default(),
            simulating: Default::default(),
            source_pick: Default::default(),
            development: Default::default(),
            effects: std::sync::OnceLock::new(),
            shared: std::sync::OnceLock::new(),
        }
    }

    /// This context with its file and model as the caller already holds them
    /// shared: the simulator takes these instead of a copy of both (a copy
    /// of a long file's parse and model is hundreds of MB). Ignored unless
    /// they are this context's own `df` and `model`.
    pub fn sharing(self, df: &Arc<Dockerfile>, model: &Arc<Model>) -> Self {
        if std::ptr::eq(&**df, self.df) && std::ptr::eq(&**model, self.model) {
            let _ = self.shared.set((Arc::clone(df), Arc::clone(model)));
        }
        self
    }

    /// What a RUN step of this model reads and writes, as
    /// [`crate::effects::of_run`] says, computed once per step (None: not a
    /// RUN step of this model).
    pub fn run_effects(&self, step: &Step) -> Option<&crate::effects::Effects> {
        let Some(Op::Run(run)) = &step.op else {
            return None;
        };
        // The model's memo, shared with the fix functions that read the same
        // RUN; this context's own slots only for a model of another copy of
        // the file.
        if let Some(fx) = self.model.run_effects(self.df, step) {
            return Some(fx);
        }
        let at = self.model.step_index(step)?;
        let ins = self.df.instructions.get(step.instruction)?;
        Some(
            self.effects
                .get_or_init(|| {
                    (0..self.model.steps.len())
                        .map(|_| std::sync::OnceLock::new())
                        .collect()
                })
                .get(at)?
                .get_or_init(|| crate::effects::of_model_run(self.df, self.model, ins, run)),
        )
    }

    pub fn position(&self, offset: usize) -> Position {
        self.df.position(offset)
    }

    /// A finding covering `span`.
    pub fn finding(&self, rule: &Rule, span: Span, message: impl Into<String>) -> Finding {
        let mut f = Finding::new(
            rule,
            self.position(span.start),
            self.position(span.end),
            message,
        );
        f.span = Some(span);
        f
    }

    pub fn ins(&self, i: usize) -> &'a Instruction {
        &self.df.instructions[i]
    }

    /// The instruction's first physical line, from its keyword.
    pub fn head_span(&self, ins: &Instruction) -> Span {
        let text = ins.span.text(&self.df.source);
        let len = text.find(['\n', '\r']).unwrap_or(text.len());
        Span::new(ins.span.start, ins.span.start + len)
    }

    /// Where `needle` first appears in the instruction's text, else its first line.
    pub fn find_in(&self, ins: &Instruction, needle: &str) -> Span {
        self.find_opt(ins, needle)
            .unwrap_or_else(|| self.head_span(ins))
    }

    pub fn find_opt(&self, ins: &Instruction, needle: &str) -> Option<Span> {
        let text = ins.span.text(&self.df.source);
        text.find(needle)
            .map(|i| Span::new(ins.span.start + i, ins.span.start + i + needle.len()))
    }

    /// Where an argument of `c` spelled `text` is in the file: the `rm`'s
    /// own operand, not the first place the same text appears in the RUN.
    pub fn arg_span(&self, ins: &Instruction, c: &Cmd, text: &str) -> Option<Span> {
        if !c.in_source {
            return None;
        }
        let w = c.inv.args.iter().find(|w| w.lossy() == text)?;
        self.in_instruction(ins, w.span)
    }

    /// `span`, a span of the RUN's script, in the file: None when the
    /// script's text is not the Dockerfile's own (a here-document) or the
    /// span lies outside `ins`.
    pub fn script_span(&self, ins: &Instruction, instruction: usize, span: Span) -> Option<Span> {
        let own = self
            .scripts
            .0
            .get(instruction)
            .and_then(|s| s.first())
            .is_some_and(|r| r.text.is_none());
        own.then_some(())?;
        self.in_instruction(ins, span)
    }

    fn in_instruction(&self, ins: &Instruction, span: Span) -> Option<Span> {
        let src = &self.df.source;
        (ins.span.start <= span.start
            && span.start < span.end
            && span.end <= ins.span.end
            && src.is_char_boundary(span.start)
            && src.is_char_boundary(span.end))
        .then_some(span)
    }

    /// Where a command is in the file, from its program word to its first
    /// argument that is not an option when that is `sub` (`apt-get -y
    /// install`), after `skip` leading arguments (`python -m pip install`:
    /// 2). None when its words are not the Dockerfile's own (a here-document
    /// fed to a shell) or lie outside `ins`: finding the spelling in the
    /// text instead put a finding on an `apt-get install` quoted inside
    /// `sh -c "…"` while the fix changed `apt-get -y install` before it.
    pub fn subcommand_span(
        &self,
        ins: &Instruction,
        c: &Cmd,
        skip: usize,
        sub: &str,
    ) -> Option<Span> {
        if !c.in_source {
            return None;
        }
        let w = c
            .inv
            .args
            .get(skip..)?
            .iter()
            .find(|w| !w.lossy().starts_with('-'))?;
        let start = c.inv.program_word.span.start;
        let inside = ins.span.start <= start && start <= w.span.end && w.span.end <= ins.span.end;
        (w.lossy() == sub && inside && self.df.source.is_char_boundary(w.span.end))
            .then(|| Span::new(start, w.span.end))
    }

    /// A RUN's parsed script; None when it is not a RUN or cannot be read.
    pub fn script(&self, instruction: usize) -> Option<&'a Script> {
        self.scripts
            .0
            .get(instruction)
            .and_then(|s| s.first())
            .map(|r| &*r.script)
    }

    /// The commands of a RUN, nested ones and those of a here-document fed
    /// to a shell included; none when unreadable.
    pub fn cmds(&self, instruction: usize) -> &[Cmd<'a>] {
        let Some(slot) = self.cmds.get(instruction) else {
            return &[];
        };
        let (scripts, source): (&'a Scripts, &'a str) = (self.scripts, &self.df.source);
        slot.get_or_init(|| {
            scripts
                .0
                .get(instruction)
                .into_iter()
                .flatten()
                .flat_map(|r| match r.text.as_deref() {
                    Some(text) => cmds_of(&r.script, text, false),
                    None => cmds_of(&r.script, source, true),
                })
                .collect()
        })
    }

    /// Every RUN step: the step, its instruction and commands.
    pub fn runs(&self) -> impl Iterator<Item = (&'a Step, &'a Instruction, &[Cmd<'a>])> + '_ {
        self.model
            .steps
            .iter()
            .filter(|s| s.keyword == Keyword::Run)
            .map(move |s| (s, self.ins(s.instruction), self.cmds(s.instruction)))
    }

    /// Why the image this file builds ships nowhere, when its name says it is
    /// a development, test or CI image: the file (`Dockerfile.dev`,
    /// `.devcontainer/Dockerfile`, `Dockerfile.tests`, `.ci/Dockerfile.x`) or the stage it builds
    /// (`AS dev`, `AS test`: what `docker compose` builds with `target: dev`),
    /// or only compose services that bind-mount the source build it.
    pub fn for_development(&self) -> Option<String> {
        self.development
            .get_or_init(|| self.development_reason())
            .clone()
    }

    fn development_reason(&self) -> Option<String> {
        const WORDS: &[&str] = &[
            "dev",
            "devel",
            "develop",
            "development",
            "devcontainer",
            "test",
            "tests",
            "testing",
            "debug",
            // CI images (`Dockerfile.ci`, redash's `.ci/Dockerfile.cypress`)
            "ci",
            // CI-only stages (buildkit's hack/dockerfiles: `AS validate`)
            "validate",
            "validation",
            "lint",
        ];
        let marked = |name: &str| {
            name.to_ascii_lowercase()
                .split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| WORDS.contains(&w))
        };
        let p = std::path::Path::new(self.path);
        let file = p.file_name().map(|f| f.to_string_lossy().to_string());
        let parent = p
            .parent()
            .and_then(|d| d.file_name())
            .map(|f| f.to_string_lossy().to_string());
        if let Some(f) = file.filter(|f| marked(f)) {
            return Some(format!("`{f}` is a development or test image"));
        }
        if let Some(d) = parent.filter(|d| marked(d)) {
            return Some(format!("`{d}/` holds a development or test image"));
        }
        if let Some(d) = test_folder_above(p) {
            return Some(format!("`{d}/` holds test images"));
        }
        if let Some(name) = self
            .model
            .stages
            .get(self.model.target)
            .and_then(|t| t.name.as_deref())
            .filter(|n| marked(n))
        {
            return Some(format!(
                "the stage it builds, `{name}`, is a development or test image"
            ));
        }
        // A Dockerfile beside the main one (`data/infra/php.Dockerfile`) that
        // only compose services mounting the source over it build. The main
        // `Dockerfile` is what production builds too, whatever compose does.
        if p.file_name()? == "Dockerfile" {
            return None;
        }
        let services = self.compose_builds(crate::rules::compose::development_builds)?;
        Some(format!(
            "only compose service(s) {} build it, with the source bind-mounted: a development image",
            services.join(", ")
        ))
    }

    /// What `judge` finds in the compose files of this Dockerfile's folder
    /// or the three above it: the first answer, from the nearest folder.
    pub fn compose_builds(
        &self,
        judge: fn(&Path, &Path) -> Option<Vec<String>>,
    ) -> Option<Vec<String>> {
        let p = Path::new(self.path);
        let name = p.file_name()?;
        // `path` is the name shown to the user; the file is in the context's
        // root (`check` reads a Dockerfile's own directory as its context).
        // Compose files are the project's, not the build context's: they are
        // read under `--no-context` too.
        let abs = self
            .context
            .and_then(|ctx| ctx.root.join(name).canonicalize().ok())
            .or_else(|| p.canonicalize().ok())?;
        abs.ancestors()
            .skip(1)
            .take(4)
            .find_map(|dir| judge(dir, &abs))
    }

    /// The stages stage `si` is built on, itself first, through `FROM <stage>`.
    pub fn from_chain(&self, si: usize) -> Vec<usize> {
        let mut chain = Vec::new();
        let mut at = Some(si);
        while let Some(i) = at.filter(|i| !chain.contains(i)) {
            chain.push(i);
            at = match self.model.stages.get(i).map(|st| &st.base) {
                Some(crate::model::Base::Stage(b)) => Some(*b),
                _ => None,
            };
        }
        chain
    }

    /// The image stage `si` is ultimately built on, lowercased (None: scratch).
    pub fn root_image(&self, si: usize) -> Option<String> {
        let last = *self.from_chain(si).last()?;
        match &self.model.stages.get(last)?.base {
            crate::model::Base::Image(img) => Some(img.to_ascii_lowercase()),
            _ => None,
        }
    }

    /// Whether stage `si` runs on Alpine, whose `/bin/sh` is BusyBox ash and
    /// which has neither bash nor useradd: its image is `alpine` or an
    /// `-alpine` tag, or the stages it is built on `apk add`.
    pub fn on_alpine(&self, si: usize) -> bool {
        let chain = self.from_chain(si);
        if let Some(img) = self.root_image(si) {
            let last = img.rsplit('/').next().unwrap_or(&img);
            let name = last.split([':', '@']).next().unwrap_or(last);
            let tag = last
                .split('@')
                .next()
                .and_then(|t| t.split_once(':'))
                .map(|(_, t)| t)
                .unwrap_or("");
            if name == "alpine" || crate::multistage::images::is_alpine(tag) {
                return true;
            }
        }
        self.runs()
            .any(|(s, _, cmds)| chain.contains(&s.stage) && cmds.iter().any(|c| c.is_apk_add()))
    }

    /// RUN steps of stages that end up in the image.
    pub fn shipped_runs(
        &self,
    ) -> impl Iterator<Item = (&'a Step, &'a Instruction, &[Cmd<'a>])> + '_ {
        self.runs().filter(|(s, _, _)| self.shipped[s.stage])
    }

    /// The RUN mounts a cache (or bind, tmpfs) at a target under `dir`.
    pub fn mounts_over(&self, step: &Step, dir: &str) -> bool {
        match &step.op {
            Some(Op::Run(r)) => r.mounts.iter().any(|m| {
                m.target.as_deref().is_some_and(|t| {
                    t.trim_end_matches('/').starts_with(dir)
                        || dir.starts_with(t.trim_end_matches('/'))
                })
            }),
            _ => false,
        }
    }

    /// Env the step runs with (`ENV` and `ARG` values in effect), borrowed:
    /// a copy per RUN was 4% of `check` on 10k instructions.
    pub fn env_of<'s>(&self, step: &'s Step) -> Option<&'s crate::model::env::Entries> {
        match &step.op {
            Some(Op::Run(r)) => Some(&r.env),
            _ => None,
        }
    }

    /// Runs the cache simulator for `p` against this file; `None` when the
    /// model cannot be rebuilt for it.
    pub fn simulate(&self, p: Perturb) -> Option<Arc<Simulation>> {
        // One simulation at a time; a rule that waited here then finds the
        // edit another rule simulated meanwhile in the cache. The lock guards
        // no data: one poisoned by a panicking rule is still good.
        let _one_at_a_time = self
            .simulating
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Perturb::Edit(path) = p {
            let cached = self
                .edit_sims
                .lock()
                .ok()
                .and_then(|m| m.get(path).cloned());
            if let Some(done) = cached {
                return done;
            }
            let sim = self.simulate_uncached(p).map(Arc::new);
            if let Ok(mut m) = self.edit_sims.lock() {
                m.insert(path.to_string(), sim.clone());
            }
            return sim;
        }
        self.simulate_uncached(p).map(Arc::new)
    }

    fn simulate_uncached(&self, p: Perturb) -> Option<Simulation> {
        let tree = match self.context {
            Some(c) => c.filtered.clone(),
            None => empty_tree()?,
        };
        let (df, own) = self
            .shared
            .get_or_init(|| (Arc::new(self.df.clone()), Arc::new(self.model.clone())));
        let input = |model: Arc<Model>, context: ContextTree| BuildInput {
            name: self.path.to_string(),
            dockerfile: Arc::clone(df),
            model,
            context,
            moved_images: Vec::new(),
        };
        let (before, after) = match p {
            Perturb::Edit(path) => {
                let (changed, _) = tree.with_changed(&[path]);
                (
                    input(Arc::clone(own), tree),
                    input(Arc::clone(own), changed),
                )
            }
            Perturb::BuildArgs(names) => {
                let mut opts = BuildOptions::default();
                for name in names {
                    opts.build_args
                        .insert(name.to_string(), "dockopt-changed-value".to_string());
                }
                let changed = model::build(self.df, &opts).ok()?;
                (
                    input(Arc::clone(own), tree.clone()),
                    input(Arc::new(changed), tree),
                )
            }
        };
        // Rules read verdicts and lines only (see `cache::verdicts`).
        Some(cache::verdicts(&before, &after))
    }

    /// A source file (not a manifest) a broad COPY would send: the file a
    /// "one-line source edit" touches.
    pub fn sample_source_file(&self) -> String {
        self.picked_source().unwrap_or("src/app.code").to_string()
    }

    /// How a message names the file [`Self::sample_source_file`] edits: its
    /// path when the context gave it, else "a source file" (without a
    /// context the simulated path is made up, and naming it would mislead).
    pub fn edited_name(&self, edited: &str) -> String {
        match self.picked_source() {
            Some(_) => edited.to_string(),
            None => "a source file".to_string(),
        }
    }

    /// [`pick_source_file`] of the context, walked once per file.
    fn picked_source(&self) -> Option<&str> {
        self.source_pick
            .get_or_init(|| self.context.and_then(|c| pick_source_file(&c.filtered)))
            .as_deref()
    }
}

/// An empty context (for files checked without one), read once per process.
fn empty_tree() -> Option<ContextTree> {
    static EMPTY: std::sync::OnceLock<Option<ContextTree>> = std::sync::OnceLock::new();
    EMPTY
        .get_or_init(|| {
            let dir = tempfile::tempdir().ok()?;
            ContextTree::load_unfiltered(dir.path()).ok()
        })
        .clone()
}

/// Whether the path is a dependency manifest or lock file (the ecosystem table's).
pub fn is_manifest(path: &str) -> bool {
    crate::ecosystem::is_manifest(path)
}

fn pick_source_file(tree: &ContextTree) -> Option<String> {
    const EXT: &[&str] = &[
        ".py", ".js", ".ts", ".tsx", ".go", ".rs", ".rb", ".php", ".java", ".kt", ".cs", ".html",
        ".css", ".sh",
    ];
    let candidates: Vec<&str> = tree
        .entries()
        .filter(|(k, e)| !e.is_dir() && !k.is_empty())
        .map(|(k, _)| k)
        .filter(|k| !is_manifest(k) && !k.split('/').any(|c| c.starts_with('.')))
        .filter(|k| {
            let b = k.rsplit('/').next().unwrap_or(k);
            !crate::source::is_dockerfile_name(b)
                && !b.ends_with(".md")
                && !super::compose::is_compose_name(b)
        })
        .collect();
    EXT.iter()
        .find_map(|e| candidates.iter().find(|k| k.ends_with(e)))
        .or(candidates.first())
        .map(|s| s.to_string())
}

/// The image reference's tag (`None` when untagged), ignoring a registry port.
pub fn image_tag(reference: &str) -> Option<&str> {
    let no_digest = reference.split('@').next().unwrap_or(reference);
    let last = no_digest.rsplit('/').next().unwrap_or(no_digest);
    last.split_once(':').map(|(_, t)| t)
}

pub fn has_digest(reference: &str) -> bool {
    reference.contains("@sha256:")
}
