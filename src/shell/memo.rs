//! Each RUN's script, parsed once per file for every reader. Rules, fix
//! functions and the effects model all read the same RUN; each parsed it on
//! its own (five parses per RUN per round of `fix`, a sixth of `check`).

use super::{parse_run, Script, ShellError};
use crate::syntax::{Dockerfile, Instruction};
use std::sync::{Arc, OnceLock};

type Parsed = Option<Result<Arc<Script>, ShellError>>;

/// One slot per instruction of the file it was made for, filled on first
/// use with [`parse_run`]'s answer. The file is known by the address and
/// length of its source: a memo answers only while that file is alive (a
/// model is used with the file it was built from), and parses afresh for
/// any other.
#[derive(Debug, Clone, Default)]
pub struct ScriptMemo {
    source: (usize, usize),
    slots: Vec<OnceLock<Parsed>>,
}

impl ScriptMemo {
    /// Empty slots for `df`'s instructions.
    pub fn new(df: &Dockerfile) -> ScriptMemo {
        ScriptMemo {
            source: (df.source.as_ptr() as usize, df.source.len()),
            slots: (0..df.instructions.len())
                .map(|_| OnceLock::new())
                .collect(),
        }
    }

    /// [`parse_run`] of `ins`, an instruction of `df`, parsed at most once
    /// when `df` is the file this memo was made for.
    pub fn get(&self, df: &Dockerfile, ins: &Instruction) -> Parsed {
        let parse = || parse_run(df, ins).map(|r| r.map(Arc::new));
        if (df.source.as_ptr() as usize, df.source.len()) != self.source
            || self.slots.len() != df.instructions.len()
        {
            return parse();
        }
        match df.index_of(ins).and_then(|i| self.slots.get(i)) {
            Some(slot) => slot.get_or_init(parse).clone(),
            None => parse(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_once_and_answers_other_files_afresh() {
        let a = crate::syntax::parse("FROM x\nRUN echo a && echo b\n").unwrap();
        let b = crate::syntax::parse("FROM x\nRUN echo c\n").unwrap();
        let memo = ScriptMemo::new(&a);
        let first = memo.get(&a, &a.instructions[1]).unwrap().unwrap();
        let again = memo.get(&a, &a.instructions[1]).unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again), "parsed once");
        // Same index, another file: its own script, not the cached one.
        let other = memo.get(&b, &b.instructions[1]).unwrap().unwrap();
        assert_eq!(commands_of(&other), vec!["echo c"]);
        assert!(
            memo.get(&a, &a.instructions[0]).is_none(),
            "FROM has no script"
        );
    }

    fn commands_of(s: &Script) -> Vec<String> {
        super::super::commands(s)
            .into_iter()
            .map(|(c, _)| {
                c.words
                    .iter()
                    .map(|w| w.literal().unwrap_or_default())
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect()
    }
}
