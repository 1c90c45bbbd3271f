//! Character-level rules of the POSIX shell language shared by the parser:
//! what ends a word, what a name is, which words are reserved, and the names
//! read inside text the parser keeps unparsed (`${x:-$y}`'s word, `$((a+b))`).

/// Characters that end an unquoted word (POSIX "metacharacters").
pub fn is_meta(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\n' | ';' | '&' | '|' | '<' | '>' | '(' | ')'
    )
}

/// A shell name: `[A-Za-z_][A-Za-z0-9_]*`.
pub fn is_name(s: &str) -> bool {
    let mut cs = s.chars();
    matches!(cs.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && cs.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

pub fn is_name_start(c: char) -> bool {
    c == '_' || c.is_ascii_alphabetic()
}

pub fn is_name_char(c: char) -> bool {
    c == '_' || c.is_ascii_alphanumeric()
}

/// Words with a meaning in command position (when unquoted).
pub fn is_reserved(s: &str) -> bool {
    matches!(
        s,
        "if" | "then"
            | "else"
            | "elif"
            | "fi"
            | "do"
            | "done"
            | "case"
            | "esac"
            | "while"
            | "until"
            | "for"
            | "in"
            | "{"
            | "}"
            | "!"
            | "function"
            | "select"
            | "[["
    )
}

/// Parameter names referenced in unparsed text (`$x`, `${x…}`).
pub fn names_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let cs: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        if cs[i] == '\\' {
            i += 2;
            continue;
        }
        if cs[i] == '$' {
            let mut j = i + 1;
            if cs.get(j) == Some(&'{') {
                j += 1;
                if cs.get(j) == Some(&'#') {
                    j += 1;
                }
            }
            let start = j;
            while j < cs.len() && is_name_char(cs[j]) {
                j += 1;
            }
            if j > start && is_name_start(cs[start]) {
                out.push(cs[start..j].iter().collect());
            }
            i = j.max(i + 1);
            continue;
        }
        i += 1;
    }
    out
}

/// Names in an arithmetic expression: bare names are variables there too.
pub fn arith_names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let cs: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < cs.len() {
        if is_name_start(cs[i]) && (i == 0 || !is_name_char(cs[i - 1])) {
            let start = i;
            while i < cs.len() && is_name_char(cs[i]) {
                i += 1;
            }
            out.push(cs[start..i].iter().collect());
            continue;
        }
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert!(is_name("_a1"));
        assert!(!is_name("1a"));
        assert!(!is_name(""));
        assert_eq!(names_in("a${B:-$C}\\$D"), vec!["B", "C"]);
        assert_eq!(arith_names("a + $b * 2"), vec!["a", "b"]);
    }
}
