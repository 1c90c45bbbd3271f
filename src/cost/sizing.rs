//! `--registry`: the packages a change adds, sized by their registries, for one change
//! (`estimate`) or each commit of a history (`estimate --history`). What a package is and how
//! a registry is asked belongs to `crate::ecosystem`; which packages a change adds, and what
//! the estimate then knows, to the cost model (here); the CLI only renders the result.

use super::heuristic::listed_packages;
use super::packages::{PackageCounts, PackageSizes};
use crate::cache::BuildInput;
use crate::ecosystem::pip::{python_target, PyTarget};
use crate::ecosystem::registry::{Dep, Kind, Registries, Sized};
use crate::model::Base;
use serde::Serialize;

/// A package that could not be sized (its install is costed by the package count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotSized {
    pub registry: Kind,
    pub name: String,
    pub version: Option<String>,
    pub error: String,
}

/// What `--registry` found for one change.
#[derive(Debug, Clone, Default)]
pub struct Sizing {
    /// For the estimate (`Calibration::sizes`).
    pub sizes: PackageSizes,
    pub sized: Vec<Sized>,
    pub not_sized: Vec<NotSized>,
    /// What was sized and from where, or why not, one line each.
    pub notes: Vec<String>,
}

impl Sizing {
    /// The JSON `registry` object: `{"sized": [...], "not_sized": [...]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({"sized": self.sized, "not_sized": self.not_sized})
    }
}

/// The interpreter a wheel must fit: the first `python:X.Y` base image of the build, else
/// what the last stage's image says (musl for Alpine).
pub fn py_target(b: &BuildInput) -> PyTarget {
    let images: Vec<&str> = b
        .model
        .stages
        .iter()
        .filter_map(|s| match &s.base {
            Base::Image(i) => Some(i.as_str()),
            _ => None,
        })
        .collect();
    images
        .iter()
        .map(|i| python_target(i))
        .find(|t| t.cpython.is_some())
        .or_else(|| images.last().map(|i| python_target(i)))
        .unwrap_or_default()
}

/// The packages the change from `before` to `after` adds: to a requirements file or
/// `package.json` at the same path on both sides (`counts` must have read both), and to an
/// install's command line (a Dockerfile edit). Each once, by registry and name.
pub fn added(before: &BuildInput, after: &BuildInput, counts: &PackageCounts) -> Vec<Dep> {
    let pairs: Vec<(&str, &str)> = after
        .context
        .entries()
        .filter_map(|(path, e)| {
            let b = before.context.get(path)?;
            (b.digest != e.digest).then_some((b.digest.as_str(), e.digest.as_str()))
        })
        .collect();
    let mut added: Vec<Dep> = counts.added_between(pairs).into_iter().cloned().collect();
    let listed = |b: &BuildInput| -> Vec<Dep> {
        b.model
            .steps
            .iter()
            .filter_map(|s| s.op.as_ref())
            .flat_map(|op| listed_packages(op, &b.context))
            .collect()
    };
    let was = listed(before);
    for d in listed(after) {
        let same = |o: &Dep| o.kind == d.kind && o.name == d.name;
        if !was.iter().any(same) && !added.iter().any(same) {
            added.push(d);
        }
    }
    added
}

/// Sizes what the change adds ([`added`]) from `registries` (asked for the interpreter of
/// `after`'s base images). Never fails: a package that cannot be sized is listed in
/// `not_sized` with why, and its install keeps the package count.
pub fn size_added(
    before: &BuildInput,
    after: &BuildInput,
    counts: &PackageCounts,
    registries: &mut Registries,
) -> Sizing {
    let mut out = Sizing::default();
    let added = added(before, after, counts);
    if added.is_empty() {
        out.notes.push("--registry: no package added to a requirements file, package.json or an install's command line (a --changed file's new content is unknown); nothing was looked up".into());
        return out;
    }
    registries.set_target(py_target(after));
    for d in added {
        let at = d
            .version
            .as_deref()
            .map(|v| format!(" {v}"))
            .unwrap_or_default();
        match registries.size(&d) {
            Ok(s) => {
                out.notes.push(format!(
                    "--registry: {}{at} sized from {}: {} ({:.1} MB), {}{}",
                    d.name,
                    d.kind.registry(),
                    s.file.file,
                    s.file.bytes as f64 / 1e6,
                    s.source,
                    if s.cached { " (cached)" } else { "" }
                ));
                out.sized.push(s.clone());
                out.sizes.insert(s);
            }
            Err(e) => {
                out.notes.push(format!(
                    "--registry: {}{at} not sized ({e}); its install is costed by the package count",
                    d.name
                ));
                out.not_sized.push(NotSized {
                    registry: d.kind,
                    name: d.name,
                    version: d.version,
                    error: e.to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change;
    use crate::model::BuildOptions;
    use std::path::Path;
    use std::time::Duration;

    fn input(dir: &Path, df: &str, files: &[(&str, &str)]) -> BuildInput {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join("Dockerfile"), df).unwrap();
        for (p, t) in files {
            std::fs::write(dir.join(p), t).unwrap();
        }
        change::load_build_as(
            dir,
            &dir.join("Dockerfile"),
            None,
            &BuildOptions::default(),
            None,
        )
        .unwrap()
    }

    #[test]
    fn the_interpreter_is_the_first_python_base() {
        let d = tempfile::tempdir().unwrap();
        let b = input(
            d.path(),
            "FROM node:18 AS web\nFROM python:3.11-slim-bookworm\nFROM debian:bookworm\n",
            &[],
        );
        assert_eq!(py_target(&b), python_target("python:3.11-slim-bookworm"));
        let a = input(
            &d.path().join("alpine"),
            "FROM golang:1.22 AS b\nFROM alpine:3.19\n",
            &[],
        );
        assert_eq!(py_target(&a), python_target("alpine:3.19"));
    }

    #[test]
    fn added_packages_come_from_manifests_and_command_lines_once_each() {
        let d = tempfile::tempdir().unwrap();
        let df = |extra: &str| {
            format!("FROM python:3.11\nCOPY . .\nRUN pip install -r requirements.txt\nRUN pip install six {extra}\n")
        };
        let b = input(
            &d.path().join("b"),
            &df(""),
            &[("requirements.txt", "bottle==0.12.25\n")],
        );
        let a = input(
            &d.path().join("a"),
            &df("numpy==1.26.4 six"),
            &[(
                "requirements.txt",
                "bottle==0.12.25\nnumpy==1.26.4\nattrs\n",
            )],
        );
        let mut counts = PackageCounts::scan(&d.path().join("b"), &b.context);
        counts.merge(&PackageCounts::scan(&d.path().join("a"), &a.context));
        let names: Vec<(String, Option<String>)> = added(&b, &a, &counts)
            .into_iter()
            .map(|d| (d.name, d.version))
            .collect();
        assert_eq!(
            names,
            [
                ("numpy".to_string(), Some("1.26.4".to_string())),
                ("attrs".to_string(), None)
            ]
        );
        // Nothing answers and nothing is cached: each is listed with why, and noted.
        let closed = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/pypi", l.local_addr().unwrap())
        };
        let mut reg = Registries::new(
            closed.clone(),
            closed,
            None,
            PyTarget::default(),
            Duration::from_secs(2),
        );
        let s = size_added(&b, &a, &counts, &mut reg);
        assert!(s.sizes.is_empty() && s.sized.is_empty());
        assert_eq!(s.not_sized.len(), 2);
        assert!(s.not_sized[0].error.contains("PyPI unreachable"), "{s:?}");
        assert!(s.notes[0].starts_with("--registry: numpy 1.26.4 not sized"));
        assert_eq!(s.to_json()["not_sized"][1]["name"], "attrs");
        // No change: nothing looked up, and a note says so.
        let same = size_added(&b, &b, &counts, &mut reg);
        assert!(same.not_sized.is_empty() && same.notes[0].contains("nothing was looked up"));
    }
}
