//! `dockopt simulate` output.

use crate::cache::{Simulation, Verdict};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The documented JSON contract: `steps`, `summary`, plus `notes`.
fn to_json_unmasked(sim: &Simulation, notes: &[String]) -> Value {
    let mut v = serde_json::to_value(sim).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("notes".into(), json!(notes));
    }
    v
}

/// A compact table, then the first miss of each stage explained.
fn to_text_unmasked(name: &str, sim: &Simulation, notes: &[String]) -> String {
    let mut out = String::new();
    let s = &sim.summary;
    let _ = write!(out, "{name}: {} hit, {} miss", s.hits, s.misses);
    if s.not_built > 0 {
        let _ = write!(out, ", {} not built", s.not_built);
    }
    out.push('\n');
    let width = sim
        .steps
        .iter()
        .map(|st| stage_label(st.stage, st.stage_name.as_deref()).len())
        .max()
        .unwrap_or(5)
        .max(5);
    let _ = writeln!(
        out,
        "{:<width$}  {:>4}  {:<9}  INSTRUCTION",
        "STAGE", "LINE", "RESULT"
    );
    for st in &sim.steps {
        let mut result = st.result.as_str().to_string();
        if st.if_outputs_identical.is_some() {
            result.push('?');
        }
        let _ = writeln!(
            out,
            "{:<width$}  {:>4}  {:<9}  {}",
            stage_label(st.stage, st.stage_name.as_deref()),
            st.line,
            result,
            truncate(&st.instruction, 70)
        );
    }
    let mut explained = Vec::new();
    for st in &sim.steps {
        if st.result == Verdict::Miss && !explained.contains(&st.stage) {
            explained.push(st.stage);
            if explained.len() == 1 {
                out.push_str("\nwhy:\n");
            }
            let _ = writeln!(
                out,
                "  {}: {}",
                stage_label(st.stage, st.stage_name.as_deref()),
                st.reason
            );
        }
    }
    if sim.steps.iter().any(|s| s.if_outputs_identical.is_some()) {
        out.push_str("\n? = would hit if the stages that re-ran produce byte-identical output\n");
    }
    for n in notes {
        let _ = writeln!(out, "note: {n}");
    }
    out
}

fn stage_label(index: usize, name: Option<&str>) -> String {
    name.map(str::to_string)
        .unwrap_or_else(|| format!("stage-{index}"))
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() > n {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_json(sim: &Simulation, notes: &[String]) -> Value {
    let mut v = to_json_unmasked(sim, notes);
    crate::report::mask::json(&mut v);
    v
}

/// Secrets masked ([`crate::report::mask`]).
pub fn to_text(name: &str, sim: &Simulation, notes: &[String]) -> String {
    crate::report::mask::text(&to_text_unmasked(name, sim, notes)).into_owned()
}
