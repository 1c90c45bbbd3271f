//! Per CI build: the cache source a fresh runner sees, what a typical change
//! re-runs there versus locally (the estimate machinery, on the last N commits
//! or on given paths), and the cache setting that would re-run less.

use super::{CiBuild, Origin};
use crate::cache::{self, CacheSource, ExportMode};
use crate::change::{self, ChangeKind, ChangeSpec};
use crate::cost::history::{self, HistorySpec};
use crate::cost::{self, Calibration, Rebuild};
use crate::model::{BuildOptions, Model};
use serde::Serialize;
use std::path::Path;

/// What "a typical change" is.
#[derive(Debug, Clone)]
pub enum Changes {
    /// The last N commits touching the context (0: all).
    History(usize),
    /// These context paths change.
    Paths(Vec<String>),
}

/// Rebuild figures for one cache source, summed over the changes.
#[derive(Debug, Clone, Serialize)]
pub struct Figures {
    /// How many changes were replayed.
    pub changes: usize,
    pub local: Rebuild,
    pub ci: Rebuild,
    /// With the suggested cache source.
    pub suggested: Option<Rebuild>,
}

impl Figures {
    pub fn per_change(&self, r: &Rebuild) -> f64 {
        if self.changes == 0 {
            0.0
        } else {
            r.seconds / self.changes as f64
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BuildAnalysis {
    #[serde(skip)]
    pub build: CiBuild,
    pub source: String,
    /// `none`/`local`/`inline` are engine-verified; the others are modelled.
    pub engine_verified: bool,
    pub multistage: bool,
    /// Stages that re-run on every CI run under inline/mode=min (not in the final image).
    pub not_exported_stages: Vec<String>,
    pub suggested_source: Option<String>,
    pub suggestion: Option<String>,
    pub figures: Option<Figures>,
    pub notes: Vec<String>,
}

/// The model of a build's Dockerfile, if it parses.
pub fn load_model(root: &Path, b: &CiBuild) -> Option<Model> {
    let text = crate::source::read_text(
        &root.join(&b.dockerfile),
        crate::source::MAX_DOCKERFILE_BYTES,
    )
    .ok()?;
    let df = crate::syntax::parse(&text).ok()?;
    let opts = BuildOptions {
        build_args: b.build_args.iter().cloned().collect(),
        target: b.target.clone(),
        ..Default::default()
    };
    crate::model::build(&df, &opts).ok()
}

/// Reachable stages outside the final image's chain: what inline/min cannot hold.
pub fn builder_stages(model: &Model) -> Vec<String> {
    let chain = cache::final_chain(model);
    let reach = model.reachable();
    model
        .stages
        .iter()
        .filter(|s| reach.get(s.index).copied().unwrap_or(false) && !chain.contains(&s.index))
        .map(|s| s.label())
        .collect()
}

/// The cache setting that re-runs less, and why.
pub fn suggest(
    b: &CiBuild,
    source: &CacheSource,
    builders: &[String],
) -> Option<(CacheSource, String)> {
    let github = matches!(b.origin, Origin::BuildPushAction | Origin::GithubRun);
    let max = |scope: Option<String>| {
        if github {
            CacheSource::Gha {
                mode: ExportMode::Max,
                scope,
            }
        } else {
            CacheSource::Registry {
                mode: ExportMode::Max,
            }
        }
    };
    match source {
        CacheSource::None if b.no_cache.is_some() => Some((
            max(None),
            "drop no-cache and import/export a cache (every run is a cold build now)".into(),
        )),
        // The gha cache needs a buildx builder: say so where the job has none.
        CacheSource::None
            if b.origin == Origin::BuildPushAction
                && b.builder.as_ref().and_then(|x| x.driver()) == Some("docker") =>
        {
            Some((
                max(None),
                "build with docker/setup-buildx-action (the default docker driver cannot use the gha cache), then add cache-from/cache-to: a fresh runner has no cache, every run is a cold build".into(),
            ))
        }
        CacheSource::None => Some((
            max(None),
            "add cache-from/cache-to: a fresh runner has no cache, every run is a cold build".into(),
        )),
        CacheSource::Inline if !builders.is_empty() => Some((
            max(None),
            format!(
                "export every stage (mode=max): inline cache holds only the final image, so {} re-run{} whenever the final stage's copy from {} misses",
                builders.join(", "),
                if builders.len() == 1 { "s" } else { "" },
                if builders.len() == 1 { "it" } else { "them" },
            ),
        )),
        CacheSource::Registry { mode: ExportMode::Min }
        | CacheSource::Gha { mode: ExportMode::Min, .. }
        | CacheSource::LocalDir { mode: ExportMode::Min }
            if !builders.is_empty() =>
        {
            let s = match source {
                CacheSource::Gha { scope, .. } => CacheSource::Gha {
                    mode: ExportMode::Max,
                    scope: scope.clone(),
                },
                CacheSource::LocalDir { .. } => CacheSource::LocalDir { mode: ExportMode::Max },
                _ => CacheSource::Registry { mode: ExportMode::Max },
            };
            Some((
                s,
                format!(
                    "mode=max: mode=min exports only the final image's layers, so {} re-run{} on a fresh runner",
                    builders.join(", "),
                    if builders.len() == 1 { "s" } else { "" }
                ),
            ))
        }
        _ => None,
    }
}

pub fn analyze(root: &Path, b: &CiBuild, changes: &Changes, cal: &Calibration) -> BuildAnalysis {
    let source = b.cache_source();
    let model = load_model(root, b);
    let builders = model.as_ref().map(builder_stages).unwrap_or_default();
    let multistage = model
        .as_ref()
        .is_some_and(|m| m.reachable().iter().filter(|x| **x).count() > 1);
    let suggestion = suggest(b, &source, &builders);
    let mut notes = Vec::new();
    if model.is_none() {
        notes.push(format!(
            "{} could not be read or parsed: no figures",
            b.dockerfile.display()
        ));
    }
    let figures = model.as_ref().and_then(|_| {
        figures(
            root,
            b,
            &source,
            suggestion.as_ref().map(|s| &s.0),
            changes,
            cal,
        )
        .map_err(|e| notes.push(e))
        .ok()
    });
    BuildAnalysis {
        build: b.clone(),
        engine_verified: source.engine_verified(),
        source: source.to_string(),
        multistage,
        not_exported_stages: if matches!(source.mode(), Some(ExportMode::Min)) {
            builders
        } else {
            Vec::new()
        },
        suggested_source: suggestion.as_ref().map(|s| s.0.to_string()),
        suggestion: suggestion.map(|s| s.1),
        figures,
        notes,
    }
}

fn figures(
    root: &Path,
    b: &CiBuild,
    source: &CacheSource,
    suggested: Option<&CacheSource>,
    changes: &Changes,
    cal: &Calibration,
) -> Result<Figures, String> {
    let context = root.join(&b.context);
    let dockerfile = root.join(&b.dockerfile);
    let opts = BuildOptions {
        build_args: b.build_args.iter().cloned().collect(),
        target: b.target.clone(),
        ..Default::default()
    };
    match changes {
        Changes::History(n) => {
            let run = |s: &CacheSource| -> Result<(usize, Rebuild), String> {
                let h = history::replay(&HistorySpec {
                    context: context.clone(),
                    dockerfile: dockerfile.clone(),
                    range: None,
                    limit: *n,
                    opts: opts.clone(),
                    compare: None,
                    calibration: cal.clone(),
                    cache_source: s.clone(),
                })
                .map_err(|e| e.to_string())?;
                if h.commits.is_empty() {
                    return Err("no commit in the history could be compared with its parent: pass --changed PATH".into());
                }
                Ok((h.commits.len(), h.total))
            };
            let (changes, local) = run(&CacheSource::Local)?;
            let (_, ci) = run(source)?;
            let suggested = match suggested {
                Some(s) => Some(run(s)?.1),
                None => None,
            };
            Ok(Figures {
                changes,
                local,
                ci,
                suggested,
            })
        }
        Changes::Paths(paths) => {
            let spec = ChangeSpec {
                dockerfile: Some(dockerfile),
                context: Some(context),
                target: b.target.clone(),
                build_args: opts.build_args.clone(),
                kind: ChangeKind::Paths(paths.clone()),
                ..Default::default()
            };
            let p = change::prepare(&spec).map_err(|e| e.to_string())?;
            let run = |s: &CacheSource| {
                let sim = cache::simulate_with_source(&p.before, &p.after, s);
                cost::estimate(&sim, &p.after, cal).rebuild.rounded()
            };
            Ok(Figures {
                changes: 1,
                local: run(&CacheSource::Local),
                ci: run(source),
                suggested: suggested.map(run),
            })
        }
    }
}
