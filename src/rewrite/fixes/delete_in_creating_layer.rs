//! DO206 delete-in-creating-layer: delete files in the layer that created
//! them, not in a later one.
//!
//! ## What it does
//! A RUN that only removes absolute paths (`RUN rm -rf /var/lib/apt/lists/*`)
//! right after the RUN that created them (its effects may write them) is
//! merged into it:
//! `RUN apt-get install -y x && rm -rf /var/lib/apt/lists/*`.
//!
//! ## Why is this bad?
//! A deletion in a later layer only adds a whiteout: the bytes are still in
//! the earlier layer, downloaded with every pull.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install -y gcc
//! RUN rm -rf /var/lib/apt/lists/*
//! ```
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix safety
//! Unsafe: the final filesystem is the same, but the layers (and their
//! sizes and cache keys) change, and the deleted paths are only presumed to
//! come from the previous RUN (it must name them, their parent, or be the
//! package manager that writes them).

use super::run_view::{parse_run, program};
use crate::ecosystem::npm;
use crate::fix::edit::{flags_text, next_in_stage};
use crate::fix::{Applicability, Checker, Edit, Fix};
use crate::syntax::Keyword;

pub const CODE: &str = "DO206";

fn plausible_creator(text: &str, path: &str) -> bool {
    let p = path.trim_end_matches("/*").trim_end_matches('/');
    let parent = p.rsplit_once('/').map(|(a, _)| a).unwrap_or("");
    (p.starts_with("/var/lib/apt") || p.starts_with("/var/cache/apt"))
        && (text.contains("apt-get") || text.contains("apt "))
        || (p.starts_with("/var/cache/apk") && text.contains("apk"))
        || (p.starts_with("/root/.cache") && text.contains("pip"))
        || (npm::ECOSYSTEM.caches.iter().any(|c| p.starts_with(c)) && text.contains("npm"))
        || text.contains(p)
        || (parent.len() > 1 && text.contains(parent))
}

/// Whether a COPY/ADD before instruction `before` in its stage put
/// something at `path` or below it:
/// that layer ships it whatever a RUN merges, so a merge gains nothing.
fn copied_earlier(model: &crate::model::Model, before: usize, path: &str) -> bool {
    let p = path.trim_end_matches('*').trim_end_matches('/');
    let Some(stage) = model
        .steps
        .iter()
        .find(|s| s.instruction == before)
        .map(|s| s.stage)
    else {
        return true;
    };
    model
        .steps
        .iter()
        .filter(|s| s.stage == stage && s.instruction < before)
        .any(|s| match &s.op {
            Some(crate::model::Op::Copy(op)) => {
                let d = op.dest.trim_end_matches('/');
                // the destination itself, something below the removed path,
                // or a named file copied into the destination directory
                d == p
                    || d.starts_with(&format!("{p}/"))
                    || op
                        .srcs
                        .iter()
                        .any(|src| !src.basename.is_empty() && format!("{d}/{}", src.basename) == p)
            }
            _ => false,
        })
}

pub fn check(c: &mut Checker) {
    let df = c.df;
    for (ai, a) in df.instructions.iter().enumerate() {
        if a.keyword != Keyword::Run {
            continue;
        }
        let Some(bi) = next_in_stage(df, ai) else {
            continue;
        };
        let b = &df.instructions[bi];
        if b.keyword != Keyword::Run || !b.comments.is_empty() {
            continue;
        }
        let (Some(sa), Some(sb)) = (parse_run(df, c.model, a), parse_run(df, c.model, b)) else {
            continue;
        };
        if sa.complex || sb.complex || sb.has_vars || flags_text(df, a) != flags_text(df, b) {
            continue;
        }
        if !sa
            .commands
            .iter()
            .all(|c| matches!(c.sep.as_str(), "&&" | ";" | ""))
        {
            continue;
        }
        let a_text = &df.source[a.arguments.span().start..a.arguments.span().end];
        // The first RUN must be able to write what the second deletes: one
        // that only reads it (`tar -xzf /tmp/x.tgz -C /opt` after the RUN
        // that downloaded it) leaves it in the earlier layer, and the merge
        // gains nothing while its message says otherwise.
        let a_writes = |w: &str| {
            super::step_of(c.model, ai)
                .and_then(|s| match &s.op {
                    Some(crate::model::Op::Run(r)) => Some(r),
                    _ => None,
                })
                .is_some_and(|r| {
                    // a glob operand stands for the folder it is expanded in
                    let at = if w.contains(['*', '?', '[']) {
                        crate::effects::glob_dir(w)
                    } else {
                        w
                    };
                    super::run_effects(c, ai, r).writes.overlaps(at)
                })
        };
        let only_rm = sb.commands.iter().all(|cmd| {
            let argv = cmd.argv();
            let (p, i) = program(&argv);
            let paths: Vec<&str> = argv
                .get(i + 1..)
                .unwrap_or_default()
                .iter()
                .copied()
                .filter(|w| !w.starts_with('-'))
                .collect();
            p == "rm"
                && !paths.is_empty()
                && paths.iter().all(|w| {
                    w.starts_with('/')
                        && w.len() > 1
                        && plausible_creator(a_text, w)
                        && a_writes(w)
                        && !copied_earlier(c.model, ai, w)
                })
        });
        if !only_rm || sb.commands.is_empty() {
            continue;
        }
        // The rm runs in the first RUN's shell: nothing there may change it,
        // and it must fail the merged RUN where it failed alone.
        match (c.model.run_script(df, a), c.model.run_script(df, b)) {
            (Some(Ok(first)), Some(Ok(second)))
                if crate::fix::hazard::merge_first_ok(&first).is_ok()
                    && crate::fix::hazard::merge_second_ok(&second).is_ok() => {}
            _ => continue,
        }
        c.fix(Fix {
            transforms: vec![crate::fix::Transform::Merge { a: ai, b: bi }],
            code: CODE,
            message: format!(
                "delete in the layer that creates the files: merge line {} into line {}",
                b.start_line, a.start_line
            ),
            applicability: Applicability::Unsafe,
            line: b.start_line,
            edits: vec![Edit::replace(
                a.arguments.span().end,
                b.arguments.span().start,
                " && ",
            )],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    #[test]
    fn assignment_or_wrapper_only_runs_do_not_panic() {
        // Issue 16: `RUN env` and `RUN X=1` used to index past the argv.
        for df in [
            "FROM debian\nRUN env\nRUN rm -rf /var/lib/apt/lists/*\n",
            "FROM debian\nRUN apt-get install -y gcc\nRUN env\n",
            "FROM debian\nRUN apt-get install -y gcc\nRUN X=1\n",
            "FROM debian\nRUN X=1\nRUN rm -rf /x\n",
        ] {
            assert!(run(df, true, &["DO206"]).applied.is_empty(), "{df}");
        }
        // A `cd` in the first RUN would change where the merged rm runs.
        let df =
            "FROM debian\nRUN cd /tmp && apt-get install -y gcc\nRUN rm -rf /var/lib/apt/lists/*\n";
        assert!(run(df, true, &["DO206"]).applied.is_empty());
        // A `;` in the second RUN would run its tail after a failed first RUN.
        let df = "FROM debian\nRUN apt-get update && apt-get install -y gcc\nRUN rm -rf /var/lib/apt/lists/*; rm -rf /var/lib/apt/lists/partial\n";
        assert!(run(df, true, &["DO206"]).applied.is_empty());
    }

    #[test]
    fn merges_later_deletion() {
        let out = run(
            "FROM debian\nRUN apt-get update && apt-get install -y gcc\nRUN rm -rf /var/lib/apt/lists/*\n",
            true,
            &["DO206"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get install -y gcc && rm -rf /var/lib/apt/lists/*\n"
        );
        // A COPY put the file there: that layer ships it whatever the merge.
        for df in [
            "FROM debian\nCOPY app.tar.gz /tmp/\nRUN tar -xzf /tmp/app.tar.gz -C /opt\nRUN rm /tmp/app.tar.gz\n",
            "FROM debian\nCOPY scripts /tmp/scripts\nRUN sh /tmp/scripts/a.sh\nRUN rm -rf /tmp/scripts\n",
        ] {
            assert!(run(df, true, &["DO206"]).applied.is_empty(), "{df}");
        }
        // The RUN before only reads the file an earlier RUN downloaded: the
        // merge would leave it in that earlier layer.
        let reader = "FROM debian\nRUN wget -O /tmp/x.tgz http://h/x.tgz\nRUN tar -xzf /tmp/x.tgz -C /opt\nRUN rm /tmp/x.tgz\n";
        assert!(run(reader, true, &["DO206"]).applied.is_empty());
        let creator = "FROM debian\nRUN wget -O /tmp/x.tgz http://h/x.tgz && tar -xzf /tmp/x.tgz -C /opt\nRUN rm /tmp/x.tgz\n";
        assert_eq!(run(creator, true, &["DO206"]).applied.len(), 1);
        let unrelated = run(
            "FROM debian\nRUN echo hi\nRUN rm -rf /opt/x\n",
            true,
            &["DO206"],
        );
        assert!(unrelated.applied.is_empty());
    }
}
