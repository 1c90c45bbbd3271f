//! DO210 cache-mount: keep package-manager download caches in a BuildKit
//! cache mount (`RUN --mount=type=cache,target=…`).
//!
//! ## What it does
//! Adds `--mount=type=cache,target=/root/.npm` to RUNs that run `npm ci` /
//! `npm install`, and `--mount=type=cache,target=/root/.cache/go-build` to
//! RUNs that run `go build`, as root.
//!
//! ## Why is this bad?
//! When such a step re-runs (its manifest changed), it downloads or compiles
//! everything again. A cache mount survives between builds, so only what
//! changed is fetched; and the cache no longer bloats the image.
//!
//! ## Example
//! ```dockerfile
//! RUN npm ci
//! ```
//! Use instead:
//! ```dockerfile
//! RUN --mount=type=cache,target=/root/.npm npm ci
//! ```
//!
//! ## Fix safety
//! Unsafe: the cache directory is no longer part of the image, and the
//! Dockerfile now needs BuildKit. Only for caches nothing reads at run time,
//! and only when the RUN runs as root (the paths are root's).

use super::run_ops;
use crate::fix::{Applicability, Checker, Edit, Fix};

pub const CODE: &str = "DO210";

pub fn check(c: &mut Checker) {
    let df = c.df;
    let mut npm_later = crate::rules::size::index_read_later::ReadLater::npm();
    for (ins, run) in run_ops(df, c.model) {
        // The rule's own question (where the cache is, whether a mount or a
        // clean-up already handles it), asked of the same script.
        let Some(Ok(script)) = c.model.run_script(df, ins) else {
            continue;
        };
        let Some(missing) =
            crate::rules::size::cache_mount_missing::missing_cache_mount(run, &script)
        else {
            continue;
        };
        let target = missing.target.as_str();
        // A later `npm ci --offline` reads the cache from the layer, which a
        // mount here would leave empty.
        if missing.needle == "npm" {
            if let Some(r) = df
                .index_of(ins)
                .and_then(|i| npm_later.after(df, c.model, i))
            {
                let line = r.start_line;
                c.skip(
                    CODE,
                    ins.start_line,
                    format!("the RUN on line {line} installs from npm's cache offline: with the cache in a mount here, it would find none"),
                );
                continue;
            }
        }
        // A cache directory the flag cannot carry as written (a blank, a
        // comma, a quote…): the finding stays advice.
        if !crate::model::mount::writable_value(target) {
            continue;
        }
        // Before the first flag, else before a `--` that ends the flags
        // (`RUN -- cmd`): a mount written after it is a word of the
        // command, and the fix never converged (found by cargo-fuzz).
        let args = ins.arguments.span().start;
        let at = ins.flags.first().map(|f| f.span.start).unwrap_or_else(|| {
            df.source
                .get(ins.keyword_span.end..args)
                .and_then(|between| between.find("--"))
                .map_or(args, |k| ins.keyword_span.end + k)
        });
        c.fix(Fix {
            transforms: Vec::new(),
            code: CODE,
            message: format!("keep {target} in a cache mount: re-runs download only what changed"),
            applicability: Applicability::Unsafe,
            line: ins.start_line,
            edits: vec![Edit::insert(
                at,
                format!("--mount=type=cache,target={target} "),
            )],
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::run;

    #[test]
    fn goes_before_a_double_dash_that_ends_the_flags() {
        let out = run("FROM golang\nRUN -- go build\n", true, &["DO210"]);
        assert_eq!(
            out.output,
            "FROM golang\nRUN --mount=type=cache,target=/root/.cache/go-build -- go build\n"
        );
    }

    #[test]
    fn adds_npm_cache_mount() {
        let out = run("FROM node\nWORKDIR /a\nRUN npm ci\n", true, &["DO210"]);
        assert_eq!(
            out.output,
            "FROM node\nWORKDIR /a\nRUN --mount=type=cache,target=/root/.npm npm ci\n"
        );
        let user = run("FROM node\nUSER node\nRUN npm ci\n", true, &["DO210"]);
        assert!(user.applied.is_empty());
    }

    #[test]
    fn follows_the_tools_own_cache_location() {
        // GOCACHE already in a cache mount; npm's cache emptied by the RUN itself
        for df in [
            "FROM golang\nENV GOCACHE=/cache/go\nRUN --mount=type=cache,target=/cache go build .\n",
            "FROM node\nRUN npm ci && npm cache clean --force\n",
        ] {
            let out = run(df, true, &["DO210"]);
            assert!(out.applied.is_empty(), "{}", out.output);
        }
        // GOCACHE elsewhere: the mount goes where Go puts the cache
        let out = run(
            "FROM golang\nENV GOCACHE=/gocache\nRUN go build .\n",
            true,
            &["DO210"],
        );
        assert_eq!(
            out.output,
            "FROM golang\nENV GOCACHE=/gocache\nRUN --mount=type=cache,target=/gocache go build .\n"
        );
    }

    /// A cache directory with a blank (a legacy-form `ENV HOME` takes the
    /// rest of its line): written into the flag, the rest of the path
    /// became words of the command, and the next round proposed the mount
    /// again (found by cargo-fuzz: fix never converged).
    #[test]
    fn no_mount_for_a_path_the_flag_cannot_carry() {
        for df in [
            "FROM golang\nENV HOME /home/a b\nRUN go build .\n",
            "FROM node\nRUN npm ci --cache '/c,d'\n",
        ] {
            let out = run(df, true, &["DO210"]);
            assert!(out.applied.is_empty(), "{}", out.output);
            assert_eq!(out.output, df);
        }
    }
}
