//! A tiny Thompson-NFA matcher shared by the two glob dialects this module needs:
//! the regexp that moby/patternmatcher builds for `.dockerignore` patterns, and Go's
//! `path.Match` used for COPY wildcards. Simulating the NFA (instead of backtracking) keeps
//! matching linear in the path length, so no pattern can make us hang.

use std::iter::Peekable;
use std::str::Chars;

/// A character class such as `[a-c]` or `[^x]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Class {
    negated: bool,
    ranges: Vec<(char, char)>,
}

impl Class {
    fn matches(&self, c: char) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != self.negated
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Inst {
    Char(char),
    Class(Class),
    /// `[^/]`: what `?` and each step of `*` consume.
    NotSlash,
    /// Go regexp `.`: anything but a newline (no `s` flag in patternmatcher).
    Dot,
    /// Go regexp `^` met in the middle of a pattern: only true at the start of the path.
    AtStart,
    Split(usize, usize),
    Jmp(usize),
    Match,
}

/// Why a glob could not be compiled. Mirrors the cases Go's `filepath.Match` reports as
/// `ErrBadPattern`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    #[error("unterminated character class")]
    UnterminatedClass,
    #[error("empty or malformed character class")]
    BadClass,
    #[error("character class range {0:?}-{1:?} is reversed")]
    ReversedRange(char, char),
    #[error("trailing backslash")]
    TrailingBackslash,
}

/// A compiled, anchored-at-both-ends glob.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Program {
    insts: Vec<Inst>,
}

impl Program {
    /// Builder: one literal character.
    pub(crate) fn push_char(&mut self, c: char) {
        self.insts.push(Inst::Char(c));
    }

    pub(crate) fn push_class(&mut self, class: Class) {
        self.insts.push(Inst::Class(class));
    }

    pub(crate) fn push_not_slash(&mut self) {
        self.insts.push(Inst::NotSlash);
    }

    pub(crate) fn push_at_start(&mut self) {
        self.insts.push(Inst::AtStart);
    }

    /// `[^/]*`
    pub(crate) fn push_star(&mut self) {
        self.push_repeat(Inst::NotSlash);
    }

    /// `.*`
    pub(crate) fn push_dot_star(&mut self) {
        self.push_repeat(Inst::Dot);
    }

    fn push_repeat(&mut self, one: Inst) {
        let l = self.insts.len();
        self.insts.push(Inst::Split(l + 1, l + 3));
        self.insts.push(one);
        self.insts.push(Inst::Jmp(l));
    }

    /// `(.*/)?`: zero or more whole leading path segments (what `**/` compiles to).
    pub(crate) fn push_opt_segments(&mut self) {
        let l = self.insts.len();
        self.insts.push(Inst::Split(l + 1, l + 5));
        self.insts.push(Inst::Split(l + 2, l + 4));
        self.insts.push(Inst::Dot);
        self.insts.push(Inst::Jmp(l + 1));
        self.insts.push(Inst::Char('/'));
    }

    pub(crate) fn finish(mut self) -> Program {
        self.insts.push(Inst::Match);
        self
    }

    /// Whole-string match.
    pub(crate) fn is_match(&self, s: &str) -> bool {
        let n = self.insts.len();
        let mut current: Vec<usize> = Vec::with_capacity(n);
        let mut next: Vec<usize> = Vec::with_capacity(n);
        let mut seen = vec![false; n];
        self.add_thread(&mut current, &mut seen, 0, true);
        for c in s.chars() {
            if current.is_empty() {
                return false;
            }
            seen.iter_mut().for_each(|b| *b = false);
            next.clear();
            for &pc in &current {
                let ok = match &self.insts[pc] {
                    Inst::Char(x) => *x == c,
                    Inst::Class(class) => class.matches(c),
                    Inst::NotSlash => c != '/',
                    Inst::Dot => c != '\n',
                    _ => false,
                };
                if ok {
                    self.add_thread(&mut next, &mut seen, pc + 1, false);
                }
            }
            std::mem::swap(&mut current, &mut next);
        }
        current.iter().any(|&pc| self.insts[pc] == Inst::Match)
    }

    /// Follows epsilon edges from `pc`, adding every consuming (or Match) state once.
    fn add_thread(&self, list: &mut Vec<usize>, seen: &mut [bool], pc: usize, at_start: bool) {
        let mut stack = vec![pc];
        while let Some(pc) = stack.pop() {
            if pc >= self.insts.len() || seen[pc] {
                continue;
            }
            seen[pc] = true;
            match &self.insts[pc] {
                Inst::Split(a, b) => {
                    stack.push(*b);
                    stack.push(*a);
                }
                Inst::Jmp(a) => stack.push(*a),
                Inst::AtStart => {
                    if at_start {
                        stack.push(pc + 1);
                    }
                }
                _ => list.push(pc),
            }
        }
    }
}

/// Parses a character class body after its `[`: optional `^`, then one or more `c` or `c-d`
/// items (each may be `\`-escaped), then `]`. Go's `filepath.Match` rejects `[]`, a leading `-`
/// or `]`, and an unterminated class; we do the same.
pub(crate) fn parse_class(it: &mut Peekable<Chars<'_>>) -> Result<Class, GlobError> {
    let negated = it.next_if_eq(&'^').is_some();
    let mut ranges = Vec::new();
    loop {
        match it.peek() {
            None => return Err(GlobError::UnterminatedClass),
            Some(']') if !ranges.is_empty() => {
                it.next();
                return Ok(Class { negated, ranges });
            }
            _ => {}
        }
        let lo = class_char(it)?;
        let hi = if it.next_if_eq(&'-').is_some() {
            class_char(it)?
        } else {
            lo
        };
        if lo > hi {
            return Err(GlobError::ReversedRange(lo, hi));
        }
        ranges.push((lo, hi));
    }
}

fn class_char(it: &mut Peekable<Chars<'_>>) -> Result<char, GlobError> {
    match it.next() {
        None => Err(GlobError::UnterminatedClass),
        Some('-') | Some(']') => Err(GlobError::BadClass),
        Some('\\') => it.next().ok_or(GlobError::UnterminatedClass),
        Some(c) => Ok(c),
    }
}

/// Compiles a Go `path.Match` pattern: `*` = `[^/]*`, `?` = `[^/]`, `[...]` classes,
/// `\c` = literal `c`, everything else literal.
pub(crate) fn compile_path_match(pattern: &str) -> Result<Program, GlobError> {
    let mut prog = Program::default();
    let mut it = pattern.chars().peekable();
    while let Some(c) = it.next() {
        match c {
            '*' => prog.push_star(),
            '?' => prog.push_not_slash(),
            '[' => prog.push_class(parse_class(&mut it)?),
            '\\' => prog.push_char(it.next().ok_or(GlobError::TrailingBackslash)?),
            c => prog.push_char(c),
        }
    }
    Ok(prog.finish())
}

/// True if a COPY source contains an unescaped `*`, `?` or `[` (BuildKit's `containsWildcards`).
pub(crate) fn has_wildcards(s: &str) -> bool {
    let mut it = s.chars();
    while let Some(c) = it.next() {
        match c {
            '\\' => {
                it.next();
            }
            '*' | '?' | '[' => return true,
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pm(p: &str, s: &str) -> bool {
        compile_path_match(p)
            .map(|prog| prog.is_match(s))
            .unwrap_or(false)
    }

    #[test]
    fn path_match_semantics() {
        assert!(pm("*.txt", "a.txt"));
        assert!(!pm("*.txt", "d/a.txt"));
        assert!(pm("d/*.txt", "d/a.txt"));
        assert!(pm("?.txt", "a.txt"));
        assert!(!pm("?.txt", "ab.txt"));
        assert!(pm("[a-c].txt", "b.txt"));
        assert!(!pm("[^a-c].txt", "b.txt"));
        assert!(pm("[^a-c].txt", "x.txt"));
        assert!(pm(r"\*.txt", "*.txt"));
        assert!(!pm(r"\*.txt", "a.txt"));
        assert!(pm("*", ""));
    }

    #[test]
    fn bad_patterns() {
        assert_eq!(
            compile_path_match("[").err(),
            Some(GlobError::UnterminatedClass)
        );
        assert_eq!(compile_path_match("[]").err(), Some(GlobError::BadClass));
        assert_eq!(
            compile_path_match("[z-a]").err(),
            Some(GlobError::ReversedRange('z', 'a'))
        );
        assert_eq!(
            compile_path_match("a\\").err(),
            Some(GlobError::TrailingBackslash)
        );
    }

    #[test]
    fn no_blowup_on_many_stars() {
        let p = compile_path_match(&"*a".repeat(50)).map(|p| p.is_match(&"a".repeat(49)));
        assert_eq!(p, Ok(false));
    }

    #[test]
    fn wildcard_detection() {
        assert!(has_wildcards("*.txt"));
        assert!(has_wildcards("a[bc]"));
        assert!(!has_wildcards(r"a\*b"));
        assert!(!has_wildcards("plain/path"));
    }
}
