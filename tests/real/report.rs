//! The tier's figures and verdict: equivalence per app (with the excused differences), real
//! sizes before/after the multistage rewrite, rebuild costs with Spearman's rho and the
//! median relative error, failures last.

use crate::cost::Row;
use crate::excuses::{Excuses, EXCUSES};
use crate::runtime::Sizes;

#[derive(Default)]
pub struct Report {
    /// A scratch report (the self-test's) records verdicts without printing them.
    pub quiet: bool,
    failures: Vec<(String, String, String)>,
    equiv: Vec<(String, String, usize)>,
    sizes: Vec<(String, Sizes)>,
    pub costs: Vec<Row>,
    times: Vec<(String, f64)>,
    phases: Vec<(&'static str, f64)>,
}

pub fn print_excuses(e: &Excuses) {
    println!("excused nondeterminism (observed in this run's baselines):");
    for (i, (app, example)) in &e.observed {
        println!("  {:<38} {}", EXCUSES[*i].0, EXCUSES[*i].1);
        println!("      evidence ({app}): {example:.160}");
    }
}

impl Report {
    pub fn fail(&mut self, app: &str, what: &str, msg: &str) {
        if !self.quiet {
            println!("FAIL  {app} ({what}): {}", msg.replace('\n', "\n      "));
        }
        self.failures
            .push((app.to_string(), what.to_string(), msg.to_string()));
    }

    pub fn quiet() -> Report {
        Report {
            quiet: true,
            ..Report::default()
        }
    }

    pub fn failed(&self) -> bool {
        !self.failures.is_empty()
    }

    /// The tier's verdict on a safe fix, from `equiv::fixed` (the self-test's wrong rewrite
    /// goes through this same verdict).
    pub fn fix_verdict(
        &mut self,
        app: &str,
        fixes: &str,
        judged: Result<(usize, Vec<String>), String>,
    ) {
        match judged {
            Ok((excused, bad)) if bad.is_empty() => self.equiv(app, fixes, excused),
            Ok((_, bad)) => self.fail(
                app,
                "equivalence",
                &format!(
                    "the fixed image differs:\n{}",
                    bad.iter().take(15).cloned().collect::<Vec<_>>().join("\n")
                ),
            ),
            Err(e) => self.fail(app, "fixed build", &e),
        }
    }

    pub fn equiv(&mut self, app: &str, fixes: &str, excused: usize) {
        if !self.quiet {
            println!(
                "ok    {app}: fixed image equivalent ({fixes}; {excused} excused differences)"
            );
        }
        self.equiv
            .push((app.to_string(), fixes.to_string(), excused));
    }

    pub fn sizes(&mut self, app: &str, s: Sizes) {
        match s.runtime_mb {
            Some(r) => println!(
                "ok    {app}: multistage runtime answers its probe; {:.0} MB -> {r:.0} MB",
                s.original_mb
            ),
            None => println!(
                "ok    {app}: original answers its probe ({:.0} MB); {}",
                s.original_mb, s.note
            ),
        }
        self.sizes.push((app.to_string(), s));
    }

    /// Adds the time since `since` to a phase of the tier; returns now, for the next phase.
    pub fn phase(&mut self, name: &'static str, since: std::time::Instant) -> std::time::Instant {
        let secs = since.elapsed().as_secs_f64();
        match self.phases.iter_mut().find(|(p, _)| *p == name) {
            Some((_, s)) => *s += secs,
            None => self.phases.push((name, secs)),
        }
        std::time::Instant::now()
    }

    /// Adds to the app's seconds (original build, baseline, and the rest are timed apart).
    pub fn time(&mut self, app: &str, secs: f64) {
        match self.times.iter_mut().find(|(a, _)| a == app) {
            Some((_, s)) => *s += secs,
            None => self.times.push((app.to_string(), secs)),
        }
    }

    /// Prints everything; returns whether the tier failed.
    pub fn print(&mut self, total: f64) -> bool {
        println!("\n==== real tier: equivalence of the safe fix");
        for (a, f, x) in &self.equiv {
            println!("  {a:<18} {f:<40} excused differences: {x}");
        }
        println!("\n==== real tier: image sizes (original -> multistage runtime)");
        for (a, s) in &self.sizes {
            match s.runtime_mb {
                Some(r) => println!(
                    "  {a:<18} {:>6.0} MB -> {r:>6.0} MB  (-{:.0}%)",
                    s.original_mb,
                    100.0 * (1.0 - r / s.original_mb)
                ),
                None => println!("  {a:<18} {:>6.0} MB    {}", s.original_mb, s.note),
            }
        }
        println!("\n==== real tier: rebuild costs (seconds the engine spent: steps + per-build vertices)");
        for (what, msg) in crate::cost::summary(&self.costs) {
            self.failures.push((what, "cost".into(), msg));
        }
        println!("\n==== real tier: seconds per app");
        for (a, s) in &self.times {
            println!("  {a:<18} {s:>6.0}");
        }
        println!("  total {total:.0}s");
        println!("\n==== real tier: seconds per phase");
        for (p, s) in &self.phases {
            println!("  {p:<20} {s:>6.0}");
        }
        if self.failures.is_empty() {
            println!(
                "real tier: {} apps equivalent, {} runtimes probed, {} changes measured: PASSED",
                self.equiv.len(),
                self.sizes.len(),
                self.costs.len()
            );
            false
        } else {
            println!("real tier: {} FAILURES:", self.failures.len());
            // Each failure with what differed (its first lines), so a CI log's last screen
            // says why without scrolling back to the FAIL line.
            for (a, w, m) in &self.failures {
                let mut lines = m.lines();
                println!("  {a} ({w}): {}", lines.next().unwrap_or(""));
                for l in lines.by_ref().take(4) {
                    println!("      {l:.200}");
                }
                if lines.next().is_some() {
                    println!("      … (the FAIL line above has the rest)");
                }
            }
            true
        }
    }
}
