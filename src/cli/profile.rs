//! `dockopt profile record`.

use super::args::{ProfileCommand, ProfileRecordArgs};
use super::Outcome;
use anyhow::Context as _;
use dockopt::change;
use dockopt::cost::profile::{learn_rates, Profile};
use dockopt::cost::{cost_steps, log, match_steps, Calibration, PackageCounts};
use dockopt::model::BuildOptions;

pub fn run(c: ProfileCommand) -> anyhow::Result<Outcome> {
    match c {
        ProfileCommand::Record(a) => record(a),
    }
}

fn record(a: ProfileRecordArgs) -> anyhow::Result<Outcome> {
    let mut logs = Vec::new();
    for path in &a.log {
        let text = dockopt::source::read_text(path, dockopt::source::MAX_INPUT_BYTES)
            .context("cannot read the build log")?;
        logs.push(log::parse(&text).with_context(|| path.display().to_string())?);
    }
    let name = a
        .log
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(" + ");
    // Several builds of the same Dockerfile: each step the fastest build's time.
    let l = log::combine(&logs).context("no build log given")?;
    let mut profile = Profile::from_log(&l, None);
    if a.file.is_some() || a.context.is_some() {
        let (context, dockerfile) = change::locate(a.context.as_deref(), a.file.as_deref())?;
        let build = change::load_build(&context, &dockerfile, &BuildOptions::default(), None)?;
        profile.dockerfile = Some(dockerfile.display().to_string());
        let observed = profile.observed();
        let matched = match_steps(&build, &observed);
        for (i, m) in matched.iter().enumerate() {
            for &j in m.iter().flat_map(|m| &m.obs) {
                let ins = build.model.steps[i].instruction;
                profile.steps[j].line = Some(build.dockerfile.instructions[ins].start_line);
            }
        }
        let counts = PackageCounts::scan(&context, &build.context);
        for w in counts.warnings() {
            eprintln!("warning: {}", super::masked(w));
        }
        profile
            .rates
            .merge(&learn_rates(&build, &observed, &counts));
        let cal = Calibration {
            log: Some((name, observed)),
            counts,
            ..Calibration::default()
        };
        for w in cost_steps(&build, &cal).warnings {
            eprintln!("warning: {w}");
        }
    }
    println!("{}", profile.to_json());
    Ok(Outcome::Clean)
}
