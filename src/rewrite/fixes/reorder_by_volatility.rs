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
//! Safe when the hazard check (`rewrite::hazard`) allows it against every
//! COPY/ADD crossed, from the RUN's effects (`crate::effects`): it reads and
//! writes nothing the COPY writes (the exact files the context lands there
//! when the context is known), no variable it reads points into what the
//! COPY brings (`ENV PIP_CONFIG_FILE=/app/pip.conf` above the COPY still
//! counts; `PIP_FIND_LINKS=wheels` is under the cwd), it runs or looks up
//! no program the COPY may bring into a folder of its PATH (an ENV PATH, or
//! Docker's default), it creates no folder the COPY also creates with
//! another owner or mode (a `--chown` COPY, a non-root RUN, a `umask`), and
//! it does not change the user/group database when the COPY has
//! `--chown=name`. Commands the effects model does not know read and
//! write everything, so they never move. Only `COPY`/`ADD` and config-only
//! instructions (LABEL, EXPOSE, CMD, ENTRYPOINT, HEALTHCHECK, STOPSIGNAL) may
//! be crossed — never WORKDIR, USER, SHELL, VOLUME or another RUN, so the
//! RUN's cwd, user and shell are unchanged. ENV and ARG lines between the
//! COPY and the RUN move up with it, in their order, so the RUN and every
//! later step see the same env list and the image config is the same; this
//! is refused when a crossed COPY, LABEL or EXPOSE expands a variable they define. A refusal
//! of a RUN that installs packages (what the DO102 rule reports) or whose
//! effects are known says why.
//!
//! A rewrite must not create what `check` flags: a move that would land the
//! RUN right after another RUN with the same flags in a stage that ships
//! (two RUNs in a row, DO208) is refused with that reason, unless the RUN
//! leaves such a pair where it stood (one pair for another).

use super::{config_only, step_of};
use crate::effects;
use crate::fix::edit::{block_text, delete_blocks, insert_above};
use crate::fix::{hazard, Applicability, Checker, Fix, Transform};
use crate::model::{CopyOp, Op, RunOp};
use crate::shell;
use crate::syntax::Keyword;

pub const CODE: &str = "DO102";

pub fn check(c: &mut Checker) {
    let df = c.df;
    let model = c.model;
    let mut bases = hazard::StageBefores::default();
    // Stages whose layers ship (where DO208 reports two RUNs in a row).
    let mut shipped: Option<Vec<bool>> = None;
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
        // Folders the steps above the first COPY made: the moved RUN finds them.
        let before = hazard::Before::joined(
            [
                hazard::Before::of_bases_memo(model, stage.index, true, c.context, &mut bases),
                hazard::Before::of_in(
                    steps[..first].iter().filter_map(|s| s.op.as_ref()),
                    c.context,
                ),
            ]
            .iter(),
        );
        // COPYs crossed so far, and the variables they expand.
        let mut copies: Vec<&CopyOp> = Vec::new();
        let mut copy_refs: Vec<&str> = Vec::new();
        // ENV/ARG lines that move up with the RUN.
        let mut carried: Vec<usize> = Vec::new();
        // The RUN that stays, once one is refused: a move never crosses a
        // RUN, so the package installs below it say so instead of nothing.
        let mut blocked_by: Option<usize> = None;
        // RUNs moved so far, as one fix: each is judged as if those before
        // it had moved already (the rounds of one move each would make the
        // same choices, but a stage of n movable RUNs took n rounds, each
        // reading the whole file again: 5,000 RUNs took minutes).
        let mut batch = Batch::default();
        let mut before = before;
        for (pos, s) in steps.iter().enumerate().skip(first) {
            let ins = &df.instructions[s.instruction];
            if let Some(line) = blocked_by {
                let installs = s.keyword == Keyword::Run
                    && c.model
                        .run_script(df, ins)
                        .and_then(Result::ok)
                        .is_some_and(|sc| installs_packages(&sc));
                if installs {
                    let target = &df.instructions[steps[first].instruction];
                    c.skip(
                        CODE,
                        ins.start_line,
                        format!(
                            "not moved above `{}`: the RUN on line {line} stays below it, and a move never crosses another RUN",
                            target.first_line(&df.source).trim()
                        ),
                    );
                }
                continue;
            }
            match (&s.op, s.keyword) {
                (Some(Op::Copy(cop)), Keyword::Copy | Keyword::Add) => {
                    copies.push(cop);
                    copy_refs.extend(s.var_refs.iter().map(String::as_str));
                }
                // LABEL, EXPOSE, STOPSIGNAL… expand variables when built:
                // an ENV/ARG carried above them would change their value.
                (_, k) if config_only(k) => {
                    copy_refs.extend(s.var_refs.iter().map(String::as_str));
                }
                (_, Keyword::Env | Keyword::Arg) if !copies.is_empty() => {
                    carried.push(s.instruction);
                }
                (Some(Op::Run(r)), Keyword::Run) if !copies.is_empty() => {
                    let target = &df.instructions[steps[first].instruction];
                    let defines_read_by_copy = carried.iter().any(|&i| {
                        step_of(model, i).is_some_and(|st| {
                            st.defines.iter().any(|d| copy_refs.contains(&d.as_str()))
                        })
                    });
                    let verdict = if defines_read_by_copy {
                        Err((
                            "a crossed instruction expands a variable that the ENV/ARG lines moving with it define".to_string(),
                            true,
                        ))
                    } else {
                        movable(c, s.instruction, r, &copies, &before)
                    };
                    // Right above the COPY, with no ENV/ARG line carried
                    // between: the RUN lands after the instruction there.
                    // Two RUNs in a row are what DO208 reports, and a
                    // rewrite must not create what `check` flags; joining
                    // them is DO208's display-only advice (it can hurt
                    // caching), so such a move is left to the user. Unless
                    // the RUN leaves a pair where it stood (a RUN right
                    // after it): one pair for another, no new finding.
                    let shipped =
                        shipped.get_or_insert_with(|| crate::rules::shipped_stages(model));
                    let pairs = |a: &crate::syntax::Instruction, b: &crate::syntax::Instruction| {
                        crate::rules::size::consecutive_run::pairs(a, b, stage.index, shipped)
                    };
                    let lands_after = batch
                        .last_run
                        .or_else(|| {
                            first
                                .checked_sub(1)
                                .and_then(|k| steps.get(k))
                                .map(|p| p.instruction)
                        })
                        .filter(|_| carried.is_empty())
                        .map(|p| &df.instructions[p]);
                    // The step after it (steps are in order: no search per RUN).
                    let leaves_pair = steps
                        .get(pos + 1)
                        .filter(|t| t.instruction == s.instruction + 1)
                        .is_some_and(|t| pairs(ins, &df.instructions[t.instruction]));
                    let pairs_with = lands_after.filter(|p| !leaves_pair && pairs(p, ins));
                    let verdict = verdict.and_then(|()| match pairs_with {
                        Some(p) => Err((
                            format!(
                                "it would land right after the RUN on line {}: two RUNs in a row, which DO208 reports; move it and join the two by hand if one layer suits",
                                p.start_line
                            ),
                            true,
                        )),
                        None => Ok(()),
                    });
                    let refused = verdict.is_err();
                    match verdict {
                        Ok(()) => {
                            for &i in carried.iter().chain(std::iter::once(&s.instruction)) {
                                batch.text.push_str(&block_text(df, &df.instructions[i]));
                                batch.moved.push(i);
                            }
                            batch.transforms.push(Transform::Move {
                                ins: s.instruction,
                                above: steps[first].instruction,
                            });
                            batch.runs.push((
                                ins.start_line,
                                ins.first_line(&df.source).trim().to_string(),
                            ));
                            batch.last_run = Some(s.instruction);
                            carried.clear();
                            // Folders and links it makes are there for the next one.
                            before.extend(hazard::Before::of_in(
                                std::iter::once(&s.op).flatten(),
                                c.context,
                            ));
                        }
                        Err((why, true)) => c.skip(
                            CODE,
                            ins.start_line,
                            format!(
                                "not moved above `{}`: {why}",
                                target.first_line(&df.source).trim()
                            ),
                        ),
                        Err((_, false)) => {}
                    }
                    if refused {
                        blocked_by = Some(ins.start_line);
                    }
                }
                _ => break,
            }
        }
        let target = &df.instructions[steps[first].instruction];
        batch.emit(c, df, target);
    }
}

/// The RUNs of one stage that move above its first COPY, with the ENV/ARG
/// lines carried with them, as one fix.
#[derive(Default)]
struct Batch {
    text: String,
    /// Every instruction that moves (the RUNs and the lines carried), in order.
    moved: Vec<usize>,
    transforms: Vec<Transform>,
    /// Each moved RUN's line and first line of text.
    runs: Vec<(usize, String)>,
    last_run: Option<usize>,
}

impl Batch {
    fn emit(
        self,
        c: &mut Checker,
        df: &crate::syntax::Dockerfile,
        target: &crate::syntax::Instruction,
    ) {
        let Some((line, first)) = self.runs.first().cloned() else {
            return;
        };
        let mut edits = delete_blocks(df, &self.moved);
        edits.push(insert_above(df, target, &self.text));
        let target = target.first_line(&df.source).trim().to_string();
        let message = match self.runs.len() {
            1 => format!("move `{first}` above `{target}`: it reads nothing from the context"),
            n => format!(
                "move `{first}` and {} more RUN{} above `{target}`: they read nothing from the context",
                n - 1,
                if n == 2 { "" } else { "s" }
            ),
        };
        c.fix(Fix {
            transforms: self.transforms,
            code: CODE,
            message,
            applicability: Applicability::Safe,
            line,
            edits,
        });
    }
}

/// Whether a RUN installs system packages: the steps the DO102 rule reports,
/// whose refusal is worth a reason even when the RUN does more.
fn installs_packages(script: &shell::Script) -> bool {
    script.simple_commands().iter().any(|cmd| {
        cmd.invocation().is_some_and(|inv| {
            let sub = inv.subcommand();
            match inv.program.as_str() {
                "apt-get" | "apt" | "yum" | "dnf" | "microdnf" => sub.as_deref() == Some("install"),
                "apk" => sub.as_deref() == Some("add"),
                _ => false,
            }
        })
    })
}

/// Ok when the hazard check lets the RUN cross every COPY; else why, and
/// whether the refusal is worth reporting (the RUN looked movable).
fn movable(
    c: &Checker,
    idx: usize,
    r: &RunOp,
    copies: &[&CopyOp],
    before: &hazard::Before,
) -> Result<(), (String, bool)> {
    let ins = &c.df.instructions[idx];
    if r.mounts
        .iter()
        .any(|m| m.kind == crate::model::MountKind::Bind)
    {
        return Err(("it bind-mounts files".into(), false));
    }
    let script = c.model.run_script(c.df, ins).and_then(Result::ok);
    let fx = super::run_effects(c, idx, r);
    // Worth a reason: package installs (what the DO102 rule reports), and
    // RUNs that touch no copied tree as a whole — those refused for a subtle
    // hazard (a config file, a variable, the user database). A RUN that
    // reads or writes the copied tree itself was never a candidate.
    let touches_tree = copies.iter().any(|cp| {
        let dest = crate::model::path::clean(&cp.dest);
        fx.reads.iter().any(|p| effects::under(&dest, p))
            || fx.writes.iter().any(|p| effects::under(p, &dest))
    });
    let vague = fx.unknown || fx.reads.is_everything() || (fx.writes.is_everything() && !fx.userdb);
    let report = script.as_deref().is_some_and(installs_packages) || (!vague && !touches_tree);
    let first = may_cross_all(c, &fx, r, copies, before).map_err(|w| (w, report));
    // The effects above were read without the files the COPYs bring (a
    // tool that looks for names in its folder, `gem install` for a
    // `*.gem`, then reads the whole folder): read where the RUN stands,
    // after every crossed COPY, as the whole-file guard reads them.
    let (Err(_), Some(ctx), Some(root)) = (&first, c.context, c.root) else {
        return first;
    };
    let files = hazard::LayeredFiles(
        copies
            .iter()
            .map(|copy| hazard::CopyFiles { copy, ctx, root })
            .collect(),
    );
    let seen = effects::of_model_run_with(c.df, c.model, ins, r, &files);
    may_cross_all(c, &seen, r, copies, before).map_err(|w| (w, report))
}

/// Whether a RUN with effects `fx` may cross every COPY of `copies`, in
/// order; else why.
fn may_cross_all(
    c: &Checker,
    fx: &effects::Effects,
    r: &RunOp,
    copies: &[&CopyOp],
    before: &hazard::Before,
) -> Result<(), String> {
    // Each crossed COPY lands through the links the ones above it bring
    // (copied only then: a stage's moved RUNs add to `before`, and a copy
    // per RUN made the stage quadratic).
    let mut brought: Option<hazard::Before> = None;
    for (k, copy) in copies.iter().enumerate() {
        let b = brought.as_ref().unwrap_or(before);
        // The reason says "the COPY"; of several crossed, name which.
        hazard::run_may_cross_where(fx, r, copy, c.context, b).map_err(|w| {
            if copies.len() > 1 {
                format!("{w} (the COPY to {})", copy.dest)
            } else {
                w
            }
        })?;
        if k + 1 < copies.len() {
            let mut next = b.clone();
            next.add_brought(copy, c.context);
            brought = Some(next);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    /// A stage's movable RUNs go up in one fix, each judged as if those
    /// before it had moved (one move per round re-read the whole file once
    /// per RUN: 5,000 RUNs took minutes). The ENV between moves with the RUN
    /// after it, a second COPY is crossed too, and the last RUN, which would
    /// land right after another and leave no pair behind, stays.
    #[test]
    fn a_stage_s_moves_are_one_fix_in_one_round() {
        let out = run(
            "FROM debian\nCOPY . /app\nRUN apt-get update\nENV A=1\nRUN echo $A > /a\nCOPY x /x\nRUN echo 2 > /b\nRUN echo 3 > /c\n",
            false,
            &["DO102"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update\nENV A=1\nRUN echo $A > /a\nRUN echo 2 > /b\nCOPY . /app\nCOPY x /x\nRUN echo 3 > /c\n"
        );
        assert_eq!(out.applied.len(), 1, "{:?}", out.applied);
        assert!(out.iterations <= 2, "{} rounds", out.iterations);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.reason.contains("two RUNs in a row")),
            "{:?}",
            out.skipped
        );
    }

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

    /// Laradock's openresty (shared corpus 0269): the RUN would land right
    /// after another RUN of a shipped stage, two RUNs in a row that DO208
    /// reports; a rewrite must not create what check flags. Not moved, with
    /// the reason. A builder stage (DO208 stays silent there), an ENV carried
    /// between, or different flags keep the move.
    #[test]
    fn does_not_land_a_run_right_after_another_in_a_shipped_stage() {
        let src = "FROM alpine\nARG P=9000\nRUN touch /var/log/messages\nCOPY nginx /etc/logrotate.d/\nRUN echo \"server php:${P}\" > /etc/upstream.conf\nCMD [\"nginx\"]\n";
        let out = run(src, false, &["DO102"]);
        assert!(out.applied.is_empty(), "{}", out.output);
        assert!(
            out.skipped.iter().any(|s| s.code == "DO102"
                && s.line == 5
                && s.reason.contains("right after the RUN on line 3")
                && s.reason.contains("DO208")),
            "{:?}",
            out.skipped
        );
        // A builder stage's layers do not ship: the move stays.
        let builder = src.replace(
            "CMD [\"nginx\"]\n",
            "FROM scratch\nCOPY --from=0 /etc/upstream.conf /\n",
        );
        assert_eq!(run(&builder, false, &["DO102"]).applied.len(), 1);
        // Different flags: DO208 does not pair them.
        let flagged = src.replace("RUN touch", "RUN --network=none touch");
        assert_eq!(run(&flagged, false, &["DO102"]).applied.len(), 1);
        // An ENV carried up with the RUN stands between them.
        let carried = src.replace("RUN echo", "ENV X=1\nRUN echo");
        let out = run(&carried, false, &["DO102"]);
        assert_eq!(out.applied.len(), 1, "{:?}", out.skipped);
        assert!(
            out.output
                .contains("touch /var/log/messages\nENV X=1\nRUN echo"),
            "{}",
            out.output
        );
        // A RUN that leaves a pair where it stood trades one for another;
        // the next one would add a pair, and stays.
        let src = "FROM alpine\nRUN touch /a\nCOPY x /etc/x\nRUN echo 1 > /b\nRUN echo 2 > /c\n";
        let out = run(src, false, &["DO102"]);
        assert_eq!(
            out.output,
            "FROM alpine\nRUN touch /a\nRUN echo 1 > /b\nCOPY x /etc/x\nRUN echo 2 > /c\n"
        );
        assert!(
            out.skipped.iter().any(|s| s.reason.contains("DO208")),
            "{:?}",
            out.skipped
        );
    }

    /// A stage built FROM stages that left more than the hazard check
    /// reads: nothing crosses a COPY there (joining it all per stage of a
    /// long FROM chain was quadratic), and the reason says so.
    #[test]
    fn refuses_past_what_the_bases_leave_that_the_check_reads() {
        let dirs: Vec<String> = (0..5000).map(|i| format!("/x/d{i}/f")).collect();
        let src = format!(
            "FROM debian AS a\nRUN mkdir -p {}\nFROM a\nWORKDIR /app\nCOPY . .\nENV A=1\nRUN apt-get update && apt-get install -y curl\nCMD [\"x\"]\n",
            dirs.join(" ")
        );
        let out = run(&src, false, &["DO102"]);
        assert!(out.applied.is_empty(), "{}", out.output);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.code == "DO102" && s.reason.contains("more than this check reads")),
            "{:?}",
            out.skipped
        );
        // Fewer: moved as before.
        let src = "FROM debian AS a\nRUN mkdir /d0 /d1\nFROM a\nWORKDIR /app\nCOPY . .\nENV A=1\nRUN apt-get update && apt-get install -y curl\nCMD [\"x\"]\n";
        assert!(!run(src, false, &["DO102"]).applied.is_empty());
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
        // So would a LABEL that expands it (the image config would change),
        // and a COPY or ADD heredoc whose unquoted body BuildKit expands
        // when it writes the file.
        for df in [
            "FROM debian\nENV V=1\nCOPY . /app\nLABEL version=$V\nENV V=2\nRUN apt-get install -y curl\n",
            "FROM debian\nENV V=1\nCOPY . /app\nCOPY <<EOF /app/version\n$V\nEOF\nENV V=2\nRUN apt-get install -y curl\n",
            "FROM debian\nENV V=1\nCOPY . /app\nADD <<EOF /app/version\nv=${V}\nEOF\nENV V=2\nRUN apt-get install -y curl\n",
        ] {
            let out = super::super::testutil::run_ctx(df, &[("app.py", "")], false, &["DO102"]);
            assert_eq!(out.output, df);
            assert!(
                out.skipped
                    .iter()
                    .any(|s| s.reason.contains("a crossed instruction expands")),
                "{:?}",
                out.skipped
            );
        }
        // A quoted delimiter: the body is written as is, the move is safe.
        let df = "FROM debian\nENV V=1\nCOPY . /app\nCOPY <<\"EOF\" /app/version\n$V\nEOF\nENV V=2\nRUN apt-get install -y curl\n";
        let out = super::super::testutil::run_ctx(df, &[("app.py", "")], false, &["DO102"]);
        assert_ne!(out.output, df, "{:?}", out.skipped);
    }

    /// A link made above the COPY — in this stage or in the stage it is
    /// built FROM — sends the COPY's files to the link's target, which the
    /// RUN reads by that name: it stays below.
    #[test]
    fn links_made_above_are_followed() {
        use super::super::testutil::run_ctx;
        let files = [("app.conf", "x"), ("app.py", "")];
        for df in [
            "FROM debian\nRUN mkdir -p /srv/app && ln -s /srv/app /app\nCOPY app.conf /app/app.conf\nRUN cat /srv/app/app.conf > /seen\nCOPY app.py /app/app.py\n",
            "FROM debian AS base\nRUN mkdir -p /srv/app && ln -s /srv/app /app\nFROM base\nCOPY app.conf /app/app.conf\nRUN cat /srv/app/app.conf > /seen\nCOPY app.py /app/app.py\n",
        ] {
            let out = run_ctx(df, &files, false, &["DO102"]);
            assert_eq!(out.output, df);
        }
        // Without the link the RUN reads nothing the COPY brings (the
        // EXPOSE keeps the moved RUN from landing right after the mkdir).
        let df = "FROM debian\nRUN mkdir -p /srv/app\nEXPOSE 80\nCOPY app.conf /app/app.conf\nRUN cat /srv/app/app.conf > /seen\nCOPY app.py /app/app.py\n";
        assert_ne!(run_ctx(df, &files, false, &["DO102"]).output, df);
    }

    /// Links the model cannot see in the RUN's text: a COPY's source that
    /// is a link to a folder (followed: its contents land), a link inside a
    /// copied folder (kept: a later COPY lands through it), an archive
    /// extracted above (its links are unknown), packages installed above
    /// (their links are in the system folders). The RUN stays below.
    #[test]
    fn links_not_made_by_ln_are_followed_or_refused() {
        use super::super::testutil::run_ctx_links;
        let files = [
            ("confs/prod/app.conf", "x"),
            ("app.py", ""),
            ("seed.txt", "s"),
        ];
        let links = [("conf", "confs/prod"), ("app/data", "/srv/data")];
        let df = "FROM debian\nCOPY conf /etc/app/\nRUN cat /etc/app/app.conf > /seen\nCOPY app.py /srv/app.py\n";
        let out = run_ctx_links(df, &files, &links, false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.reason.contains("/etc/app/app.conf")),
            "{:?}",
            out.skipped
        );
        let df = "FROM debian\nCOPY app /opt/app/\nCOPY seed.txt /opt/app/data/seed.txt\nRUN cat /srv/data/seed.txt > /seen\n";
        let out = run_ctx_links(df, &files, &links, false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.reason.contains("through a symbolic link")),
            "{:?}",
            out.skipped
        );
        let df = "FROM debian\nRUN tar xf /tmp/t.tar -C /opt/app\nCOPY seed.txt /opt/app/data/seed.txt\nRUN cat /srv/data/seed.txt > /seen\n";
        let out = run_ctx_links(df, &files, &links, false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped.iter().any(|s| s.reason.contains("`tar x`")),
            "{:?}",
            out.skipped
        );
        let df = "FROM debian\nRUN apt-get update && apt-get install -y nginx\nCOPY seed.txt /etc/nginx/sites-enabled/default\nRUN apt-get update && apt-get install -y curl\n";
        let out = run_ctx_links(df, &files, &links, false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.reason.contains("installs packages")),
            "{:?}",
            out.skipped
        );
        // Not into the system folders: the packages' links do not lead there.
        // (The ENV keeps the moved RUN from landing right after the other,
        // which DO208 would flag and DO102 therefore refuses.)
        let df = "FROM debian\nRUN apt-get update && apt-get install -y nginx\nENV A=1\nCOPY seed.txt /srv/seed.txt\nRUN apt-get update && apt-get install -y curl\n";
        assert_ne!(
            run_ctx_links(df, &files, &links, false, &["DO102"]).output,
            df
        );
        // A plain file as the source, no link anywhere: moved as before.
        let df = "FROM debian\nCOPY seed.txt /opt/app/data/seed.txt\nRUN cat /srv/data/seed.txt > /seen\n";
        assert_ne!(
            run_ctx_links(df, &files, &links, false, &["DO102"]).output,
            df
        );
    }

    #[test]
    fn issue_probes_are_left_alone_with_the_reason() {
        use super::super::testutil::run_ctx;
        // pip reads the pip.conf the ENV points at, which the COPY brings.
        let df = "FROM python:3.11-slim\nWORKDIR /app\nENV PIP_CONFIG_FILE=/app/pip.conf\nCOPY . .\nRUN pip install flask\n";
        let out = run_ctx(
            df,
            &[
                ("app.py", ""),
                ("pip.conf", "[global]\nno-cache-dir = true\n"),
            ],
            false,
            &["DO102"],
        );
        assert_eq!(out.output, df);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.code == "DO102" && s.reason.contains("pip.conf")),
            "{:?}",
            out.skipped
        );
        // usermod re-owns files and changes the database --chown resolves.
        let df =
            "FROM myorg/base:1\nWORKDIR /app\nCOPY --chown=app . /app\nRUN usermod -u 2000 app\n";
        let out = crate::fixes::testutil::run_ctx(df, &[("app.py", "")], false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped.iter().any(|s| s.code == "DO102"),
            "{:?}",
            out.skipped
        );
    }

    #[test]
    fn a_run_writing_in_a_folder_the_copy_creates_stays_below_it() {
        use super::super::testutil::run_ctx;
        // corpus 0035: wget writes into /home/user, which only the COPY makes
        // on debian-slim; run first, wget finds no folder and the build fails.
        let df = "FROM debian:bookworm-slim\nCOPY .clisprc.lisp /home/user/.clisprc.lisp\nRUN wget -O /home/user/quicklisp.lisp https://beta.quicklisp.org/quicklisp.lisp\n";
        let out = run_ctx(df, &[(".clisprc.lisp", "")], false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.code == "DO102" && s.reason.contains("/home/user")),
            "{:?}",
            out.skipped
        );
        // corpus 0263: an earlier `mkdir -p` made the folder; the move is
        // fine (the EXPOSE keeps it from landing right after the mkdir).
        let df = "FROM debian:bookworm-slim\nRUN mkdir -p /usr/share/jenkins/ref/init.groovy.d\nEXPOSE 80\nCOPY init.groovy /usr/share/jenkins/ref/init.groovy.d/x.groovy\nRUN curl -fsSL https://x/jenkins.war -o /usr/share/jenkins/jenkins.war\n";
        let out = run_ctx(df, &[("init.groovy", "")], false, &["DO102"]);
        assert_ne!(out.output, df, "{:?}", out.skipped);
        // So does a WORKDIR, and a folder every base image has.
        let df = "FROM debian:bookworm-slim\nWORKDIR /home/user\nCOPY rc /home/user/.rc\nRUN echo x > /home/user/a\nCOPY b /usr/local/lib/b\nRUN echo y > /usr/local/lib/c\n";
        let out = run_ctx(df, &[("rc", ""), ("b", "")], false, &["DO102"]);
        assert!(out.output.find("echo x").unwrap_or(0) < out.output.find("COPY rc").unwrap_or(0));
    }

    #[test]
    fn traps() {
        use super::super::testutil::run_ctx;
        // A config file the COPY brings, read from the project (.npmrc).
        let df = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm install -g pnpm\n";
        let out = run_ctx(
            df,
            &[(".npmrc", "registry=https://r\n"), ("a.js", "")],
            false,
            &["DO102"],
        );
        assert_eq!(out.output, df);
        assert!(
            out.skipped[0].reason.contains(".npmrc"),
            "{:?}",
            out.skipped
        );
        // Without it, the same RUN moves.
        let out = run_ctx(df, &[("a.js", "")], false, &["DO102"]);
        assert_ne!(out.output, df);
        // A write under the copy destination.
        let df = "FROM debian\nCOPY . /app\nRUN apt-get update && apt-get install -y curl && echo 1 > /app/a\n";
        let out = run_ctx(df, &[("a", "")], false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped[0].reason.contains("/app/a"),
            "{:?}",
            out.skipped
        );
        // Even a file the context lacks: the COPY creates /app.
        let df = "FROM debian\nCOPY . /app\nRUN apt-get install -y curl && touch /app/ready\n";
        assert_eq!(run_ctx(df, &[("a", "")], false, &["DO102"]).output, df);
        // useradd before a COPY --chown by name.
        let df = "FROM debian\nCOPY --chown=app:app . /srv\nRUN useradd worker\n";
        assert_eq!(run_ctx(df, &[("a", "")], false, &["DO102"]).output, df);
    }

    /// `cd DIR` fails without DIR: the RUN stays under the COPY that creates
    /// it, and the install below it, which it would have to cross, says why.
    #[test]
    fn a_cd_into_the_copy_stays_and_the_install_below_says_why() {
        let df = "FROM debian:12\nCOPY . /app\nRUN cd /app && ls\nRUN apt-get update && apt-get install -y python3\n";
        let out = crate::fixes::testutil::run_ctx(df, &[("app.py", "")], false, &["DO102"]);
        assert_eq!(out.output, df);
        assert!(
            out.skipped
                .iter()
                .any(|s| s.line == 4 && s.reason.contains("the RUN on line 3")),
            "{:?}",
            out.skipped
        );
    }

    /// `gem install NAME` looks for a `*.gem` among the cwd's names: read
    /// with the files the COPY brings, a context with none lets it move
    /// (without them it read the whole cwd); one `*.gem` keeps it below.
    #[test]
    fn gem_install_moves_when_the_copy_brings_no_gem() {
        use crate::fixes::testutil::run_ctx;
        for df in [
            "FROM ruby:3\nWORKDIR /app\nCOPY . .\nRUN gem install bundler\n",
            "FROM ruby:3\nCOPY . /app\nRUN gem install bundler\n",
        ] {
            let out = run_ctx(df, &[("app.rb", ""), ("lib/x.rb", "")], false, &["DO102"]);
            assert_ne!(out.output, df, "{:?}", out.skipped);
            let out = run_ctx(
                df,
                &[("app.rb", ""), ("bundler-9.gem", "")],
                false,
                &["DO102"],
            );
            let into_cwd = df.contains("WORKDIR /app");
            assert_eq!(out.output == df, into_cwd, "{df}: {:?}", out.skipped);
        }
        // A wildcard COPY into the cwd may bring one: not known, not moved.
        let df = "FROM ruby:3\nWORKDIR /app\nCOPY *.rb ./\nRUN gem install bundler\n";
        let out = run_ctx(df, &[("app.rb", "")], false, &["DO102"]);
        assert_eq!(out.output, df);
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
