//! Flag definitions.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "dockopt",
    version,
    about = "A build-cache-aware Dockerfile optimizer",
    long_about = "Parses Dockerfiles losslessly, builds their dependency graph, simulates BuildKit's build cache for a change, and rewrites them to rebuild less."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Show the instructions with spans, keyword, flags, arguments and stage.
    Parse(ParseArgs),
    /// Show the dependency graph: stages, steps and typed edges.
    Graph(GraphArgs),
    /// Predict which steps BuildKit takes from cache after a change, and why.
    Simulate(SimulateArgs),
    /// Record the context digests and Dockerfile of this build, for a later `simulate --before-snapshot`.
    Snapshot(SnapshotArgs),
    /// Find cache, size, security and correctness problems in Dockerfiles and compose files.
    Check(super::check::CheckArgs),
    /// Explain a rule (`dockopt rule DO101`) or list them all (`--list`).
    Rule(super::rule::RuleArgs),
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SimFormat {
    Text,
    Json,
}

/// Where the build is and what changed; shared by simulate and estimate.
#[derive(clap::Args, Clone)]
pub struct ChangeArgs {
    /// The Dockerfile (default: <context>/Dockerfile; with --before/--after, relative to each DIR).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The build context (default: the Dockerfile's directory, else `.`).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Build this stage (default: the last).
    #[arg(long)]
    pub target: Option<String>,
    /// These context paths' contents changed.
    #[arg(long, num_args = 1.., value_name = "PATH", conflicts_with_all = ["before", "git", "before_snapshot"])]
    pub changed: Vec<String>,
    /// The first build's full context (with its Dockerfile).
    #[arg(long, value_name = "DIR", requires = "after", conflicts_with_all = ["git", "before_snapshot"])]
    pub before: Option<PathBuf>,
    /// The second build's full context (with its Dockerfile).
    #[arg(long, value_name = "DIR", requires = "before")]
    pub after: Option<PathBuf>,
    /// REV1..REV2 of the repository holding the context (REV1.. : up to the working tree).
    #[arg(long, value_name = "REV1..REV2", conflicts_with = "before_snapshot")]
    pub git: Option<String>,
    /// A `dockopt snapshot` of the first build; the second is the current context.
    #[arg(long, value_name = "FILE")]
    pub before_snapshot: Option<PathBuf>,
    /// `K=V` for both builds.
    #[arg(long = "build-arg", value_name = "K=V")]
    pub build_args: Vec<String>,
    /// `K=V` for the second build only.
    #[arg(long = "after-build-arg", value_name = "K=V")]
    pub after_build_args: Vec<String>,
    /// This base image moved to a new digest before the second build.
    #[arg(long = "base-changed", value_name = "IMAGE")]
    pub base_changed: Vec<String>,
}

#[derive(clap::Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SimFormat,
}

#[derive(clap::Args)]
pub struct SnapshotArgs {
    /// The Dockerfile (default: <context>/Dockerfile).
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The build context (default: the Dockerfile's directory, else `.`).
    #[arg(long)]
    pub context: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum ParseFormat {
    Text,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GraphFormat {
    Dot,
    Json,
    Mermaid,
}

#[derive(clap::Args)]
pub struct ParseArgs {
    /// Dockerfiles or directories to search; `-` reads stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: ParseFormat,
}

#[derive(clap::Args)]
pub struct GraphArgs {
    /// Dockerfiles or directories to search; `-` reads stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Build this stage (default: the last); only what it needs is marked built.
    #[arg(long)]
    pub target: Option<String>,
    /// `K=V`, as `docker build --build-arg`.
    #[arg(long = "build-arg", value_name = "K=V")]
    pub build_args: Vec<String>,
    #[arg(long, value_enum, default_value = "dot")]
    pub format: GraphFormat,
}
