//! Showing input to people: the one code-frame renderer (parse errors and
//! `check` findings), one `human_bytes`, the one colour layer ([`anstyle`] styles, which
//! clap already builds, instead of hand-written ANSI codes) and the escaping
//! that keeps a hostile input from driving the terminal.

use crate::syntax::{LineIndex, Span};
use anstyle::{AnsiColor, Style};
use std::fmt::Write as _;

/// A human size: `1.2 MB` (decimal units, as docker prints them).
pub fn human_bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut i = 0;
    while v >= 1000.0 && i + 1 < UNITS.len() {
        v /= 1000.0;
        i += 1;
    }
    if i == 0 {
        format!("{b} B")
    } else {
        format!("{v:.1} {}", UNITS[i])
    }
}

/// Styles by role.
pub mod style {
    use super::{AnsiColor, Style};
    pub const ERROR: Style = AnsiColor::Red.on_default().bold();
    pub const WARNING: Style = AnsiColor::Yellow.on_default().bold();
    pub const INFO: Style = AnsiColor::Cyan.on_default().bold();
    pub const CODE: Style = AnsiColor::Red.on_default().bold();
    pub const FIX: Style = AnsiColor::Green.on_default().bold();
    pub const PATH: Style = Style::new().bold();
    pub const DIM: Style = Style::new().dimmed();
    pub const GUTTER: Style = AnsiColor::Blue.on_default();
    pub const CARET: Style = AnsiColor::Red.on_default().bold();
}

/// Paints text with a style when colour is on.
#[derive(Debug, Clone, Copy)]
pub struct Paint(pub bool);

impl Paint {
    pub fn paint(&self, style: Style, s: &str) -> String {
        if self.0 {
            format!("{}{s}{}", style.render(), style.render_reset())
        } else {
            s.to_string()
        }
    }
}

/// Input text made safe to print on a terminal: NUL, ESC (ANSI sequences) and
/// every other control character but newline and tab become `\u{1b}`-style
/// escapes, so a hostile Dockerfile cannot rewrite the user's screen.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    s.chars()
        .map(|c| {
            if bad(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// The widest source line a code frame shows; longer lines show a window
/// around the column with `…` (a minified 100 KB line must not be repeated
/// in every frame).
pub const FRAME_WIDTH: usize = 120;

/// The part of `line` (chars) a frame shows for a span starting at 0-based
/// char `col` of `len` chars: (text, caret column, caret length).
fn window(line: &str, col: usize, len: usize) -> (String, usize, usize) {
    let n = line.chars().count();
    let col = col.min(n);
    if n <= FRAME_WIDTH {
        return (
            line.to_string(),
            col,
            len.clamp(1, n.saturating_sub(col).max(1)),
        );
    }
    let start = col
        .saturating_sub(FRAME_WIDTH / 3)
        .min(n.saturating_sub(FRAME_WIDTH));
    let end = (start + FRAME_WIDTH).min(n);
    let mut text: String = line.chars().skip(start).take(end - start).collect();
    let mut caret = col - start.min(col);
    if start > 0 {
        text.insert(0, '…');
        caret += 1;
    }
    if end < n {
        text.push('…');
    }
    let room = (end - start)
        .saturating_sub(col.saturating_sub(start))
        .max(1);
    (text, caret, len.clamp(1, room))
}

/// A code frame: the 1-based `line` of `text` with `len` chars from 0-based
/// char column `col` underlined, as rustc and ruff print them:
///
/// ```text
///    |
/// 12 | RUN apt-get update
///    |     ^^^^^^^^^^^^^^
/// ```
///
/// Bytes inside `redact` show as `*`; a tab shows as one space, so the
/// carets stay under the characters they mark; control characters are
/// escaped before colour is added.
pub fn code_frame(
    text: &str,
    idx: &LineIndex,
    line: usize,
    col: usize,
    len: usize,
    redact: &[Span],
    paint: Paint,
) -> String {
    let line0 = line.saturating_sub(1);
    let start = idx.line_start(line0);
    let mut shown = String::new();
    for (i, ch) in idx.line_text(text, line0).char_indices() {
        let off = start + i;
        shown.push(if redact.iter().any(|r| off >= r.start && off < r.end) {
            '*'
        } else if ch == '\t' {
            ' '
        } else {
            ch
        });
    }
    let (window, caret, len) = window(&shown, col, len);
    let width = line.to_string().len();
    let bar = paint.paint(style::GUTTER, "|");
    let mut out = String::new();
    let _ = writeln!(out, "{:>width$} {bar}", "");
    let _ = writeln!(
        out,
        "{} {bar} {}",
        paint.paint(style::GUTTER, &line.to_string()),
        escape_controls(&window)
    );
    let _ = writeln!(
        out,
        "{:>width$} {bar} {}{}",
        "",
        " ".repeat(caret),
        paint.paint(style::CARET, &"^".repeat(len))
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_escaped() {
        assert_eq!(
            escape_controls("a\u{1b}[31mb\0c\td\n"),
            "a\\u{1b}[31mb\\u{0}c\td\n"
        );
    }

    #[test]
    fn tabs_keep_carets_aligned() {
        let text = "FROM a\nRUN\tapt-get update\n";
        let idx = LineIndex::new(text);
        let f = code_frame(text, &idx, 2, 4, 7, &[], Paint(false));
        assert_eq!(f, "  |\n2 | RUN apt-get update\n  |     ^^^^^^^\n");
    }

    #[test]
    fn long_lines_are_windowed_and_secrets_masked() {
        let text = format!("RUN {}SECRET\n", "x".repeat(300));
        let idx = LineIndex::new(&text);
        let f = code_frame(&text, &idx, 1, 304, 6, &[Span::new(304, 310)], Paint(false));
        assert!(f.contains('…') && f.contains("******") && !f.contains("SECRET"));
    }
}
