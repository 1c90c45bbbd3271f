//! Issue 15: `check` shows exactly the fixes `fix` applies. Over every
//! corpus/ folder and every real build context in ../shared/field/ (when
//! present), the findings `check` marks fixable, counted per code and
//! applicability, equal what `fix` applies: the Safe ones in a default run,
//! all of them in an `--unsafe-fixes` run.

use dockopt::rewrite::{self, Applicability, Settings};
use dockopt::rules::config::Settings as CheckSettings;
use dockopt::rules::engine::{check_dockerfile, CheckOptions};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

type Counts = BTreeMap<(String, &'static str), usize>;

fn dockerfiles() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("corpus")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    dirs.sort();
    out.extend(
        dirs.into_iter()
            .map(|d| d.join("Dockerfile"))
            .filter(|p| p.is_file()),
    );
    // ../shared next to the repository; DOCKOPT_SHARED names it elsewhere (a worktree).
    let shared = std::env::var_os("DOCKOPT_SHARED")
        .map_or_else(|| PathBuf::from("../shared"), PathBuf::from);
    let field = shared.join("field");
    if let Ok(manifest) = std::fs::read_to_string(field.join("manifest.tsv")) {
        for line in manifest.lines().skip(1) {
            let cols: Vec<&str> = line.split('\t').collect();
            if let [id, _, _, dockerfile, ..] = cols[..] {
                let p = field.join(id).join(dockerfile);
                if p.is_file() {
                    out.push(p);
                }
            }
        }
    }
    out
}

/// The build context a Dockerfile is built with: a field context's root
/// (`field/<id>/`, whose Dockerfile may sit in a service folder below it, as
/// `docker build -f src/x/Dockerfile .` builds it), else its own folder.
fn context_of(path: &Path) -> Option<PathBuf> {
    path.ancestors()
        .find(|a| a.parent().and_then(Path::file_name) == Some("field".as_ref()))
        .map(Path::to_path_buf)
}

fn assert_agree(failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{} disagreement(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// What `check` marks fixable in `path`, per (code, applicability).
fn check_counts(path: &Path, text: &str) -> Counts {
    check_counts_with(path, text, &CheckSettings::default())
}

fn check_counts_with(path: &Path, text: &str, settings: &CheckSettings) -> Counts {
    let opts = CheckOptions {
        label: Some(rewrite::label),
        measure_context: true,
        extras: false,
        context: context_of(path),
    };
    let name = path.display().to_string();
    let r = check_dockerfile(path, &name, text, settings, &opts);
    assert!(r.error.is_none(), "{name}: {:?}", r.error);
    let mut m = Counts::new();
    for f in &r.findings {
        if let Some(fix) = f.fix.as_ref().filter(|x| x.applicability.is_automatic()) {
            *m.entry((f.code.to_string(), fix.applicability.as_str()))
                .or_insert(0) += 1;
        }
    }
    m
}

/// What `fix` applies to `path`, per (code, applicability).
fn fix_counts(path: &Path, text: &str, unsafe_fixes: bool) -> Counts {
    fix_counts_with(path, text, unsafe_fixes, None)
}

fn fix_counts_with(path: &Path, text: &str, unsafe_fixes: bool, select: Option<&str>) -> Counts {
    let settings = Settings {
        unsafe_fixes,
        select: select.map(|c| vec![c.to_string()]),
        ..Settings::default()
    };
    let out = rewrite::fix_file(text, path, context_of(path).as_deref(), &settings)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut m = Counts::new();
    for a in &out.applied {
        *m.entry((a.code.to_string(), a.applicability.as_str()))
            .or_insert(0) += 1;
    }
    for nf in &out.new_files {
        *m.entry((nf.code.to_string(), Applicability::Unsafe.as_str()))
            .or_insert(0) += 1;
    }
    m
}

#[test]
fn check_shows_exactly_what_fix_applies() {
    let files = dockerfiles();
    assert!(files.len() >= 20, "corpus/ not found: {}", files.len());
    eprintln!("{} Dockerfiles (corpus/ and ../shared/field/)", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if dockopt::syntax::parse(&text).is_err() {
            continue;
        }
        let check = check_counts(path, &text);
        let safe_check: Counts = check
            .iter()
            .filter(|((_, a), _)| *a == "safe")
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        let safe_fix = fix_counts(path, &text, false);
        if safe_check != safe_fix {
            failures.push(format!(
                "{} (safe run): check {safe_check:?} fix {safe_fix:?}",
                path.display()
            ));
        }
        let unsafe_fix = fix_counts(path, &text, true);
        if check != unsafe_fix {
            failures.push(format!(
                "{} (--unsafe-fixes): check {check:?} fix {unsafe_fix:?}",
                path.display()
            ));
        }
    }
    assert_agree(&failures);
}

/// `check --select CODE` and `fix --select CODE --unsafe-fixes` agree too: a fix that another
/// rule's fix supersedes in a full run (DO210's cache mount over DO205's cache clean) is
/// applied when only its own rule is selected, and check must say so.
#[test]
fn check_and_fix_agree_under_one_selected_code() {
    let mut failures = Vec::new();
    for path in &dockerfiles() {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        if dockopt::syntax::parse(&text).is_err() {
            continue;
        }
        let codes: std::collections::BTreeSet<String> = check_counts(path, &text)
            .into_keys()
            .map(|(c, _)| c)
            .collect();
        for code in codes.iter().chain(["DO205".to_string()].iter()) {
            let cs = CheckSettings::default().with_cli(std::slice::from_ref(code), &[]);
            let check = check_counts_with(path, &text, &cs);
            let fix = fix_counts_with(path, &text, true, Some(code));
            if check != fix {
                failures.push(format!(
                    "{} --select {code}: check {check:?} fix {fix:?}",
                    path.display()
                ));
            }
        }
    }
    assert_agree(&failures);
}

/// Every CI pipeline file (GitHub workflows, `.gitlab-ci.yml`) in corpus/ and the
/// field contexts: the DO6xx fixes check shows are the ones fix applies.
#[test]
fn pipelines_check_shows_exactly_what_fix_applies() {
    let mut roots: Vec<PathBuf> = std::fs::read_dir("corpus")
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    roots.extend(
        dockerfiles()
            .iter()
            .filter_map(|p| p.parent().map(Path::to_path_buf)),
    );
    roots.sort();
    roots.dedup();
    let pipelines: Vec<PathBuf> = roots
        .iter()
        .flat_map(|r| dockopt::ci::pipelines(r))
        .collect();
    assert!(pipelines.len() >= 2, "corpus/ci-* not found");
    let mut failures = Vec::new();
    let mut fixable = 0;
    for path in &pipelines {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.display().to_string();
        let r = dockopt::rules::engine::check_pipeline_file(
            path,
            &name,
            &text,
            &CheckSettings::default(),
        );
        let mut check = Counts::new();
        for f in &r.findings {
            if let Some(fix) = f.fix.as_ref().filter(|x| x.applicability.is_automatic()) {
                *check
                    .entry((f.code.to_string(), fix.applicability.as_str()))
                    .or_insert(0) += 1;
            }
        }
        fixable += check.values().sum::<usize>();
        for unsafe_fixes in [false, true] {
            let settings = Settings {
                unsafe_fixes,
                ..Settings::default()
            };
            let out =
                rewrite::pipeline::fix_pipeline(path, &text, &settings, &CheckSettings::default())
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
            let mut got = Counts::new();
            for a in &out.applied {
                *got.entry((a.code.to_string(), a.applicability.as_str()))
                    .or_insert(0) += 1;
            }
            let want: Counts = check
                .iter()
                .filter(|((_, a), _)| unsafe_fixes || *a == "safe")
                .map(|(k, v)| (k.clone(), *v))
                .collect();
            if want != got {
                failures.push(format!(
                    "{name} (unsafe {unsafe_fixes}): check {want:?} fix {got:?}"
                ));
            }
        }
    }
    assert!(
        fixable > 0,
        "no pipeline finding with a fix: the test proves nothing"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
