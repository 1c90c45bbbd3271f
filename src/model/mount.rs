//! `RUN --mount=...` options, parsed as BuildKit's CSV mount syntax.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    Bind,
    Cache,
    Tmpfs,
    Secret,
    Ssh,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Mount {
    pub kind: MountKind,
    pub target: Option<String>,
    pub source: Option<String>,
    /// `from=`: a stage name or index, or an image; `None` is the context.
    pub from: Option<String>,
    pub readwrite: bool,
    /// The remaining options (`id`, `sharing`, `mode`, `uid`, `gid`, `size`,
    /// `required`, `env`), sorted by name: they all enter the RUN key.
    pub options: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MountError {
    #[error("unknown mount type `{0}`")]
    UnknownType(String),
    #[error("unexpected key `{0}` in mount")]
    UnknownKey(String),
}

/// Parses the value of one `--mount` flag (variables already expanded).
pub fn parse_mount(value: &str) -> Result<Mount, MountError> {
    let mut m = Mount {
        kind: MountKind::Bind,
        target: None,
        source: None,
        from: None,
        readwrite: false,
        options: Vec::new(),
    };
    for field in value.split(',').map(str::trim).filter(|f| !f.is_empty()) {
        let (key, val) = match field.split_once('=') {
            Some((k, v)) => (k.trim().to_ascii_lowercase(), v.trim().to_string()),
            None => (field.to_ascii_lowercase(), String::new()),
        };
        match key.as_str() {
            "type" => {
                m.kind = match val.as_str() {
                    "bind" => MountKind::Bind,
                    "cache" => MountKind::Cache,
                    "tmpfs" => MountKind::Tmpfs,
                    "secret" => MountKind::Secret,
                    "ssh" => MountKind::Ssh,
                    other => return Err(MountError::UnknownType(other.to_string())),
                }
            }
            "target" | "dst" | "destination" => m.target = Some(val),
            "source" | "src" => m.source = Some(val),
            "from" => m.from = Some(val),
            "readonly" | "ro" => m.readwrite = val.eq_ignore_ascii_case("false"),
            "readwrite" | "rw" => m.readwrite = !val.eq_ignore_ascii_case("false"),
            "id" | "sharing" | "mode" | "uid" | "gid" | "size" | "required" | "env" => {
                m.options.push((key, val))
            }
            other => return Err(MountError::UnknownKey(other.to_string())),
        }
    }
    m.options.sort();
    Ok(m)
}

/// Whether `value` can be written into a `--mount` flag as it is: the flag
/// ends at the first blank of the line, BuildKit reads its value as CSV
/// (commas split fields, quotes quote), expands `$` variables in it, and the
/// escape character continues lines. A fix that writes a mount for a value
/// outside this set would write another command (a `HOME` with a blank in
/// it put the rest of the path into the RUN's command line).
pub fn writable_value(value: &str) -> bool {
    !value.is_empty()
        && !value.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, ',' | '"' | '\'' | '$' | '\\' | '`')
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_a_flag_cannot_carry_as_written() {
        assert!(writable_value("/root/.cache/go-build"));
        for v in [
            "",
            "/home/a b/.npm",
            "/a,b",
            "/a\"b",
            "/$HOME/x",
            "/a\\b",
            "/a\tb",
            "/a`b",
        ] {
            assert!(!writable_value(v), "{v:?}");
        }
    }

    #[test]
    fn parses_common_mounts() {
        let m = parse_mount("type=cache,target=/root/.cache/pip,id=pip")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.kind, MountKind::Cache);
        assert_eq!(m.target.as_deref(), Some("/root/.cache/pip"));
        let b = parse_mount("source=req.txt,target=/r,rw").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(b.kind, MountKind::Bind);
        assert!(b.readwrite);
        assert!(parse_mount("type=nfs").is_err());
    }
}
