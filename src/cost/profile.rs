//! A stored cost profile: the timings of one real build, kept in the repository
//! (`.dockopt/profile.json`) so later estimates need no log.

use super::heuristic::{self, Env};
use super::log::{BuildLog, Status};
use super::matching::{match_steps, MatchKind};
use super::packages::PackageCounts;
use super::rates::Rates;
use super::Observed;
use crate::cache::BuildInput;
use crate::model::Op;
use serde::{Deserialize, Serialize};

pub const PROFILE_FORMAT: &str = "dockopt-profile/1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Profile {
    pub format: String,
    /// The Dockerfile the log was matched against when recording, if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dockerfile: Option<String>,
    pub steps: Vec<ProfileStep>,
    /// Rates learned from this build (seconds per package per installer, per class, the
    /// per-build overhead); recorded when the Dockerfile is known. `dockopt estimate
    /// --rates` pools them over any number of profiles.
    #[serde(default, skip_serializing_if = "Rates::is_empty")]
    pub rates: Rates,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileStep {
    /// The stage label (`stage-0`, `builder`); absent when the logged build had one stage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<String>,
    pub k: usize,
    pub n: usize,
    pub instruction: String,
    /// Measured duration; absent when the step was cached in the logged build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Output size, when known (editable by hand, e.g. from `docker history`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bytes: Option<u64>,
    /// Source line in `dockerfile`, when the step was matched at record time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
}

/// Why a text is not a profile, with the 1-based line and column where it
/// goes wrong: callers print it after the file name (`FILE:LINE:COL: …`).
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("{line}:{column}: not a dockopt profile: {message}")]
    Json {
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{line}:{column}: unsupported profile format `{found}` (expected `{PROFILE_FORMAT}`)")]
    Format {
        found: String,
        line: usize,
        column: usize,
    },
}

impl Profile {
    /// Every labelled, non-FROM step of the log.
    pub fn from_log(log: &BuildLog, dockerfile: Option<String>) -> Profile {
        let steps = log
            .steps
            .iter()
            .filter(|s| !s.is_from())
            .map(|s| ProfileStep {
                stage: s.stage.clone(),
                k: s.k,
                n: s.n,
                instruction: s.instruction.clone(),
                seconds: match s.status {
                    Status::Done(t) => Some(t),
                    _ => None,
                },
                bytes: None,
                line: None,
            })
            .collect();
        let mut rates = Rates::default();
        rates.learn_log(log);
        Profile {
            format: PROFILE_FORMAT.to_string(),
            dockerfile,
            steps,
            rates,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    pub fn parse(text: &str) -> Result<Profile, ProfileError> {
        let p: Profile = serde_json::from_str(text).map_err(|e| {
            let full = e.to_string();
            // serde_json's own " at line L column C" tail: the position leads instead.
            let message = full
                .rsplit_once(" at line ")
                .map_or(full.as_str(), |(m, _)| m)
                .to_string();
            ProfileError::Json {
                line: e.line().max(1),
                column: e.column().max(1),
                message,
            }
        })?;
        if p.format != PROFILE_FORMAT {
            // The `"format"` key, where it is (the first one: serde takes the
            // last of duplicates, which a profile does not have).
            let at = text.find("\"format\"").unwrap_or(0);
            let (line, column) = crate::ecosystem::lockfiles::line_col(text, at);
            return Err(ProfileError::Format {
                found: p.format,
                line,
                column,
            });
        }
        Ok(p)
    }

    pub fn observed(&self) -> Vec<Observed> {
        self.steps
            .iter()
            .map(|s| Observed {
                stage: s.stage.clone(),
                k: s.k,
                n: s.n,
                instruction: s.instruction.clone(),
                seconds: s.seconds,
                bytes: s.bytes,
                per_package: None,
                mean_bytes: None,
                builds: 1,
            })
            .collect()
    }
}

/// Rates a logged build teaches: each RUN found by label, text or as merged logged RUNs (the
/// very commands that ran) splits its logged time over its commands in proportion to their default figures;
/// an installer with a package count teaches seconds per package, any other class seconds
/// per step. Trivial commands (no learnable key) only take their share.
pub fn learn_rates(build: &BuildInput, observed: &[Observed], counts: &PackageCounts) -> Rates {
    let mut rates = Rates::default();
    let defaults = Rates::default();
    for (i, m) in match_steps(build, observed).iter().enumerate() {
        let Some(m) = m else { continue };
        if m.kind == MatchKind::Similar {
            continue;
        }
        let secs: Option<f64> = m.obs.iter().map(|&j| observed[j].seconds).sum();
        let (Some(op @ Op::Run(_)), Some(secs)) = (&build.model.steps[i].op, secs) else {
            continue;
        };
        let env = Env {
            context: &build.context,
            counts,
            rates: &defaults,
            base: match &build.model.stages[build.model.steps[i].stage].base {
                crate::model::Base::Image(b) => Some(b.as_str()),
                _ => None,
            },
        };
        let g = heuristic::guess(op, &env);
        let work = (secs - heuristic::RUN_OVERHEAD).max(0.0);
        let total = (g.seconds - heuristic::RUN_OVERHEAD).max(1e-9);
        for p in &g.parts {
            let share = work * p.seconds / total;
            match (p.packages, &p.ecosystem) {
                (Some(n), Some(eco)) if n > 0 => rates.learn_packages(&p.key, eco, share, n),
                (None, None) => rates.learn_class(&p.key, share),
                _ => {}
            }
        }
    }
    rates
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cost::log;

    #[test]
    fn round_trip_from_a_captured_log() {
        let l = log::parse(include_str!("testdata/multi-stage.plain.log")).unwrap();
        let p = Profile::from_log(&l, Some("Dockerfile".into()));
        assert_eq!(p.steps.len(), 5, "FROM is dropped");
        let text = p.to_json();
        let back = Profile::parse(&text).unwrap();
        assert_eq!(back, p);
        assert_eq!(
            back.steps[2].instruction,
            "RUN sleep 1 && echo built > /out"
        );
        assert_eq!(back.steps[2].seconds, Some(1.1));
        assert_eq!(back.observed()[2].stage.as_deref(), Some("builder"));
    }

    #[test]
    fn rejects_other_json() {
        assert!(matches!(
            Profile::parse(r#"{"format":"x/2","steps":[]}"#),
            Err(ProfileError::Format {
                line: 1,
                column: 2,
                ..
            })
        ));
        assert!(matches!(
            Profile::parse("[]"),
            Err(ProfileError::Json { line: 1, .. })
        ));
        let e =
            Profile::parse("{\n \"format\": \"dockopt-profile/1\",\n \"steps\": 3}").unwrap_err();
        assert_eq!(
            e.to_string(),
            "3:11: not a dockopt profile: invalid type: integer `3`, expected a sequence"
        );
    }
}
