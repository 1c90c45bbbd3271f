//! Renderings of the pipeline's results for people and machines.

pub mod check;
pub mod ci;
pub mod estimate;
pub mod mask;
pub mod parse;
pub mod simulate;

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

#[cfg(test)]
mod tests {
    #[test]
    fn controls_escaped() {
        assert_eq!(
            super::escape_controls("a\u{1b}[31mb\0c\td\n"),
            "a\\u{1b}[31mb\\u{0}c\td\n"
        );
    }
}
