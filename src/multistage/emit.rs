//! Emitting: the text pieces every ecosystem's plan assembles (verbatim
//! instructions with their comments, config blocks, install lines) and the
//! last clean-up of a converted file. Nothing here decides what to convert.

use super::packages::Distro;
use super::{Analysis, Item};
use crate::model::{self, BuildOptions, Op};
use crate::syntax::{self, Dockerfile, Instruction, Keyword};

/// Drops a context COPY that the very next instruction, a COPY of the whole
/// context (`.`) to the same directory with the same flags, copies again:
/// the files end up identical, one layer fewer. It happens when the input was
/// already manifest-first (`COPY requirements.txt ./` then `COPY . .`).
pub(super) fn drop_shadowed_copies(text: &str) -> String {
    let Ok(df) = syntax::parse(text) else {
        return text.to_string();
    };
    let Ok(m) = model::build(&df, &BuildOptions::default()) else {
        return text.to_string();
    };
    let copy = |i: usize| {
        m.steps
            .iter()
            .find(|s| s.instruction == i)
            .and_then(|s| match &s.op {
                Some(model::Op::Copy(c)) if c.source == model::CopySource::Context && !c.add => {
                    Some((s.stage, c))
                }
                _ => None,
            })
    };
    let mut cut: Vec<syntax::Span> = Vec::new();
    // A COPY from the builder between them reads no context file: the later
    // whole-context COPY still overwrites what the first one wrote.
    let from_stage = |i: usize| {
        m.steps.iter().any(|s| {
            s.instruction == i
                && matches!(&s.op, Some(model::Op::Copy(c)) if matches!(c.source, model::CopySource::Stage(_)))
        })
    };
    for i in 0..df.instructions.len().saturating_sub(1) {
        let mut j = i + 1;
        while j < df.instructions.len() && from_stage(j) {
            j += 1;
        }
        let (Some((sa, a)), Some((sb, b))) = (copy(i), copy(j)) else {
            continue;
        };
        let whole = b.srcs.len() == 1 && b.srcs[0].path.is_empty();
        let dir = |d: &str| d.trim_end_matches('/').to_string();
        let same_flags = a.chown == b.chown && a.chmod == b.chmod && !a.link && !b.link;
        let plain = a.srcs.iter().all(|s| {
            !s.wildcard && s.inline.is_none() && s.remote.is_none() && !s.path.contains('/')
        });
        let into_dir = a.dest.ends_with('/')
            || a.srcs
                .iter()
                .all(|s| dir(&a.dest).ends_with(&format!("/{}", s.basename)));
        let a_dir = if a.dest.ends_with('/') {
            dir(&a.dest)
        } else {
            a.dest
                .rsplit_once('/')
                .map(|(d, _)| d.to_string())
                .unwrap_or_default()
        };
        if sa == sb && whole && same_flags && plain && into_dir && a_dir == dir(&b.dest) {
            cut.push(df.instructions[i].line_span);
        }
    }
    let mut out = text.to_string();
    for span in cut.iter().rev() {
        out.replace_range(span.start..span.end, "");
    }
    out
}

/// Own-line comments above an instruction, re-rendered.
pub(crate) fn comments(ins: &Instruction) -> String {
    let mut s = String::new();
    for c in &ins.comments {
        if c.text.is_empty() {
            s.push_str("#\n");
        } else {
            s.push_str(&format!("# {}\n", c.text));
        }
    }
    s
}

/// An instruction with its comments, verbatim, newline-terminated.
pub(crate) fn block(df: &Dockerfile, ins: &Instruction) -> String {
    format!("{}{}\n", comments(ins), df.text(ins.span))
}

/// The runtime's system-package install line.
pub(crate) fn install_line(distro: Distro, pkgs: &[String]) -> String {
    match distro {
        Distro::Alpine => format!("RUN apk add --no-cache {}\n", pkgs.join(" ")),
        Distro::Debian(_) => format!(
            "RUN apt-get update && apt-get install -y --no-install-recommends {} && rm -rf /var/lib/apt/lists/*\n",
            pkgs.join(" ")
        ),
    }
}

/// A context COPY, verbatim when it ran in the final workdir, otherwise
/// rewritten with its absolute destination (same flags, same sources).
pub(crate) fn copy_at(a: &Analysis, item: &Item, workdir: &str) -> String {
    if item.step.cwd == workdir {
        return block(a.df, item.ins);
    }
    let Some(Op::Copy(c)) = &item.step.op else {
        return block(a.df, item.ins);
    };
    let mut s = comments(item.ins);
    s.push_str(if c.add { "ADD " } else { "COPY " });
    for f in &item.ins.flags {
        s.push_str(a.df.text(f.span));
        s.push(' ');
    }
    let mut words: Vec<String> = c.srcs.iter().map(|x| x.raw.clone()).collect();
    words.push(c.dest.clone());
    s.push_str(&serde_json::to_string(&words).unwrap_or_default());
    s.push('\n');
    s
}

/// An exec-form instruction line.
pub(crate) fn exec_line(keyword: &str, argv: &[String]) -> String {
    format!(
        "{keyword} {}\n",
        serde_json::to_string(argv).unwrap_or_default()
    )
}

/// Late config instructions (USER, EXPOSE, VOLUME, HEALTHCHECK, STOPSIGNAL,
/// ENTRYPOINT, CMD) with their comments, in the original order.
pub(crate) fn is_late_config(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::User
            | Keyword::Expose
            | Keyword::Volume
            | Keyword::Healthcheck
            | Keyword::Stopsignal
            | Keyword::Entrypoint
            | Keyword::Cmd
    )
}

/// Early config: ARG, ENV, LABEL, MAINTAINER, WORKDIR.
pub(crate) fn is_early_config(k: Keyword) -> bool {
    matches!(
        k,
        Keyword::Arg | Keyword::Env | Keyword::Label | Keyword::Maintainer | Keyword::Workdir
    )
}

/// Early config verbatim (with comments or without).
pub(crate) fn early_config(a: &Analysis, with_comments: bool) -> String {
    let mut s = String::new();
    for i in a.items.iter().filter(|i| is_early_config(i.keyword())) {
        if with_comments {
            s.push_str(&block(a.df, i.ins));
        } else {
            s.push_str(a.text(i.ins));
            s.push('\n');
        }
    }
    s
}

/// Late config verbatim with comments; `replace` swaps an instruction's
/// text (e.g. the ENTRYPOINT of a moved script).
pub(crate) fn late_config(a: &Analysis, replace: &[(Keyword, String)]) -> String {
    let mut s = String::new();
    for i in a.items.iter().filter(|i| is_late_config(i.keyword())) {
        match replace.iter().find(|(k, _)| *k == i.keyword()) {
            Some((_, text)) => {
                s.push_str(&comments(i.ins));
                s.push_str(text);
            }
            None => s.push_str(&block(a.df, i.ins)),
        }
    }
    s
}

/// The builder/runtime text of the "copy what the installs wrote" pattern
/// (Python environments, Ruby gems): the builder is the original stage up to
/// its last install; the runtime has the original's early config, the
/// runtime packages, then, in the original order, the context COPYs, a
/// `COPY --from=builder DIR DIR` after the last install into each DIR
/// (`at_item`: item index, directory), and the replayed commands; then the
/// late config.
/// Commands whose effect does not depend on the working directory (they
/// take names, not paths, or write absolute paths): replayed without a `cd`.
fn cwd_independent(c: &super::shell::Cmd) -> bool {
    use super::shell::CmdKind;
    let prog = c.words.first().map(String::as_str).unwrap_or("");
    c.kind == CmdKind::PhpExt
        || matches!(
            prog,
            "a2enmod"
                | "a2dismod"
                | "a2enconf"
                | "a2disconf"
                | "a2ensite"
                | "a2dissite"
                | "useradd"
                | "adduser"
                | "groupadd"
                | "addgroup"
                | "usermod"
                // Replayed only as a literal write under /etc (see shell::writes_system_config).
                | "echo"
                | "printf"
        )
        || (c.kind != CmdKind::Replay
            && c.words
                .iter()
                .skip(1)
                .all(|w| w.starts_with('-') || w.starts_with('/')))
}

pub(crate) fn split_copying_dirs(
    a: &Analysis,
    runtime_base: &str,
    runtime_install: Option<String>,
    at_item: &[(usize, String)],
) -> Result<(String, String), super::Refusal> {
    use super::shell::CmdKind;
    for (_, dir) in at_item {
        super::plain_path(dir, None)?;
    }
    let workdir = a.workdir();
    let last_install = at_item.iter().map(|(i, _)| *i).max().unwrap_or(0);
    let mut b = String::new();
    b.push_str(&a.preamble);
    b.push_str(&a.base_comments());
    b.push_str(&a.stage_line(&a.base, Some(super::BUILDER)));
    for item in &a.items[..=last_install.min(a.items.len().saturating_sub(1))] {
        if is_early_config(item.keyword()) {
            b.push_str(a.text(item.ins));
            b.push('\n');
        } else if item.is_run() || item.is_context_copy() || item.is_composer_copy() {
            b.push_str(&block(a.df, item.ins));
        }
    }
    let mut t = String::new();
    t.push_str(&format!("\n{}", a.stage_line(runtime_base, None)));
    t.push_str(&early_config(a, true));
    if let Some(i) = runtime_install {
        t.push_str(&i);
    }
    let mut copied: Vec<&String> = Vec::new();
    for (idx, item) in a.items.iter().enumerate() {
        if item.is_context_copy() {
            t.push_str(&copy_at(a, item, &workdir));
            continue;
        }
        if !item.is_run() {
            continue;
        }
        let mut mine = Vec::new();
        for c in &item.cmds {
            // PHP extensions are compiled where they run: the runtime
            // replays them (only a PHP plan accepts them).
            // docker-php-ext-* work on absolute paths: no `cd` needed. A
            // forced `rm` is replayed only by plans that accept it (PHP):
            // the others refuse it before emitting.
            if matches!(
                c.kind,
                CmdKind::Replay | CmdKind::PhpExt | CmdKind::Remove(_)
            ) {
                if item.step.cwd != workdir && !cwd_independent(c) {
                    mine.push(format!("cd {}", item.step.cwd));
                }
                mine.push(c.text.clone());
            }
        }
        for (_, dir) in at_item.iter().filter(|(i, _)| *i == idx) {
            let last = at_item
                .iter()
                .rev()
                .find(|(_, d)| d == dir)
                .map(|(i, _)| *i);
            if last == Some(idx) && !copied.contains(&dir) {
                t.push_str(&comments(item.ins));
                t.push_str(&format!("COPY --from={} {dir} {dir}\n", super::BUILDER));
                copied.push(dir);
            }
        }
        if !mine.is_empty() {
            t.push_str(&comments(item.ins));
            t.push_str(&format!("RUN {}\n", mine.join(" && ")));
        }
    }
    t.push_str(&late_config(a, &[]));
    Ok((b, t))
}
