//! `dockopt check`: what the CI suggestion bot runs.

use super::{Outcome, Reported};
use dockopt::report::check as report;
use dockopt::rules::config::Settings;
use dockopt::rules::engine::{check_all, discover, CheckOptions};
use dockopt::rules::Severity;
use std::io::{IsTerminal, Write as _};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct CheckArgs {
    /// Dockerfiles, compose files or directories to search (`-` reads a Dockerfile from stdin).
    #[arg(default_value = ".")]
    pub paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: CheckFormat,
    /// Only these rules (codes, prefixes like DO1, names, families, or ALL); replaces the config's `select`.
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub select: Vec<String>,
    /// Skip these rules (added to the config's `ignore`).
    #[arg(long, value_delimiter = ',', value_name = "CODE")]
    pub ignore: Vec<String>,
    /// Exit 1 when a finding is at least this severe [default: warning, or the config's fail-on].
    #[arg(long, value_enum)]
    pub fail_on: Option<FailOn>,
    /// Use this config file instead of the nearest `.dockopt.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not read the build context (no `.dockerignore` measurement, no check
    /// that compose build directories exist, DO505; faster).
    #[arg(long, conflicts_with = "context")]
    pub no_context: bool,
    /// The build context of the Dockerfiles checked (default: each one's own
    /// directory): the DIR of `docker build -f sub/Dockerfile DIR`.
    #[arg(long, value_name = "DIR")]
    pub context: Option<PathBuf>,
    /// Write the report to FILE instead of stdout.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum CheckFormat {
    Text,
    Json,
    Sarif,
    Github,
    Markdown,
}

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
    Info,
}

pub fn run(a: CheckArgs) -> anyhow::Result<Outcome> {
    Settings::check_selectors(a.select.iter().chain(&a.ignore), "--select/--ignore")?;
    if let Some(c) = &a.context {
        if !c.is_dir() {
            anyhow::bail!("build context {} is not a directory", c.display());
        }
    }
    let targets = discover(&a.paths).map_err(anyhow::Error::msg)?;
    let fixed = match &a.config {
        Some(p) => Some(Settings::load(p)?.with_cli(&a.select, &a.ignore)),
        None => None,
    };
    let discovery = dockopt::rules::config::Discovery::default();
    let settings = |file: &std::path::Path| -> Result<Settings, String> {
        match &fixed {
            Some(s) => Ok(s.clone()),
            None => discovery
                .settings_for(file)
                .map(|s| s.with_cli(&a.select, &a.ignore))
                .map_err(|e| e.to_string()),
        }
    };
    let opts = CheckOptions {
        // Findings carry the fixes `dockopt fix` applies (the same proposals and guard).
        label: Some(dockopt::rewrite::label),
        measure_context: !a.no_context,
        extras: a.format == CheckFormat::Markdown,
        context: a.context.clone(),
    };
    let bar = (std::io::stderr().is_terminal() && targets.len() >= 20).then(|| {
        let pb = indicatif::ProgressBar::new(targets.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} checking {pos}/{len} files {wide_bar}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        pb
    });
    let tick = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let mut files = check_all(&targets, &settings, &opts, &tick);
    if a.format == CheckFormat::Markdown {
        // The PR comment shows the safe fixes' diff and the rebuild after them.
        use rayon::prelude::*;
        files
            .par_iter_mut()
            .for_each(|f| f.after_fix = dockopt::rewrite::preview::after_fix(f));
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let color = a.output.is_none()
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let mut sink: Box<dyn std::io::Write> = match &a.output {
        Some(p) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(p).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
    };
    let shown = a
        .output
        .as_ref()
        .map_or("stdout".to_string(), |p| p.display().to_string());
    let write_err = |e: std::io::Error| anyhow::anyhow!("{shown}: {e}");
    match a.format {
        // Streamed finding by finding: a huge report is never one string.
        CheckFormat::Text => report::write_text(&files, color, &mut sink).map_err(write_err)?,
        CheckFormat::Json => {
            serde_json::to_writer_pretty(&mut sink, &report::to_json(&files))?;
            writeln!(sink).map_err(write_err)?;
        }
        CheckFormat::Sarif => {
            serde_json::to_writer_pretty(&mut sink, &report::to_sarif(&files))?;
            writeln!(sink).map_err(write_err)?;
        }
        CheckFormat::Github => sink
            .write_all(report::to_github(&files).as_bytes())
            .map_err(write_err)?,
        CheckFormat::Markdown => sink
            .write_all(report::to_markdown(&files).as_bytes())
            .map_err(write_err)?,
    }
    sink.flush().map_err(write_err)?;
    drop(sink);
    let mut errors = false;
    for f in &files {
        if let Some(e) = &f.error {
            errors = true;
            let e = dockopt::report::escape_controls(e);
            eprint!("{}{}", e, if e.ends_with('\n') { "" } else { "\n" });
        }
    }
    if errors {
        return Err(Reported.into());
    }
    let threshold = match a.fail_on {
        Some(FailOn::Error) => Severity::Error,
        Some(FailOn::Info) => Severity::Info,
        Some(FailOn::Warning) => Severity::Warning,
        None => fixed
            .as_ref()
            .and_then(|s| s.fail_on)
            .or_else(|| {
                let first = a
                    .paths
                    .first()
                    .cloned()
                    .unwrap_or_else(|| PathBuf::from("."));
                Settings::discover(&first).ok().and_then(|s| s.fail_on)
            })
            .unwrap_or(Severity::Warning),
    };
    if files
        .iter()
        .flat_map(|f| &f.findings)
        .any(|f| f.severity >= threshold)
    {
        return Ok(Outcome::Findings);
    }
    Ok(Outcome::Clean)
}
