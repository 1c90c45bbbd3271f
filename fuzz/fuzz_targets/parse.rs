//! Fuzz target: the parser never panics, and its output is consistent.
//! Same property as tests/no_panic.rs.
#![no_main]

use dockopt::syntax::{parse, parse_syntax_only, Dockerfile, LineIndex, ParseError};
use libfuzzer_sys::fuzz_target;

fn check_ok(df: &Dockerfile, text: &str) {
    assert_eq!(df.to_source(), text, "round trip");
    let mut pos = 0;
    for t in &df.tokens() {
        assert_eq!(t.span.start, pos, "tokens must be contiguous: {t:?}");
        assert!(t.span.end > t.span.start, "empty token {t:?}");
        pos = t.span.end;
    }
    assert_eq!(pos, text.len(), "tokens must cover the input");
}

fn check_err(e: &ParseError, text: &str) {
    let index = LineIndex::new(text);
    assert!(e.line >= 1 && e.line <= index.line_count(), "line {}", e.line);
    let chars = index.line_text(text, e.line - 1).chars().count();
    assert!(e.column >= 1 && e.column <= chars + 2, "column {}", e.column);
    assert!(!e.render("Dockerfile", text).is_empty());
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match parse(&text) {
        Ok(df) => check_ok(&df, &text),
        Err(e) => check_err(&e, &text),
    }
    match parse_syntax_only(&text) {
        Ok(df) => check_ok(&df, &text),
        Err(e) => check_err(&e, &text),
    }
});
