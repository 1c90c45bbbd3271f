//! Slash-path cleaning with Go's `path.Clean` semantics, which BuildKit
//! applies to COPY sources, destinations and WORKDIR.

/// `path.Clean`: collapses `//`, `.` and `..`; `""` becomes `.`.
pub fn clean(p: &str) -> String {
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
        clean(&format!("{base}/{p}"))
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
