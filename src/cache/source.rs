//! Where a build's cache comes from (`--cache-source`): the CI view.
//!
//! On a CI runner the local cache is usually empty; what hits is what the
//! previous run exported and this run imports with `--cache-from`. BuildKit
//! matches imported records by cache key exactly as it matches local ones, so
//! the keys of `simulate` still decide; what changes is which keys come with
//! a loadable result:
//!
//! - `local`: everything the first build recorded (today's behaviour).
//! - `none`: nothing (a fresh runner without `--cache-from`).
//! - `mode=max` (registry, gha, local-dir): every op of every stage built, with
//!   its result — the same set as `local`. Upstream: `solver/exporter.go`
//!   (`ExportTo` keeps `CacheExportModeMax` for the dependencies).
//! - `inline` and `mode=min`: only the records of the final image's layer
//!   chain carry results. `solver/exporter.go` exports the root result and
//!   switches the dependencies to `CacheExportModeRemoteOnly`, which attaches a
//!   result only where a blob already exists (the image's own layers);
//!   `cache/remotecache/inline/inline.go` (`ExportForLayers`) further keeps only
//!   the records whose results are layers of the exported image. The other
//!   stages' keys are still exported as links, without results.
//!
//! The import side (`solver/edge.go`) is lazy: the final op is looked up
//! first, and an op whose result is loaded from cache does not need its
//! inputs. So a builder stage whose keys match the import prints `CACHED`
//! when the step that reads it (`COPY --from=builder`) hits, and re-runs in
//! full when that step misses: its own records have no result to load. A
//! re-run builder that produces byte-identical files still lets the copy hit
//! through the content key, which is the `if_outputs_identical` world.
//! Verified against Docker 20.10 (BuildKit v0.8) for `inline` in the engine
//! tier; `mode=max`, `gha` and `local-dir` are modelled from the sources above
//! (and `cache/remotecache/gha/gha.go`, `cache/remotecache/local/local.go`,
//! which reuse the same exporter), not engine-verified.

use super::explain::Cause;
use super::input::BuildInput;
use super::keys::{compute_keys, Key, RemoteView};
use super::simulate::{simulate, Simulation, StepResult, Summary, Verdict};
use crate::model::{Base, Model};
use serde::Serialize;
use std::collections::HashSet;
use std::fmt;
use std::str::FromStr;

/// BuildKit's `mode=` of a cache export (`min` is BuildKit's default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportMode {
    Min,
    Max,
}

impl ExportMode {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportMode::Min => "min",
            ExportMode::Max => "max",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum CacheSource {
    /// Fresh runner, nothing imported.
    None,
    /// The builder's own cache (today's behaviour).
    #[default]
    Local,
    /// An image built with `BUILDKIT_INLINE_CACHE=1`, given to `--cache-from`.
    Inline,
    Registry {
        mode: ExportMode,
    },
    Gha {
        mode: ExportMode,
        scope: Option<String>,
    },
    LocalDir {
        mode: ExportMode,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error("unknown cache source `{0}` (expected none, local, inline, registry,mode=min|max, gha,mode=min|max[,scope=NAME], local-dir,mode=min|max)")]
    Unknown(String),
    #[error("cache source `{source_kind}`: `{option}` is not an option it takes")]
    Option { source_kind: String, option: String },
    #[error("cache source `{0}`: mode must be min or max")]
    Mode(String),
}

impl CacheSource {
    /// Options a cache-to/cache-from string may carry that do not change what
    /// is exported (`ref=`, `dest=`, `url=` …): accepted so that pipeline
    /// values can be passed through as written.
    const INERT: &'static [&'static str] = &[
        "ref",
        "src",
        "dest",
        "url",
        "token",
        "ignore-error",
        "compression",
        "compression-level",
        "force-compression",
        "oci-mediatypes",
        "image-manifest",
        "digest",
        "tag",
    ];

    pub fn mode(&self) -> Option<ExportMode> {
        match self {
            CacheSource::Registry { mode }
            | CacheSource::Gha { mode, .. }
            | CacheSource::LocalDir { mode } => Some(*mode),
            CacheSource::Inline => Some(ExportMode::Min),
            _ => None,
        }
    }

    /// Whether every built stage's records come with results.
    pub fn exports_all_stages(&self) -> bool {
        matches!(self, CacheSource::Local) || self.mode() == Some(ExportMode::Max)
    }

    /// Checked against a real engine (tests/engine, inline scenarios).
    pub fn engine_verified(&self) -> bool {
        matches!(
            self,
            CacheSource::None | CacheSource::Local | CacheSource::Inline
        )
    }

    /// How a step's reason names the export: `mode=min` or `inline`.
    fn export_words(&self) -> String {
        match self {
            CacheSource::Inline => "inline cache".to_string(),
            other => format!("{other}"),
        }
    }
}

impl fmt::Display for CacheSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CacheSource::None => f.write_str("none"),
            CacheSource::Local => f.write_str("local"),
            CacheSource::Inline => f.write_str("inline"),
            CacheSource::Registry { mode } => write!(f, "registry,mode={}", mode.as_str()),
            CacheSource::Gha { mode, scope } => {
                write!(f, "gha,mode={}", mode.as_str())?;
                if let Some(s) = scope {
                    write!(f, ",scope={s}")?;
                }
                Ok(())
            }
            CacheSource::LocalDir { mode } => write!(f, "local-dir,mode={}", mode.as_str()),
        }
    }
}

impl FromStr for CacheSource {
    type Err = SourceError;

    /// `registry,mode=max`; a buildx-style `type=registry,...` is accepted too.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut parts = s.split(',').map(str::trim).filter(|p| !p.is_empty());
        let first = parts.next().unwrap_or_default();
        let kind = first
            .strip_prefix("type=")
            .unwrap_or(first)
            .to_ascii_lowercase();
        let mut mode = ExportMode::Min;
        let mut scope = None;
        for p in parts {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            match k {
                "mode" => {
                    mode = match v {
                        "min" => ExportMode::Min,
                        "max" => ExportMode::Max,
                        _ => return Err(SourceError::Mode(s.to_string())),
                    }
                }
                "scope" if kind == "gha" => scope = Some(v.to_string()),
                k if Self::INERT.contains(&k) && !matches!(kind.as_str(), "none" | "local") => {}
                _ => {
                    return Err(SourceError::Option {
                        source_kind: kind.clone(),
                        option: k.to_string(),
                    })
                }
            }
        }
        Ok(match kind.as_str() {
            "none" => CacheSource::None,
            "local" => CacheSource::Local,
            "inline" => CacheSource::Inline,
            "registry" => CacheSource::Registry { mode },
            "gha" => CacheSource::Gha { mode, scope },
            "local-dir" => CacheSource::LocalDir { mode },
            _ => return Err(SourceError::Unknown(s.to_string())),
        })
    }
}

/// The `cache_source` JSON object of a step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceVerdict {
    /// The source as given: `inline`, `registry,mode=min`, …
    pub source: String,
    /// Whether the step's result comes from that source.
    pub served: bool,
    /// `imported: layer of the final image`, `not exported: builder stage, mode=min`, …
    pub reason: String,
}

/// Stages whose layers make up the target's image: the target and the stages
/// it is based on (`FROM builder AS final`).
pub fn final_chain(model: &Model) -> Vec<usize> {
    let mut out = Vec::new();
    let mut s = model.target;
    while s < model.stages.len() && !out.contains(&s) {
        out.push(s);
        match model.stages[s].base {
            Base::Stage(b) => s = b,
            _ => break,
        }
    }
    out
}

/// `simulate` as a build importing `source` sees it. `before` is the run that
/// exported the cache (its target decides what `inline`/`mode=min` holds).
pub fn simulate_with_source(
    before: &BuildInput,
    after: &BuildInput,
    source: &CacheSource,
) -> Simulation {
    let mut sim = simulate(before, after);
    let label = source.to_string();
    match source {
        CacheSource::Local => {
            for st in built_mut(&mut sim.steps) {
                let served = st.result == Verdict::Hit;
                st.cache_source = Some(SourceVerdict {
                    source: label.clone(),
                    served,
                    reason: if served {
                        "in the local build cache".into()
                    } else {
                        "not in the local build cache".into()
                    },
                });
            }
        }
        CacheSource::None => {
            for st in built_mut(&mut sim.steps) {
                st.result = Verdict::Miss;
                st.if_outputs_identical = None;
                st.reason = format!(
                    "{} ← no cache: fresh runner, nothing imported",
                    st.instruction
                );
                st.cause = Cause::NotCached {
                    source: label.clone(),
                    detail: "no cache imported".into(),
                };
                st.cache_source = Some(SourceVerdict {
                    source: label.clone(),
                    served: false,
                    reason: "no cache: fresh runner, nothing imported".into(),
                });
            }
        }
        _ if source.exports_all_stages() => {
            for st in built_mut(&mut sim.steps) {
                let served = st.result == Verdict::Hit;
                st.cache_source = Some(SourceVerdict {
                    source: label.clone(),
                    served,
                    reason: if served {
                        format!("imported from {label} (every stage exported)")
                    } else {
                        format!("key not in the {label} cache: the step changed")
                    },
                });
            }
        }
        _ => judge_min(before, after, source, &mut sim),
    }
    sim.summary = summarize(&sim.steps);
    sim
}

fn built_mut(steps: &mut [StepResult]) -> impl Iterator<Item = &mut StepResult> {
    steps.iter_mut().filter(|s| s.result != Verdict::NotBuilt)
}

fn summarize(steps: &[StepResult]) -> Summary {
    let mut s = Summary::default();
    for st in steps {
        match st.result {
            Verdict::Hit => s.hits += 1,
            Verdict::Miss => s.misses += 1,
            Verdict::NotBuilt => s.not_built += 1,
        }
    }
    s
}

/// Inline cache and `mode=min`: only the final chain's records carry results.
fn judge_min(before: &BuildInput, after: &BuildInput, source: &CacheSource, sim: &mut Simulation) {
    let label = source.to_string();
    let plain = |_: usize, k: &Key| (*k, String::new());
    let first = compute_keys(before, &|_, k| *k, &plain, RemoteView::Recorded);
    let chain = final_chain(&before.model);
    let mut exported: HashSet<Key> = HashSet::new();
    let mut known: HashSet<Key> = HashSet::new();
    for r in first.ops.iter().flatten() {
        known.insert(r.key);
        if chain.contains(&before.model.steps[r.step].stage) {
            exported.insert(r.key);
        }
    }
    for (s, ts) in first.triggers.iter().enumerate() {
        for t in ts {
            known.insert(t.record.key);
            if chain.contains(&s) {
                exported.insert(t.record.key);
            }
        }
    }
    let deps = dependencies(&after.model, &sim.steps);
    let root = stage_last(&after.model, &sim.steps, after.model.target);
    let world = |which: usize| -> (Vec<bool>, Vec<bool>) {
        let key = |i: usize| -> Option<Key> {
            sim.steps[i]
                .keys
                .as_ref()
                .map(|k| if which == 0 { k.0 } else { k.1 })
        };
        let loadable: Vec<bool> = (0..sim.steps.len())
            .map(|i| key(i).is_some_and(|k| exported.contains(&k)))
            .collect();
        // A key that exists only in the identical world is a content key:
        // BuildKit can compute it only after running what it reads.
        let stop: Vec<bool> = (0..sim.steps.len())
            .map(|i| {
                loadable[i]
                    && sim.steps[i]
                        .keys
                        .as_ref()
                        .is_some_and(|k| which == 0 || k.0 == k.1)
            })
            .collect();
        let needed = needed(root, &deps, &stop);
        let hit = (0..sim.steps.len())
            .map(|i| loadable[i] || (!needed[i] && key(i).is_some_and(|k| known.contains(&k))))
            .collect();
        (hit, loadable)
    };
    let (hit_d, loadable_d) = world(0);
    let (hit_i, _) = world(1);
    let after_chain = final_chain(&after.model);
    for (i, st) in sim.steps.iter_mut().enumerate() {
        if st.result == Verdict::NotBuilt || st.keys.is_none() {
            continue;
        }
        let locally_hit = st.result == Verdict::Hit;
        st.result = if hit_d[i] {
            Verdict::Hit
        } else {
            Verdict::Miss
        };
        st.if_outputs_identical = (hit_i[i] != hit_d[i]).then(|| {
            if hit_i[i] {
                Verdict::Hit
            } else {
                Verdict::Miss
            }
        });
        let in_image = chain.contains(&st.stage) || after_chain.contains(&st.stage);
        let (served, reason) = if loadable_d[i] {
            (
                true,
                format!("imported from {label}: a layer of the final image"),
            )
        } else if hit_d[i] {
            (
                true,
                "not needed: a later step was imported, so BuildKit skips it (prints CACHED)"
                    .to_string(),
            )
        } else if locally_hit {
            // The key is in the import, but without a result to load.
            let why = if in_image {
                format!("not exported: not in the image {label} was exported from")
            } else {
                let name = st
                    .stage_name
                    .clone()
                    .unwrap_or_else(|| format!("stage-{}", st.stage));
                format!(
                    "not exported: builder stage `{name}`, {}",
                    match source {
                        CacheSource::Inline => "inline cache".to_string(),
                        other =>
                            format!("mode={}", other.mode().unwrap_or(ExportMode::Min).as_str()),
                    }
                )
            };
            st.reason = format!("{} ← {why}", st.instruction);
            st.cause = Cause::NotCached {
                source: label.clone(),
                detail: why.clone(),
            };
            (false, why)
        } else {
            (
                false,
                format!(
                    "key not in the {} either: the step changed",
                    source.export_words()
                ),
            )
        };
        if st.result == Verdict::Hit {
            st.reason = "cache hit".to_string();
            st.cause = Cause::None;
        }
        st.cache_source = Some(SourceVerdict {
            source: label.clone(),
            served,
            reason,
        });
    }
}

/// Per result index: the results whose output it needs if it runs (the
/// previous op of its stage, or its base stage's last op; and the last op of
/// each stage it reads).
fn dependencies(model: &Model, steps: &[StepResult]) -> Vec<Vec<usize>> {
    let mut deps = vec![Vec::new(); steps.len()];
    for i in 0..steps.len() {
        if steps[i].keys.is_none() {
            continue;
        }
        let stage = steps[i].stage;
        let prev = (0..i)
            .rev()
            .find(|&j| steps[j].stage == stage && steps[j].keys.is_some());
        match prev {
            Some(p) => deps[i].push(p),
            None => {
                if let Some(Base::Stage(b)) = model.stages.get(stage).map(|s| &s.base) {
                    deps[i].extend(stage_last(model, steps, *b));
                }
            }
        }
        if let Some(step) = model.steps.get(steps[i].step) {
            for s in step.stage_reads() {
                deps[i].extend(stage_last(model, steps, s));
            }
        }
    }
    deps
}

/// The result holding a stage's final state: its last op, else its base stage's.
fn stage_last(model: &Model, steps: &[StepResult], stage: usize) -> Option<usize> {
    let mut s = stage;
    for _ in 0..=model.stages.len() {
        if let Some(i) = (0..steps.len())
            .rev()
            .find(|&i| steps[i].stage == s && steps[i].keys.is_some())
        {
            return Some(i);
        }
        match model.stages.get(s).map(|st| &st.base) {
            Some(Base::Stage(b)) => s = *b,
            _ => return None,
        }
    }
    None
}

/// Which results the build must produce: from the final op down, stopping at
/// results loaded from the cache (their inputs are not needed).
fn needed(root: Option<usize>, deps: &[Vec<usize>], loadable: &[bool]) -> Vec<bool> {
    let mut needed = vec![false; deps.len()];
    let mut todo: Vec<usize> = root.into_iter().collect();
    while let Some(i) = todo.pop() {
        if needed[i] {
            continue;
        }
        needed[i] = true;
        if !loadable[i] {
            todo.extend(deps[i].iter().copied());
        }
    }
    needed
}

#[cfg(test)]
#[path = "source_tests.rs"]
mod tests;
