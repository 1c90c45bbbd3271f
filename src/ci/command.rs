//! `docker build` / `docker buildx build` command lines in shell text (workflow `run:`
//! steps, GitLab `script:` lines, `*.sh`, Makefile recipes).

/// One `docker build` invocation as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildCommand {
    /// Byte range of the command in the text it was found in.
    pub start: usize,
    pub end: usize,
    pub context: Option<String>,
    pub file: Option<String>,
    pub target: Option<String>,
    pub build_args: Vec<(String, String)>,
    pub cache_from: Vec<String>,
    pub cache_to: Vec<String>,
    pub no_cache: bool,
    pub pull: bool,
    pub push: bool,
    pub tags: Vec<String>,
}

/// Splits shell words, honouring quotes and backslash escapes (no expansion:
/// `$VAR` stays as written).
pub fn words(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                in_word = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' => {
                            if let Some(e) = chars.next() {
                                cur.push(e);
                            }
                        }
                        _ => cur.push(d),
                    }
                }
            }
            '\\' => {
                if let Some(e) = chars.next() {
                    if e != '\n' {
                        cur.push(e);
                        in_word = true;
                    }
                }
            }
            c if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            _ => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Every `docker build` in `text` (continuation lines joined; `&&`, `;`, `|` split).
pub fn find(text: &str) -> Vec<BuildCommand> {
    let mut out = Vec::new();
    // Logical lines: a trailing backslash continues the line.
    let mut start = 0;
    let bytes = text.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        if at_end || (bytes[i] == b'\n' && !(i > 0 && bytes[i - 1] == b'\\')) {
            let line = &text[start..i];
            scan_line(line, start, &mut out);
            start = i + 1;
        }
        i += 1;
    }
    out
}

fn scan_line(line: &str, base: usize, out: &mut Vec<BuildCommand>) {
    let mut offset = 0;
    for part in line.split(['&', ';', '|']) {
        let here = offset;
        offset += part.len() + 1;
        let trimmed = part.trim_start();
        if trimmed.starts_with('#') {
            return;
        }
        let w = words(part);
        let Some(pos) = w
            .iter()
            .position(|x| x == "docker" || x.ends_with("/docker"))
        else {
            continue;
        };
        let rest = &w[pos + 1..];
        let args = match rest {
            [b, ..] if b == "build" => &rest[1..],
            [x, b, ..] if (x == "buildx" || x == "image") && b == "build" => &rest[2..],
            _ => continue,
        };
        let lead = part.len() - trimmed.len();
        let mut cmd = parse_args(args);
        cmd.start = base + here + lead;
        cmd.end = base + here + part.trim_end().len();
        out.push(cmd);
    }
}

fn parse_args(args: &[String]) -> BuildCommand {
    let mut c = BuildCommand::default();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v.to_string())),
            _ => (a, None),
        };
        let takes = matches!(
            flag,
            "-f" | "--file"
                | "-t"
                | "--tag"
                | "--target"
                | "--build-arg"
                | "--cache-from"
                | "--cache-to"
                | "--platform"
                | "--label"
                | "--output"
                | "-o"
                | "--secret"
                | "--ssh"
                | "--network"
                | "--progress"
                | "--iidfile"
                | "--metadata-file"
                | "--builder"
                | "--build-context"
                | "--add-host"
                | "--shm-size"
                | "--ulimit"
        );
        let value = if takes && inline.is_none() {
            i += 1;
            args.get(i).cloned()
        } else {
            inline
        };
        match flag {
            "-f" | "--file" => c.file = value,
            "-t" | "--tag" => c.tags.extend(value),
            "--target" => c.target = value,
            "--build-arg" => {
                if let Some(v) = value {
                    let (k, val) = v.split_once('=').unwrap_or((&v, ""));
                    c.build_args.push((k.to_string(), val.to_string()));
                }
            }
            "--cache-from" => c.cache_from.extend(value),
            "--cache-to" => c.cache_to.extend(value),
            "--no-cache" => c.no_cache = value.as_deref() != Some("false"),
            "--pull" => c.pull = value.as_deref() != Some("false"),
            "--push" => c.push = true,
            _ if takes => {}
            s if s.starts_with('-') => {}
            s => c.context = Some(s.to_string()),
        }
        i += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_quotes_and_escapes() {
        assert_eq!(
            words(r#"docker build -t "a b" 'c d' e\ f"#),
            ["docker", "build", "-t", "a b", "c d", "e f"]
        );
    }

    #[test]
    fn finds_buildx_with_continuations() {
        let text = "set -e\ndocker buildx build \\\n  --cache-from type=gha \\\n  --cache-to type=gha,mode=max \\\n  -f docker/Dockerfile --target app --push .\necho done\n";
        let v = find(text);
        assert_eq!(v.len(), 1);
        let c = &v[0];
        assert_eq!(c.file.as_deref(), Some("docker/Dockerfile"));
        assert_eq!(c.target.as_deref(), Some("app"));
        assert_eq!(c.cache_from, ["type=gha"]);
        assert_eq!(c.cache_to, ["type=gha,mode=max"]);
        assert!(c.push);
        assert_eq!(c.context.as_deref(), Some("."));
        assert!(text[c.start..c.end].starts_with("docker buildx build"));
    }

    #[test]
    fn plain_docker_build_and_chains() {
        let v = find(
            "cd app && docker build --no-cache --pull --build-arg V=1 -t x:1 . && docker push x:1",
        );
        assert_eq!(v.len(), 1);
        assert!(v[0].no_cache && v[0].pull);
        assert_eq!(v[0].build_args, [("V".to_string(), "1".to_string())]);
        assert!(find("# docker build .").is_empty());
        assert!(find("docker run --rm x build").is_empty());
    }
}
