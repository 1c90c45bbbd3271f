//! `dockopt fix` on CI pipeline files (GitHub Actions workflows, `.gitlab-ci.yml`):
//! applies the fixes the CI rules (DO6xx) attach, exactly those `check` shows.
//!
//! The guard is the pipeline's own: the result must parse as YAML and, checked
//! again, hold no finding of a code the original did not have and fewer findings
//! of every code a round fixed. Rounds repeat until nothing changes, so a second
//! `fix` finds nothing more.

use super::{Applied, Outcome, RewriteError, Settings};
use crate::fix::{edit, Applicability, Skip};
use crate::rules::config::Settings as RuleSettings;
use crate::rules::engine::check_pipeline_file;
use crate::rules::Finding;
use std::collections::BTreeMap;
use std::path::Path;

/// At most this many rounds; each fixes at least one finding or stops.
const MAX_ROUNDS: usize = 8;

fn applied(f: &Finding) -> Option<Applied> {
    f.fix.as_ref().map(|x| Applied {
        code: f.code,
        applicability: x.applicability,
        line: f.start.line,
        message: x.message.clone(),
    })
}

fn wanted(f: &Finding, settings: &Settings) -> bool {
    let Some(fix) = &f.fix else { return false };
    !fix.edits.is_empty()
        && settings.enabled(f.code)
        && match fix.applicability {
            Applicability::Safe => true,
            Applicability::Unsafe => settings.unsafe_fixes,
            Applicability::DisplayOnly => false,
        }
}

fn per_code(findings: &[Finding]) -> BTreeMap<&'static str, usize> {
    let mut m = BTreeMap::new();
    for f in findings {
        *m.entry(f.code).or_insert(0) += 1;
    }
    m
}

/// The findings `rules` reports on `text`, or the file's error.
fn findings(
    path: &Path,
    name: &str,
    text: &str,
    rules: &RuleSettings,
) -> Result<Vec<Finding>, String> {
    let r = check_pipeline_file(path, name, text, rules);
    match r.error {
        Some(e) => Err(e),
        None => Ok(r.findings),
    }
}

/// Fixes `text`, the pipeline file at `path`, with the rules `rules` turns on.
pub fn fix_pipeline(
    path: &Path,
    text: &str,
    settings: &Settings,
    rules: &RuleSettings,
) -> Result<Outcome, RewriteError> {
    let name = path.display().to_string();
    let mut out = Outcome {
        output: text.to_string(),
        applied: Vec::new(),
        unsafe_available: Vec::new(),
        skipped: Vec::new(),
        refused: Vec::new(),
        new_files: Vec::new(),
        iterations: 0,
    };
    let mut before = findings(path, &name, text, rules).map_err(RewriteError::Pipeline)?;
    out.unsafe_available = before
        .iter()
        .filter(|f| {
            !settings.unsafe_fixes
                && settings.enabled(f.code)
                && f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability == Applicability::Unsafe)
        })
        .filter_map(applied)
        .collect();
    for _ in 0..MAX_ROUNDS {
        out.iterations += 1;
        let mut chosen: Vec<&Finding> = before.iter().filter(|f| wanted(f, settings)).collect();
        chosen.sort_by_key(|f| f.fix.as_ref().map(|x| x.span()));
        // Non-overlapping, in file order: the rest wait for the next round.
        let mut taken: Vec<&Finding> = Vec::new();
        let mut end = 0usize;
        for f in chosen {
            let Some(fix) = &f.fix else { continue };
            let (s, e) = fix.span();
            if taken.is_empty() || s >= end {
                end = e;
                taken.push(f);
            }
        }
        if taken.is_empty() {
            break;
        }
        let edits: Vec<_> = taken
            .iter()
            .filter_map(|f| f.fix.as_ref())
            .flat_map(|x| x.edits.iter().cloned())
            .collect();
        let next = edit::apply(&out.output, &edits);
        let verdict = match findings(path, &name, &next, rules) {
            Err(e) => Err(format!("the result would not be valid: {e}")),
            Ok(after) => guard(&before, &after, &taken).map(|()| after),
        };
        match verdict {
            Ok(after) => {
                out.applied
                    .extend(taken.iter().copied().filter_map(applied));
                out.output = next;
                before = after;
            }
            Err(reason) => {
                out.refused.extend(taken.iter().map(|f| Skip {
                    code: f.code,
                    line: f.start.line,
                    reason: reason.clone(),
                }));
                break;
            }
        }
    }
    Ok(out)
}

/// The round is kept only when it fixed what it meant to and added nothing.
fn guard(before: &[Finding], after: &[Finding], taken: &[&Finding]) -> Result<(), String> {
    let (b, a) = (per_code(before), per_code(after));
    for (code, n) in &a {
        let had = b.get(code).copied().unwrap_or(0);
        if *n > had {
            return Err(format!("it would add a {code} finding"));
        }
    }
    for f in taken {
        let (had, has) = (
            b.get(f.code).copied().unwrap_or(0),
            a.get(f.code).copied().unwrap_or(0),
        );
        if has >= had {
            return Err(format!("the {} finding would remain after it", f.code));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn repo(workflow: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let d = tempfile::tempdir().unwrap();
        let wf = d.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        std::fs::write(
            d.path().join("Dockerfile"),
            "FROM alpine:3.19\nCOPY . /app\n",
        )
        .unwrap();
        let p = wf.join("build.yml");
        std::fs::write(&p, workflow).unwrap();
        (d, p)
    }

    const WORKFLOW: &str = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n";

    #[test]
    fn applies_what_check_shows_then_nothing_more() {
        let (_d, p) = repo(WORKFLOW);
        let rules = RuleSettings::default();
        let shown: Vec<&'static str> = findings(&p, "build.yml", WORKFLOW, &rules)
            .unwrap()
            .iter()
            .filter(|f| {
                f.fix
                    .as_ref()
                    .is_some_and(|x| x.applicability == Applicability::Safe)
            })
            .map(|f| f.code)
            .collect();
        assert!(shown.contains(&"DO602"), "{shown:?}");
        let out = fix_pipeline(&p, WORKFLOW, &Settings::default(), &rules).unwrap();
        assert!(
            out.output.contains("cache-from: type=gha"),
            "{}",
            out.output
        );
        let mut applied: Vec<_> = out.applied.iter().map(|a| a.code).collect();
        applied.sort();
        let mut shown = shown;
        shown.sort();
        assert_eq!(applied, shown);
        let again = fix_pipeline(&p, &out.output, &Settings::default(), &rules).unwrap();
        assert!(again.applied.is_empty());
        assert_eq!(again.output, out.output);
    }

    #[test]
    fn ignored_codes_stay_unfixed() {
        let (_d, p) = repo(WORKFLOW);
        let settings = Settings {
            ignore: vec!["DO6".into()],
            ..Settings::default()
        };
        let out = fix_pipeline(&p, WORKFLOW, &settings, &RuleSettings::default()).unwrap();
        assert!(out.applied.is_empty());
        assert_eq!(out.output, WORKFLOW);
    }

    #[test]
    fn guard_refuses_a_round_that_adds_or_keeps_a_finding() {
        let (_d, p) = repo(WORKFLOW);
        let rules = RuleSettings::default();
        let before = findings(&p, "build.yml", WORKFLOW, &rules).unwrap();
        let taken: Vec<&Finding> = before.iter().filter(|f| f.fix.is_some()).collect();
        assert!(!taken.is_empty());
        // Nothing fixed: every taken finding is still there.
        assert!(guard(&before, &before, &taken).is_err());
        // A finding of a new code appears.
        let mut more = before.clone();
        let mut extra = before[0].clone();
        extra.code = "DO699";
        more.push(extra);
        assert!(guard(&before, &more, &[]).is_err());
    }

    #[test]
    fn invalid_yaml_is_an_error() {
        let (_d, p) = repo(WORKFLOW);
        let bad = "jobs: [\n";
        assert!(fix_pipeline(&p, bad, &Settings::default(), &RuleSettings::default()).is_err());
    }
}
