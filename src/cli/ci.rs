//! `dockopt ci [PATH]`: the CI builds of a repository, the cache a fresh runner
//! sees for each, and what a typical change re-runs there versus locally.

use super::Outcome;
use anyhow::Context as _;
use dockopt::ci::{self, analyze};
use dockopt::cost::profile::Profile;
use dockopt::cost::Calibration;
use dockopt::report::ci::{self as report, CiReport};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CiArgs {
    /// The repository root (default: `.`).
    pub path: Option<PathBuf>,
    /// Replay the last N commits touching each build's context (0 = all).
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub history: usize,
    /// Instead of the history: these context paths change (relative to each context).
    #[arg(long, num_args = 1.., value_name = "PATH")]
    pub changed: Vec<String>,
    /// A cost profile from `dockopt profile record`, for real step timings.
    #[arg(long, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CiFormat,
    /// Exit 1 when a CI rule finds something.
    #[arg(long)]
    pub strict: bool,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum CiFormat {
    Text,
    Json,
    Markdown,
}

pub fn run(a: CiArgs) -> anyhow::Result<Outcome> {
    let root = a.path.clone().unwrap_or_else(|| PathBuf::from("."));
    anyhow::ensure!(root.is_dir(), "{} is not a directory", root.display());
    let mut cal = Calibration::default();
    if let Some(p) = &a.profile {
        let text = dockopt::source::read_text(p, dockopt::source::MAX_INPUT_BYTES)
            .context("cannot read the profile")?;
        let prof = Profile::parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", p.display()))?;
        cal.profile = Some((p.display().to_string(), prof.observed()));
    }
    let (builds, mut warnings) = ci::read_all(&root);
    let changes = if a.changed.is_empty() {
        analyze::Changes::History(a.history)
    } else {
        analyze::Changes::Paths(a.changed.clone())
    };
    let change = match &changes {
        analyze::Changes::History(0) => "every commit touching the context".to_string(),
        analyze::Changes::History(n) => {
            format!("each of the last {n} commits touching the context")
        }
        analyze::Changes::Paths(p) => format!("a change to {}", p.join(", ")),
    };
    let analyses: Vec<analyze::BuildAnalysis> = builds
        .iter()
        .map(|b| analyze::analyze(&root, b, &changes, &cal))
        .collect();
    let findings = dockopt::rules::ci::check_repository(&root, &builds, &mut warnings);
    let strict_hit = findings.iter().any(|f| !f.2.is_empty());
    let r = CiReport {
        root: root.display().to_string(),
        change,
        builds: analyses,
        findings,
        warnings,
    };
    match a.format {
        CiFormat::Text => print!("{}", report::to_text(&r)),
        CiFormat::Json => println!("{}", serde_json::to_string_pretty(&report::to_json(&r))?),
        CiFormat::Markdown => print!("{}", report::to_markdown(&r)),
    }
    Ok(if a.strict && strict_hit {
        Outcome::Findings
    } else {
        Outcome::Clean
    })
}
