//! Go-compatible path helpers. BuildKit and moby/patternmatcher run every pattern and COPY source
//! through Go's `path.Clean`, so equal inputs must clean to equal strings here too.

/// Go `path.Clean` (one implementation: [`crate::model::path::clean`]).
pub(crate) use crate::model::path::clean;

/// A COPY/ADD source or mount source as a key of the context tree: cleaned and made relative to
/// the context root, which BuildKit treats as `/` (so `..` can never leave it). Root is `""`.
pub(crate) fn to_context_key(src: &str) -> String {
    let cleaned = clean(&format!("/{src}"));
    cleaned.trim_start_matches('/').to_string()
}

/// Parent key of a context key (`"a/b"` → `"a"`, `"a"` → `""`). Root has no parent.
pub(crate) fn parent(key: &str) -> Option<&str> {
    if key.is_empty() {
        return None;
    }
    Some(key.rsplit_once('/').map_or("", |(dir, _)| dir))
}

/// Last path element of a context key (`"a/b"` → `"b"`).
pub(crate) fn base_name(key: &str) -> &str {
    key.rsplit_once('/').map_or(key, |(_, name)| name)
}

/// Joins a directory key and a child name.
pub(crate) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

/// Every proper ancestor of a key, nearest first, excluding the root.
pub(crate) fn ancestors(key: &str) -> impl Iterator<Item = &str> {
    let mut cur = key;
    std::iter::from_fn(move || {
        let p = parent(cur)?;
        if p.is_empty() {
            return None;
        }
        cur = p;
        Some(p)
    })
}

/// True if `path` equals `dir` or lies below it (root `""` contains everything).
pub(crate) fn is_within(path: &str, dir: &str) -> bool {
    dir.is_empty()
        || path == dir
        || (path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_matches_go() {
        for (input, want) in [
            ("", "."),
            (".", "."),
            ("./a/../x", "x"),
            ("dir/", "dir"),
            ("a//b/./c/", "a/b/c"),
            ("a/../..", ".."),
            ("../a", "../a"),
            ("/../a", "/a"),
            ("/", "/"),
            ("//a", "/a"),
        ] {
            assert_eq!(clean(input), want, "clean({input:?})");
        }
    }

    #[test]
    fn context_keys() {
        for (input, want) in [
            ("./a", "a"),
            ("a/", "a"),
            ("/a", "a"),
            (".", ""),
            ("/", ""),
            ("../../a/b", "a/b"),
        ] {
            assert_eq!(to_context_key(input), want, "{input:?}");
        }
    }

    #[test]
    fn helpers() {
        assert_eq!(parent("a/b/c"), Some("a/b"));
        assert_eq!(parent("a"), Some(""));
        assert_eq!(parent(""), None);
        assert_eq!(base_name("a/b"), "b");
        assert_eq!(ancestors("a/b/c").collect::<Vec<_>>(), vec!["a/b", "a"]);
        assert!(is_within("a/b", "a"));
        assert!(!is_within("ab", "a"));
        assert!(is_within("x", ""));
    }
}
