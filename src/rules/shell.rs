//! Just enough POSIX shell to read a RUN line: simple commands split on
//! `&&`, `||`, `;`, `|`, `&` and newlines, words with quotes removed.
//! Not an interpreter: subshells and `$(...)` are flattened into commands.

/// One simple command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Cmd {
    /// Words with quotes removed; leading `VAR=value` assignments and
    /// wrappers (`sudo`, `env`, `exec`, `nohup`, `time`) dropped.
    pub words: Vec<String>,
    /// Its stdin is the previous command's stdout (`a | b`: true for b).
    pub piped_from_prev: bool,
    /// Followed by a single `&`: runs in the background.
    pub background: bool,
}

impl Cmd {
    /// The program's base name (`/usr/bin/pip3` → `pip3`).
    pub fn program(&self) -> &str {
        self.words
            .first()
            .map(|w| w.rsplit('/').next().unwrap_or(w))
            .unwrap_or("")
    }

    /// Words after the program.
    pub fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// The first argument that is not a flag (apt-get's `install`, npm's `ci`).
    pub fn subcommand(&self) -> Option<&str> {
        self.args()
            .iter()
            .find(|a| !a.starts_with('-'))
            .map(String::as_str)
    }

    /// Arguments after the subcommand.
    pub fn after_subcommand(&self) -> &[String] {
        let args = self.args();
        match args.iter().position(|a| !a.starts_with('-')) {
            Some(i) => &args[i + 1..],
            None => &[],
        }
    }

    pub fn has_arg(&self, a: &str) -> bool {
        self.args().iter().any(|x| x == a)
    }

    pub fn has_arg_prefix(&self, p: &str) -> bool {
        self.args().iter().any(|x| x.starts_with(p))
    }

    /// `prog` is one of `programs` and its subcommand one of `subs`.
    pub fn is(&self, programs: &[&str], subs: &[&str]) -> bool {
        programs.contains(&self.program()) && self.subcommand().is_some_and(|s| subs.contains(&s))
    }

    /// Python's pip in any spelling: `pip`, `pip3`, `pip3.11`, `python -m pip`.
    pub fn is_pip(&self) -> bool {
        let p = self.program();
        if p == "pip" || p.starts_with("pip3") {
            return true;
        }
        p.starts_with("python") && self.args().len() >= 2 && self.args()[0] == "-m" && {
            let m = &self.args()[1];
            m == "pip" || m == "pip3"
        }
    }

    /// pip's arguments after `install` (`None` if not `pip install`).
    pub fn pip_install_args(&self) -> Option<&[String]> {
        if !self.is_pip() {
            return None;
        }
        let args = self.args();
        let start = if self.program().starts_with("python") {
            2
        } else {
            0
        };
        let rest = args.get(start..)?;
        let i = rest.iter().position(|a| !a.starts_with('-'))?;
        (rest[i] == "install").then(|| &rest[i + 1..])
    }

    pub fn is_apt_install(&self) -> bool {
        self.is(&["apt-get", "apt"], &["install"])
    }

    pub fn is_apt_update(&self) -> bool {
        self.is(&["apt-get", "apt"], &["update"])
    }

    pub fn is_apk_add(&self) -> bool {
        self.is(&["apk"], &["add"])
    }

    pub fn is_npm_install(&self) -> bool {
        self.is(&["npm"], &["install", "i", "ci", "add"])
    }
}

/// A RUN's script: shell text plus heredoc bodies.
pub fn commands(script: &str) -> Vec<Cmd> {
    let mut out = Vec::new();
    let mut cur = Cmd::default();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let mut next_piped = false;

    fn end_word(word: &mut String, in_word: &mut bool, cur: &mut Cmd) {
        if *in_word {
            cur.words.push(std::mem::take(word));
            *in_word = false;
        }
    }
    fn end_cmd(cur: &mut Cmd, out: &mut Vec<Cmd>, piped_next: bool, next_piped: &mut bool) {
        let mut c = std::mem::take(cur);
        normalize(&mut c);
        if !c.words.is_empty() {
            out.push(c);
        }
        cur.piped_from_prev = piped_next;
        *next_piped = piped_next;
    }

    while let Some(ch) = chars.next() {
        match ch {
            '\'' => {
                in_word = true;
                for c in chars.by_ref() {
                    if c == '\'' {
                        break;
                    }
                    word.push(c);
                }
            }
            '"' => {
                in_word = true;
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => {
                            if let Some(n) = chars.next() {
                                if !matches!(n, '"' | '\\' | '$' | '`' | '\n') {
                                    word.push('\\');
                                }
                                if n != '\n' {
                                    word.push(n);
                                }
                            }
                        }
                        _ => word.push(c),
                    }
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    if n != '\n' {
                        in_word = true;
                        word.push(n);
                    }
                }
            }
            '#' if !in_word => {
                // comment to end of line
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                end_word(&mut word, &mut in_word, &mut cur);
                end_cmd(&mut cur, &mut out, false, &mut next_piped);
            }
            ' ' | '\t' | '\r' => end_word(&mut word, &mut in_word, &mut cur),
            '\n' | ';' | '(' | ')' | '`' => {
                end_word(&mut word, &mut in_word, &mut cur);
                end_cmd(&mut cur, &mut out, false, &mut next_piped);
            }
            '$' if chars.peek() == Some(&'(') => {
                chars.next();
                end_word(&mut word, &mut in_word, &mut cur);
                end_cmd(&mut cur, &mut out, false, &mut next_piped);
            }
            '&' => {
                end_word(&mut word, &mut in_word, &mut cur);
                if chars.peek() == Some(&'&') {
                    chars.next();
                } else if chars.peek() == Some(&'>') {
                    // `&>file`: a redirection, not a background job
                    chars.next();
                    continue;
                } else {
                    cur.background = true;
                }
                end_cmd(&mut cur, &mut out, false, &mut next_piped);
            }
            '|' => {
                end_word(&mut word, &mut in_word, &mut cur);
                if chars.peek() == Some(&'|') {
                    chars.next();
                    end_cmd(&mut cur, &mut out, false, &mut next_piped);
                } else {
                    end_cmd(&mut cur, &mut out, true, &mut next_piped);
                }
            }
            '>' | '<' => {
                // drop redirections and their target word
                end_word(&mut word, &mut in_word, &mut cur);
                while chars.peek().is_some_and(|c| matches!(c, '>' | '&' | '<')) {
                    chars.next();
                }
                while chars.peek().is_some_and(|c| *c == ' ') {
                    chars.next();
                }
                while chars
                    .peek()
                    .is_some_and(|c| !c.is_whitespace() && !matches!(c, ';' | '&' | '|' | ')'))
                {
                    chars.next();
                }
                // a digit before the redirection (`2>`) was read as a word
                if cur
                    .words
                    .last()
                    .is_some_and(|w| w.chars().all(|c| c.is_ascii_digit()))
                {
                    cur.words.pop();
                }
            }
            _ => {
                in_word = true;
                word.push(ch);
            }
        }
    }
    end_word(&mut word, &mut in_word, &mut cur);
    end_cmd(&mut cur, &mut out, false, &mut next_piped);
    out
}

/// Drops assignments and wrapper programs in front of the real command.
fn normalize(c: &mut Cmd) {
    loop {
        let Some(first) = c.words.first() else { return };
        let is_assign = first.split_once('=').is_some_and(|(k, _)| {
            !k.is_empty() && k.chars().all(|ch| ch.is_alphanumeric() || ch == '_')
        });
        let wrapper = matches!(
            first.as_str(),
            "sudo" | "env" | "exec" | "nohup" | "time" | "then" | "do" | "else" | "!"
        );
        if is_assign || wrapper {
            c.words.remove(0);
            // `sudo -u x cmd`, `env -i cmd`: drop their flags too
            if wrapper {
                while c.words.first().is_some_and(|w| w.starts_with('-')) {
                    c.words.remove(0);
                }
            }
        } else {
            return;
        }
    }
}

/// `set -o pipefail` (or `set -euo pipefail`) appears before position `upto`.
pub fn sets_pipefail(cmds: &[Cmd]) -> bool {
    cmds.iter().any(|c| {
        c.program() == "set"
            && c.args()
                .iter()
                .any(|a| a == "pipefail" || a.contains("pipefail"))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn progs(s: &str) -> Vec<String> {
        commands(s).iter().map(|c| c.words.join(" ")).collect()
    }

    #[test]
    fn splits_and_unquotes() {
        assert_eq!(
            progs("apt-get update && apt-get install -y \"gcc\" 'make' ; rm -rf /x"),
            ["apt-get update", "apt-get install -y gcc make", "rm -rf /x"]
        );
        let c = commands("curl -fsSL https://x.sh | sh");
        assert_eq!(c.len(), 2);
        assert!(c[1].piped_from_prev && !c[0].piped_from_prev);
        let bg = commands("nginx & python app.py");
        assert!(bg[0].background && !bg[1].background);
        assert_eq!(
            progs("FOO=1 sudo -E pip install x 2>/dev/null"),
            ["pip install x"]
        );
        assert_eq!(
            progs("cd /app && echo $(date) > f"),
            ["cd /app", "echo", "date"]
        );
        assert!(commands("python -m pip install --no-cache-dir x")[0]
            .pip_install_args()
            .is_some());
    }
}
