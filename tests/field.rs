//! The field tier: every real build context of `../shared/field/` (public
//! projects, listed in its manifest.tsv) through `check`, `fix` (safe and
//! `--unsafe-fixes`, on a temporary copy), `simulate` and `multistage`, as a
//! new user would run them. Runs with plain `cargo test` (and so `.ci/run`)
//! when the folder exists; skips silently otherwise.
//!
//! What must hold on each context: no crash, exit ≤ 1; every fixed
//! Dockerfile re-parses, a second `fix` changes nothing, and `check` on it
//! (and on `multistage`'s output) fires no rule the original does not (a
//! rewrite must not introduce what check flags). It prints the findings per
//! rule (the README's table):
//!
//! ```text
//! cargo test --test field -- --nocapture
//! DOCKOPT_FIELD_DIR=/path/to/shared/field cargo test --test field -- --nocapture
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `../shared/field` beside the project root, or `DOCKOPT_FIELD_DIR` (a
/// checkout elsewhere, e.g. a git worktree), when it holds a manifest.
fn field_dir() -> Option<PathBuf> {
    let p = match std::env::var_os("DOCKOPT_FIELD_DIR") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/field"),
    };
    p.join("manifest.tsv").is_file().then_some(p)
}

/// (id, Dockerfile path relative to the context) per manifest row.
fn manifest(dir: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (id, df) = (col("id"), col("dockerfile"));
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[id].to_string(), f[df].to_string())
        })
        .collect()
}

fn dockopt(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs dockopt")
}

/// Exit ≤ 1 and no panic, else a description of what went wrong.
fn ok(what: &str, out: &Output) -> Result<(), String> {
    let stderr = String::from_utf8_lossy(&out.stderr);
    match out.status.code() {
        Some(0 | 1) if !stderr.contains("panicked") => Ok(()),
        c => Err(format!("{what}: exit {c:?}\n{stderr}")),
    }
}

/// (code, line) of every finding of `check --format json` over `paths`.
/// A finding as the rewrite comparisons count it: its rule. A rewrite that
/// moves or repeats a flagged instruction (a multistage builder repeats the
/// apt-get install, with the runtime libraries beside it) repeats a kind of
/// finding the original has; what must not happen is a rule the original
/// does not trigger (an unpinned `FROM alpine:latest` in a conversion).
fn key(x: &serde_json::Value) -> String {
    x["code"].as_str().unwrap_or("").to_string()
}

fn findings(cwd: &Path, paths: &[&str]) -> Result<Vec<(String, String, u64)>, String> {
    let mut args = vec!["check", "--format", "json", "--fail-on", "error"];
    args.extend(paths);
    let out = dockopt(&args, cwd);
    ok(&format!("check {}", paths.join(" ")), &out)?;
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("check output is not JSON: {e}"))?;
    let mut all = Vec::new();
    for f in v["files"].as_array().into_iter().flatten() {
        let path = f["path"].as_str().unwrap_or("").to_string();
        for x in f["findings"].as_array().into_iter().flatten() {
            all.push((path.clone(), key(x), x["line"].as_u64().unwrap_or(0)));
        }
    }
    Ok(all)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        let ft = e.file_type().unwrap();
        if ft.is_dir() {
            copy_tree(&src, &dst);
        } else if ft.is_file() {
            std::fs::copy(&src, &dst).unwrap();
            // ../shared is read-only; fix must be able to write the copy
            let mut perm = std::fs::metadata(&dst).unwrap().permissions();
            #[allow(clippy::permissions_set_readonly_false)]
            perm.set_readonly(false);
            std::fs::set_permissions(&dst, perm).unwrap();
        }
    }
}

/// The rules that fire, for "what is new" comparisons (lines move).
fn counts(f: &[(String, String, u64)]) -> BTreeMap<String, usize> {
    f.iter().map(|(_, k, _)| (k.clone(), 1)).collect()
}

/// Findings `check -` reports on a Dockerfile's text alone (no context), by code.
fn stdin_counts(text: &str) -> Result<BTreeMap<String, usize>, String> {
    use std::io::Write as _;
    let mut child = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(["check", "--format", "json", "--fail-on", "error", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .map_err(|e| e.to_string())?;
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    ok("check -", &out)?;
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).map_err(|e| format!("check - output: {e}"))?;
    let mut m = BTreeMap::new();
    for f in v["files"].as_array().into_iter().flatten() {
        for x in f["findings"].as_array().into_iter().flatten() {
            m.insert(key(x), 1);
        }
    }
    Ok(m)
}

/// The findings `after` reports that `before` does not.
fn introduced(before: &BTreeMap<String, usize>, after: &BTreeMap<String, usize>) -> Vec<String> {
    after
        .keys()
        .filter(|k| !before.contains_key(*k))
        .cloned()
        .collect()
}

/// Runs every command on one context; returns its findings or the failures.
fn one(dir: &Path, id: &str, df: &str) -> Result<Vec<(String, String, u64)>, Vec<String>> {
    let ctx = dir.join(id);
    let mut errs = Vec::new();
    let all = findings(&ctx, &["."]).map_err(|e| vec![format!("{id}: {e}")])?;
    let before: Vec<_> = all.iter().filter(|f| f.0 == df).cloned().collect();
    let original = std::fs::read_to_string(ctx.join(df)).expect("the manifest's Dockerfile");
    let before_text = stdin_counts(&original).map_err(|e| vec![format!("{id}: {e}")])?;

    // simulate: the Dockerfile itself changed
    let sim = dockopt(
        &["simulate", "-f", df, "--context", ".", "--changed", df],
        &ctx,
    );
    if let Err(e) = ok("simulate", &sim) {
        errs.push(format!("{id}: {e}"));
    }
    // multistage: converts (exit 1) or leaves it, with its reasons (exit 0)
    let ms = dockopt(&["multistage", "--context", ".", "--stdout", df], &ctx);
    match ms.status.code() {
        Some(1) => {
            let text = String::from_utf8_lossy(&ms.stdout);
            if let Err(e) = dockopt::syntax::parse(&text) {
                errs.push(format!("{id}: multistage output does not parse: {e}"));
            }
            match stdin_counts(&text) {
                Ok(after) => {
                    for c in introduced(&before_text, &after) {
                        errs.push(format!("{id}: multistage introduced {c}"));
                    }
                }
                Err(e) => errs.push(format!("{id}: check after multistage: {e}")),
            }
        }
        Some(0) => {}
        c => errs.push(format!(
            "{id}: multistage exit {c:?}: {}",
            String::from_utf8_lossy(&ms.stderr)
        )),
    }

    // One copy (../shared is read-only); each mode starts from the original text.
    let tmp = tempfile::tempdir().unwrap();
    let copy = tmp.path().join(id);
    copy_tree(&ctx, &copy);
    for (mode, extra) in [("safe", None), ("unsafe", Some("--unsafe-fixes"))] {
        std::fs::write(copy.join(df), &original).unwrap();
        let mut args = vec!["fix", "--context", "."];
        args.extend(extra);
        args.push(df);
        if let Err(e) = ok(&format!("fix ({mode})"), &dockopt(&args, &copy)) {
            errs.push(format!("{id}: {e}"));
            continue;
        }
        let fixed = std::fs::read_to_string(copy.join(df)).unwrap();
        if let Err(e) = dockopt::syntax::parse(&fixed) {
            errs.push(format!("{id}: fix ({mode}) output does not parse: {e}"));
            continue;
        }
        let again = dockopt(&[&["fix", "--check"], &args[1..]].concat(), &copy);
        if again.status.code() != Some(0) {
            errs.push(format!(
                "{id}: fix ({mode}) is not idempotent: {}{}",
                String::from_utf8_lossy(&again.stdout),
                String::from_utf8_lossy(&again.stderr)
            ));
        }
        match findings(&copy, &[df]) {
            Ok(after) => {
                for c in introduced(&counts(&before), &counts(&after)) {
                    errs.push(format!("{id}: fix ({mode}) introduced {c}"));
                }
            }
            Err(e) => errs.push(format!("{id}: check after fix ({mode}): {e}")),
        }
    }
    if errs.is_empty() {
        Ok(all)
    } else {
        Err(errs)
    }
}

#[test]
fn field_contexts() {
    let Some(dir) = field_dir() else {
        eprintln!("../shared/field not present: field tier skipped");
        return;
    };
    let rows = manifest(&dir);
    assert!(!rows.is_empty(), "manifest.tsv lists no context");
    // Two workers: the machine's cores; each context is independent.
    let rows = std::sync::Mutex::new(rows.into_iter());
    let results = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some((id, df)) = rows.lock().unwrap().next() else {
                    break;
                };
                let r = one(&dir, &id, &df);
                results.lock().unwrap().push((id, r));
            });
        }
    });
    let mut results = results.into_inner().unwrap();
    results.sort_by(|a, b| a.0.cmp(&b.0));

    let mut per_rule: BTreeMap<String, (usize, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    let mut failures = Vec::new();
    for (id, r) in &results {
        match r {
            Ok(fs) => {
                for (_, key, _) in fs {
                    let code = key.split(' ').next().unwrap_or("").to_string();
                    let e = per_rule.entry(code).or_default();
                    e.0 += 1;
                    e.1.insert(id.clone());
                }
            }
            Err(es) => failures.extend(es.iter().cloned()),
        }
    }
    let total: usize = per_rule.values().map(|v| v.0).sum();
    println!(
        "field tier: {} contexts, {total} findings (check over each whole context)",
        results.len()
    );
    println!("| rule | findings | contexts |");
    println!("|---|---:|---:|");
    for (code, (n, ids)) in &per_rule {
        println!("| {code} | {n} | {} |", ids.len());
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The precision table in docs/rules.md (src/rules/precision.rs) holds
    // these counts: a rule change that moves them must revisit the table.
    let mut stale = Vec::new();
    for (code, (n, _)) in &per_rule {
        let recorded = dockopt::rules::precision::of(code).map_or(0, |p| p.findings as usize);
        if recorded != *n {
            stale.push(format!(
                "{code}: measured {n}, src/rules/precision.rs says {recorded}"
            ));
        }
    }
    for p in dockopt::rules::precision::FIELD {
        if p.findings > 0 && !per_rule.contains_key(p.code) {
            stale.push(format!(
                "{}: measured 0, src/rules/precision.rs says {}",
                p.code, p.findings
            ));
        }
    }
    assert!(
        stale.is_empty() || results.len() != dockopt::rules::precision::CONTEXTS as usize,
        "the precision table is stale (review the new findings by hand, then update it):\n{}",
        stale.join("\n")
    );
}

/// corpus/ (in the repository, so always run): `fix --stdout` (safe and
/// unsafe) and `multistage --stdout` on every Dockerfile add no finding
/// that `check` did not already report on the original.
#[test]
fn corpus_rewrites_introduce_no_finding() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files = Vec::new();
    for e in std::fs::read_dir(&root).unwrap().flatten() {
        for f in std::fs::read_dir(e.path()).into_iter().flatten().flatten() {
            let name = f.file_name().to_string_lossy().to_string();
            if name.contains("Dockerfile") && f.path().is_file() {
                files.push(f.path());
            }
        }
    }
    files.sort();
    assert!(!files.is_empty());
    let mut errs = Vec::new();
    for df in &files {
        let Ok(text) = std::fs::read_to_string(df) else {
            continue;
        };
        let dir = df.parent().unwrap();
        let name = df.file_name().unwrap().to_str().unwrap();
        let Ok(before) = stdin_counts(&text) else {
            continue; // a file check rejects (the parser's own traps)
        };
        let runs: [(&str, Vec<&str>); 3] = [
            ("fix", vec!["fix", "--stdout", name]),
            (
                "fix --unsafe-fixes",
                vec!["fix", "--stdout", "--unsafe-fixes", name],
            ),
            ("multistage", vec!["multistage", "--stdout", name]),
        ];
        for (what, args) in runs {
            let out = dockopt(&args, dir);
            if !matches!(out.status.code(), Some(0 | 1)) || out.stdout.is_empty() {
                continue; // refusals and inputs fix rejects are other tests' subject
            }
            let after_text = String::from_utf8_lossy(&out.stdout);
            if after_text == text {
                continue;
            }
            match stdin_counts(&after_text) {
                Ok(after) => {
                    for c in introduced(&before, &after) {
                        errs.push(format!("{}: {what} introduced {c}", df.display()));
                    }
                }
                Err(e) => errs.push(format!("{}: check after {what}: {e}", df.display())),
            }
        }
    }
    assert!(errs.is_empty(), "{}", errs.join("\n"));
}

/// `../shared/corpus` (or `$DOCKOPT_SHARED/corpus`) when it holds a manifest.
fn corpus_dir() -> Option<PathBuf> {
    let p = match std::env::var_os("DOCKOPT_SHARED") {
        Some(d) => PathBuf::from(d).join("corpus"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"),
    };
    p.join("manifest.tsv").is_file().then_some(p)
}

/// The shared corpus (about 300 real Dockerfiles, text only, and the compose
/// files beside them) laid out at the paths its manifest gives them in their
/// repositories, so that what a path says (`.devcontainer/`, `test/`,
/// `docker-compose.override.yml`) and what a compose file's `build:` names
/// are as in the real project. The corpus has no build contexts: `check
/// --no-context`, the documented way to check a Dockerfile alone. A compose
/// file several entries share (robot-shop's, for each of its services) is
/// checked once. Counts per rule; fails when they differ from the corpus
/// table of src/rules/precision.rs (docs/rules.md), like the field tier.
#[test]
fn shared_corpus_precision_counts() {
    let Some(dir) = corpus_dir() else {
        eprintln!("../shared/corpus not present: corpus counts skipped");
        return;
    };
    let text = std::fs::read_to_string(dir.join("manifest.tsv")).expect("manifest.tsv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or("").split('\t').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (id, repo, path, extra) = (col("id"), col("repo"), col("path"), col("extra_files"));
    let tmp = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = Vec::new();
    let mut seen_compose = std::collections::BTreeSet::new();
    for l in lines.filter(|l| !l.trim().is_empty()) {
        let f: Vec<&str> = l.split('\t').collect();
        let root = tmp
            .path()
            .join(format!("{}-{}", f[id], f[repo].replace('/', "_")));
        let place = |from: &Path, rel: &str| -> Option<PathBuf> {
            let to = root.join(rel);
            std::fs::create_dir_all(to.parent()?).ok()?;
            std::fs::copy(from, &to).ok()?;
            Some(to)
        };
        files.extend(place(&dir.join(f[id]).join("Dockerfile"), f[path]));
        // `name<-path/in/repo;…`: the files the corpus keeps beside it
        for e in f
            .get(extra)
            .unwrap_or(&"")
            .split(';')
            .filter(|e| !e.is_empty())
        {
            let Some((name, rel)) = e.split_once("<-") else {
                continue;
            };
            let src = dir.join(f[id]).join(name);
            let Some(to) = place(&src, rel) else { continue };
            let lower = name.to_ascii_lowercase();
            let compose =
                lower.contains("compose") && (lower.ends_with(".yml") || lower.ends_with(".yaml"));
            if compose && seen_compose.insert(std::fs::read(&src).unwrap_or_default()) {
                files.push(to);
            }
        }
    }
    let mut args = vec![
        "check".to_string(),
        "--no-context".into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let out = Command::new(env!("CARGO_BIN_EXE_dockopt"))
        .args(&args)
        .env("NO_COLOR", "1")
        .output()
        .expect("runs dockopt");
    let stderr = String::from_utf8_lossy(&out.stderr);
    // exit 2: the three manifest entries that are not valid Dockerfiles
    assert!(
        matches!(out.status.code(), Some(0..=2)) && !stderr.contains("panicked"),
        "check: exit {:?}\n{stderr}",
        out.status.code()
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON report");
    let mut per_rule: BTreeMap<String, u32> = BTreeMap::new();
    let mut checked = 0;
    for f in v["files"].as_array().into_iter().flatten() {
        checked += 1;
        for x in f["findings"].as_array().into_iter().flatten() {
            *per_rule.entry(key(x)).or_default() += 1;
        }
    }
    let total: u32 = per_rule.values().sum();
    println!("shared corpus: {checked} files checked, {total} findings (check --no-context)");
    println!("| rule | findings |");
    println!("|---|---:|");
    for (code, n) in &per_rule {
        println!("| {code} | {n} |");
    }
    let mut stale = Vec::new();
    for (code, n) in &per_rule {
        let recorded = dockopt::rules::precision::corpus_of(code).map_or(0, |p| p.findings);
        if recorded != *n {
            stale.push(format!(
                "{code}: measured {n}, src/rules/precision.rs says {recorded}"
            ));
        }
    }
    for p in dockopt::rules::precision::CORPUS {
        if p.findings > 0 && !per_rule.contains_key(p.code) {
            stale.push(format!(
                "{}: measured 0, src/rules/precision.rs says {}",
                p.code, p.findings
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "the corpus precision table is stale (review the new findings by hand, then update it):\n{}",
        stale.join("\n")
    );
}
