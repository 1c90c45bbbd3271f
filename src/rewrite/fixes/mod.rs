//! The fix functions, one file per fix. Each rule in the one registry
//! ([`crate::rules::registry`]) names its fix function; the rewrite engine
//! drives them (see [`crate::fix`]).

pub mod cache_mount;
pub mod cleanup_in_same_layer;
pub mod delete_in_creating_layer;
pub mod manifest_first;
pub mod merge_apt_update;
pub mod multistage_split;
pub mod no_install_recommends;
pub mod propose_dockerignore;
pub mod reorder_by_volatility;
pub mod run_view;

use crate::fix::Checker;
use crate::model::{Model, Step};
use crate::syntax::Keyword;

// One fix function serves three rules (apt lists, pip's cache, apk's index);
// each rule names its own entry so the registry stays one fix per code.

/// DO202's fix: drop apt lists in the installing RUN.
pub fn cleanup_apt(c: &mut Checker) {
    cleanup_in_same_layer::check(c);
    c.retain_code(cleanup_in_same_layer::CODE);
}

/// DO203's fix: `pip install --no-cache-dir`.
pub fn cleanup_pip(c: &mut Checker) {
    cleanup_in_same_layer::check(c);
    c.retain_code(cleanup_in_same_layer::PIP_CODE);
}

/// DO204's fix: `apk add --no-cache`.
pub fn cleanup_apk(c: &mut Checker) {
    cleanup_in_same_layer::check(c);
    c.retain_code(cleanup_in_same_layer::APK_CODE);
}

/// Instructions that only touch the image config: a step may move across them.
pub fn config_only(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::Label
            | Keyword::Expose
            | Keyword::Cmd
            | Keyword::Entrypoint
            | Keyword::Healthcheck
            | Keyword::Stopsignal
            | Keyword::Maintainer
            | Keyword::Onbuild
    )
}

/// Every RUN inside a stage, with its op and its parsed shell script (RUNs
/// whose script does not parse are left out).
pub fn run_scripts<'a>(
    df: &'a crate::syntax::Dockerfile,
    model: &'a Model,
) -> impl Iterator<
    Item = (
        &'a crate::syntax::Instruction,
        &'a crate::model::RunOp,
        crate::fixes::run_view::Script,
    ),
> + 'a {
    df.instructions
        .iter()
        .enumerate()
        .filter(|(_, ins)| ins.keyword == Keyword::Run)
        .filter_map(
            move |(idx, ins)| match step_of(model, idx).and_then(|s| s.op.as_ref()) {
                Some(crate::model::Op::Run(run)) => {
                    Some((ins, run, crate::fixes::run_view::parse_run(df, model, ins)?))
                }
                _ => None,
            },
        )
}

/// [`run_scripts`] without the flat views, for fixes that read the shell
/// model's script instead: the same RUNs (those [`run_view::parse_run`]
/// would read), without building a view per RUN that nobody reads.
pub fn run_ops<'a>(
    df: &'a crate::syntax::Dockerfile,
    model: &'a Model,
) -> impl Iterator<Item = (&'a crate::syntax::Instruction, &'a crate::model::RunOp)> + 'a {
    df.instructions
        .iter()
        .enumerate()
        .filter(|(_, ins)| crate::fixes::run_view::is_viewable(df, model, ins))
        .filter_map(
            move |(idx, ins)| match step_of(model, idx).and_then(|s| s.op.as_ref()) {
                Some(crate::model::Op::Run(run)) => Some((ins, run)),
                _ => None,
            },
        )
}

/// The step of instruction `idx`, if it is inside a stage.
pub fn step_of(model: &Model, idx: usize) -> Option<&Step> {
    // Steps are in instruction order (one per instruction in a stage), so a
    // binary search: a linear scan per RUN made fixes quadratic (100k RUN
    // lines: 62 s in `check`).
    model
        .steps
        .binary_search_by_key(&idx, |s| s.instruction)
        .ok()
        .and_then(|i| model.steps.get(i))
}

/// The effects of RUN `run`, instruction `idx` of the checked file: the
/// model's memo when `run` is that step's op (shared with the rules and the
/// other fix functions), else computed.
pub fn run_effects<'c>(
    c: &'c crate::fix::Checker,
    idx: usize,
    run: &crate::model::RunOp,
) -> std::borrow::Cow<'c, crate::effects::Effects> {
    let own = step_of(c.model, idx)
        .filter(|s| matches!(&s.op, Some(crate::model::Op::Run(r)) if std::ptr::eq(r, run)));
    match own.and_then(|s| c.model.run_effects(c.df, s)) {
        Some(fx) => std::borrow::Cow::Borrowed(fx),
        None => std::borrow::Cow::Owned(crate::effects::of_model_run(
            c.df,
            c.model,
            &c.df.instructions[idx],
            run,
        )),
    }
}

/// Whether `a` and `b` are the same path or one contains the other
/// ([`crate::effects::overlap`], trailing slashes aside).
pub fn paths_overlap(a: &str, b: &str) -> bool {
    let a = a.trim_end_matches('/');
    let b = b.trim_end_matches('/');
    let a = if a.is_empty() { "/" } else { a };
    let b = if b.is_empty() { "/" } else { b };
    crate::effects::overlap(a, b)
}

/// Destinations too close to where package managers and user tools write.
pub fn system_dest(dest: &str) -> bool {
    let d = crate::model::path::clean(dest);
    const SYSTEM: &[&str] = &[
        "/",
        "/usr",
        "/usr/local",
        "/usr/lib",
        "/usr/bin",
        "/usr/sbin",
        "/usr/share",
        "/etc",
        "/var",
        "/bin",
        "/sbin",
        "/lib",
        "/lib64",
        "/root",
        "/home",
        "/tmp",
        "/opt",
        "/srv",
        "/run",
    ];
    if SYSTEM.contains(&d.as_str()) {
        return true;
    }
    const TREES: &[&str] = &[
        "/usr/local/lib",
        "/usr/local/bin",
        "/usr/local/share",
        "/usr/lib",
        "/usr/bin",
        "/usr/share",
        "/etc",
        "/var",
        "/bin",
        "/sbin",
        "/lib",
        "/root",
        "/home",
        "/tmp",
    ];
    TREES.iter().any(|t| d.starts_with(&format!("{t}/")))
}

#[cfg(test)]
mod no_panic {
    /// Issue 16: RUNs of only a wrapper or only assignments, next to every
    /// kind of RUN a fix looks at, under every fix (safe and unsafe).
    #[test]
    fn wrapper_and_assignment_only_runs() {
        let odd = [
            "env", "X=1", "sudo", "env -i", "nice", "command", "X=1 Y=2", "exec",
        ];
        let others = [
            "apt-get update",
            "apt-get install -y gcc",
            "apk add curl",
            "pip install flask",
            "npm ci",
            "rm -rf /var/lib/apt/lists/*",
        ];
        for o in odd {
            for x in others {
                for df in [
                    format!("FROM debian\nWORKDIR /app\nCOPY . .\nRUN {o}\nRUN {x}\n"),
                    format!("FROM debian\nWORKDIR /app\nCOPY . .\nRUN {x}\nRUN {o}\n"),
                ] {
                    super::testutil::run(&df, true, &[]);
                    super::testutil::run(&df, false, &[]);
                }
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod testutil {
    use crate::rewrite::{fix, Input, Outcome, Settings};

    pub fn run(text: &str, unsafe_fixes: bool, select: &[&str]) -> Outcome {
        let settings = Settings {
            unsafe_fixes,
            select: (!select.is_empty()).then(|| select.iter().map(|s| s.to_string()).collect()),
            ..Settings::default()
        };
        let input = Input {
            text,
            context: None,
            root: None,
            has_dockerignore: true,
        };
        fix(&input, &settings).expect("fix")
    }

    /// Runs with a context directory built from `files` (path, content).
    pub fn run_ctx(
        text: &str,
        files: &[(&str, &str)],
        unsafe_fixes: bool,
        select: &[&str],
    ) -> Outcome {
        run_ctx_links(text, files, &[], unsafe_fixes, select)
    }

    /// As [`run_ctx`], with symbolic links in the context (path, target).
    pub fn run_ctx_links(
        text: &str,
        files: &[(&str, &str)],
        links: &[(&str, &str)],
        unsafe_fixes: bool,
        select: &[&str],
    ) -> Outcome {
        let dir = tempfile::tempdir().unwrap();
        for (p, t) in links {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(t, full).unwrap();
        }
        std::fs::write(dir.path().join("Dockerfile"), text).unwrap();
        for (p, c) in files {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, c).unwrap();
        }
        let settings = Settings {
            unsafe_fixes,
            select: (!select.is_empty()).then(|| select.iter().map(|s| s.to_string()).collect()),
            ..Settings::default()
        };
        crate::rewrite::fix_file(text, &dir.path().join("Dockerfile"), None, &settings)
            .expect("fix")
    }
}
