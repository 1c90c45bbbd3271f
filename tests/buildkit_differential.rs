//! BuildKit's own parser as the referee.
//!
//! `tests/referee/buildkit_parse.py` runs the PyPI package `dockerfile`
//! (3.4.0, which wraps BuildKit v0.12.5's Go parser) over every input once and
//! prints one JSON document. This test derives the same view from our tree
//! (`buildkit_view`) and compares instruction by instruction: keyword, ONBUILD
//! trigger, JSON form, start/end line, flags, node values and heredocs.
//!
//! Inputs: every Dockerfile of corpus/, of ../shared/corpus when present, and
//! a few hundred generated ones (tests/common/generate.rs).
//!
//! Without python3 or the package the test prints one line and passes, so a
//! plain `cargo test` works with only Rust; `DOCKOPT_REFEREE=1` makes a
//! missing referee an error (CI sets it).
//!
//! Known, deliberate differences (we follow current BuildKit, the referee is
//! v0.12.5):
//! - `# check=` directive: v0.12 does not know it, so a directive after it is
//!   a comment there. The referee gets the directive lines with the `check`
//!   lines moved last (same lines, same numbering); a second `check` is our
//!   error only.
//! - JSON followed by more text (`CMD ["a"] b`): v0.12 decodes the first JSON
//!   value and ignores the rest; BuildKit >= v0.15 (moby/buildkit#5107) uses
//!   `json.Unmarshal`, so it is the shell form. Such files are counted apart.
//! - Files BuildKit's parser accepts but its build rejects are errors in ours.
//!   They count as agreeing when `parse_syntax_only` agrees with the referee
//!   (or, for an unknown instruction, the referee has that unknown word on
//!   the error line). In the corpora only bare `FROM` (bad-arguments), unknown
//!   instructions and `--from` without `=` may be excluded this way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use dockopt::syntax::words::{parse_words, split_whitespace};
use dockopt::syntax::{
    parse, parse_syntax_only, Arguments, Dockerfile, Instruction, Keyword, ParseError,
    ParseErrorKind,
};
use serde::Deserialize;

mod common;
use common::{dockerfiles_under, generate, shared_dockerfiles};

const GENERATED: u64 = 400;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct BkHeredoc {
    name: String,
    fd: u32,
    content: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
struct BkCommand {
    cmd: String,
    sub_cmd: Option<String>,
    json: bool,
    start_line: usize,
    end_line: usize,
    flags: Vec<String>,
    value: Vec<String>,
    heredocs: Vec<BkHeredoc>,
}

#[derive(Debug, Deserialize)]
struct BkResult {
    commands: Option<Vec<BkCommand>>,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BkOutput {
    ok: bool,
    reason: Option<String>,
    version: Option<String>,
    results: Option<BTreeMap<String, BkResult>>,
}

// ---------------------------------------------------------------------------
// The BuildKit view of our tree.

/// BuildKit's `reWhitespace` split (`[\t\v\f\r ]+`) of already trimmed text.
fn ws_split(text: &str) -> Vec<String> {
    if text.is_empty() {
        return Vec::new();
    }
    text.split(['\t', '\u{b}', '\u{c}', '\r', ' '])
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

/// BuildKit's `parseJSON` as current BuildKit does it (whole text must be
/// one JSON array): `Some(elements)` for the exec form.
fn json_strings(text: &str) -> Option<Vec<String>> {
    let t = text.trim_start();
    if !t.starts_with('[') {
        return None;
    }
    serde_json::from_str::<Vec<String>>(t).ok()
}

/// v0.12's `json.NewDecoder(..).Decode`: a JSON array followed by anything.
fn json_with_trailing_text(text: &str) -> bool {
    let t = text.trim_start();
    if !t.starts_with('[') || serde_json::from_str::<serde_json::Value>(t).is_ok() {
        return false;
    }
    let mut stream = serde_json::Deserializer::from_str(t).into_iter::<serde_json::Value>();
    matches!(stream.next(), Some(Ok(serde_json::Value::Array(_))))
}

fn shell(ins: &Instruction) -> &str {
    ins.arguments.shell_text().unwrap_or("")
}

fn exec_or(ins: &Instruction, shell_form: impl FnOnce(&str) -> Vec<String>) -> Vec<String> {
    match &ins.arguments {
        Arguments::Exec { elements, .. } => elements.iter().map(|e| e.value.clone()).collect(),
        Arguments::Shell { text, .. } => shell_form(text),
    }
}

/// Go's `unicode.IsSpace(rune(b))` for one byte, as `parseHealthConfig` uses it.
fn go_byte_space(b: u8) -> bool {
    matches!(b, b'\t' | b'\n' | 0x0b | 0x0c | b'\r' | b' ' | 0x85 | 0xa0)
}

/// Node values (`Next` chain) and the `json` attribute for one instruction.
fn values(ins: &Instruction, escape: char) -> (Vec<String>, bool) {
    let json = ins.arguments.is_exec();
    let one = |t: &str| {
        if t.is_empty() {
            Vec::new()
        } else {
            vec![t.to_string()]
        }
    };
    let v = match ins.keyword {
        Keyword::Add | Keyword::Copy | Keyword::Volume => exec_or(ins, ws_split),
        Keyword::Arg => parse_words(shell(ins), escape)
            .into_iter()
            .map(|w| w.0)
            .collect(),
        Keyword::Cmd | Keyword::Entrypoint | Keyword::Run | Keyword::Shell => exec_or(ins, one),
        Keyword::Env | Keyword::Label => name_vals(shell(ins), escape),
        Keyword::Expose | Keyword::From => ws_split(shell(ins)),
        Keyword::Maintainer | Keyword::Stopsignal | Keyword::User | Keyword::Workdir => {
            one(shell(ins))
        }
        Keyword::Healthcheck => {
            let rest = shell(ins).as_bytes();
            let sep = rest
                .iter()
                .position(|&b| go_byte_space(b))
                .unwrap_or(rest.len());
            if sep == 0 {
                return (Vec::new(), false);
            }
            let next = rest[sep..]
                .iter()
                .position(|&b| !go_byte_space(b))
                .map(|i| sep + i)
                .unwrap_or(rest.len());
            let typ = String::from_utf8_lossy(&rest[..sep]).into_owned();
            let cmd = String::from_utf8_lossy(&rest[next..]).into_owned();
            let mut v = vec![typ];
            return match json_strings(&cmd) {
                Some(elems) => {
                    v.extend(elems);
                    (v, true)
                }
                None => {
                    v.extend(one(&cmd));
                    (v, false)
                }
            };
        }
        Keyword::Onbuild => match &ins.trigger {
            Some(t) => return values(t, escape),
            None => Vec::new(),
        },
    };
    (v, json)
}

/// BuildKit's `parseNameVal` (v0.12: no `=` separator nodes).
fn name_vals(text: &str, escape: char) -> Vec<String> {
    let words = parse_words(text, escape);
    let Some(first) = words.first() else {
        return Vec::new();
    };
    if !first.0.contains('=') {
        // Legacy `ENV key value with spaces`: split once on reWhitespace.
        let split: Vec<&str> = split_whitespace(text).iter().map(|w| w.0).collect();
        let Some(key) = split.first() else {
            return Vec::new();
        };
        let rest = text[key.len()..].trim_start_matches(['\t', '\u{b}', '\u{c}', '\r', ' ']);
        return if split.len() < 2 {
            vec![key.to_string()]
        } else {
            vec![key.to_string(), rest.to_string()]
        };
    }
    let mut out = Vec::new();
    for (w, _, _) in words {
        let (k, v) = w.split_once('=').unwrap_or((&w, ""));
        out.push(k.to_string());
        out.push(v.to_string());
    }
    out
}

fn flag_words(ins: &Instruction) -> Vec<String> {
    ins.flags
        .iter()
        .map(|f| match &f.value {
            Some(v) => format!("--{}={v}", f.name),
            None => format!("--{}", f.name),
        })
        .collect()
}

/// What BuildKit's parser (through the Python wrapper) reports for our tree.
fn buildkit_view(df: &Dockerfile) -> Vec<BkCommand> {
    df.instructions
        .iter()
        .map(|ins| {
            let (value, json) = values(ins, df.escape);
            BkCommand {
                cmd: ins.keyword.as_str().to_string(),
                sub_cmd: ins.trigger.as_ref().map(|t| t.keyword.as_str().to_string()),
                json,
                start_line: ins.start_line,
                end_line: ins.end_line,
                flags: flag_words(ins),
                value,
                // The wrapper reports the trigger node's heredocs for ONBUILD;
                // BuildKit hangs them on the ONBUILD node, so it shows none.
                heredocs: if ins.keyword == Keyword::Onbuild {
                    Vec::new()
                } else {
                    ins.heredocs
                        .iter()
                        .map(|h| BkHeredoc {
                            name: h.name.clone(),
                            fd: h.file_descriptor,
                            content: h.content.clone(),
                        })
                        .collect()
                },
            }
        })
        .collect()
}

/// Any argument text that v0.12 reads as JSON but current BuildKit does not.
fn has_json_trailing(df: &Dockerfile) -> bool {
    df.instructions.iter().any(|ins| {
        let node = ins.trigger.as_deref().unwrap_or(ins);
        let text = shell(node);
        match node.keyword {
            Keyword::Healthcheck => {
                let t = text.trim_start();
                let cmd = t.split_once(char::is_whitespace).map(|x| x.1).unwrap_or("");
                json_with_trailing_text(cmd)
            }
            _ => json_with_trailing_text(text),
        }
    })
}

fn normalise(mut cmds: Vec<BkCommand>) -> Vec<BkCommand> {
    for c in &mut cmds {
        c.cmd = c.cmd.to_ascii_uppercase();
        c.sub_cmd = c.sub_cmd.as_ref().map(|s| s.to_ascii_uppercase());
    }
    cmds
}

// ---------------------------------------------------------------------------
// Inputs and the referee run.

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Tier {
    Own,
    Shared,
    Generated,
}

struct Input {
    tier: Tier,
    name: String,
    text: String,
    /// The file handed to the referee (the `check` directive moved last).
    referee_path: PathBuf,
}

/// Moves `# check=` lines after the other leading directive lines, so that
/// v0.12 (which stops at an unknown directive) sees the same directives.
fn referee_text(text: &str) -> Option<String> {
    let df = parse_syntax_only(text).ok()?;
    let checks: Vec<_> = df.directives.iter().filter(|d| d.name == "check").collect();
    if checks.is_empty() || df.directives.last().map(|d| d.name.as_str()) == Some("check") {
        return None;
    }
    let n = df.directives.len();
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let bom = usize::from(df.has_bom) * 3;
    // Directives are the first n lines (a directive block has no gaps).
    let mut block: Vec<String> = lines[..n].iter().map(|l| l.to_string()).collect();
    if bom > 0 {
        block[0] = block[0][bom..].to_string();
    }
    let (mut other, check): (Vec<String>, Vec<String>) = block.into_iter().partition(|l| {
        !l.trim_start()
            .trim_start_matches('#')
            .trim_start()
            .to_ascii_lowercase()
            .starts_with("check")
    });
    other.extend(check);
    let mut out = String::new();
    if bom > 0 {
        out.push('\u{feff}');
    }
    for l in other.iter().chain(
        lines[n..]
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .iter(),
    ) {
        out.push_str(l);
    }
    Some(out)
}

fn run_referee(paths: &[PathBuf]) -> Result<BkOutput, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/referee/buildkit_parse.py");
    let list: String = paths.iter().map(|p| format!("{}\n", p.display())).collect();
    let mut child = Command::new(std::env::var("PYTHON").unwrap_or_else(|_| "python3".into()))
        .arg(&script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start python3: {e}"))?;
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().ok_or("no stdin")?;
        stdin
            .write_all(list.as_bytes())
            .map_err(|e| format!("writing to the referee: {e}"))?;
    }
    let out = child
        .wait_with_output()
        .map_err(|e| format!("referee failed: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "referee exited with {}: {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let parsed: BkOutput = serde_json::from_slice(&out.stdout)
        .map_err(|e| format!("referee output is not the expected JSON: {e}"))?;
    if !parsed.ok {
        return Err(parsed
            .reason
            .unwrap_or_else(|| "referee not available".into()));
    }
    Ok(parsed)
}

// ---------------------------------------------------------------------------
// Comparison.

enum Outcome {
    Agree,
    BothReject,
    /// Our instruction-stage error on a file BuildKit's parser accepts.
    BuildRejects(&'static str),
    KnownV012(&'static str),
    Disagree(String),
}

fn first_difference(ours: &[BkCommand], theirs: &[BkCommand]) -> String {
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        if a != b {
            return format!("instruction #{i}:\n    ours:     {a:?}\n    buildkit: {b:?}");
        }
    }
    format!(
        "instruction count: ours {} vs buildkit {}\n    ours:     {:?}\n    buildkit: {:?}",
        ours.len(),
        theirs.len(),
        ours.get(theirs.len()),
        theirs.get(ours.len())
    )
}

fn is_build_stage_kind(kind: &ParseErrorKind) -> bool {
    !matches!(
        kind,
        ParseErrorKind::UnterminatedHeredoc
            | ParseErrorKind::NotStringArray
            | ParseErrorKind::BadDirective
    )
}

fn compare(input: &Input, bk: &BkResult) -> Outcome {
    let ours = parse(&input.text);
    let theirs = bk.commands.clone().map(normalise);
    let syntax_view = || parse_syntax_only(&input.text).map(|df| buildkit_view(&df));
    let trailing = parse_syntax_only(&input.text)
        .map(|df| has_json_trailing(&df))
        .unwrap_or_else(|_| {
            // Our error may come from the very JSON v0.12 reads leniently.
            input.text.lines().any(|l| {
                let t = l.trim_start();
                let rest = t.split_once(char::is_whitespace).map(|x| x.1).unwrap_or("");
                json_with_trailing_text(rest)
            })
        });
    match (ours, theirs) {
        (Ok(df), Some(theirs)) => {
            let view = buildkit_view(&df);
            if view == theirs {
                Outcome::Agree
            } else if trailing {
                Outcome::KnownV012("JSON followed by text")
            } else {
                Outcome::Disagree(first_difference(&view, &theirs))
            }
        }
        (Err(_), None) => Outcome::BothReject,
        (Ok(_), None) => {
            if trailing {
                return Outcome::KnownV012("JSON followed by text");
            }
            Outcome::Disagree(format!(
                "we accept, buildkit rejects: {}",
                bk.error.as_deref().unwrap_or("?")
            ))
        }
        (Err(e), Some(theirs)) => {
            if e.kind == ParseErrorKind::BadDirective && e.message.contains("check") {
                return Outcome::KnownV012("repeated check directive");
            }
            if trailing {
                return Outcome::KnownV012("JSON followed by text");
            }
            if is_build_stage_kind(&e.kind) {
                let agrees = match syntax_view() {
                    Ok(view) => view == theirs,
                    Err(se) => unknown_word_on_line(&se, &theirs),
                };
                if agrees {
                    return Outcome::BuildRejects(e.kind.code());
                }
            }
            Outcome::Disagree(format!(
                "we reject ({}: {}), buildkit accepts",
                e.kind.code(),
                render(&e, &input.text)
            ))
        }
    }
}

/// Our syntax-level error is an unknown instruction or a forbidden ONBUILD
/// trigger, and BuildKit's parser has exactly that on the error line.
fn unknown_word_on_line(e: &ParseError, theirs: &[BkCommand]) -> bool {
    let Some(c) = theirs
        .iter()
        .find(|c| c.start_line <= e.line && e.line <= c.end_line)
    else {
        return false;
    };
    match e.kind {
        ParseErrorKind::UnknownInstruction => {
            Keyword::parse(&c.cmd).is_none()
                || c.sub_cmd
                    .as_deref()
                    .is_some_and(|s| Keyword::parse(s).is_none())
        }
        ParseErrorKind::BadOnbuild => c.cmd == "ONBUILD",
        _ => false,
    }
}

fn render(e: &ParseError, text: &str) -> String {
    e.render("Dockerfile", text)
}

const CORPUS_EXCLUSIONS: [&str; 3] = ["bad-arguments", "unknown-instruction", "flag-without-value"];

#[test]
fn buildkit_referee() {
    let required = std::env::var("DOCKOPT_REFEREE").is_ok_and(|v| v == "1");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("temp dir");
    let mut inputs: Vec<Input> = Vec::new();
    let mut add = |tier: Tier, name: String, text: String, path: Option<PathBuf>| {
        let i = inputs.len();
        let referee_path = match (referee_text(&text), path) {
            (None, Some(p)) => p,
            (moved, _) => {
                let p = tmp.path().join(format!("{i:05}.Dockerfile"));
                std::fs::write(&p, moved.as_deref().unwrap_or(&text)).expect("write temp file");
                p
            }
        };
        inputs.push(Input {
            tier,
            name,
            text,
            referee_path,
        });
    };
    for p in dockerfiles_under(&root.join("corpus")) {
        let text = std::fs::read_to_string(&p).expect("corpus file is UTF-8");
        let name = p.strip_prefix(root).unwrap_or(&p).display().to_string();
        add(Tier::Own, name, text, Some(p));
    }
    for (id, p) in shared_dockerfiles() {
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        add(Tier::Shared, format!("shared/{id}"), text, Some(p));
    }
    for seed in 0..GENERATED {
        add(
            Tier::Generated,
            format!("generated seed {seed}"),
            generate::dockerfile(seed),
            None,
        );
    }

    let paths: Vec<PathBuf> = inputs.iter().map(|i| i.referee_path.clone()).collect();
    let output = match run_referee(&paths) {
        Ok(o) => o,
        Err(reason) if !required => {
            println!(
                "buildkit referee did not run ({reason}); set DOCKOPT_REFEREE=1 to require it"
            );
            return;
        }
        Err(reason) => panic!("DOCKOPT_REFEREE=1 but the BuildKit referee cannot run: {reason}"),
    };
    let results = output.results.unwrap_or_default();

    let mut agree: BTreeMap<Tier, (usize, usize)> = BTreeMap::new();
    let mut excluded: Vec<String> = Vec::new();
    let mut known: BTreeMap<&str, usize> = BTreeMap::new();
    let mut both_reject = 0;
    let mut failures: Vec<String> = Vec::new();
    for input in &inputs {
        let key = input.referee_path.display().to_string();
        let Some(bk) = results.get(&key) else {
            failures.push(format!("{}: no referee result", input.name));
            continue;
        };
        let entry = agree.entry(input.tier).or_default();
        match compare(input, bk) {
            Outcome::Agree => {
                entry.0 += 1;
                entry.1 += 1;
            }
            Outcome::BothReject => {
                both_reject += 1;
                entry.0 += 1;
                entry.1 += 1;
            }
            Outcome::BuildRejects(code) => {
                if input.tier != Tier::Generated && !CORPUS_EXCLUSIONS.contains(&code) {
                    failures.push(format!(
                        "{}: we reject with {code}, which is not one of the build-stage rejections allowed in corpora",
                        input.name
                    ));
                    entry.1 += 1;
                } else {
                    excluded.push(format!("{} ({code})", input.name));
                }
            }
            Outcome::KnownV012(what) => *known.entry(what).or_default() += 1,
            Outcome::Disagree(why) => {
                entry.1 += 1;
                failures.push(format!(
                    "{}: {why}\n--- input ---\n{}",
                    input.name, input.text
                ));
            }
        }
    }
    let (ok, total) = agree.values().fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
    let tier = |t: Tier| agree.get(&t).copied().unwrap_or_default();
    let (own, shared, generated) = (tier(Tier::Own), tier(Tier::Shared), tier(Tier::Generated));
    let shared_txt = if shared.1 == 0 {
        "not present".to_string()
    } else {
        format!("{}/{}", shared.0, shared.1)
    };
    println!(
        "buildkit referee (dockerfile {}): {ok}/{total} files agree (corpus/: {}/{}, shared: {shared_txt}, generated: {}/{}); {both_reject} of them rejected by both",
        output.version.as_deref().unwrap_or("?"),
        own.0,
        own.1,
        generated.0,
        generated.1
    );
    let mut generated_excl: BTreeMap<&str, usize> = BTreeMap::new();
    for e in excluded.iter().filter(|e| e.starts_with("generated")) {
        let code = e.rsplit('(').next().unwrap_or("").trim_end_matches(')');
        *generated_excl.entry(code).or_default() += 1;
    }
    let corpus_excl: Vec<&String> = excluded
        .iter()
        .filter(|e| !e.starts_with("generated"))
        .collect();
    println!(
        "  excluded, accepted by BuildKit's parser but rejected by its build (parse_syntax_only agrees): corpora {:?}, generated {generated_excl:?}",
        corpus_excl
    );
    println!("  known v0.12.5 differences (we follow current BuildKit), not compared: {known:?}");
    assert!(
        failures.is_empty(),
        "{} disagreement(s) with BuildKit's parser:\n{}",
        failures.len(),
        failures
            .iter()
            .take(8)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}
