use crate::rules::ctx::Cmd;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::shell::{Command, Connector, Pipeline, Script};

declare_rule! {
    /// ## What it does
    /// Finds a `cd` in a `RUN` that `WORKDIR` could replace: one the RUN
    /// always runs (at the top of its script, after `&&` or `;`, not inside
    /// an `if`, a loop, a subshell or after `||`), into a folder the RUN does
    /// not delete again (`cd /tmp/build && make install && rm -rf
    /// /tmp/build` keeps the build out of the image's layers; a WORKDIR
    /// would leave the folder behind).
    ///
    /// ## Why is this bad?
    /// The directory change ends with the `RUN`: later instructions are back in
    /// the previous directory, which is easy to misread. `WORKDIR` states it once.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN cd /app && make
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// WORKDIR /app
    /// RUN make
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: `WORKDIR` also changes later instructions.
    code: "DO410",
    name: "cd-in-run",
    family: Correctness,
    severity: Info,
    hadolint: ["DL3003"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

/// The variable names `$name` and `${name…}` in a word.
fn shell_vars(word: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = word;
    while let Some(i) = rest.find('$') {
        let after = rest[i + 1..].strip_prefix('{').unwrap_or(&rest[i + 1..]);
        let len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 {
            out.push(&after[..len]);
        }
        rest = &after[len..];
    }
    out
}

/// Whether the script assigns `name` (`name=…`, `export name=…`, `for name in`,
/// `read name`).
fn assigned_in(script: &str, name: &str) -> bool {
    let assign = format!("{name}=");
    let starts_word = |i: usize| {
        script[..i]
            .chars()
            .next_back()
            .is_none_or(|c| c.is_whitespace() || matches!(c, ';' | '&' | '|' | '(' | '{'))
    };
    script.match_indices(&assign).any(|(i, _)| starts_word(i))
        || script.contains(&format!("for {name} "))
        || script.contains(&format!("read {name}"))
        || script.contains(&format!("read -r {name}"))
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (step, ins, cmds) in cx.runs() {
        let Some(script) = cx.script(step.instruction) else {
            continue;
        };
        let cwd = crate::model::path::clean(&step.cwd);
        // The first `cd` that WORKDIR could replace. After one it cannot,
        // only an absolute `cd` is read: a relative one (`cd ..`) or a way
        // back (`cd /` before deleting the folder) belongs to the first.
        let mut found = None;
        let mut skipped = None;
        for (at, c) in cmds.iter().enumerate().filter(|(_, c)| c.program() == "cd") {
            if skipped == Some(Skip::Deleted) {
                break;
            }
            let absolute = c.args().first().is_some_and(|a| a.starts_with('/'));
            if skipped.is_some() && !absolute {
                continue;
            }
            match replaceable(ins, script, cmds, at, &cwd) {
                Ok(dir) => {
                    found = Some((at, c, dir));
                    break;
                }
                Err(why) => skipped = Some(why),
            }
        }
        let Some((at, c, (dir, abs))) = found else {
            continue;
        };
        // WORKDIR stays for every later step (and the image's working
        // directory): the advice puts the old one back after the RUN. A `cd`
        // after other commands cannot move before the RUN at all.
        let advice = if at == 0 {
            format!("`WORKDIR {abs}` before this RUN and `WORKDIR {cwd}` after it (the steps after it run in {cwd})")
        } else {
            format!("split the RUN at the `cd`: `WORKDIR {abs}` before the second part, `WORKDIR {cwd}` after it (the commands before it and the steps after it run in {cwd})")
        };
        let span = cx
            .arg_span(ins, c, &dir)
            .and_then(|arg| {
                cx.script_span(ins, step.instruction, c.inv.program_word.span)
                    .map(|p| crate::syntax::Span::new(p.start, arg.end))
            })
            .unwrap_or_else(|| cx.find_in(ins, &format!("cd {dir}")));
        out.push(
            cx.finding(&RULE, span, format!("`cd {dir}` in RUN: use WORKDIR {abs}"))
                .with_fix(Fix::display(advice)),
        );
    }
}

/// The folder (as written, and absolute) of the `cd` at `cmds[at]` when
/// WORKDIR could replace it.
fn replaceable(
    ins: &crate::syntax::Instruction,
    script: &Script,
    cmds: &[Cmd],
    at: usize,
    cwd: &str,
) -> Result<(String, String), Skip> {
    let c = &cmds[at];
    // A `cd` inside `$(…)` only shapes that substitution's output
    // (`$(cd dir && pwd)`): WORKDIR is no replacement for it.
    if c.place.substitution {
        return Err(Skip::Elsewhere);
    }
    let dir = c
        .args()
        .first()
        .filter(|a| *a != "-")
        .ok_or(Skip::Elsewhere)?
        .clone();
    // WORKDIR cannot be conditional, and a `cd` in a subshell or a branch is
    // not the RUN's.
    if !always_runs(script, c) {
        return Err(Skip::Elsewhere);
    }
    // `cd "$tempDir"` after `tempDir="$(mktemp -d)"`: a variable this RUN's
    // shell sets, which WORKDIR cannot name (it expands ARG and ENV, the base
    // image's too, such as golang's GOPATH).
    if shell_vars(&dir)
        .iter()
        .any(|v| assigned_in(&ins.logical, v))
    {
        return Err(Skip::Elsewhere);
    }
    let abs = if dir.contains('$') || dir.starts_with('~') {
        dir.clone()
    } else {
        crate::model::path::join_abs(cwd, &dir)
    };
    // A folder the RUN deletes again: a WORKDIR would leave it behind, and
    // splitting the RUN would keep the build in a layer.
    if deletes_later(&cmds[at + 1..], &abs) {
        return Err(Skip::Deleted);
    }
    Ok((dir, abs))
}

/// Why a `cd` is not one WORKDIR could replace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Skip {
    /// Conditional, in a subshell or substitution, `cd -`, or into a folder
    /// the shell names: it changes the folder of a part of the RUN only.
    Elsewhere,
    /// Into a folder the RUN deletes: the later `cd`s lead back out of it.
    Deleted,
}

/// Whether the `cd` command `c` runs whenever its RUN succeeds: a simple
/// command on its own in a top-level list item, after `&&` only, and
/// followed by `&&`, the end, or `|| exit …` (which only handles its failure).
fn always_runs(script: &Script, c: &Cmd) -> bool {
    for item in script.items.iter().filter(|i| !i.background) {
        let and_or = &item.and_or;
        let pipelines: Vec<(Option<Connector>, &Pipeline)> = std::iter::once((None, &and_or.first))
            .chain(and_or.rest.iter().map(|(k, p)| (Some(*k), p)))
            .collect();
        for (k, (_, pl)) in pipelines.iter().enumerate() {
            let is_c = matches!(pl.commands.as_slice(), [Command::Simple(sc)]
                if sc.words.first().is_some_and(|w| std::ptr::eq(w, c.inv.program_word)));
            if !is_c {
                continue;
            }
            // `go get x || true && cd …`: `|| true` makes the chain before
            // it succeed, so what follows always runs.
            let branch = pipelines[..=k]
                .iter()
                .any(|(conn, p)| *conn == Some(Connector::Or) && !succeeds(p));
            if pl.negated || branch {
                return false;
            }
            return match pipelines.get(k + 1) {
                None | Some((Some(Connector::And), _)) => true,
                Some((_, next)) => exits(next) && pipelines.len() == k + 2,
            };
        }
    }
    false
}

/// `true` or `:`: always succeeds.
fn succeeds(pl: &Pipeline) -> bool {
    !pl.negated
        && matches!(pl.commands.as_slice(), [Command::Simple(sc)]
            if sc.words.len() == 1 && sc.words.first().and_then(|w| w.literal())
                .is_some_and(|p| p == "true" || p == ":"))
}

/// `exit …`, `return …` or `false`: the `||` branch only handles failure.
fn exits(pl: &Pipeline) -> bool {
    matches!(pl.commands.as_slice(), [Command::Simple(sc)]
        if sc.words.first().and_then(|w| w.literal())
            .is_some_and(|p| matches!(p.as_str(), "exit" | "return" | "false")))
}

/// Whether a later `rm` of the RUN deletes `dir` or a folder above it
/// (`/` aside): relative paths are read against the folder later `cd`s
/// enter.
fn deletes_later(after: &[Cmd], dir: &str) -> bool {
    if dir.contains('$') || !dir.starts_with('/') {
        return false;
    }
    let mut cur = dir.to_string();
    for c in after.iter().filter(|c| !c.place.substitution) {
        match c.program() {
            "cd" => match c.args().first() {
                Some(d) if !d.contains('$') && d != "-" => {
                    cur = crate::model::path::join_abs(&cur, d);
                }
                _ => return false,
            },
            "rm" => {
                let hit = c
                    .args()
                    .iter()
                    .filter(|a| !a.starts_with('-') && !a.contains('$'))
                    .map(|a| crate::model::path::join_abs(&cur, a))
                    .any(|gone| {
                        gone != "/"
                            && (gone == dir
                                || dir
                                    .strip_prefix(gone.as_str())
                                    .is_some_and(|r| r.starts_with('/')))
                    });
                if hit {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}
