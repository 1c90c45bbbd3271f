//! `.dockerignore` parsing and matching, following moby/patternmatcher (`ignorefile.ReadAll`
//! then `patternmatcher.New`) and the fsutil walker that applies it on the client. See
//! buildkit-cache.md §9.2–9.3.

use super::glob::{parse_class, GlobError, Program};
use super::path::clean;

/// A `.dockerignore` file that cannot be used (BuildKit fails the build for these).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IgnoreError {
    #[error("{line}:{column}: illegal exclusion pattern \"!\" (expected a pattern after it)")]
    LoneBang { line: usize, column: usize },
    #[error("{line}:{column}: bad pattern {pattern:?}: {reason}")]
    BadPattern {
        line: usize,
        /// 1-based, in characters: where the pattern starts on its line.
        column: usize,
        pattern: String,
        reason: GlobError,
    },
}

/// How one pattern is tested. patternmatcher picks the cheapest form that is equivalent for the
/// pattern, and the cheap forms are *not* always equivalent to the regexp (`**foo` as a suffix
/// match also matches `barfoo`), so we keep the same four forms.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Matcher {
    Exact(String),
    /// Trailing `**` with only literals before it: a plain string prefix (`dir**` matches
    /// `directory/x`).
    Prefix(String),
    /// Leading `**` followed by literals only.
    Suffix(String),
    Glob(Program),
}

/// One compiled pattern line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnorePattern {
    /// The cleaned pattern without its `!`.
    text: String,
    exception: bool,
    matcher: Matcher,
}

impl IgnorePattern {
    /// The cleaned pattern text, without the leading `!` of an exception.
    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn is_exception(&self) -> bool {
        self.exception
    }

    fn matches(&self, path: &str) -> bool {
        match &self.matcher {
            Matcher::Exact(p) => path == p,
            Matcher::Prefix(p) => path.starts_with(p.as_str()),
            Matcher::Suffix(s) => {
                path.ends_with(s.as_str()) || s.strip_prefix('/').is_some_and(|rest| path == rest)
            }
            Matcher::Glob(prog) => prog.is_match(path),
        }
    }

    /// patternmatcher's `MatchesOrParentMatches` step for one pattern: the path itself or any
    /// ancestor directory.
    fn matches_or_parent(&self, path: &str) -> bool {
        self.matches(path)
            || path
                .match_indices('/')
                .any(|(i, _)| self.matches(&path[..i]))
    }
}

/// A parsed `.dockerignore`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DockerIgnore {
    patterns: Vec<IgnorePattern>,
    /// fsutil only prunes excluded directories when every exception is a literal path
    /// (after dropping a trailing `/*` or `/**`); otherwise it walks everything.
    only_literal_exceptions: bool,
}

/// Characters that make fsutil treat an exception as a pattern (`filter.go` `patternChars`).
const PATTERN_CHARS: &[char] = &['*', '[', ']', '?', '^', '\\'];

impl DockerIgnore {
    /// Parses the text of a `.dockerignore` file.
    pub fn parse(text: &str) -> Result<DockerIgnore, IgnoreError> {
        let mut patterns = Vec::new();
        for (idx, raw) in text.split('\n').enumerate() {
            let line = idx + 1;
            // bufio.ScanLines drops one trailing \r; the BOM goes only on the first line.
            let raw = raw.strip_suffix('\r').unwrap_or(raw);
            let raw = if idx == 0 {
                raw.strip_prefix('\u{feff}').unwrap_or(raw)
            } else {
                raw
            };
            // Only a `#` in column one is a comment: `  # x` is the pattern `# x`.
            if raw.starts_with('#') {
                continue;
            }
            if let Some(p) = read_line(raw) {
                let column = raw.chars().take_while(|c| c.is_whitespace()).count() + 1;
                patterns.push(compile_line(&p, line, column)?);
            }
        }
        let only_literal_exceptions = patterns.iter().filter(|p| p.exception).all(|p| {
            let t = p.text.as_str();
            let t = t
                .strip_suffix("/**")
                .or_else(|| t.strip_suffix("/*"))
                .unwrap_or(t);
            !t.contains(PATTERN_CHARS)
        });
        Ok(DockerIgnore {
            patterns,
            only_literal_exceptions,
        })
    }

    /// The compiled patterns in file order.
    pub fn patterns(&self) -> &[IgnorePattern] {
        &self.patterns
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// True if the context-relative, `/`-separated path is excluded: patterns in file order,
    /// plain ones tested only while not excluded, exceptions only while excluded, each against
    /// the path or any ancestor; the last relevant match wins.
    pub fn is_excluded(&self, rel_path: &str) -> bool {
        let path = clean(rel_path);
        if path == "." {
            // The context root itself is never excluded.
            return false;
        }
        let mut excluded = false;
        for p in &self.patterns {
            if p.exception != excluded {
                continue;
            }
            if p.matches_or_parent(&path) {
                excluded = !p.exception;
            }
        }
        excluded
    }

    /// For an *excluded* directory: may the walker skip its whole subtree? Mirrors fsutil: yes if
    /// there are no exceptions; if some exception contains wildcards, never; otherwise only if no
    /// exception names a path strictly below `dir` (a string-prefix test).
    pub fn can_skip_dir(&self, dir: &str) -> bool {
        if !self.patterns.iter().any(|p| p.exception) {
            return true;
        }
        if !self.only_literal_exceptions {
            return false;
        }
        let dir_slash = format!("{}/", clean(dir));
        !self.patterns.iter().filter(|p| p.exception).any(|p| {
            let t = p.text.as_str();
            let t = t
                .strip_suffix("/**")
                .or_else(|| t.strip_suffix("/*"))
                .unwrap_or(t);
            format!("{t}/").starts_with(&dir_slash)
        })
    }
}

/// `ignorefile.ReadAll` for one non-comment line: trim, split off `!`, clean, drop one leading
/// `/`. Returns the normalised pattern string (with `!` re-attached) or None for a blank line.
fn read_line(raw: &str) -> Option<String> {
    let mut pattern = raw.trim();
    if pattern.is_empty() {
        return None;
    }
    let invert = match pattern.strip_prefix('!') {
        Some(rest) => {
            pattern = rest.trim();
            true
        }
        None => false,
    };
    let mut out = String::new();
    if !pattern.is_empty() {
        let cleaned = clean(pattern);
        let cleaned = match cleaned.strip_prefix('/') {
            Some(rest) if !rest.is_empty() => rest.to_string(),
            _ => cleaned,
        };
        out = cleaned;
    }
    Some(if invert { format!("!{out}") } else { out })
}

/// `patternmatcher.New` for one pattern, then `Pattern.compile`.
fn compile_line(p: &str, line: usize, column: usize) -> Result<IgnorePattern, IgnoreError> {
    // New cleans again, *including* the `!` (so `!/` becomes the lone `!`).
    let p = clean(p.trim());
    let (exception, text) = match p.strip_prefix('!') {
        Some("") => return Err(IgnoreError::LoneBang { line, column }),
        Some(rest) => (true, rest.to_string()),
        None => (false, p),
    };
    let matcher = compile_pattern(&text).map_err(|reason| IgnoreError::BadPattern {
        line,
        column,
        pattern: text.clone(),
        reason,
    })?;
    Ok(IgnorePattern {
        text,
        exception,
        matcher,
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Exact,
    Prefix,
    Suffix,
    Regexp,
}

/// Translates a cleaned pattern exactly as `Pattern.compile` does, but into our NFA.
fn compile_pattern(pattern: &str) -> Result<Matcher, GlobError> {
    let mut prog = Program::default();
    let mut kind = Kind::Exact;
    let mut it = pattern.chars().peekable();
    let mut first = true;
    while let Some(c) = it.next() {
        match c {
            '*' if it.peek() == Some(&'*') => {
                it.next();
                // `**/` is treated as `**`.
                it.next_if_eq(&'/');
                if it.peek().is_none() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        prog.push_dot_star();
                        kind = Kind::Regexp;
                    }
                } else {
                    prog.push_opt_segments();
                    kind = Kind::Regexp;
                }
                if first {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                prog.push_star();
                kind = Kind::Regexp;
            }
            '?' => {
                prog.push_not_slash();
                kind = Kind::Regexp;
            }
            '\\' => match it.next() {
                Some(escaped) => {
                    prog.push_char(escaped);
                    kind = Kind::Regexp;
                }
                // filepath.Match (run by New as a syntax check) rejects a trailing `\`.
                None => return Err(GlobError::TrailingBackslash),
            },
            '[' => {
                prog.push_class(parse_class(&mut it)?);
                kind = Kind::Regexp;
            }
            ']' => {
                prog.push_char(']');
                kind = Kind::Regexp;
            }
            // In the regexp form an unescaped `^` is an anchor; in the string forms it is a
            // plain character (they compare the raw pattern text).
            '^' => prog.push_at_start(),
            c => prog.push_char(c),
        }
        first = false;
    }
    Ok(match kind {
        Kind::Exact => Matcher::Exact(pattern.to_string()),
        Kind::Prefix => Matcher::Prefix(pattern.strip_suffix("**").unwrap_or(pattern).to_string()),
        Kind::Suffix => Matcher::Suffix(pattern.strip_prefix("**").unwrap_or(pattern).to_string()),
        Kind::Regexp => Matcher::Glob(prog.finish()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ig(text: &str) -> DockerIgnore {
        match DockerIgnore::parse(text) {
            Ok(i) => i,
            Err(e) => panic!("parse {text:?}: {e}"),
        }
    }

    fn check(text: &str, excluded: &[&str], kept: &[&str]) {
        let i = ig(text);
        for p in excluded {
            assert!(i.is_excluded(p), "{text:?} should exclude {p}");
        }
        for p in kept {
            assert!(!i.is_excluded(p), "{text:?} should keep {p}");
        }
    }

    #[test]
    fn i01_star_is_top_level_only() {
        check("*.log", &["a.log"], &["d/a.log", "a.txt"]);
    }

    #[test]
    fn i02_leading_double_star() {
        check("**/*.log", &["a.log", "d/a.log", "d/e/f.log"], &["a.txt"]);
    }

    #[test]
    fn i03_middle_double_star() {
        check(
            "a/**/*.txt",
            &["a/a.txt", "a/b/c.txt"],
            &["b.txt", "a/x.md"],
        );
    }

    #[test]
    fn i04_star_then_exceptions() {
        check(
            "*\n!src\n!Dockerfile",
            &[".dockerignore", "other", "d/x"],
            &["Dockerfile", "src", "src/a/b.rs"],
        );
    }

    #[test]
    fn i05_reinclude_file_in_excluded_dir() {
        let i = ig("build\n!build/keep.txt");
        assert!(i.is_excluded("build"));
        assert!(i.is_excluded("build/other"));
        assert!(!i.is_excluded("build/keep.txt"));
        assert!(!i.can_skip_dir("build"));
    }

    #[test]
    fn i06_trailing_slash() {
        check("build/", &["build", "build/x/y"], &["builder"]);
        assert!(ig("build/").can_skip_dir("build"));
    }

    #[test]
    fn i07_leading_slash() {
        check("/a/b", &["a/b", "a/b/c"], &["a", "x/a/b"]);
    }

    #[test]
    fn i08_two_patterns() {
        check(
            "**/*_test.go\nnode_modules",
            &["x_test.go", "p/x_test.go", "node_modules/a/b"],
            &["x.go", "p/node_modules"],
        );
    }

    #[test]
    fn i09_comments_and_escaped_hash() {
        check(" # x", &["# x"], &[" # x", "x"]);
        let i = ig("#hash");
        assert!(i.is_empty());
        assert!(!i.is_excluded("#hash"));
        check("\\#hash", &["#hash"], &["hash"]);
    }

    #[test]
    fn i10_escaped_bang_and_question_mark() {
        check("\\!bang", &["!bang"], &["bang"]);
        check("foo?.tmp", &["foo2.tmp"], &["foo.tmp", "foo/.tmp"]);
    }

    #[test]
    fn i11_i12_order_matters() {
        check("*.tmp\n!foo.tmp", &["a.tmp"], &["foo.tmp"]);
        check("!foo.tmp\n*.tmp", &["a.tmp", "foo.tmp"], &[]);
    }

    #[test]
    fn i13_exception_in_dir() {
        check(
            "docs/*.md\n!docs/README.md",
            &["docs/a.md"],
            &["docs/README.md", "docs"],
        );
    }

    #[test]
    fn i14_crlf_and_trailing_spaces() {
        check("./a/../top.txt\r\n", &["top.txt"], &["a/top.txt"]);
        check("top.txt   \nx\t", &["top.txt", "x"], &[]);
    }

    #[test]
    fn i15_everything_but() {
        let i = ig("**\n!a/b");
        assert!(i.is_excluded("a"));
        assert!(i.is_excluded("c"));
        assert!(i.is_excluded("a/c"));
        assert!(!i.is_excluded("a/b"));
        assert!(!i.is_excluded("a/b/x/y"));
        assert!(!i.can_skip_dir("a"));
        assert!(i.can_skip_dir("c"));
    }

    #[test]
    fn i16_deep_reinclude() {
        let i = ig("a\n!a/b/c/c.txt");
        assert!(!i.is_excluded("a/b/c/c.txt"));
        assert!(i.is_excluded("a/b/c/d.txt"));
        for d in ["a", "a/b", "a/b/c"] {
            assert!(i.is_excluded(d));
            assert!(!i.can_skip_dir(d), "{d}");
        }
        assert!(i.can_skip_dir("a/x"));
    }

    #[test]
    fn i17_class() {
        check("[a-c]", &["a", "b/x"], &["d", "ab"]);
    }

    #[test]
    fn i18_star_in_dir_with_exception() {
        check(
            "src/x/*\n!src/x/main.go",
            &["src/x/a.go"],
            &["src/x/main.go", "src/x"],
        );
    }

    #[test]
    fn i19_dot_matches_nothing() {
        check(".", &[], &["a", ".", "a/b"]);
    }

    #[test]
    fn i20_dir_slash_and_double_star_suffix() {
        check(
            "node_modules/\n**/b",
            &["node_modules/x", "b", "a/b", "a/b/c"],
            &["a/bb", "ab"],
        );
    }

    #[test]
    fn bom_only_on_first_line() {
        check("\u{feff}a\n\u{feff}b", &["a"], &["b"]);
        check("\u{feff}#c\nd", &["d"], &["#c"]);
    }

    #[test]
    fn exception_whitespace_and_errors() {
        check("*\n!  keep", &["x"], &["keep"]);
        assert_eq!(
            DockerIgnore::parse("a\n!"),
            Err(IgnoreError::LoneBang { line: 2, column: 1 })
        );
        assert_eq!(
            DockerIgnore::parse("!  "),
            Err(IgnoreError::LoneBang { line: 1, column: 1 })
        );
        let bad = DockerIgnore::parse("x\n  a[b").unwrap_err();
        assert!(matches!(
            bad,
            IgnoreError::BadPattern {
                line: 2,
                column: 3,
                ..
            }
        ));
        // Shown after the file's path: FILE:LINE:COL: what is wrong.
        assert!(
            bad.to_string().starts_with("2:3: bad pattern \"a[b\": "),
            "{bad}"
        );
        assert!(matches!(
            DockerIgnore::parse("a\\"),
            Err(IgnoreError::BadPattern { .. })
        ));
    }

    #[test]
    fn dotdot_never_matches() {
        check("../x\n../**", &[], &["x", "a/x"]);
    }

    #[test]
    fn trailing_double_star_is_a_string_prefix() {
        check("dir**", &["dir", "directory/x", "dir/a"], &["di"]);
        // `dir/**` excludes the contents but not `dir` itself.
        check("dir/**", &["dir/a", "dir/a/b"], &["dir"]);
    }

    #[test]
    fn leading_double_star_literal_is_a_string_suffix() {
        check("**foo", &["barfoo", "a/foo"], &["foox"]);
        check("**", &["a", "a/b"], &[]);
    }

    #[test]
    fn regexp_specials_are_literal() {
        check("a.b+(c)|{d}$", &["a.b+(c)|{d}$"], &["axb+(c)|{d}$"]);
        // `^` is an anchor in the regexp form, so mid-pattern it can never match.
        check("a^b*", &[], &["a^b", "a^bc"]);
        check("a^b", &["a^b"], &[]);
    }

    #[test]
    fn parent_match_excludes_subtree() {
        check("a/b", &["a/b/c/d"], &["a", "a/c"]);
        check("a/b\n!a", &[], &["a/b/c", "a/b"]);
    }

    #[test]
    fn wildcard_exceptions_disable_pruning() {
        let i = ig("*\n!**/*.go");
        assert!(i.is_excluded("src"));
        assert!(!i.is_excluded("src/main.go"));
        assert!(!i.can_skip_dir("src"));
        let j = ig("*\n!src/**");
        assert!(!j.can_skip_dir("src"));
        assert!(j.can_skip_dir("other"));
    }
}
