//! `dockopt parse` output: the instructions with spans, as text or JSON.

use crate::syntax::{Arguments, Dockerfile, Instruction, Span};
use serde_json::{json, Value};
use std::fmt::Write as _;

/// The stage index of each instruction (`None` before the first FROM).
fn stage_of(df: &Dockerfile) -> Vec<Option<usize>> {
    let mut stage: Option<usize> = None;
    df.instructions
        .iter()
        .map(|i| {
            if i.keyword == crate::syntax::Keyword::From {
                stage = Some(stage.map_or(0, |s| s + 1));
            }
            stage
        })
        .collect()
}

fn span_json(df: &Dockerfile, s: Span) -> Value {
    let p = df.position(s.start);
    json!({"start": s.start, "end": s.end, "line": p.line, "column": p.column})
}

fn instruction_json(df: &Dockerfile, ins: &Instruction, stage: Option<usize>) -> Value {
    let (form, arguments) = match &ins.arguments {
        Arguments::Exec { elements, .. } => (
            "exec",
            elements
                .iter()
                .map(|e| json!({"value": e.value, "span": span_json(df, e.span)}))
                .collect::<Vec<_>>(),
        ),
        Arguments::Shell { text, span } => (
            "shell",
            vec![json!({"value": text, "span": span_json(df, *span)})],
        ),
    };
    json!({
        "keyword": ins.keyword.as_str(),
        "keyword_as_written": df.text(ins.keyword_span),
        "stage": stage,
        "line": ins.start_line,
        "end_line": ins.end_line,
        "span": span_json(df, ins.span),
        "keyword_span": span_json(df, ins.keyword_span),
        "flags": ins.flags.iter().map(|f| json!({
            "name": f.name,
            "value": f.value,
            "span": span_json(df, f.span),
        })).collect::<Vec<_>>(),
        "form": form,
        "arguments": arguments,
        "heredocs": ins.heredocs.iter().map(|h| json!({
            "name": h.name,
            "chomp": h.chomp,
            "expand": h.expand,
            "file_descriptor": h.file_descriptor,
            "content": h.content,
            "body_span": span_json(df, h.body_span),
        })).collect::<Vec<_>>(),
        "comments": ins.comments.iter().map(|c| json!({"text": c.text, "span": span_json(df, c.span)})).collect::<Vec<_>>(),
        "trigger": ins.trigger.as_deref().map(|t| instruction_json(df, t, stage)),
    })
}

/// The JSON document documented in the README (`dockopt parse --format json`).
pub fn to_json(name: &str, df: &Dockerfile) -> Value {
    let stages = stage_of(df);
    json!({
        "file": name,
        "bom": df.has_bom,
        "escape": df.escape.to_string(),
        "directives": df.directives.iter().map(|d| json!({
            "name": d.name, "value": d.value, "span": span_json(df, d.span),
        })).collect::<Vec<_>>(),
        "instructions": df.instructions.iter().zip(stages).map(|(i, s)| instruction_json(df, i, s)).collect::<Vec<_>>(),
    })
}

/// One line per instruction: position, stage, keyword, flags, arguments.
pub fn to_text(name: &str, df: &Dockerfile) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{name}: {} instructions", df.instructions.len());
    for d in &df.directives {
        let _ = writeln!(out, "  directive {}={}", d.name, d.value);
    }
    for (ins, stage) in df.instructions.iter().zip(stage_of(df)) {
        let p = df.position(ins.keyword_span.start);
        let stage = stage.map_or("-".to_string(), |s| s.to_string());
        let flags: Vec<String> = ins
            .flags
            .iter()
            .map(|f| match &f.value {
                Some(v) => format!("--{}={}", f.name, v),
                None => format!("--{}", f.name),
            })
            .collect();
        let args = match &ins.arguments {
            Arguments::Exec { elements, .. } => format!(
                "[{}]",
                elements
                    .iter()
                    .map(|e| format!("{:?}", e.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Arguments::Shell { text, .. } => text.clone(),
        };
        let mut line = format!(
            "{:>4}:{:<3} stage {:<2} {:<11}",
            p.line,
            p.column,
            stage,
            ins.keyword.as_str()
        );
        if !flags.is_empty() {
            line.push(' ');
            line.push_str(&flags.join(" "));
        }
        line.push(' ');
        line.push_str(&args);
        let _ = writeln!(out, "{}", line.trim_end());
        for h in &ins.heredocs {
            let _ = writeln!(
                out,
                "{:>16} heredoc {} ({} lines)",
                "",
                h.name,
                h.content.lines().count()
            );
        }
    }
    // Raw NUL/ESC bytes from the file must not reach the terminal.
    super::escape_controls(&out).into_owned()
}
