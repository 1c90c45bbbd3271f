//! Slash-path cleaning with Go's `path.Clean` semantics, which BuildKit
//! applies to COPY sources, destinations and WORKDIR.

/// `path.Clean`: collapses `//`, `.` and `..`; `""` becomes `.`.
pub fn clean(p: &str) -> String {
    clean_cow(p).into_owned()
}

/// As [`clean`], borrowing `p` when it is clean already (most paths are:
/// the effects model cleans every path it records).
pub fn clean_cow(p: &str) -> std::borrow::Cow<'_, str> {
    if is_clean(p) {
        std::borrow::Cow::Borrowed(p)
    } else {
        std::borrow::Cow::Owned(collapse(p))
    }
}

/// Whether [`clean`] would return `p` unchanged: `/`, `.`, or segments that
/// are neither empty, `.` nor `..`, with no trailing slash.
fn is_clean(p: &str) -> bool {
    if p == "/" || p == "." {
        return true;
    }
    let body = p.strip_prefix('/').unwrap_or(p);
    !body.is_empty()
        && body
            .split('/')
            .all(|seg| !seg.is_empty() && seg != "." && seg != "..")
}

fn collapse(p: &str) -> String {
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let body = parts.join("/");
    match (rooted, body.is_empty()) {
        (true, _) => format!("/{body}"),
        (false, true) => ".".to_string(),
        (false, false) => body,
    }
}

/// Joins `p` onto the directory `base` unless `p` is absolute, then cleans.
pub fn join_abs(base: &str, p: &str) -> String {
    if p.starts_with('/') {
        clean(p)
    } else {
        // Built once and kept when clean (most joins are).
        let joined = format!("{base}/{p}");
        match clean_cow(&joined) {
            std::borrow::Cow::Borrowed(_) => joined,
            std::borrow::Cow::Owned(c) => c,
        }
    }
}

/// The last path element, as `path.Base`.
pub fn base_name(p: &str) -> String {
    let c = clean(p);
    match c.rsplit('/').next() {
        Some("") | None => "/".to_string(),
        Some(b) => b.to_string(),
    }
}

/// A source path relative to the context root: cleaned, no leading `/` or `./`.
pub fn context_relative(p: &str) -> String {
    let c = clean(&format!("/{p}"));
    c.trim_start_matches('/').to_string()
}

pub fn has_wildcard(p: &str) -> bool {
    p.contains(['*', '?', '['])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast path agrees with the full collapse on every shape of path.
    #[test]
    fn fast_path_agrees_with_the_collapse() {
        for p in [
            "",
            "/",
            ".",
            "..",
            "/..",
            "a",
            "/a",
            "a/",
            "/a/",
            "//a",
            "a//b",
            "./a",
            "a/.",
            "a/./b",
            "a/..",
            "../a",
            "/a/../b",
            "a/b/../..",
            "...",
            "/a/...",
            ".a",
            "a.",
            "/usr/lib/x86_64-linux-gnu",
            "a/b/c/",
            "/./",
            "//",
        ] {
            assert_eq!(clean(p), collapse(p), "{p:?}");
            assert_eq!(clean_cow(p), collapse(p), "{p:?}");
            let joined = if p.starts_with('/') {
                collapse(p)
            } else {
                collapse(&format!("/w/{p}"))
            };
            assert_eq!(join_abs("/w", p), joined, "{p:?}");
        }
    }

    #[test]
    fn cleaning() {
        assert_eq!(clean("/a//b/./c/.."), "/a/b");
        assert_eq!(clean("a/../../b"), "../b");
        assert_eq!(clean("/.."), "/");
        assert_eq!(clean(""), ".");
        assert_eq!(join_abs("/app", "src/"), "/app/src");
        assert_eq!(join_abs("/app", "/x"), "/x");
        assert_eq!(base_name("dir1/a.txt"), "a.txt");
        assert_eq!(context_relative("./a/"), "a");
        assert_eq!(context_relative("."), "");
        assert_eq!(context_relative("/x/../y"), "y");
    }
}
