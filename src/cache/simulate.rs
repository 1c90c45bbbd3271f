//! Runs the first build's keys into a record, then the second build's keys
//! against it, and explains every miss.

use super::explain::{explain_miss, explain_trigger_miss, Cause};
use super::input::BuildInput;
use super::keys::{
    compute_keys_with, BuildKeys, EnvDigests, Key, OpRecord, RemoteView, TRIGGER_STEP,
};
use super::progress::{progress_labels, trigger_labels, Progress};
use super::source::SourceVerdict;
use crate::model::Base;
use serde::Serialize;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Hit,
    Miss,
    NotBuilt,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Hit => "hit",
            Verdict::Miss => "miss",
            Verdict::NotBuilt => "not-built",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// 0-based index of the stage's FROM.
    pub stage: usize,
    pub stage_name: Option<String>,
    /// 1-based line where the instruction starts (second build's Dockerfile).
    pub line: usize,
    /// Its first line.
    pub instruction: String,
    pub result: Verdict,
    pub reason: String,
    pub cause: Cause,
    /// The verdict if every re-run stage (and re-fetched URL) produced
    /// byte-identical output; present only where it differs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub if_outputs_identical: Option<Verdict>,
    /// BuildKit's `[stage k/n]` label for this op.
    pub progress: Option<Progress>,
    /// Index into the model's steps; `TRIGGER_STEP` for an ONBUILD trigger
    /// of the stage's base image (no model step).
    #[serde(skip)]
    pub step: usize,
    /// Which cache source serves the step, or why none can; set only when a
    /// cache source was asked for (`--cache-source`, see `cache::source`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cache_source: Option<SourceVerdict>,
    /// The step's key in the two worlds (outputs differ, outputs identical):
    /// a remote cache source re-judges steps against its own exported keys.
    /// Boxed: set only by a full simulation, and a long file's lean ones
    /// (the rules') hold a result per step.
    #[serde(skip)]
    pub(crate) keys: Option<Box<(Key, Key)>>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    pub hits: usize,
    pub misses: usize,
    pub not_built: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Simulation {
    pub steps: Vec<StepResult>,
    pub summary: Summary,
}

/// Matches a stage of the second build to the first: by name, else by index.
fn matching_stage(before: &BuildInput, after: &BuildInput, s: usize) -> Option<usize> {
    let stage = after.model.stages.get(s)?;
    match &stage.name {
        Some(n) => before.model.stage_by_name(n),
        None => before
            .model
            .stages
            .get(s)
            .filter(|b| b.name.is_none())
            .map(|b| b.index),
    }
}

fn verdict(hit: bool) -> Verdict {
    if hit {
        Verdict::Hit
    } else {
        Verdict::Miss
    }
}

/// Sets a step's verdict from the recorded keys: a hit, or a miss explained
/// by `explain`; `if_outputs_identical` where the other world disagrees.
fn judge(
    res: &mut StepResult,
    summary: &mut Summary,
    seen: &HashSet<Key>,
    key: &Key,
    key_if_identical: &Key,
    full: bool,
    explain: impl FnOnce() -> (String, Cause),
) {
    let hit = seen.contains(key);
    let hit_if_identical = seen.contains(key_if_identical);
    res.result = verdict(hit);
    if hit_if_identical != hit {
        res.if_outputs_identical = Some(verdict(hit_if_identical));
    }
    if hit {
        if full {
            res.reason = "cache hit".to_string();
        }
        summary.hits += 1;
    } else {
        if full {
            (res.reason, res.cause) = explain();
        }
        summary.misses += 1;
    }
}

/// How much a simulation says about each step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    /// Everything `simulate` prints: why each miss misses, the verdict if
    /// re-run stages gave identical outputs, BuildKit's progress labels.
    Full,
    /// Each step's verdict and line, nothing more.
    Verdicts,
}

/// Simulates the second build against the first: every step's verdict,
/// with why it misses and what it would do if outputs were identical.
pub fn simulate(before: &BuildInput, after: &BuildInput) -> Simulation {
    simulate_with(before, after, Detail::Full)
}

/// [`simulate`]'s verdicts (and lines) only. The rules ask only which
/// steps re-run: the explanations, the third key set (the
/// outputs-identical world) and the per-step strings were half of a
/// simulation's time and memory on long files, for nothing they read.
pub fn verdicts(before: &BuildInput, after: &BuildInput) -> Simulation {
    simulate_with(before, after, Detail::Verdicts)
}

fn simulate_with(before: &BuildInput, after: &BuildInput, detail: Detail) -> Simulation {
    let full = detail == Detail::Full;
    let plain = |_: usize, k: &Key| (*k, String::new());
    // One env memo for the three key sets: `after` shares `before`'s env lists.
    let mut envs = EnvDigests::default();
    let first = compute_keys_with(before, &|_, k| *k, &plain, RemoteView::Recorded, &mut envs);
    let seen: HashSet<Key> = first
        .ops
        .iter()
        .flatten()
        .chain(first.triggers.iter().flatten().map(|t| &t.record))
        .map(|r| r.key)
        .collect();
    // A lean simulation reads the first build's keys only through `seen`:
    // its records (a long file's largest allocation here) go before the
    // second build's are made.
    let first = if full {
        first
    } else {
        drop(first);
        BuildKeys::default()
    };
    // The first build's stage bases, for explanations: a set, not a scan
    // of every stage per miss.
    let bases: HashSet<Key> = first.stage_base.iter().flatten().copied().collect();
    let mut by_chain: HashMap<Key, Vec<&OpRecord>> = HashMap::new();
    if full {
        for r in first.ops.iter().flatten() {
            by_chain.entry(r.chain).or_default().push(r);
        }
    }

    let differ = compute_keys_with(after, &|_, k| *k, &plain, RemoteView::Refetched, &mut envs);
    // The other world: whatever we cannot see turned out the same. Re-run
    // stages give the bytes they gave before; a FROM naming another tag or
    // digest has the same layers; a moved base (--base-changed) kept its
    // layers, so only its config (which RUN sees) changed.
    let same_image = |s: usize, k: &Key| {
        let stage = &after.model.stages[s];
        let moved = matches!(&stage.base, Base::Image(r) if after.image_moved(r));
        let earlier = matching_stage(before, after, s)
            .filter(|&b| matches!(before.model.stages[b].base, Base::Image(_)))
            .and_then(|b| first.stage_base.get(b).copied().flatten());
        let key = earlier.unwrap_or(*k);
        (
            key,
            if moved {
                "base-config-changed".to_string()
            } else {
                String::new()
            },
        )
    };
    // Without the outputs-identical world, each step's key there is its key
    // here: no verdict differs, so none is reported.
    let identical_keys;
    let identical: &BuildKeys = if !full {
        &differ
    } else {
        identical_keys = compute_keys_with(
            after,
            &|s, k| {
                matching_stage(before, after, s)
                    .and_then(|b| first.stage_final.get(b).copied().flatten())
                    .unwrap_or(*k)
            },
            &same_image,
            RemoteView::Recorded,
            &mut envs,
        );
        &identical_keys
    };

    let (labels, tlabels) = if full {
        (progress_labels(&after.model), trigger_labels(&after.model))
    } else {
        (
            vec![None; after.model.steps.len()],
            vec![Vec::new(); after.model.stages.len()],
        )
    };
    let reachable = after.model.reachable();
    let target_label = after
        .model
        .stages
        .get(after.model.target)
        .map(|s| s.label())
        .unwrap_or_default();
    // One result per op and trigger op: reserved once (a long file's
    // results, grown by doubling, were a quarter of a simulation's peak).
    let mut steps = Vec::with_capacity(
        after.model.steps.iter().filter(|s| s.op.is_some()).count()
            + after
                .model
                .stages
                .iter()
                .map(|st| st.onbuild.iter().filter(|t| t.op.is_some()).count())
                .sum::<usize>(),
    );
    let mut summary = Summary::default();
    for stage in &after.model.stages {
        let built = reachable.get(stage.index).copied().unwrap_or(false);
        let not_built = format!(
            "not built: stage `{}` is not needed for target `{}`",
            stage.label(),
            target_label
        );
        // The base image's ONBUILD triggers run first.
        let from_line = after.dockerfile.instructions[stage.from_instruction].start_line;
        let mut pos = 0;
        for (t, trigger) in stage.onbuild.iter().enumerate() {
            if trigger.op.is_none() {
                continue;
            }
            let mut res = StepResult {
                stage: stage.index,
                stage_name: stage.name.clone().filter(|_| full),
                line: from_line,
                instruction: if full {
                    format!("ONBUILD {}", trigger.text)
                } else {
                    String::new()
                },
                result: Verdict::NotBuilt,
                reason: String::new(),
                cause: Cause::None,
                if_outputs_identical: None,
                progress: tlabels[stage.index].get(t).cloned().flatten(),
                step: TRIGGER_STEP,
                cache_source: None,
                keys: None,
            };
            if !built {
                if full {
                    res.reason = not_built.clone();
                }
                summary.not_built += 1;
                steps.push(res);
                continue;
            }
            let here = pos;
            pos += 1;
            let (Some(d), Some(id)) = (
                differ.triggers[stage.index].get(here),
                identical.triggers[stage.index].get(here),
            ) else {
                continue;
            };
            if full {
                res.keys = Some(Box::new((d.record.key, id.record.key)));
            }
            judge(
                &mut res,
                &mut summary,
                &seen,
                &d.record.key,
                &id.record.key,
                full,
                || explain_trigger_miss(before, after, &first, &differ, &seen, stage.index, here),
            );
            steps.push(res);
        }
        let last_trigger = differ.triggers[stage.index].last();
        for i in after.model.stage_range(stage.index) {
            let step = &after.model.steps[i];
            if step.op.is_none() {
                continue;
            }
            let ins = &after.dockerfile.instructions[step.instruction];
            let mut res = StepResult {
                stage: step.stage,
                stage_name: stage.name.clone().filter(|_| full),
                line: ins.start_line,
                instruction: if full {
                    ins.first_line(&after.dockerfile.source).trim().to_string()
                } else {
                    String::new()
                },
                result: Verdict::NotBuilt,
                reason: String::new(),
                cause: Cause::None,
                if_outputs_identical: None,
                progress: labels[i].clone(),
                step: i,
                cache_source: None,
                keys: None,
            };
            if !built {
                if full {
                    res.reason = not_built.clone();
                }
                summary.not_built += 1;
                steps.push(res);
                continue;
            }
            let (Some(d), Some(id)) = (&differ.ops[i], &identical.ops[i]) else {
                continue;
            };
            let res_instruction = res.instruction.clone();
            if full {
                res.keys = Some(Box::new((d.key, id.key)));
            }
            judge(&mut res, &mut summary, &seen, &d.key, &id.key, full, || {
                match last_trigger.filter(|t| t.record.key == d.chain && !seen.contains(&d.chain)) {
                    // The stage's first op follows the last trigger, which missed.
                    Some(t) => {
                        let instruction = stage
                            .onbuild
                            .get(t.trigger)
                            .map(|x| format!("ONBUILD {}", x.text))
                            .unwrap_or_default();
                        (
                            format!(
                                "{} ← upstream: {instruction} (line {from_line}) missed",
                                res_instruction
                            ),
                            Cause::Upstream {
                                stage: stage.index,
                                line: from_line,
                                instruction,
                            },
                        )
                    }
                    None => explain_miss(before, after, &differ, &by_chain, &seen, &bases, d),
                }
            });
            steps.push(res);
        }
    }
    Simulation { steps, summary }
}
