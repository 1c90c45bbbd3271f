//! Word-level splitting rules of BuildKit's parser, with byte offsets kept
//! so every piece maps back to a span. Offsets are relative to the input.

/// BuildKit's `reWhitespace`: the separators between words of a logical line.
pub fn is_separator(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\u{b}' | '\u{c}' | '\r')
}

/// A raw flag word as `extractBuilderFlags` finds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawFlag {
    /// The flag after quote and escape processing, `--` included.
    pub word: String,
    pub start: usize,
    pub end: usize,
}

/// Splits leading `--flag[=value]` words off `line`. Returns the flags and
/// the offset where the remaining arguments start (`line.len()` if none).
pub fn extract_flags(line: &str) -> (Vec<RawFlag>, usize) {
    let bytes = line.as_bytes();
    let mut flags = Vec::new();
    let mut pos = 0;
    loop {
        while pos < bytes.len() && is_go_space(bytes[pos]) {
            pos += 1;
        }
        if pos >= bytes.len() {
            return (flags, bytes.len());
        }
        if !(bytes[pos] == b'-' && bytes.get(pos + 1) == Some(&b'-')) {
            return (flags, pos);
        }
        let start = pos;
        let mut word: Vec<u8> = Vec::new();
        let mut blank_ok = false;
        let mut quote: Option<u8> = None;
        while pos < bytes.len() {
            let ch = bytes[pos];
            match quote {
                None => {
                    if is_go_space(ch) {
                        break;
                    }
                    if ch == b'\'' || ch == b'"' {
                        quote = Some(ch);
                        blank_ok = true;
                    } else if ch == b'\\' {
                        if pos + 1 < bytes.len() {
                            pos += 1;
                            word.push(bytes[pos]);
                        }
                    } else {
                        word.push(ch);
                    }
                }
                Some(q) => {
                    if ch == q {
                        quote = None;
                    } else if ch == b'\\' {
                        if pos + 1 < bytes.len() {
                            pos += 1;
                            word.push(bytes[pos]);
                        } else {
                            quote = None;
                        }
                    } else {
                        word.push(ch);
                    }
                }
            }
            pos += 1;
        }
        let word = String::from_utf8_lossy(&word).into_owned();
        if word == "--" {
            // `--` ends the flags; the arguments start after it.
            return (flags, pos);
        }
        if blank_ok || !word.is_empty() {
            flags.push(RawFlag {
                word,
                start,
                end: pos,
            });
        }
    }
}

fn is_go_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | b'\x0b' | b'\x0c')
}

/// BuildKit's `parseWords`: splits on whitespace outside quotes, keeping
/// quotes and escape characters in the words. Returns `(word, start, end)`.
pub fn parse_words(text: &str, escape: char) -> Vec<(String, usize, usize)> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut start = 0;
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut blank_ok = false;
    let mut chars = text.char_indices().peekable();
    while let Some((pos, ch)) = chars.next() {
        if !in_word {
            if ch.is_whitespace() {
                continue;
            }
            in_word = true;
            start = pos;
        }
        match quote {
            None => {
                if ch.is_whitespace() {
                    if blank_ok || !word.is_empty() {
                        words.push((std::mem::take(&mut word), start, pos));
                    }
                    in_word = false;
                    blank_ok = false;
                    continue;
                }
                if ch == '\'' || ch == '"' {
                    quote = Some(ch);
                    blank_ok = true;
                }
                if ch == escape {
                    match chars.next() {
                        None => continue,
                        Some((_, next)) => {
                            word.push(ch);
                            word.push(next);
                            continue;
                        }
                    }
                }
                word.push(ch);
            }
            Some(q) => {
                if ch == q {
                    quote = None;
                }
                if ch == escape && q != '\'' {
                    match chars.next() {
                        None => {
                            quote = None;
                            continue;
                        }
                        Some((_, next)) => {
                            word.push(ch);
                            word.push(next);
                            continue;
                        }
                    }
                }
                word.push(ch);
            }
        }
    }
    if in_word && (blank_ok || !word.is_empty()) {
        words.push((word, start, text.len()));
    }
    words
}

/// Splits on BuildKit's whitespace (`[\t\v\f\r ]+`) after trimming.
pub fn split_whitespace(text: &str) -> Vec<(&str, usize)> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        if is_separator(c) || c == '\n' {
            if let Some(s) = start.take() {
                out.push((&text[s..i], s));
            }
        } else if start.is_none() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        out.push((&text[s..], s));
    }
    out
}

/// Outcome of trying the exec (JSON) form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonForm {
    /// Not a JSON array: the shell form applies.
    NotJson,
    /// A JSON array with a non-string element: BuildKit rejects it.
    NotStringArray,
    /// Elements with their decoded value and raw span (quotes included).
    Strings(Vec<(String, usize, usize)>),
}

/// BuildKit's `parseJSON`: a JSON array of strings, after leading whitespace.
pub fn parse_json_array(text: &str) -> JsonForm {
    let lead = text.len() - text.trim_start().len();
    let body = &text[lead..];
    if !body.starts_with('[') {
        return JsonForm::NotJson;
    }
    let values: Vec<serde_json::Value> = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return JsonForm::NotJson,
    };
    if values.iter().any(|v| !v.is_string()) {
        return JsonForm::NotStringArray;
    }
    // The JSON is valid, so a simple scan finds each string's extent.
    let bytes = body.as_bytes();
    let mut out = Vec::with_capacity(values.len());
    let mut pos = 1;
    while pos < bytes.len() {
        match bytes[pos] {
            b'"' => {
                let start = pos;
                pos += 1;
                while pos < bytes.len() && bytes[pos] != b'"' {
                    if bytes[pos] == b'\\' {
                        pos += 1;
                    }
                    pos += 1;
                }
                pos += 1;
                let raw = &body[start..pos.min(body.len())];
                let value: String = serde_json::from_str(raw).unwrap_or_default();
                out.push((value, lead + start, lead + pos.min(body.len())));
            }
            b']' => break,
            _ => pos += 1,
        }
    }
    JsonForm::Strings(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_split_off() {
        let (flags, rest) = extract_flags("--from=a --link  --chown=\"1:1\" src dst");
        let words: Vec<_> = flags.iter().map(|f| f.word.as_str()).collect();
        assert_eq!(words, ["--from=a", "--link", "--chown=1:1"]);
        assert_eq!(
            &"--from=a --link  --chown=\"1:1\" src dst"[rest..],
            "src dst"
        );
        let (flags, rest) = extract_flags("-- --not-a-flag");
        assert!(flags.is_empty());
        assert_eq!(rest, 2);
        let (flags, rest) = extract_flags("echo --x");
        assert!(flags.is_empty());
        assert_eq!(rest, 0);
    }

    #[test]
    fn words_keep_quotes() {
        let w: Vec<_> = parse_words(r#"A=1 B="2 3" C=a\ b"#, '\\')
            .into_iter()
            .map(|w| w.0)
            .collect();
        assert_eq!(w, ["A=1", "B=\"2 3\"", "C=a\\ b"]);
    }

    #[test]
    fn json_forms() {
        assert_eq!(parse_json_array("['a']"), JsonForm::NotJson);
        assert_eq!(parse_json_array(r#"["a",]"#), JsonForm::NotJson);
        assert_eq!(parse_json_array(r#"["a", 1]"#), JsonForm::NotStringArray);
        match parse_json_array(r#" ["a\"b", "\u00e9"] "#) {
            JsonForm::Strings(v) => {
                assert_eq!(v[0].0, "a\"b");
                assert_eq!(v[1].0, "é");
                assert_eq!(&r#" ["a\"b", "\u00e9"] "#[v[0].1..v[0].2], r#""a\"b""#);
            }
            other => panic!("{other:?}"),
        }
    }
}
