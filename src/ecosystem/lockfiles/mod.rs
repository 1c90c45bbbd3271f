//! Package counts of lockfiles, each format parsed for what it is (issue #17): a lockfile's
//! size says little about how many packages an install fetches (`poetry.lock` is mostly file
//! hashes: 30 kB for 12 packages). One file per format; [`FORMATS`] is the table the cost
//! model looks a file name up in.

mod cargo;
mod composer;
mod gemfile;
mod gosum;
mod npm;
mod nuget;
mod pipfile;
mod pnpm;
mod poetry;
mod uv;
mod yarn;

/// What a lockfile says an install fetches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// Packages a production install fetches (the project itself and workspace members
    /// excluded).
    pub packages: usize,
    /// Development-only packages the format marks as such (0 when it does not say).
    pub dev: usize,
}

/// Why a lockfile was not read, and where: `line` and `column` are 1-based
/// (1:1 when the file as a whole is not what the format expects).
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}:{column}: {message}")]
pub struct LockError {
    pub file: &'static str,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// An error about the file as a whole (reported at 1:1).
pub(crate) fn err(file: &'static str, message: impl ToString) -> LockError {
    err_at(file, 1, 1, message)
}

pub(crate) fn err_at(
    file: &'static str,
    line: usize,
    column: usize,
    message: impl ToString,
) -> LockError {
    LockError {
        file,
        line: line.max(1),
        column: column.max(1),
        message: message.to_string(),
    }
}

/// A JSON error at its position, without serde_json's " at line L column C" tail.
pub(crate) fn json_err(file: &'static str, e: &serde_json::Error) -> LockError {
    let full = e.to_string();
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(m, _)| m);
    err_at(file, e.line(), e.column(), message)
}

/// A TOML error at the start of its span.
pub(crate) fn toml_err(file: &'static str, text: &str, e: &toml::de::Error) -> LockError {
    let (line, column) = e.span().map_or((1, 1), |s| line_col(text, s.start));
    err_at(file, line, column, e.message())
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let p = crate::syntax::LineIndex::new(text).position(text, offset);
    (p.line, p.column)
}

/// One lockfile format: its file name, the ecosystem whose install reads it, its parser.
pub struct Format {
    pub file: &'static str,
    /// Ecosystem key (`python`, `node`, `rust`, `go`, `ruby`, `php`, `dotnet`), the same key
    /// the cost model's learned rates are kept under.
    pub ecosystem: &'static str,
    pub parse: fn(&str) -> Result<Count, LockError>,
}

pub const FORMATS: &[Format] = &[
    Format {
        file: "poetry.lock",
        ecosystem: "python",
        parse: poetry::count,
    },
    Format {
        file: "uv.lock",
        ecosystem: "python",
        parse: uv::count,
    },
    Format {
        file: "Pipfile.lock",
        ecosystem: "python",
        parse: pipfile::count,
    },
    Format {
        file: "package-lock.json",
        ecosystem: "node",
        parse: npm::count,
    },
    Format {
        file: "npm-shrinkwrap.json",
        ecosystem: "node",
        parse: npm::count,
    },
    Format {
        file: "yarn.lock",
        ecosystem: "node",
        parse: yarn::count,
    },
    Format {
        file: "pnpm-lock.yaml",
        ecosystem: "node",
        parse: pnpm::count,
    },
    Format {
        file: "Cargo.lock",
        ecosystem: "rust",
        parse: cargo::count,
    },
    Format {
        file: "go.sum",
        ecosystem: "go",
        parse: gosum::count,
    },
    Format {
        file: "Gemfile.lock",
        ecosystem: "ruby",
        parse: gemfile::count,
    },
    Format {
        file: "composer.lock",
        ecosystem: "php",
        parse: composer::count,
    },
    Format {
        file: "packages.lock.json",
        ecosystem: "dotnet",
        parse: nuget::count,
    },
];

/// The format of a lockfile, by its base name.
pub fn format_of(path: &str) -> Option<&'static Format> {
    let base = path.rsplit('/').next().unwrap_or(path);
    FORMATS.iter().find(|f| f.file == base)
}

/// Counts the packages of `path` (by its base name) from its text; `None` when the name is
/// not a lockfile this table knows.
pub fn count(path: &str, text: &str) -> Option<Result<Count, LockError>> {
    // Two names share a parser (npm's): the error names the file read.
    format_of(path).map(|f| (f.parse)(text).map_err(|e| LockError { file: f.file, ..e }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_reachable_by_name() {
        for f in FORMATS {
            assert!(format_of(&format!("sub/dir/{}", f.file)).is_some());
        }
        assert!(format_of("requirements.txt").is_none());
        assert!(count("x/poetry.lock", "not = [toml").unwrap().is_err());
    }

    /// Every parse error names the place: the line and column of the bad
    /// byte for the formats with a parser that knows it, the bad line for
    /// the line-based ones, 1:1 for a file that is not the format at all.
    #[test]
    fn errors_carry_line_and_column() {
        let at = |name: &str, text: &str| {
            let e = count(name, text)
                .and_then(Result::err)
                .map(|e| e.to_string());
            e.unwrap_or_default()
        };
        let cases = [
            (
                "package-lock.json",
                "{\n  \"a\": [1,\n  x]\n}",
                "package-lock.json:3:3: ",
            ),
            (
                "npm-shrinkwrap.json",
                "{\n  \"a\": [1,\n  x]\n}",
                "npm-shrinkwrap.json:3:3: ",
            ),
            ("composer.lock", "{\"packages\": ]", "composer.lock:1:14: "),
            ("Pipfile.lock", "\n\n{,", "Pipfile.lock:3:2: "),
            ("packages.lock.json", "{}\nx", "packages.lock.json:2:1: "),
            (
                "poetry.lock",
                "[[package]]\nname = \"a\nversion = 1\n",
                "poetry.lock:2:",
            ),
            ("uv.lock", "version = 1\n[[package]\n", "uv.lock:2:"),
            ("Cargo.lock", "version = 3\n\nname = = 1\n", "Cargo.lock:3:"),
            (
                "pnpm-lock.yaml",
                "lockfileVersion: '9.0'\npackages:\n  a: [1\n",
                "pnpm-lock.yaml:",
            ),
            (
                "yarn.lock",
                "a@1:\n  version 1\nnot an entry\n",
                "yarn.lock:3:1: ",
            ),
            ("go.sum", "a v1 h1:x\nwhat\n", "go.sum:2:1: "),
            ("Gemfile.lock", "\n", "Gemfile.lock:1:1: "),
        ];
        for (name, text, want) in cases {
            let got = at(name, text);
            assert!(
                got.starts_with(want),
                "{name}: `{got}` should start with `{want}`"
            );
        }
        assert_eq!(line_col("ab\ncé\nd", 4), (2, 2), "columns count characters");
        assert_eq!(line_col("ab\ncé\nd", 7), (3, 1));
    }

    /// Hostile inputs under every lockfile name (issue 16): each parser
    /// returns a count or an error, never panics or overflows the stack.
    /// Deep nesting is what a recursive parser (or a recursive drop) dies on.
    #[test]
    fn hostile_inputs_give_an_answer_not_a_panic() {
        let deep = 100_000;
        let inputs: Vec<(&str, String)> = vec![
            ("empty", String::new()),
            ("blank", " \n\t\n".into()),
            (
                "binary",
                String::from_utf8_lossy(&[0u8, 159, 146, 150, 255, 0, 7]).into_owned(),
            ),
            ("nul", "\0\0\0".into()),
            (
                "truncated json",
                r#"{"lockfileVersion":3,"packages":{"node_modules/a":{"#.into(),
            ),
            ("truncated toml", "[[package]]\nname = \"a".into()),
            (
                "truncated yaml",
                "lockfileVersion: '9.0'\npackages:\n  a@1:\n    resolution: {integrity:".into(),
            ),
            (
                "deep json",
                format!("{}{}", "[".repeat(deep), "]".repeat(deep)),
            ),
            (
                "deep json object",
                format!("{}1{}", "{\"a\":".repeat(deep), "}".repeat(deep)),
            ),
            (
                "deep toml",
                format!("a = {}{}", "[".repeat(deep), "]".repeat(deep)),
            ),
            (
                "deep toml tables",
                format!("a = {}1{}", "{b = ".repeat(deep), "}".repeat(deep)),
            ),
            (
                "deep yaml flow",
                format!("{}{}", "[".repeat(deep), "]".repeat(deep)),
            ),
            (
                "deep yaml block",
                (0..2000)
                    .map(|i| format!("{}k:\n", " ".repeat(i)))
                    .collect(),
            ),
            (
                "yaml alias",
                "a: &a [1]\nb: [*a, *a, *a]\nc: [*b, *b]\n".into(),
            ),
            (
                "json as yaml",
                r#"{"lockfileVersion": 3, "packages": {}}"#.into(),
            ),
            ("toml as json", "[[package]]\nname = \"a\"\n".into()),
            (
                "yaml as toml",
                "lockfileVersion: '6.0'\npackages: {}\n".into(),
            ),
            (
                "html",
                "<!DOCTYPE html><html><body>404</body></html>".into(),
            ),
            ("long line", "a".repeat(1 << 20)),
        ];
        for f in FORMATS {
            for (what, text) in &inputs {
                // The answer may be a count (yarn accepts an empty file) or an
                // error; reaching here without a panic is the property.
                let r = count(f.file, text).expect("a lockfile name");
                if let Err(e) = r {
                    assert!(
                        e.to_string().starts_with(f.file),
                        "{}: {what}: the error names the file: {e}",
                        f.file
                    );
                }
            }
        }
    }
}
