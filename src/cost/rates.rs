//! Rates learned from real builds on this machine (issue #17): seconds per package for each
//! installer (and, pooled, each ecosystem), seconds per step for command classes without a
//! count (`go build`, `apt-get update`), and the per-build overhead. `dockopt profile record`
//! derives them from a log and the Dockerfile it built; sums (not averages) are stored so
//! profiles of several builds pool exactly. The heuristics use a learned figure where one
//! exists and the documented default otherwise.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Observed totals for one key.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    /// Seconds spent (summed over the observations).
    pub seconds: f64,
    /// Packages installed (for per-package keys), else steps.
    pub count: f64,
    /// Observations pooled.
    pub steps: u64,
}

impl Sample {
    fn add(&mut self, o: &Sample) {
        self.seconds += o.seconds;
        self.count += o.count;
        self.steps += o.steps;
    }

    pub fn rate(&self) -> Option<f64> {
        (self.count > 0.0).then(|| self.seconds / self.count)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rates {
    /// `pip`, `npm`, `apt`… and the ecosystems `python`, `node`…: seconds per package.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub packages: BTreeMap<String, Sample>,
    /// Command classes without a count (`go build`, `apt-get update`): seconds per step.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub classes: BTreeMap<String, Sample>,
    /// Per-build overhead (loading the definition and context): seconds per build.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overhead: Option<Sample>,
    /// Layer export: seconds of `exporting to image` per second the exported stage's steps
    /// ran (`count`), the step time standing in for the unknown layer sizes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub export: Option<Sample>,
    /// Seconds per megabyte a registry says a package is (`pypi`: the wheel or sdist pip
    /// fetches), from installs that printed their files' sizes (pip's `Downloading x.whl
    /// (18.3 MB)`): what a package sized by `estimate --registry` costs beyond an average one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub per_mb: BTreeMap<String, Sample>,
}

impl Rates {
    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
            && self.classes.is_empty()
            && self.overhead.is_none()
            && self.export.is_none()
            && self.per_mb.is_empty()
    }

    pub fn merge(&mut self, o: &Rates) {
        for (k, s) in &o.packages {
            self.packages.entry(k.clone()).or_default().add(s);
        }
        for (k, s) in &o.classes {
            self.classes.entry(k.clone()).or_default().add(s);
        }
        if let Some(s) = &o.overhead {
            self.overhead.get_or_insert_with(Sample::default).add(s);
        }
        if let Some(s) = &o.export {
            self.export.get_or_insert_with(Sample::default).add(s);
        }
        for (k, s) in &o.per_mb {
            self.per_mb.entry(k.clone()).or_default().add(s);
        }
    }

    /// Seconds per megabyte of what registry `key` (`pypi`) sizes, when learned.
    pub fn per_mb(&self, key: &str) -> Option<f64> {
        self.per_mb.get(key).and_then(Sample::rate)
    }

    pub fn learn_per_mb(&mut self, key: &str, seconds: f64, mb: f64) {
        self.per_mb
            .entry(key.to_string())
            .or_default()
            .add(&Sample {
                seconds,
                count: mb,
                steps: 1,
            });
    }

    /// Seconds per package for installer `tool` of `ecosystem`: the tool's own rate, else the
    /// ecosystem's pooled one.
    pub fn per_package(&self, tool: &str, ecosystem: &str) -> Option<f64> {
        self.packages
            .get(tool)
            .and_then(Sample::rate)
            .or_else(|| self.packages.get(ecosystem).and_then(Sample::rate))
    }

    pub fn class(&self, key: &str) -> Option<f64> {
        self.classes.get(key).and_then(Sample::rate)
    }

    pub fn overhead(&self) -> Option<f64> {
        self.overhead.as_ref().and_then(Sample::rate)
    }

    /// Export seconds per second of exported steps.
    pub fn export(&self) -> Option<f64> {
        self.export.as_ref().and_then(Sample::rate)
    }

    /// One build's export: `export` seconds for layers whose steps ran `step_seconds`. Builds
    /// whose exported steps ran under a second teach nothing (the export is then its fixed
    /// naming cost, not layers).
    pub fn learn_export(&mut self, export: f64, step_seconds: f64) {
        if step_seconds < 1.0 {
            return;
        }
        self.export
            .get_or_insert_with(Sample::default)
            .add(&Sample {
                seconds: export,
                count: step_seconds,
                steps: 1,
            });
    }

    /// What a build log teaches on its own: its fixed overhead and its export rate.
    pub fn learn_log(&mut self, log: &super::log::BuildLog) {
        self.learn_overhead(log.fixed_overhead());
        self.learn_export(log.export_seconds(), log.final_stage_seconds());
        // pip's unpack-and-write phase per megabyte of the wheels it installed.
        for step in &log.steps {
            if let Some((secs, mb)) = crate::ecosystem::install_log::read(&step.output)
                .filter(|l| l.tool == "pip")
                .and_then(|l| l.per_mb())
            {
                self.learn_per_mb("pypi", secs, mb);
            }
        }
    }

    pub fn learn_packages(&mut self, tool: &str, ecosystem: &str, seconds: f64, packages: u64) {
        let s = Sample {
            seconds,
            count: packages as f64,
            steps: 1,
        };
        self.packages.entry(tool.to_string()).or_default().add(&s);
        if ecosystem != tool {
            self.packages
                .entry(ecosystem.to_string())
                .or_default()
                .add(&s);
        }
    }

    pub fn learn_class(&mut self, key: &str, seconds: f64) {
        self.classes
            .entry(key.to_string())
            .or_default()
            .add(&Sample {
                seconds,
                count: 1.0,
                steps: 1,
            });
    }

    pub fn learn_overhead(&mut self, seconds: f64) {
        self.overhead
            .get_or_insert_with(Sample::default)
            .add(&Sample {
                seconds,
                count: 1.0,
                steps: 1,
            });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pooled_sums_and_fallback_to_the_ecosystem() {
        let mut a = Rates::default();
        a.learn_packages("pip", "python", 10.0, 5);
        let mut b = Rates::default();
        b.learn_packages("uv", "python", 2.0, 5);
        b.learn_class("go build", 4.0);
        b.learn_overhead(0.3);
        a.merge(&b);
        assert_eq!(a.per_package("pip", "python"), Some(2.0));
        assert_eq!(a.per_package("poetry", "python"), Some(1.2));
        assert_eq!(a.per_package("npm", "node"), None);
        assert_eq!(a.class("go build"), Some(4.0));
        assert_eq!(a.overhead(), Some(0.3));
        // Export: pooled seconds per exported step-second; a sub-second build teaches nothing.
        a.learn_export(6.0, 60.0);
        b.learn_export(0.5, 0.4);
        let mut c = Rates::default();
        c.learn_export(1.0, 40.0);
        a.merge(&b);
        a.merge(&c);
        assert_eq!(a.export(), Some(0.07));
        a.learn_per_mb("pypi", 2.0, 10.0);
        c.learn_per_mb("pypi", 1.0, 20.0);
        a.merge(&c);
        assert_eq!(a.per_mb("pypi"), Some(0.1));
        assert_eq!(a.per_mb("npm"), None);
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Rates>(&json).unwrap(), a);
    }
}
