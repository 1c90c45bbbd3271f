//! The differences two `--no-cache` builds of the *same* Dockerfile already show on a real
//! toolchain. A fix is excused a difference only when its path matches one of these AND the
//! baseline builds of this run observed that excuse (the evidence is printed); anything else
//! fails the tier. README "Real toolchains" lists them.

use globset::{Glob, GlobMatcher};
use std::collections::BTreeMap;

/// (glob on the image path without its leading `/`, why it differs between identical builds)
pub const EXCUSES: &[(&str, &str)] = &[
    (
        "**/__pycache__/*.pyc",
        "byte-compiled when installed: the header holds the source mtime (install time for pip's files)",
    ),
    (
        "**/*.dist-info/RECORD",
        "pip's install record lists the .pyc written at install time",
    ),
    (
        "**/*.dist-info/direct_url.json",
        "pip records the temporary path it built a local project from",
    ),
    ("var/log/**", "dpkg, apt and alternatives logs carry timestamps"),
    (
        "var/cache/ldconfig/aux-cache",
        "ldconfig's auxiliary cache records file times",
    ),
    (
        "var/cache/debconf/*",
        "debconf's databases are rewritten in hash order",
    ),
    ("var/lib/dpkg/*-old", "dpkg's backup of the previous status"),
    ("var/lib/apt/**", "apt's lists carry the mirror's current index"),
    ("var/cache/apt/**", "apt's package caches are rebuilt per run"),
    (
        "**/node_modules/.package-lock.json",
        "npm's hidden lockfile is rewritten on every install",
    ),
    ("root/.npm/**", "npm's cache and logs are named by time"),
    ("root/.cache/**", "pip/go/uv caches hold time-stamped entries"),
    ("root/.local/share/virtualenv/**", "virtualenv's app-data cache"),
    ("tmp/**", "scratch files"),
    (
        "**/node_modules/.yarn-integrity",
        "yarn v1 records the time-dependent install state",
    ),
    (
        "usr/local/share/.cache/yarn/**",
        "yarn v1's cache: the same `.yarn-metadata.json` came back 0666 in one build and 0644 in the other (yarn-koa's baseline)",
    ),
    (
        "**/node_modules/.modules.yaml",
        "pnpm records the install time",
    ),
    (
        "**/target/release/.fingerprint/**",
        "cargo's fingerprints hold mtimes",
    ),
    (
        "**/target/release/build/**",
        "cargo build-script outputs hold absolute paths and times",
    ),
    (
        "**/target/release/deps/*.d",
        "cargo dep-info files",
    ),
    (
        "**/target/release/*.d",
        "cargo dep-info files",
    ),
    (
        "**/target/release/.cargo-lock",
        "cargo's lock file",
    ),
    (
        "usr/local/cargo/registry/**",
        "crates.io index cache entries",
    ),
    (
        "usr/share/info/dir*",
        "install-info rebuilds the info index",
    ),
    ("etc/ld.so.cache", "ldconfig's cache"),
    (
        "root/.local/share/pnpm/store/**/*-index.json",
        "pnpm's content-store index records when it checked each file (checkedAt)",
    ),
    (
        "**/*.dist-info/uv_cache.json",
        "uv records the project's file timestamps for its editable install",
    ),
    (
        "root/.local/state/pnpm/pnpm-state.json",
        "pnpm's state records the time of its last update check",
    ),
    (
        "usr/local/lib/python3*/dist-packages/**/*.cpython-*-linux-gnu.so",
        "C extensions pip compiles from an sdist (psycopg2) embed its random /tmp/pip-install-* build directory",
    ),
    (
        "var/cache/fontconfig/*",
        "fc-cache (a trigger of fonts, e.g. graphviz's) stamps its caches",
    ),
    (
        "root/.cargo/.global-cache",
        "cargo's last-use database of its registry cache holds times",
    ),
    (
        "**/target/.rustc_info.json",
        "cargo's cache of `rustc -vV` output holds the compiler's mtime-based fingerprint",
    ),
];

pub struct Excuses {
    matchers: Vec<GlobMatcher>,
    /// Excuse index → (app, example path) seen in a baseline.
    pub observed: BTreeMap<usize, (String, String)>,
}

/// The path a `diff_maps` line is about.
pub fn diff_path(line: &str) -> &str {
    let l = line
        .strip_prefix("only in original: ")
        .or_else(|| line.strip_prefix("only in fixed: "))
        .unwrap_or(line);
    let l = l.split_once(": ").map(|(p, _)| p).unwrap_or(l);
    l.trim_start_matches('/')
}

impl Excuses {
    pub fn new() -> Excuses {
        Excuses {
            matchers: EXCUSES
                .iter()
                .map(|(g, _)| Glob::new(g).expect("valid glob").compile_matcher())
                .collect(),
            observed: BTreeMap::new(),
        }
    }

    pub fn find(&self, path: &str) -> Option<usize> {
        self.matchers.iter().position(|m| m.is_match(path))
    }

    /// Records a baseline's differences; returns those no excuse explains.
    pub fn observe(&mut self, app: &str, diffs: &[String]) -> Vec<String> {
        let mut unexplained = Vec::new();
        for d in diffs {
            match self.find(diff_path(d)) {
                Some(i) => {
                    self.observed
                        .entry(i)
                        .or_insert_with(|| (app.to_string(), d.clone()));
                }
                None => unexplained.push(d.clone()),
            }
        }
        unexplained
    }

    /// Splits a fix's differences into (excused count, failures): excused only by an
    /// excuse some baseline observed.
    pub fn judge(&self, diffs: &[String]) -> (usize, Vec<String>) {
        let mut excused = 0;
        let mut bad = Vec::new();
        for d in diffs {
            match self.find(diff_path(d)) {
                Some(i) if self.observed.contains_key(&i) => excused += 1,
                _ => bad.push(d.clone()),
            }
        }
        (excused, bad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excuses_only_what_a_baseline_showed() {
        let mut e = Excuses::new();
        let pyc = "/usr/lib/python3/dist-packages/x/__pycache__/a.cpython-311.pyc: 0 644 0:0 aa vs 0 644 0:0 bb".to_string();
        let app = "/app/main.py: 0 644 0:0 aa vs 0 644 0:0 bb".to_string();
        assert_eq!(e.judge(std::slice::from_ref(&pyc)).1.len(), 1);
        assert_eq!(
            e.observe("a", std::slice::from_ref(&pyc)),
            Vec::<String>::new()
        );
        assert_eq!(e.judge(&[pyc, app.clone()]), (1, vec![app]));
        assert_eq!(
            diff_path("only in fixed: /var/log/dpkg.log"),
            "var/log/dpkg.log"
        );
    }
}
