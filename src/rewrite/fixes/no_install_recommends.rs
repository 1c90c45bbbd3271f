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
//! relied on may have come in only as a recommendation. `ca-certificates`,
//! which curl, wget, git and openssl only recommend and without which
//! their HTTPS fails, is kept by adding it to the list.

use super::run_view::{parse_run, program};
use crate::fix::{Applicability, Checker, Edit, Fix};
use crate::syntax::Keyword;

pub const CODE: &str = "DO201";

/// Debian and Ubuntu packages whose TLS needs `ca-certificates`, which they
/// (or the libcurl they depend on) only recommend.
fn needs_ca_bundle(package: &str) -> bool {
    let name = package.split(['=', '/', ':']).next().unwrap_or(package);
    matches!(name, "curl" | "wget" | "git" | "git-lfs" | "openssl") || name.starts_with("libcurl")
}

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
            let mut edits = vec![Edit::insert(words[k].end, " --no-install-recommends")];
            let mut message =
                "add --no-install-recommends: only the packages asked for".to_string();
            // HTTPS needs the CA bundle, which these clients only recommend:
            // without it the image's `curl https://…` (or git's, wget's) fails
            // to verify any certificate. Keep it by name.
            let packages = &argv[k + 1..];
            let client = packages.iter().find(|p| needs_ca_bundle(p));
            if let (Some(client), false, Some(last)) =
                (client, packages.contains(&"ca-certificates"), words.last())
            {
                edits.push(Edit::insert(last.end, " ca-certificates"));
                message = format!(
                    "add --no-install-recommends, keeping ca-certificates by name ({client} only recommends it, and HTTPS needs it)"
                );
            }
            c.fix(Fix {
                transforms: Vec::new(),
                code: CODE,
                message,
                applicability: Applicability::Unsafe,
                line: ins.start_line,
                edits,
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
            "FROM debian\nRUN apt-get update && apt-get -y install jq\n",
            true,
            &["DO201"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get -y install --no-install-recommends jq\n"
        );
        assert!(run(&out.output, true, &["DO201"]).applied.is_empty());
    }

    /// curl only recommends the CA bundle its HTTPS needs: the fix keeps it
    /// by name (once; not when the list already names it).
    #[test]
    fn keeps_the_ca_bundle_a_tls_client_only_recommends() {
        let out = run(
            "FROM debian\nRUN apt-get update && apt-get install -y curl=7.88.1-10 jq\n",
            true,
            &["DO201"],
        );
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get update && apt-get install --no-install-recommends -y curl=7.88.1-10 jq ca-certificates\n"
        );
        assert!(run(&out.output, true, &["DO201"]).applied.is_empty());
        let named = "FROM debian\nRUN apt-get install -y ca-certificates git\n";
        let out = run(named, true, &["DO201"]);
        assert_eq!(
            out.output,
            "FROM debian\nRUN apt-get install --no-install-recommends -y ca-certificates git\n"
        );
    }
}
