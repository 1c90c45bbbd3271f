//! The parser never panics, whatever the input.
//!
//! Property: `parse` returns `Ok` or `Err`. On `Ok`, `to_source()` is the
//! input and the tokens partition it (contiguous, non-empty, covering every
//! byte). On `Err`, line and column lie within the file and `render()` works.
//!
//! Inputs: arbitrary bytes (lossy UTF-8), strings over a Dockerfile-ish
//! alphabet, mutations of the corpus files (delete / insert / duplicate byte
//! ranges, flip line endings) and generated Dockerfiles. Case counts keep the
//! whole file to a few seconds in a debug build; `PROPTEST_CASES` raises them.

use std::path::Path;
use std::sync::OnceLock;

use dockopt::syntax::{parse, parse_syntax_only, Dockerfile, LineIndex, ParseError};
use proptest::prelude::*;

mod common;
use common::{dockerfiles_under, generate, shared_dockerfiles};

fn check_tokens(df: &Dockerfile, text: &str) -> Result<(), TestCaseError> {
    prop_assert_eq!(df.to_source(), text);
    let mut pos = 0;
    for t in &df.tokens() {
        prop_assert_eq!(
            t.span.start,
            pos,
            "token {:?} does not start where the last ended",
            t
        );
        prop_assert!(t.span.end > t.span.start, "empty token {:?}", t);
        prop_assert!(
            text.is_char_boundary(t.span.end),
            "token {:?} splits a character",
            t
        );
        pos = t.span.end;
    }
    prop_assert_eq!(pos, text.len(), "tokens stop before the end");
    Ok(())
}

fn check_error(e: &ParseError, text: &str) -> Result<(), TestCaseError> {
    let index = LineIndex::new(text);
    prop_assert!(
        e.line >= 1 && e.line <= index.line_count(),
        "line {} outside 1..={}",
        e.line,
        index.line_count()
    );
    let line_chars = index.line_text(text, e.line - 1).chars().count();
    prop_assert!(
        e.column >= 1 && e.column <= line_chars + 2,
        "column {} outside line {} of {} chars",
        e.column,
        e.line,
        line_chars
    );
    prop_assert!(e.span.end <= text.len() && e.span.start <= e.span.end);
    let rendered = e.render("Dockerfile", text);
    let location = format!("Dockerfile:{}:{}", e.line, e.column);
    prop_assert!(
        rendered.contains(&location),
        "render lacks {}: {}",
        location,
        rendered
    );
    Ok(())
}

fn check(text: &str) -> Result<(), TestCaseError> {
    match parse(text) {
        Ok(df) => check_tokens(&df, text)?,
        Err(e) => check_error(&e, text)?,
    }
    match parse_syntax_only(text) {
        Ok(df) => check_tokens(&df, text),
        Err(e) => check_error(&e, text),
    }
}

fn corpus() -> &'static [String] {
    static FILES: OnceLock<Vec<String>> = OnceLock::new();
    FILES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        dockerfiles_under(&root.join("corpus"))
            .into_iter()
            .chain(shared_dockerfiles().into_iter().map(|(_, p)| p))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .collect()
    })
}

const PIECES: [&str; 40] = [
    "FROM ",
    "from ",
    "RUN ",
    "COPY ",
    "ADD ",
    "ENV ",
    "LABEL ",
    "ARG ",
    "CMD ",
    "ONBUILD ",
    "HEALTHCHECK ",
    "SHELL ",
    "AS ",
    "\n",
    "\n",
    "\r\n",
    "\r",
    " ",
    "\t",
    "\\",
    "\\\n",
    "`",
    "# escape=`\n",
    "# syntax=x\n",
    "# check=a\n",
    "#",
    "<<EOF",
    "<<-EOF",
    "<<'E'",
    "EOF\n",
    "\tEOF\n",
    "[\"a\", \"b\"]",
    "[\"a\",",
    "--mount=type=cache",
    "--from",
    "=",
    "\"",
    "'",
    "\u{feff}",
    "é",
];

fn pieces() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(&PIECES[..]), 0..60).prop_map(|v| v.concat())
}

#[derive(Debug, Clone)]
enum Mutation {
    Delete(usize, usize),
    Insert(usize, String),
    Duplicate(usize, usize),
    FlipLineEndings,
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0usize..64).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (any::<usize>(), pieces()).prop_map(|(a, s)| Mutation::Insert(a, s)),
        (any::<usize>(), 0usize..128).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        Just(Mutation::FlipLineEndings),
    ]
}

fn mutate(text: &str, muts: &[Mutation]) -> String {
    let mut b = text.as_bytes().to_vec();
    for m in muts {
        let len = b.len();
        match m {
            Mutation::Delete(at, n) if len > 0 => {
                let at = at % len;
                let end = (at + n).min(len);
                b.drain(at..end);
            }
            Mutation::Insert(at, s) => {
                let at = if len == 0 { 0 } else { at % (len + 1) };
                b.splice(at..at, s.bytes());
            }
            Mutation::Duplicate(at, n) if len > 0 => {
                let at = at % len;
                let end = (at + n).min(len);
                let copy = b[at..end].to_vec();
                b.splice(end..end, copy);
            }
            Mutation::FlipLineEndings => {
                let s = String::from_utf8_lossy(&b).into_owned();
                b = if s.contains("\r\n") {
                    s.replace("\r\n", "\n").into_bytes()
                } else {
                    s.replace('\n', "\r\n").into_bytes()
                };
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&b).into_owned()
}

fn cases(n: u32) -> ProptestConfig {
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(cases(2048))]

    #[test]
    fn arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        check(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn dockerfile_alphabet(s in "[ -~\t\r\n\u{feff}é]{0,300}") {
        check(&s)?;
    }

    #[test]
    fn dockerfile_pieces(s in pieces()) {
        check(&s)?;
    }

    #[test]
    fn generated(seed in any::<u64>()) {
        check(&generate::dockerfile(seed))?;
    }
}

proptest! {
    #![proptest_config(cases(1024))]

    #[test]
    fn corpus_mutations(pick in any::<prop::sample::Index>(), muts in prop::collection::vec(mutation(), 1..6)) {
        let files = corpus();
        prop_assume!(!files.is_empty());
        let text = &files[pick.index(files.len())];
        check(&mutate(text, &muts))?;
    }
}

#[test]
fn every_prefix_of_the_own_corpus() {
    // Truncation at every line is where continuations, heredocs and
    // directives are cut in half.
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    for p in dockerfiles_under(&root.join("corpus")) {
        let text = std::fs::read_to_string(&p).expect("UTF-8");
        for (i, _) in text.match_indices('\n') {
            for cut in [i, i + 1] {
                if let Err(e) = check(&text[..cut]) {
                    panic!("{} cut at {cut}: {e}", p.display());
                }
            }
        }
    }
}
