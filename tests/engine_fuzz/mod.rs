//! Engine-backed differential fuzzing of `dockopt fix`'s safe fixes (issue 11).
//!
//! A seeded generator (`gen.rs`) draws small Dockerfiles and contexts from the hazard
//! vocabulary; for each, the safe fixes run through the library's public `rewrite::fix_file`
//! (a black box: nothing here knows how the fixes decide); when the text changed, the original
//! and the rewrite are built on the engine and their images compared (`oracle.rs`). A rewrite
//! that does not build, or builds a different image, is a counterexample: printed with its seed
//! and index and saved under `target/fuzz-counterexamples/` as a ready-made regression app.
//!
//!   DOCKOPT_ENGINE=1 cargo test --test engine -- fuzz      this tier alone
//!   DOCKOPT_FUZZ_SEED=N            the seed (default: from the clock; printed either way)
//!   DOCKOPT_FUZZ_CASES=N           exactly N cases, no time box (default: ≥ 300, time-boxed)
//!   DOCKOPT_FUZZ_SECS=S            the time box (default 420 s; never stops below 300 cases
//!                                  unless it is exceeded threefold)
//!   DOCKOPT_FUZZ_ONLY=I            replay case I of the seed only
//!   DOCKOPT_FUZZ_JOBS=J            cases in flight (default 2)
//!   DOCKOPT_FUZZ_SELF_CHECK=1      harness check: each original against itself, uncached
//!
//! Prints `fuzz: N cases, K rewritten, M not equivalent`; `run` returns (1, 0) when M = 0 and
//! (0, M) otherwise, for the engine target's totals.

pub mod case;
pub mod gen;
mod oracle;
pub mod rng;

use oracle::Verdict;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Put on every image the fuzzer builds, so it removes its own dangling images and no others.
pub const LABEL: &str = "dockopt.fuzz=1";
const MIN_CASES: u64 = 300;
const DEFAULT_SECS: u64 = 420;

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/engine_fuzz")
}

fn docker() -> String {
    std::env::var("DOCKER").unwrap_or_else(|_| "/usr/bin/docker".into())
}

/// `DOCKOPT_FUZZ_SELF_CHECK=1`: compare each original with itself rebuilt without cache, to
/// show the stubs and the comparison are deterministic (every case counts as rewritten).
fn self_check() -> bool {
    std::env::var("DOCKOPT_FUZZ_SELF_CHECK").is_ok_and(|v| !v.is_empty() && v != "0")
}

fn env_u64(name: &str) -> Option<u64> {
    let v = std::env::var(name).ok()?;
    let v = v.trim();
    match v.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

/// When the run stops taking new cases.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stop {
    /// Exactly this many.
    Cases(u64),
    /// Until the budget is spent, but at least `min` cases unless 3× the budget is spent.
    Budget { min: u64, budget: Duration },
}

impl Stop {
    pub fn from_env() -> Stop {
        match (env_u64("DOCKOPT_FUZZ_CASES"), env_u64("DOCKOPT_FUZZ_SECS")) {
            (Some(n), None) => Stop::Cases(n),
            (n, secs) => Stop::Budget {
                min: n.unwrap_or(MIN_CASES),
                budget: Duration::from_secs(secs.unwrap_or(DEFAULT_SECS)),
            },
        }
    }

    /// Whether case `index` (0-based) should still be started after `elapsed`.
    pub fn take(&self, index: u64, elapsed: Duration) -> bool {
        match *self {
            Stop::Cases(n) => index < n,
            Stop::Budget { min, budget } => {
                if index < min {
                    elapsed < budget * 3
                } else {
                    elapsed < budget
                }
            }
        }
    }
}

#[derive(Default)]
struct Stats {
    cases: u64,
    unchanged: u64,
    rewritten: u64,
    equivalent: u64,
    invalid: u64,
    fix_errors: u64,
    harness_errors: u64,
    by_code: BTreeMap<String, u64>,
    /// (index, codes, first problem) of each counterexample.
    counter: Vec<(u64, String, String)>,
}

fn prepare_image() -> Result<(), String> {
    let out = Command::new("bash")
        .arg(dir().join("images.sh"))
        .env("DOCKER", docker())
        .output()
        .map_err(|e| format!("images.sh: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "images.sh failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

fn save_counterexample(
    seed: u64,
    index: u64,
    case: &case::Case,
    fixed: &str,
    report: &str,
) -> Option<PathBuf> {
    let base = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("target/fuzz-counterexamples")
        .join(format!("{seed}-{index}"));
    let _ = std::fs::remove_dir_all(&base);
    let app = base.join("app");
    std::fs::create_dir_all(&app).ok()?;
    case.write_to(&app).ok()?;
    std::fs::write(base.join("fixed.Dockerfile"), fixed).ok()?;
    std::fs::write(base.join("report.txt"), report).ok()?;
    Some(base)
}

fn indent(s: &str) -> String {
    s.lines().map(|l| format!("    {l}\n")).collect::<String>()
}

fn report(
    seed: u64,
    index: u64,
    case: &case::Case,
    fixed: &str,
    codes: &[String],
    problems: &[String],
) -> String {
    let mut p = problems.to_vec();
    let more = p.len().saturating_sub(15);
    p.truncate(15);
    let mut s = format!(
        "NOT EQUIVALENT: seed {seed} case {index}, fixes {} (replay: DOCKOPT_FUZZ_SEED={seed} DOCKOPT_FUZZ_ONLY={index})\n  original:\n{}  fixed:\n{}  context:\n{}  differences:\n{}",
        codes.join(","),
        indent(&case.dockerfile),
        indent(fixed),
        indent(&case.listing()),
        indent(&p.join("\n")),
    );
    if more > 0 {
        s.push_str(&format!("    … and {more} more\n"));
    }
    s
}

fn one(seed: u64, index: u64, worker: usize, stats: &Mutex<Stats>) {
    let case = gen::generate(seed, index);
    let tag = tag_prefix(worker);
    let attempt = || {
        tempfile::Builder::new()
            .prefix("dockopt-fuzz-")
            .tempdir()
            .map_err(|e| e.to_string())
            .and_then(|t| oracle::check(&case, t.path(), &tag, self_check()))
    };
    // The engine is shared and may restart under us: a failure is only a verdict if the engine
    // answers, and a counterexample only if it reproduces (the second time from cache, cheap).
    let mut verdict = attempt();
    let mut retries = 0;
    loop {
        let suspect = match &verdict {
            Err(_) | Ok(Verdict::Invalid(_)) => !crate::engine_equiv::engine_available(),
            Ok(Verdict::NotEquivalent { .. }) => retries == 0,
            _ => false,
        };
        if !suspect || retries == 3 {
            break;
        }
        retries += 1;
        wait_for_engine(Duration::from_secs(300));
        verdict = attempt();
    }
    let mut st = stats.lock().unwrap_or_else(|e| e.into_inner());
    st.cases += 1;
    let count_codes = |st: &mut Stats, codes: &[String]| {
        st.rewritten += 1;
        for c in codes {
            *st.by_code.entry(c.clone()).or_insert(0) += 1;
        }
    };
    match verdict {
        Ok(Verdict::Unchanged) => st.unchanged += 1,
        Ok(Verdict::FixError(e)) => {
            st.fix_errors += 1;
            if std::env::var_os("DOCKOPT_FUZZ_VERBOSE").is_some() {
                println!("fuzz: case {index}: fix refused: {e}");
            }
        }
        Ok(Verdict::Invalid(e)) => {
            st.invalid += 1;
            if std::env::var_os("DOCKOPT_FUZZ_VERBOSE").is_some() {
                println!(
                    "fuzz: case {index}: original does not build:\n{}{}",
                    indent(&case.dockerfile),
                    indent(&e)
                );
            }
        }
        Ok(Verdict::Equivalent { codes, .. }) => {
            count_codes(&mut st, &codes);
            st.equivalent += 1;
        }
        Ok(Verdict::NotEquivalent {
            fixed,
            codes,
            problems,
        }) => {
            count_codes(&mut st, &codes);
            let text = report(seed, index, &case, &fixed, &codes, &problems);
            let saved = save_counterexample(seed, index, &case, &fixed, &text);
            if st.counter.len() < 10 || std::env::var_os("DOCKOPT_FUZZ_VERBOSE").is_some() {
                print!("{text}");
                if let Some(p) = saved {
                    println!("  saved: {}", p.display());
                }
            }
            let first = problems.first().cloned().unwrap_or_default();
            let first = first.lines().next().unwrap_or_default().to_string();
            st.counter.push((index, codes.join(","), first));
        }
        Err(e) => {
            // A harness failure (docker export, temp dirs, the engine gone), not a verdict.
            st.harness_errors += 1;
            println!("fuzz: case {index}: harness error: {e}");
        }
    }
}

/// The tags of one worker, unique to this process: two runs side by side (CI and a developer,
/// or a long run and a replay) must never compare each other's images.
fn tag_prefix(worker: usize) -> String {
    format!("dockopt-fuzz/case:p{}-w{worker}", std::process::id())
}

fn wait_for_engine(limit: Duration) {
    let t = Instant::now();
    while !crate::engine_equiv::engine_available() && t.elapsed() < limit {
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// Removes the tags this run made and the images it left dangling (by label: only ours).
fn cleanup(jobs: usize) {
    for w in 0..jobs {
        for v in ["orig", "fixed"] {
            let _ = Command::new(docker())
                .args(["rmi", "-f", &format!("{}-{v}", tag_prefix(w))])
                .output();
        }
    }
    let _ = Command::new(docker())
        .args([
            "image",
            "prune",
            "-f",
            "--filter",
            &format!("label={LABEL}"),
        ])
        .output();
}

pub fn run(filters: &[String]) -> (usize, usize) {
    if !filters.is_empty() && !filters.iter().any(|f| "fuzz".contains(f.as_str())) {
        return (0, 0);
    }
    if !crate::engine_equiv::engine_available() {
        println!("fuzz: no docker engine: skipped");
        return (0, 0);
    }
    if let Err(e) = prepare_image() {
        println!("FAIL fuzz: {e}");
        return (0, 1);
    }
    let seed = env_u64("DOCKOPT_FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or(0)
    });
    let only = env_u64("DOCKOPT_FUZZ_ONLY");
    let stop = Stop::from_env();
    let jobs = env_u64("DOCKOPT_FUZZ_JOBS").unwrap_or(2).max(1) as usize;
    println!("fuzz: seed {seed} ({stop:?}, {jobs} jobs; replay with DOCKOPT_FUZZ_SEED={seed})");
    let stats = Mutex::new(Stats::default());
    let start = Instant::now();
    if let Some(i) = only {
        one(seed, i, 0, &stats);
    } else {
        let next = AtomicU64::new(0);
        std::thread::scope(|s| {
            for w in 0..jobs {
                let (next, stats) = (&next, &stats);
                s.spawn(move || loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if !stop.take(i, start.elapsed()) {
                        break;
                    }
                    one(seed, i, w, stats);
                    if i > 0 && i % 100 == 0 {
                        println!(
                            "fuzz: {i} cases after {:.0}s",
                            start.elapsed().as_secs_f64()
                        );
                    }
                });
            }
        });
    }
    cleanup(jobs);
    let secs = start.elapsed().as_secs_f64();
    let st = stats.into_inner().unwrap_or_else(|e| e.into_inner());
    let m = st.counter.len() as u64;
    println!(
        "fuzz: {} cases, {} rewritten, {} not equivalent",
        st.cases, st.rewritten, m
    );
    let codes: Vec<String> = st
        .by_code
        .iter()
        .map(|(c, n)| format!("{c} ×{n}"))
        .collect();
    println!(
        "fuzz: {} unchanged, {} equivalent, {} invalid (original does not build), {} fix errors, {} harness errors; fixes applied: {}; {:.0}s, {:.0} cases/min; seed {seed}",
        st.unchanged,
        st.equivalent,
        st.invalid,
        st.fix_errors,
        st.harness_errors,
        if codes.is_empty() { "none".into() } else { codes.join(", ") },
        secs,
        st.cases as f64 * 60.0 / secs.max(1e-9)
    );
    if let Stop::Budget { min, .. } = stop {
        if only.is_none() && st.cases < min {
            println!("fuzz: stopped below {min} cases: the time box was exceeded threefold");
        }
    }
    for (i, codes, first) in &st.counter {
        println!("fuzz: counterexample seed {seed} case {i} [{codes}]: {first}");
    }
    if st.harness_errors > st.cases / 10 {
        println!(
            "FAIL fuzz: {} harness errors: the engine was unreliable",
            st.harness_errors
        );
        return (0, 1 + m as usize);
    }
    if m == 0 {
        (1, 0)
    } else {
        (0, m as usize)
    }
}

#[cfg(test)]
mod tests {
    use super::Stop;
    use std::time::Duration;

    #[test]
    fn stop_rules() {
        let s = Stop::Cases(5);
        assert!(s.take(4, Duration::from_secs(10_000)));
        assert!(!s.take(5, Duration::ZERO));
        let b = Stop::Budget {
            min: 300,
            budget: Duration::from_secs(100),
        };
        assert!(b.take(10, Duration::from_secs(150)), "below the minimum");
        assert!(!b.take(10, Duration::from_secs(301)), "hugely over budget");
        assert!(b.take(400, Duration::from_secs(99)));
        assert!(!b.take(400, Duration::from_secs(100)));
    }
}
