//! `dockopt estimate`: the simulate change flags, plus where timings come from.

use super::args::{ChangeArgs, EstimateArgs, SimFormat};
use super::input::build_args;
use super::{simulate, Outcome};
use anyhow::{bail, Context as _};
use dockopt::cache;
use dockopt::change::{self, Prepared};
use dockopt::cost::history::{self, HistorySpec};
use dockopt::cost::log;
use dockopt::cost::profile::{learn_rates, Profile};
use dockopt::cost::{self, sizing, Calibration, Observed, PackageCounts};
use dockopt::ecosystem::pip::PyTarget;
use dockopt::ecosystem::registry::Registries;
use dockopt::model::BuildOptions;
use dockopt::report::estimate as report;
use std::path::{Path, PathBuf};

/// The directory relative paths (default profile, --compare) are taken from.
fn context_dir(c: &ChangeArgs) -> PathBuf {
    if let Some(after) = &c.after {
        return after.clone();
    }
    change::locate(c.context.as_deref(), c.file.as_deref())
        .map(|(ctx, _)| ctx)
        .unwrap_or_else(|_| PathBuf::from("."))
}

/// Reads `--log` and `--profile` (or the default profile). Unreadable files are errors;
/// content that is not a log or profile is a warning and the heuristics take over.
fn calibration(a: &EstimateArgs, ctx: &Path) -> anyhow::Result<(Calibration, Vec<String>)> {
    let mut cal = Calibration::default();
    let mut notes = Vec::new();
    if let Some((name, l)) = read_logs(&a.log)? {
        // The logged build's own overhead is the best figure for this machine.
        cal.rates.learn_log(&l);
        cal.log = Some((name, Observed::from_log(&l)));
    }
    let default = ctx.join(".dockopt/profile.json");
    let profile = match &a.profile {
        Some(p) => Some(p.clone()),
        None if a.log.is_empty() && default.is_file() => {
            notes.push(format!(
                "timings from the stored profile {}",
                default.display()
            ));
            Some(default)
        }
        None => None,
    };
    if let Some(path) = profile {
        let text = dockopt::source::read_text(&path, dockopt::source::MAX_INPUT_BYTES)
            .context("cannot read the profile")?;
        match Profile::parse(&text) {
            Ok(p) => {
                cal.rates.merge(&p.rates);
                cal.profile = Some((path.display().to_string(), p.observed()));
            }
            Err(e) => eprintln!("warning: {}:{e}; heuristics used instead", path.display()),
        }
    }
    for path in &a.rates {
        let text = dockopt::source::read_text(path, dockopt::source::MAX_INPUT_BYTES)
            .with_context(|| format!("cannot read the profile {}", path.display()))?;
        let p = Profile::parse(&text).map_err(|e| anyhow::anyhow!("{}:{e}", path.display()))?;
        if p.rates.is_empty() {
            eprintln!(
                "warning: {} has no learned rates (record it with `-f Dockerfile`)",
                path.display()
            );
        }
        cal.rates.merge(&p.rates);
    }
    if cal.log.is_none() && cal.profile.is_none() && cal.rates.is_empty() {
        notes.push(
            "no --log or --profile: every figure is a heuristic (docs/cost-model.md); pass a `docker build --progress=plain` log for real timings".into(),
        );
    }
    Ok((cal, notes))
}

/// The `--log` files as one log ([`log::combine`]: each step the fastest build's time), with
/// a name for messages; `None` when none is given or none is a log. An unreadable file is an
/// error; one that is not a log is a warning and left out.
fn read_logs(paths: &[PathBuf]) -> anyhow::Result<Option<(String, log::BuildLog)>> {
    let mut logs = Vec::new();
    let mut names = Vec::new();
    for path in paths {
        let text = dockopt::source::read_text(path, dockopt::source::MAX_INPUT_BYTES)
            .context("cannot read the build log")?;
        match log::parse(&text) {
            Ok(l) => {
                logs.push(l);
                names.push(path.display().to_string());
            }
            Err(e) => eprintln!(
                "warning: {}: {e}; {}",
                path.display(),
                if paths.len() > 1 {
                    "left out of the combined logs"
                } else {
                    "every step is costed by heuristics"
                }
            ),
        }
    }
    let name = match names.len() {
        0 | 1 => names.join(""),
        n => format!("{} (the fastest of {n} builds per step)", names.join(" + ")),
    };
    Ok(log::combine(&logs).map(|l| (name, l)))
}

/// `--compare` as (name, text): relative to the context, else as given.
fn compare_file(path: &Path, ctx: &Path) -> anyhow::Result<(String, String)> {
    let candidates = if path.is_absolute() {
        vec![path.to_path_buf()]
    } else {
        vec![ctx.join(path), path.to_path_buf()]
    };
    let found = candidates.iter().find(|p| p.is_file()).with_context(|| {
        format!(
            "--compare: {} does not exist (relative to the context {})",
            path.display(),
            ctx.display()
        )
    })?;
    let text = dockopt::source::read_text(found, dockopt::source::MAX_DOCKERFILE_BYTES)
        .context("--compare")?;
    Ok((path.display().to_string(), text))
}

fn options(c: &ChangeArgs) -> anyhow::Result<(BuildOptions, BuildOptions)> {
    let before = BuildOptions {
        build_args: build_args(&c.build_args)?,
        target: c.target.clone(),
        image_configs: super::input::image_configs(&c.image_configs)?,
    };
    let mut after = before.clone();
    after.build_args.extend(build_args(&c.after_build_args)?);
    Ok((before, after))
}

/// The other Dockerfile on the same two contexts.
fn compare_builds(
    p: &Prepared,
    name: &str,
    text: &str,
    c: &ChangeArgs,
) -> anyhow::Result<(cache::BuildInput, cache::BuildInput)> {
    let (bo, ao) = options(c)?;
    let load = |opts: &BuildOptions, ctx: &dockopt::context::ContextTree| {
        change::input_from_text(name.to_string(), text, opts, ctx.clone()).map_err(|e| match e {
            change::ChangeError::Parse(rendered) => anyhow::anyhow!("{rendered}"),
            other => other.into(),
        })
    };
    let before = load(&bo, &p.before.context)?;
    let mut after = load(&ao, &p.after.context)?;
    after.moved_images = p.after.moved_images.clone();
    Ok((before, after))
}

pub fn run(a: EstimateArgs) -> anyhow::Result<Outcome> {
    let ctx = context_dir(&a.change);
    let (cal, mut notes) = calibration(&a, &ctx)?;
    if let Some(n) = a.history {
        return run_history(&a, n as usize, cal, &ctx, notes);
    }
    let p = simulate::prepare(&a.change)?;
    for w in p.after.context.warnings() {
        eprintln!("warning: {}", super::masked(&w.to_string()));
    }
    notes.extend(p.notes.iter().cloned());
    let sim = simulate::with_source(&p, &a.change, &a.source, &mut notes)?;
    let mut cal = cal;
    cal.counts = PackageCounts::scan(&ctx, &p.after.context);
    if let Some(before) = &a.change.before {
        cal.counts.add(before, &p.before.context);
    }
    for w in cal.counts.warnings() {
        eprintln!("warning: {}", super::masked(w));
    }
    let registry = if a.registry {
        let mut reg = Registries::from_env(PyTarget::default());
        let s = sizing::size_added(&p.before, &p.after, &cal.counts, &mut reg);
        notes.extend(s.notes.iter().cloned());
        cal.sizes = s.sizes.clone();
        Some(s.to_json())
    } else {
        None
    };
    // The log's own steps, matched to the build it was taken from (the before side), teach
    // rates for steps it does not cover, unless rates learned elsewhere were passed.
    if let (Some((_, obs)), true) = (&cal.log, a.rates.is_empty()) {
        let learned = learn_rates(&p.before, obs, &cal.counts);
        cal.rates.merge(&learned);
    }
    let est = cost::estimate_from(&sim, Some(&p.before.context), &p.after, &cal);
    let other = match &a.compare {
        Some(path) => {
            let (name, text) = compare_file(path, &ctx)?;
            let (b, af) = compare_builds(&p, &name, &text, &a.change)?;
            let s = match &a.source.cache_source {
                Some(src) => cache::simulate_with_source(&b, &af, src),
                None => cache::simulate(&b, &af),
            };
            Some((name, cost::estimate_from(&s, Some(&b.context), &af, &cal)))
        }
        None => None,
    };
    let compare = other.as_ref().map(|(n, e)| (n.as_str(), e));
    let mut warned = Vec::new();
    for w in est
        .warnings
        .iter()
        .chain(compare.iter().flat_map(|(_, e)| e.warnings.iter()))
    {
        if !warned.contains(w) {
            eprintln!("warning: {}", super::masked(&w.to_string()));
            warned.push(w.clone());
        }
    }
    match a.format {
        SimFormat::Json => {
            let mut v = report::to_json(&est, compare, &notes);
            if let Some(r) = registry {
                v["registry"] = r;
            }
            println!("{}", serde_json::to_string_pretty(&super::masked_json(v))?)
        }
        SimFormat::Text => print!(
            "{}",
            super::masked(&report::to_text(&p.after.name, &est, compare, &notes))
        ),
    }
    Ok(Outcome::Clean)
}

fn run_history(
    a: &EstimateArgs,
    limit: usize,
    calibration: Calibration,
    ctx: &Path,
    notes: Vec<String>,
) -> anyhow::Result<Outcome> {
    let (context, dockerfile) =
        change::locate(a.change.context.as_deref(), a.change.file.as_deref())?;
    if !a.change.after_build_args.is_empty() || !a.change.base_changed.is_empty() {
        eprintln!("warning: --after-build-arg and --base-changed are ignored with --history (each commit is built with the same arguments and bases)");
    }
    let compare = match &a.compare {
        Some(p) => Some(compare_file(p, ctx)?),
        None => None,
    };
    let compare_name = compare.as_ref().map(|(n, _)| n.clone());
    let spec = HistorySpec {
        context,
        dockerfile: dockerfile.clone(),
        range: a.change.git.clone(),
        limit,
        opts: options(&a.change)?.0,
        compare,
        calibration,
        cache_source: a.source.cache_source.clone().unwrap_or_default(),
    };
    let mut reg = a
        .registry
        .then(|| Registries::from_env(PyTarget::default()));
    let mut h = history::replay_sized(&spec, reg.as_mut())?;
    h.notes.extend(notes);
    for w in &h.warnings {
        eprintln!("warning: {}", super::masked(&w.to_string()));
    }
    if h.commits.is_empty() {
        for n in &h.notes {
            eprintln!("note: {}", super::masked(n));
        }
        bail!("nothing to estimate: no commit in this history could be compared with its parent");
    }
    match a.format {
        SimFormat::Json => println!(
            "{}",
            serde_json::to_string_pretty(&super::masked_json(report::history_json(
                &h,
                compare_name.as_deref()
            )))?
        ),
        SimFormat::Text => print!(
            "{}",
            super::masked(&report::history_text(
                &dockerfile.display().to_string(),
                &h,
                compare_name.as_deref()
            ))
        ),
    }
    Ok(Outcome::Clean)
}
