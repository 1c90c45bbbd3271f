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
    /// Estimate the time and bytes a change (or each of the last N commits) takes to rebuild.
    Estimate(EstimateArgs),
    /// Record step timings from a build log into a cost profile.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Rewrite Dockerfiles to rebuild less: safe fixes keep the image identical.
    Fix(FixArgs),
    /// Split a single-stage Dockerfile into a builder and a lean runtime stage (an unsafe fix: the image changes).
    Multistage(MultistageArgs),
    /// Find cache, size, security and correctness problems in Dockerfiles and compose files.
    Check(super::check::CheckArgs),
    /// Explain a rule (`dockopt rule DO101`) or list them all (`--list`).
    Rule(super::rule::RuleArgs),
    /// Read the CI pipelines: the cache a fresh runner imports per build, and what a typical change re-runs there.
    Ci(super::ci::CiArgs),
}

#[derive(clap::Args)]
pub struct MultistageArgs {
    /// The Dockerfile.
    pub file: PathBuf,
    /// The build context (default: the Dockerfile's directory).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Run on this image instead of the known slim variant (e.g. scratch, a distroless image).
    #[arg(long = "runtime-base", value_name = "IMAGE")]
    pub runtime_base: Option<String>,
    /// Print a unified diff (default).
    #[arg(long, conflicts_with = "stdout")]
    pub diff: bool,
    /// Print the whole converted Dockerfile.
    #[arg(long)]
    pub stdout: bool,
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
    /// The config of base image IMAGE: FILE is `docker image inspect IMAGE` output (env, workdir, user, shell, ONBUILD triggers).
    #[arg(long = "image-config", value_name = "IMAGE=FILE")]
    pub image_configs: Vec<String>,
}

#[derive(clap::Args)]
pub struct SimulateArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    #[command(flatten)]
    pub source: CacheSourceArgs,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SimFormat,
}

/// Where the second build's cache comes from: the CI view.
#[derive(clap::Args, Default, Clone)]
pub struct CacheSourceArgs {
    /// The cache the build imports: none, local (default), inline, registry,mode=min|max,
    /// gha,mode=min|max[,scope=NAME], local-dir,mode=min|max.
    #[arg(long = "cache-source", value_name = "SOURCE", value_parser = parse_cache_source)]
    pub cache_source: Option<dockopt::cache::CacheSource>,
    /// The target the run that exported the cache built (default: --target).
    #[arg(long = "cache-target", value_name = "STAGE", requires = "cache_source")]
    pub cache_target: Option<String>,
}

fn parse_cache_source(s: &str) -> Result<dockopt::cache::CacheSource, String> {
    s.parse()
        .map_err(|e: dockopt::cache::SourceError| e.to_string())
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

#[derive(clap::Args)]
pub struct EstimateArgs {
    #[command(flatten)]
    pub change: ChangeArgs,
    #[command(flatten)]
    pub source: CacheSourceArgs,
    /// Step timings from a real build: `docker build --progress=plain` (or rawjson) output.
    /// Repeatable: logs of several builds of the same Dockerfile are combined, each step
    /// taking the fastest build's time (load only adds time: one build on a loaded machine can
    /// take several times its quiet time).
    #[arg(long, value_name = "FILE")]
    pub log: Vec<PathBuf>,
    /// A cost profile from `dockopt profile record` (default: <context>/.dockopt/profile.json if present).
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// Profiles (`dockopt profile record … -f Dockerfile`) of any earlier builds on this machine,
    /// possibly of other projects: their learned rates (seconds per package, per step class,
    /// per-build overhead) replace the default heuristic figures. Repeatable; pooled.
    #[arg(long, value_name = "PROFILE")]
    pub rates: Vec<PathBuf>,
    /// Size the packages the change adds (to a requirements file, package.json or a pip/npm
    /// install's command line) from their registries (PyPI JSON API, npm; wheel for the base image's Python, else sdist / npm's
    /// unpacked size), and cost each by its megabytes beyond an average package at the per-MB
    /// rate learned from pip's logged downloads (default 0.09 s per wheel MB). Answers are
    /// cached in $DOCKOPT_CACHE_DIR (default $XDG_CACHE_HOME/dockopt or ~/.cache/dockopt); a
    /// registry that does not answer within 3 s ($DOCKOPT_REGISTRY_TIMEOUT) leaves the package
    /// count alone, with a note. Base URLs: $DOCKOPT_PYPI_URL, $DOCKOPT_NPM_URL; proxies:
    /// $HTTPS_PROXY / $HTTP_PROXY / $ALL_PROXY, $NO_PROXY (as curl reads them). With
    /// --history, each commit's added packages are sized.
    #[arg(long)]
    pub registry: bool,
    /// Replay the last N commits touching the context (with --git REV1..REV2: that range; 0 = all of it).
    /// (Bounded so that an overflowing number is a usage error here, not a
    /// "not an integer" from git.)
    #[arg(long, value_name = "N", conflicts_with_all = ["changed", "before", "before_snapshot"],
          value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub history: Option<u32>,
    /// Another Dockerfile (e.g. from `dockopt fix`), evaluated on the same contexts; relative to the context, or absolute.
    #[arg(long, value_name = "DOCKERFILE")]
    pub compare: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: SimFormat,
}

#[derive(Subcommand)]
pub enum ProfileCommand {
    /// Read a build log and print a profile (JSON) to keep as .dockopt/profile.json.
    Record(ProfileRecordArgs),
}

#[derive(clap::Args)]
pub struct ProfileRecordArgs {
    /// `docker build --progress=plain` (or rawjson) output; several logs of builds of the same
    /// Dockerfile are combined, each step taking the fastest build's time.
    #[arg(required = true)]
    pub log: Vec<PathBuf>,
    /// The Dockerfile that was built: the log is checked against it and each step gets its line.
    #[arg(short = 'f', long = "file")]
    pub file: Option<PathBuf>,
    /// The build context (default: the Dockerfile's directory).
    #[arg(long)]
    pub context: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct FixArgs {
    /// Dockerfiles or directories to search; `-` reads stdin.
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// The build context (default: each Dockerfile's directory).
    #[arg(long)]
    pub context: Option<PathBuf>,
    /// Print a unified diff instead of writing; exit 1 if anything would change.
    #[arg(long, conflicts_with_all = ["stdout", "check"])]
    pub diff: bool,
    /// Print the fixed Dockerfile instead of writing.
    #[arg(long, conflicts_with = "check")]
    pub stdout: bool,
    /// Write nothing; exit 1 if anything would change.
    #[arg(long)]
    pub check: bool,
    /// Also apply fixes that change the image (smaller, different).
    #[arg(long)]
    pub unsafe_fixes: bool,
    /// Only these codes or prefixes (comma-separated), e.g. DO101,DO2.
    #[arg(long, value_name = "CODES")]
    pub select: Vec<String>,
    /// Skip these codes or prefixes (comma-separated).
    #[arg(long, value_name = "CODES")]
    pub ignore: Vec<String>,
    /// Use this config file instead of the nearest `.dockopt.toml` (as `check` does).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}
