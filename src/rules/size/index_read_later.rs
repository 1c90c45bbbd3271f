//! Which later RUN reads a package manager's index (apt's lists, apk's
//! cache, npm's download cache) that an earlier RUN left: deleting the index
//! where it is made (DO202's `rm -rf /var/lib/apt/lists/*`, DO204's `apk add
//! --no-cache -U`, DO205's `npm cache clean --force`) makes that RUN fail
//! (`apt-get install` finds no package, `npm ci --offline` no tarball). Shared by the
//! rules, whose finding then names that RUN and carries no edit, and their
//! fix function, which says why it leaves the RUN alone.

use crate::model::{Base, Model};
use crate::shell::tools::IndexUse;
use crate::shell::Invocation;
use crate::syntax::{Dockerfile, Instruction, Keyword};

/// The later reader of one index, computed for the whole file the first
/// time it is asked (most files never ask: only a RUN that leaves the index
/// does).
pub(crate) struct ReadLater {
    walk: fn(&Dockerfile, &Model) -> Vec<Option<usize>>,
    memo: Option<Vec<Option<usize>>>,
}

impl ReadLater {
    /// apt's lists.
    pub(crate) fn apt() -> Self {
        ReadLater {
            walk: apt_lists_read_later,
            memo: None,
        }
    }

    /// apk's index cache.
    pub(crate) fn apk() -> Self {
        ReadLater {
            walk: apk_index_read_later,
            memo: None,
        }
    }

    /// npm's download cache, which `npm ci --offline` reads alone.
    pub(crate) fn npm() -> Self {
        ReadLater {
            walk: npm_cache_read_later,
            memo: None,
        }
    }

    /// The RUN after instruction `instruction` (by index) that reads the
    /// index before anything refreshes it.
    pub(crate) fn after<'d>(
        &mut self,
        df: &'d Dockerfile,
        model: &Model,
        instruction: usize,
    ) -> Option<&'d Instruction> {
        let walk = self.walk;
        self.memo
            .get_or_insert_with(|| walk(df, model))
            .get(instruction)
            .copied()
            .flatten()
            .and_then(|i| df.instructions.get(i))
    }
}

/// For each instruction (by index), the instruction index of the first RUN
/// after it, in its stage or a stage built on it, that reads the index
/// before anything refreshes it. One backward walk: a stage's children come
/// after it in the file, so each child's need at its start is known when
/// the walk reaches its parent's end.
fn index_read_later(
    df: &Dockerfile,
    model: &Model,
    use_of: fn(&Invocation) -> IndexUse,
    spelled: &str,
) -> Vec<Option<usize>> {
    let mut after = vec![None; df.instructions.len()];
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); model.stages.len()];
    for st in &model.stages {
        if let Base::Stage(b) = st.base {
            if let Some(c) = children.get_mut(b) {
                c.push(st.index);
            }
        }
    }
    let mut need_at_start: Vec<Option<usize>> = vec![None; model.stages.len()];
    for stage in (0..model.stages.len()).rev() {
        let mut need = children[stage]
            .iter()
            .filter(|&&c| c > stage)
            .find_map(|&c| need_at_start[c]);
        for step in model.steps[model.stage_range(stage)].iter().rev() {
            if let Some(slot) = after.get_mut(step.instruction) {
                *slot = need;
            }
            if step.keyword != Keyword::Run {
                continue;
            }
            match first_use(df, model, step.instruction, use_of, spelled) {
                IndexUse::Reads => need = Some(step.instruction),
                IndexUse::Refreshes => need = None,
                IndexUse::Neither => {}
            }
        }
        need_at_start[stage] = need;
    }
    after
}

/// What a RUN does first with the index; a script this model cannot read
/// that names the tool counts as reading it (unknown: keep the index).
fn first_use(
    df: &Dockerfile,
    model: &Model,
    instruction: usize,
    use_of: fn(&Invocation) -> IndexUse,
    spelled: &str,
) -> IndexUse {
    let Some(ins) = df.instructions.get(instruction) else {
        return IndexUse::Neither;
    };
    match model.run_script(df, ins) {
        Some(Ok(script)) => crate::shell::commands(&script)
            .into_iter()
            .filter_map(|(c, _)| c.invocation())
            .map(|inv| use_of(&inv))
            .find(|u| *u != IndexUse::Neither)
            .unwrap_or(IndexUse::Neither),
        _ if ins.span.text(&df.source).contains(spelled) => IndexUse::Reads,
        _ => IndexUse::Neither,
    }
}

/// apt's lists, read later: see [`index_read_later`].
fn apt_lists_read_later(df: &Dockerfile, model: &Model) -> Vec<Option<usize>> {
    index_read_later(df, model, |i| i.apt_index_use(), "apt")
}

/// apk's index cache, read later: see [`index_read_later`].
fn apk_index_read_later(df: &Dockerfile, model: &Model) -> Vec<Option<usize>> {
    index_read_later(df, model, |i| i.apk_index_use(), "apk")
}

/// npm's download cache, read later by an offline install: see
/// [`index_read_later`].
fn npm_cache_read_later(df: &Dockerfile, model: &Model) -> Vec<Option<usize>> {
    index_read_later(df, model, |i| i.npm_cache_use(), "--offline")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn later(text: &str) -> Vec<Option<usize>> {
        let df = crate::syntax::parse(text).expect("parses");
        let model = crate::model::build(&df, &Default::default()).expect("model");
        apt_lists_read_later(&df, &model)
    }

    #[test]
    fn a_later_install_without_update_reads_the_lists() {
        let v = later("FROM debian:12\nRUN apt-get update && apt-get install -y a\nENV X=1\nRUN apt-get install -y b\n");
        assert_eq!(v[1], Some(3));
        // a later RUN that refreshes first reads its own lists
        let v = later(
            "FROM debian:12\nRUN apt-get update\nRUN apt-get update && apt-get install -y b\n",
        );
        assert_eq!(v[1], None);
    }

    #[test]
    fn stages_built_on_it_count_and_others_do_not() {
        let text = "FROM debian:12 AS base\nRUN apt-get update\nFROM base AS a\nRUN apt-get install -y b\nFROM debian:12 AS c\nRUN apt-get install -y c\n";
        let v = later(text);
        assert_eq!(v[1], Some(3));
        let text = "FROM debian:12 AS base\nRUN apt-get update\nFROM debian:12 AS c\nRUN apt-get install -y c\n";
        assert_eq!(later(text)[1], None);
    }

    /// `npm ci --offline` reads the cache an earlier install left; `npm
    /// cache clean` (or `clear`, `rm`) empties it, `npm cache verify` does not.
    #[test]
    fn npm_offline_install_reads_the_cache_and_only_a_clean_empties_it() {
        let later = |text: &str| {
            let df = crate::syntax::parse(text).expect("parses");
            let model = crate::model::build(&df, &Default::default()).expect("model");
            npm_cache_read_later(&df, &model)
        };
        let v = later("FROM node:20\nRUN npm ci\nRUN npm cache verify\nRUN npm ci --offline\n");
        assert_eq!(v[1], Some(3));
        for clean in ["clean --force", "clear", "rm"] {
            let text =
                format!("FROM node:20\nRUN npm ci\nRUN npm cache {clean}\nRUN npm ci --offline\n");
            assert_eq!(later(&text)[1], None, "{clean}");
        }
        let v = later("FROM node:20\nRUN npm ci\nRUN npm ci --offline --no-offline\n");
        assert_eq!(v[1], None);
    }

    #[test]
    fn apk_add_with_update_cache_refreshes_and_without_reads() {
        let df = crate::syntax::parse(
            "FROM alpine:3\nRUN apk add -U a\nRUN apk add b\nRUN apk add --no-cache c\n",
        )
        .expect("parses");
        let model = crate::model::build(&df, &Default::default()).expect("model");
        let v = apk_index_read_later(&df, &model);
        assert_eq!(v[1], Some(2));
        assert_eq!(v[2], None);
    }
}
