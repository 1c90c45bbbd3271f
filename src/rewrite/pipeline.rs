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
    rounds(text, settings, &|t: &str| findings(path, &name, t, rules))
}

/// One fix refused so far: its code and where its edits start in the current text.
type Refused = (&'static str, usize);

/// Where `offset` of the text before `edits` (non-overlapping) is after them.
fn shifted(offset: usize, edits: &[edit::Edit]) -> usize {
    let mut o = offset as isize;
    for e in edits {
        if e.end <= offset {
            o += e.content.len() as isize - (e.end - e.start) as isize;
        }
    }
    o.max(0) as usize
}

/// The fix rounds over `text`; `check` reports the findings on a text, or why it is not valid.
fn rounds(
    text: &str,
    settings: &Settings,
    check: &dyn Fn(&str) -> Result<Vec<Finding>, String>,
) -> Result<Outcome, RewriteError> {
    let mut out = Outcome {
        output: text.to_string(),
        applied: Vec::new(),
        unsafe_available: Vec::new(),
        skipped: Vec::new(),
        refused: Vec::new(),
        new_files: Vec::new(),
        iterations: 0,
    };
    let mut before = check(text).map_err(RewriteError::Pipeline)?;
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
    // Fixes refused alone stay refused: the others in the file still go ahead.
    let mut refused: Vec<Refused> = Vec::new();
    let key = |f: &Finding| (f.code, f.fix.as_ref().map_or(0, |x| x.span().0));
    // Each round applies or refuses at least one fix, so this bounds nothing
    // that converges; it stops a rule that keeps proposing new fixes.
    let limit = MAX_ROUNDS + before.iter().filter(|f| wanted(f, settings)).count();
    for _ in 0..limit {
        out.iterations += 1;
        let mut chosen: Vec<&Finding> = before
            .iter()
            .filter(|f| wanted(f, settings) && !refused.contains(&key(f)))
            .collect();
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
        // The edits of `group` applied to the current text, checked again.
        let attempt = |group: &[&Finding]| {
            let edits: Vec<edit::Edit> = group
                .iter()
                .filter_map(|f| f.fix.as_ref())
                .flat_map(|x| x.edits.iter().cloned())
                .collect();
            let next = edit::apply(&out.output, &edits);
            match check(&next) {
                Err(e) => Err(format!("the result would not be valid: {e}")),
                Ok(after) => guard(&before, &after, group).map(|()| (next, after, edits)),
            }
        };
        let mut accepted = None;
        match attempt(&taken) {
            Ok(r) => accepted = Some((r, taken.clone())),
            // Together they fail: one at a time, so one bad edit does not hold back the rest.
            Err(reason) if taken.len() == 1 => {
                refused.push(key(taken[0]));
                out.refused.push(skip(taken[0], reason));
            }
            Err(_) => {
                for f in &taken {
                    match attempt(&[*f]) {
                        Ok(r) => {
                            accepted = Some((r, vec![*f]));
                            break;
                        }
                        Err(reason) => {
                            refused.push(key(f));
                            out.refused.push(skip(f, reason));
                        }
                    }
                }
            }
        }
        if let Some(((next, after, edits), group)) = accepted {
            out.applied
                .extend(group.iter().copied().filter_map(applied));
            out.output = next;
            before = after;
            for r in &mut refused {
                r.1 = shifted(r.1, &edits);
            }
        }
    }
    Ok(out)
}

fn skip(f: &Finding, reason: String) -> Skip {
    Skip {
        code: f.code,
        line: f.start.line,
        reason,
    }
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

    const WORKFLOW: &str = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n      - uses: docker/setup-buildx-action@v3\n      - uses: docker/build-push-action@v6\n        with:\n          context: .\n          push: true\n";

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

    /// A stand-in checker: each line `a` has a fix to `A`; each line `b` one to
    /// `{`, which the checker then calls invalid.
    fn fake(text: &str) -> Result<Vec<Finding>, String> {
        if text.contains('{') {
            return Err("invalid".into());
        }
        let rule = crate::rules::by_code("DO602").ok_or("no DO602")?;
        let mut out = Vec::new();
        let mut off = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let to = match line.trim_end() {
                "a" => "A",
                "b" => "{",
                _ => {
                    off += line.len();
                    continue;
                }
            };
            let pos = crate::syntax::Position {
                line: i + 1,
                column: 1,
            };
            out.push(
                Finding::new(rule, pos, pos, "x").with_fix(crate::rules::Fix::edit(
                    Applicability::Safe,
                    "x",
                    vec![edit::Edit::replace(off, off + 1, to)],
                )),
            );
            off += line.len();
        }
        Ok(out)
    }

    #[test]
    fn one_refused_fix_does_not_hold_back_the_others() {
        let out = rounds("a\nb\na\nb\na\n", &Settings::default(), &fake)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(out.output, "A\nb\nA\nb\nA\n");
        assert_eq!(out.applied.len(), 3);
        let lines: Vec<usize> = out.refused.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4], "{:?}", out.refused);
        assert!(out.refused[0].reason.contains("would not be valid"));
    }

    #[test]
    fn shifted_follows_edits_before_the_offset() {
        let e = |s, t, c: &str| edit::Edit::replace(s, t, c);
        assert_eq!(shifted(10, &[e(2, 4, "xyz")]), 11);
        assert_eq!(shifted(10, &[e(12, 14, "")]), 10);
        assert_eq!(shifted(10, &[e(2, 4, ""), e(5, 5, "ab")]), 10);
    }

    #[test]
    fn invalid_yaml_is_an_error() {
        let (_d, p) = repo(WORKFLOW);
        let bad = "jobs: [\n";
        assert!(fix_pipeline(&p, bad, &Settings::default(), &RuleSettings::default()).is_err());
    }
}
