//! `check` and `fix` never panic, whatever the Dockerfile says.
//!
//! tests/no_panic.rs covers the parser with arbitrary bytes; that never
//! reached `RUN env` (issue 16), because a panic there needs a file that
//! parses *and* a RUN whose command is only wrappers or assignments. These
//! properties generate shell-level variety — empty commands, assignments
//! only, `sudo`/`env`/`nice`/`command`/`exec` wrappers, `&&`/`;`/`||`/`|`
//! chains, package managers and deletions — and run the library entry points
//! behind `dockopt check` (every output format) and `dockopt fix` (safe and
//! unsafe). `PROPTEST_CASES` raises the case count; README "No panics" records
//! the long run.

use proptest::prelude::*;

mod common;
use common::{generate, pipeline};

/// Runs everything `check` and `fix` run on one text; panics are the failure.
fn exercise(text: &str) {
    pipeline::exercise_check(text);
    pipeline::exercise_fix(text);
}

const WRAPPERS: [&str; 8] = [
    "sudo",
    "env",
    "nice",
    "command",
    "exec",
    "sudo -E",
    "env -i",
    "nice -n 5",
];
const ASSIGNS: [&str; 5] = [
    "X=1",
    "A=",
    "DEBIAN_FRONTEND=noninteractive",
    "P=$HOME/x",
    "Y=\"a b\"",
];
const PROGRAMS: [&str; 26] = [
    "apt-get update",
    "apt-get install -y curl",
    "apt-get -y install --no-install-recommends gcc",
    "apt update",
    "apk update",
    "apk add --no-cache git",
    "apk add",
    "rm -rf /var/lib/apt/lists/*",
    "rm -rf /tmp/x",
    "rm",
    "rm -f",
    "pip install -r requirements.txt",
    "pip install --no-cache-dir flask",
    "npm ci",
    "npm install",
    "go build ./...",
    "cargo build --release",
    "yarn install --frozen-lockfile",
    "echo hi",
    "cd /app",
    "true",
    "env",
    "export A=1",
    "mkdir -p /app",
    "curl -fsSL https://x/y | sh",
    "bundle install",
];
const SEPS: [&str; 7] = [" && ", " ; ", " || ", " | ", " &&\\\n    ", " & ", " &&"];

/// One shell command: wrappers, assignments and a program, each optional.
fn command() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop::sample::select(&WRAPPERS[..]), 0..3),
        prop::collection::vec(prop::sample::select(&ASSIGNS[..]), 0..3),
        prop::option::of(prop::sample::select(&PROGRAMS[..])),
    )
        .prop_map(|(w, a, p)| {
            let mut parts: Vec<&str> = Vec::new();
            parts.extend(a.iter().copied());
            parts.extend(w.iter().copied());
            parts.extend(p);
            parts.join(" ")
        })
}

fn script() -> impl Strategy<Value = String> {
    prop::collection::vec((command(), prop::sample::select(&SEPS[..])), 0..5).prop_map(|cmds| {
        let mut s = String::new();
        for (i, (c, sep)) in cmds.iter().enumerate() {
            if i > 0 {
                s.push_str(sep);
            }
            s.push_str(c);
        }
        s
    })
}

const OTHER: [&str; 14] = [
    "COPY . .",
    "COPY requirements.txt ./",
    "COPY package*.json ./",
    "WORKDIR /app",
    "ENV PATH=/x:$PATH",
    "ARG GITHUB_TOKEN",
    "ARG V=1",
    "USER app",
    "CMD [\"python\", \"app.py\"]",
    "FROM python:3.12 AS build",
    "COPY --from=build /a /b",
    "ENV X=${A:-${B:-c}}",
    "RUN --mount=type=cache,target=/root/.cache pip install x",
    "RUN <<EOF\napt-get update\nEOF",
];

fn line() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => script().prop_map(|s| format!("RUN {s}")),
        1 => prop::sample::select(&OTHER[..]).prop_map(str::to_string),
        1 => script().prop_map(|s| format!("RUN [\"sh\", \"-c\", {s:?}]")),
    ]
}

fn dockerfile() -> impl Strategy<Value = String> {
    (
        prop::sample::select(
            &[
                "debian:12",
                "python:3.12",
                "node:20",
                "golang:1.22",
                "alpine",
            ][..],
        ),
        prop::collection::vec(line(), 0..10),
    )
        .prop_map(|(base, lines)| format!("FROM {base}\n{}\n", lines.join("\n")))
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
    #![proptest_config(cases(256))]

    #[test]
    fn shell_variety_through_check_and_fix(text in dockerfile()) {
        exercise(&text);
    }

    #[test]
    fn generated_through_check_and_fix(seed in any::<u64>()) {
        exercise(&generate::dockerfile(seed));
    }
}

/// The issue's reproductions, kept as fixed cases.
#[test]
fn issue_16_lines() {
    for body in [
        "RUN env",
        "RUN X=1",
        "RUN X=1 && rm -rf /tmp/x",
        "RUN sudo",
        "RUN apt-get update\nRUN env",
        "RUN apt-get update\nRUN X=1",
        "RUN apt-get install -y x\nRUN X=1 && rm -rf /tmp/x",
    ] {
        exercise(&format!("FROM debian:12\n{body}\n"));
    }
}

/// What cargo-fuzz found, kept as fixed cases: each made `fix` fail
/// internally on a file that parses.
#[test]
fn fuzz_findings() {
    for text in [
        // A FROM whose continuation the end of the file leaves open (only a
        // comment follows): DO413's ENV inserted after it joined the FROM.
        "# synt18 AS uA\n\nFROM python:0.12-slo\\\n  # pul  ",
        "FROM python:3.12-slim\\\n  # c\n",
        "FROM python:3.12-slim \\\n\n",
        // A legacy-form ENV HOME swallowed the next line, blanks and all:
        // DO210's cache mount target held them, split the flag, and fix
        // never converged (session 9's cargo-fuzz run, minimised).
        // DO202's `&& rm -rf /var/lib/apt/lists/*` landed inside the
        // replacement character of a RUN continued over blank and `\ `
        // lines: the edit panicked on a char boundary (session 11's run).
        "FROM r as r\nRUN \nRUN apt-get update\nRUN apt-get install \\\n&&\\\n\n\\ \\\n\n\\ \\\n\n\\ \\\n\n\\ \\\n\n\\ \\\n\u{fffd}\u{fffd}\u{fffd}          \\ \\",
        // `--` ends a RUN's flags: DO210's cache mount went after it, a
        // word of the command, and fix --unsafe-fixes never converged
        // (session 12's run, minimised).
        "FROM e\nRUN -- o&go build",
        "FROM golang:alpine AS runc\nRUN apk add --no-cache \\\nCOPY start.sh /usr/bin/start.sh\nENV HOME /homeccomp-dev \\\nCOPY start.sh /usr/bin/start.com/cloudflare/cfssl.git /go/src/github.com/cloudflare/cfssl\nRUN set -x && \\\n\tgo build ../cmd/multirootca &&/gsh",
    ] {
        exercise(text);
    }
    // A RUN of 33 `apt-get install`s: DO201's 33 flags went in one round
    // each and fix gave up after 32 (session 10's cargo-fuzz run, minimised).
    let many = format!("FROM 3\nRUN {}\n", vec!["apt-get install"; 33].join("&"));
    exercise(&many);
    // 40 RUNs that read nothing from the context after one COPY: DO102 moves
    // one per round, and a fixed 32 rounds ran out (the same run, later).
    let moves = format!(
        "FROM m\nWORKDIR p\nCOPY . .\n{}",
        "RUN pip x\nRUN apt-get a\n".repeat(20)
    );
    exercise(&moves);
    // A RUN of 33 `pip install`s: DO203 flagged one per RUN, so its fix
    // went in one install per round and gave up after 32 (session 15's run).
    // Every command the generator knows, 40 times in one RUN, for each rule
    // that might flag fewer places than its fix function fixes.
    for program in PROGRAMS {
        for sep in ["&", " && "] {
            exercise(&format!("FROM d\nRUN {}\n", vec![program; 40].join(sep)));
        }
    }
}

/// The generator really produces the shapes the `RUN env` panic needed:
/// empty commands, assignments only, wrapper-first commands and `&&` chains
/// (a generator that lost one of them would pass every property silently).
#[test]
fn generator_produces_shell_level_variety() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut empty, mut assign_only, mut wrapped, mut chain) = (0, 0, 0, 0);
    for _ in 0..2000 {
        let c = command()
            .new_tree(&mut runner)
            .map(|t| t.current())
            .unwrap_or_default();
        empty += usize::from(c.is_empty());
        assign_only += usize::from(ASSIGNS.contains(&c.as_str()));
        wrapped += usize::from(WRAPPERS.iter().any(|w| c.starts_with(w)));
        let s = script()
            .new_tree(&mut runner)
            .map(|t| t.current())
            .unwrap_or_default();
        chain += usize::from(s.contains(" && "));
    }
    for (what, n) in [
        ("empty commands", empty),
        ("assignments only", assign_only),
        ("wrappers first", wrapped),
        ("&& chains", chain),
    ] {
        assert!(n >= 20, "{what}: {n} of 2000");
    }
}
