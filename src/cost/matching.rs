//! Matching the model's steps to the steps of a log (or profile) taken from the same or an
//! earlier version of the Dockerfile — or from the original when the file is `dockopt fix`'s
//! rewrite. Most trusted first:
//! 1. `label`: BuildKit's `[stage k/n]` label and compatible text;
//! 2. `text`: the same text elsewhere in the same stage (nearest `k`): steps moved or added
//!    around it;
//! 3. `merged`: a RUN whose `&&` commands are consecutive logged RUNs of the stage joined
//!    (the fixes that merge `apt-get update` with its install): their times add up;
//! 4. `similar`: the same op, similar words (Dice coefficient of the words ≥ 0.5, or ≥ 0.25
//!    at the same position in the stage): an edited RUN line keeps its logged time (scaled
//!    by the package delta where the heuristics count packages).

use super::Observed;
use crate::cache::{progress_labels, BuildInput};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    Label,
    Text,
    Merged,
    Similar,
}

impl MatchKind {
    pub fn describe(&self) -> &'static str {
        match self {
            MatchKind::Label => "same step",
            MatchKind::Text => "same text, moved",
            MatchKind::Merged => "merged logged steps",
            MatchKind::Similar => "similar command",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// The observations (several for `merged`), in log order.
    pub obs: Vec<usize>,
    pub kind: MatchKind,
    /// Word similarity (1 for `label` and `text`).
    pub similarity: f64,
}

/// Words of an instruction for matching: line continuations dropped, whitespace collapsed,
/// keyword upper-cased.
pub fn words(text: &str) -> Vec<String> {
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
pub fn same_text(model: &[String], logged: &[String]) -> bool {
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

/// Dice coefficient of the two word multisets, keywords left out (`$` words match any one).
pub fn similarity(a: &[String], b: &[String]) -> f64 {
    let (a, b) = (a.get(1..).unwrap_or(&[]), b.get(1..).unwrap_or(&[]));
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let mut rest: Vec<&String> = b.iter().collect();
    let mut common = 0usize;
    let mut wild = 0usize;
    for w in a {
        if w.contains('$') {
            wild += 1;
        } else if let Some(i) = rest.iter().position(|x| *x == w) {
            rest.swap_remove(i);
            common += 1;
        }
    }
    common += wild.min(rest.len());
    2.0 * common as f64 / (a.len() + b.len()) as f64
}

/// A RUN's `&&`-separated commands as word lists (keyword dropped).
fn commands(w: &[String]) -> Vec<Vec<String>> {
    let mut out = vec![Vec::new()];
    for x in w.iter().skip(1) {
        if x == "&&" || x == ";" {
            out.push(Vec::new());
        } else if let Some(last) = out.last_mut() {
            last.push(x.clone());
        }
    }
    out.retain(|c| !c.is_empty());
    out
}

/// For each model step, the observations that describe it and how they were found.
pub fn match_steps(build: &BuildInput, observed: &[Observed]) -> Vec<Option<Match>> {
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
    let mut out: Vec<Option<Match>> = vec![None; build.model.steps.len()];
    let whole = |j: usize, kind| Match {
        obs: vec![j],
        kind,
        similarity: 1.0,
    };
    // 1. label and text.
    for (i, label) in labels.iter().enumerate() {
        let (Some(l), Some(t)) = (label, &texts[i]) else {
            continue;
        };
        if let Some(j) = (0..observed.len()).find(|&j| {
            let o = &observed[j];
            !used[j]
                && o.k == l.k
                && o.n == l.n
                && same_stage(&l.stage, o.stage.as_deref())
                && same_text(t, &obs_words[j])
        }) {
            used[j] = true;
            out[i] = Some(whole(j, MatchKind::Label));
        }
    }
    // 2. the same text elsewhere in the stage.
    for (i, label) in labels.iter().enumerate() {
        let (Some(l), Some(t), None) = (label, &texts[i], &out[i]) else {
            continue;
        };
        let best = (0..observed.len())
            .filter(|&j| {
                !used[j]
                    && same_stage(&l.stage, observed[j].stage.as_deref())
                    && same_text(t, &obs_words[j])
            })
            .min_by_key(|&j| observed[j].k.abs_diff(l.k));
        if let Some(j) = best {
            used[j] = true;
            out[i] = Some(whole(j, MatchKind::Text));
        }
    }
    // 3. a RUN made of consecutive logged RUNs.
    for (i, label) in labels.iter().enumerate() {
        let (Some(l), Some(t), None) = (label, &texts[i], &out[i]) else {
            continue;
        };
        if t.first().map(String::as_str) != Some("RUN") {
            continue;
        }
        let parts = commands(t);
        if parts.len() < 2 {
            continue;
        }
        let stage: Vec<usize> = (0..observed.len())
            .filter(|&j| same_stage(&l.stage, observed[j].stage.as_deref()))
            .collect();
        let mut found = None;
        'win: for start in 0..stage.len() {
            let mut joined: Vec<Vec<String>> = Vec::new();
            for end in start..stage.len().min(start + 6) {
                let j = stage[end];
                if used[j] || obs_words[j].first().map(String::as_str) != Some("RUN") {
                    break;
                }
                joined.extend(commands(&obs_words[j]));
                if end > start && covers(&parts, &joined) {
                    found = Some(stage[start..=end].to_vec());
                    break 'win;
                }
            }
        }
        if let Some(js) = found {
            for &j in &js {
                used[j] = true;
            }
            out[i] = Some(Match {
                obs: js,
                kind: MatchKind::Merged,
                similarity: 1.0,
            });
        }
    }
    // 4. a similar command of the same op.
    for (i, label) in labels.iter().enumerate() {
        let (Some(l), Some(t), None) = (label, &texts[i], &out[i]) else {
            continue;
        };
        let best = (0..observed.len())
            .filter(|&j| {
                !used[j]
                    && same_stage(&l.stage, observed[j].stage.as_deref())
                    && obs_words[j].first() == t.first()
            })
            .map(|j| {
                let o = &observed[j];
                let at = o.k == l.k && o.n == l.n;
                (j, similarity(t, &obs_words[j]), at)
            })
            // A COPY's time and bytes follow its sources: only a near-identical one counts.
            .filter(|&(_, s, at)| {
                if t.first().map(String::as_str) == Some("RUN") {
                    s >= 0.5 || (at && s >= 0.25)
                } else {
                    s >= 0.75
                }
            })
            .max_by(|a, b| {
                a.1.total_cmp(&b.1).then(
                    observed[b.0]
                        .k
                        .abs_diff(l.k)
                        .cmp(&observed[a.0].k.abs_diff(l.k)),
                )
            });
        if let Some((j, s, _)) = best {
            used[j] = true;
            out[i] = Some(Match {
                obs: vec![j],
                kind: MatchKind::Similar,
                similarity: s,
            });
        }
    }
    out
}

/// Whether the logged commands, in order, are the model's commands with at most one extra
/// cleanup command on either side (`rm -rf /var/lib/apt/lists/*` added by a fix).
fn covers(model: &[Vec<String>], logged: &[Vec<String>]) -> bool {
    if logged.len() > model.len() {
        return false;
    }
    let mut m = model.iter();
    let mut extra = 0;
    for c in logged {
        loop {
            let Some(x) = m.next() else { return false };
            if similarity_plain(x, c) >= 0.8 {
                break;
            }
            extra += 1;
            if extra > 1 {
                return false;
            }
        }
    }
    extra + m.count() <= 1
}

fn similarity_plain(a: &[String], b: &[String]) -> f64 {
    let mut wa = vec![String::new()];
    wa.extend(a.iter().cloned());
    let mut wb = vec![String::new()];
    wb.extend(b.iter().cloned());
    similarity(&wa, &wb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Vec<String> {
        words(s)
    }

    #[test]
    fn similarity_of_edited_commands() {
        let a = w("RUN apt-get install -y jq sqlite3 xmlstarlet curl");
        let b = w("RUN apt-get install -y jq sqlite3 xmlstarlet curl file");
        assert!(similarity(&a, &b) > 0.8);
        assert!(similarity(&a, &w("RUN go build -o /x .")) < 0.25);
        assert_eq!(similarity(&w("RUN make $T"), &w("RUN make all")), 1.0);
    }

    #[test]
    fn merged_runs_are_covered() {
        let model = commands(&w(
            "RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*",
        ));
        let logged = [
            commands(&w("RUN apt-get update")),
            commands(&w("RUN apt-get install -y gcc")),
        ]
        .concat();
        assert!(covers(&model, &logged));
        let other = commands(&w("RUN pip install x"));
        assert!(!covers(
            &model,
            &[commands(&w("RUN apt-get update")), other].concat()
        ));
    }
}
