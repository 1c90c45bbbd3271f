//! The LLB ops BuildKit emits for RUN, COPY/ADD and WORKDIR, with every
//! parameter that enters their cache key, already expanded.

use super::mount::Mount;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum Op {
    Run(RunOp),
    Copy(CopyOp),
    Workdir(WorkdirOp),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RunOp {
    /// Shell form: the shell then the command text as written (not expanded);
    /// exec form: the JSON elements.
    pub argv: Vec<String>,
    /// Heredoc bodies the command reads (their text is in the key).
    pub heredocs: Vec<String>,
    /// Shared with the stage's env list and the other steps (no copy per step).
    pub env: super::env::Entries,
    pub cwd: String,
    pub user: String,
    pub network: Option<String>,
    pub security: Option<String>,
    pub mounts: Vec<Mount>,
    /// For each mount, the stage it reads from (`from=<stage>`), if any.
    pub mount_stages: Vec<Option<usize>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "value", rename_all = "kebab-case")]
pub enum CopySource {
    Context,
    Stage(usize),
    /// `--from=<image>` naming an image that is not a stage.
    Image(String),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopySrc {
    /// As written after expansion.
    pub raw: String,
    /// Cleaned and relative to the source's root ("" is the root).
    pub path: String,
    /// The base name: BuildKit keeps only it in the op, the path goes to
    /// the selector, so renaming the file changes the key.
    pub basename: String,
    pub wildcard: bool,
    /// Heredoc body for `COPY <<EOF`.
    pub inline: Option<String>,
    /// A URL for `ADD http(s)://…` or a git source.
    pub remote: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CopyOp {
    pub add: bool,
    pub source: CopySource,
    pub srcs: Vec<CopySrc>,
    /// Absolute, resolved against the cwd; a trailing `/` kept.
    pub dest: String,
    pub chown: Option<String>,
    pub chmod: Option<String>,
    pub link: bool,
    pub parents: bool,
    pub exclude: Vec<String>,
    pub checksum: Option<String>,
    pub keep_git_dir: bool,
    pub unpack: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WorkdirOp {
    pub path: String,
    pub user: String,
}
