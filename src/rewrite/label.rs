//! Which fix belongs to which finding, for both commands. A fix lives on its
//! finding ([`Finding::fix`]): [`assign`] puts each fix function's proposal
//! on the finding of its rule, the engine applies the automatic fixes of the
//! findings that survive inline suppressions (so `fix` never edits what
//! `check` does not flag), and [`label`] gives `check` exactly those fixes,
//! after the re-parse and equivalence guard `fix` applies.
//!
//! A proposal belongs to the finding of its rule on the same instruction;
//! stage-level fixes (DO101 inserts a manifest COPY, DO102 moves steps,
//! DO207 rewrites the stage) belong to the rule's finding in the same stage.
//! Where a fix function sees more than its rule's check (DO101 knows cargo,
//! which the check does not read; DO102 moves any step that reads nothing
//! from the context), its proposal is the finding.

use super::{edit, fixes, guard, parse_model, Applicability, Checker, Fix, Skip};
use crate::model::Model;
use crate::rules::{self, ContextInfo, Finding, Rule};
use crate::syntax::{Dockerfile, Span};
use std::collections::{HashMap, VecDeque};
use std::path::Path;

/// Fixes that act on a stage as a whole: matched to their rule's finding in the stage.
const STAGE_LEVEL: &[&str] = &["DO101", "DO102", "DO207"];

/// Rules whose fix function is the finer detector: a proposal with no
/// finding of the rule becomes one.
const FIX_FINDS: &[&str] = &["DO101", "DO102"];

/// The index of the instruction covering 1-based `line`.
fn instruction_at(df: &Dockerfile, line: usize) -> Option<usize> {
    // Instructions are in line order: a binary search, not a scan per finding.
    let i = df.instructions.partition_point(|ins| ins.end_line < line);
    df.instructions
        .get(i)
        .filter(|ins| (ins.start_line..=ins.end_line).contains(&line))
        .map(|_| i)
}

fn stage_of(model: &Model, ins: Option<usize>) -> Option<usize> {
    let ins = ins?;
    // A FROM line is no step but names its stage: DO207's split is proposed
    // there, and its finding may sit on the install line of the same stage.
    fixes::step_of(model, ins).map(|s| s.stage).or_else(|| {
        model
            .stages
            .iter()
            .find(|st| st.from_instruction == ins)
            .map(|st| st.index)
    })
}

/// A finding for a fix whose rule's check did not report the place.
fn finding_for(rule: &Rule, df: &Dockerfile, fix: &Fix) -> Option<Finding> {
    // A line from a later round may fall between instructions here: the
    // instruction at or above it.
    let above = df
        .instructions
        .partition_point(|i| i.start_line <= fix.line);
    let ins = df
        .instructions
        .get(above.saturating_sub(1))
        .or(df.instructions.first())?;
    let span = Span::new(ins.keyword_span.start, ins.keyword_span.end);
    let mut f = Finding::new(
        rule,
        df.position(span.start),
        df.position(span.end),
        fix.message.clone(),
    );
    f.span = Some(span);
    Some(f)
}

/// Puts each fix function's proposal on the finding it belongs to (see the
/// module doc); findings of rules with a fix function that got no proposal
/// keep their rule's text as advice (display-only). Findings of rules
/// without a fix function keep the fix their check attached. Returns the
/// fix functions' skips (why a place was not fixed); `explain`: run every
/// fix function for its skips, even where its rule found nothing (`fix`
/// prints them; `check` has no use for them).
pub(crate) fn assign(
    df: &Dockerfile,
    model: &Model,
    info: Option<&ContextInfo>,
    root: Option<&Path>,
    findings: &mut Vec<Finding>,
    explain: bool,
    keep: &dyn Fn(&Rule) -> bool,
) -> Vec<Skip> {
    let ctx = info.map(|i| &i.filtered);
    let root = info.map(|i| i.root.as_path()).or(root);
    let mut all_skips = Vec::new();
    // The fix functions to run: each reads the file and the model, not the
    // findings another one is given, so they run on their own threads on a
    // long file; the proposals are then given out in rule order.
    let to_run: Vec<(&Rule, rules::FixFn)> = super::fixable_rules()
        .filter(|r| keep(r))
        .filter_map(|rule| {
            let fixer = rule.fixer?;
            let finds = FIX_FINDS.contains(&rule.code);
            let flagged = findings.iter().any(|f| f.code == rule.code);
            (flagged || finds || explain).then_some((rule, fixer))
        })
        .collect();
    let threads = rules::fan_out::threads_for(df.instructions.len());
    let proposals = rules::fan_out::map_in_order(&to_run, threads, |(_, fixer)| {
        let mut c = Checker::new(df, model, ctx, root);
        fixer(&mut c);
        c.into_parts()
    });
    for (&(rule, _), (proposed, skips)) in to_run.iter().zip(proposals) {
        let mine: Vec<usize> = (0..findings.len())
            .filter(|&i| findings[i].code == rule.code)
            .collect();
        let finds = FIX_FINDS.contains(&rule.code);
        all_skips.extend(skips);
        let places: Vec<(Option<usize>, Option<usize>)> = mine
            .iter()
            .map(|&i| {
                let ins = instruction_at(df, findings[i].start.line);
                (ins, stage_of(model, ins))
            })
            .collect();
        let stage_level = STAGE_LEVEL.contains(&rule.code);
        let mut given: Vec<Option<Fix>> = vec![None; mine.len()];
        // The findings at each instruction and in each stage, in order: the
        // first free one is found from the front of its queue (a scan of
        // every finding per proposal was quadratic).
        let mut at_ins: HashMap<usize, VecDeque<usize>> = HashMap::new();
        let mut in_stage: HashMap<usize, VecDeque<usize>> = HashMap::new();
        for (k, place) in places.iter().enumerate() {
            if let Some(i) = place.0 {
                at_ins.entry(i).or_default().push_back(k);
            }
            if let Some(s) = place.1 {
                in_stage.entry(s).or_default().push_back(k);
            }
        }
        let first_free = |q: Option<&mut VecDeque<usize>>, given: &[Option<Fix>]| {
            let q = q?;
            while q.front().is_some_and(|&k| given[k].is_some()) {
                q.pop_front();
            }
            q.front().copied()
        };
        for f in proposed.into_iter().filter(|f| f.code == rule.code) {
            let ins = instruction_at(df, f.line);
            let stage = stage_of(model, ins);
            let exact = ins.and_then(|i| first_free(at_ins.get_mut(&i), &given));
            let near = match (stage_level, stage) {
                (true, Some(s)) => first_free(in_stage.get_mut(&s), &given),
                _ => None,
            };
            match exact.or(near) {
                Some(k) => given[k] = Some(f),
                None if finds => {
                    if let Some(mut extra) = finding_for(rule, df, &f) {
                        extra.fix = Some(f);
                        findings.push(extra);
                    }
                }
                None => {}
            }
        }
        for (k, fix) in given.into_iter().enumerate() {
            let finding = &mut findings[mine[k]];
            finding.fix = match fix {
                Some(f) => Some(f),
                None => finding.fix.take().map(advice),
            };
        }
    }
    all_skips
}

/// A fix that is not applied here: what the rule says stays, as advice.
fn advice(mut f: Fix) -> Fix {
    f.applicability = Applicability::DisplayOnly;
    f.edits.clear();
    f.transforms.clear();
    f
}

/// Why a single fix would not be applied: its output does not re-parse, or
/// (Safe) the equivalence guard refuses it.
fn guard_one(
    df: &Dockerfile,
    model: &Model,
    info: Option<&ContextInfo>,
    fix: &Fix,
) -> Result<(), String> {
    let out = edit::apply(&df.source, &fix.edits);
    let (dfa, ma) = parse_model(&out)?;
    if fix.applicability == Applicability::Safe {
        let ctx = info.map(|i| &i.filtered);
        let root = info.map(|i| i.root.as_path());
        guard::check(df, model, &dfa, &ma, ctx, root, &fix.transforms)?;
        guard::configs_equal(model, &ma)?;
    }
    Ok(())
}

/// Whether each finding keeps its fix: true for findings `label` does not
/// guard (no automatic fix, DO209), else whether [`guard_one`] accepts it.
/// Guarding each fix alone re-parses and re-models the whole file per fix,
/// quadratic in the file (10k instructions took 190 s in `check`): fixes of
/// one applicability that do not overlap are first guarded together, as the
/// engine applies them (one re-parse, one guard, with every declared
/// transform); only when a batch fails is each of its fixes guarded alone.
fn guarded(
    df: &Dockerfile,
    model: &Model,
    info: Option<&ContextInfo>,
    findings: &[Finding],
) -> Vec<bool> {
    let do209 = fixes::propose_dockerignore::CODE;
    let mut passed = vec![true; findings.len()];
    let mut todo: Vec<usize> = Vec::new();
    for (i, finding) in findings.iter().enumerate() {
        if finding.code == do209
            || !rules::by_code(finding.code).is_some_and(Rule::has_automatic_fix)
        {
            continue;
        }
        match finding.fix.as_ref() {
            Some(f) if f.applicability.is_automatic() && !f.edits.is_empty() => todo.push(i),
            _ => passed[i] = false,
        }
    }
    let fix_of = |i: usize| findings[i].fix.as_ref();
    for safe in [true, false] {
        let mut left: Vec<usize> = todo
            .iter()
            .copied()
            .filter(|&i| {
                fix_of(i).is_some_and(|f| (f.applicability == Applicability::Safe) == safe)
            })
            .collect();
        while !left.is_empty() {
            let fixes: Vec<&Fix> = left.iter().filter_map(|&i| fix_of(i)).collect();
            let chosen = super::non_overlapping(&fixes);
            let batch: Vec<usize> = chosen.iter().map(|&k| left[k]).collect();
            bisect(df, model, info, findings, &batch, &mut passed);
            let done: std::collections::HashSet<usize> = batch.into_iter().collect();
            left.retain(|i| !done.contains(i));
        }
    }
    passed
}

/// Guards `batch` together; when that fails, each half, down to single
/// fixes (a batch of one is the fix alone: its verdict is final). A few
/// refused fixes cost a few re-parses each, not one per fix.
fn bisect(
    df: &Dockerfile,
    model: &Model,
    info: Option<&ContextInfo>,
    findings: &[Finding],
    batch: &[usize],
    passed: &mut [bool],
) {
    let together: Vec<&Fix> = batch
        .iter()
        .filter_map(|&i| findings[i].fix.as_ref())
        .collect();
    let ok = match together.as_slice() {
        [] => return,
        [one] => guard_one(df, model, info, one).is_ok(),
        many => guard_many(df, model, info, many).is_ok(),
    };
    if ok || batch.len() == 1 {
        for &i in batch {
            passed[i] = ok;
        }
        return;
    }
    let (a, b) = batch.split_at(batch.len() / 2);
    bisect(df, model, info, findings, a, passed);
    bisect(df, model, info, findings, b, passed);
}

/// [`guard_one`] for fixes of one applicability applied together.
fn guard_many(
    df: &Dockerfile,
    model: &Model,
    info: Option<&ContextInfo>,
    fixes: &[&Fix],
) -> Result<(), String> {
    let edits: Vec<edit::Edit> = fixes.iter().flat_map(|f| f.edits.iter().cloned()).collect();
    let out = edit::apply(&df.source, &edits);
    let (dfa, ma) = parse_model(&out)?;
    if fixes.iter().all(|f| f.applicability == Applicability::Safe) {
        let ctx = info.map(|i| &i.filtered);
        let root = info.map(|i| i.root.as_path());
        let declared: Vec<super::Transform> = fixes
            .iter()
            .flat_map(|f| f.transforms.iter().copied())
            .collect();
        guard::check(df, model, &dfa, &ma, ctx, root, &declared)?;
        guard::configs_equal(model, &ma)?;
    }
    Ok(())
}

/// Gives each finding of a rule with an automatic fix the fix `dockopt fix`
/// would apply for it (edits included, guarded like `fix` guards them), and
/// turns the others' fixes into advice (display-only). Runs before inline
/// suppressions and the configured selection, which then apply to the
/// findings a fix function adds as well.
pub fn label(
    df: &Dockerfile,
    mut model: std::sync::Arc<Model>,
    info: Option<&ContextInfo>,
    findings: &mut Vec<Finding>,
    enabled: &dyn Fn(&Rule) -> bool,
) {
    // Only the enabled rules' fix functions: the others' findings are dropped by
    // the selection, and `fix` would not apply their fixes either.
    assign(df, &model, info, None, findings, false, enabled);
    // What `fix`'s first round would apply, taken before the guard below
    // turns refused fixes into advice: the engine must meet them as it would
    // on its own (an unsafe fix that does not re-parse fails the whole run).
    let first_fixes = info.is_some().then(|| first_round(df, findings, enabled));
    let ignored = info.is_some_and(|i| super::has_dockerignore(Some(i), &i.root));
    let do209 = fixes::propose_dockerignore::CODE;
    for finding in findings.iter_mut().filter(|f| f.code == do209) {
        {
            let nf = match (info, ignored) {
                (Some(ctx), false) => {
                    fixes::propose_dockerignore::propose(df, &model, &ctx.filtered, &ctx.root)
                }
                _ => None,
            };
            finding.fix = match nf {
                Some(nf) => {
                    let mut f = Fix::display(format!(
                        "`dockopt fix --unsafe-fixes` writes {} ({} lines)",
                        nf.name,
                        nf.content.lines().count()
                    ));
                    f.applicability = Applicability::Unsafe;
                    f.code = do209;
                    f.line = finding.start.line;
                    Some(f)
                }
                None => finding.fix.take().map(advice),
            };
        }
    }
    // The fix functions have run: the RUNs' effects they shared with the
    // rules are not read again (the guard computes its own for each text it
    // parses), and on a long file they raised the guard's peak.
    if let Some(m) = std::sync::Arc::get_mut(&mut model) {
        m.effects = crate::effects::EffectsMemo::default();
    }
    let passed = guarded(df, &model, info, findings);
    for (finding, ok) in findings.iter_mut().zip(passed) {
        if !ok {
            finding.fix = finding.fix.take().map(advice);
        }
    }
    let first_round = findings.iter().any(|f| {
        f.fix
            .as_ref()
            .is_some_and(|x| x.applicability.is_automatic())
    });
    // Without the context (`check --no-context`, stdin) fix's result cannot
    // be known (it reads the context): the first round is what check shows.
    if let (true, Some(first_fixes)) = (first_round, first_fixes) {
        // The engine's later rounds parse their own texts: the scripts this
        // file's rules and fix functions read are not needed again (an
        // empty memo parses on demand), and on a long file they were a
        // fifth of the peak.
        if let Some(m) = std::sync::Arc::get_mut(&mut model) {
            m.scripts = crate::shell::ScriptMemo::new(df);
        }
        cascade(df, model, info, ignored, findings, enabled, first_fixes);
    }
}

/// The automatic fixes `fix`'s first round collects from these findings
/// (fix functions assigned): those of the enabled fixable rules, after inline
/// suppressions, as [`super::fixable_findings`] keeps them.
fn first_round(df: &Dockerfile, findings: &[Finding], enabled: &dyn Fn(&Rule) -> bool) -> Vec<Fix> {
    let mut mine: Vec<Finding> = findings
        .iter()
        .filter(|f| rules::by_code(f.code).is_some_and(|r| r.has_automatic_fix() && enabled(r)))
        .cloned()
        .collect();
    rules::suppress::apply(df, &mut mine);
    super::automatic_fixes(mine)
}

/// Fixes that become possible only after others (DO104's merge lets DO202
/// clean the merged RUN; DO102's move lets DO101 split the manifests), and
/// fixes the engine drops when they clash: the engine's fixpoint is the
/// referee. Its applied fixes, per code and applicability, are mapped onto
/// the findings: extra ones to the rule's findings without a fix (or, for a
/// rule with none left, a finding at the fix's line), missing ones turn the
/// first round's fix into advice. Runs only when the first round has a fix
/// (without one the engine applies nothing) and the context is known, so
/// `check --no-context` (the fast lint) never runs the engine.
fn cascade(
    df: &Dockerfile,
    model: std::sync::Arc<Model>,
    info: Option<&ContextInfo>,
    ignored: bool,
    findings: &mut Vec<Finding>,
    enabled: &dyn Fn(&Rule) -> bool,
    first_fixes: Vec<Fix>,
) {
    let input = super::Input {
        text: &df.source,
        context: info,
        root: None,
        has_dockerignore: ignored,
    };
    // The selection `fix` would run with for this file: a rule turned off
    // there neither applies its fix nor supersedes another's.
    let settings = super::Settings {
        unsafe_fixes: true,
        ignore: super::fixable_rules()
            .filter(|r| !enabled(r))
            .map(|r| r.code.to_string())
            .collect(),
        ..super::Settings::default()
    };
    let seed = super::Seed {
        fixes: first_fixes,
        df,
        model,
    };
    let Ok(out) = super::fix_seeded(&input, &settings, Some(seed)) else {
        // `fix` would write nothing: nothing is fixable.
        for f in findings.iter_mut() {
            if let Some(x) = f.fix.take() {
                f.fix = Some(if x.applicability.is_automatic() {
                    advice(x)
                } else {
                    x
                });
            }
        }
        return;
    };
    let mut target: Vec<(&'static str, Applicability, usize, String)> = out
        .applied
        .iter()
        .map(|a| (a.code, a.applicability, a.line, a.message.clone()))
        .collect();
    for nf in &out.new_files {
        target.push((nf.code, Applicability::Unsafe, 1, nf.message.clone()));
    }
    // The first round's fixes the engine applied keep their edits. Each
    // takes the first applied fix of its code and applicability (queues by
    // key: a scan and a removal per finding were quadratic).
    let mut by_key: HashMap<(&'static str, Applicability), VecDeque<usize>> = HashMap::new();
    for (k, t) in target.iter().enumerate() {
        by_key.entry((t.0, t.1)).or_default().push_back(k);
    }
    let mut matched = vec![false; target.len()];
    let mut unmatched_findings: Vec<usize> = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let Some(x) = f.fix.as_ref().filter(|x| x.applicability.is_automatic()) else {
            continue;
        };
        match by_key
            .get_mut(&(f.code, x.applicability))
            .and_then(VecDeque::pop_front)
        {
            Some(k) => matched[k] = true,
            None => unmatched_findings.push(i),
        }
    }
    let target: Vec<_> = target
        .into_iter()
        .zip(matched)
        .filter(|(_, m)| !m)
        .map(|(t, _)| t)
        .collect();
    for i in unmatched_findings {
        if let Some(x) = findings[i].fix.take() {
            findings[i].fix = Some(advice(x));
        }
    }
    // Fixes only the later rounds find. The findings of each code still
    // without an automatic fix, in order (one queue per code, not a scan).
    let mut open_of: HashMap<&'static str, VecDeque<usize>> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if !f
            .fix
            .as_ref()
            .is_some_and(|x| x.applicability.is_automatic())
        {
            open_of.entry(f.code).or_default().push_back(i);
        }
    }
    for (code, applicability, line, message) in target {
        let fix = Fix {
            code,
            message: format!("{message} (after the fixes above)"),
            applicability,
            line,
            edits: Vec::new(),
            transforms: Vec::new(),
        };
        // Every fix given here is automatic: the finding is no longer open.
        let open = open_of.get_mut(code).and_then(VecDeque::pop_front);
        match open {
            Some(i) => findings[i].fix = Some(fix),
            None => {
                let Some(rule) = rules::by_code(code) else {
                    continue;
                };
                if let Some(mut extra) = finding_for(rule, df, &fix) {
                    extra.fix = Some(fix);
                    findings.push(extra);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::{Check, DockerfileCtx, Scripts};

    /// A fix as the engine applies it: its rule, place and edits.
    fn key(f: &Fix) -> String {
        format!(
            "{} {:?} line {} {:?} {:?}",
            f.code, f.applicability, f.line, f.edits, f.transforms
        )
    }

    /// Check's first round for the context `dir` (every rule on), and the
    /// one the engine collects; None when the file does not parse.
    fn both_rounds(dir: &Path) -> Option<(Vec<String>, Vec<String>)> {
        let file = dir.join("Dockerfile");
        let text = std::fs::read_to_string(&file).ok()?;
        let (df, model) = parse_model(&text).ok()?;
        let info = ContextInfo::load(dir, &file).ok();
        let scripts = Scripts::new(&df, &model);
        let cx = DockerfileCtx::new("Dockerfile", &df, &model, &scripts, info.as_ref());
        let mut findings = Vec::new();
        for rule in rules::all() {
            if let Check::Dockerfile(f) = rule.check {
                f(&cx, &mut findings);
            }
        }
        assign(
            &df,
            &model,
            info.as_ref(),
            None,
            &mut findings,
            false,
            &|_| true,
        );
        let seeded = first_round(&df, &findings, &|_| true)
            .iter()
            .map(key)
            .collect();
        let settings = super::super::Settings {
            unsafe_fixes: true,
            ..Default::default()
        };
        let (own, _) =
            super::super::collect(&df, &model, None, info.as_ref(), None, &settings, true);
        Some((seeded, own.iter().map(key).collect()))
    }

    /// `check` hands `fix` its first round ([`first_round`] over the rules'
    /// findings with the fix functions assigned): on every corpus/ folder it
    /// must be the round the engine would collect on its own, or check's
    /// labels would describe a run `fix` never makes.
    #[test]
    fn the_seeded_first_round_is_the_one_fix_collects() {
        let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
        let mut compared = 0;
        let mut with_fixes = 0;
        for entry in std::fs::read_dir(&corpus).unwrap() {
            let dir = entry.unwrap().path();
            let Some((seeded, own)) = both_rounds(&dir) else {
                continue;
            };
            assert_eq!(seeded, own, "{}", dir.display());
            compared += 1;
            with_fixes += usize::from(!own.is_empty());
        }
        assert!(
            compared > 40 && with_fixes > 10,
            "{compared} / {with_fixes}"
        );
    }

    /// An inline suppression keeps its fix out of `fix`'s first round: the
    /// seeded round must leave it out too.
    #[test]
    fn the_seeded_first_round_honours_inline_suppressions() {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(
            d.path().join("Dockerfile"),
            "FROM debian:12\n# dockopt: ignore=DO104\nRUN apt-get update\nRUN apt-get install -y curl\n\
             RUN apt-get update\nRUN apt-get install -y git\n",
        )
        .unwrap();
        let (seeded, own) = both_rounds(d.path()).unwrap();
        assert_eq!(seeded, own);
        assert_eq!(
            own.iter().filter(|k| k.starts_with("DO104")).count(),
            1,
            "one merge suppressed, one proposed: {own:?}"
        );
    }
}
