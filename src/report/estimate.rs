//! `dockopt estimate` output. JSON contract: `rebuild{seconds, bytes, steps_rerun,
//! steps_total, …}` and `steps` (the simulate step objects plus `seconds` and `bytes`); with
//! `--history`, `commits[{rev, rebuild}]` and `total`; `compare` blocks with `--compare`.

use crate::cost::heuristic::human_bytes;
use crate::cost::history::History;
use crate::cost::{Estimate, Rebuild};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// `12.3 s`, `4 min 05 s`, `1 h 02 min`.
pub fn duration(secs: f64) -> String {
    if secs < 60.0 {
        format!("{secs:.1} s")
    } else if secs < 3600.0 {
        let s = secs.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    } else {
        let m = (secs / 60.0).round() as u64;
        format!("{} h {:02} min", m / 60, m % 60)
    }
}

fn rebuild_json(r: &Rebuild) -> Value {
    serde_json::to_value(r).unwrap_or(Value::Null)
}

fn steps_json(e: &Estimate) -> Value {
    Value::Array(
        e.steps
            .iter()
            .map(|s| {
                let mut v = serde_json::to_value(&s.result).unwrap_or(Value::Null);
                if let Value::Object(m) = &mut v {
                    let (secs, bytes, src, basis) = match &s.cost {
                        Some(c) => (
                            json!((c.seconds * 100.0).round() / 100.0),
                            json!(c.bytes),
                            json!(c.source),
                            json!(c.basis),
                        ),
                        None => (json!(0.0), json!(0), Value::Null, Value::Null),
                    };
                    m.insert("seconds".into(), secs);
                    m.insert("bytes".into(), bytes);
                    m.insert("cost_source".into(), src);
                    m.insert("cost_basis".into(), basis);
                    let matched = s.cost.as_ref().and_then(|c| c.matched);
                    m.insert("cost_match".into(), json!(matched));
                }
                v
            })
            .collect(),
    )
}

/// Relative change from `a` to `b` (`-0.81` = 81 % less), rounded to 3 places.
pub fn change(a: f64, b: f64) -> Option<f64> {
    (a > 0.0).then(|| ((b - a) / a * 1000.0).round() / 1000.0)
}

fn to_json_unmasked(e: &Estimate, compare: Option<(&str, &Estimate)>, notes: &[String]) -> Value {
    let mut v = json!({
        "rebuild": rebuild_json(&e.rebuild),
        "steps": steps_json(e),
    });
    if let Some((name, c)) = compare {
        v["compare"] = json!({
            "dockerfile": name,
            "rebuild": rebuild_json(&c.rebuild),
            "steps": steps_json(c),
            "change": change(e.rebuild.seconds, c.rebuild.seconds),
        });
    }
    let mut warnings = e.warnings.clone();
    if let Some((_, c)) = compare {
        warnings.extend(
            c.warnings
                .iter()
                .filter(|w| !e.warnings.contains(w))
                .cloned(),
        );
    }
    v["warnings"] = json!(warnings);
    v["notes"] = json!(notes);
    v
}

fn headline(r: &Rebuild) -> String {
    format!(
        "{} to rebuild ({} of it per-build overhead; {:.0}% of a {} full build), {} of {} steps re-run, {} written, {} layer{} to push ({})",
        duration(r.seconds),
        duration(r.overhead_seconds),
        r.share * 100.0,
        duration(r.full_build_seconds),
        r.steps_rerun,
        r.steps_total,
        human_bytes(r.bytes),
        r.layers_to_push,
        if r.layers_to_push == 1 { "" } else { "s" },
        human_bytes(r.push_bytes),
    )
}

fn steps_text(out: &mut String, e: &Estimate) {
    let _ = writeln!(
        out,
        "{:>4}  {:<9}  {:>9}  {:>9}  {:<9}  {:<8}  INSTRUCTION",
        "LINE", "RESULT", "SECONDS", "BYTES", "SOURCE", "MATCH"
    );
    for s in &e.steps {
        let (secs, bytes, src, matched) = match &s.cost {
            Some(c) => (
                format!("{:.1}", c.seconds),
                human_bytes(c.bytes),
                format!("{:?}", c.source).to_lowercase(),
                c.matched
                    .map_or("-".to_string(), |m| format!("{m:?}").to_lowercase()),
            ),
            None => ("-".into(), "-".into(), "-".into(), "-".into()),
        };
        let ins: String = if s.result.instruction.chars().count() > 60 {
            format!(
                "{}…",
                s.result.instruction.chars().take(59).collect::<String>()
            )
        } else {
            s.result.instruction.clone()
        };
        let _ = writeln!(
            out,
            "{:>4}  {:<9}  {:>9}  {:>9}  {:<9}  {:<8}  {}",
            s.result.line,
            s.result.result.as_str(),
            secs,
            bytes,
            src,
            matched,
            ins
        );
    }
}

fn to_text_unmasked(
    name: &str,
    e: &Estimate,
    compare: Option<(&str, &Estimate)>,
    notes: &[String],
) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{name}: {}", headline(&e.rebuild));
    steps_text(&mut out, e);
    if let Some((other, c)) = compare {
        let _ = writeln!(out, "\n{other}: {}", headline(&c.rebuild));
        steps_text(&mut out, c);
        if let Some(ch) = change(e.rebuild.seconds, c.rebuild.seconds) {
            let _ = writeln!(
                out,
                "\n{other} rebuilds in {} instead of {} ({:+.0}%)",
                duration(c.rebuild.seconds),
                duration(e.rebuild.seconds),
                ch * 100.0
            );
        }
    }
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn history_json_unmasked(h: &History, compare: Option<&str>) -> Value {
    let commits: Vec<Value> = h
        .commits
        .iter()
        .map(|c| {
            let mut v = json!({
                "rev": c.rev,
                "parent": c.parent,
                "subject": c.subject,
                "merge": c.merge,
                "rebuild": rebuild_json(&c.rebuild),
            });
            if let Some(cr) = &c.compare {
                v["compare"] = json!({"rebuild": rebuild_json(cr)});
            }
            if let Some(s) = &c.sizing {
                v["registry"] = s.to_json();
            }
            v
        })
        .collect();
    let mut total = rebuild_json(&h.total);
    total["commits"] = json!(h.commits.len());
    let mut v = json!({"commits": commits, "total": total});
    if let (Some(name), Some(ct)) = (compare, &h.compare_total) {
        let mut t = rebuild_json(ct);
        t["commits"] = json!(h.commits.len());
        v["compare"] = json!({
            "dockerfile": name,
            "total": t,
            "change": change(h.total.seconds, ct.seconds),
        });
    }
    v["warnings"] = json!(h.warnings);
    v["notes"] = json!(h.notes);
    v
}

fn history_text_unmasked(name: &str, h: &History, compare: Option<&str>) -> String {
    let mut out = String::new();
    let has_cmp = h.compare_total.is_some();
    let _ = write!(
        out,
        "{:<10}  {:>10}  {:>7}  {:>9}",
        "REV", "REBUILD", "RE-RUN", "BYTES"
    );
    if has_cmp {
        let _ = write!(out, "  {:>10}  {:>7}", "COMPARE", "RE-RUN");
    }
    out.push_str("  SUBJECT\n");
    for c in &h.commits {
        let _ = write!(
            out,
            "{:<10}  {:>10}  {:>7}  {:>9}",
            &c.rev[..c.rev.len().min(10)],
            duration(c.rebuild.seconds),
            format!("{}/{}", c.rebuild.steps_rerun, c.rebuild.steps_total),
            human_bytes(c.rebuild.bytes)
        );
        if has_cmp {
            match &c.compare {
                Some(r) => {
                    let _ = write!(
                        out,
                        "  {:>10}  {:>7}",
                        duration(r.seconds),
                        format!("{}/{}", r.steps_rerun, r.steps_total)
                    );
                }
                None => {
                    let _ = write!(out, "  {:>10}  {:>7}", "-", "-");
                }
            }
        }
        let subject: String = c.subject.chars().take(50).collect();
        let _ = writeln!(
            out,
            "  {}{}",
            subject,
            if c.merge { " (merge)" } else { "" }
        );
    }
    let n = h.commits.len();
    let avg = if n > 0 {
        h.total.seconds / n as f64
    } else {
        0.0
    };
    let _ = writeln!(
        out,
        "\nover the last {n} commit{}, {name} rebuilt {} in total ({} per commit, {} written)",
        if n == 1 { "" } else { "s" },
        duration(h.total.seconds),
        duration(avg),
        human_bytes(h.total.bytes)
    );
    if let (Some(other), Some(ct)) = (compare, &h.compare_total) {
        let pct = change(h.total.seconds, ct.seconds)
            .map(|c| format!(" ({:+.0}%)", c * 100.0))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{other} would have rebuilt {} in total{pct}",
            duration(ct.seconds)
        );
    }
    for nt in &h.notes {
        let _ = writeln!(out, "note: {nt}");
    }
    out
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_json(e: &Estimate, compare: Option<(&str, &Estimate)>, notes: &[String]) -> Value {
    let mut v = to_json_unmasked(e, compare, notes);
    crate::report::mask::json(&mut v);
    v
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_text(
    name: &str,
    e: &Estimate,
    compare: Option<(&str, &Estimate)>,
    notes: &[String],
) -> String {
    crate::report::mask::text(&to_text_unmasked(name, e, compare, notes)).into_owned()
}

/// Secrets masked ([`crate::report::mask`]).
pub fn history_json(h: &History, compare: Option<&str>) -> Value {
    let mut v = history_json_unmasked(h, compare);
    crate::report::mask::json(&mut v);
    v
}

/// Secrets masked ([`crate::report::mask`]).
pub fn history_text(name: &str, h: &History, compare: Option<&str>) -> String {
    crate::report::mask::text(&history_text_unmasked(name, h, compare)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration(2.04), "2.0 s");
        assert_eq!(duration(1862.0), "31 min 02 s");
        assert_eq!(duration(3725.0), "1 h 02 min");
        assert_eq!(change(1860.0, 360.0), Some(-0.806));
        assert_eq!(change(0.0, 1.0), None);
    }
}
