//! A small, conservative reader of RUN command text as written in the file
//! (continuations included): simple commands split on `&&`, `||`, `;`, `|`
//! and `&`, words with their byte ranges, quotes removed. Anything it does
//! not understand (subshells, `$(…)`, backquotes, redirections, variables)
//! is flagged so that fixes can refuse to reason about it.

use crate::syntax::{Arguments, Dockerfile, Instruction, Keyword};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Quotes and escapes removed.
    pub value: String,
    /// Absolute byte range in the Dockerfile source.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    /// The separator that ends it (`&&`, `;`, …), empty at the end.
    pub sep: String,
}

impl SimpleCommand {
    /// Words after leading `VAR=value` assignments.
    pub fn argv(&self) -> Vec<&str> {
        self.words
            .iter()
            .map(|w| w.value.as_str())
            .skip_while(|w| is_assignment(w))
            .collect()
    }

    pub fn argv_words(&self) -> Vec<&Word> {
        self.words
            .iter()
            .skip_while(|w| is_assignment(&w.value))
            .collect()
    }
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

#[derive(Debug, Clone, Default)]
pub struct Script {
    pub commands: Vec<SimpleCommand>,
    /// Subshells, `$(…)`, backquotes, redirections, `{ }`, control flow.
    pub complex: bool,
    /// Unquoted or double-quoted `$`.
    pub has_vars: bool,
    /// Absolute end of the command text.
    pub end: usize,
}

/// Reads a shell-form RUN (None for exec form, heredocs or inner comments).
pub fn parse_run(df: &Dockerfile, ins: &Instruction) -> Option<Script> {
    if ins.keyword != Keyword::Run || !ins.heredocs.is_empty() || !ins.inner_comments.is_empty() {
        return None;
    }
    let Arguments::Shell { span, .. } = &ins.arguments else {
        return None;
    };
    Some(parse_script(&df.source, span.start, span.end, df.escape))
}

/// Tokenizes `source[start..end]`.
pub fn parse_script(source: &str, start: usize, end: usize, escape: char) -> Script {
    let text = &source[start..end];
    let mut script = Script {
        end,
        ..Script::default()
    };
    let mut cur = SimpleCommand::default();
    let mut word = String::new();
    let mut wstart: Option<usize> = None;
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let mut i = 0;
    let push_word =
        |cur: &mut SimpleCommand, word: &mut String, wstart: &mut Option<usize>, at: usize| {
            if let Some(s) = wstart.take() {
                cur.words.push(Word {
                    value: std::mem::take(word),
                    start: start + s,
                    end: start + at,
                });
            }
        };
    while i < chars.len() {
        let (pos, c) = chars[i];
        // Continuation: escape char, optional blanks, newline.
        if c == escape {
            let mut j = i + 1;
            while j < chars.len() && (chars[j].1 == ' ' || chars[j].1 == '\t' || chars[j].1 == '\r')
            {
                j += 1;
            }
            if j < chars.len() && chars[j].1 == '\n' {
                push_word(&mut cur, &mut word, &mut wstart, pos);
                i = j + 1;
                continue;
            }
            if j >= chars.len() {
                push_word(&mut cur, &mut word, &mut wstart, pos);
                break;
            }
            wstart.get_or_insert(pos);
            if let Some(&(_, n)) = chars.get(i + 1) {
                word.push(n);
            }
            i += 2;
            continue;
        }
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                push_word(&mut cur, &mut word, &mut wstart, pos);
                if c == '\n' {
                    // A bare newline inside the logical line (shouldn't happen) ends a command.
                    script.complex = true;
                }
                i += 1;
            }
            '\'' => {
                wstart.get_or_insert(pos);
                i += 1;
                while i < chars.len() && chars[i].1 != '\'' {
                    word.push(chars[i].1);
                    i += 1;
                }
                i += 1;
            }
            '"' => {
                wstart.get_or_insert(pos);
                i += 1;
                while i < chars.len() && chars[i].1 != '"' {
                    let ch = chars[i].1;
                    if ch == '$' || ch == '`' {
                        script.has_vars = true;
                        if ch == '`' {
                            script.complex = true;
                        }
                    }
                    if ch == '\\' && i + 1 < chars.len() {
                        i += 1;
                        word.push(chars[i].1);
                    } else {
                        word.push(ch);
                    }
                    i += 1;
                }
                i += 1;
            }
            '&' | '|' | ';' => {
                push_word(&mut cur, &mut word, &mut wstart, pos);
                let mut sep = c.to_string();
                if let Some(&(_, n)) = chars.get(i + 1) {
                    if (c == '&' && n == '&') || (c == '|' && n == '|') {
                        sep.push(n);
                        i += 1;
                    }
                }
                i += 1;
                cur.sep = sep;
                script.commands.push(std::mem::take(&mut cur));
            }
            '(' | ')' | '{' | '}' | '<' | '>' | '`' => {
                script.complex = true;
                wstart.get_or_insert(pos);
                word.push(c);
                i += 1;
            }
            '$' => {
                script.has_vars = true;
                if chars.get(i + 1).is_some_and(|&(_, n)| n == '(') {
                    script.complex = true;
                }
                wstart.get_or_insert(pos);
                word.push(c);
                i += 1;
            }
            _ => {
                wstart.get_or_insert(pos);
                word.push(c);
                i += 1;
            }
        }
    }
    push_word(&mut cur, &mut word, &mut wstart, text.len());
    if !cur.words.is_empty() {
        script.commands.push(cur);
    }
    script.commands.retain(|c| !c.words.is_empty());
    if let Some(first) = script.commands.first() {
        if matches!(
            first.words.first().map(|w| w.value.as_str()),
            Some("if" | "for" | "while" | "case" | "until" | "function")
        ) {
            script.complex = true;
        }
    }
    script
}

/// The program name of a simple command (`/usr/bin/pip3` → `pip3`), skipping `sudo`, `env`.
pub fn program(argv: &[&str]) -> (String, usize) {
    let mut i = 0;
    while i < argv.len() && matches!(argv[i], "sudo" | "env" | "command" | "exec" | "nice") {
        i += 1;
    }
    let p = argv.get(i).copied().unwrap_or("");
    (p.rsplit('/').next().unwrap_or(p).to_string(), i)
}

/// True for words that name a path relative to the cwd (or could: globs, `.`).
pub fn is_relative_pathish(w: &str) -> bool {
    if w.contains("://") || w.starts_with('/') {
        return false;
    }
    let v = match w.split_once('=') {
        Some((k, v)) if k.starts_with('-') => v,
        _ => w,
    };
    if v.starts_with('/') || v.contains("://") {
        return false;
    }
    v == "."
        || v == ".."
        || v.starts_with("./")
        || v.starts_with("../")
        || v.starts_with('~')
        || (v.contains('/') && !v.starts_with('-'))
        || v.contains(['*', '?', '['])
        || v.ends_with(".txt")
        || v.ends_with(".whl")
        || v.ends_with(".tar.gz")
        || v.ends_with(".deb")
        || v.ends_with(".rpm")
        || v.ends_with(".sh")
}

/// Absolute paths a command names (option values included).
pub fn absolute_paths<'a>(argv: &[&'a str]) -> Vec<&'a str> {
    argv.iter()
        .filter_map(|w| {
            let v = match w.split_once('=') {
                Some((k, v)) if k.starts_with('-') => v,
                _ => w,
            };
            v.starts_with('/').then_some(v)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_commands_and_continuations() {
        let src = "RUN apt-get update && \\\n    apt-get install -y \"a b\" c; echo ok\n";
        let s = parse_script(src, 4, src.len() - 1, '\\');
        assert!(!s.complex);
        let argvs: Vec<Vec<&str>> = s.commands.iter().map(|c| c.argv()).collect();
        assert_eq!(
            argvs,
            vec![
                vec!["apt-get", "update"],
                vec!["apt-get", "install", "-y", "a b", "c"],
                vec!["echo", "ok"]
            ]
        );
        assert_eq!(s.commands[0].sep, "&&");
        let w = &s.commands[1].words[1];
        assert_eq!(&src[w.start..w.end], "install");
    }

    #[test]
    fn flags_complex_constructs() {
        let src = "echo $(date) > /x";
        let s = parse_script(src, 0, src.len(), '\\');
        assert!(s.complex && s.has_vars);
    }

    #[test]
    fn assignments_skipped() {
        let src = "PIP_X=1 pip install a";
        let s = parse_script(src, 0, src.len(), '\\');
        assert_eq!(s.commands[0].argv(), vec!["pip", "install", "a"]);
    }
}
