//! Finding heredoc openers (`<<EOF`, `<<-EOF`, `<<'EOF'`, `3<<EOF`) on an
//! instruction line, as BuildKit's `heredocsFromLine` does.

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
    for (word, start, end) in lex_words_raw(line) {
        if let Some(mut h) = parse_opener(&word) {
            h.start = start;
            h.end = end;
            out.push(h);
        }
    }
    Ok(out)
}

/// The delimiter a heredoc opener word names (`<<"EOF"` → `EOF`), by
/// BuildKit's rule; None when the word is not an opener.
pub fn opener_name(word: &str) -> Option<String> {
    parse_opener(word).map(|h| h.name)
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
    let words = lex_words(rest);
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

/// Splits a line into words as BuildKit's Dockerfile word lexer (`shell.Lex`
/// with `RawQuotes` and `RawEscapes`) does for `heredocsFromLine`: quotes and
/// backslashes stay in the words. This is the frontend's rule for finding
/// openers, not how `/bin/sh` reads the RUN (that is `crate::shell`).
fn lex_words_raw(text: &str) -> Vec<(String, usize, usize)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut start = None;
    let mut chars = text.char_indices().peekable();
    while let Some((pos, ch)) = chars.next() {
        if start.is_none() {
            if ch.is_whitespace() {
                continue;
            }
            start = Some(pos);
        }
        match ch {
            c if c.is_whitespace() => {
                if let Some(s) = start.take() {
                    words.push((std::mem::take(&mut word), s, pos));
                }
            }
            '\\' => {
                word.push(ch);
                if let Some((_, next)) = chars.next() {
                    word.push(next);
                }
            }
            '\'' => {
                word.push(ch);
                for (_, c) in chars.by_ref() {
                    word.push(c);
                    if c == '\'' {
                        break;
                    }
                }
            }
            '"' => {
                word.push(ch);
                while let Some((_, c)) = chars.next() {
                    word.push(c);
                    if c == '\\' {
                        if let Some((_, n)) = chars.next() {
                            word.push(n);
                        }
                    } else if c == '"' {
                        break;
                    }
                }
            }
            _ => word.push(ch),
        }
    }
    if let Some(s) = start {
        words.push((word, s, text.len()));
    }
    words
}

/// BuildKit's `shell.Lex.ProcessWords` without raw quotes, as it reads a
/// heredoc delimiter: quotes dropped, backslash escapes resolved (inside
/// double quotes only before `"`, `\`, `$` and backquote); the words the
/// text splits into on unquoted whitespace.
fn lex_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut has_word = false;
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            c if c.is_whitespace() => {
                if has_word {
                    words.push(std::mem::take(&mut word));
                    has_word = false;
                }
            }
            '\\' => {
                has_word = true;
                if let Some(n) = chars.next() {
                    word.push(n);
                }
            }
            '\'' => {
                has_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                has_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.peek() {
                            Some(&n) if matches!(n, '"' | '\\' | '$' | '`') => {
                                word.push(n);
                                chars.next();
                            }
                            _ => word.push('\\'),
                        },
                        _ => word.push(c),
                    }
                }
            }
            _ => {
                has_word = true;
                word.push(ch);
            }
        }
    }
    if has_word {
        words.push(word);
    }
    words
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

    #[test]
    fn buildkit_word_rules() {
        let w: Vec<_> = lex_words_raw(r#"RUN cat 'a b' <<"EOF" >f"#)
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(w, ["RUN", "cat", "'a b'", "<<\"EOF\"", ">f"]);
        assert_eq!(lex_words(r#""EOF""#), ["EOF"]);
        assert_eq!(lex_words(r#"'E'OF"#), ["EOF"]);
        assert_eq!(opener_name(r#"<<-"EOF""#).as_deref(), Some("EOF"));
        assert_eq!(opener_name("2<<X").as_deref(), Some("X"));
        assert_eq!(opener_name("file.txt"), None);
    }
}
