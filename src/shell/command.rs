//! What a simple command runs once the wrappers are peeled off: `sudo -u x
//! env A=1 nice -n 5 pip install y` runs `pip install y` as `x` with `A=1`.

use super::ast::{SimpleCommand, Word};

/// The program a simple command runs and the arguments it gets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation<'a> {
    /// Base name of the program (`/usr/bin/pip3` → `pip3`); empty when the
    /// program word is not literal (`$CMD`).
    pub program: String,
    /// The program word as written.
    pub program_word: &'a Word,
    /// The arguments after the program.
    pub args: &'a [Word],
    /// Wrapper programs peeled off, outermost first.
    pub wrappers: Vec<String>,
    /// Environment the program gets on top of the shell's: the command's
    /// `NAME=value` prefix and `env NAME=value` (None: not literal).
    pub env: Vec<(String, Option<String>)>,
    /// `env -u NAME`: removed from the environment.
    pub unset: Vec<String>,
    /// `env -i`: the program starts from an empty environment.
    pub clears_env: bool,
    /// `sudo -u U`, `gosu U`, `su-exec U`: the user it runs as.
    pub user: Option<String>,
    /// `env -C DIR`: the directory it runs in.
    pub chdir: Option<String>,
    /// `xargs`: more arguments come from stdin.
    pub args_from_stdin: bool,
}

impl Invocation<'_> {
    /// Argument values; None for a word with an expansion.
    pub fn values(&self) -> Vec<Option<String>> {
        self.args.iter().map(Word::literal).collect()
    }

    /// Argument values with expansions shown as written.
    pub fn lossy(&self) -> Vec<String> {
        self.args.iter().map(Word::lossy).collect()
    }

    /// Whether every argument is literal.
    pub fn all_literal(&self) -> bool {
        self.args.iter().all(|w| !w.has_expansion())
    }

    /// The first argument that is not an option (`install` in `apt-get -y install`).
    pub fn subcommand(&self) -> Option<String> {
        self.lossy().into_iter().find(|a| !a.starts_with('-'))
    }

    /// Whether the program is one of `names`.
    pub fn is(&self, names: &[&str]) -> bool {
        names.contains(&self.program.as_str())
    }
}

fn base(p: &str) -> &str {
    p.rsplit('/').next().unwrap_or(p)
}

/// Options of a wrapper that take a value (as separate words).
fn takes_value(wrapper: &str, opt: &str) -> bool {
    match wrapper {
        "sudo" => matches!(
            opt,
            "-u" | "-g"
                | "-C"
                | "-D"
                | "-h"
                | "-p"
                | "-r"
                | "-t"
                | "-U"
                | "-T"
                | "--user"
                | "--group"
                | "--chdir"
        ),
        "env" => matches!(
            opt,
            "-u" | "--unset" | "-C" | "--chdir" | "-S" | "--split-string"
        ),
        "nice" => matches!(opt, "-n" | "--adjustment"),
        "timeout" => matches!(opt, "-s" | "--signal" | "-k" | "--kill-after"),
        "stdbuf" => matches!(opt, "-i" | "-o" | "-e"),
        "ionice" => matches!(
            opt,
            "-c" | "-n" | "-p" | "-P" | "-u" | "--class" | "--classdata"
        ),
        "xargs" => matches!(
            opt,
            "-I" | "-n"
                | "-P"
                | "-d"
                | "-L"
                | "-s"
                | "-E"
                | "-a"
                | "--arg-file"
                | "--delimiter"
                | "--max-args"
                | "--max-procs"
                | "--max-lines"
                | "--max-chars"
        ),
        "exec" => opt == "-a",
        "time" => opt == "-f" || opt == "-o",
        _ => false,
    }
}

const WRAPPERS: &[&str] = &[
    "sudo",
    "env",
    "nice",
    "nohup",
    "time",
    "command",
    "exec",
    "xargs",
    "timeout",
    "stdbuf",
    "ionice",
    "gosu",
    "su-exec",
    "busybox",
    "tini",
    "dumb-init",
];

impl SimpleCommand {
    /// The program this command runs, wrappers peeled; None for a command
    /// of assignments or redirections only (`X=1`, `>file`).
    pub fn invocation(&self) -> Option<Invocation<'_>> {
        let mut inv = Invocation {
            program: String::new(),
            program_word: self.words.first()?,
            args: &[],
            wrappers: Vec::new(),
            env: self
                .assignments
                .iter()
                .map(|a| (a.name.clone(), a.value.literal()))
                .collect(),
            unset: Vec::new(),
            clears_env: false,
            user: None,
            chdir: None,
            args_from_stdin: false,
        };
        let words = &self.words;
        let mut i = 0;
        let mut last_wrapper = 0;
        loop {
            let Some(w) = words.get(i) else {
                // A wrapper with nothing to run runs itself (`env` prints the env).
                let prog = inv.wrappers.pop()?;
                inv.program = prog;
                inv.program_word = &words[last_wrapper];
                inv.args = &words[last_wrapper + 1..];
                return Some(inv);
            };
            let Some(name) = w.literal() else {
                inv.program_word = w;
                inv.args = &words[i + 1..];
                return Some(inv);
            };
            let prog = base(&name).to_string();
            if !WRAPPERS.contains(&prog.as_str()) {
                inv.program = prog;
                inv.program_word = w;
                inv.args = &words[i + 1..];
                return Some(inv);
            }
            // `command -v x` / `command -V x` ask, they do not run x.
            let next = words.get(i + 1).and_then(Word::literal);
            if prog == "command"
                && next
                    .as_deref()
                    .is_some_and(|n| n.starts_with("-v") || n.starts_with("-V"))
            {
                inv.program = prog;
                inv.program_word = w;
                inv.args = &words[i + 1..];
                return Some(inv);
            }
            if prog == "busybox" && next.as_deref().is_none_or(|n| n.starts_with('-')) {
                inv.program = prog;
                inv.program_word = w;
                inv.args = &words[i + 1..];
                return Some(inv);
            }
            inv.wrappers.push(prog.clone());
            last_wrapper = i;
            i += 1;
            // `gosu USER cmd`, `su-exec USER cmd`
            if prog == "gosu" || prog == "su-exec" {
                inv.user = words.get(i).map(Word::lossy);
                i += 1;
                continue;
            }
            if prog == "timeout" {
                while let Some(o) = words.get(i).and_then(Word::literal) {
                    if o == "--" {
                        i += 1;
                        break;
                    }
                    if !o.starts_with('-') {
                        break;
                    }
                    i += if takes_value(&prog, &o) { 2 } else { 1 };
                }
                i += 1; // the duration
                continue;
            }
            // Options, then (for sudo and env) NAME=value words.
            while let Some(o) = words.get(i) {
                let Some(v) = o.literal() else { break };
                if v == "--" {
                    i += 1;
                    break;
                }
                if (prog == "env" || prog == "sudo") && !v.starts_with('-') {
                    if let Some((k, _)) = v.split_once('=') {
                        if super::lexer::is_name(k) {
                            let val = v.split_once('=').map(|(_, x)| x.to_string());
                            inv.env.push((k.to_string(), val));
                            i += 1;
                            continue;
                        }
                    }
                    break;
                }
                if !v.starts_with('-') || v == "-" {
                    if prog == "env" && v == "-" {
                        inv.clears_env = true;
                        i += 1;
                        continue;
                    }
                    break;
                }
                if prog == "nice" && v[1..].chars().all(|c| c.is_ascii_digit()) {
                    i += 1;
                    continue;
                }
                let value = words.get(i + 1).map(Word::lossy);
                match (prog.as_str(), v.as_str()) {
                    ("env", "-i" | "--ignore-environment") => inv.clears_env = true,
                    ("env", "-u" | "--unset") => inv.unset.extend(value.clone()),
                    ("env", "-C" | "--chdir") => inv.chdir = value.clone(),
                    ("sudo", "-u" | "--user") => inv.user = value.clone(),
                    _ => {}
                }
                if let Some(rest) = v.strip_prefix("--chdir=") {
                    inv.chdir = Some(rest.to_string());
                }
                if let Some(rest) = v.strip_prefix("--user=") {
                    inv.user = Some(rest.to_string());
                }
                if prog == "xargs" {
                    inv.args_from_stdin = true;
                }
                i += if takes_value(&prog, &v) { 2 } else { 1 };
            }
            if prog == "xargs" {
                inv.args_from_stdin = true;
                if words.get(i).is_none() {
                    // `xargs` alone runs `echo`.
                    inv.program = "echo".into();
                    inv.args = &[];
                    return Some(inv);
                }
            }
        }
    }
}
