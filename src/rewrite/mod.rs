//! The rewrite engine: fixes as data, applied to a fixpoint, with run-time
//! checks that the output re-parses, is idempotent and (for Safe fixes)
//! builds the same image.
//!
//! A [`Fix`] is a list of byte-range [`Edit`]s on the original text plus an
//! [`Applicability`]. The engine asks every rule of the one registry
//! ([`crate::rules::registry`]) that has an automatic fix for its proposals
//! (its fix function, or the edits its check attaches), keeps those that
//! belong to a finding of the rule (see [`crate::fix`]), applies
//! non-overlapping fixes together, re-parses, re-models, checks the
//! equivalence guard for Safe fixes and repeats until nothing applies.
//! [`label`] runs the same proposals and guard once, for `check`.

mod guard;
pub mod label;
pub mod pipeline;
pub mod preview;
pub mod write;

// The shared fix types live below `rules` (see `crate::fix`); these are
// their old paths, which callers and the fix functions' tests still use.
pub use crate::fix::{edit, hazard, Applicability, Checker, Edit, Fix, NewFile, Skip, Transform};
pub use crate::fixes;
pub use label::label;

use crate::context::DockerIgnore;
use crate::model::{self, BuildOptions, Model};
use crate::rules::{self, ContextInfo, DockerfileCtx, Finding, Rule};
use crate::syntax::{self, Dockerfile};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Deref;
use std::path::Path;
use std::sync::Arc;

/// Which fixes run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub unsafe_fixes: bool,
    /// Codes or prefixes (`DO1`, `ALL`); None: all.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
    /// Rounds allowed at least; a file gets one more per instruction (see
    /// [`fix`]).
    pub max_iterations: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            unsafe_fixes: false,
            select: None,
            ignore: Vec::new(),
            max_iterations: 32,
        }
    }
}

/// Whether selector `sel` (a code, a prefix such as `DO2`, a rule name or
/// `ALL`) picks `rule`.
fn matches_selector(sel: &str, rule: &Rule) -> bool {
    sel.eq_ignore_ascii_case("ALL")
        || rule.code.starts_with(&sel.to_ascii_uppercase())
        || rule.name.eq_ignore_ascii_case(sel)
}

/// The rules `dockopt fix` works with: the registry's rules with an automatic fix.
pub fn fixable_rules() -> impl Iterator<Item = &'static Rule> {
    rules::all()
        .iter()
        .copied()
        .filter(|r| r.has_automatic_fix())
}

fn fixable_codes() -> String {
    fixable_rules()
        .map(|r| r.code)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Settings {
    /// Rejects selectors that name no rule, or only rules without an automatic fix.
    pub fn validate(&self) -> Result<(), RewriteError> {
        let all = self.select.iter().flatten().chain(self.ignore.iter());
        for sel in all {
            if fixable_rules().any(|r| matches_selector(sel, r)) {
                continue;
            }
            return Err(if rules::all().iter().any(|r| matches_selector(sel, r)) {
                RewriteError::NoFix(sel.clone())
            } else {
                RewriteError::UnknownCode(sel.clone())
            });
        }
        Ok(())
    }

    pub fn enabled(&self, code: &str) -> bool {
        let Some(rule) = rules::by_code(code) else {
            return false;
        };
        let selected = match &self.select {
            None => true,
            Some(s) => s.iter().any(|sel| matches_selector(sel, rule)),
        };
        selected && !self.ignore.iter().any(|sel| matches_selector(sel, rule))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    /// A CI pipeline file that cannot be read as one (its path, line and column inside).
    #[error("{0}")]
    Pipeline(String),
    #[error("unknown rule code or prefix `{0}` (with an automatic fix: {codes})", codes = fixable_codes())]
    UnknownCode(String),
    #[error("`{0}` names no rule with an automatic fix (those are: {codes})", codes = fixable_codes())]
    NoFix(String),
    /// The input's parse or model error, rendered with its code frame.
    #[error("{0}")]
    Parse(String),
    #[error("the input cannot be modelled: {0}")]
    Model(String),
    /// The build context's ignore file cannot be used (the build would fail too).
    #[error("the build context cannot be used: {0}")]
    Context(String),
    #[error("internal error: fix {codes} produced text that does not re-parse ({message}); nothing written")]
    NotReparsable { codes: String, message: String },
    #[error("internal error: fixes did not converge after {0} iterations; nothing written")]
    NotConverged(usize),
    #[error(
        "internal error: the safe result is not equivalent to the input ({0}); nothing written"
    )]
    NotEquivalent(String),
}

/// A fix that was applied, with the line it was proposed on.
#[derive(Debug, Clone, Serialize)]
pub struct Applied {
    pub code: &'static str,
    pub applicability: Applicability,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub output: String,
    pub applied: Vec<Applied>,
    /// Unsafe fixes that were not applied (no `--unsafe-fixes`).
    pub unsafe_available: Vec<Applied>,
    /// Opportunities seen but not fixed, with the reason.
    pub skipped: Vec<Skip>,
    /// Safe fixes refused by the equivalence guard.
    pub refused: Vec<Skip>,
    pub new_files: Vec<NewFile>,
    pub iterations: usize,
}

impl Outcome {
    pub fn changed(&self) -> bool {
        !self.applied.is_empty() || !self.new_files.is_empty()
    }

    pub fn counts_by_code(&self) -> BTreeMap<&'static str, usize> {
        let mut m = BTreeMap::new();
        for a in &self.applied {
            *m.entry(a.code).or_insert(0) += 1;
        }
        for f in &self.new_files {
            *m.entry(f.code).or_insert(0) += 1;
        }
        m
    }
}

/// What the engine works on.
pub struct Input<'a> {
    pub text: &'a str,
    /// The build context as measured on disk (None: unknown, e.g. stdin).
    pub context: Option<&'a ContextInfo>,
    /// The context directory when `context` is None (rarely useful: fixes read manifests through the context).
    pub root: Option<&'a Path>,
    /// Whether a `.dockerignore` (or `<Dockerfile>.dockerignore`) already exists.
    pub has_dockerignore: bool,
}

pub(crate) fn parse_model(text: &str) -> Result<(Dockerfile, Model), String> {
    parse_model_as(text, "Dockerfile")
}

/// As [`parse_model`], with errors shown at `name`.
fn parse_model_as(text: &str, name: &str) -> Result<(Dockerfile, Model), String> {
    let df = syntax::parse(text).map_err(|e| e.render(name, text))?;
    let model = model::build(&df, &BuildOptions::default()).map_err(|e| e.render(name, text))?;
    Ok((df, model))
}

/// Fixes `input`, whose parse or model errors are shown at `name` (the
/// file as the user named it).
pub fn fix_named(input: &Input, settings: &Settings, name: &str) -> Result<Outcome, RewriteError> {
    fix(input, settings).map_err(|e| match e {
        // Rendered again with the user's name; the error path only.
        RewriteError::Parse(m) => {
            RewriteError::Parse(parse_model_as(input.text, name).err().unwrap_or(m))
        }
        e => e,
    })
}

/// The findings of the rules with an automatic fix that `keep` selects,
/// each with the fix it owns (see [`label`]), after inline suppressions:
/// every fix `dockopt fix` applies belongs to one of these. Also returns the
/// fix functions' skips.
pub(crate) fn fixable_findings(
    df: &Dockerfile,
    model: &Model,
    info: Option<&ContextInfo>,
    root: Option<&Path>,
    keep: &dyn Fn(&Rule) -> bool,
) -> (Vec<Finding>, Vec<Skip>) {
    fixable_findings_of(df, model, None, info, root, keep, true)
}

/// The file and model as shared pointers, when the caller holds them so
/// (the simulator then needs no copy of them).
type SharedParse<'s> = Option<(&'s Arc<Dockerfile>, &'s Arc<Model>)>;

/// [`fixable_findings`] with `df` and `model` also given as `shared`;
/// `explain`: run every fix function for its skips (see [`label::assign`]).
fn fixable_findings_of(
    df: &Dockerfile,
    model: &Model,
    shared: SharedParse,
    info: Option<&ContextInfo>,
    root: Option<&Path>,
    keep: &dyn Fn(&Rule) -> bool,
    explain: bool,
) -> (Vec<Finding>, Vec<Skip>) {
    let scripts = rules::Scripts::new(df, model);
    let mut cx = DockerfileCtx::new("Dockerfile", df, model, &scripts, info);
    if let Some((d, m)) = shared {
        cx = cx.sharing(d, m);
    }
    let mut out = rules::engine::run_rules(
        &cx,
        df.instructions.len(),
        fixable_rules().filter(|r| keep(r)),
    );
    let mut skips = label::assign(df, model, info, root, &mut out, explain, keep);
    out.retain(|f| keep(rules::by_code(f.code).unwrap_or(&NO_RULE)));
    rules::suppress::apply(df, &mut out);
    // DO207's converter tries every single-stage file, wider than its rule
    // (which DO101/DO102's are not: their findings are their fixers' moves,
    // and a skip says why one was not made): why it did not convert is news
    // only where the rule found build tools to move out.
    skips.retain(|s| {
        s.code != fixes::multistage_split::CODE || out.iter().any(|f| f.code == s.code)
    });
    (out, skips)
}

/// Stands in for a code the registry does not know (never kept).
static NO_RULE: Rule = Rule {
    code: "",
    name: "",
    family: rules::Family::Cache,
    severity: rules::Severity::Info,
    hadolint: &[],
    fix: None,
    fixer: None,
    doc: "",
    check: rules::Check::Dockerfile(|_, _| {}),
};

/// A parse or model the fix loop works on: check's, borrowed, or its own,
/// shared with the simulator (which would otherwise copy it).
enum Held<'a, T> {
    Borrowed(&'a T),
    Shared(Arc<T>),
}

impl<T> Deref for Held<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        match self {
            Held::Borrowed(t) => t,
            Held::Shared(t) => t,
        }
    }
}

impl<T> Held<'_, T> {
    fn arc(&self) -> Option<&Arc<T>> {
        match self {
            Held::Shared(t) => Some(t),
            Held::Borrowed(_) => None,
        }
    }
}

/// The automatic fixes of the enabled rules' findings on this text, and
/// (`explain`) every fix function's skips.
fn collect(
    df: &Dockerfile,
    model: &Model,
    shared: SharedParse,
    info: Option<&ContextInfo>,
    root: Option<&Path>,
    settings: &Settings,
    explain: bool,
) -> (Vec<Fix>, Vec<Skip>) {
    let (findings, skips) = fixable_findings_of(
        df,
        model,
        shared,
        info,
        root,
        &|r| settings.enabled(r.code),
        explain,
    );
    (automatic_fixes(findings), skips)
}

/// The fixes the engine applies among `findings`' (DO209 writes its file
/// apart).
pub(crate) fn automatic_fixes(findings: Vec<Finding>) -> Vec<Fix> {
    findings
        .into_iter()
        .filter_map(|f| f.fix)
        .filter(|f| f.applicability.is_automatic() && !f.edits.is_empty())
        .filter(|f| f.code != fixes::propose_dockerignore::CODE)
        .collect()
}

/// A text's fingerprint for the fix loop's cycle check.
fn hash_text(text: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Non-overlapping fixes, in order of position. Edits touching the same
/// insertion point count as overlapping.
/// Two unsafe fixes of different rules on one instruction can each be right
/// alone and wrong together (DO210's npm cache mount and DO205's `npm cache
/// clean --force`, which empties it): a round keeps the first rule's fixes
/// per instruction, and the next round asks the others again against its
/// result. One rule's fixes there (DO201's flag on each of a RUN's
/// `apt-get install`s) are made for the same text and go together: one per
/// round, a RUN with 33 installs never converged (found by cargo-fuzz).
fn one_rule_per_instruction<'f>(df: &Dockerfile, chosen: Vec<&'f Fix>) -> Vec<&'f Fix> {
    let mut rule_at: HashMap<usize, &str> = HashMap::new();
    chosen
        .into_iter()
        .filter(|f| {
            let at = f.span().0;
            let ins = df.instructions.partition_point(|i| i.span.start <= at);
            let batch = batch_of(f.code);
            *rule_at.entry(ins).or_insert(batch) == batch
        })
        .collect()
}

/// Unsafe fixes that go in one round on one instruction as if they were one
/// rule's: each adds its package manager's own flag to that tool's install
/// (DO201 `--no-install-recommends`, DO203 `--no-cache-dir`, DO204
/// `--no-cache`) or drops apt's lists at the end of the RUN (DO202). None
/// reads what another writes (each rule's check looks at its own tool's
/// words and the cleanup's `rm`), so together they give the text one after
/// the other gives; apart, a file of `apt-get update && apt-get install`
/// RUNs took a second round of every rule over the whole file for DO202.
/// Edits at one point still go one per round ([`non_overlapping`]).
const COMMUTING: [&str; 4] = ["DO201", "DO202", "DO203", "DO204"];

fn batch_of(code: &'static str) -> &'static str {
    if COMMUTING.contains(&code) {
        COMMUTING[0]
    } else {
        code
    }
}

fn select_non_overlapping(fixes: &[Fix]) -> Vec<&Fix> {
    let refs: Vec<&Fix> = fixes.iter().collect();
    non_overlapping(&refs)
        .into_iter()
        .map(|k| refs[k])
        .collect()
}

/// The indices of [`select_non_overlapping`]'s choice among `fixes`, in
/// order of position. Taken edits are indexed (by start and end, and a
/// prefix maximum of their ends by start): scanning every taken edit per
/// fix was quadratic in the fixes (100k instructions).
pub(crate) fn non_overlapping(fixes: &[&Fix]) -> Vec<usize> {
    use std::collections::BTreeSet;
    let mut order: Vec<usize> = (0..fixes.len()).collect();
    order.sort_by_key(|&k| (fixes[k].span(), fixes[k].code));
    let mut starts: Vec<usize> = fixes
        .iter()
        .flat_map(|f| f.edits.iter().map(|e| e.start))
        .collect();
    starts.sort_unstable();
    starts.dedup();
    let mut reach = PrefixMax::new(starts.len());
    let mut taken_starts: BTreeSet<usize> = BTreeSet::new();
    let mut taken_ends: BTreeSet<usize> = BTreeSet::new();
    // An edit clashes with a taken (s, t) when they overlap (s < e.end and
    // e.start < t) or share an end point (the same insertion point).
    let clash = |reach: &PrefixMax, ts: &BTreeSet<usize>, te: &BTreeSet<usize>, e: &Edit| {
        let below = starts.partition_point(|&s| s < e.end);
        ts.contains(&e.start) || te.contains(&e.end) || reach.max_before(below) > Some(e.start)
    };
    let mut out = Vec::new();
    for k in order {
        let f = fixes[k];
        if f.edits
            .iter()
            .any(|e| clash(&reach, &taken_starts, &taken_ends, e))
        {
            continue;
        }
        for e in &f.edits {
            taken_starts.insert(e.start);
            taken_ends.insert(e.end);
            reach.raise(starts.partition_point(|&s| s < e.start), e.end);
        }
        out.push(k);
    }
    out
}

/// The largest value raised at the positions before an index (a Fenwick
/// tree of maxima; values only grow).
struct PrefixMax(Vec<Option<usize>>);

impl PrefixMax {
    fn new(n: usize) -> Self {
        PrefixMax(vec![None; n + 1])
    }

    fn raise(&mut self, pos: usize, value: usize) {
        let mut i = pos + 1;
        while i < self.0.len() {
            self.0[i] = self.0[i].max(Some(value));
            i += i & i.wrapping_neg();
        }
    }

    /// The maximum over positions `0..end`.
    fn max_before(&self, end: usize) -> Option<usize> {
        let mut i = end.min(self.0.len() - 1);
        let mut m = None;
        while i > 0 {
            m = m.max(self.0[i]);
            i -= i & i.wrapping_neg();
        }
        m
    }
}

/// Fixes `input` to a fixpoint. The result re-parses, is idempotent (a
/// further pass finds nothing to apply) and, for Safe fixes, passes the
/// equivalence guard; any failure is an error and nothing should be written.
pub fn fix(input: &Input, settings: &Settings) -> Result<Outcome, RewriteError> {
    fix_seeded(input, settings, None)
}

/// What `check`'s labelling already has for `fix`'s first round: the
/// automatic fixes [`collect`] would find on `input.text` (running the
/// rules and fix functions again was a third of `check` on long files), and
/// the text's parse and model (parsing it again held a second copy of both
/// at the peak of the fix loop).
pub(crate) struct Seed<'a> {
    pub fixes: Vec<Fix>,
    pub df: &'a Dockerfile,
    /// Given, not lent: when nothing else holds it, the run keeps only what
    /// its whole-run guard compares once the first round is past (a long
    /// file's model held through every later round was a seventh of
    /// `check`'s peak).
    pub model: Arc<Model>,
}

/// The input's model at the start of a run: parsed here or given by the
/// seed (owned when the seed's was the last reference to it).
enum StartModel {
    Owned(Model),
    Shared(Arc<Model>),
}

/// [`fix`] whose first round takes `first` (see [`Seed`]; its parse and
/// model must be `input.text`'s). Its fixes are ignored when DO209's
/// proposed `.dockerignore` changes the context the Dockerfile fixes see.
pub(crate) fn fix_seeded(
    input: &Input,
    settings: &Settings,
    first: Option<Seed>,
) -> Result<Outcome, RewriteError> {
    settings.validate()?;
    // A seeded run is check's labelling, which shows no skips: the fix
    // functions whose rules found nothing need not run for theirs.
    let explain = first.is_none();
    let (first, parsed0) = match first {
        Some(s) => (Some(s.fixes), Some((s.df, s.model))),
        None => (None, None),
    };
    let (df0, model0): (Held<Dockerfile>, StartModel) = match parsed0 {
        Some((df, model)) => (
            Held::Borrowed(df),
            match Arc::try_unwrap(model) {
                Ok(m) => StartModel::Owned(m),
                Err(m) => StartModel::Shared(m),
            },
        ),
        None => {
            let (df, model) = parse_model(input.text).map_err(RewriteError::Parse)?;
            (Held::Shared(Arc::new(df)), StartModel::Owned(model))
        }
    };

    let m0: &Model = match &model0 {
        StartModel::Shared(m) => m,
        StartModel::Owned(m) => m,
    };
    // DO209 first: the Dockerfile fixes then see the context as it will be,
    // so a second run (with the new .dockerignore) finds nothing more.
    let mut new_files = Vec::new();
    let mut proposed_ctx: Option<ContextInfo> = None;
    let do209 = fixes::propose_dockerignore::CODE;
    if settings.unsafe_fixes && settings.enabled(do209) {
        if let (Some(info), false) = (input.context, input.has_dockerignore) {
            let (flagged, _) =
                fixable_findings(&df0, m0, Some(info), input.root, &|r| r.code == do209);
            if !flagged.is_empty() {
                if let Some(nf) =
                    fixes::propose_dockerignore::propose(&df0, m0, &info.filtered, &info.root)
                {
                    if let Ok(ig) = DockerIgnore::parse(&nf.content) {
                        proposed_ctx = Some(ContextInfo {
                            filtered: info.unfiltered.with_ignore(&ig, &nf.content),
                            ignore_file: Some(nf.name.clone()),
                            ..info.clone()
                        });
                    }
                    new_files.push(nf);
                }
            }
        }
    }
    let mut seed = first.filter(|_| proposed_ctx.is_none());
    let info = proposed_ctx.as_ref().or(input.context);
    let ctx = info.map(|i| &i.filtered);
    let root = info.map(|i| i.root.as_path()).or(input.root);

    let mut text = input.text.to_string();
    let mut applied = Vec::new();
    let mut refused: Vec<Skip> = Vec::new();
    let mut refused_sigs: HashSet<String> = HashSet::new();
    let mut skipped: Vec<Skip>;
    let mut unsafe_available: Vec<Applied>;
    let mut iterations = 0;
    let mut texts_seen: HashSet<(u64, usize)> = HashSet::new();
    // The parse and model of `text` when the previous iteration made them
    // (checking its output): parsing each text once, not two or three times.
    // The first round takes the input's; the whole-run guard keeps only
    // what it compares (stages and target), not a second copy of the steps.
    // A shared model outlives the run anyway: no copy is kept.
    let (model0, first): (Held<Model>, Held<Model>) = match model0 {
        StartModel::Owned(mut m0) => {
            let steps = std::mem::take(&mut m0.steps);
            let first = Model {
                steps,
                ..m0.clone()
            };
            (Held::Shared(Arc::new(m0)), Held::Shared(Arc::new(first)))
        }
        StartModel::Shared(m) => (Held::Shared(Arc::clone(&m)), Held::Shared(m)),
    };
    let mut parsed: Option<(Held<Dockerfile>, Held<Model>)> = Some((df0, first));
    loop {
        let (df, model) = match parsed.take() {
            Some(p) => p,
            None => {
                let (df, model) = parse_model(&text).map_err(|m| RewriteError::NotReparsable {
                    codes: applied
                        .last()
                        .map(|a: &Applied| a.code.to_string())
                        .unwrap_or_default(),
                    message: m,
                })?;
                (Held::Shared(Arc::new(df)), Held::Shared(Arc::new(model)))
            }
        };
        let (proposed, skips) = match seed.take() {
            Some(fixes) => (fixes, Vec::new()),
            None => collect(
                &df,
                &model,
                df.arc().zip(model.arc()),
                info,
                root,
                settings,
                explain,
            ),
        };
        skipped = skips;
        // The RUNs' effects the rules and fix functions shared are not read
        // again (the guard computes its own for the text it checks): on a
        // long file they were most of what kept this round's peak up.
        let mut model = model;
        if let Held::Shared(a) = &mut model {
            if let Some(m) = Arc::get_mut(a) {
                m.effects = crate::effects::EffectsMemo::default();
            }
        }
        let (safe, unsafe_): (Vec<Fix>, Vec<Fix>) = proposed
            .into_iter()
            .filter(|f| !refused_sigs.contains(&f.signature(&text)))
            .partition(|f| f.applicability == Applicability::Safe);
        unsafe_available = unsafe_
            .iter()
            .map(|f| Applied {
                code: f.code,
                applicability: f.applicability,
                line: f.line,
                message: f.message.clone(),
            })
            .collect();
        let batch: Vec<Fix> = if !safe.is_empty() {
            safe
        } else if settings.unsafe_fixes && !unsafe_.is_empty() {
            unsafe_available.clear();
            unsafe_
        } else {
            parsed = Some((df, model));
            break;
        };
        // Some fixes go one per round by design (DO102 moves one RUN per
        // stage above its COPY, each round); a file of many such RUNs needs a
        // round each (33 RUNs after one COPY ran out of a fixed 32, found by
        // cargo-fuzz). A loop that comes back to a text it had, with no more
        // fixes refused since (a round the guard refuses wholly keeps the
        // text), is a cycle, refused at once; the bound, one round per
        // instruction beyond the floor, only stops a loop that keeps
        // changing the text.
        let bound = settings.max_iterations.max(df.instructions.len() + 8);
        if iterations >= bound || !texts_seen.insert((hash_text(&text), refused_sigs.len())) {
            return Err(RewriteError::NotConverged(iterations));
        }
        iterations += 1;
        let chosen = select_non_overlapping(&batch);
        let is_safe = chosen
            .iter()
            .all(|f| f.applicability == Applicability::Safe);
        let chosen = if is_safe {
            chosen
        } else {
            one_rule_per_instruction(&df, chosen)
        };
        type Tried = (String, (Dockerfile, Model));
        let try_apply = |fs: &[&Fix]| -> Result<Tried, RewriteError> {
            let edits: Vec<Edit> = fs.iter().flat_map(|f| f.edits.iter().cloned()).collect();
            let out = edit::apply(&text, &edits);
            let p = parse_model(&out).map_err(|m| RewriteError::NotReparsable {
                codes: fs.iter().map(|f| f.code).collect::<Vec<_>>().join(","),
                message: m,
            })?;
            Ok((out, p))
        };
        let mut next = try_apply(&chosen)?;
        let mut used: Vec<&Fix> = chosen.clone();
        if is_safe {
            let ok = |out: &(Dockerfile, Model), fs: &[&Fix]| -> Result<(), String> {
                let (dfa, ma) = out;
                let declared: Vec<Transform> = fs
                    .iter()
                    .flat_map(|f| f.transforms.iter().copied())
                    .collect();
                guard::check(&df, &model, dfa, ma, ctx, root, &declared)
            };
            if ok(&next.1, &chosen).is_err() {
                // Find the fixes that pass alone; refuse the others.
                used.clear();
                for f in &chosen {
                    let single = try_apply(&[*f])?;
                    match ok(&single.1, &[*f]) {
                        Ok(()) => {
                            if used.is_empty() {
                                used.push(*f);
                                next = single;
                            }
                        }
                        Err(why) => {
                            refused_sigs.insert(f.signature(&text));
                            refused.push(Skip {
                                code: f.code,
                                line: f.line,
                                reason: format!("refused by the equivalence guard: {why}"),
                            });
                        }
                    }
                }
                if used.is_empty() {
                    continue;
                }
            }
        }
        applied.extend(used.iter().map(|f| Applied {
            code: f.code,
            applicability: f.applicability,
            line: f.line,
            message: f.message.clone(),
        }));
        text = next.0;
        let (df, model) = next.1;
        parsed = Some((Held::Shared(Arc::new(df)), Held::Shared(Arc::new(model))));
    }

    // Whole-run guard: with Safe fixes only, every stage's config is unchanged.
    if applied
        .iter()
        .all(|a| a.applicability == Applicability::Safe)
        && !applied.is_empty()
    {
        let m1 = match parsed {
            Some((_, m)) => m,
            None => Held::Shared(Arc::new(parse_model(&text).map_err(RewriteError::Parse)?.1)),
        };
        guard::configs_equal(&model0, &m1).map_err(RewriteError::NotEquivalent)?;
    }
    Ok(Outcome {
        output: text,
        applied,
        unsafe_available,
        skipped,
        refused,
        new_files,
        iterations,
    })
}

/// Fixes a Dockerfile on disk with its context directory (the Dockerfile's
/// directory when `context` is None).
pub fn fix_file(
    text: &str,
    dockerfile: &Path,
    context: Option<&Path>,
    settings: &Settings,
) -> Result<Outcome, RewriteError> {
    let root = context
        .unwrap_or_else(|| crate::context::default_root(dockerfile))
        .to_path_buf();
    // The same measurement `check` makes, so both see the same context.
    let info = ContextInfo::measure(&root, dockerfile)
        .map_err(|e| RewriteError::Context(e.to_string()))?;
    let input = Input {
        text,
        context: info.as_ref(),
        root: Some(root.as_path()),
        has_dockerignore: has_dockerignore(info.as_ref(), &root),
    };
    fix_named(&input, settings, &dockerfile.display().to_string())
}

/// Whether the build already has an ignore file (DO209 then writes none).
pub fn has_dockerignore(info: Option<&ContextInfo>, root: &Path) -> bool {
    info.is_some_and(|i| i.ignore_file.is_some()) || root.join(".dockerignore").exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan [`non_overlapping`] replaced: every taken edit, per edit.
    fn naive(fixes: &[&Fix]) -> Vec<usize> {
        let mut order: Vec<usize> = (0..fixes.len()).collect();
        order.sort_by_key(|&k| (fixes[k].span(), fixes[k].code));
        let mut taken: Vec<(usize, usize)> = Vec::new();
        let mut out = Vec::new();
        for k in order {
            let clash = fixes[k].edits.iter().any(|e| {
                taken
                    .iter()
                    .any(|&(s, t)| (e.start < t && s < e.end) || e.start == s || e.end == t)
            });
            if !clash {
                taken.extend(fixes[k].edits.iter().map(|e| (e.start, e.end)));
                out.push(k);
            }
        }
        out
    }

    /// DO210's cache mount and DO205's `npm cache clean --force` are each
    /// right alone; together the clean empties the mount. One unsafe fix per
    /// instruction per round: the mount goes in, and DO205 no longer applies.
    #[test]
    fn unsafe_fixes_on_one_instruction_go_one_round_at_a_time() {
        let df = "FROM node:20\nWORKDIR /app\nCOPY package.json ./\nRUN npm install\nCOPY . .\n";
        let out = crate::rewrite::fixes::testutil::run_ctx(
            df,
            &[("package.json", "{\"name\":\"a\",\"version\":\"1.0.0\"}")],
            true,
            &["DO205", "DO210"],
        );
        assert!(out.output.contains("--mount=type=cache"), "{}", out.output);
        assert!(!out.output.contains("npm cache clean"), "{}", out.output);
        assert_eq!(out.applied.len(), 1);
    }

    /// DO201's flag and DO202's cleanup on one RUN go in one round, and
    /// give what one round each gave; DO205 after DO210 still waits.
    #[test]
    fn commuting_cleanups_on_one_instruction_go_together() {
        let df =
            "FROM debian:12\nRUN apt-get update && apt-get install -y jq && pip install flask\n";
        let out = crate::rewrite::fixes::testutil::run(df, true, &["DO201", "DO202", "DO203"]);
        assert_eq!(
            out.output,
            "FROM debian:12\nRUN apt-get update && apt-get install --no-install-recommends -y jq && pip install --no-cache-dir flask && rm -rf /var/lib/apt/lists/*\n"
        );
        assert_eq!(out.applied.len(), 3);
        // one round applies, one finds nothing left
        assert_eq!(out.iterations, 1, "{out:?}");
    }

    #[test]
    fn indexed_selection_matches_the_scan() {
        // A small xorshift: fixes of 1–3 edits (insertions, short and long
        // ranges, edits of one fix overlapping each other) on 0..60.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: u64| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % n) as usize
        };
        for _ in 0..2000 {
            let fixes: Vec<Fix> = (0..next(12) + 1)
                .map(|_| {
                    let mut f = Fix::display("t");
                    f.edits = (0..next(3) + 1)
                        .map(|_| {
                            let s = next(60);
                            let len = [0, 0, 1, 3, 25][next(5)];
                            Edit::replace(s, s + len, "x")
                        })
                        .collect();
                    f
                })
                .collect();
            let refs: Vec<&Fix> = fixes.iter().collect();
            assert_eq!(non_overlapping(&refs), naive(&refs), "{:?}", fixes);
        }
    }
}
