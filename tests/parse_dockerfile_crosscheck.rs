//! Cross-check with `parse-dockerfile` (taiki-e), the strongest existing crate:
//! instruction count, keywords (ONBUILD triggers included), keyword spans,
//! flags (name and unescaped value) and exec/shell form, on corpus/ and
//! ../shared/corpus.
//!
//! Its documented gaps are skipped, not compared:
//! - a heredoc that is not the first word of RUN (`RUN python3 <<EOF`), or
//!   several heredocs in one RUN (TODOs in its source);
//! - a UTF-8 BOM: its spans are counted from the text without the BOM, so
//!   keyword spans are compared 3 bytes shifted.

use std::path::Path;

use dockopt::syntax::{parse, Arguments, Instruction, Keyword};
use parse_dockerfile as pd;

mod common;
use common::{dockerfiles_under, shared_dockerfiles};

/// What both parsers can say about one instruction.
#[derive(Debug, PartialEq, Eq)]
struct View {
    keyword: String,
    keyword_start: usize,
    flags: Vec<(String, Option<String>)>,
    /// `Some(true)` exec form, `Some(false)` shell form, `None` n/a.
    exec: Option<bool>,
    trigger: Option<Box<View>>,
}

fn ours(ins: &Instruction) -> View {
    let exec = match ins.keyword {
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint | Keyword::Volume => {
            Some(ins.arguments.is_exec())
        }
        Keyword::Healthcheck => {
            let text = ins.arguments.shell_text().unwrap_or("");
            let mut parts = text.splitn(2, char::is_whitespace);
            let typ = parts.next().unwrap_or("");
            let rest = parts.next().unwrap_or("").trim_start();
            if typ.eq_ignore_ascii_case("cmd") {
                Some(serde_json::from_str::<Vec<String>>(rest).is_ok())
            } else {
                None
            }
        }
        _ => None,
    };
    View {
        keyword: ins.keyword.as_str().to_string(),
        keyword_start: ins.keyword_span.start,
        flags: ins
            .flags
            .iter()
            .map(|f| (f.name.clone(), f.value.clone()))
            .collect(),
        exec,
        trigger: ins.trigger.as_deref().map(|t| Box::new(ours(t))),
    }
}

fn flags(opts: &[pd::Flag<'_>]) -> Vec<(String, Option<String>)> {
    opts.iter()
        .map(|f| {
            (
                f.name.value.to_string(),
                f.value.as_ref().map(|v| v.value.to_string()),
            )
        })
        .collect()
}

fn command_is_exec(c: &pd::Command<'_>) -> bool {
    matches!(c, pd::Command::Exec(_))
}

fn theirs(ins: &pd::Instruction<'_>, shift: usize) -> View {
    use pd::Instruction as I;
    let (keyword, span, flags, exec, trigger) = match ins {
        I::Add(i) => ("ADD", &i.add.span, flags(&i.options), None, None),
        I::Arg(i) => ("ARG", &i.arg.span, vec![], None, None),
        I::Cmd(i) => (
            "CMD",
            &i.cmd.span,
            vec![],
            Some(command_is_exec(&i.arguments)),
            None,
        ),
        I::Copy(i) => ("COPY", &i.copy.span, flags(&i.options), None, None),
        I::Entrypoint(i) => (
            "ENTRYPOINT",
            &i.entrypoint.span,
            vec![],
            Some(command_is_exec(&i.arguments)),
            None,
        ),
        I::Env(i) => ("ENV", &i.env.span, vec![], None, None),
        I::Expose(i) => ("EXPOSE", &i.expose.span, vec![], None, None),
        I::From(i) => ("FROM", &i.from.span, flags(&i.options), None, None),
        I::Healthcheck(i) => {
            let exec = match &i.arguments {
                pd::HealthcheckArguments::Cmd { arguments, .. } => Some(command_is_exec(arguments)),
                _ => None,
            };
            (
                "HEALTHCHECK",
                &i.healthcheck.span,
                flags(&i.options),
                exec,
                None,
            )
        }
        I::Label(i) => ("LABEL", &i.label.span, vec![], None, None),
        I::Maintainer(i) => ("MAINTAINER", &i.maintainer.span, vec![], None, None),
        I::Onbuild(i) => (
            "ONBUILD",
            &i.onbuild.span,
            vec![],
            None,
            Some(Box::new(theirs(&i.instruction, shift))),
        ),
        I::Run(i) => (
            "RUN",
            &i.run.span,
            flags(&i.options),
            Some(command_is_exec(&i.arguments)),
            None,
        ),
        I::Shell(i) => ("SHELL", &i.shell.span, vec![], None, None),
        I::Stopsignal(i) => ("STOPSIGNAL", &i.stopsignal.span, vec![], None, None),
        I::User(i) => ("USER", &i.user.span, vec![], None, None),
        I::Volume(i) => (
            "VOLUME",
            &i.volume.span,
            vec![],
            Some(matches!(i.arguments, pd::JsonOrStringArray::Json(_))),
            None,
        ),
        I::Workdir(i) => ("WORKDIR", &i.workdir.span, vec![], None, None),
        _ => ("?", &(0..0), vec![], None, None),
    };
    View {
        keyword: keyword.to_string(),
        keyword_start: span.start + shift,
        flags,
        exec,
        trigger,
    }
}

/// RUN with a heredoc that is not its first argument word, or several.
fn in_known_gap(ins: &Instruction) -> bool {
    let node = ins.trigger.as_deref().unwrap_or(ins);
    if node.keyword != Keyword::Run || ins.heredocs.is_empty() {
        return false;
    }
    let first_word_is_heredoc = match &node.arguments {
        Arguments::Shell { text, .. } => text.split_whitespace().next().is_some_and(|w| {
            w.trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with("<<")
        }),
        Arguments::Exec { .. } => false,
    };
    ins.heredocs.len() > 1 || !first_word_is_heredoc
}

#[derive(Default)]
struct Tally {
    files: usize,
    agree: usize,
    instructions: usize,
    both_reject: usize,
    gap: usize,
    failures: Vec<String>,
}

fn check(name: &str, text: &str, t: &mut Tally) {
    t.files += 1;
    let ours_df = parse(text);
    let theirs_df = pd::parse(text);
    match (ours_df, theirs_df) {
        (Err(_), Err(_)) => {
            t.both_reject += 1;
            t.agree += 1;
        }
        (Ok(df), theirs_df) => {
            if df.instructions.iter().any(in_known_gap) {
                t.gap += 1;
                return;
            }
            let Ok(theirs_df) = theirs_df else {
                t.failures
                    .push(format!("{name}: parse-dockerfile rejects a file we accept"));
                return;
            };
            let shift = if df.has_bom { 3 } else { 0 };
            let a: Vec<View> = df.instructions.iter().map(ours).collect();
            let b: Vec<View> = theirs_df
                .instructions
                .iter()
                .map(|i| theirs(i, shift))
                .collect();
            if a == b {
                t.agree += 1;
                t.instructions += a.len();
            } else {
                let at = a.iter().zip(&b).position(|(x, y)| x != y);
                t.failures.push(format!(
                    "{name}: {} vs {} instructions; first difference at {at:?}:\n    ours:   {:?}\n    theirs: {:?}",
                    a.len(),
                    b.len(),
                    at.and_then(|i| a.get(i)),
                    at.and_then(|i| b.get(i))
                ));
            }
        }
        (Err(e), Ok(_)) => {
            // parse-dockerfile skips some of BuildKit's instruction-stage checks.
            let why = e.kind.code();
            t.failures.push(format!(
                "{name}: we reject ({why}: {}), parse-dockerfile accepts",
                e.message
            ));
        }
    }
}

/// Files BuildKit's build rejects but parse-dockerfile accepts (it does not
/// check that a string flag has a value): see REJECTED_BY_BUILD in roundtrip.rs.
const ACCEPTED_BY_PARSE_DOCKERFILE_ONLY: [&str; 1] = ["shared/0252"];

#[test]
fn parse_dockerfile_agrees() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut own = Tally::default();
    for p in dockerfiles_under(&root.join("corpus")) {
        let text = std::fs::read_to_string(&p).expect("UTF-8");
        let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        check(&name, &text, &mut own);
    }
    let mut shared = Tally::default();
    for (id, p) in shared_dockerfiles() {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        check(&format!("shared/{id}"), &text, &mut shared);
    }
    let before = shared.failures.len();
    shared.failures.retain(|f| {
        !ACCEPTED_BY_PARSE_DOCKERFILE_ONLY
            .iter()
            .any(|id| f.starts_with(&format!("{id}:")))
    });
    let build_rejects = before - shared.failures.len();
    for (label, t, excl) in [("corpus/", &own, 0), ("shared", &shared, build_rejects)] {
        println!(
            "parse-dockerfile cross-check {label}: {}/{} files agree ({} instructions compared, {} rejected by both), {} skipped (heredoc gap), {excl} excluded (build rejects, parse-dockerfile accepts), {} disagree",
            t.agree,
            t.files - t.gap - excl,
            t.instructions,
            t.both_reject,
            t.gap,
            t.failures.len()
        );
    }
    let failures: Vec<&String> = own.failures.iter().chain(&shared.failures).collect();
    assert!(
        failures.is_empty(),
        "{}",
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
}
