//! The field tier: every real build context of `../shared/field/` (public
//! projects, listed in its manifest.tsv) through `check`, `fix` (safe and
//! `--unsafe-fixes`, on a temporary copy), `simulate` and `multistage`, as a
//! new user would run them. Runs with plain `cargo test` (and so `.ci/run`)
//! when the folder exists; skips silently otherwise.
//!
//! What must hold on each context: no crash, exit ≤ 1; every fixed
//! Dockerfile re-parses, a second `fix` changes nothing, and `check` on it
//! fires no rule more often than on the original (no rule it does not, after
//! DO207's split, which repeats instructions), and on `multistage`'s output
//! no rule the original does not (a rewrite must not introduce what
//! check flags; `shared_corpus_fixes_introduce_no_finding` holds fix to the
//! same over the shared corpus). It prints the findings per
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

/// How often each rule fires, for "what is new" comparisons (lines move).
fn counts(f: &[(String, String, u64)]) -> BTreeMap<String, usize> {
    let mut m = BTreeMap::new();
    for (_, k, _) in f {
        *m.entry(k.clone()).or_insert(0) += 1;
    }
    m
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

/// The rules `after` reports more often than `before`, with both counts: a
/// fix moves and merges instructions but never repeats one, so a rule the
/// original already triggers must not fire once more on the fixed file (a
/// DO102 move that puts a RUN right after another one adds a DO208 where
/// the file had some already).
fn grown(before: &BTreeMap<String, usize>, after: &BTreeMap<String, usize>) -> Vec<String> {
    after
        .iter()
        .filter_map(|(k, &n)| {
            let was = before.get(k).copied().unwrap_or(0);
            (n > was).then(|| format!("{k} ({was} -> {n})"))
        })
        .collect()
}

/// Runs every command on one context; returns its findings or the failures.
fn one(dir: &Path, id: &str, df: &str) -> Result<Vec<(String, String, u64)>, Vec<String>> {
    let ctx = dir.join(id);
    let mut errs = Vec::new();
    // The manifest's context is the build context of every Dockerfile in it
    // (a service Dockerfile built from the repository root), as for `fix`.
    let all = findings(&ctx, &["--context", ".", "."]).map_err(|e| vec![format!("{id}: {e}")])?;
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
        let run = dockopt(&args, &copy);
        if let Err(e) = ok(&format!("fix ({mode})"), &run) {
            errs.push(format!("{id}: {e}"));
            continue;
        }
        // DO207's split (unsafe) repeats the runtime's instructions in a
        // new stage, and with them their findings: compared by rule, as
        // multistage's output is; every other rewrite by count.
        let split = String::from_utf8_lossy(&run.stderr).contains(" DO207 ");
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
        match findings(&copy, &["--context", ".", df]) {
            Ok(after) => {
                let new = if split {
                    introduced(&counts(&before), &counts(&after))
                } else {
                    grown(&counts(&before), &counts(&after))
                };
                for c in new {
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
    let measured: BTreeMap<String, u32> = per_rule
        .iter()
        .map(|(code, (n, _))| (code.clone(), *n as u32))
        .collect();
    let recorded = dockopt::rules::precision::FIELD
        .iter()
        .map(|p| (p.code, p.findings));
    let stale = stale_counts(&measured, recorded);
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
    let recorded = dockopt::rules::precision::CORPUS
        .iter()
        .map(|p| (p.code, p.findings));
    let stale = stale_counts(&per_rule, recorded);
    assert!(
        stale.is_empty(),
        "the corpus precision table is stale (review the new findings by hand, then update it):\n{}",
        stale.join("\n")
    );
}

/// Where the findings measured per rule differ from a precision table's
/// (`src/rules/precision.rs`): a rule missing from the table counts 0.
fn stale_counts<'a>(
    measured: &BTreeMap<String, u32>,
    recorded: impl Iterator<Item = (&'a str, u32)>,
) -> Vec<String> {
    let recorded: BTreeMap<&str, u32> = recorded.collect();
    let mut codes: std::collections::BTreeSet<&str> = measured.keys().map(String::as_str).collect();
    codes.extend(recorded.iter().filter(|(_, n)| **n > 0).map(|(c, _)| *c));
    codes
        .into_iter()
        .filter_map(|code| {
            let n = measured.get(code).copied().unwrap_or(0);
            let r = recorded.get(code).copied().unwrap_or(0);
            (n != r).then(|| format!("{code}: measured {n}, src/rules/precision.rs says {r}"))
        })
        .collect()
}

/// A rewrite must not introduce what check flags, over the shared corpus
/// too (text only: `check --no-context` on the original and on each fix
/// output, safe and `--unsafe-fixes`): no rule fires more often on the fixed
/// file. DO102's move on laradock/openresty once put a RUN right after
/// another one, a DO208 the field contexts' comparison (then by rule, not
/// by count) could not see.
#[test]
fn shared_corpus_fixes_introduce_no_finding() {
    use dockopt::rules::engine::{check_dockerfile, CheckOptions};
    let Some(dir) = corpus_dir() else {
        eprintln!("../shared/corpus not present: skipped");
        return;
    };
    let opts = CheckOptions {
        label: Some(dockopt::rewrite::label),
        measure_context: false,
        extras: false,
        context: None,
    };
    let settings = dockopt::rules::config::Settings::default();
    let by_code = |path: &Path, text: &str| -> BTreeMap<String, usize> {
        let name = path.display().to_string();
        let r = check_dockerfile(path, &name, text, &settings, &opts);
        let mut m = BTreeMap::new();
        for f in &r.findings {
            *m.entry(f.code.to_string()).or_insert(0) += 1;
        }
        m
    };
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("the corpus folder")
        .flatten()
        .map(|e| e.path().join("Dockerfile"))
        .filter(|p| p.is_file())
        .collect();
    entries.sort();
    let mut failures = Vec::new();
    let mut fixed = 0;
    for df in &entries {
        let Ok(text) = std::fs::read_to_string(df) else {
            continue;
        };
        let before = by_code(df, &text);
        for unsafe_fixes in [false, true] {
            let s = dockopt::rewrite::Settings {
                unsafe_fixes,
                ..dockopt::rewrite::Settings::default()
            };
            let Ok(out) = dockopt::rewrite::fix_file(&text, df, None, &s) else {
                continue;
            };
            if out.output == text {
                continue;
            }
            fixed += 1;
            // DO207's split repeats instructions in a new stage: by rule.
            let after = by_code(df, &out.output);
            let split = out.applied.iter().any(|a| a.code == "DO207");
            let new = if split {
                introduced(&before, &after)
            } else {
                grown(&before, &after)
            };
            for c in new {
                failures.push(format!(
                    "{} (unsafe {unsafe_fixes}): fix introduced {c}",
                    df.display()
                ));
            }
        }
    }
    println!(
        "shared corpus: {} files, {fixed} fix outputs checked",
        entries.len()
    );
    assert!(
        fixed > 50,
        "too few fixed files ({fixed}): the test proves little"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
