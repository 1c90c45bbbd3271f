//! A flat view of a shell-form RUN, read through the one shell model
//! ([`crate::shell`]), for the fixes that edit words in place: each simple
//! command's words (wrappers included, assignment prefixes excluded) with
//! their byte ranges in the Dockerfile and the separator that follows them.
//! Anything a flat list cannot say (compound commands, substitutions,
//! redirections, functions) marks the script `complex`; any expansion marks
//! it `has_vars`, so fixes can refuse to reason about it.

use crate::model::Model;
use crate::shell::{self, Command, Part, Word as ShellWord};
use crate::syntax::{Dockerfile, Instruction, Keyword};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Quotes and escapes removed (expansions as written).
    pub value: String,
    /// Absolute byte range in the Dockerfile source.
    pub start: usize,
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SimpleCommand {
    pub words: Vec<Word>,
    /// The separator that ends it (`&&`, `||`, `;`, `|`, `&`), empty at the end.
    pub sep: String,
}

impl SimpleCommand {
    pub fn argv(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.value.as_str()).collect()
    }

    pub fn argv_words(&self) -> Vec<&Word> {
        self.words.iter().collect()
    }
}

#[derive(Debug, Clone, Default)]
pub struct Script {
    /// Commands with at least one word (`X=1` alone is left out).
    pub commands: Vec<SimpleCommand>,
    pub complex: bool,
    pub has_vars: bool,
    /// Absolute end of the command text.
    pub end: usize,
}

fn has_substitution(w: &ShellWord) -> bool {
    !w.substitutions().is_empty()
}

/// Whether [`parse_run`] reads `ins` (a shell-form RUN the shell model
/// parses, without heredocs or comment lines inside it).
pub fn is_viewable(df: &Dockerfile, model: &Model, ins: &Instruction) -> bool {
    ins.keyword == Keyword::Run
        && ins.heredocs.is_empty()
        && ins.inner_comments.is_empty()
        && matches!(model.run_script(df, ins), Some(Ok(_)))
}

/// Reads a shell-form RUN (None for exec form, heredocs, comment lines inside
/// it, or text the shell model cannot parse).
pub fn parse_run(df: &Dockerfile, model: &Model, ins: &Instruction) -> Option<Script> {
    if !is_viewable(df, model, ins) {
        return None;
    }
    let script = model.run_script(df, ins)?.ok()?;
    let mut out = Script {
        end: ins.arguments.span().end,
        ..Script::default()
    };
    let n_items = script.items.len();
    for (ii, item) in script.items.iter().enumerate() {
        let pipelines: Vec<_> = item.and_or.pipelines().collect();
        for (pi, pl) in pipelines.iter().enumerate() {
            out.complex |= pl.negated;
            for (ci, c) in pl.commands.iter().enumerate() {
                let Command::Simple(sc) = c else {
                    out.complex = true;
                    continue;
                };
                out.complex |= !sc.redirects.is_empty()
                    || sc.words.iter().any(has_substitution)
                    || sc.assignments.iter().any(|a| has_substitution(&a.value));
                out.has_vars |= sc.words.iter().any(ShellWord::has_expansion)
                    || sc.assignments.iter().any(|a| a.value.has_expansion());
                let sep = if ci + 1 < pl.commands.len() {
                    "|".to_string()
                } else if pi + 1 < pipelines.len() {
                    item.and_or.rest[pi].0.as_str().to_string()
                } else if item.background {
                    "&".to_string()
                } else if ii + 1 < n_items {
                    ";".to_string()
                } else {
                    String::new()
                };
                let words: Vec<Word> = sc
                    .words
                    .iter()
                    .map(|w| Word {
                        value: w.literal().unwrap_or_else(|| w.lossy()),
                        start: w.span.start,
                        end: w.span.end,
                    })
                    .collect();
                if words.is_empty() {
                    continue;
                }
                out.commands.push(SimpleCommand { words, sep });
            }
        }
    }
    // Where the code ends, not the line: text appended after a trailing
    // `# comment` would be commented out, and after a final `;` it would not
    // parse.
    if let Some(e) = shell::code_end(&script) {
        out.end = e;
    }
    // A word spelled `(`… cannot appear; tilde and globs are fine as values.
    let _ = Part::Lit(String::new());
    Some(out)
}

/// The program of a flat command (`/usr/bin/pip3` → `pip3`), skipping the
/// wrappers `sudo`, `env`, `command`, `exec`, `nice`, `nohup`, `time` with
/// their options and `NAME=value` words. The index is always a valid index
/// of a non-empty `argv` (a wrapper alone is its own program).
pub fn program(argv: &[&str]) -> (String, usize) {
    let mut i = 0;
    let mut in_wrapper = false;
    while i < argv.len() {
        let a = argv[i];
        if matches!(
            a,
            "sudo" | "env" | "command" | "exec" | "nice" | "nohup" | "time"
        ) {
            in_wrapper = true;
            i += 1;
            continue;
        }
        let assignment = a.split_once('=').is_some_and(|(k, _)| shell::is_name(k));
        if in_wrapper && (a.starts_with('-') || assignment) {
            i += 1;
            continue;
        }
        break;
    }
    let i = i.min(argv.len().saturating_sub(1));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn view(text: &str) -> Script {
        let df = crate::syntax::parse(text).unwrap();
        let model = crate::model::build(&df, &Default::default()).unwrap();
        parse_run(&df, &model, &df.instructions[1]).unwrap()
    }

    #[test]
    fn flat_commands_with_spans() {
        let src = "FROM x\nRUN apt-get update && \\\n    apt-get install -y \"a b\" c; echo ok\n";
        let s = view(src);
        assert!(!s.complex && !s.has_vars);
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
        assert_eq!(s.commands[1].sep, ";");
        let w = &s.commands[1].words[1];
        assert_eq!(&src[w.start..w.end], "install");
        assert!(view("FROM x\nRUN echo $(date) > /x\n").complex);
        assert!(view("FROM x\nRUN echo $A\n").has_vars);
        let s = view("FROM x\nRUN PIP_X=1 pip install a\n");
        assert_eq!(s.commands[0].argv(), vec!["pip", "install", "a"]);
        assert!(view("FROM x\nRUN X=1\n").commands.is_empty());
    }

    #[test]
    fn program_never_points_past_the_end() {
        assert_eq!(program(&["env"]), ("env".into(), 0));
        assert_eq!(
            program(&["sudo", "-E", "env", "A=1", "pip", "x"]),
            ("pip".into(), 4)
        );
        assert_eq!(program(&["/usr/bin/pip3"]), ("pip3".into(), 0));
    }
}
