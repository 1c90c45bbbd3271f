//! Variable expansion and quote removal as BuildKit's shell lexer applies
//! them to instruction arguments (`$V`, `${V}`, `${V:-x}`, `${V-x}`,
//! `${V:+x}`, `${V+x}`, `${V:?msg}`, `${V#p}`, `${V%p}`, quotes, escapes).
//! Variables the environment does not know are reported, so the model can
//! keep the value symbolic instead of guessing.

/// The result of expanding one word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Expansion {
    pub value: String,
    /// Variables referenced but not set (expanded as empty, as BuildKit does).
    pub unset: Vec<String>,
    /// Every variable the word references, set or not.
    pub refs: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExpandError {
    #[error("unterminated `${{` in `{0}`")]
    Unterminated(String),
    #[error("unexpected end of `{word}` while looking for the matching {quote}")]
    UnterminatedQuote { quote: &'static str, word: String },
    #[error("unsupported modifier `{modifier}` in substitution `{word}`")]
    UnsupportedModifier { modifier: char, word: String },
    #[error("{name}: {message}")]
    Required { name: String, message: String },
    /// Each nesting level recurses; a bound keeps hostile input (20,000 nested
    /// `${a:-${a:-…}}`) from overflowing the stack. Real files nest a few levels.
    #[error("substitutions nested deeper than {max} levels at character {offset} of the word")]
    TooDeep { max: usize, offset: usize },
}

impl ExpandError {
    /// The message without the word itself: for values that may be secrets
    /// (ENV, ARG, LABEL), which every output must keep hidden.
    pub fn without_word(&self) -> String {
        match self {
            ExpandError::UnterminatedQuote { quote, .. } => {
                format!("unexpected end of a word while looking for the matching {quote}")
            }
            ExpandError::Unterminated(_) => "unterminated `${` in a word".into(),
            ExpandError::UnsupportedModifier { modifier, .. } => {
                format!("unsupported modifier `{modifier}` in a substitution")
            }
            ExpandError::Required { name, .. } => format!("{name} is required to be set"),
            ExpandError::TooDeep { .. } => self.to_string(),
        }
    }
}

/// The deepest `${…}` nesting expanded; deeper words are an error.
pub const MAX_DEPTH: usize = 64;

/// Expands one word; `lookup` gives a variable's value when it is set.
pub fn expand(
    word: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Expansion, ExpandError> {
    let mut lx = Lexer {
        chars: word.chars().collect(),
        pos: 0,
        escape,
        lookup,
        unset: Vec::new(),
        refs: Vec::new(),
        word,
        depth: 0,
    };
    let value = lx.process(None)?;
    Ok(Expansion {
        value,
        unset: lx.unset,
        refs: lx.refs,
    })
}

/// Expands and splits into words on unquoted whitespace (for ARG/ENV lists).
pub fn expand_words(
    text: &str,
    escape: char,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<Expansion>, ExpandError> {
    super::words::parse_words(text, escape)
        .into_iter()
        .map(|(w, _, _)| expand(&w, escape, lookup))
        .collect()
}

struct Lexer<'a> {
    chars: Vec<char>,
    pos: usize,
    escape: char,
    lookup: &'a dyn Fn(&str) -> Option<String>,
    unset: Vec<String>,
    refs: Vec<String>,
    word: &'a str,
    depth: usize,
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek();
        if c.is_some() {
            self.pos += 1;
        }
        c
    }

    /// Processes until `stop` (exclusive) or the end.
    fn process(&mut self, stop: Option<char>) -> Result<String, ExpandError> {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if Some(c) == stop {
                break;
            }
            self.pos += 1;
            match c {
                '\'' => {
                    let mut closed = false;
                    while let Some(n) = self.next() {
                        if n == '\'' {
                            closed = true;
                            break;
                        }
                        out.push(n);
                    }
                    if !closed {
                        return Err(self.unterminated_quote('\''));
                    }
                }
                '"' => out.push_str(&self.double_quoted()?),
                '$' => out.push_str(&self.dollar()?),
                c if c == self.escape => {
                    if let Some(n) = self.next() {
                        out.push(n);
                    }
                }
                c => out.push(c),
            }
        }
        Ok(out)
    }

    /// BuildKit's lexer fails the word (and the build, before any step
    /// runs) when a quote is not closed within it.
    fn unterminated_quote(&self, quote: char) -> ExpandError {
        ExpandError::UnterminatedQuote {
            quote: if quote == '"' {
                "double-quote"
            } else {
                "single-quote"
            },
            word: self.word.to_string(),
        }
    }

    fn double_quoted(&mut self) -> Result<String, ExpandError> {
        let mut out = String::new();
        loop {
            let Some(c) = self.next() else {
                return Err(self.unterminated_quote('"'));
            };
            match c {
                '"' => break,
                '$' => out.push_str(&self.dollar()?),
                c if c == self.escape => match self.peek() {
                    Some(n) if n == '"' || n == '$' || n == self.escape => {
                        self.pos += 1;
                        out.push(n);
                    }
                    _ => out.push(c),
                },
                c => out.push(c),
            }
        }
        Ok(out)
    }

    fn get(&mut self, name: &str) -> Option<String> {
        if !self.refs.iter().any(|r| r == name) {
            self.refs.push(name.to_string());
        }
        let v = (self.lookup)(name);
        if v.is_none() && !self.unset.iter().any(|u| u == name) {
            self.unset.push(name.to_string());
        }
        v
    }

    fn dollar(&mut self) -> Result<String, ExpandError> {
        match self.peek() {
            Some('{') => {
                self.pos += 1;
                if self.depth >= MAX_DEPTH {
                    return Err(ExpandError::TooDeep {
                        max: MAX_DEPTH,
                        offset: self.pos,
                    });
                }
                self.depth += 1;
                let r = self.braced();
                self.depth -= 1;
                r
            }
            Some(c) if c.is_ascii_alphanumeric() || c == '_' => {
                let name = self.name();
                Ok(self.get(&name).unwrap_or_default())
            }
            _ => Ok("$".to_string()),
        }
    }

    fn name(&mut self) -> String {
        let mut name = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' {
                name.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        name
    }

    fn braced(&mut self) -> Result<String, ExpandError> {
        let name = self.name();
        let unterminated = || ExpandError::Unterminated(self.word.to_string());
        let Some(c) = self.next() else {
            return Err(unterminated());
        };
        if c == '}' {
            return Ok(self.get(&name).unwrap_or_default());
        }
        let colon = c == ':';
        let op = if colon {
            self.next().ok_or_else(unterminated)?
        } else {
            c
        };
        let supported = if colon {
            matches!(op, '-' | '+' | '?')
        } else {
            matches!(op, '-' | '+' | '?' | '#' | '%' | '/')
        };
        if !supported {
            return Err(ExpandError::UnsupportedModifier {
                modifier: op,
                word: self.word.to_string(),
            });
        }
        let mut doubled = false;
        if (op == '#' || op == '%' || op == '/') && self.peek() == Some(op) {
            self.pos += 1;
            doubled = true;
        }
        let word = self.process(Some('}'))?;
        if self.next() != Some('}') {
            return Err(unterminated());
        }
        // A default or alternative makes an unset variable expected, not unknown.
        if !self.refs.contains(&name) {
            self.refs.push(name.clone());
        }
        let value = (self.lookup)(&name);
        let is_set = value.is_some();
        let non_empty = value.as_deref().is_some_and(|v| !v.is_empty());
        let present = if colon { non_empty } else { is_set };
        Ok(match op {
            '-' => {
                if present {
                    value.unwrap_or_default()
                } else {
                    word
                }
            }
            '+' => {
                if present {
                    word
                } else {
                    String::new()
                }
            }
            '?' => {
                if present {
                    value.unwrap_or_default()
                } else {
                    return Err(ExpandError::Required {
                        name,
                        message: if word.is_empty() {
                            "is not allowed to be unset".into()
                        } else {
                            word
                        },
                    });
                }
            }
            '#' => trim_prefix(&self.get(&name).unwrap_or_default(), &word, doubled),
            '%' => trim_suffix(&self.get(&name).unwrap_or_default(), &word, doubled),
            '/' => {
                let v = self.get(&name).unwrap_or_default();
                let (pat, rep) = word.split_once('/').unwrap_or((word.as_str(), ""));
                if pat.is_empty() {
                    v
                } else if doubled {
                    v.replace(pat, rep)
                } else {
                    v.replacen(pat, rep, 1)
                }
            }
            _ => return Err(unterminated()),
        })
    }
}

fn glob_match(pattern: &str, text: &str) -> bool {
    fn rec(p: &[char], t: &[char]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('*') => (0..=t.len()).any(|i| rec(&p[1..], &t[i..])),
            Some('?') => !t.is_empty() && rec(&p[1..], &t[1..]),
            Some(c) => t.first() == Some(c) && rec(&p[1..], &t[1..]),
        }
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    rec(&p, &t)
}

/// Char boundaries of `value`, shortest cut first (or longest first).
fn cuts(value: &str, from_end: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = value
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(value.len()))
        .collect();
    if from_end {
        idx.reverse();
    }
    idx
}

/// `${V#p}` / `${V##p}`: removes the shortest / longest prefix matching `p`.
fn trim_prefix(value: &str, pattern: &str, longest: bool) -> String {
    cuts(value, longest)
        .into_iter()
        .find(|&i| glob_match(pattern, &value[..i]))
        .map(|i| value[i..].to_string())
        .unwrap_or_else(|| value.to_string())
}

/// `${V%p}` / `${V%%p}`: removes the shortest / longest suffix matching `p`.
fn trim_suffix(value: &str, pattern: &str, longest: bool) -> String {
    cuts(value, !longest)
        .into_iter()
        .find(|&i| glob_match(pattern, &value[i..]))
        .map(|i| value[..i].to_string())
        .unwrap_or_else(|| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BuildKit's lexer fails a word whose quote is not closed within it
    /// (checked against Docker 20.10: `COPY f "/my app/"` fails at `"/my`);
    /// a closed or escaped quote is fine, and single quotes take no escape.
    #[test]
    fn unclosed_quotes_fail_the_word() {
        for (word, fails) in [
            ("\"/my", true),
            ("app/\"", true),
            ("'/a", true),
            ("'a\\'b'", true),
            ("\"a\\\"b", true),
            ("\"a\\\"b\"", false),
            ("\\\"/x/", false),
            ("'a\\'b", false),
            ("${V:-\"x}", true),
            ("\"f\"", false),
        ] {
            let r = expand(word, '\\', &env);
            assert_eq!(
                matches!(r, Err(ExpandError::UnterminatedQuote { .. })),
                fails,
                "{word}: {r:?}"
            );
        }
    }

    fn env(name: &str) -> Option<String> {
        match name {
            "A" => Some("apple".into()),
            "E" => Some(String::new()),
            "P" => Some("/usr/local/bin".into()),
            _ => None,
        }
    }

    fn x(word: &str) -> String {
        expand(word, '\\', &env)
            .map(|e| e.value)
            .unwrap_or_else(|e| format!("ERR {e}"))
    }

    #[test]
    fn forms() {
        assert_eq!(x("$A/${A}"), "apple/apple");
        assert_eq!(x("${U:-x}|${E:-x}|${E-x}|${A:-x}"), "x|x||apple");
        assert_eq!(x("${A:+y}|${E:+y}|${E+y}|${U+y}"), "y||y|");
        assert_eq!(x("'$A' \"$A\" \\$A"), "$A apple $A");
        assert_eq!(
            x("${P#*/}|${P##*/}|${P%/*}|${P%%/*}"),
            "usr/local/bin|bin|/usr/local|"
        );
        assert_eq!(x("${A/p/P}|${A//p/P}"), "aPple|aPPle");
        assert!(x("${U:?must be set}").starts_with("ERR"));
        assert!(x("${A").starts_with("ERR"));
        assert_eq!(x("a$"), "a$");
    }

    #[test]
    fn unset_reported() {
        let e = expand("$NOPE-${A}", '\\', &env).unwrap_or_default();
        assert_eq!(e.value, "-apple");
        assert_eq!(e.unset, ["NOPE"]);
    }

    #[test]
    fn backtick_escape() {
        let e = expand("C:\\app`$x", '`', &env).unwrap_or_default();
        assert_eq!(e.value, "C:\\app$x");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = "${a:-".repeat(20_000) + &"}".repeat(20_000);
        assert!(matches!(
            expand(&deep, '\\', &env),
            Err(ExpandError::TooDeep { max: MAX_DEPTH, .. })
        ));
        let ok = "${U:-".repeat(MAX_DEPTH) + "x" + &"}".repeat(MAX_DEPTH);
        assert_eq!(expand(&ok, '\\', &env).unwrap_or_default().value, "x");
    }
}
