//! Python: the builder turns the requirements into wheels with the full
//! toolchain (compilers, `-dev` headers); the runtime, on the `-slim`
//! variant, installs those wheels offline, keeps only runtime libraries
//! (libpq5 instead of libpq-dev…), then copies the sources.
//!
//! ```text
//! FROM python:3.9-buster AS builder          FROM python:3.9-slim-buster
//! RUN apt-get install gcc libpq-dev          RUN apt-get install libpq5 …
//! COPY requirements.txt ./                   RUN --mount=from=builder,/wheels \
//! RUN pip wheel --wheel-dir /wheels -r …         pip install --no-index --find-links=/wheels …
//!                                            COPY . .
//! ```

use super::images::{self, ImageRef};
use super::shell::CmdKind;
use super::ContextFiles;
use super::{
    abs, check_override, command_line, comments, copy_at, early_config, exec_line, install_line,
    late_config, packages, push_unique, Analysis, Plan, Refusal, BUILDER,
};
use crate::effects;
use crate::model::Op;
use crate::syntax::Keyword;

pub(crate) fn plan(a: &Analysis, r: &ImageRef, opts: &super::Options) -> Result<Plan, Refusal> {
    let (mut runtime_base, base_saving) = images::python_runtime(r)?;
    if let Some(o) = &opts.runtime_base {
        check_override(o, true, false)?;
        runtime_base = o.clone();
    }
    if super::python_env::applies(a) {
        return super::python_env::plan(a, r, opts);
    }
    if let Some(line) = a.user_before_run() {
        return Err(Refusal::new(format!(
            "line {line}: USER before the install steps (pip would install per user)"
        )));
    }
    // Every command must be one the Python pattern knows.
    let mut pip_cwd: Option<String> = None;
    let mut reqs: Vec<String> = Vec::new();
    let mut pkgs: Vec<String> = Vec::new();
    for (item, c) in a.cmds() {
        let line = item.ins.start_line;
        match &c.kind {
            CmdKind::Pip(p) => {
                if p.local {
                    return Err(Refusal::new(format!(
                        "line {line}: `pip install` of the source tree (`.` or `-e`) is not converted yet"
                    )));
                }
                if p.tooling_only {
                    continue;
                }
                match &pip_cwd {
                    Some(cwd) if *cwd != item.step.cwd => {
                        return Err(Refusal::new(format!(
                            "line {line}: pip installs from two working directories"
                        )))
                    }
                    _ => pip_cwd = Some(item.step.cwd.clone()),
                }
                for q in &p.requirements {
                    push_unique(&mut reqs, q);
                }
                for q in &p.packages {
                    push_unique(&mut pkgs, q);
                }
            }
            k if k.is_shared_setup() => {}
            k => {
                return Err(Refusal::new(format!(
                    "line {line}: `{}` is not a Python build step ({k:?})",
                    c.text
                )))
            }
        }
    }
    let Some(pip_cwd) = pip_cwd else {
        return Err(Refusal::new(
            "no `pip install` of dependencies: nothing to build",
        ));
    };
    let builder_distro = Analysis::distro(&r.tag);
    let runtime_distro = Analysis::distro(runtime_base.rsplit_once(':').map_or("", |x| x.1));
    let (runtime_pkgs, moved) = a.package_fates(builder_distro)?;
    if runtime_base == a.base && moved.is_empty() {
        return Err(Refusal::new(format!(
            "nothing to split: `{}` is already the slim image and no build-only packages are installed",
            a.base
        )));
    }
    let mut notes = Vec::new();
    let mut changed = Vec::new();

    // Requirement files: where they came from in the context.
    let mut req_srcs = Vec::new();
    for q in &reqs {
        let at = abs(&pip_cwd, q);
        let src = a.context_source_of(&at).ok_or_else(|| {
            Refusal::new(format!(
                "cannot tell where `{at}` comes from in the build context"
            ))
        })?;
        req_srcs.push((src, at));
    }
    // Every context file the installs read (requirement includes, constraint
    // files, a pip.conf named by PIP_CONFIG_FILE…), by the effects model: the
    // builder and the runtime get each of them before the install runs.
    if a.context.is_some() {
        for item in a.items.iter().filter(|i| {
            i.cmds
                .iter()
                .any(|c| matches!(&c.kind, CmdKind::Pip(p) if !p.tooling_only))
        }) {
            let Some(Op::Run(run)) = &item.step.op else {
                continue;
            };
            let line = item.ins.start_line;
            let fx = effects::of_run_with(a.df, item.ins, run, &ContextFiles { a });
            if fx.reads.is_everything() {
                let why = if fx.why.is_empty() {
                    "a requirement file it names could not be read".to_string()
                } else {
                    fx.why.join("; ")
                };
                return Err(Refusal::of_kind(
                    "cannot tell every file the install reads",
                    format!("line {line}: cannot tell every file the install reads: {why}"),
                ));
            }
            for p in fx.reads.iter() {
                let Some(src) = a.context_source_of(p) else {
                    continue;
                };
                if a.context
                    .and_then(|t| t.get(&src))
                    .is_some_and(|e| e.is_dir())
                {
                    return Err(Refusal::of_kind(
                        "the install reads a directory of the build context",
                        format!("line {line}: the install reads the directory `{p}` of the build context"),
                    ));
                }
                if !req_srcs.iter().any(|(_, at)| at == p) {
                    req_srcs.push((src, p.to_string()));
                }
            }
        }
    }
    for (src, at) in &req_srcs {
        super::plain_path(src, None)?;
        super::plain_path(at, None)?;
    }
    if !req_srcs.is_empty() && a.context.is_none() {
        notes.push(
            "requirements files included with `-r` from another file are not copied before the sources: no context was given to check"
                .to_string(),
        );
    }

    // The entrypoint script, moved to /usr/local/bin with its exec bit.
    let workdir = a.workdir();
    let mut script: Option<(String, String, String)> = None; // (context src, abs in image, basename)
    let argv = command_line(a.config);
    let ep_kw = if a.config.entrypoint.as_ref().is_some_and(|e| !e.is_empty()) {
        Keyword::Entrypoint
    } else {
        Keyword::Cmd
    };
    let exec_form = a
        .items
        .iter()
        .rfind(|i| i.keyword() == ep_kw)
        .is_some_and(|i| i.ins.arguments.is_exec());
    if let (Some(first), true) = (argv.first(), exec_form) {
        if first.starts_with("./") || (!first.starts_with('/') && first.contains('/')) {
            let at = abs(&workdir, first);
            if let Some(src) = a.context_source_of(&at) {
                let chmodded = a.cmds().any(|(_, c)| {
                    c.words.first().map(String::as_str) == Some("chmod")
                        && c.words.iter().any(|w| abs(&workdir, w) == at)
                });
                let exec_bit = a
                    .context
                    .and_then(|t| t.get(&src))
                    .is_some_and(|e| e.mode & 0o111 != 0);
                if chmodded || exec_bit {
                    super::plain_path(&src, None)?;
                    super::plain_path(&at, None)?;
                    let name = at.rsplit('/').next().unwrap_or("entrypoint").to_string();
                    script = Some((src, at, name));
                }
            }
        }
    }

    // ---- builder
    let mut b = String::new();
    b.push_str(&a.preamble);
    b.push_str(&a.base_comments());
    b.push_str(&a.stage_line(&a.base, Some(BUILDER)));
    b.push_str(&early_config(a, false));
    if a.workdir() != pip_cwd {
        b.push_str(&format!("WORKDIR {pip_cwd}\n"));
    }
    let mut wheel_done = false;
    for item in a.items.iter().filter(|i| i.is_run()) {
        let mut out: Vec<String> = Vec::new();
        let mut verbatim = true;
        for c in &item.cmds {
            match &c.kind {
                CmdKind::Replay => verbatim = false,
                CmdKind::Pip(p) if !p.tooling_only => {
                    verbatim = false;
                    if !wheel_done {
                        out.push(wheel_command(&c.words, &reqs, &pkgs));
                        wheel_done = true;
                    }
                }
                _ => out.push(c.text.clone()),
            }
        }
        if out.is_empty() {
            continue;
        }
        let needs_reqs = out.iter().any(|c| c.contains(" wheel "));
        if needs_reqs && !req_srcs.is_empty() {
            b.push_str(&copy_reqs(a, &req_srcs));
        }
        if verbatim {
            b.push_str(&super::block(a.df, item.ins));
        } else {
            if !needs_reqs {
                b.push_str(&comments(item.ins));
            }
            b.push_str(&format!("RUN {}\n", out.join(" && ")));
        }
    }

    // ---- runtime
    let mut t = String::new();
    t.push_str(&format!("\n{}", a.stage_line(&runtime_base, None)));
    t.push_str(&early_config(a, true));
    if !runtime_pkgs.is_empty() {
        t.push_str("# runtime libraries only: compilers and -dev headers stay in the builder\n");
        t.push_str(&install_line(runtime_distro, &runtime_pkgs));
    }
    if !req_srcs.is_empty() {
        t.push_str(&copy_reqs(a, &req_srcs));
    }
    // The pip install items' comments move with the install.
    for item in a.items.iter().filter(|i| {
        i.cmds
            .iter()
            .any(|c| matches!(&c.kind, CmdKind::Pip(p) if !p.tooling_only))
    }) {
        t.push_str(&comments(item.ins));
    }
    t.push_str(&format!(
        "RUN --mount=type=bind,from={BUILDER},source=/wheels,target=/wheels {}\n",
        install_command(&reqs, &pkgs, &pip_cwd, &workdir)
    ));
    for item in a.items.iter().filter(|i| i.is_context_copy()) {
        t.push_str(&copy_at(a, item, &workdir));
    }
    // Replayed commands (chmod, useradd…), minus the script's chmod.
    let mut replay: Vec<String> = Vec::new();
    let mut script_comments = String::new();
    for item in a.items.iter().filter(|i| i.is_run()) {
        let mut mine = Vec::new();
        for c in &item.cmds {
            if let CmdKind::Replay = c.kind {
                let is_script_chmod = script.as_ref().is_some_and(|(_, at, _)| {
                    c.words.first().map(String::as_str) == Some("chmod")
                        && c.words
                            .iter()
                            .skip(1)
                            .filter(|w| {
                                !w.starts_with('-')
                                    && !w.starts_with('+')
                                    && !w.chars().all(|x| x.is_ascii_digit())
                            })
                            .all(|w| abs(&item.step.cwd, w) == *at)
                });
                if is_script_chmod {
                    script_comments.push_str(&comments(item.ins));
                    continue;
                }
                if item.step.cwd != workdir {
                    mine.push(format!("cd {}", item.step.cwd));
                }
                mine.push(c.text.clone());
            }
        }
        if !mine.is_empty() {
            t.push_str(&comments(item.ins));
            replay.push(mine.join(" && "));
        }
    }
    let mut replace = Vec::new();
    if let Some((src, _, name)) = &script {
        t.push_str(&script_comments);
        t.push_str(&format!("COPY --chmod=755 {src} /usr/local/bin/{name}\n"));
        let mut new_argv = argv.clone();
        new_argv[0] = format!("/usr/local/bin/{name}");
        let kw = if ep_kw == Keyword::Entrypoint {
            "ENTRYPOINT"
        } else {
            "CMD"
        };
        replace.push((ep_kw, exec_line(kw, &new_argv)));
        changed.push(kw.to_ascii_lowercase());
        notes.push(format!(
            "`{}` is copied to /usr/local/bin/{name} with mode 755 and {kw} points there",
            argv[0]
        ));
    }
    for r in &replay {
        t.push_str(&format!("RUN {r}\n"));
    }
    t.push_str(&late_config(a, &replace));

    let saving = base_saving + packages::build_only_mb(&moved);
    notes.extend(super::left_in_builder(&moved, &runtime_pkgs));
    notes.push(
        "dependencies are built as wheels in the builder and installed offline in the runtime"
            .into(),
    );
    Ok(Plan {
        text: format!("{b}{t}"),
        runtime_base,
        moved_packages: moved,
        estimated_saving_mb: Some(saving),
        notes,
        changed,
    })
}

/// `COPY <req files> <dir>/` for the files pip reads.
fn copy_reqs(a: &Analysis, reqs: &[(String, String)]) -> String {
    let _ = a;
    let mut s = String::new();
    for (src, at) in reqs {
        s.push_str(&format!("COPY {src} {at}\n"));
    }
    s
}

/// `pip wheel --wheel-dir /wheels -r … pkgs`, keeping how pip was invoked.
fn wheel_command(words: &[String], reqs: &[String], pkgs: &[String]) -> String {
    let invoker: Vec<&str> = words
        .iter()
        .take_while(|w| *w != "install")
        .map(String::as_str)
        .collect();
    let mut s = format!(
        "{} wheel --no-cache-dir --wheel-dir /wheels",
        invoker.join(" ")
    );
    for r in reqs {
        s.push_str(&format!(" -r {r}"));
    }
    for p in pkgs {
        s.push_str(&format!(" {}", shell_quote(p)));
    }
    s
}

fn install_command(reqs: &[String], pkgs: &[String], pip_cwd: &str, workdir: &str) -> String {
    let mut s = String::from("pip install --no-cache-dir --no-index --find-links=/wheels");
    for r in reqs {
        let p = if pip_cwd == workdir {
            r.clone()
        } else {
            abs(pip_cwd, r)
        };
        s.push_str(&format!(" -r {p}"));
    }
    for p in pkgs {
        s.push_str(&format!(" {}", shell_quote(p)));
    }
    s
}

fn shell_quote(s: &str) -> String {
    if s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.=/:@+,".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::convert_text;

    #[test]
    fn seed_lab_shape() {
        let src = "FROM python:3.9-buster\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc libpq-dev\nCOPY . .\nRUN pip install -r requirements.txt\nCMD [\"gunicorn\", \"app:app\"]\n";
        let c = convert_text(src).unwrap();
        assert!(c.text.contains("FROM python:3.9-buster AS builder"));
        assert!(c.text.contains("FROM python:3.9-slim-buster"));
        assert!(c
            .text
            .contains("pip wheel --no-cache-dir --wheel-dir /wheels -r requirements.txt"));
        assert!(c.text.contains("libpq5"));
        assert_eq!(c.moved_packages, vec!["gcc", "libpq-dev"]);
    }

    #[test]
    fn refuses_source_install_and_unknown_dev() {
        let e = convert_text("FROM python:3.12\nCOPY . .\nRUN pip install .\n").unwrap_err();
        assert!(e.reason.contains("source tree"), "{e}");
        let e = convert_text(
            "FROM python:3.12-bookworm\nRUN apt-get install -y libfoo-dev\nCOPY . .\nRUN pip install -r r.txt\n",
        )
        .unwrap_err();
        assert!(e.reason.contains("libfoo-dev"), "{e}");
    }

    #[test]
    fn slim_without_build_packages_is_nothing_to_split() {
        let e =
            convert_text("FROM python:3.12-slim\nCOPY . .\nRUN pip install -r requirements.txt\n")
                .unwrap_err();
        assert!(e.reason.contains("nothing to split"), "{e}");
    }
}

#[cfg(test)]
mod include_tests {
    use super::super::tests::convert_ctx;

    const DF: &str = "FROM python:3.12-bookworm\nWORKDIR /app\nRUN apt-get update && apt-get install -y gcc\nCOPY . .\nRUN pip install -r requirements/prod.txt\nCMD [\"python\", \"main.py\"]\n";

    #[test]
    fn nested_includes_are_copied_into_both_stages() {
        let c = convert_ctx(&[
            ("Dockerfile", DF, 0o644),
            (
                "requirements/prod.txt",
                "-r base.txt\n-c ../constraints.txt\ngunicorn\n",
                0o644,
            ),
            ("requirements/base.txt", "flask\n", 0o644),
            ("constraints.txt", "flask<4\n", 0o644),
            ("main.py", "print('x')\n", 0o644),
        ])
        .unwrap_or_else(|r| panic!("{r}"));
        for f in [
            "COPY requirements/prod.txt /app/requirements/prod.txt",
            "COPY requirements/base.txt /app/requirements/base.txt",
            "COPY constraints.txt /app/constraints.txt",
        ] {
            assert_eq!(c.text.matches(f).count(), 2, "{f}\n{}", c.text);
        }
    }

    #[test]
    fn an_unreadable_include_or_a_local_path_is_refused() {
        let e = convert_ctx(&[
            ("Dockerfile", DF, 0o644),
            ("requirements/prod.txt", "-r base.txt\n", 0o644),
        ])
        .unwrap_err();
        assert!(
            e.reason.starts_with("line 5: cannot tell every file"),
            "{e}"
        );
        let e = convert_ctx(&[
            ("Dockerfile", DF, 0o644),
            ("requirements/prod.txt", "./libs/x\n", 0o644),
            ("libs/x/setup.py", "", 0o644),
        ])
        .unwrap_err();
        assert!(
            e.reason.contains("reads the directory `/app/libs/x`"),
            "{e}"
        );
    }
}
