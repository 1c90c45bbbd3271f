//! Why a step missed: the first difference between its key and the key it
//! had in the first build.

use super::input::BuildInput;
use super::keys::{BuildKeys, ContentSource, Key, OpRecord};
use crate::model::{Base, Op};
use crate::syntax::Keyword;
use serde::Serialize;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedPath {
    pub path: String,
    /// added, removed, content, mode, type or link-target.
    pub change: String,
}

impl ChangedPath {
    /// `src/app.py changed (content)`, `new.txt added`.
    pub fn describe(&self) -> String {
        match self.change.as_str() {
            "added" | "removed" => format!("{} {}", self.path, self.change),
            c => format!("{} changed ({c})", self.path),
        }
    }
}

/// The JSON `cause` object: `{"kind": ..., ...}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Cause {
    /// Files the step reads changed.
    File {
        paths: Vec<ChangedPath>,
    },
    /// The instruction (or a setting it depends on) changed in the Dockerfile.
    Dockerfile {
        detail: String,
    },
    /// A build arg's value changed.
    Arg {
        name: String,
        before: Option<String>,
        after: Option<String>,
    },
    /// An ENV value (or the order of the env list) changed.
    Env {
        name: String,
        before: Option<String>,
        after: Option<String>,
    },
    /// The base image moved.
    Base {
        image: String,
    },
    /// An earlier step, or a stage this one reads, missed.
    Upstream {
        stage: usize,
        line: usize,
        instruction: String,
    },
    /// The key is known but the cache source has no result for it
    /// (`--cache-source none`, or a builder stage under inline/mode=min).
    NotCached {
        source: String,
        detail: String,
    },
    None,
}

fn first_line(input: &BuildInput, step: usize) -> (usize, String) {
    let st = &input.model.steps[step];
    let ins = &input.dockerfile.instructions[st.instruction];
    (
        ins.start_line,
        ins.first_line(&input.dockerfile.source).trim().to_string(),
    )
}

/// The latest op of `stage` in `keys`, if any.
fn last_op(input: &BuildInput, keys: &BuildKeys, stage: usize) -> Option<usize> {
    input
        .model
        .stage_range(stage)
        .rev()
        .find(|&i| keys.ops.get(i).is_some_and(Option::is_some))
}

pub fn explain_miss(
    before: &BuildInput,
    after: &BuildInput,
    second: &BuildKeys,
    by_chain: &HashMap<Key, Vec<&OpRecord>>,
    seen: &HashSet<Key>,
    bases: &HashSet<Key>,
    rec: &OpRecord,
) -> (String, Cause) {
    let step = &after.model.steps[rec.step];
    let (_, text) = first_line(after, rec.step);
    let short = shorten(&text);
    let chain_known = seen.contains(&rec.chain) || bases.contains(&rec.chain);
    if !chain_known {
        // The chain changed: an earlier op of this stage, or its base.
        let range = after.model.stage_range(step.stage);
        let prev = (range.start..rec.step.min(range.end))
            .rev()
            .find(|&i| second.ops.get(i).is_some_and(Option::is_some));
        if let Some(p) = prev {
            let (line, instruction) = first_line(after, p);
            return (
                format!(
                    "{short} ← upstream: {} (line {line}) missed",
                    shorten(&instruction)
                ),
                Cause::Upstream {
                    stage: step.stage,
                    line,
                    instruction,
                },
            );
        }
        let stage = &after.model.stages[step.stage];
        return match &stage.base {
            Base::Image(r) if after.image_moved(r) => (
                format!("{short} ← base image {r} changed"),
                Cause::Base { image: r.clone() },
            ),
            Base::Stage(b) => match last_op(after, second, *b) {
                Some(p) => {
                    let (line, instruction) = first_line(after, p);
                    (
                        format!(
                            "{short} ← upstream: base stage `{}` changed ({} missed)",
                            after.model.stages[*b].label(),
                            shorten(&instruction)
                        ),
                        Cause::Upstream {
                            stage: *b,
                            line,
                            instruction,
                        },
                    )
                }
                None => (
                    format!("{short} ← base stage changed"),
                    Cause::Dockerfile {
                        detail: "base stage changed".into(),
                    },
                ),
            },
            _ => (
                format!("{short} ← FROM line changed"),
                Cause::Dockerfile {
                    detail: format!("FROM {}", stage.base_raw),
                },
            ),
        };
    }
    let Some(old) = pick_previous(before, after, rec, by_chain) else {
        return (
            format!("{short} ← instruction added or changed"),
            Cause::Dockerfile {
                detail: "no step with this definition ran after the same parent in the first build"
                    .into(),
            },
        );
    };
    if old.params != rec.params {
        let detail = definition_change(before, after, old, rec);
        return (format!("{short} ← {detail}"), Cause::Dockerfile { detail });
    }
    if old.env != rec.env {
        return env_cause(
            after,
            &short,
            &old.env.to_vec(),
            &rec.env.to_vec(),
            rec.step,
        );
    }
    for (o, n) in old.contents.iter().zip(&rec.contents) {
        if o.digest == n.digest {
            continue;
        }
        return match &n.source {
            ContentSource::Context(paths) => {
                let changed = changed_under(&before.context, &after.context, paths);
                let list: Vec<String> = changed.iter().map(ChangedPath::describe).collect();
                let shown = if list.is_empty() {
                    "context files it reads changed".to_string()
                } else if list.len() > 3 {
                    format!("{} and {} more", list[..3].join(", "), list.len() - 3)
                } else {
                    list.join(", ")
                };
                (format!("{short} ← {shown}"), Cause::File { paths: changed })
            }
            ContentSource::Stage(s) => {
                let (line, instruction) = last_op(after, second, *s)
                    .map(|p| first_line(after, p))
                    .unwrap_or((0, String::new()));
                (
                    format!(
                        "{short} ← upstream: stage `{}` re-ran; its output is assumed to differ",
                        after.model.stages[*s].label()
                    ),
                    Cause::Upstream {
                        stage: *s,
                        line,
                        instruction,
                    },
                )
            }
            ContentSource::Image(i) => (
                format!("{short} ← image {i} changed"),
                Cause::Base { image: i.clone() },
            ),
            ContentSource::Remote(url) => (
                format!("{short} ← {url} is re-checked on every build (pin it with --checksum)"),
                Cause::File {
                    paths: vec![ChangedPath {
                        path: url.clone(),
                        change: "remote".into(),
                    }],
                },
            ),
            ContentSource::Missing(m) => (
                format!("{short} ← {m}: the build fails here"),
                Cause::File {
                    paths: vec![ChangedPath {
                        path: m.clone(),
                        change: "removed".into(),
                    }],
                },
            ),
        };
    }
    if rec.contents.len() != old.contents.len() {
        return (
            format!("{short} ← its sources changed"),
            Cause::Dockerfile {
                detail: "sources changed".into(),
            },
        );
    }
    (
        format!("{short} ← its definition changed"),
        Cause::Dockerfile {
            detail: "definition changed".into(),
        },
    )
}

/// The first build's op that followed the same parent, preferring the same keyword.
fn pick_previous<'a>(
    before: &BuildInput,
    after: &BuildInput,
    rec: &OpRecord,
    by_chain: &HashMap<Key, Vec<&'a OpRecord>>,
) -> Option<&'a OpRecord> {
    let step = &after.model.steps[rec.step];
    let label = after.model.stages[step.stage].label();
    let cands = by_chain.get(&rec.chain)?;
    // Stages sharing a base share the first chain key: prefer the same stage.
    let same_stage =
        |o: &&&OpRecord| before.model.stages[before.model.steps[o.step].stage].label() == label;
    let same_kw = |o: &&&OpRecord| before.model.steps[o.step].keyword == step.keyword;
    cands
        .iter()
        .find(|o| same_stage(o) && same_kw(o))
        .or_else(|| cands.iter().find(|o| same_kw(o)))
        .or_else(|| cands.first())
        .copied()
}

fn definition_change(
    before: &BuildInput,
    after: &BuildInput,
    old: &OpRecord,
    new: &OpRecord,
) -> String {
    let o = &before.model.steps[old.step];
    let n = &after.model.steps[new.step];
    if o.keyword != n.keyword {
        return format!("instruction changed ({} → {})", o.keyword, n.keyword);
    }
    match (&o.op, &n.op) {
        (Some(Op::Run(a)), Some(Op::Run(b))) => {
            if a.cwd != b.cwd {
                format!("WORKDIR changed ({} → {})", a.cwd, b.cwd)
            } else if a.user != b.user {
                format!("USER changed ({} → {})", show(&a.user), show(&b.user))
            } else if a.argv.len() == b.argv.len()
                && a.argv.last() == b.argv.last()
                && a.argv != b.argv
            {
                "SHELL changed".to_string()
            } else {
                "command changed".to_string()
            }
        }
        (Some(Op::Workdir(a)), Some(Op::Workdir(b))) => {
            if a.user != b.user {
                format!("USER changed ({} → {})", show(&a.user), show(&b.user))
            } else {
                format!("path changed ({} → {})", a.path, b.path)
            }
        }
        (Some(Op::Copy(_)), Some(Op::Copy(_))) => {
            "sources, destination or flags changed".to_string()
        }
        _ => "instruction changed".to_string(),
    }
}

fn show(user: &str) -> &str {
    if user.is_empty() {
        "root"
    } else {
        user
    }
}

fn env_cause(
    after: &BuildInput,
    short: &str,
    old: &[(Arc<str>, Arc<str>)],
    new: &[(Arc<str>, Arc<str>)],
    step: usize,
) -> (String, Cause) {
    let get = |l: &[(Arc<str>, Arc<str>)], k: &str| {
        l.iter()
            .find(|(x, _)| **x == *k)
            .map(|(_, v)| v.to_string())
    };
    let mut names: Vec<&str> = new.iter().map(|(k, _)| &**k).collect();
    names.extend(old.iter().map(|(k, _)| &**k));
    let changed = names
        .iter()
        .find(|k| get(old, k) != get(new, k))
        .map(|s| s.to_string())
        .or_else(|| {
            // Same values, different order.
            new.iter()
                .zip(old)
                .find(|(a, b)| a.0 != b.0)
                .map(|(a, _)| a.0.to_string())
        })
        .unwrap_or_default();
    let (b, a) = (get(old, &changed), get(new, &changed));
    let stage = after.model.steps[step].stage;
    let is_arg = after.model.steps[..step]
        .iter()
        .any(|s| s.stage == stage && s.keyword == Keyword::Arg && s.defines.contains(&changed))
        && !after.model.steps[..step]
            .iter()
            .any(|s| s.stage == stage && s.keyword == Keyword::Env && s.defines.contains(&changed));
    let fmt = |v: &Option<String>| v.clone().unwrap_or_else(|| "unset".into());
    if b == a {
        return (
            format!("{short} ← the order of the environment changed ({changed} moved)"),
            Cause::Env {
                name: changed,
                before: b,
                after: a,
            },
        );
    }
    // A secret's values never reach a reason line (CI logs are public).
    let secret = crate::report::mask::masks_name(&changed);
    let fmt = |v: &Option<String>| match v {
        Some(_) if secret => crate::report::mask::MASK.to_string(),
        _ => fmt(v),
    };
    if is_arg {
        (
            format!(
                "{short} ← build arg {changed} changed ({} → {})",
                fmt(&b),
                fmt(&a)
            ),
            Cause::Arg {
                name: changed,
                before: b,
                after: a,
            },
        )
    } else {
        (
            format!(
                "{short} ← ENV {changed} changed ({} → {})",
                fmt(&b),
                fmt(&a)
            ),
            Cause::Env {
                name: changed,
                before: b,
                after: a,
            },
        )
    }
}

/// Context changes at or below any of `paths` ("" is everything).
fn changed_under(
    before: &crate::context::ContextTree,
    after: &crate::context::ContextTree,
    paths: &[String],
) -> Vec<ChangedPath> {
    let within = |p: &str| {
        paths.iter().any(|sel| {
            sel.is_empty()
                || p == sel
                || p.starts_with(&format!("{sel}/"))
                || crate::model::path::has_wildcard(sel)
        })
    };
    before
        .changes(after)
        .into_iter()
        .filter(|c| within(&c.path))
        .map(|c| ChangedPath {
            path: c.path.clone(),
            change: c.reason.as_str().to_string(),
        })
        .collect()
}

fn shorten(s: &str) -> String {
    let s = s.trim_end_matches('\\').trim();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(59).collect::<String>())
    } else {
        s.to_string()
    }
}

/// Why an ONBUILD trigger op of `stage` (the `pos`-th trigger op keyed in
/// `second`) missed.
pub fn explain_trigger_miss(
    before: &BuildInput,
    after: &BuildInput,
    first: &BuildKeys,
    second: &BuildKeys,
    seen: &HashSet<Key>,
    stage: usize,
    pos: usize,
) -> (String, Cause) {
    let st = &after.model.stages[stage];
    let trigger_text = |p: usize| {
        second.triggers[stage]
            .get(p)
            .and_then(|t| st.onbuild.get(t.trigger))
            .map(|t| format!("ONBUILD {}", t.text))
            .unwrap_or_default()
    };
    let Some(rec) = second.triggers[stage].get(pos).map(|t| &t.record) else {
        return (String::new(), Cause::None);
    };
    let image = match &st.base {
        Base::Image(r) => r.clone(),
        _ => st.base_raw.clone(),
    };
    let line = after.dockerfile.instructions[st.from_instruction].start_line;
    let short = format!("ONBUILD trigger of {image}");
    let chain_known =
        seen.contains(&rec.chain) || first.stage_base.iter().flatten().any(|b| *b == rec.chain);
    if !chain_known {
        if pos > 0 {
            let instruction = trigger_text(pos - 1);
            return (
                format!("{short} ← upstream: {} missed", shorten(&instruction)),
                Cause::Upstream {
                    stage,
                    line,
                    instruction,
                },
            );
        }
        if after.image_moved(&image) {
            return (
                format!("{short} ← base image {image} changed"),
                Cause::Base { image },
            );
        }
        return (
            format!("{short} ← FROM line changed"),
            Cause::Dockerfile {
                detail: format!("FROM {}", st.base_raw),
            },
        );
    }
    let old = first
        .triggers
        .iter()
        .flatten()
        .map(|t| &t.record)
        .find(|o| o.chain == rec.chain && o.params == rec.params)
        .or_else(|| {
            first
                .triggers
                .iter()
                .flatten()
                .map(|t| &t.record)
                .find(|o| o.chain == rec.chain)
        });
    let Some(old) = old else {
        return (
            format!("{short} ← trigger added or changed"),
            Cause::Dockerfile {
                detail: "ONBUILD trigger added or changed in the base image config".into(),
            },
        );
    };
    if old.params != rec.params {
        let detail = "ONBUILD trigger changed in the base image config".to_string();
        return (format!("{short} ← {detail}"), Cause::Dockerfile { detail });
    }
    for (o, n) in old.contents.iter().zip(&rec.contents) {
        if o.digest == n.digest {
            continue;
        }
        if let ContentSource::Context(paths) = &n.source {
            let changed = changed_under(&before.context, &after.context, paths);
            let list: Vec<String> = changed.iter().map(ChangedPath::describe).collect();
            let shown = if list.is_empty() {
                "context files it reads changed".to_string()
            } else {
                list.join(", ")
            };
            return (format!("{short}: {shown}"), Cause::File { paths: changed });
        }
        return (
            format!("{short} ← what it reads changed"),
            Cause::Dockerfile {
                detail: "trigger sources changed".into(),
            },
        );
    }
    if old.env != rec.env {
        return (
            format!("{short} ← env changed"),
            Cause::Dockerfile {
                detail: "env changed".into(),
            },
        );
    }
    (
        format!("{short} ← its definition changed"),
        Cause::Dockerfile {
            detail: "definition changed".into(),
        },
    )
}
