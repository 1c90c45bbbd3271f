//! Runs the selected rules on one file, applies inline suppressions and the
//! configured severities.

use super::compose::{self, ComposeCtx};
use super::config::Settings;
use super::ctx::{ContextInfo, Perturb};
use super::{all, suppress, Check, DockerfileCtx, Finding};
use crate::cache::Verdict;
use crate::model::{self, BuildOptions};
use crate::syntax;
use serde::Serialize;
use std::path::Path;

/// Gives a Dockerfile's findings the fixes `dockopt fix` would apply
/// ([`crate::rewrite::label`], passed in by the command layer: rules sit
/// below the rewrite engine).
/// The last argument says whether the configuration in effect for the file enables a rule's
/// code (`--select`, `ignore`, `per-file-ignores`): the fixes shown are those `fix` applies
/// under the same selection.
/// The model is given, not lent: when nothing else holds it, the labelling frees its parsed
/// RUN scripts, then the model itself, once the fix loop's first round is done with them (on a
/// long file they were a third of `check`'s peak; the loop's later rounds parse their own).
pub type LabelFn = fn(
    &syntax::Dockerfile,
    std::sync::Arc<model::Model>,
    Option<&ContextInfo>,
    &mut Vec<Finding>,
    &dyn Fn(&super::Rule) -> bool,
);

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    /// Label fixes as `dockopt fix` applies them (None: the rules' own advice).
    pub label: Option<LabelFn>,
    /// Read the build context from disk (measure `.dockerignore`, pick a real source file).
    pub measure_context: bool,
    /// Compute the Markdown extras (rebuild estimate, stage graph).
    pub extras: bool,
    /// The build context of every Dockerfile checked (None: each one's own
    /// directory), as `docker build -f sub/Dockerfile DIR` would send it.
    pub context: Option<std::path::PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    Dockerfile,
    Compose,
    /// A CI pipeline: `.github/workflows/*.yml`, `.gitlab-ci.yml`.
    Pipeline,
}

/// Steps re-run by a one-line edit of a source file.
#[derive(Debug, Clone, Serialize)]
pub struct RebuildEstimate {
    pub edited: String,
    pub rerun: usize,
    pub total: usize,
    pub rerun_lines: Vec<usize>,
}

/// What `dockopt fix` (safe fixes) would do to a file, for the PR comment.
#[derive(Debug, Clone)]
pub struct AfterFix {
    /// Unified diff from the file to its safe-fixed text.
    pub diff: String,
    /// The same one-file edit as [`FileReport::rebuild`], on the fixed text
    /// (None: the fixed file could not be simulated).
    pub rebuild: Option<RebuildEstimate>,
}

#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub kind: FileKind,
    pub text: String,
    pub findings: Vec<Finding>,
    /// Why the file could not be checked (parse error, unreadable).
    pub error: Option<String>,
    pub rebuild: Option<RebuildEstimate>,
    pub mermaid: Option<String>,
    /// The build context measured for it (None: none was read).
    pub context: Option<std::path::PathBuf>,
    /// Filled by the command layer for the Markdown report (None: no safe fix applies).
    pub after_fix: Option<AfterFix>,
}

impl FileReport {
    fn new(path: &str, kind: FileKind, text: &str) -> Self {
        FileReport {
            path: path.to_string(),
            kind,
            text: text.to_string(),
            findings: Vec::new(),
            error: None,
            rebuild: None,
            mermaid: None,
            context: None,
            after_fix: None,
        }
    }
}

fn finish(findings: &mut Vec<Finding>, settings: &Settings, file: &Path) {
    findings.retain_mut(|f| {
        match super::by_code(f.code).and_then(|r| settings.severity_for(r, file)) {
            Some(sev) => {
                f.severity = sev;
                true
            }
            None => false,
        }
    });
    findings.sort_by(|a, b| {
        (a.start.line, a.start.column, a.code).cmp(&(b.start.line, b.start.column, b.code))
    });
}

/// The findings of `rules`' Dockerfile checks on `cx`, in rule order; on a
/// long file (`instructions`) the rules run on several threads.
pub(crate) fn run_rules<'r>(
    cx: &DockerfileCtx,
    instructions: usize,
    rules: impl Iterator<Item = &'r super::Rule>,
) -> Vec<Finding> {
    let checks: Vec<_> = rules
        .filter_map(|rule| match rule.check {
            Check::Dockerfile(f) => Some(f),
            _ => None,
        })
        .collect();
    let threads = super::fan_out::threads_for(instructions);
    super::fan_out::map_in_order(&checks, threads, |f| {
        let mut mine = Vec::new();
        f(cx, &mut mine);
        mine
    })
    .into_iter()
    .flatten()
    .collect()
}

/// Checks one Dockerfile. `file` is its path on disk (for the context and config), `name` how to show it.
pub fn check_dockerfile(
    file: &Path,
    name: &str,
    text: &str,
    settings: &Settings,
    opts: &CheckOptions,
) -> FileReport {
    let mut report = FileReport::new(name, FileKind::Dockerfile, text);
    let df = match syntax::parse(text) {
        Ok(df) => df,
        Err(e) => {
            report.error = Some(e.render(name, text));
            return report;
        }
    };
    let model = match model::build(&df, &BuildOptions::default()) {
        Ok(m) => m,
        Err(e) => {
            report.error = Some(e.render(name, text));
            return report;
        }
    };
    let context = if opts.measure_context && name != "<stdin>" {
        let root = opts
            .context
            .as_deref()
            .unwrap_or_else(|| crate::context::default_root(file));
        report.context = Some(root.to_path_buf());
        match ContextInfo::measure(root, file) {
            Ok(info) => info,
            Err(e) => {
                report.error = Some(format!("{name}: the build context cannot be used: {e}"));
                return report;
            }
        }
    } else {
        None
    };
    // Shared with the simulator (DO101–DO103 simulate builds): no copy.
    let (df, model) = (std::sync::Arc::new(df), std::sync::Arc::new(model));
    let scripts = super::Scripts::new(&df, &model);
    let cx = DockerfileCtx::new(name, &df, &model, &scripts, context.as_ref()).sharing(&df, &model);
    let mut findings = run_rules(
        &cx,
        df.instructions.len(),
        all()
            .iter()
            .copied()
            .filter(|r| settings.severity_for(r, file).is_some()),
    );
    if opts.extras {
        extras(&cx, &df, &model, context.is_some(), &mut report);
    }
    // The rules' cached simulations, views and command lists are not needed
    // by the fix labelling below: freed before it builds models of its own
    // (and the model is no longer shared, so the labelling may free the
    // RUN scripts it parsed once it is done with them).
    drop(cx);
    drop(scripts);
    if let Some(label) = opts.label {
        // Before suppressions and severities: they apply to what a fix adds too.
        let enabled = |r: &super::Rule| settings.severity_for(r, file).is_some();
        label(&df, model, context.as_ref(), &mut findings, &enabled);
    }
    suppress::apply(&df, &mut findings);
    finish(&mut findings, settings, file);
    report.findings = findings;
    report
}

/// The Markdown extras: the stage graph (secrets masked) and the rebuild
/// estimate for a one-file source edit.
fn extras(
    cx: &DockerfileCtx,
    df: &syntax::Dockerfile,
    model: &model::Model,
    has_context: bool,
    report: &mut FileReport,
) {
    let g = crate::graph::build(df, model);
    // the graph shows instruction text: mask secret values there too
    // (whether or not DO302 is selected or suppressed)
    let mut all_secrets = Vec::new();
    super::security::secret_in_env_arg::check(cx, &mut all_secrets);
    let mut masker = crate::report::mask::Masker::new();
    for v in all_secrets
        .iter()
        .flat_map(|f| f.redact.iter().map(|s| df.text(*s)))
    {
        masker.add_value(v);
    }
    let mermaid = masker.text(&crate::graph::to_mermaid(&g)).into_owned();
    report.mermaid = Some(mermaid);
    if has_context {
        let edited = cx.sample_source_file();
        if let Some(sim) = cx.simulate(Perturb::Edit(&edited)) {
            let runs: Vec<_> = sim
                .steps
                .iter()
                .filter(|s| s.result != Verdict::NotBuilt)
                .collect();
            let rerun: Vec<usize> = runs
                .iter()
                .filter(|s| s.result == Verdict::Miss)
                .map(|s| s.line)
                .collect();
            report.rebuild = Some(RebuildEstimate {
                edited,
                rerun: rerun.len(),
                total: runs.len(),
                rerun_lines: rerun,
            });
        }
    }
}

/// Checks one compose file (and reads the Dockerfiles its services build).
pub fn check_compose_file(file: &Path, name: &str, text: &str, settings: &Settings) -> FileReport {
    check_compose_file_with(file, name, text, settings, true)
}

/// [`check_compose_file`]; `read_context` false (`check --no-context`): the
/// rules that judge the services' build contexts on disk (DO505) stay
/// silent, as the Dockerfile rules that need a context do.
pub fn check_compose_file_with(
    file: &Path,
    name: &str,
    text: &str,
    settings: &Settings,
    read_context: bool,
) -> FileReport {
    let mut report = FileReport::new(name, FileKind::Compose, text);
    let root = match compose::parse(text) {
        Ok(r) => r,
        Err((line, col, msg)) => {
            report.error = Some(format!("{name}:{line}:{col}: invalid YAML: {msg}"));
            return report;
        }
    };
    let base = compose::base_of(file)
        .and_then(|p| crate::source::read_context_text(&p).ok())
        .and_then(|t| compose::parse(&t).ok());
    let mut cx = ComposeCtx::new(name, file, text, &root, base.as_ref());
    cx.read_context = read_context;
    let mut findings = Vec::new();
    for rule in all() {
        if let Check::Compose(f) = rule.check {
            if settings.severity_for(rule, file).is_some() {
                f(&cx, &mut findings);
            }
        }
    }
    retain_unsuppressed(text, &mut findings);
    finish(&mut findings, settings, file);
    report.findings = findings;
    report
}

/// Drops YAML findings suppressed by `# dockopt: ignore=CODE` on the line
/// above or at the end of the finding's line (compose and CI files).
pub fn retain_unsuppressed(text: &str, findings: &mut Vec<Finding>) {
    let lines: Vec<&str> = text.lines().collect();
    findings.retain(|f| {
        let above = f
            .start
            .line
            .checked_sub(2)
            .and_then(|i| lines.get(i))
            .map(|l| l.trim())
            .unwrap_or("");
        let same = lines
            .get(f.start.line.saturating_sub(1))
            .and_then(|l| l.split_once('#'))
            .map(|(_, c)| c)
            .unwrap_or("");
        ![above, same].iter().any(|c| {
            let c = c.trim_start_matches('#').trim();
            suppress::pragma_codes(c).is_some_and(|(_, codes)| {
                codes
                    .iter()
                    .any(|x| x == "ALL" || x.eq_ignore_ascii_case(f.code))
            })
        })
    });
}

/// Checks one CI pipeline file (GitHub Actions workflow, `.gitlab-ci.yml`).
pub fn check_pipeline_file(file: &Path, name: &str, text: &str, settings: &Settings) -> FileReport {
    let mut report = FileReport::new(name, FileKind::Pipeline, text);
    if let Err((line, col, msg)) = compose::parse(text) {
        report.error = Some(format!("{name}:{line}:{col}: invalid YAML: {msg}"));
        return report;
    }
    let root = super::ci::root_of(file);
    let (mut all, _) = crate::ci::read_all(&root);
    // The text given wins over the file on disk (`fix` checks what it is about to write).
    let mine = match crate::ci::read_text(&root, file, text) {
        Ok(b) => b,
        Err(e) => {
            report.error = Some(e.to_string());
            return report;
        }
    };
    let rel = file.strip_prefix(&root).unwrap_or(file);
    all.retain(|b| b.file != rel);
    all.extend(mine.iter().cloned());
    let refs: Vec<&crate::ci::CiBuild> = mine.iter().collect();
    let cx = super::ci::CiCtx::new(name, &root, text, refs, &all);
    let mut findings =
        super::ci::check_file(&cx, &|rule| settings.severity_for(rule, file).is_some());
    retain_unsuppressed(text, &mut findings);
    finish(&mut findings, settings, file);
    report.findings = findings;
    report
}

/// A file `dockopt check` looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub path: std::path::PathBuf,
    pub kind: FileKind,
}

/// Every Dockerfile and compose file under `paths` (files are taken as given),
/// found by the search every command uses ([`crate::source::walker`]).
pub fn discover(paths: &[std::path::PathBuf]) -> Result<Vec<Target>, String> {
    let kind_of = |name: &str| {
        if compose::is_compose_name(name) {
            Some(FileKind::Compose)
        } else if crate::source::is_dockerfile_name(name) {
            Some(FileKind::Dockerfile)
        } else {
            None
        }
    };
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Target {
                path: p.clone(),
                kind: FileKind::Dockerfile,
            });
            continue;
        }
        match std::fs::metadata(p) {
            // Anything but a directory is taken as given; reading it says
            // precisely why a FIFO, device or unreadable file is refused.
            Ok(m) if !m.is_dir() => {
                let name = p
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                out.push(Target {
                    path: p.clone(),
                    kind: if super::ci::is_pipeline_path(p) {
                        FileKind::Pipeline
                    } else {
                        kind_of(&name).unwrap_or(FileKind::Dockerfile)
                    },
                });
                continue;
            }
            Ok(_) => {}
            Err(e) => {
                return Err(match crate::source::read_regular(p, 0) {
                    Err(se) => se.to_string(),
                    Ok(_) => format!("{}: {e}", p.display()),
                })
            }
        }
        // The one search every command uses (crate::source::walk).
        let mut found: Vec<Target> = crate::source::walk(p, &|n| kind_of(n).is_some())
            .map_err(|e| e.to_string())?
            .into_iter()
            .filter_map(|path| {
                let name = path.file_name()?.to_string_lossy().to_string();
                Some(Target {
                    kind: kind_of(&name)?,
                    path,
                })
            })
            .collect();
        // Pipelines are known by their place (.github/workflows/, .gitlab-ci.yml), not their name.
        found.extend(crate::ci::pipelines(p).into_iter().map(|path| Target {
            path,
            kind: FileKind::Pipeline,
        }));
        found.sort_by(|a, b| a.path.cmp(&b.path));
        out.extend(found);
    }
    Ok(out)
}

/// Checks every target in parallel; `settings` gives the settings for a file,
/// `tick` is called once per file done (progress).
pub fn check_all(
    targets: &[Target],
    settings: &(dyn Fn(&Path) -> Result<Settings, String> + Sync),
    opts: &CheckOptions,
    tick: &(dyn Fn() + Sync),
) -> Vec<FileReport> {
    use rayon::prelude::*;
    let one = |t: &Target| {
        let name = t.path.display().to_string();
        let name = name.strip_prefix("./").unwrap_or(&name).to_string();
        let r = check_target(t, &name, settings, opts);
        tick();
        r
    };
    // One file (an editor, a pre-commit hook): starting rayon's pool (it
    // reads the cgroup limits, spawns a thread per core) costs more than the
    // check itself.
    if targets.len() <= 1 {
        return targets.iter().map(one).collect();
    }
    targets.par_iter().map(one).collect()
}

fn check_target(
    t: &Target,
    name: &str,
    settings: &(dyn Fn(&Path) -> Result<Settings, String> + Sync),
    opts: &CheckOptions,
) -> FileReport {
    let failed = |e: String| FileReport {
        error: Some(e),
        ..FileReport::new(name, t.kind, "")
    };
    let s = match settings(&t.path) {
        Ok(s) => s,
        Err(e) => return failed(e),
    };
    let file = match crate::source::read(&t.path) {
        Ok(f) => f,
        Err(e) => return failed(e.to_string()),
    };
    let shown = if file.name == "<stdin>" {
        file.name.as_str()
    } else {
        name
    };
    match t.kind {
        FileKind::Dockerfile => check_dockerfile(&t.path, shown, &file.text, &s, opts),
        FileKind::Compose => {
            check_compose_file_with(&t.path, shown, &file.text, &s, opts.measure_context)
        }
        FileKind::Pipeline => check_pipeline_file(&t.path, shown, &file.text, &s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file long enough for the rules to run on several threads gives the
    /// findings, in the order, that one thread running them in rule order
    /// gives (the findings of every rule, serialized, compared whole).
    #[test]
    fn a_long_file_s_threaded_rules_find_what_one_thread_finds() {
        let mut text = String::from("FROM python:3.12-slim AS base\nWORKDIR /app\nCOPY . .\n");
        for i in 0..700 {
            text.push_str(&format!(
                "ENV V{i}=x\nRUN apt-get update && apt-get install -y pkg{i} && echo $V{i}\nRUN pip install flask\n"
            ));
        }
        let df = syntax::parse(&text).expect("parses");
        assert!(df.instructions.len() >= super::super::fan_out::PARALLEL_FROM);
        let settings = Settings::default();
        let opts = CheckOptions {
            label: None,
            measure_context: false,
            extras: false,
            context: None,
        };
        let threaded = check_dockerfile(
            Path::new("Dockerfile"),
            "Dockerfile",
            &text,
            &settings,
            &opts,
        );
        let model = model::build(&df, &BuildOptions::default()).expect("models");
        let scripts = super::super::Scripts::new(&df, &model);
        let cx = DockerfileCtx::new("Dockerfile", &df, &model, &scripts, None);
        let mut one = Vec::new();
        for rule in all() {
            if let Check::Dockerfile(f) = rule.check {
                f(&cx, &mut one);
            }
        }
        suppress::apply(&df, &mut one);
        finish(&mut one, &settings, Path::new("Dockerfile"));
        let json = |f: &[Finding]| serde_json::to_string(f).expect("serializes");
        assert!(
            threaded.findings.len() > 1000,
            "{}",
            threaded.findings.len()
        );
        assert_eq!(json(&threaded.findings), json(&one));
    }
}
