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
use crate::fix::edit::{flags_text, next_in_stage};
use crate::fix::{Applicability, Checker, Edit, Fix, Transform};
use crate::model::Op;
use crate::shell::{self, Invocation, Script};
use crate::syntax::Keyword;

pub const CODE: &str = "DO104";

/// Arguments that are not options, as literals (None if any is not literal).
fn operands(inv: &Invocation) -> Option<Vec<String>> {
    let vals: Option<Vec<String>> = inv.values().into_iter().collect();
    Some(vals?.into_iter().filter(|a| !a.starts_with('-')).collect())
}

/// The family of a script that is exactly one `apt-get update`/`apk update`.
fn is_update(script: &Script) -> Option<&'static str> {
    let cmds = shell::commands(script);
    let [(cmd, place)] = cmds.as_slice() else {
        return None;
    };
    if *place != shell::Place::default() || !cmd.redirects.is_empty() || script.items.len() != 1 {
        return None;
    }
    let inv = cmd.invocation()?;
    let ops = operands(&inv)?;
    match (inv.program.as_str(), ops.as_slice()) {
        ("apt-get" | "apt", [u]) if u == "update" => Some("apt"),
        ("apk", [u]) if u == "update" => Some("apk"),
        _ => None,
    }
}

/// Whether the first command the script runs is an install of `family`.
fn is_install(script: &Script, family: &str) -> bool {
    let cmds = shell::commands(script);
    let Some((cmd, place)) = cmds.first() else {
        return false;
    };
    if place.substitution {
        return false;
    }
    let Some(inv) = cmd.invocation() else {
        return false;
    };
    let sub = inv.subcommand();
    match family {
        "apt" => inv.is(&["apt-get", "apt"]) && sub.as_deref() == Some("install"),
        _ => inv.program == "apk" && sub.as_deref() == Some("add"),
    }
}

pub fn check(c: &mut Checker) {
    let df = c.df;
    for (idx, a) in df.instructions.iter().enumerate() {
        if a.keyword != Keyword::Run || !a.heredocs.is_empty() {
            continue;
        }
        let Some(Ok(sa)) = c.model.run_script(df, a) else {
            continue;
        };
        let Some(family) = is_update(&sa) else {
            continue;
        };
        if crate::fix::hazard::merge_first_ok(&sa).is_err() {
            continue;
        }
        let Some(bi) = next_in_stage(df, idx) else {
            continue;
        };
        let b = &df.instructions[bi];
        if b.keyword != Keyword::Run {
            continue;
        }
        let Some(Ok(sb)) = c.model.run_script(df, b) else {
            continue;
        };
        if !is_install(&sb, family) {
            continue;
        }
        if let Err(why) = crate::fix::hazard::merge_second_ok(&sb) {
            c.skip(CODE, a.start_line, format!("not merged: {why}"));
            continue;
        }
        if !b.heredocs.is_empty() {
            c.skip(
                CODE,
                a.start_line,
                "not merged: the install RUN uses heredocs",
            );
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
                x.env == y.env
                    && x.cwd == y.cwd
                    && x.user == y.user
                    && x.mounts == y.mounts
                    && x.argv.len() == y.argv.len()
                    && x.argv[..x.argv.len().saturating_sub(1)]
                        == y.argv[..y.argv.len().saturating_sub(1)]
            }
            _ => false,
        };
        if !same_state {
            continue;
        }
        // The update's last word ends its code: a trailing `;` goes (`a; &&
        // b` does not parse), a trailing comment refuses (it would swallow
        // the install).
        let Some(a_end) = shell::code_end(&sa) else {
            continue;
        };
        let tail = c.df.source.get(a_end..a.arguments.span().end).unwrap_or("");
        if !tail
            .chars()
            .all(|ch| ch.is_whitespace() || ch == ';' || ch == '\\')
        {
            c.skip(
                CODE,
                a.start_line,
                "not merged: the update RUN ends in a comment, which would swallow the install",
            );
            continue;
        }
        let b_start = b.arguments.span().start;
        c.fix(Fix {
            transforms: vec![Transform::Merge { a: idx, b: bi }],
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

    #[test]
    fn an_or_or_a_semicolon_in_the_install_keeps_them_apart() {
        for df in [
            "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl || true\n",
            "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl; echo done\n",
            "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl &\n",
        ] {
            let out = run(df, false, &["DO104"]);
            assert_eq!(out.output, df);
            assert!(
                out.skipped.iter().any(|s| s.reason.contains("`||`")),
                "{df}"
            );
        }
        let df = "FROM debian\nRUN apt-get update\nRUN apt-get install -y curl && { a || b; }\n";
        assert_ne!(run(df, false, &["DO104"]).output, df);
    }

    /// The update's trailing `;` is dropped (`a; && b` does not parse); a
    /// trailing comment would swallow the install: left alone, with why.
    #[test]
    fn the_update_ends_where_its_code_ends() {
        let out = run(
            "FROM debian\nRUN apt-get update;\nRUN apt-get install -y curl\n",
            false,
            &["DO104"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get install -y curl\n"
        );
        let df = "FROM debian\nRUN apt-get update # refresh\nRUN apt-get install -y curl\n";
        let out = run(df, false, &["DO104"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped.iter().any(|s| s.reason.contains("comment")),
            "{:?}",
            out.skipped
        );
    }

    #[test]
    fn wrapper_only_runs_do_not_panic() {
        // Issue 16: `RUN env` and `RUN X=1` used to index past the argv.
        for df in [
            "FROM debian\nRUN env\nRUN apt-get install -y gcc\n",
            "FROM debian\nRUN X=1\nRUN apt-get install -y gcc\n",
            "FROM debian\nRUN apt-get update\nRUN env\n",
            "FROM debian\nRUN apt-get update\nRUN X=1\n",
            "FROM debian\nRUN sudo\nRUN apt-get install -y gcc\n",
        ] {
            assert!(run(df, false, &["DO104"]).applied.is_empty(), "{df}");
        }
    }
}
