//! DO201 no-install-recommends: `apt-get install --no-install-recommends`.
//!
//! ## What it does
//! Adds `--no-install-recommends` to `apt-get install` / `apt install`.
//!
//! ## Why is this bad?
//! Debian and Ubuntu install "recommended" packages by default: often many
//! megabytes of documentation, fonts and tools the image never uses, which
//! slow down every push, pull and rebuild of that layer.
//!
//! ## Example
//! ```dockerfile
//! RUN apt-get update && apt-get install -y curl
//! ```
//! Use instead:
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! ```
//!
//! ## Fix safety
//! Unsafe: fewer packages are installed, and something the application
//! relied on may have come in only as a recommendation.

use super::run_view::{parse_run, program};
use crate::fix::{Applicability, Checker, Edit, Fix};
use crate::syntax::Keyword;

pub const CODE: &str = "DO201";

pub fn check(c: &mut Checker) {
    let df = c.df;
    for ins in &df.instructions {
        if ins.keyword != Keyword::Run {
            continue;
        }
        let Some(script) = parse_run(df, c.model, ins) else {
            continue;
        };
        for cmd in &script.commands {
            let argv = cmd.argv();
            let words = cmd.argv_words();
            let (p, i) = program(&argv);
            if !matches!(p.as_str(), "apt-get" | "apt") {
                continue;
            }
            let Some(k) = argv[i + 1..]
                .iter()
                .position(|a| !a.starts_with('-'))
                .map(|k| k + i + 1)
            else {
                continue;
            };
            if argv[k] != "install"
                || argv
                    .iter()
                    .any(|a| *a == "--no-install-recommends" || a.contains("Install-Recommends"))
            {
                continue;
            }
            c.fix(Fix {
                transforms: Vec::new(),
                code: CODE,
                message: "add --no-install-recommends: only the packages asked for".into(),
                applicability: Applicability::Unsafe,
                line: ins.start_line,
                edits: vec![Edit::insert(words[k].end, " --no-install-recommends")],
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    #[test]
    fn adds_flag_once() {
        let out = run(
            "FROM debian\nRUN apt-get update && apt-get -y install curl\n",
            true,
            &["DO201"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get -y install --no-install-recommends curl\n"
        );
        assert!(run(&out.output, true, &["DO201"]).applied.is_empty());
    }
}
