//! What a Dockerfile rule sees: the tree, the model, the measured build
//! context, parsed RUN scripts, and the cache simulator.

use super::shell::{self, Cmd};
use super::{Finding, Rule};
use crate::cache::{self, BuildInput, Simulation};
use crate::context::{ContextError, ContextTree, DockerIgnore};
use crate::model::{self, Base, BuildOptions, Model, Op, Step};
use crate::syntax::{Dockerfile, Instruction, Keyword, Position, Span};
use std::path::{Path, PathBuf};

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
    /// Reads `root` once, without filtering, and derives the filtered view
    /// with the ignore file BuildKit would use for `dockerfile`.
    pub fn load(root: &Path, dockerfile: &Path) -> Result<ContextInfo, ContextError> {
        let unfiltered = ContextTree::load_unfiltered(root)?;
        let rel = dockerfile
            .canonicalize()
            .ok()
            .zip(root.canonicalize().ok())
            .and_then(|(d, r)| d.strip_prefix(&r).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| PathBuf::from("Dockerfile"));
        let mut candidates = vec![PathBuf::from(format!("{}.dockerignore", rel.display()))];
        candidates.push(PathBuf::from(".dockerignore"));
        for c in candidates {
            if let Ok(text) = std::fs::read_to_string(root.join(&c)) {
                if let Ok(ig) = DockerIgnore::parse(&text) {
                    let filtered = unfiltered.with_ignore(&ig, &text);
                    return Ok(ContextInfo {
                        root: root.to_path_buf(),
                        unfiltered,
                        filtered,
                        ignore_file: Some(c.display().to_string()),
                    });
                }
            }
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

pub struct DockerfileCtx<'a> {
    pub path: &'a str,
    pub df: &'a Dockerfile,
    pub model: &'a Model,
    pub context: Option<&'a ContextInfo>,
    /// Stages whose layers end up in the built image (the target and its FROM chain).
    pub shipped: Vec<bool>,
    scripts: Vec<Option<Vec<Cmd>>>,
}

impl<'a> DockerfileCtx<'a> {
    pub fn new(
        path: &'a str,
        df: &'a Dockerfile,
        model: &'a Model,
        context: Option<&'a ContextInfo>,
    ) -> Self {
        let mut shipped = vec![false; model.stages.len()];
        let mut s = Some(model.target);
        while let Some(i) = s {
            if i >= shipped.len() || shipped[i] {
                break;
            }
            shipped[i] = true;
            s = match model.stages[i].base {
                Base::Stage(b) => Some(b),
                _ => None,
            };
        }
        let scripts = df
            .instructions
            .iter()
            .map(|ins| (ins.keyword == Keyword::Run).then(|| shell::commands(&run_script(ins))))
            .collect();
        DockerfileCtx {
            path,
            df,
            model,
            context,
            shipped,
            scripts,
        }
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

    /// The parsed commands of a RUN (shell text plus heredoc bodies).
    pub fn cmds(&self, instruction: usize) -> &[Cmd] {
        self.scripts
            .get(instruction)
            .and_then(|s| s.as_deref())
            .unwrap_or(&[])
    }

    /// Every RUN step: the step, its instruction and commands.
    pub fn runs(&self) -> impl Iterator<Item = (&'a Step, &'a Instruction, &[Cmd])> + '_ {
        self.model
            .steps
            .iter()
            .filter(|s| s.keyword == Keyword::Run)
            .map(move |s| (s, self.ins(s.instruction), self.cmds(s.instruction)))
    }

    /// RUN steps of stages that end up in the image.
    pub fn shipped_runs(&self) -> impl Iterator<Item = (&'a Step, &'a Instruction, &[Cmd])> + '_ {
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

    /// Env the step runs with (`ENV` and `ARG` values in effect).
    pub fn env_of(&self, step: &Step) -> Vec<(String, String)> {
        match &step.op {
            Some(Op::Run(r)) => r.env.to_vec(),
            _ => Vec::new(),
        }
    }

    /// Runs the cache simulator for `p` against this file; `None` when the
    /// model cannot be rebuilt for it.
    pub fn simulate(&self, p: Perturb) -> Option<Simulation> {
        let tree = match self.context {
            Some(c) => c.filtered.clone(),
            None => empty_tree()?,
        };
        let input = |model: Model, context: ContextTree| BuildInput {
            name: self.path.to_string(),
            dockerfile: self.df.clone(),
            model,
            context,
            moved_images: Vec::new(),
        };
        let (before, after) = match p {
            Perturb::Edit(path) => {
                let (changed, _) = tree.with_changed(&[path]);
                (
                    input(self.model.clone(), tree),
                    input(self.model.clone(), changed),
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
                    input(self.model.clone(), tree.clone()),
                    input(changed, tree),
                )
            }
        };
        Some(cache::simulate(&before, &after))
    }

    /// A source file (not a manifest) a broad COPY would send: the file a
    /// "one-line source edit" touches.
    pub fn sample_source_file(&self) -> String {
        self.context
            .and_then(|c| pick_source_file(&c.filtered))
            .unwrap_or_else(|| "src/app.code".to_string())
    }
}

/// Shell text plus heredoc bodies.
pub fn run_script(ins: &Instruction) -> String {
    let mut s = match &ins.arguments {
        crate::syntax::Arguments::Shell { text, .. } => text.clone(),
        crate::syntax::Arguments::Exec { elements, .. } => {
            // `["sh", "-c", "script"]`: the script is the last element
            let v: Vec<&str> = elements.iter().map(|e| e.value.as_str()).collect();
            match v.as_slice() {
                [sh, "-c", script, ..] if sh.ends_with("sh") => script.to_string(),
                _ => v.join(" "),
            }
        }
    };
    for h in &ins.heredocs {
        s.push('\n');
        s.push_str(&h.content);
    }
    s
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

/// Files whose edit should not reinstall dependencies.
pub const MANIFESTS: &[&str] = &[
    "requirements.txt",
    "pyproject.toml",
    "poetry.lock",
    "Pipfile",
    "Pipfile.lock",
    "uv.lock",
    "setup.py",
    "setup.cfg",
    "package.json",
    "package-lock.json",
    "yarn.lock",
    "pnpm-lock.yaml",
    "pnpm-workspace.yaml",
    "go.mod",
    "go.sum",
    "Gemfile",
    "Gemfile.lock",
    "composer.json",
    "composer.lock",
    "pom.xml",
    "build.gradle",
    "build.gradle.kts",
    "settings.gradle",
    "settings.gradle.kts",
    "gradle.properties",
    "Cargo.toml",
    "Cargo.lock",
];

pub fn is_manifest(path: &str) -> bool {
    let base = path.rsplit('/').next().unwrap_or(path);
    MANIFESTS.contains(&base)
        || (base.starts_with("requirements") && base.ends_with(".txt"))
        || base.ends_with(".csproj")
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
