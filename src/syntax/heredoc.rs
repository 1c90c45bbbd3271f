//! Finding heredoc openers (`<<EOF`, `<<-EOF`, `<<'EOF'`, `3<<EOF`) on an
//! instruction line, as BuildKit's `heredocsFromLine` does.

use super::words::{shell_unquote, shell_words_raw};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundHeredoc {
    pub name: String,
    pub chomp: bool,
    pub expand: bool,
    pub fd: u32,
    /// Offsets of the opener word within the line.
    pub start: usize,
    pub end: usize,
}

/// Every heredoc opener among the line's shell words, in order.
pub fn heredocs_from_line(line: &str) -> Result<Vec<FoundHeredoc>, (String, usize, usize)> {
    let mut out = Vec::new();
    for (word, start, end) in shell_words_raw(line) {
        if let Some(mut h) = parse_opener(&word) {
            h.start = start;
            h.end = end;
            out.push(h);
        }
    }
    Ok(out)
}

/// `^(\d*)<<(-?)([^<]*)$` where the rest is exactly one shell word.
fn parse_opener(word: &str) -> Option<FoundHeredoc> {
    let digits = word.bytes().take_while(u8::is_ascii_digit).count();
    let after = word[digits..].strip_prefix("<<")?;
    let (chomp, rest) = match after.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, after),
    };
    if rest.is_empty() || rest.contains('<') {
        return None;
    }
    let words = shell_unquote(rest);
    if words.len() != 1 {
        return None;
    }
    let name = words.into_iter().next()?;
    let quotes = |s: &str| s.chars().filter(|&c| c == '\'' || c == '"').count();
    // Quotes that survive escape processing were real quotes: a quoted
    // delimiter means the body is taken literally.
    let raw_quotes = quotes(&unescape_keep_quotes(rest));
    let expand = quotes(&name) == raw_quotes;
    let fd = if digits == 0 {
        0
    } else {
        word[..digits].parse().unwrap_or(0)
    };
    Some(FoundHeredoc {
        name,
        chomp,
        expand,
        fd,
        start: 0,
        end: 0,
    })
}

fn unescape_keep_quotes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(line: &str) -> Vec<(String, bool, bool)> {
        heredocs_from_line(line)
            .unwrap_or_default()
            .into_iter()
            .map(|h| (h.name, h.chomp, h.expand))
            .collect()
    }

    #[test]
    fn openers() {
        assert_eq!(names("RUN <<EOF"), [("EOF".into(), false, true)]);
        assert_eq!(names("RUN <<-'EOT' x"), [("EOT".into(), true, false)]);
        assert_eq!(
            names("RUN python3 <<\"PY\" && cat <<B"),
            [("PY".into(), false, false), ("B".into(), false, true)]
        );
        assert_eq!(names("RUN echo '<<EOF'"), []);
        assert_eq!(names("RUN echo a<<EOF"), []);
        let h = heredocs_from_line("RUN 3<<X").unwrap_or_default();
        assert_eq!(h[0].fd, 3);
    }
}
