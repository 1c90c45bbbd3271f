//! `dockopt check` output: text with code frames, JSON, SARIF 2.1.0, GitHub
//! workflow commands and a Markdown PR comment, all from the same reports.
//!
//! JSON schema (version 1):
//! `{"version":1,"files":[{"path","kind","error"?,"findings":[{"code","name","severity",
//! "message","line","column","end_line","end_column","fix":{"applicability","message","edits"}|null}]}],
//! "summary":{"files","findings","errors","error","warning","info","fixable"}}`

use crate::frame::{code_frame, style, Paint};
use crate::rules::engine::{FileKind, FileReport};
use crate::rules::{all, Finding, Severity};
use crate::syntax::LineIndex;
use serde_json::{json, Value};
use std::fmt::Write as _;

pub const JSON_VERSION: u32 = 1;
const DOCS_URL: &str = "https://github.com/dockopt/dockopt/blob/main/docs/rules.md";

/// Totals over all files.
pub fn summary(files: &[FileReport]) -> Value {
    let all: Vec<&Finding> = files.iter().flat_map(|f| &f.findings).collect();
    let count = |s| all.iter().filter(|f| f.severity == s).count();
    json!({
        "files": files.len(),
        "findings": all.len(),
        "errors": files.iter().filter(|f| f.error.is_some()).count(),
        "error": count(Severity::Error),
        "warning": count(Severity::Warning),
        "info": count(Severity::Info),
        "fixable": all.iter().filter(|f| f.fix.as_ref().is_some_and(|x| x.applicability.is_automatic())).count(),
    })
}

fn finding_json(f: &Finding) -> Value {
    json!({
        "code": f.code,
        "name": f.name,
        "severity": f.severity.as_str(),
        "message": f.message,
        "line": f.start.line,
        "column": f.start.column,
        "end_line": f.end.line,
        "end_column": f.end.column,
        "fix": f.fix.as_ref().map(|x| json!({
            "applicability": x.applicability.as_str(),
            "message": x.message,
            "edits": x.edits.iter().map(|e| json!({"start": e.start, "end": e.end, "content": e.content})).collect::<Vec<_>>(),
        })),
    })
}

pub fn to_json(files: &[FileReport]) -> Value {
    use rayon::prelude::*;
    // Each file's part is built and masked on its own (masking looks no
    // higher than the object it is in), in parallel for many files: built
    // after the checks on one thread, the report was a sixth of the CPU of
    // checking a few hundred files, with the other core idle.
    let file = |f: &FileReport| {
        let mut v = json!({
            "path": f.path,
            "kind": match f.kind { FileKind::Dockerfile => "dockerfile", FileKind::Compose => "compose", FileKind::Pipeline => "pipeline" },
            "findings": f.findings.iter().map(finding_json).collect::<Vec<_>>(),
        });
        if let Some(e) = &f.error {
            v["error"] = json!(e.trim_end());
        }
        super::mask::json(&mut v);
        v
    };
    // One file (an editor, a hook): no thread pool to start.
    let parts: Vec<Value> = if files.len() > 1 {
        files.par_iter().map(file).collect()
    } else {
        files.iter().map(file).collect()
    };
    let mut v = json!({
        "version": JSON_VERSION,
        "files": parts,
        "summary": summary(files),
    });
    if let Some(s) = v.get_mut("summary") {
        super::mask::json(s);
    }
    v
}

/// The widest source line a code frame shows (see [`crate::frame`]).
pub use crate::frame::FRAME_WIDTH;

/// `file:line:col: CODE message`, the source line and carets, and the fix.
pub fn to_text(files: &[FileReport], color: bool) -> String {
    let mut out = Vec::new();
    let _ = write_text(files, color, &mut out);
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// [`to_text`] written finding by finding (the report is never one big
/// string). Secrets are masked and control bytes from the input escaped
/// before colour is added.
pub fn write_text(
    files: &[FileReport],
    color: bool,
    w: &mut dyn std::io::Write,
) -> std::io::Result<()> {
    let p = Paint(color);
    let c = |st: anstyle::Style, s: &str| p.paint(st, s);
    let clean = |s: &str| super::escape_controls(&super::mask::text(s)).into_owned();
    let mut out = String::new();
    for file in files {
        let idx = LineIndex::new(&file.text);
        let path = clean(&file.path);
        for f in &file.findings {
            out.clear();
            let sev = match f.severity {
                Severity::Error => c(style::ERROR, "error"),
                Severity::Warning => c(style::WARNING, "warning"),
                Severity::Info => c(style::INFO, "info"),
            };
            let _ = writeln!(
                out,
                "{}:{}:{}: {} {sev}: {} {}",
                c(style::PATH, &path),
                f.start.line,
                f.start.column,
                c(style::CODE, f.code),
                clean(&f.message),
                c(style::DIM, &format!("[{}]", f.name))
            );
            if f.span.is_some() && f.start.line >= 1 && f.start.line <= idx.line_count() {
                let col = f.start.column.saturating_sub(1);
                let len = if f.end.line == f.start.line {
                    f.end.column.saturating_sub(f.start.column).max(1)
                } else {
                    usize::MAX
                };
                let frame = code_frame(&file.text, &idx, f.start.line, col, len, &f.redact, p);
                out.push_str(&super::mask::text(&frame));
            }
            if let Some(fix) = &f.fix {
                let _ = writeln!(
                    out,
                    "  = {} ({}): {}",
                    c(style::FIX, "fix"),
                    fix.applicability.as_str(),
                    clean(&fix.message)
                );
            }
            out.push('\n');
            w.write_all(out.as_bytes())?;
        }
    }
    let s = summary(files);
    write!(
        w,
        "{} finding(s) in {} file(s): {} error, {} warning, {} info; {} with an automatic fix",
        s["findings"], s["files"], s["error"], s["warning"], s["info"], s["fixable"]
    )?;
    // A file that does not parse has no findings: "0 findings" alone would
    // read as a clean bill.
    match s["errors"].as_u64().unwrap_or(0) {
        0 => writeln!(w),
        n => writeln!(w, "; {n} file(s) not checked (error above)"),
    }
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn uri(path: &str) -> String {
    let p = path.replace('\\', "/");
    let p = p.strip_prefix("./").unwrap_or(&p);
    let mut out = String::new();
    for b in p.bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// SARIF 2.1.0: one run, every rule's metadata, fixes as replacements.
/// The SARIF `tool.driver.rules` table: the same for every report, so it is built
/// (and masked) once per process — rendering and masking every rule's docs per file
/// dominated the SARIF output of a small file.
fn sarif_rules() -> &'static Value {
    static RULES: std::sync::OnceLock<Value> = std::sync::OnceLock::new();
    RULES.get_or_init(|| {
        let mut rules = Value::Array(
            all()
                .iter()
                .map(|r| {
                    json!({
                        "id": r.code,
                        "name": r.name,
                        "shortDescription": {"text": r.summary()},
                        "fullDescription": {"text": r.summary()},
                        "help": {"text": r.docs(), "markdown": r.docs()},
                        "helpUri": format!("{DOCS_URL}#{}", r.code.to_ascii_lowercase()),
                        "defaultConfiguration": {"level": level(r.severity)},
                        "properties": {
                            "tags": [r.family.as_str()],
                            "hadolint": r.hadolint,
                            "fix": r.fix.map(|a| a.as_str()),
                        },
                    })
                })
                .collect(),
        );
        super::mask::json(&mut rules);
        rules
    })
}

pub fn to_sarif(files: &[FileReport]) -> Value {
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for file in files {
        if let Some(e) = &file.error {
            notifications.push(json!({
                "level": "error",
                "message": {"text": e.trim_end()},
                "locations": [{"physicalLocation": {"artifactLocation": {"uri": uri(&file.path)}}}],
            }));
        }
        let idx = LineIndex::new(&file.text);
        for f in &file.findings {
            let rule_index = all().iter().position(|r| r.code == f.code).unwrap_or(0);
            let mut r = json!({
                "ruleId": f.code,
                "ruleIndex": rule_index,
                "level": level(f.severity),
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": uri(&file.path)},
                    "region": {
                        "startLine": f.start.line,
                        "startColumn": f.start.column,
                        "endLine": f.end.line,
                        "endColumn": f.end.column.max(f.start.column),
                    },
                }}],
            });
            if let Some(fix) = f.fix.as_ref().filter(|x| !x.edits.is_empty()) {
                let replacements: Vec<Value> = fix
                    .edits
                    .iter()
                    .map(|e| {
                        let s = idx.position(&file.text, e.start);
                        let en = idx.position(&file.text, e.end);
                        json!({
                            "deletedRegion": {"startLine": s.line, "startColumn": s.column, "endLine": en.line, "endColumn": en.column},
                            "insertedContent": {"text": e.content},
                        })
                    })
                    .collect();
                r["fixes"] = json!([{
                    "description": {"text": format!("{} ({})", fix.message, fix.applicability.as_str())},
                    "artifactChanges": [{"artifactLocation": {"uri": uri(&file.path)}, "replacements": replacements}],
                }]);
            }
            results.push(r);
        }
    }
    let mut v = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "dockopt",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/dockopt/dockopt",
                "rules": Value::Null,
            }},
            "invocations": [{"executionSuccessful": notifications.is_empty(), "toolExecutionNotifications": notifications}],
            "results": results,
        }],
    });
    // Secrets never reach the code-scanning upload. Masking is per string and per
    // object, so the rules table, masked once, can be put in afterwards.
    super::mask::json(&mut v);
    v["runs"][0]["tool"]["driver"]["rules"] = sarif_rules().clone();
    v
}

/// Escapes a workflow command's message.
pub fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a workflow command's property value.
pub fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions annotations: `::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=CODE::message`.
pub fn to_github(files: &[FileReport]) -> String {
    let mut out = String::new();
    for file in files {
        if let Some(e) = &file.error {
            let _ = writeln!(
                out,
                "::error file={},title=dockopt::{}",
                gh_escape_property(&file.path),
                gh_escape_data(e.trim_end())
            );
        }
        for f in &file.findings {
            let lvl = match f.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            let mut msg = f.message.clone();
            if let Some(fix) = &f.fix {
                let _ = write!(
                    msg,
                    "\nfix ({}): {}",
                    fix.applicability.as_str(),
                    fix.message
                );
            }
            let _ = writeln!(
                out,
                "::{lvl} file={},line={},col={},endLine={},endColumn={},title={}::{}",
                gh_escape_property(&file.path),
                f.start.line,
                f.start.column,
                f.end.line,
                f.end.column,
                gh_escape_property(&format!("{} {}", f.code, f.name)),
                gh_escape_data(&msg)
            );
        }
    }
    super::mask::text(&out).into_owned()
}

fn md_cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', "<br>")
}

/// A PR comment: findings table, rebuild estimate, stage graph, fix diff.
pub fn to_markdown(files: &[FileReport]) -> String {
    let s = summary(files);
    let mut out = String::new();
    let _ = writeln!(out, "## dockopt check\n");
    if s["findings"] == 0 && s["errors"] == 0 {
        let _ = writeln!(
            out,
            "No findings in {} file(s). :white_check_mark:",
            s["files"]
        );
        return super::mask::text(&out).into_owned();
    }
    let _ = writeln!(
        out,
        "**{}** finding(s) in {} file(s): {} error, {} warning, {} info; {} with an automatic fix.\n",
        s["findings"], s["files"], s["error"], s["warning"], s["info"], s["fixable"]
    );
    for file in files {
        if file.findings.is_empty() && file.error.is_none() {
            continue;
        }
        let _ = writeln!(out, "### `{}`\n", file.path);
        if let Some(e) = &file.error {
            let _ = writeln!(out, "```text\n{}\n```\n", e.trim_end());
        }
        if !file.findings.is_empty() {
            let _ = writeln!(
                out,
                "| | Rule | Line | Problem | Fix |\n|---|---|---|---|---|"
            );
            for f in &file.findings {
                let icon = match f.severity {
                    Severity::Error => ":x:",
                    Severity::Warning => ":warning:",
                    Severity::Info => ":information_source:",
                };
                let fix = f
                    .fix
                    .as_ref()
                    .map(|x| format!("{} ({})", x.message, x.applicability.as_str()))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "| {icon} | `{}` {} | {} | {} | {} |",
                    f.code,
                    f.name,
                    f.start.line,
                    md_cell(&f.message),
                    md_cell(&fix)
                );
            }
            out.push('\n');
        }
        if let Some(r) = &file.rebuild {
            let _ = writeln!(
                out,
                "**Rebuild estimate** (cache simulation of a one-line edit of `{}`):\n",
                r.edited
            );
            let _ = writeln!(out, "| | build steps re-run |\n|---|---|");
            let lines = r
                .rerun_lines
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "| now | {} of {} (lines {}) |",
                r.rerun,
                r.total,
                if lines.is_empty() { "-".into() } else { lines }
            );
            let after = match file.after_fix.as_ref().map(|a| a.rebuild.as_ref()) {
                Some(Some(a)) => format!("{} of {}", a.rerun, a.total),
                Some(None) => "not estimated (the fixed file could not be simulated)".into(),
                None => "no safe fix applies".into(),
            };
            let _ = writeln!(out, "| after `dockopt fix` | {after} |");
            out.push('\n');
        }
        if let Some(m) = &file.mermaid {
            let _ = writeln!(
                out,
                "<details><summary>Build stages</summary>\n\n```mermaid\n{}```\n\n</details>\n",
                m
            );
        }
        if let Some(d) = file.after_fix.as_ref().map(|a| &a.diff) {
            let _ = writeln!(
                out,
                "<details><summary>Suggested fix</summary>\n\n```diff\n{d}```\n\n</details>\n"
            );
        }
    }
    // The PR comment is public: mask the table, the Mermaid graph and the diff.
    super::mask::text(&out).into_owned()
}
