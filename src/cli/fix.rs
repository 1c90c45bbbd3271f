//! `dockopt fix`: apply cache-aware rewrites (in place, `--diff`, `--stdout` or `--check`).

use super::args::FixArgs;
use super::input::expand_paths;
use super::{Outcome, Reported};
use dockopt::rewrite::{self, write, Applicability, Settings};
use dockopt::rules::ci::is_pipeline_path;
use dockopt::rules::config::Settings as RuleSettings;
use dockopt::source;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn split_codes(v: &[String]) -> Vec<String> {
    v.iter()
        .flat_map(|s| s.split(','))
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub fn run(a: FixArgs) -> anyhow::Result<Outcome> {
    let settings = Settings {
        unsafe_fixes: a.unsafe_fixes,
        select: (!a.select.is_empty()).then(|| split_codes(&a.select)),
        ignore: split_codes(&a.ignore),
        ..Settings::default()
    };
    settings.validate()?;
    // The rules `.dockopt.toml` turns off are off for fix too: check and fix agree.
    let config = match &a.config {
        Some(p) => Some(RuleSettings::load(p)?),
        None => None,
    };
    let files = fix_targets(&a.paths)?;
    let mut errors = 0;
    let mut changed_files = 0;
    let mut counts: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut unsafe_hidden = 0;
    let mut not_fixed = 0;
    for path in &files {
        let (per_file, rules) = match file_settings(&settings, config.as_ref(), path) {
            Ok(s) => s,
            Err(e) => {
                errors += 1;
                eprintln!("error: {e}");
                continue;
            }
        };
        match fix_one(path, &a, &per_file, &rules) {
            Ok(r) => {
                if r.changed {
                    changed_files += 1;
                }
                for (k, v) in r.counts {
                    *counts.entry(k).or_insert(0) += v;
                }
                unsafe_hidden += r.unsafe_hidden;
                not_fixed += r.not_fixed;
            }
            Err(e) => {
                errors += 1;
                if let Some(rewrite::RewriteError::Parse(frame)) = e.downcast_ref() {
                    // Rendered with file:line:col and the code frame.
                    eprint!("{frame}");
                } else if e.downcast_ref::<Reported>().is_none() {
                    // Most errors name the file already; don't say it twice.
                    let msg = super::render_error(&e);
                    let shown = path.display().to_string();
                    if msg.starts_with(&format!("{shown}:")) {
                        eprintln!("error: {msg}");
                    } else {
                        eprintln!("error: {shown}: {msg}");
                    }
                }
            }
        }
    }
    let total: usize = counts.values().sum();
    let by_code: Vec<String> = counts.iter().map(|(k, v)| format!("{k} ×{v}")).collect();
    let verb = if a.check || a.diff {
        "Would fix"
    } else if a.stdout {
        "Fixed (printed)"
    } else {
        "Fixed"
    };
    if total > 0 {
        eprintln!(
            "{verb} {total} issue{} in {changed_files} file{} ({})",
            if total == 1 { "" } else { "s" },
            if changed_files == 1 { "" } else { "s" },
            by_code.join(", ")
        );
    } else if errors == 0 && not_fixed > 0 {
        eprintln!(
            "Nothing fixed: {not_fixed} finding{} left alone (reasons above)",
            if not_fixed == 1 { "" } else { "s" }
        );
    } else if errors == 0 {
        eprintln!("Nothing to fix");
    }
    if unsafe_hidden > 0 {
        eprintln!(
            "{unsafe_hidden} more fix(es) available with --unsafe-fixes (they change the image)"
        );
    }
    if errors > 0 {
        return Err(Reported.into());
    }
    if changed_files > 0 && (a.check || a.diff) {
        return Ok(Outcome::Changed);
    }
    Ok(Outcome::Clean)
}

/// `base` narrowed by the config in effect for `path` (its `select`, `ignore` and
/// `per-file-ignores`), the way `check` reads it; `--select` replaces the config's selection.
fn file_settings(
    base: &Settings,
    config: Option<&RuleSettings>,
    path: &Path,
) -> Result<(Settings, RuleSettings), dockopt::rules::config::ConfigError> {
    let cfg = match config {
        Some(c) => c.clone(),
        None => RuleSettings::discover(path)?,
    };
    let cli_select = base.select.clone().unwrap_or_default();
    let cfg = cfg.with_cli(&cli_select, &base.ignore);
    let mut s = base.clone();
    for rule in rewrite::fixable_rules() {
        if cfg.severity_for(rule, path).is_none() && s.enabled(rule.code) {
            s.ignore.push(rule.code.to_string());
        }
    }
    Ok((s, cfg))
}

/// The Dockerfiles under `paths` and, in folders, the CI pipelines `check` reads there.
fn fix_targets(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        out.extend(expand_paths(std::slice::from_ref(p))?);
        if p.is_dir() {
            out.extend(dockopt::ci::pipelines(p));
        }
    }
    Ok(out)
}

struct FileResult {
    changed: bool,
    counts: BTreeMap<&'static str, usize>,
    unsafe_hidden: usize,
    /// Opportunities left alone, each printed with its reason.
    not_fixed: usize,
}

fn fix_one(
    path: &Path,
    a: &FixArgs,
    settings: &Settings,
    rules: &RuleSettings,
) -> anyhow::Result<FileResult> {
    let file = source::read(path)?;
    let stdin = file.path.is_none() && path.as_os_str() == "-";
    let outcome = if !stdin && is_pipeline_path(path) {
        // A CI pipeline: the DO6xx fixes check shows, guarded by a re-check.
        rewrite::pipeline::fix_pipeline(path, &file.text, settings, rules)?
    } else if stdin {
        let input = rewrite::Input {
            text: &file.text,
            context: None,
            root: None,
            has_dockerignore: true,
        };
        rewrite::fix_named(&input, settings, &file.name)?
    } else {
        if let Some(c) = &a.context {
            if !c.is_dir() {
                anyhow::bail!("build context {} is not a directory", c.display());
            }
        }
        rewrite::fix_file(&file.text, path, a.context.as_deref(), settings)?
    };
    let name = file.name.clone();
    for s in outcome.skipped.iter().chain(&outcome.refused) {
        eprintln!(
            "{}",
            super::masked(&format!(
                "{name}:{}: {} not fixed: {}",
                s.line, s.code, s.reason
            ))
        );
    }
    let text_changed = outcome.output != file.text;
    let dir: PathBuf = a
        .context
        .clone()
        .unwrap_or_else(|| dockopt::context::default_root(path).to_path_buf());
    if a.stdout {
        // The fixed file itself (data to redirect, like `snapshot`): unmasked.
        print!("{}", outcome.output);
    } else if a.diff {
        // A diff is read in CI logs: secrets masked like every report, even
        // though a masked line no longer applies as a patch.
        print!(
            "{}",
            super::masked(&write::unified_diff(
                &file.text,
                &outcome.output,
                &diff_name("a", &name),
                &diff_name("b", &name)
            ))
        );
        for nf in &outcome.new_files {
            let p = dir.join(&nf.name);
            print!(
                "{}",
                super::masked(&write::unified_diff(
                    "",
                    &nf.content,
                    "/dev/null",
                    &format!("b/{}", p.display())
                ))
            );
        }
    } else if !a.check {
        if stdin {
            print!("{}", outcome.output);
        } else {
            // Temp files a killed earlier run left in these folders would
            // ship with the next build: remove them first.
            let mut dirs = vec![dir.clone()];
            if let Some(p) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                dirs.push(p.to_path_buf());
            }
            dirs.dedup();
            for d in &dirs {
                for stale in write::clean_stale_temps(d) {
                    eprintln!(
                        "{}: removed a temp file an interrupted fix left behind",
                        stale.display()
                    );
                }
            }
            // Every file of this fix is written, or none is.
            let mut plan = write::Plan::new();
            if text_changed {
                plan.replace(path, &file.text, &outcome.output);
            }
            for nf in &outcome.new_files {
                plan.create(&dir.join(&nf.name), &nf.content);
            }
            if !plan.is_empty() {
                let written = plan.commit().map_err(|e| {
                    anyhow::anyhow!("{e}; nothing was written (a fix writes all its files or none)")
                })?;
                for w in &written {
                    let via = w
                        .target
                        .as_ref()
                        .map(|t| format!(" (through its symlink, to {})", t.display()))
                        .unwrap_or_default();
                    let verb = if w.created { "created" } else { "wrote" };
                    let notes = if w.notes.is_empty() {
                        String::new()
                    } else {
                        format!("; {}", w.notes.join("; "))
                    };
                    eprintln!("{verb} {}{via}{notes}", w.path.display());
                }
            }
        }
    }
    if !a.stdout {
        for ap in &outcome.applied {
            let tag = match ap.applicability {
                Applicability::Safe => "",
                Applicability::Unsafe | Applicability::DisplayOnly => " (unsafe)",
            };
            eprintln!(
                "{}",
                super::masked(&format!(
                    "{name}:{}: {}{tag} {}",
                    ap.line, ap.code, ap.message
                ))
            );
        }
        for nf in &outcome.new_files {
            eprintln!(
                "{}: {} (unsafe) {}",
                dir.join(&nf.name).display(),
                nf.code,
                nf.message
            );
        }
    }
    Ok(FileResult {
        changed: outcome.changed(),
        counts: outcome.counts_by_code(),
        unsafe_hidden: outcome.unsafe_available.len(),
        not_fixed: outcome.skipped.len() + outcome.refused.len(),
    })
}

fn diff_name(side: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_string()
    } else {
        format!("{side}/{name}")
    }
}
