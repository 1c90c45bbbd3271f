//! DO202 cleanup-in-same-layer (also DO203 for pip, DO204 for apk): drop package-manager caches in the layer
//! that creates them.
//!
//! ## What it does
//! Appends `&& rm -rf /var/lib/apt/lists/*` to a RUN that installs apt
//! packages, adds `--no-cache-dir` to `pip install` and `--no-cache` to
//! `apk add`.
//!
//! ## Why is this bad?
//! Package indexes and download caches end up in the image: tens of
//! megabytes nobody uses at run time, pushed and pulled with every layer.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install -y curl
//! RUN pip install flask
//! ```
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*
//! RUN pip install --no-cache-dir flask
//! ```
//!
//! ## Fix safety
//! Unsafe: the image changes (the caches are gone), and a later step that
//! runs `apt-get install` without `apt-get update` would now fail. Skipped
//! when a cache mount already holds the cache or the RUN uses `||`, pipes or
//! background jobs.

use super::run_scripts;
use super::run_view::program;
use crate::ecosystem::pip;
use crate::fix::{Applicability, Checker, Edit, Fix};
use crate::model::MountKind;
use crate::rules::size::index_read_later::ReadLater;

/// apt lists (the registry's code for this fix).
pub const CODE: &str = "DO202";
/// pip's download cache.
pub const PIP_CODE: &str = "DO203";
/// apk's index.
pub const APK_CODE: &str = "DO204";

pub fn check(c: &mut Checker) {
    let df = c.df;
    let model = c.model;
    let (mut apt_later, mut apk_later) = (ReadLater::apt(), ReadLater::apk());
    for (ins, run, script) in run_scripts(df, model) {
        if script.complex {
            continue;
        }
        let idx = df.index_of(ins);
        let read_later = |later: &mut ReadLater| {
            idx.and_then(|i| later.after(df, model, i))
                .map(|i| i.start_line)
        };
        let apk_updates = script.commands.iter().any(|cmd| {
            let argv = cmd.argv();
            let (p, i) = program(&argv);
            p == "apk" && argv.get(i + 1) == Some(&"update")
        });
        let cached = |t: &str| {
            run.mounts.iter().any(|m| {
                m.kind == MountKind::Cache
                    && m.target
                        .as_deref()
                        .is_some_and(|x| x.trim_end_matches('/') == t)
            })
        };
        let env_set = |k: &str| run.env.iter().any(|(n, _)| **n == *k);
        let plain_seps = script
            .commands
            .iter()
            .all(|c| matches!(c.sep.as_str(), "&&" | ";" | ""));
        let mut apt_install = false;
        let mut apt_clean = false;
        for cmd in &script.commands {
            let argv = cmd.argv();
            let words = cmd.argv_words();
            let (p, i) = program(&argv);
            let sub = argv[(i + 1).min(argv.len())..]
                .iter()
                .position(|a| !a.starts_with('-'))
                .map(|k| k + i + 1);
            let sub_word = sub.map(|k| (argv[k], words[k]));
            // `python -m pip install`: the install is pip's (DO203 flags it).
            let python_pip = p.starts_with("python")
                && argv.get(i + 1..i + 4) == Some(&["-m", "pip", "install"][..]);
            let (p, sub_word) = if python_pip {
                ("pip".to_string(), Some((argv[i + 3], words[i + 3])))
            } else {
                (p, sub_word)
            };
            match (p.as_str(), sub_word) {
                ("apt-get" | "apt", Some(("install", _))) => apt_install = true,
                ("rm", _) if argv.iter().any(|a| a.starts_with("/var/lib/apt/lists")) => {
                    apt_clean = true
                }
                (pp, Some(("install", w)))
                    if (pp.starts_with("pip")
                        && pp[3..].chars().all(|c| c.is_ascii_digit() || c == '.'))
                        && !crate::shell::options::PIP_INSTALL.given(&argv, "--no-cache-dir")
                        && !env_set(pip::NO_CACHE_ENV)
                        && !pip::ECOSYSTEM.caches.iter().any(|d| cached(d))
                        && !cached("/root/.cache") =>
                {
                    c.fix(Fix {
                        transforms: Vec::new(),
                        code: PIP_CODE,
                        message: "add --no-cache-dir: pip's download cache stays out of the image"
                            .into(),
                        applicability: Applicability::Unsafe,
                        line: ins.start_line,
                        edits: vec![Edit::insert(w.end, " --no-cache-dir")],
                    });
                }
                ("apk", Some(("add", _)))
                    if !apk_updates
                        && crate::shell::options::APK.given(&argv, "--update-cache")
                        && !crate::shell::options::APK.given(&argv, "--no-cache")
                        && !cached("/var/cache/apk")
                        && read_later(&mut apk_later).is_some() =>
                {
                    let line = read_later(&mut apk_later).unwrap_or(0);
                    c.skip(
                        APK_CODE,
                        ins.start_line,
                        format!("the RUN on line {line} reads the index this `apk add -U` saves: with --no-cache it would find none"),
                    );
                }
                ("apk", Some(("add", w)))
                    if !crate::shell::options::APK.given(&argv, "--no-cache")
                        && !cached("/var/cache/apk") =>
                {
                    c.fix(Fix {
                        transforms: Vec::new(),
                        code: APK_CODE,
                        message: "add --no-cache: apk's index stays out of the image".into(),
                        applicability: Applicability::Unsafe,
                        line: ins.start_line,
                        edits: vec![Edit::insert(w.end, " --no-cache")],
                    });
                }
                _ => {}
            }
        }
        if apt_install
            && !apt_clean
            && plain_seps
            && !cached("/var/lib/apt/lists")
            && !cached("/var/lib/apt")
        {
            if let Some(line) = read_later(&mut apt_later) {
                c.skip(
                    CODE,
                    ins.start_line,
                    format!("the RUN on line {line} installs from these lists without `apt-get update`: deleting them here would make it fail"),
                );
                continue;
            }
            c.fix(Fix {
                transforms: Vec::new(),
                code: CODE,
                message: "remove /var/lib/apt/lists/* in the layer that downloads them".into(),
                applicability: Applicability::Unsafe,
                line: ins.start_line,
                edits: vec![Edit::insert(script.end, " && rm -rf /var/lib/apt/lists/*")],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    /// A shell comment or a final `;` ends the RUN's text, not its script:
    /// the cleanup goes after the last command (it used to land inside the
    /// comment, and the fix engine looped until it gave up).
    #[test]
    fn appends_after_the_last_command_not_after_a_comment() {
        let out = run(
            "FROM debian\nRUN apt-get update && apt-get install -y curl # why\n",
            true,
            &["DO202"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/* # why\n"
        );
        let out = run(
            "FROM debian\nRUN apt-get update && apt-get install -y curl;\n",
            true,
            &["DO202"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*;\n"
        );
    }

    #[test]
    fn adds_cleanups_only_when_unsafe_allowed() {
        let df = "FROM debian\nRUN apt-get update && apt-get install -y curl\nRUN pip install flask\nRUN apk add git\n";
        let all = ["DO202", "DO203", "DO204"];
        let safe = run(df, false, &all);
        assert!(safe.applied.is_empty());
        assert_eq!(safe.unsafe_available.len(), 3);
        let out = run(df, true, &all);
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\nRUN pip install --no-cache-dir flask\nRUN apk add --no-cache git\n"
        );
        assert!(run(&out.output, true, &all).applied.is_empty());
        let only_pip = run(df, true, &["DO203"]);
        assert_eq!(only_pip.applied.len(), 1, "one code per kind of cache");
    }

    #[test]
    fn flags_in_any_spelling_the_tool_accepts_are_not_added_again() {
        // pip (optparse) and apk (getopt_long) take unambiguous prefixes.
        let df =
            "FROM python:3.12-alpine\nRUN pip install --no-cache flask\nRUN apk add --no-cac git\n";
        let out = run(df, true, &["DO203", "DO204"]);
        assert!(out.applied.is_empty(), "{}", out.output);
        assert_eq!(out.output, df);
    }

    /// Every install DO203 flags gets its flag in the one round, however
    /// pip is spelled (`python -m pip install` too).
    #[test]
    fn every_pip_install_of_a_run_is_fixed_at_once() {
        let df = "FROM python:3.12-slim\nRUN python -m pip install a && pip install b && pip3 install c\n";
        let out = run(df, true, &["DO203"]);
        assert_eq!(
            out.output,
            "FROM python:3.12-slim\nRUN python -m pip install --no-cache-dir a && pip install --no-cache-dir b && pip3 install --no-cache-dir c\n"
        );
        assert_eq!(out.applied.len(), 3);
    }
}
