//! The rewrite engine: fixes as data, applied to a fixpoint, with run-time
//! checks that the output re-parses, is idempotent and (for Safe fixes)
//! builds the same image.
//!
//! A [`Fix`] is a list of byte-range [`Edit`]s on the original text plus an
//! [`Applicability`]. Each rule in [`fixes::RULES`] looks at the lossless tree
//! and the model and proposes fixes (or records why it did not). The engine
//! applies non-overlapping fixes together, re-parses, re-models, checks the
//! equivalence guard for Safe fixes and repeats until nothing applies.

pub mod edit;
pub mod fixes;
mod guard;
pub mod hazard;
pub mod write;

pub use edit::Edit;
pub use fixes::{FixRule, RULES};

use crate::context::{ContextTree, DockerIgnore};
use crate::model::{self, BuildOptions, Model};
use crate::syntax::{self, Dockerfile};
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Whether applying a fix keeps the image identical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Applicability {
    /// Same files, same config: applied by default.
    Safe,
    /// Changes the image (smaller, different): applied only with `--unsafe-fixes`.
    Unsafe,
}

/// One proposed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Fix {
    pub code: &'static str,
    pub message: String,
    pub applicability: Applicability,
    /// 1-based line of the instruction the fix is about (in the text it was proposed on).
    pub line: usize,
    pub edits: Vec<Edit>,
    /// What the fix does to the op sequence, for the equivalence guard: a
    /// Safe fix that moves, merges or inserts ops must declare it, and the
    /// guard accepts no other difference.
    #[serde(skip)]
    pub transforms: Vec<Transform>,
}

/// One declared change to a stage's op sequence. Indices are instruction
/// indices in the text the fix was proposed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// Instruction `ins` moves to just above instruction `above` (after any
    /// earlier transform placed there).
    Move { ins: usize, above: usize },
    /// RUN `a` and the RUN right after it, `b`, become one RUN `a && b`.
    Merge { a: usize, b: usize },
    /// A new COPY of manifests goes just above instruction `above`.
    Insert { above: usize },
}

impl Fix {
    fn span(&self) -> (usize, usize) {
        let s = self.edits.iter().map(|e| e.start).min().unwrap_or(0);
        let e = self.edits.iter().map(|e| e.end).max().unwrap_or(0);
        (s, e)
    }

    /// Identifies the fix across iterations (offsets move, text does not).
    fn signature(&self, text: &str) -> String {
        let mut sig = self.code.to_string();
        for e in &self.edits {
            sig.push('\0');
            sig.push_str(&text[e.start..e.end]);
            sig.push('\u{1}');
            sig.push_str(&e.content);
        }
        sig
    }
}

/// A place where a rule saw an opportunity but did not fix it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    pub code: &'static str,
    pub line: usize,
    pub reason: String,
}

/// What a rule sees.
pub struct Checker<'a> {
    pub df: &'a Dockerfile,
    pub model: &'a Model,
    /// The build context after `.dockerignore` (None: unknown, e.g. stdin).
    pub context: Option<&'a ContextTree>,
    /// The context directory, to read manifests (requirements.txt, package.json).
    pub root: Option<&'a Path>,
    fixes: Vec<Fix>,
    skips: Vec<Skip>,
}

impl<'a> Checker<'a> {
    pub fn new(
        df: &'a Dockerfile,
        model: &'a Model,
        context: Option<&'a ContextTree>,
        root: Option<&'a Path>,
    ) -> Self {
        Checker {
            df,
            model,
            context,
            root,
            fixes: Vec::new(),
            skips: Vec::new(),
        }
    }

    pub fn fix(&mut self, fix: Fix) {
        self.fixes.push(fix);
    }

    pub fn skip(&mut self, code: &'static str, line: usize, reason: impl Into<String>) {
        self.skips.push(Skip {
            code,
            line,
            reason: reason.into(),
        });
    }

    /// Reads a context file as text (None if unknown, missing, ignored or not UTF-8).
    pub fn read_context_file(&self, rel: &str) -> Option<String> {
        let ctx = self.context?;
        let e = ctx.get(rel)?;
        // Symlinks are read through (DO101 checks their targets are copied).
        if !matches!(
            e.kind,
            crate::context::EntryKind::File | crate::context::EntryKind::Symlink
        ) {
            return None;
        }
        std::fs::read_to_string(self.root?.join(rel)).ok()
    }

    pub fn into_parts(self) -> (Vec<Fix>, Vec<Skip>) {
        (self.fixes, self.skips)
    }
}

/// Which fixes run.
#[derive(Debug, Clone)]
pub struct Settings {
    pub unsafe_fixes: bool,
    /// Codes or prefixes (`DO1`, `ALL`); None: all.
    pub select: Option<Vec<String>>,
    pub ignore: Vec<String>,
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

fn matches_selector(sel: &str, code: &str) -> bool {
    sel.eq_ignore_ascii_case("ALL") || code.starts_with(&sel.to_ascii_uppercase())
}

impl Settings {
    /// Rejects selectors that name no rule.
    pub fn validate(&self) -> Result<(), RewriteError> {
        let all = self.select.iter().flatten().chain(self.ignore.iter());
        for sel in all {
            let known = RULES.iter().any(|r| {
                std::iter::once(&r.code)
                    .chain(r.also)
                    .any(|c| matches_selector(sel, c))
            });
            if !known {
                return Err(RewriteError::UnknownCode(sel.clone()));
            }
        }
        Ok(())
    }

    pub fn enabled(&self, code: &str) -> bool {
        let selected = match &self.select {
            None => true,
            Some(s) => s.iter().any(|sel| matches_selector(sel, code)),
        };
        selected && !self.ignore.iter().any(|sel| matches_selector(sel, code))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RewriteError {
    #[error("unknown rule code or prefix `{0}` (known: {codes})", codes = RULES.iter().map(|r| r.code).collect::<Vec<_>>().join(", "))]
    UnknownCode(String),
    #[error("the input does not parse: {0}")]
    Parse(String),
    #[error("the input cannot be modelled: {0}")]
    Model(String),
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

/// A new file to create next to the Dockerfile (DO209).
#[derive(Debug, Clone, Serialize)]
pub struct NewFile {
    pub name: String,
    pub content: String,
    pub code: &'static str,
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
    pub context: Option<&'a ContextTree>,
    pub root: Option<&'a Path>,
    /// Whether a `.dockerignore` (or `<Dockerfile>.dockerignore`) already exists.
    pub has_dockerignore: bool,
}

fn parse_model(text: &str) -> Result<(Dockerfile, Model), String> {
    let df = syntax::parse(text).map_err(|e| e.render("Dockerfile", text))?;
    let model = model::build(&df, &BuildOptions::default()).map_err(|e| e.to_string())?;
    Ok((df, model))
}

fn collect(
    df: &Dockerfile,
    model: &Model,
    ctx: Option<&ContextTree>,
    root: Option<&Path>,
    settings: &Settings,
) -> (Vec<Fix>, Vec<Skip>) {
    let mut all_fixes = Vec::new();
    let mut all_skips = Vec::new();
    for rule in RULES {
        if !std::iter::once(&rule.code)
            .chain(rule.also)
            .any(|c| settings.enabled(c))
        {
            continue;
        }
        let Some(check) = rule.check else { continue };
        let mut c = Checker::new(df, model, ctx, root);
        check(&mut c);
        let (f, s) = c.into_parts();
        all_fixes.extend(f.into_iter().filter(|f| settings.enabled(f.code)));
        all_skips.extend(s);
    }
    (all_fixes, all_skips)
}

/// Non-overlapping fixes, in order of position. Edits touching the same
/// insertion point count as overlapping.
fn select_non_overlapping(fixes: &[Fix]) -> Vec<&Fix> {
    let mut order: Vec<&Fix> = fixes.iter().collect();
    order.sort_by_key(|f| (f.span(), f.code));
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut out = Vec::new();
    for f in order {
        let clash = f.edits.iter().any(|e| {
            taken
                .iter()
                .any(|&(s, t)| (e.start < t && s < e.end) || e.start == s || e.end == t)
        });
        if !clash {
            taken.extend(f.edits.iter().map(|e| (e.start, e.end)));
            out.push(f);
        }
    }
    out
}

/// Fixes `input` to a fixpoint. The result re-parses, is idempotent (a
/// further pass finds nothing to apply) and, for Safe fixes, passes the
/// equivalence guard; any failure is an error and nothing should be written.
pub fn fix(input: &Input, settings: &Settings) -> Result<Outcome, RewriteError> {
    settings.validate()?;
    let (df0, model0) = parse_model(input.text).map_err(RewriteError::Parse)?;

    // DO209 first: the Dockerfile fixes then see the context as it will be,
    // so a second run (with the new .dockerignore) finds nothing more.
    let mut new_files = Vec::new();
    let mut proposed_ctx: Option<ContextTree> = None;
    if settings.unsafe_fixes && settings.enabled(fixes::propose_dockerignore::CODE) {
        if let (Some(ctx), false) = (input.context, input.has_dockerignore) {
            if let Some(nf) = fixes::propose_dockerignore::propose(&df0, &model0, ctx) {
                if let Ok(ig) = DockerIgnore::parse(&nf.content) {
                    proposed_ctx = Some(ctx.with_ignore(&ig, &nf.content));
                }
                new_files.push(nf);
            }
        }
    }
    let ctx = proposed_ctx.as_ref().or(input.context);

    let mut text = input.text.to_string();
    let mut applied = Vec::new();
    let mut refused: Vec<Skip> = Vec::new();
    let mut refused_sigs: HashSet<String> = HashSet::new();
    let mut skipped: Vec<Skip>;
    let mut unsafe_available: Vec<Applied>;
    let mut iterations = 0;
    loop {
        let (df, model) = parse_model(&text).map_err(|m| RewriteError::NotReparsable {
            codes: applied
                .last()
                .map(|a: &Applied| a.code.to_string())
                .unwrap_or_default(),
            message: m,
        })?;
        let (proposed, skips) = collect(&df, &model, ctx, input.root, settings);
        skipped = skips;
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
            break;
        };
        if iterations >= settings.max_iterations {
            return Err(RewriteError::NotConverged(iterations));
        }
        iterations += 1;
        let chosen = select_non_overlapping(&batch);
        let is_safe = chosen
            .iter()
            .all(|f| f.applicability == Applicability::Safe);
        let try_apply = |fs: &[&Fix]| -> Result<String, RewriteError> {
            let edits: Vec<Edit> = fs.iter().flat_map(|f| f.edits.iter().cloned()).collect();
            let out = edit::apply(&text, &edits);
            parse_model(&out).map_err(|m| RewriteError::NotReparsable {
                codes: fs.iter().map(|f| f.code).collect::<Vec<_>>().join(","),
                message: m,
            })?;
            Ok(out)
        };
        let mut next = try_apply(&chosen)?;
        let mut used: Vec<&Fix> = chosen.clone();
        if is_safe {
            let ok = |out: &str, fs: &[&Fix]| -> Result<(), String> {
                let (dfa, ma) = parse_model(out)?;
                let declared: Vec<Transform> = fs
                    .iter()
                    .flat_map(|f| f.transforms.iter().copied())
                    .collect();
                guard::check(&df, &model, &dfa, &ma, ctx, input.root, &declared)
            };
            if ok(&next, &chosen).is_err() {
                // Find the fixes that pass alone; refuse the others.
                used.clear();
                for f in &chosen {
                    let single = try_apply(&[*f])?;
                    match ok(&single, &[*f]) {
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
        text = next;
    }

    // Whole-run guard: with Safe fixes only, every stage's config is unchanged.
    if applied
        .iter()
        .all(|a| a.applicability == Applicability::Safe)
        && !applied.is_empty()
    {
        let (_, m1) = parse_model(&text).map_err(RewriteError::Parse)?;
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
    let root = match context {
        Some(c) => c.to_path_buf(),
        None => dockerfile
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
    };
    let rel = dockerfile
        .canonicalize()
        .ok()
        .zip(root.canonicalize().ok())
        .and_then(|(d, r)| d.strip_prefix(&r).ok().map(Path::to_path_buf));
    let tree = ContextTree::load(&root, rel.as_deref()).ok();
    let has_ignore = tree.as_ref().is_some_and(|t| t.ignore_source().is_some())
        || root.join(".dockerignore").exists();
    let input = Input {
        text,
        context: tree.as_ref(),
        root: tree.as_ref().map(|_| root.as_path()),
        has_dockerignore: has_ignore,
    };
    fix(&input, settings)
}
