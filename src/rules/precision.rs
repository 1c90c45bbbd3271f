//! Precision on the field corpus (`../shared/field/`: real build contexts of
//! public projects): per rule, how many findings `dockopt check` reports over
//! every context and how many of them a careful engineer would reject,
//! judged by hand finding by finding. The rule catalogue (docs/rules.md)
//! prints it; the field tier (`tests/field.rs`) fails when the counts it
//! measures differ from `findings` here, so the table cannot go stale.

/// One rule's figures on the field corpus.
#[derive(Debug, Clone, Copy)]
pub struct Precision {
    pub code: &'static str,
    /// Findings before the precision review (issue #15), for comparison.
    pub before: u32,
    /// Findings now.
    pub findings: u32,
    /// Of `findings`, those a careful engineer would reject.
    pub false_positives: u32,
    pub note: &'static str,
}

/// The field corpus's size when the table was made.
pub const CONTEXTS: u32 = 42;

/// Rules with no finding on the field corpus (before or now) are not listed.
pub const FIELD: &[Precision] = &[
    Precision {
        code: "DO101",
        before: 2,
        findings: 3,
        false_positives: 0,
        note: "check also reports what the fix finds (one registry): atsea-app's npm install before `COPY react-app .`; rustypaste's hand-written dependency pre-build (a dummy main, `cargo build`, `rm` of its artifacts, a few lines above `COPY . .`) no longer gets a second dummy build proposed",
    },
    Precision {
        code: "DO102",
        before: 1,
        findings: 3,
        false_positives: 0,
        note: "`apk add git && composer install` no longer fires: the RUN reads the sources; check now also reports the fix's moves: a pip upgrade above a `COPY --from=builder`, rustypaste's `mkdir`/`echo` above `COPY Cargo.toml` (tiny gains, not wrong)",
    },
    Precision {
        code: "DO103",
        before: 19,
        findings: 4,
        false_positives: 0,
        note: "VITE_*, NODE_ENV, MSBuild's environment and ARG→ENV no longer fire; left: an ARG before a `useradd` (redash) and three read only by a LABEL (dashy), whose advice now moves the LABEL too",
    },
    Precision {
        code: "DO104",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "`apk update` alone before `apk add --no-cache`: the update layer is useless, the fix's merge harmless",
    },
    Precision {
        code: "DO201",
        before: 8,
        findings: 8,
        false_positives: 0,
        note: "two installs in one RUN: each finding now edits its own command",
    },
    Precision {
        code: "DO202",
        before: 6,
        findings: 6,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO203",
        before: 10,
        findings: 8,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO204",
        before: 9,
        findings: 9,
        false_positives: 0,
        note: "two `apk add` in one RUN: each finding now edits its own command",
    },
    Precision {
        code: "DO205",
        before: 3,
        findings: 4,
        false_positives: 0,
        note: "one more: `npm clean-install` is `npm ci` (npm's aliases)",
    },
    Precision {
        code: "DO207",
        before: 25,
        findings: 5,
        false_positives: 0,
        note: "left: compilers and headers that a later step compiles with (pip, bundle, PECL, make) and httpbin's git, which its Pipfile's git dependency needs; genproto/Dockerfile ×3 (protoc is what they run: nothing compiles after the install, or the final stage is a builder with no CMD) and git_services' images ×2 (git is what the program runs: no build step uses it) no longer fire, nor development images (`Dockerfile.dev`, a `dev` target, compose-only Dockerfiles with the source mounted)",
    },
    Precision {
        code: "DO208",
        before: 90,
        findings: 69,
        false_positives: 0,
        note: "style (hadolint DL3059); builder stages no longer fire",
    },
    Precision {
        code: "DO209",
        before: 11,
        findings: 0,
        false_positives: 0,
        note: "three-file contexts, `!` re-includes and env templates with no secret no longer fire",
    },
    Precision {
        code: "DO210",
        before: 15,
        findings: 12,
        false_positives: 0,
        note: "GOCACHE in a cache mount and `npm cache clean --force` no longer fire",
    },
    Precision {
        code: "DO301",
        before: 39,
        findings: 32,
        false_positives: 0,
        note: ".NET chiseled and nanoserver bases and development images no longer fire",
    },
    Precision {
        code: "DO303",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO401",
        before: 2,
        findings: 2,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO403",
        before: 24,
        findings: 24,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO404",
        before: 46,
        findings: 46,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO405",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO406",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO408",
        before: 6,
        findings: 6,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO409",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO410",
        before: 3,
        findings: 3,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO412",
        before: 37,
        findings: 37,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO413",
        before: 17,
        findings: 17,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO414",
        before: 5,
        findings: 5,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO501",
        before: 5,
        findings: 2,
        false_positives: 0,
        note: "both name what the mount hides (node_modules), not an entrypoint.sh",
    },
    Precision {
        code: "DO502",
        before: 9,
        findings: 9,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO503",
        before: 38,
        findings: 17,
        false_positives: 0,
        note: "development and CI compose files no longer fire",
    },
    Precision {
        code: "DO504",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO505",
        before: 1,
        findings: 1,
        false_positives: 1,
        note: "false: robotshop's `../payment` exists in the real repository; the field context was cut down to one service",
    },
    Precision {
        code: "DO601",
        before: 1,
        findings: 1,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO602",
        before: 4,
        findings: 4,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO603",
        before: 3,
        findings: 3,
        false_positives: 0,
        note: "",
    },
    Precision {
        code: "DO604",
        before: 1,
        findings: 1,
        false_positives: 0,
        note: "",
    },
];

/// The figures for one rule (None: no finding on the field corpus).
pub fn of(code: &str) -> Option<&'static Precision> {
    FIELD.iter().find(|p| p.code == code)
}

/// The catalogue's section: a table of every rule with findings.
pub fn markdown() -> String {
    use std::fmt::Write as _;
    let (n, f): (u32, u32) = FIELD
        .iter()
        .fold((0, 0), |(n, f), p| (n + p.findings, f + p.false_positives));
    let before: u32 = FIELD.iter().map(|p| p.before).sum();
    let mut out = format!(
        "\n## Precision on real projects\n\n`dockopt check` over the {CONTEXTS} real build contexts of \
         `../shared/field/` (public projects; `cargo test --test field -- --nocapture` counts the findings \
         and fails when they differ from this table). The findings were read by hand (those of the style and \
         pinning rules DO208, DO403, DO404, DO412 and DO413, whose statement is mechanically true, by sample); \
         a false positive is one a careful engineer would reject. {n} findings, {f} false ({:.1}%); {before} before the review.\n\n\
         | Rule | Findings | False positives | Rate | Before | Notes |\n|---|---:|---:|---:|---:|---|\n",
        rate(f, n)
    );
    for p in FIELD {
        let _ = writeln!(
            out,
            "| [{}](#{}) | {} | {} | {:.0}% | {} | {} |",
            p.code,
            p.code.to_ascii_lowercase(),
            p.findings,
            p.false_positives,
            rate(p.false_positives, p.findings),
            p.before,
            p.note
        );
    }
    out
}

/// The line a rule's page in the catalogue ends with.
pub fn line(code: &str) -> String {
    match of(code) {
        Some(p) => format!(
            "\n### Precision on real projects\n\n{} finding(s) on the field corpus, {} false positive(s) ({:.0}%).\n",
            p.findings,
            p.false_positives,
            rate(p.false_positives, p.findings)
        ),
        None => "\n### Precision on real projects\n\nNo finding on the field corpus.\n".to_string(),
    }
}

fn rate(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        100.0 * f64::from(part) / f64::from(whole)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listed_code_is_a_rule_and_false_positives_are_findings() {
        for p in FIELD {
            assert!(
                crate::rules::all().iter().any(|r| r.code == p.code),
                "{}",
                p.code
            );
            assert!(p.false_positives <= p.findings, "{}", p.code);
        }
    }
}
