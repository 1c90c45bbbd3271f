//! Command-line interface (clap derive). Exit codes: 0 ok, 1 findings or
//! changes, 2 usage, input or parse errors.

mod args;
mod check;
mod ci;
mod estimate;
mod fix;
mod graph;
mod input;
mod multistage;
mod parse;
mod profile;
mod rule;
mod simulate;

use args::{Cli, Command};
use clap::Parser;
use std::process::ExitCode;

/// What a command concluded, mapped to the exit code (findings, when a
/// command reports them, map to 1).
pub enum Outcome {
    Clean,
    /// Something would change (`fix --diff`/`--check`): exit 1.
    Changed,
    /// Findings at or above the failure threshold (exit 1).
    Findings,
}

/// An error already shown to the user (e.g. a rendered parse error).
#[derive(Debug)]
pub struct Reported;

impl std::fmt::Display for Reported {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("errors were reported")
    }
}

impl std::error::Error for Reported {}

/// An error and its causes on one line. A cause whose text the message
/// already contains is skipped (many library errors embed their source, so
/// anyhow's `{:#}` would print "(os error 2): …(os error 2)"), and control
/// characters from the input are escaped so they cannot drive the terminal.
pub fn render_error(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let s = cause.to_string();
        if out.contains(&s) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&s);
    }
    masked(&out)
}

static MASKER: std::sync::OnceLock<dockopt::report::mask::Masker> = std::sync::OnceLock::new();

/// The masker for this run: the library's patterns plus the secret-named
/// `--build-arg`/`--after-build-arg` values given on the command line.
fn masker() -> &'static dockopt::report::mask::Masker {
    MASKER.get_or_init(|| {
        let mut m = dockopt::report::mask::Masker::new();
        let args: Vec<String> = std::env::args().collect();
        let mut pairs = Vec::new();
        for (i, a) in args.iter().enumerate() {
            let v = match a.as_str() {
                "--build-arg" | "--after-build-arg" => args.get(i + 1).cloned(),
                _ => a
                    .strip_prefix("--build-arg=")
                    .or_else(|| a.strip_prefix("--after-build-arg="))
                    .map(str::to_string),
            };
            if let Some((k, v)) = v.as_deref().and_then(|v| v.split_once('=')) {
                pairs.push((k.to_string(), v.to_string()));
            }
        }
        m.add_build_args(pairs.iter().map(|(k, v)| (k, v)));
        m
    })
}

/// Output text made safe to print: secrets masked, control bytes escaped.
pub fn masked(s: &str) -> String {
    dockopt::report::escape_controls(&masker().text(s)).into_owned()
}

/// A JSON document with its secrets masked.
pub fn masked_json(mut v: serde_json::Value) -> serde_json::Value {
    masker().json(&mut v);
    v
}

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let result = match cli.command {
        Command::Parse(a) => parse::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Snapshot(a) => simulate::snapshot(a),
        Command::Estimate(a) => estimate::run(a),
        Command::Profile(c) => profile::run(c),
        Command::Fix(a) => fix::run(a),
        Command::Multistage(a) => multistage::run(a),
        Command::Check(a) => check::run(a),
        Command::Rule(a) => rule::run(a),
        Command::Ci(a) => ci::run(a),
    };
    match result {
        Ok(Outcome::Clean) => ExitCode::SUCCESS,
        Ok(Outcome::Changed) => ExitCode::from(1),
        Ok(Outcome::Findings) => ExitCode::from(1),
        Err(e) => {
            if e.downcast_ref::<Reported>().is_none() {
                eprintln!("error: {}", render_error(&e));
            }
            ExitCode::from(2)
        }
    }
}
