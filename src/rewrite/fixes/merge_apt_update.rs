//! DO104 merge-apt-update: merge a RUN that only refreshes the package index
//! (`apt-get update`, `apk update`) into the install RUN right after it.
//!
//! ## What it does
//! `RUN apt-get update` followed by `RUN apt-get install -y curl` becomes
//! `RUN apt-get update && apt-get install -y curl`; the install keeps its own
//! lines and continuations.
//!
//! ## Why is this bad?
//! A cached `apt-get update` layer goes stale: when the install line changes,
//! BuildKit re-runs only the install against an old index (missing packages,
//! old versions). Merged, the index is refreshed whenever the install re-runs.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update
//! RUN apt-get install -y gcc
//! ```
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y gcc
//! ```
//!
//! ## Fix safety
//! Safe: the two commands run in the same order with the same env, cwd,
//! user, shell and mounts (the RUNs are adjacent, both shell form, with
//! identical flags), so the final filesystem and config are the same; only
//! the layer split changes, and the update deletes nothing the install
//! needs. Skipped when the second RUN has comments above it (they would have
//! nowhere to go) or uses heredocs.

use super::step_of;
use crate::model::Op;
use crate::rewrite::edit::{flags_text, next_in_stage};
use crate::rewrite::shell::{parse_run, program};
use crate::rewrite::{Applicability, Checker, Edit, Fix};
use crate::syntax::Keyword;

pub const CODE: &str = "DO104";

fn is_update(argv: &[&str]) -> Option<&'static str> {
    let (p, i) = program(argv);
    let args: Vec<&str> = argv
        .get(i + 1..)
        .unwrap_or_default()
        .iter()
        .copied()
        .filter(|a| !a.starts_with('-'))
        .collect();
    match (p.as_str(), args.as_slice()) {
        ("apt-get" | "apt", ["update"]) => Some("apt"),
        ("apk", ["update"]) => Some("apk"),
        _ => None,
    }
}

fn is_install(argv: &[&str], family: &str) -> bool {
    let (p, i) = program(argv);
    let sub = argv
        .get(i + 1..)
        .unwrap_or_default()
        .iter()
        .find(|a| !a.starts_with('-'))
        .copied();
    match family {
        "apt" => matches!(p.as_str(), "apt-get" | "apt") && sub == Some("install"),
        _ => p == "apk" && sub == Some("add"),
    }
}

pub fn check(c: &mut Checker) {
    let df = c.df;
    for (idx, a) in df.instructions.iter().enumerate() {
        if a.keyword != Keyword::Run {
            continue;
        }
        let Some(sa) = parse_run(df, a) else { continue };
        if sa.complex || sa.commands.len() != 1 {
            continue;
        }
        let Some(family) = is_update(&sa.commands[0].argv()) else {
            continue;
        };
        let Some(bi) = next_in_stage(df, idx) else {
            continue;
        };
        let b = &df.instructions[bi];
        if b.keyword != Keyword::Run {
            continue;
        }
        let Some(sb) = parse_run(df, b) else { continue };
        let Some(first) = sb.commands.first() else {
            continue;
        };
        if !is_install(&first.argv(), family) {
            continue;
        }
        if !b.comments.is_empty() {
            c.skip(
                CODE,
                a.start_line,
                "not merged: the install RUN has comments above it",
            );
            continue;
        }
        if flags_text(df, a) != flags_text(df, b) {
            c.skip(
                CODE,
                a.start_line,
                "not merged: the two RUNs have different flags",
            );
            continue;
        }
        let same_state = match (
            step_of(c.model, idx).and_then(|s| s.op.as_ref()),
            step_of(c.model, bi).and_then(|s| s.op.as_ref()),
        ) {
            (Some(Op::Run(x)), Some(Op::Run(y))) => {
                x.env == y.env && x.cwd == y.cwd && x.user == y.user && x.mounts == y.mounts
            }
            _ => false,
        };
        if !same_state {
            continue;
        }
        let a_end = a.arguments.span().end;
        let b_start = b.arguments.span().start;
        c.fix(Fix {
            code: CODE,
            message: format!(
                "merge `{}` into the install RUN on line {}",
                a.first_line(&df.source).trim(),
                b.start_line
            ),
            applicability: Applicability::Safe,
            line: a.start_line,
            edits: vec![Edit::replace(a_end, b_start, " && ")],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    #[test]
    fn merges_update_into_install() {
        let out = run(
            "FROM debian\n# deps\nRUN apt-get update\nRUN apt-get install -y \\\n    gcc \\\n    make\n",
            false,
            &["DO104"],
        );
        assert_eq!(
            out.output,
            "FROM debian\n# deps\nRUN apt-get update && apt-get install -y \\\n    gcc \\\n    make\n"
        );
        let again = run(&out.output, false, &["DO104"]);
        assert!(again.applied.is_empty());
    }

    #[test]
    fn keeps_apart_when_state_differs() {
        for df in [
            "FROM debian\nRUN apt-get update\nUSER app\nRUN apt-get install -y gcc\n",
            "FROM debian\nRUN apt-get update\n# why\nRUN apt-get install -y gcc\n",
            "FROM debian\nRUN --network=none apt-get update\nRUN apt-get install -y gcc\n",
            "FROM debian\nRUN apt-get update\nRUN pip install x\n",
        ] {
            assert!(run(df, false, &["DO104"]).applied.is_empty(), "{df}");
        }
        let out = run(
            "FROM alpine\nRUN apk update\nRUN apk add curl\n",
            false,
            &["DO104"],
        );
        assert_eq!(out.output, "FROM alpine\nRUN apk update && apk add curl\n");
    }
}
