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
pub mod profile;

use crate::cache::BuildInput;
use crate::cache::{progress_labels, Simulation, StepResult, Verdict};
use crate::model::{Base, Op};
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
}

impl Observed {
    pub fn from_log(l: &log::BuildLog) -> Vec<Observed> {
        l.steps
            .iter()
            .filter(|s| !s.is_from())
            .map(|s| Observed {
                stage: s.stage.clone(),
                k: s.k,
                n: s.n,
                instruction: s.instruction.clone(),
                seconds: s.seconds(),
                bytes: None,
            })
            .collect()
    }
}

/// Timings from a log and/or a profile, each with a name for messages.
#[derive(Debug, Clone, Default)]
pub struct Calibration {
    pub log: Option<(String, Vec<Observed>)>,
    pub profile: Option<(String, Vec<Observed>)>,
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
}

/// Costs for every step of a build (indexed like `model.steps`; `None` for steps without an
/// op), plus what the user should know about the calibration.
#[derive(Debug, Clone)]
pub struct Costing {
    pub steps: Vec<Option<StepCost>>,
    pub warnings: Vec<String>,
}

/// Words of an instruction for matching: whitespace collapsed, keyword upper-cased.
fn words(text: &str) -> Vec<String> {
    let mut w: Vec<String> = text
        .replace("\\\n", " ")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if let Some(first) = w.first_mut() {
        *first = first.to_ascii_uppercase();
    }
    w
}

/// Whether the model's instruction (variables unexpanded) could display as the logged one
/// (variables expanded): word by word, a model word with `$` matches anything.
fn same_text(model: &[String], logged: &[String]) -> bool {
    if model.len() == logged.len() {
        return model
            .iter()
            .zip(logged)
            .all(|(m, l)| m == l || m.contains('$'));
    }
    // An expanded variable may hold spaces: same keyword is enough when variables are present.
    model.iter().any(|m| m.contains('$')) && model.first() == logged.first()
}

fn same_stage(model: &str, logged: Option<&str>) -> bool {
    logged.is_none_or(|l| l.eq_ignore_ascii_case(model))
}

/// For each model step, the index of the observation that describes it.
///
/// First by BuildKit's label `(stage, k, n)` with compatible text, then, for Dockerfiles that
/// changed since the log was taken, by instruction text within the same stage (the nearest `k`).
pub fn match_steps(build: &BuildInput, observed: &[Observed]) -> Vec<Option<usize>> {
    let labels = progress_labels(&build.model);
    let texts: Vec<Option<Vec<String>>> = build
        .model
        .steps
        .iter()
        .map(|s| {
            s.op.as_ref()
                .map(|_| words(&build.dockerfile.instructions[s.instruction].logical))
        })
        .collect();
    let obs_words: Vec<Vec<String>> = observed.iter().map(|o| words(&o.instruction)).collect();
    let mut used = vec![false; observed.len()];
    let mut out = vec![None; build.model.steps.len()];
    for (i, label) in labels.iter().enumerate() {
        let (Some(l), Some(t)) = (label, &texts[i]) else {
            continue;
        };
        if let Some(j) = observed.iter().enumerate().position(|(j, o)| {
            !used[j]
                && o.k == l.k
                && o.n == l.n
                && same_stage(&l.stage, o.stage.as_deref())
                && same_text(t, &obs_words[j])
        }) {
            used[j] = true;
            out[i] = Some(j);
        }
    }
    for (i, label) in labels.iter().enumerate() {
        let (Some(l), Some(t), None) = (label, &texts[i], out[i]) else {
            continue;
        };
        let best = observed
            .iter()
            .enumerate()
            .filter(|(j, o)| {
                !used[*j]
                    && same_stage(&l.stage, o.stage.as_deref())
                    && same_text(t, &obs_words[*j])
            })
            .min_by_key(|(_, o)| o.k.abs_diff(l.k))
            .map(|(j, _)| j);
        if let Some(j) = best {
            used[j] = true;
            out[i] = Some(j);
        }
    }
    out
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
    Vec<Option<usize>>,
);

/// Costs every step of `build` that the target needs.
pub fn cost_steps(build: &BuildInput, cal: &Calibration) -> Costing {
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
        let guess = heuristic::guess(op, &build.context);
        let mut cost = StepCost {
            seconds: guess.seconds,
            bytes: guess.bytes,
            source: CostSource::Heuristic,
            basis: guess.class,
        };
        for (src, _, obs, matched) in &sources {
            let Some(o) = matched[i].map(|j| &obs[j]) else {
                continue;
            };
            if let Some(b) = o.bytes {
                cost.bytes = b;
            }
            if let Some(s) = o.seconds {
                cost.seconds = s;
                cost.source = *src;
                let stage = o
                    .stage
                    .as_deref()
                    .map(|s| format!("{s} "))
                    .unwrap_or_default();
                let what = if *src == CostSource::Log {
                    "log"
                } else {
                    "profile"
                };
                cost.basis = format!("{what} [{stage}{}/{}] {:.1}s", o.k, o.n, s);
                break;
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
        let hits = matched.iter().flatten().count();
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
            .filter(|&&i| matched[i].is_some_and(|j| obs[j].seconds.is_none()))
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
        self.share = ratio(self.seconds, self.full_build_seconds);
    }

    pub fn rounded(mut self) -> Rebuild {
        self.seconds = round2(self.seconds);
        self.full_build_seconds = round2(self.full_build_seconds);
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

/// Adds up the simulated rebuild of `after`.
pub fn estimate(sim: &Simulation, after: &BuildInput, cal: &Calibration) -> Estimate {
    let costing = cost_steps(after, cal);
    let chain = final_chain(after);
    let mut r = Rebuild::default();
    let mut steps = Vec::new();
    for st in &sim.steps {
        let cost = match st.result {
            Verdict::NotBuilt => None,
            _ => costing.steps.get(st.step).cloned().flatten(),
        };
        if let Some(c) = &cost {
            r.steps_total += 1;
            r.full_build_seconds += c.seconds;
            if st.result == Verdict::Miss {
                r.steps_rerun += 1;
                r.seconds += c.seconds;
                r.bytes += c.bytes;
                let layer = matches!(
                    after.model.steps[st.step].op,
                    Some(Op::Run(_) | Op::Copy(_))
                );
                if layer && chain.get(st.stage).copied().unwrap_or(false) {
                    r.layers_to_push += 1;
                    r.push_bytes += c.bytes;
                }
            }
        }
        steps.push(StepEstimate {
            result: st.clone(),
            cost,
        });
    }
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
            profile: None,
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
        assert!((e.rebuild.seconds - 1.3).abs() < 1e-9);
        assert!((e.rebuild.full_build_seconds - 3.8).abs() < 1e-9);
        assert_eq!(e.rebuild.layers_to_push, 2);
        assert!(e
            .steps
            .iter()
            .all(|s| s.cost.as_ref().unwrap().source == CostSource::Log));
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
        }];
        let m = match_steps(&b, &obs);
        assert_eq!(m.iter().flatten().count(), 1);
        let c = cost_steps(
            &b,
            &Calibration {
                log: None,
                profile: Some(("p".into(), obs)),
            },
        );
        let last = c.steps.iter().flatten().last().unwrap();
        assert_eq!(
            (last.seconds, last.bytes, last.source),
            (2.0, 7, CostSource::Profile)
        );
    }
}
