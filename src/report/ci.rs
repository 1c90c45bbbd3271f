//! `dockopt ci` output: text, JSON, and a Markdown PR comment with the
//! CI-minutes estimate before and after the suggested cache setting.

use crate::ci::analyze::{BuildAnalysis, Figures};
use crate::ci::Origin;
use crate::report::estimate::duration;
use crate::rules::Finding;
use serde_json::{json, Value};
use std::fmt::Write as _;

/// Everything `dockopt ci` found.
pub struct CiReport {
    /// The repository as given.
    pub root: String,
    /// "last 20 commits" or "a change to src/app.py".
    pub change: String,
    pub builds: Vec<BuildAnalysis>,
    /// Rule findings per pipeline file, with the file's text (for fix diffs).
    pub findings: Vec<(String, String, Vec<Finding>)>,
    pub warnings: Vec<String>,
}

fn origin(o: Origin) -> &'static str {
    match o {
        Origin::BuildPushAction => "docker/build-push-action",
        Origin::GithubRun => "run: docker build",
        Origin::GitlabScript => "GitLab script",
        Origin::Script => "script",
    }
}

fn per_change(f: &Figures, r: &crate::cost::Rebuild) -> String {
    duration(f.per_change(r))
}

fn minutes(secs: f64) -> String {
    format!("{:.1} min", secs / 60.0)
}

pub fn to_text(r: &CiReport) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}: {} CI build{} found; typical change: {}",
        r.root,
        r.builds.len(),
        if r.builds.len() == 1 { "" } else { "s" },
        r.change
    );
    for a in &r.builds {
        let b = &a.build;
        out.push('\n');
        let _ = writeln!(
            out,
            "{}:{}{}  ({})",
            b.file.display(),
            b.line,
            b.job
                .as_ref()
                .map(|j| format!("  job {j}"))
                .unwrap_or_default(),
            origin(b.origin)
        );
        let ctx = if b.context.as_os_str().is_empty() {
            ".".to_string()
        } else {
            b.context.display().to_string()
        };
        let _ = writeln!(out, "  builds      {}  context {ctx}", b.title());
        let _ = writeln!(
            out,
            "  cache       {} on a fresh runner{}",
            a.source,
            if a.engine_verified {
                ""
            } else {
                " (modelled, not engine-verified)"
            }
        );
        if !a.not_exported_stages.is_empty() {
            let _ = writeln!(
                out,
                "  not cached  {}: not in the final image, so {} exports no result for {}",
                a.not_exported_stages.join(", "),
                a.source,
                if a.not_exported_stages.len() == 1 {
                    "it"
                } else {
                    "them"
                }
            );
        }
        if let Some(f) = &a.figures {
            let steps = |r: &crate::cost::Rebuild| {
                let n = r.steps_rerun as f64 / f.changes.max(1) as f64;
                if f.changes > 1 {
                    format!("{n:.1} steps")
                } else {
                    format!("{n:.0} steps")
                }
            };
            let _ = writeln!(
                out,
                "  per change  locally {} ({}), in CI {} ({}){}",
                per_change(f, &f.local),
                steps(&f.local),
                per_change(f, &f.ci),
                steps(&f.ci),
                match (&f.suggested, &a.suggested_source) {
                    (Some(s), Some(src)) =>
                        format!(", with {src} {} ({})", per_change(f, s), steps(s)),
                    _ => String::new(),
                }
            );
            if f.changes > 1 {
                let _ = writeln!(
                    out,
                    "  total       {} changes: locally {}, in CI {}{}",
                    f.changes,
                    minutes(f.local.seconds),
                    minutes(f.ci.seconds),
                    f.suggested
                        .as_ref()
                        .map(|s| format!(", with the suggestion {}", minutes(s.seconds)))
                        .unwrap_or_default()
                );
            }
        }
        if let Some(s) = &a.suggestion {
            let _ = writeln!(out, "  suggestion  {s}");
        }
        for n in &a.notes {
            let _ = writeln!(out, "  note        {n}");
        }
    }
    let total: usize = r.findings.iter().map(|f| f.2.len()).sum();
    if total > 0 {
        let _ = writeln!(out, "\nfindings:");
        for (path, _, fs) in &r.findings {
            for f in fs {
                let _ = writeln!(
                    out,
                    "  {path}:{}:{}: {} {} {}",
                    f.start.line,
                    f.start.column,
                    f.code,
                    f.severity.as_str(),
                    f.message
                );
                if let Some(fix) = &f.fix {
                    let _ = writeln!(
                        out,
                        "    fix ({}): {}",
                        fix.applicability.as_str(),
                        fix.message
                    );
                }
            }
        }
    }
    for w in &r.warnings {
        let _ = writeln!(out, "warning: {w}");
    }
    out
}

pub fn to_json(r: &CiReport) -> Value {
    let builds: Vec<Value> = r
        .builds
        .iter()
        .map(|a| {
            let b = &a.build;
            let mut v = serde_json::to_value(a).unwrap_or(Value::Null);
            if let Value::Object(m) = &mut v {
                m.insert("file".into(), json!(b.file.display().to_string()));
                m.insert("line".into(), json!(b.line));
                m.insert("job".into(), json!(b.job));
                m.insert("origin".into(), json!(b.origin));
                m.insert(
                    "dockerfile".into(),
                    json!(b.dockerfile.display().to_string()),
                );
                m.insert("context".into(), json!(b.context.display().to_string()));
                m.insert("target".into(), json!(b.target));
                m.insert(
                    "cache_from".into(),
                    json!(b.cache_from.iter().map(|c| &c.value).collect::<Vec<_>>()),
                );
                m.insert(
                    "cache_to".into(),
                    json!(b.cache_to.iter().map(|c| &c.value).collect::<Vec<_>>()),
                );
            }
            v
        })
        .collect();
    let findings: Vec<Value> = r
        .findings
        .iter()
        .flat_map(|(path, _, fs)| {
            fs.iter().map(move |f| {
                let mut v = serde_json::to_value(f).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    m.insert("file".into(), json!(path));
                }
                v
            })
        })
        .collect();
    json!({
        "root": r.root,
        "change": r.change,
        "builds": builds,
        "findings": findings,
        "warnings": r.warnings,
    })
}

/// A PR comment: one row per build, the CI minutes now and with the
/// suggestion, then the suggested workflow edits as a diff.
pub fn to_markdown(r: &CiReport) -> String {
    let mut out = String::from("### dockopt ci: what a fresh CI runner re-runs\n\n");
    if r.builds.is_empty() {
        out.push_str("No `docker build` found in the CI configuration.\n");
        return out;
    }
    let _ = writeln!(out, "Typical change: {}.\n", r.change);
    out.push_str("| Build | Pipeline | CI cache | Locally | CI now | CI with suggestion |\n|---|---|---|---|---|---|\n");
    let (mut now, mut after, mut any) = (0.0, 0.0, false);
    for a in &r.builds {
        let b = &a.build;
        let (local, ci, sug) = match &a.figures {
            Some(f) => {
                any = true;
                now += f.per_change(&f.ci);
                after += f
                    .suggested
                    .as_ref()
                    .map_or(f.per_change(&f.ci), |s| f.per_change(s));
                (
                    per_change(f, &f.local),
                    per_change(f, &f.ci),
                    match (&f.suggested, &a.suggested_source) {
                        (Some(s), Some(src)) => format!("{} (`{src}`)", per_change(f, s)),
                        _ => "—".into(),
                    },
                )
            }
            None => ("—".into(), "—".into(), "—".into()),
        };
        let _ = writeln!(
            out,
            "| `{}` | `{}:{}` | `{}`{} | {local} | {ci} | {sug} |",
            b.title(),
            b.file.display(),
            b.line,
            a.source,
            if a.engine_verified { "" } else { " ¹" },
        );
    }
    if any {
        let _ = writeln!(
            out,
            "\n**CI time per change: {} → {}** with the suggested cache settings.",
            duration(now),
            duration(after)
        );
    }
    let suggestions: Vec<&BuildAnalysis> =
        r.builds.iter().filter(|a| a.suggestion.is_some()).collect();
    if !suggestions.is_empty() {
        out.push('\n');
        for a in suggestions {
            let _ = writeln!(
                out,
                "- `{}` ({}:{}): {}",
                a.build.title(),
                a.build.file.display(),
                a.build.line,
                a.suggestion.as_deref().unwrap_or_default()
            );
        }
    }
    let mut diffs = String::new();
    for (path, text, fs) in &r.findings {
        let edits: Vec<&crate::rules::Edit> = fs
            .iter()
            .filter_map(|f| f.fix.as_ref())
            .filter(|f| f.applicability != crate::rules::Applicability::DisplayOnly)
            .flat_map(|f| f.edits.iter())
            .collect();
        if edits.is_empty() {
            continue;
        }
        let fixed = apply(text, &edits);
        let diff = similar::TextDiff::from_lines(text.as_str(), fixed.as_str());
        let _ = write!(
            diffs,
            "{}",
            diff.unified_diff()
                .context_radius(2)
                .header(&format!("a/{path}"), &format!("b/{path}"))
        );
    }
    if !diffs.is_empty() {
        let _ = write!(
            out,
            "\n<details><summary>Suggested change</summary>\n\n```diff\n{diffs}```\n\n</details>\n"
        );
    }
    let total: usize = r.findings.iter().map(|f| f.2.len()).sum();
    if total > 0 {
        out.push_str("\n| Rule | Where | Finding |\n|---|---|---|\n");
        for (path, _, fs) in &r.findings {
            for f in fs {
                let _ = writeln!(
                    out,
                    "| {} {} | `{path}:{}` | {} |",
                    f.code,
                    f.name,
                    f.start.line,
                    f.message.replace('|', "\\|")
                );
            }
        }
    }
    if r.builds.iter().any(|a| !a.engine_verified) {
        out.push_str("\n¹ modelled from BuildKit's source, not verified against an engine.\n");
    }
    out
}

/// `text` with non-overlapping edits applied (later ones first).
pub fn apply(text: &str, edits: &[&crate::rules::Edit]) -> String {
    let mut es: Vec<&&crate::rules::Edit> = edits.iter().collect();
    es.sort_by_key(|e| std::cmp::Reverse(e.start));
    let mut out = text.to_string();
    let mut floor = usize::MAX;
    for e in es {
        if e.end > floor || e.end > out.len() || e.start > e.end {
            continue;
        }
        out.replace_range(e.start..e.end, &e.content);
        floor = e.start;
    }
    out
}
