//! Rebuild cost: how long a change takes to rebuild and how many bytes it produces.
//!
//! Each step of a build gets an expected duration and output size from, most trusted first:
//! 1. a real build log (`docker build --progress=plain` or `rawjson`), its `[stage k/n] INSTR`
//!    vertices matched to the model's steps ([`log`]);
//! 2. a stored profile recorded from such a log ([`profile`]);
//! 3. documented heuristics by command class ([`heuristic`], `docs/cost-model.md`).
//!
//! An estimate runs the cache simulation and adds up the steps that re-run; [`history`]
//! replays a repository's commits.

pub mod heuristic;
pub mod history;
pub mod log;
pub mod matching;
pub mod packages;
pub mod profile;
pub mod rates;
pub mod sizing;

use crate::cache::BuildInput;
use crate::cache::{Simulation, StepResult, Verdict};
use crate::ecosystem::registry::Kind;
use crate::model::{Base, Op};
pub use matching::{match_steps, Match, MatchKind};
pub use packages::{PackageCounts, PackageSizes};
pub use rates::Rates;
use serde::Serialize;

/// A timing (and maybe a size) observed for one `[stage k/n] INSTR` vertex.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    pub stage: Option<String>,
    pub k: usize,
    pub n: usize,
    pub instruction: String,
    pub seconds: Option<f64>,
    pub bytes: Option<u64>,
    /// Seconds per package beyond the step's fixed part, as the step's own output showed it
    /// (an installer's timeline, [`crate::ecosystem::install_log`]); logs only.
    pub per_package: Option<f64>,
    /// Bytes per package the logged install's files were, as its installer printed them
    /// (pip); logs only.
    pub mean_bytes: Option<f64>,
    /// How many builds' logs timed it: more than 1 when several logs were combined
    /// ([`log::combine`]: the fastest build's figure).
    pub builds: usize,
}

impl Observed {
    pub fn from_log(l: &log::BuildLog) -> Vec<Observed> {
        l.steps
            .iter()
            .filter(|s| !s.is_from())
            .map(|s| {
                let install = crate::ecosystem::install_log::read(&s.output);
                Observed {
                    stage: s.stage.clone(),
                    k: s.k,
                    n: s.n,
                    instruction: s.instruction.clone(),
                    seconds: s.seconds(),
                    bytes: None,
                    per_package: install.as_ref().and_then(|l| l.per_package()),
                    mean_bytes: install.as_ref().and_then(|l| l.mean_bytes()),
                    builds: s.builds,
                }
            })
            .collect()
    }
}

/// Timings from a log and/or a profile, each with a name for messages, plus what the
/// heuristics draw on: learned rates and the package counts of the contexts' manifests.
#[derive(Debug, Clone, Default)]
pub struct Calibration {
    pub log: Option<(String, Vec<Observed>)>,
    pub profile: Option<(String, Vec<Observed>)>,
    /// Learned on this machine (`dockopt profile record`); defaults where empty.
    pub rates: Rates,
    /// Package counts of the manifests of every context involved, by digest.
    pub counts: PackageCounts,
    /// Packages a change adds, sized by their registries (`estimate --registry`).
    pub sizes: PackageSizes,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CostSource {
    Log,
    Profile,
    Heuristic,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepCost {
    pub seconds: f64,
    pub bytes: u64,
    pub source: CostSource,
    /// What the figure rests on: `log [3/6] DONE 2.1s` or a heuristic class.
    pub basis: String,
    /// How the step was found in the log or profile (`None` for heuristics).
    pub matched: Option<MatchKind>,
}

/// Costs for every step of a build (indexed like `model.steps`; `None` for steps without an
/// op), plus what the user should know about the calibration.
#[derive(Debug, Clone)]
pub struct Costing {
    pub steps: Vec<Option<StepCost>>,
    pub warnings: Vec<String>,
}

/// The image a stage starts from, through `FROM <stage>` chains.
fn base_image(build: &BuildInput, stage: usize) -> Option<&str> {
    build.model.root_image(stage)
}

/// The heuristic guess for the command a log shows, in `context` (the one the logged build
/// had, as far as known): the model's RUN with the logged command text in place of its own.
fn logged_guess(op: &Op, logged: &str, env: &heuristic::Env) -> Option<heuristic::Guess> {
    let Op::Run(r) = op else { return None };
    let text = logged.trim_start();
    let body = text
        .get(3..)
        .filter(|_| text[..3].eq_ignore_ascii_case("RUN"))?;
    // Flags BuildKit shows before the command (`--mount=…`, `--network=…`).
    let mut cmd = body.trim_start();
    while cmd.starts_with("--") {
        cmd = cmd.split_once(' ').map_or("", |(_, r)| r).trim_start();
    }
    if r.argv.len() < 2 || cmd.starts_with('[') {
        return None;
    }
    let mut r2 = r.clone();
    if let Some(last) = r2.argv.last_mut() {
        *last = cmd.to_string();
    }
    Some(heuristic::run(&r2, env))
}

/// A logged install time adjusted by the package delta: the logged build installed `was`
/// packages, this one installs `now` (same installer): each package added or removed costs
/// what the logged step's own output shows one package cost beyond its fixed part
/// (`logged.per_package`), else the installer's learned seconds per package, else this
/// step's own flat share; a package added that its registry sized costs, on top, its
/// megabytes beyond the logged packages' mean ([`sized_extra`]).
fn scale(
    seconds: f64,
    logged: &Observed,
    was: &heuristic::Guess,
    now: &heuristic::Guess,
    cal: &Calibration,
) -> Option<(f64, String)> {
    let (kw, nw) = was.packages()?;
    let (kn, nn) = now.packages()?;
    if kw != kn || nw == nn || nw == 0 {
        return None;
    }
    let eco = now
        .parts
        .iter()
        .find(|p| p.key == kn)
        .and_then(|p| p.ecosystem.as_deref())
        .unwrap_or(kn);
    let (rate, from) = match logged.per_package {
        Some(r) => (r, " (the log's own timeline)"),
        None => (
            cal.rates
                .per_package(kn, eco)
                .unwrap_or(seconds / nw as f64),
            "",
        ),
    };
    let delta = nn as f64 - nw as f64;
    let mut s = (seconds + delta * rate).max(seconds * 0.1);
    let mut note = format!(", {nw}→{nn} packages at {rate:.1}s each{from}");
    if delta > 0.0 {
        if let Some((extra, said)) = sized_extra(was, now, logged.mean_bytes, cal) {
            s += extra;
            note.push_str(&said);
        }
    }
    Some((s, note))
}

/// What the packages added to an install's manifest since `was` weigh beyond an average
/// package: for each one its registry sized (`estimate --registry`), its megabytes beyond
/// `mean_bytes` (the logged install's own packages, as its installer printed them; 0 when
/// unknown) at the learned seconds per megabyte (`Rates::per_mb`: pip's unpack phase in a
/// log), else the documented default. `(seconds, basis note)`.
fn sized_extra(
    was: &heuristic::Guess,
    now: &heuristic::Guess,
    mean_bytes: Option<f64>,
    cal: &Calibration,
) -> Option<(f64, String)> {
    if cal.sizes.is_empty() {
        return None;
    }
    let (kn, _) = now.packages()?;
    let names = |g: &heuristic::Guess| -> Option<Vec<crate::ecosystem::registry::Dep>> {
        match g.parts.iter().find(|p| p.key == kn)?.names.as_ref()? {
            heuristic::Names::Manifest(digest) => cal.counts.names(digest).map(<[_]>::to_vec),
            heuristic::Names::Listed(v) => Some(v.clone()),
        }
    };
    let (w, n) = (names(was)?, names(now)?);
    let mut extra = 0.0;
    let mut said = Vec::new();
    for d in n.iter().filter(|d| !w.iter().any(|o| o.name == d.name)) {
        let Some(sized) = cal.sizes.get(d.kind, &d.name) else {
            continue;
        };
        let (key, default) = match d.kind {
            Kind::Pypi => ("pypi", heuristic::PYPI_SECONDS_PER_MB),
            Kind::Npm => ("npm", heuristic::NPM_SECONDS_PER_MB),
        };
        let (rate, learned) = match cal.rates.per_mb(key) {
            Some(r) => (r, "learned"),
            None => (default, "default"),
        };
        let mb = sized.file.bytes as f64 / 1e6;
        let mean = mean_bytes.unwrap_or(0.0) / 1e6;
        extra += rate * (mb - mean).max(0.0);
        said.push(format!(
            "{} {mb:.1} MB ({}) at {rate:.2}s/MB ({learned})",
            d.name,
            d.kind.registry()
        ));
    }
    if said.is_empty() {
        return None;
    }
    let beyond = match mean_bytes {
        Some(m) => format!(" beyond the logged {:.2} MB each", m / 1e6),
        None => String::new(),
    };
    Some((extra, format!(", + {}{beyond}", said.join(", "))))
}

/// Costs every step of `build` that the target needs.
pub fn cost_steps(build: &BuildInput, cal: &Calibration) -> Costing {
    cost_steps_from(build, None, cal)
}

/// Like [`cost_steps`], knowing the context the log was taken on (`logged`, usually the
/// change's before side): a matched install whose manifest gained or lost packages since
/// is scaled by the package delta.
pub fn cost_steps_from(
    build: &BuildInput,
    logged: Option<&crate::context::ContextTree>,
    cal: &Calibration,
) -> Costing {
    let reachable = build.model.reachable();
    let mut warnings = Vec::new();
    let sources: Vec<Matched> = [
        (CostSource::Log, &cal.log),
        (CostSource::Profile, &cal.profile),
    ]
    .into_iter()
    .filter_map(|(src, o)| {
        o.as_ref()
            .map(|(name, obs)| (src, name, obs, match_steps(build, obs)))
    })
    .collect();

    let mut steps: Vec<Option<StepCost>> = vec![None; build.model.steps.len()];
    for (i, step) in build.model.steps.iter().enumerate() {
        let Some(op) = &step.op else { continue };
        let env = heuristic::Env {
            context: &build.context,
            counts: &cal.counts,
            rates: &cal.rates,
            base: base_image(build, step.stage),
        };
        let guess = heuristic::guess(op, &env);
        let mut cost = StepCost {
            seconds: guess.seconds,
            bytes: guess.bytes,
            source: CostSource::Heuristic,
            basis: guess.class.clone(),
            matched: None,
        };
        for (src, _, obs, matched) in &sources {
            let Some(m) = &matched[i] else { continue };
            let os: Vec<&Observed> = m.obs.iter().map(|&j| &obs[j]).collect();
            if let Some(b) = os.iter().map(|o| o.bytes).sum::<Option<u64>>() {
                cost.bytes = b;
            }
            let Some(secs) = os.iter().map(|o| o.seconds).sum::<Option<f64>>() else {
                continue;
            };
            let mut seconds = secs;
            let mut note = String::new();
            if m.kind != MatchKind::Merged {
                let then_env = heuristic::Env {
                    context: logged.unwrap_or(&build.context),
                    ..env
                };
                if let Some((s, n)) = logged_guess(op, &os[0].instruction, &then_env)
                    .and_then(|was| scale(secs, os[0], &was, &guess, cal))
                {
                    seconds = s;
                    note = n;
                }
            }
            cost.seconds = seconds;
            cost.source = *src;
            cost.matched = Some(m.kind);
            let what = if *src == CostSource::Log {
                "log"
            } else {
                "profile"
            };
            let at: Vec<String> = os
                .iter()
                .map(|o| {
                    let stage = o
                        .stage
                        .as_deref()
                        .map(|s| format!("{s} "))
                        .unwrap_or_default();
                    format!("[{stage}{}/{}]", o.k, o.n)
                })
                .collect();
            let how = match m.kind {
                MatchKind::Label => String::new(),
                MatchKind::Similar => format!(" ({}, {:.2})", m.kind.describe(), m.similarity),
                k => format!(" ({})", k.describe()),
            };
            // Logs of several builds combined: each step the fastest build's time.
            let builds = os.iter().map(|o| o.builds).max().unwrap_or(1);
            let of = if builds > 1 {
                format!(" (fastest of {builds} builds)")
            } else {
                String::new()
            };
            cost.basis = format!("{what} {} {:.1}s{of}{how}{note}", at.join("+"), secs);
            break;
        }
        // Heuristics too: a package sized by its registry and added since the side the
        // change started from weighs its megabytes beyond an average package.
        if let (CostSource::Heuristic, Some(then)) = (cost.source, logged) {
            let then_env = heuristic::Env {
                context: then,
                ..env
            };
            let was = heuristic::guess(op, &then_env);
            if let Some((extra, note)) = sized_extra(&was, &guess, None, cal) {
                cost.seconds += extra;
                cost.basis.push_str(&note);
            }
        }
        steps[i] = Some(cost);
    }

    for (src, name, obs, matched) in &sources {
        let what = if *src == CostSource::Log {
            "log"
        } else {
            "profile"
        };
        let hits: usize = matched.iter().flatten().map(|m| m.obs.len()).sum();
        let built: Vec<usize> = (0..build.model.steps.len())
            .filter(|&i| build.model.steps[i].op.is_some() && reachable[build.model.steps[i].stage])
            .collect();
        let unmatched: Vec<String> = built
            .iter()
            .filter(|&&i| matched[i].is_none())
            .map(|&i| describe(build, i))
            .collect();
        let untimed: Vec<String> = built
            .iter()
            .filter(|&&i| {
                matched[i]
                    .as_ref()
                    .is_some_and(|m| m.obs.iter().any(|&j| obs[j].seconds.is_none()))
            })
            .map(|&i| describe(build, i))
            .collect();
        if !obs.is_empty() && hits * 2 < obs.len() {
            warnings.push(format!(
                "{what} {name} does not match {} ({hits} of {} logged steps found; was it built from another Dockerfile?): heuristics used for {}",
                build.name,
                obs.len(),
                list(&unmatched)
            ));
        } else if !unmatched.is_empty() {
            warnings.push(format!(
                "{what} {name} has no step for {}: heuristics used",
                list(&unmatched)
            ));
        }
        if !untimed.is_empty() {
            warnings.push(format!(
                "{what} {name} shows {} as CACHED (no timing): {} used",
                list(&untimed),
                if *src == CostSource::Log && cal.profile.is_some() {
                    "the profile or heuristics"
                } else {
                    "heuristics"
                }
            ));
        }
    }
    Costing { steps, warnings }
}

fn describe(build: &BuildInput, step: usize) -> String {
    let s = &build.model.steps[step];
    let ins = &build.dockerfile.instructions[s.instruction];
    let first = ins.first_line(&build.dockerfile.source).trim();
    let short: String = if first.chars().count() > 40 {
        format!("{}…", first.chars().take(39).collect::<String>())
    } else {
        first.to_string()
    };
    format!("line {} `{}`", ins.start_line, short)
}

fn list(items: &[String]) -> String {
    if items.len() > 6 {
        format!("{} and {} more", items[..6].join(", "), items.len() - 6)
    } else {
        items.join(", ")
    }
}

/// One calibration source with its name, observations and the model steps they matched.
type Matched<'a> = (
    CostSource,
    &'a String,
    &'a Vec<Observed>,
    Vec<Option<Match>>,
);

/// The figures of one rebuild (the JSON `rebuild` object).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Rebuild {
    /// Expected time of the steps that re-run.
    pub seconds: f64,
    /// Bytes those steps write.
    pub bytes: u64,
    pub steps_rerun: usize,
    /// Steps the target builds (hits plus misses).
    pub steps_total: usize,
    /// Re-run RUN/COPY/ADD layers that end up in the final image.
    pub layers_to_push: usize,
    pub push_bytes: u64,
    /// Expected time of a build with an empty cache.
    pub full_build_seconds: f64,
    /// `seconds / full_build_seconds` (0 when the full build costs nothing).
    pub share: f64,
    /// The per-build part of `seconds` (loading the definition and context, exporting the
    /// re-run layers); also in `full_build_seconds`.
    pub overhead_seconds: f64,
}

impl Rebuild {
    pub fn add(&mut self, o: &Rebuild) {
        self.seconds += o.seconds;
        self.bytes += o.bytes;
        self.steps_rerun += o.steps_rerun;
        self.steps_total += o.steps_total;
        self.layers_to_push += o.layers_to_push;
        self.push_bytes += o.push_bytes;
        self.full_build_seconds += o.full_build_seconds;
        self.overhead_seconds += o.overhead_seconds;
        self.share = ratio(self.seconds, self.full_build_seconds);
    }

    pub fn rounded(mut self) -> Rebuild {
        self.seconds = round2(self.seconds);
        self.full_build_seconds = round2(self.full_build_seconds);
        self.overhead_seconds = round2(self.overhead_seconds);
        self.share = (self.share * 1000.0).round() / 1000.0;
        self
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn ratio(a: f64, b: f64) -> f64 {
    if b > 0.0 {
        a / b
    } else {
        0.0
    }
}

#[derive(Debug, Clone)]
pub struct StepEstimate {
    pub result: StepResult,
    /// `None` for steps the target does not build.
    pub cost: Option<StepCost>,
}

#[derive(Debug, Clone)]
pub struct Estimate {
    pub rebuild: Rebuild,
    pub steps: Vec<StepEstimate>,
    pub warnings: Vec<String>,
}

/// The stages whose layers the final image carries: the target and its `FROM <stage>` chain.
fn final_chain(build: &BuildInput) -> Vec<bool> {
    let mut chain = vec![false; build.model.stages.len()];
    let mut s = Some(build.model.target);
    while let Some(i) = s {
        if i >= chain.len() || chain[i] {
            break;
        }
        chain[i] = true;
        s = match build.model.stages[i].base {
            Base::Stage(b) => Some(b),
            _ => None,
        };
    }
    chain
}

/// Fixed per-build overhead when no log taught one: client, `.dockerignore` and context
/// transfer. Measured on this machine's real-tier rebuilds (docs/cost-model.md).
pub const BUILD_OVERHEAD: f64 = 0.2;
/// Export of an image whose layers are all cached (naming only).
pub const EXPORT_FIXED: f64 = 0.05;
/// Layer export when no log taught a rate: seconds of `exporting to image` per second the
/// exported stage's steps ran. Pooled over the real tier's cold builds (docs/cost-model.md):
/// layer sizes are unknown before the build, and the time that wrote a layer (a download, an
/// install) is the best stand-in this model has.
pub const EXPORT_PER_STEP_SECOND: f64 = 0.06;

/// Adds up the simulated rebuild of `after`.
pub fn estimate(sim: &Simulation, after: &BuildInput, cal: &Calibration) -> Estimate {
    estimate_from(sim, None, after, cal)
}

/// Like [`estimate`], knowing the context the log was taken on (see [`cost_steps_from`]).
pub fn estimate_from(
    sim: &Simulation,
    logged: Option<&crate::context::ContextTree>,
    after: &BuildInput,
    cal: &Calibration,
) -> Estimate {
    let costing = cost_steps_from(after, logged, cal);
    let chain = final_chain(after);
    let mut r = Rebuild::default();
    let mut steps = Vec::new();
    // Seconds of the final image's re-run (and of all its) RUN/COPY steps: what the export's
    // share grows with.
    let (mut exported, mut exported_full) = (0.0, 0.0);
    for st in &sim.steps {
        let cost = match st.result {
            Verdict::NotBuilt => None,
            _ => costing.steps.get(st.step).cloned().flatten(),
        };
        if let Some(c) = &cost {
            let layer = matches!(
                after.model.steps[st.step].op,
                Some(Op::Run(_) | Op::Copy(_))
            ) && chain.get(st.stage).copied().unwrap_or(false);
            if layer {
                exported_full += c.seconds;
            }
            r.steps_total += 1;
            r.full_build_seconds += c.seconds;
            if st.result == Verdict::Miss {
                r.steps_rerun += 1;
                r.seconds += c.seconds;
                r.bytes += c.bytes;
                if layer {
                    r.layers_to_push += 1;
                    r.push_bytes += c.bytes;
                    exported += c.seconds;
                }
            }
        }
        steps.push(StepEstimate {
            result: st.clone(),
            cost,
        });
    }
    let fixed = cal.rates.overhead().unwrap_or(BUILD_OVERHEAD) + EXPORT_FIXED;
    let export = cal.rates.export().unwrap_or(EXPORT_PER_STEP_SECOND);
    r.overhead_seconds = fixed + export * exported;
    r.seconds += r.overhead_seconds;
    r.full_build_seconds += fixed + export * exported_full;
    r.share = ratio(r.seconds, r.full_build_seconds);
    Estimate {
        rebuild: r.rounded(),
        steps,
        warnings: costing.warnings,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache;
    use crate::change::input_from_text;
    use crate::context::ContextTree;
    use crate::model::BuildOptions;

    const DF: &str = "FROM bkbase\nRUN echo costcap1 >/scen\nRUN sleep 2\nCOPY a.txt /a\nWORKDIR /w\nRUN echo hi && sleep 1\n";

    fn build(df: &str, a: &str) -> (tempfile::TempDir, BuildInput) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.txt"), a).unwrap();
        let tree = ContextTree::load(dir.path(), None).unwrap();
        let b = input_from_text("Dockerfile".into(), df, &BuildOptions::default(), tree).unwrap();
        (dir, b)
    }

    fn cal() -> Calibration {
        let l = log::parse(include_str!("testdata/single-stage.plain.log")).unwrap();
        Calibration {
            log: Some(("build.log".into(), Observed::from_log(&l))),
            ..Calibration::default()
        }
    }

    #[test]
    fn log_timings_drive_the_estimate() {
        let (_a, before) = build(DF, "hello\n");
        let (_b, after) = build(DF, "hello2\n");
        let sim = cache::simulate(&before, &after);
        let e = estimate(&sim, &after, &cal());
        assert!(e.warnings.is_empty(), "{:?}", e.warnings);
        // COPY 0.0 + WORKDIR 0.0 + RUN 1.3 re-run; the full build is 0.4+2.1+0+0+1.3.
        assert_eq!(e.rebuild.steps_rerun, 3);
        assert_eq!(e.rebuild.steps_total, 5);
        // Plus the per-build overhead: the default fixed part and the export of the re-run
        // layers (COPY 0.0 + RUN 1.3 s of steps) at the default rate; the full build exports
        // every layer (3.8 s of steps).
        let fixed = BUILD_OVERHEAD + EXPORT_FIXED;
        let overhead = fixed + EXPORT_PER_STEP_SECOND * 1.3;
        assert!((e.rebuild.overhead_seconds - overhead).abs() < 0.01);
        assert!((e.rebuild.seconds - 1.3 - overhead).abs() < 0.01);
        let full = 3.8 + fixed + EXPORT_PER_STEP_SECOND * 3.8;
        assert!((e.rebuild.full_build_seconds - full).abs() < 0.01);
        assert_eq!(e.rebuild.layers_to_push, 2);
        assert!(e
            .steps
            .iter()
            .all(|s| s.cost.as_ref().unwrap().source == CostSource::Log));
    }

    #[test]
    fn the_export_grows_with_the_re_run_layers_at_the_logs_rate() {
        // The logged build exported 3.8 s of steps in 0.76 s: 0.2 s per step-second. Re-running
        // the 2.1 s `RUN sleep 2` (and what follows: COPY 0.0, WORKDIR, RUN 1.3) exports 3.4 s.
        let (_a, before) = build(DF, "hello\n");
        let edited = DF.replace("echo costcap1", "echo costcap2");
        let (_b, after) = build(&edited, "hello\n");
        let sim = cache::simulate(&before, &after);
        let mut c = cal();
        c.rates.learn_export(0.76, 3.8);
        let e = estimate(&sim, &after, &c);
        let fixed = BUILD_OVERHEAD + EXPORT_FIXED;
        // The edited first RUN has no exact match: its similar logged step (0.4 s) is used.
        let exported = 0.4 + 2.1 + 0.0 + 1.3;
        assert!(
            (e.rebuild.overhead_seconds - (fixed + 0.2 * exported)).abs() < 0.01,
            "{:?}",
            e.rebuild
        );
        // An image whose layers are all cached pays the fixed part only.
        let same = cache::simulate(&after, &after);
        let e = estimate(&same, &after, &c);
        assert!((e.rebuild.overhead_seconds - fixed).abs() < 0.01);
    }

    #[test]
    fn edited_dockerfile_matches_by_text() {
        // A step inserted before `RUN sleep 2` shifts every k; text matching keeps the timings.
        let edited = DF.replace("RUN sleep 2", "RUN true\nRUN sleep 2");
        let (_a, b) = build(&edited, "x");
        let c = cost_steps(&b, &cal());
        let secs: Vec<(f64, CostSource)> = c
            .steps
            .iter()
            .flatten()
            .map(|c| (c.seconds, c.source))
            .collect();
        assert_eq!(secs[2], (2.1, CostSource::Log));
        assert_eq!(secs[1].1, CostSource::Heuristic);
        assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
        assert!(
            c.warnings[0].contains("line 3 `RUN true`"),
            "{:?}",
            c.warnings
        );
    }

    #[test]
    fn log_of_another_dockerfile_warns_and_falls_back() {
        let (_a, b) = build("FROM x\nRUN apt-get update\nCOPY a.txt /b\n", "x");
        let c = cost_steps(&b, &cal());
        assert!(c
            .steps
            .iter()
            .flatten()
            .all(|c| c.source == CostSource::Heuristic));
        assert!(c.warnings[0].contains("does not match"), "{:?}", c.warnings);
        assert!(c.warnings[0].contains("line 2 `RUN apt-get update`"));
    }

    #[test]
    fn variables_are_expanded_in_the_log() {
        let (_a, b) = build(
            "FROM bkbase\nARG T=2\nRUN echo costcap1 >/scen\nRUN sleep $T\n",
            "x",
        );
        let obs = vec![Observed {
            stage: None,
            k: 3,
            n: 3,
            instruction: "RUN sleep 2".into(),
            seconds: Some(2.0),
            bytes: Some(7),
            per_package: None,
            mean_bytes: None,
            builds: 1,
        }];
        let m = match_steps(&b, &obs);
        assert_eq!(m.iter().flatten().count(), 1);
        let c = cost_steps(
            &b,
            &Calibration {
                profile: Some(("p".into(), obs)),
                ..Calibration::default()
            },
        );
        let last = c.steps.iter().flatten().last().unwrap();
        assert_eq!(
            (last.seconds, last.bytes, last.source),
            (2.0, 7, CostSource::Profile)
        );
    }

    /// A context of `files` and its package counts.
    fn ctx(files: &[(&str, &str)]) -> (tempfile::TempDir, ContextTree, PackageCounts) {
        let dir = tempfile::tempdir().unwrap();
        for (p, body) in files {
            std::fs::write(dir.path().join(p), body).unwrap();
        }
        let tree = ContextTree::load(dir.path(), None).unwrap();
        let counts = PackageCounts::scan(dir.path(), &tree);
        (dir, tree, counts)
    }

    fn obs(k: usize, n: usize, text: &str, secs: f64) -> Observed {
        Observed {
            stage: None,
            k,
            n,
            instruction: text.into(),
            seconds: Some(secs),
            bytes: None,
            per_package: None,
            mean_bytes: None,
            builds: 1,
        }
    }

    /// The log of the original, as BuildKit printed it (FROM dropped).
    fn original_log() -> Vec<Observed> {
        vec![
            obs(2, 6, "RUN apt-get update", 9.8),
            obs(
                3,
                6,
                "RUN apt-get install -y gcc libpq-dev netcat-openbsd",
                4.2,
            ),
            obs(4, 6, "COPY . .", 0.1),
            obs(5, 6, "RUN pip install -r requirements.txt", 20.0),
            obs(6, 6, "RUN chmod +x entrypoint.sh", 0.3),
        ]
    }

    #[test]
    fn the_fixed_file_is_costed_from_the_originals_log() {
        // `dockopt fix` merged the apt steps and moved the install before `COPY . .`.
        let fixed = "FROM python:3.11-bookworm\nRUN apt-get update && apt-get install -y gcc libpq-dev netcat-openbsd\nCOPY requirements.txt ./\nRUN pip install -r requirements.txt\nCOPY . .\nRUN chmod +x entrypoint.sh\n";
        let (_d, tree, counts) = ctx(&[("requirements.txt", "flask==3.0.3\n")]);
        let b =
            input_from_text("Dockerfile".into(), fixed, &BuildOptions::default(), tree).unwrap();
        let cal = Calibration {
            log: Some(("orig.log".into(), original_log())),
            counts,
            ..Calibration::default()
        };
        let c = cost_steps(&b, &cal);
        let got: Vec<(Option<MatchKind>, f64)> = c
            .steps
            .iter()
            .flatten()
            .map(|c| (c.matched, (c.seconds * 10.0).round() / 10.0))
            .collect();
        assert_eq!(got[0], (Some(MatchKind::Merged), 14.0), "{:?}", c.steps);
        // The new COPY of the manifest has no logged counterpart.
        assert_eq!(got[1].0, None);
        assert_eq!(got[2], (Some(MatchKind::Text), 20.0));
        assert_eq!(got[3], (Some(MatchKind::Text), 0.1));
        assert_eq!(got[4], (Some(MatchKind::Label), 0.3));
        assert!(c
            .steps
            .iter()
            .flatten()
            .next()
            .unwrap()
            .basis
            .contains("merged"));
    }

    #[test]
    fn an_edited_run_line_keeps_its_logged_time() {
        let edited = "FROM python:3.11-bookworm\nRUN apt-get update\nRUN apt-get install -y gcc libpq-dev netcat-openbsd && echo 1\nCOPY . .\nRUN pip install -r requirements.txt\nRUN chmod +x entrypoint.sh\n";
        let (_d, tree, counts) = ctx(&[("requirements.txt", "flask==3.0.3\n")]);
        let b =
            input_from_text("Dockerfile".into(), edited, &BuildOptions::default(), tree).unwrap();
        let cal = Calibration {
            log: Some(("orig.log".into(), original_log())),
            counts,
            ..Calibration::default()
        };
        let c = cost_steps(&b, &cal);
        let second = c.steps.iter().flatten().nth(1).unwrap();
        assert_eq!(second.matched, Some(MatchKind::Similar));
        assert!((second.seconds - 4.2).abs() < 1e-9, "{second:?}");
        // A RUN of another command at the same place is not taken for it.
        let other = edited.replace(
            "apt-get install -y gcc libpq-dev netcat-openbsd && echo 1",
            "make -j4 all",
        );
        let (_e, tree, counts) = ctx(&[("requirements.txt", "flask==3.0.3\n")]);
        let b =
            input_from_text("Dockerfile".into(), &other, &BuildOptions::default(), tree).unwrap();
        let c = cost_steps(
            &b,
            &Calibration {
                log: Some(("orig.log".into(), original_log())),
                counts,
                ..Calibration::default()
            },
        );
        assert_eq!(c.steps.iter().flatten().nth(1).unwrap().matched, None);
    }

    #[test]
    fn a_dependency_added_scales_the_logged_install() {
        let df =
            "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
        let (_b, before, mut counts) =
            ctx(&[("requirements.txt", "flask==3.0.3\nrequests==2.32.3\n")]);
        let (_a, after, after_counts) = ctx(&[(
            "requirements.txt",
            "flask==3.0.3\nrequests==2.32.3\nsix==1.16.0\nattrs==24.2.0\n",
        )]);
        counts.merge(&after_counts);
        let b = input_from_text("Dockerfile".into(), df, &BuildOptions::default(), after).unwrap();
        let cal = Calibration {
            log: Some((
                "l".into(),
                vec![
                    obs(2, 3, "COPY requirements.txt .", 0.1),
                    obs(3, 3, "RUN pip install -r requirements.txt", 10.0),
                ],
            )),
            counts,
            ..Calibration::default()
        };
        let c = cost_steps_from(&b, Some(&before), &cal);
        let install = c.steps.iter().flatten().nth(1).unwrap();
        // No learned pip rate: this step's own, 5 s per requirement, for 2 more.
        assert!((install.seconds - 20.0).abs() < 1e-9, "{install:?}");
        assert!(install.basis.contains("2→4 packages"), "{}", install.basis);
        // With a learned rate, that rate.
        let mut cal = cal;
        cal.rates.learn_packages("pip -r", "python", 3.0, 2);
        let c = cost_steps_from(&b, Some(&before), &cal);
        let install = c.steps.iter().flatten().nth(1).unwrap();
        assert!((install.seconds - 13.0).abs() < 1e-9, "{install:?}");
        // When the logged step printed pip's timeline, what one package cost there (after
        // pip's start-up) wins over both: (9.0 - 3.0) s for 2 packages, 3 s each, 2 more.
        let text = [
            "#5 [3/3] RUN pip install -r requirements.txt",
            "#5 3.000 Collecting flask==3.0.3",
            "#5 4.100 Collecting requests==2.32.3",
            "#5 8.000 Installing collected packages: requests, flask",
            "#5 9.000 Successfully installed flask-3.0.3 requests-2.32.3",
            "#5 DONE 10.0s",
        ]
        .join("\n");
        let log = log::parse(&text).unwrap();
        let mut seen = Observed::from_log(&log);
        assert_eq!(seen[0].per_package, Some(3.0));
        seen.insert(0, obs(2, 3, "COPY requirements.txt .", 0.1));
        cal.log = Some(("l".into(), seen));
        let c = cost_steps_from(&b, Some(&before), &cal);
        let install = c.steps.iter().flatten().nth(1).unwrap();
        assert!((install.seconds - 16.0).abs() < 1e-9, "{install:?}");
        assert!(install.basis.contains("timeline"), "{}", install.basis);
    }

    #[test]
    fn a_package_sized_by_its_registry_weighs_its_megabytes() {
        use crate::ecosystem::registry::{RegistryFile, Sized};
        let df =
            "FROM python:3.11-slim\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\n";
        let (_b, before, mut counts) = ctx(&[("requirements.txt", "bottle==0.12.25\n")]);
        let (_a, after, after_counts) = ctx(&[(
            "requirements.txt",
            "bottle==0.12.25\nnumpy==1.26.4\nsix==1.16.0\n",
        )]);
        counts.merge(&after_counts);
        let b = input_from_text("Dockerfile".into(), df, &BuildOptions::default(), after).unwrap();
        // pip's timeline: one 90 kB package, 0.1 s after pip's start-up.
        let text = [
            "#5 [3/3] RUN pip install -r requirements.txt",
            "#5 0.400 Collecting bottle==0.12.25",
            "#5 0.410   Downloading bottle-0.12.25-py3-none-any.whl (90 kB)",
            "#5 0.420 Installing collected packages: bottle",
            "#5 0.500 Successfully installed bottle-0.12.25",
            "#5 DONE 0.6s",
        ]
        .join("\n");
        let mut seen = Observed::from_log(&log::parse(&text).unwrap());
        assert_eq!(seen[0].mean_bytes, Some(90_000.0));
        seen.insert(0, obs(2, 3, "COPY requirements.txt .", 0.1));
        let mut cal = Calibration {
            log: Some(("l".into(), seen)),
            counts,
            ..Calibration::default()
        };
        let install = |cal: &Calibration| {
            cost_steps_from(&b, Some(&before), cal)
                .steps
                .into_iter()
                .flatten()
                .nth(1)
                .unwrap()
        };
        // By count: two more packages at the logged 0.1 s each.
        let plain = install(&cal);
        assert!((plain.seconds - 0.8).abs() < 1e-9, "{plain:?}");
        // numpy sized (six not): its megabytes beyond the logged 0.09 MB at the default rate.
        cal.sizes.insert(Sized {
            registry: Kind::Pypi,
            name: "numpy".into(),
            file: RegistryFile {
                version: "1.26.4".into(),
                file: "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl".into(),
                bytes: 18_252_005,
            },
            source: "test".into(),
            cached: false,
        });
        let sized = install(&cal);
        let extra = heuristic::PYPI_SECONDS_PER_MB * (18.252005 - 0.09);
        assert!((sized.seconds - 0.8 - extra).abs() < 1e-6, "{sized:?}");
        assert!(
            sized
                .basis
                .contains("numpy 18.3 MB (PyPI) at 0.09s/MB (default)"),
            "{}",
            sized.basis
        );
        // A per-MB rate learned from logs replaces the default.
        cal.rates.learn_per_mb("pypi", 1.0, 10.0);
        let learned = install(&cal);
        assert!(
            (learned.seconds - 0.8 - 0.1 * (18.252005 - 0.09)).abs() < 1e-6,
            "{learned:?}"
        );
        // Without a log, the heuristic install grows by the sized package's megabytes too.
        cal.log = None;
        let heur = install(&cal);
        cal.sizes = PackageSizes::default();
        let by_count = install(&cal);
        assert_eq!(heur.source, CostSource::Heuristic);
        assert!(
            (heur.seconds - by_count.seconds - 0.1 * 18.252005).abs() < 1e-6,
            "{heur:?} vs {by_count:?}"
        );
    }
}
