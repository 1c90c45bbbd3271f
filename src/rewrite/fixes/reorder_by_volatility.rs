//! DO102 reorder-by-volatility: move steps that read nothing from the
//! context above the first COPY of the stage.
//!
//! ## What it does
//! A RUN that installs system packages, upgrades pip or creates a user, and
//! that stands after a `COPY`, moves above it (with its comments, and with
//! the ENV/ARG lines between them, such as `ENV DEBIAN_FRONTEND=…`).
//!
//! ## Why is this bad?
//! Every step after a `COPY . .` re-runs when any source file changes, even
//! those whose inputs did not change. Above the COPY they stay cached.
//!
//! ## Example
//! ```dockerfile
//! COPY . /app
//! RUN apt-get update && apt-get install -y curl
//! ```
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y curl
//! COPY . /app
//! ```
//!
//! ## Fix safety
//! Safe, and deliberately narrow. The RUN must consist only of commands known
//! to read nothing relative to the working directory and to write only system
//! locations (apt-get, apk, dnf, `pip install <names>`, `npm install -g`,
//! useradd, mkdir/chmod/ln/rm of absolute paths…), with no variables,
//! substitutions, redirections or context bind mounts. Only `COPY`/`ADD` and
//! config-only instructions (LABEL, EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK,
//! STOPSIGNAL) may be crossed — never WORKDIR, USER, SHELL, VOLUME or another
//! RUN, so the RUN's cwd, user and shell are unchanged. ENV and ARG lines
//! between the COPY and the RUN move up with it, in their order, so the RUN
//! and every later step see the same env list and the image config is the
//! same; this is refused when a crossed COPY expands a variable they define. A crossed COPY must not write to a system location (`/`,
//! `/usr`, `/etc`, `/home`…) and no absolute path the RUN names may overlap
//! its destination, so neither can see or overwrite the other's files.

use super::ecosystems::neutral;
use super::{config_only, paths_overlap, step_of, system_dest};
use crate::model::Op;
use crate::rewrite::edit::{block_text, delete_block, insert_above};
use crate::rewrite::shell::{absolute_paths, parse_run};
use crate::rewrite::{Applicability, Checker, Fix};
use crate::syntax::Keyword;

pub const CODE: &str = "DO102";

pub fn check(c: &mut Checker) {
    let df = c.df;
    let model = c.model;
    for stage in &model.stages {
        let steps: Vec<_> = model.stage_steps(stage.index).collect();
        let Some(first) = steps.iter().position(|s| {
            matches!(s.keyword, Keyword::Copy | Keyword::Add)
                || (s.keyword == Keyword::Run && !s.context_reads().is_empty())
        }) else {
            continue;
        };
        if steps[first].keyword == Keyword::Run {
            continue;
        }
        // Destinations crossed so far, and the variables crossed COPYs expand.
        let mut dests: Vec<String> = Vec::new();
        let mut copy_refs: Vec<&str> = Vec::new();
        // ENV/ARG lines that move up with the RUN.
        let mut carried: Vec<usize> = Vec::new();
        for s in &steps[first..] {
            let ins = &df.instructions[s.instruction];
            match (&s.op, s.keyword) {
                (Some(Op::Copy(cop)), Keyword::Copy | Keyword::Add) => {
                    if system_dest(&cop.dest) {
                        break;
                    }
                    dests.push(cop.dest.clone());
                    copy_refs.extend(s.var_refs.iter().map(String::as_str));
                }
                (_, k) if config_only(k) => {}
                (_, Keyword::Env | Keyword::Arg) if !dests.is_empty() => {
                    carried.push(s.instruction);
                }
                (Some(Op::Run(r)), Keyword::Run) if !dests.is_empty() => {
                    let defines_read_by_copy = carried.iter().any(|&i| {
                        step_of(model, i).is_some_and(|st| {
                            st.defines.iter().any(|d| copy_refs.contains(&d.as_str()))
                        })
                    });
                    if !defines_read_by_copy && movable(c, s.instruction, r, &dests) {
                        let target = &df.instructions[steps[first].instruction];
                        let mut text = String::new();
                        let mut edits = Vec::new();
                        for &i in carried.iter().chain(std::iter::once(&s.instruction)) {
                            text.push_str(&block_text(df, &df.instructions[i]));
                            edits.push(delete_block(df, &df.instructions[i]));
                        }
                        edits.push(insert_above(df, target, &text));
                        c.fix(Fix {
                            code: CODE,
                            message: format!(
                                "move `{}` above `{}`: it reads nothing from the context",
                                ins.first_line(&df.source).trim(),
                                target.first_line(&df.source).trim()
                            ),
                            applicability: Applicability::Safe,
                            line: ins.start_line,
                            edits,
                        });
                    }
                    break;
                }
                _ => break,
            }
        }
    }
}

fn movable(c: &Checker, idx: usize, r: &crate::model::RunOp, dests: &[String]) -> bool {
    let ins = &c.df.instructions[idx];
    if r.mounts
        .iter()
        .any(|m| m.kind == crate::model::MountKind::Bind)
    {
        return false;
    }
    let Some(script) = parse_run(c.df, ins) else {
        return false;
    };
    if script.complex || script.has_vars || script.commands.is_empty() {
        return false;
    }
    if step_of(c.model, idx).is_none() {
        return false;
    }
    script.commands.iter().all(|cmd| {
        let argv = cmd.argv();
        neutral(&argv)
            && absolute_paths(&argv)
                .iter()
                .all(|p| !dests.iter().any(|d| paths_overlap(p, d)))
    })
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    #[test]
    fn moves_system_install_above_copy() {
        let out = run(
            "FROM debian\nWORKDIR /app\nCOPY . .\n# tools\nRUN apt-get update && apt-get install -y curl\nCMD [\"x\"]\n",
            false,
            &["DO102"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nWORKDIR /app\n# tools\nRUN apt-get update && apt-get install -y curl\nCOPY . .\nCMD [\"x\"]\n"
        );
    }

    #[test]
    fn carries_env_and_arg_lines_up_with_the_run() {
        let out = run(
            "FROM debian\nWORKDIR /app\nCOPY . .\nENV DEBIAN_FRONTEND=noninteractive\nARG V=1\n\nRUN apt-get update && apt-get install -y curl\nCMD [\"x\"]\n",
            false,
            &["DO102"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nWORKDIR /app\nENV DEBIAN_FRONTEND=noninteractive\nARG V=1\nRUN apt-get update && apt-get install -y curl\nCOPY . .\n\nCMD [\"x\"]\n"
        );
        assert!(run(&out.output, false, &["DO102"]).applied.is_empty());
        // A crossed COPY that expands the variable would see a new value.
        let out = run(
            "FROM debian\nCOPY . /app/$V\nENV V=1\nRUN apt-get install -y curl\n",
            false,
            &["DO102"],
        );
        assert!(out.applied.is_empty());
    }

    #[test]
    fn does_not_cross_workdir_or_read_context() {
        for df in [
            "FROM debian\nCOPY . /app\nWORKDIR /x\nRUN apt-get install -y curl\n",
            "FROM debian\nWORKDIR /app\nCOPY . .\nRUN chmod +x run.sh\n",
            "FROM debian\nCOPY . /app\nRUN rm -rf /app/tmp\n",
            "FROM debian\nCOPY . /usr/local\nRUN apt-get install -y x\n",
            "FROM debian\nCOPY . /app\nRUN make\nRUN apt-get install -y curl\n",
            "FROM debian\nCOPY . /app\nRUN apt-get install -y $PKGS\n",
        ] {
            let out = run(df, false, &["DO102"]);
            assert!(out.applied.is_empty(), "{df}");
        }
    }
}
