//! The one place secrets are masked, for every output dockopt prints.
//!
//! Four sources of secrets, one routine:
//! - **names**: `NAME=value` (and `ENV NAME value`) where the name says it
//!   holds a secret ([`is_secret_name`]: TOKEN, SECRET, PASSWORD, PASSWD,
//!   KEY, CREDENTIAL, AUTH, …); JSON objects naming such a variable
//!   (`{"name": "GITHUB_TOKEN", "before": …}`) get their values masked;
//! - **URL userinfo**: `scheme://user:pass@host` → `scheme://********@host`;
//! - **command lines**: what a secret's position gives away (`curl -u
//!   user:pw`, an `Authorization:` or secret-named header, `--password pw`,
//!   `mysql -ppw`, `sshpass -p`, `redis-cli -a`), and tokens whose prefix
//!   says what they are (`ghp_…`, `glpat-…`, `npm_…`, `AKIA…`) anywhere;
//! - **known values**: a [`Masker`] also hides literal values it was given —
//!   the `--build-arg` values of secret-named args from the command line and
//!   secret-named ENV/ARG defaults of the Dockerfile — wherever they appear.
//!
//! Renderers call [`text`] / [`json`] (or a [`Masker`]'s) on what they
//! print. Masking over-approximates on purpose: a masked non-secret costs
//! a little readability, a printed secret ends up in a public CI log.

use serde_json::Value;
use std::borrow::Cow;

pub const MASK: &str = "********";

/// Name parts that mark a secret for DO302 (which reports them as findings).
const DO302_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "TOKEN",
    "SECRET",
    "API_KEY",
    "APIKEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
    "CLIENT_KEY",
];

/// Whether a variable name says it holds a secret (DO302's test: `*_FILE`,
/// `*_PATH` hold a path; `ALLOW_EMPTY_PASSWORD` is a switch).
pub fn is_secret_name(name: &str) -> bool {
    let up = name.to_ascii_uppercase();
    if [
        "_FILE",
        "_PATH",
        "_DIR",
        "_URL_FILE",
        "_LENGTH",
        "_TTL",
        "_EXPIRY",
    ]
    .iter()
    .any(|s| up.ends_with(s))
    {
        return false;
    }
    if [
        "ALLOW", "RANDOM", "EMPTY", "SKIP", "ENABLE", "DISABLE", "REQUIRE",
    ]
    .iter()
    .any(|s| up.contains(s))
    {
        return false;
    }
    DO302_WORDS.iter().any(|w| up.contains(w))
}

/// Whether a value under this name is masked in output: DO302's names plus
/// the wider `KEY`, `AUTH`, `PWD`, `CREDENTIALS` parts (`NPM_AUTH`,
/// `STRIPE_KEY`). GPG/PGP key ids are public and stay visible.
pub fn masks_name(name: &str) -> bool {
    if is_secret_name(name) {
        return true;
    }
    let up = name.trim_start_matches('-').to_ascii_uppercase();
    if up.starts_with("GPG")
        || up.starts_with("PGP")
        || up.ends_with("_FILE")
        || up.ends_with("_PATH")
    {
        return false;
    }
    up.split(['_', '-']).any(|p| {
        matches!(
            p,
            "KEY" | "AUTH" | "PWD" | "PASS" | "CREDENTIALS" | "APIKEY"
        )
    })
}

/// Masks secret-named assignments, URL userinfo, secrets a command line
/// gives away by position and known-prefix tokens in `s`.
pub fn text(s: &str) -> Cow<'_, str> {
    let a = mask_userinfo(s);
    let b = match mask_assignments(&a) {
        Cow::Owned(o) => Cow::Owned(o),
        Cow::Borrowed(_) => a,
    };
    match mask_command_line(&b) {
        Cow::Owned(o) => Cow::Owned(o),
        Cow::Borrowed(_) => b,
    }
}

/// [`text`] on every string of a JSON document, and the values of objects
/// that name a secret variable.
pub fn json(v: &mut Value) {
    Masker::default().json(v)
}

/// [`text`] plus literal values to hide wherever they appear.
#[derive(Debug, Clone, Default)]
pub struct Masker {
    values: Vec<String>,
}

impl Masker {
    pub fn new() -> Self {
        Masker::default()
    }

    /// Hides `value` everywhere. Very short values are masked only where a
    /// name or URL gives them away: hiding every `1` would garble the output.
    pub fn add_value(&mut self, value: &str) {
        if value.chars().count() >= 4 && !self.values.iter().any(|v| v == value) {
            self.values.push(value.to_string());
            // Longest first, so a value containing another is hidden whole.
            self.values.sort_by_key(|v| std::cmp::Reverse(v.len()));
        }
    }

    /// The `--build-arg` values whose names say they are secrets, or that
    /// carry URL credentials.
    pub fn add_build_args<'a>(&mut self, args: impl IntoIterator<Item = (&'a String, &'a String)>) {
        for (k, v) in args {
            if masks_name(k) || mask_userinfo(v) != v.as_str() {
                self.add_value(v);
            }
        }
    }

    /// The secret-named ENV/ARG values a Dockerfile sets.
    pub fn add_dockerfile(&mut self, df: &crate::syntax::Dockerfile) {
        use crate::syntax::Keyword;
        for ins in &df.instructions {
            if !matches!(ins.keyword, Keyword::Env | Keyword::Arg) {
                continue;
            }
            let Some(t) = ins.arguments.shell_text() else {
                continue;
            };
            // The legacy `ENV NAME value words…`: the value is the rest.
            if let Some((name, rest)) = t.trim().split_once([' ', '\t']) {
                if ins.keyword == Keyword::Env && !name.contains('=') && masks_name(name) {
                    self.add_value(rest.trim().trim_matches(['"', '\'']));
                    continue;
                }
            }
            for (w, _) in crate::syntax::words::split_whitespace(t) {
                if let Some((k, v)) = w.split_once('=') {
                    if masks_name(k) {
                        self.add_value(v.trim_matches(['"', '\'']));
                    }
                }
            }
        }
    }

    pub fn text<'a>(&self, s: &'a str) -> Cow<'a, str> {
        let mut out = text(s);
        for v in &self.values {
            if out.contains(v.as_str()) {
                out = Cow::Owned(out.replace(v.as_str(), MASK));
            }
        }
        out
    }

    pub fn json(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                if let Cow::Owned(m) = self.text(s) {
                    *s = m;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.json(x)),
            Value::Object(m) => {
                let secret = m
                    .get("name")
                    .and_then(Value::as_str)
                    .is_some_and(masks_name);
                for (k, x) in m.iter_mut() {
                    if secret
                        && matches!(k.as_str(), "before" | "after" | "value" | "default")
                        && x.is_string()
                    {
                        *x = Value::String(MASK.into());
                    } else {
                        self.json(x);
                    }
                }
            }
            _ => {}
        }
    }
}

/// `scheme://user:pass@host` → `scheme://********@host`.
fn mask_userinfo(s: &str) -> Cow<'_, str> {
    if !s.contains("://") {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    let mut changed = false;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c == '/' || c.is_whitespace() || "\"'`<>)]}|;,".contains(c))
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        if let Some(at) = authority.rfind('@').filter(|&at| at > 0) {
            out.push_str(MASK);
            out.push_str(&authority[at..]);
            changed = true;
        } else {
            out.push_str(authority);
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(s)
    }
}

/// `NAME=value` → `NAME=********` for secret names (a quoted value whole),
/// and the legacy `ENV NAME value` form to the end of the line.
fn mask_assignments(s: &str) -> Cow<'_, str> {
    // Every string of every output passes here: most hold no assignment.
    if !s.contains('=') && !s.contains("ENV ") {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let is_id = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut out = String::new();
    let mut copied = 0;
    let mut i = 0;
    while i < b.len() {
        if !(is_id(b[i]) && (i == 0 || !is_id(b[i - 1]))) {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && is_id(b[i]) {
            i += 1;
        }
        let name = &s[start..i];
        // `ENV NAME value`: the name is followed by blanks, not `=`.
        if name == "ENV" && i < b.len() && b[i] == b' ' {
            let mut j = i;
            while j < b.len() && b[j] == b' ' {
                j += 1;
            }
            let ns = j;
            while j < b.len() && is_id(b[j]) {
                j += 1;
            }
            if j > ns && j < b.len() && (b[j] == b' ' || b[j] == b'\t') && masks_name(&s[ns..j]) {
                let vs = j + 1;
                let ve = s[vs..].find('\n').map_or(s.len(), |k| vs + k);
                if ve > vs {
                    out.push_str(&s[copied..vs]);
                    out.push_str(MASK);
                    copied = ve;
                }
                i = ve;
            }
            continue;
        }
        if i < b.len() && b[i] == b'=' && masks_name(name) {
            let vs = i + 1;
            let ve = value_end(s, vs);
            if ve > vs {
                out.push_str(&s[copied..vs]);
                out.push_str(MASK);
                copied = ve;
            }
            i = ve.max(vs);
        }
    }
    if copied == 0 {
        return Cow::Borrowed(s);
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

/// Where an assignment's value starting at `vs` ends: a quoted value at its
/// closing quote, else at whitespace or a character that ends a word in
/// the outputs (quotes, backticks, brackets, `,`, `;`, `|`).
fn value_end(s: &str, vs: usize) -> usize {
    let rest = &s[vs..];
    if let Some(q) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') {
        // The closing quote on the same line; an unclosed one (a value a
        // build cannot expand) ends with its line, not at the next quote.
        let line = rest.find('\n').unwrap_or(rest.len());
        return match rest[1..line].find(q) {
            Some(k) => vs + 1 + k + 1,
            None => vs + line,
        };
    }
    // A quote escaped by the output itself (a DOT label's `\"`): the value
    // runs to the escaped closing quote, else to the label's own end.
    for q in ["\\\"", "\\'"] {
        if let Some(body) = rest.strip_prefix(q) {
            return match body.find(q) {
                Some(k) => vs + q.len() + k + q.len(),
                None => body.find(['\n', '"']).map_or(s.len(), |k| vs + q.len() + k),
            };
        }
    }
    // A `${…}` belongs to the value (closed or not): its braces end nothing.
    let mut depth = 0usize;
    let mut prev = '\0';
    for (k, c) in rest.char_indices() {
        match c {
            '{' if prev == '$' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            c if c.is_whitespace() => return vs + k,
            c if depth == 0 && "\"'`()[]{}<>,;|&".contains(c) => return vs + k,
            _ => {}
        }
        prev = c;
    }
    s.len()
}

/// Prefixes of tokens that are secrets wherever they appear (GitHub, GitLab,
/// Slack, npm, PyPI, Stripe, AWS access key ids, Hugging Face), each
/// followed by at least [`TOKEN_MIN`] token characters.
const TOKEN_PREFIXES: &[&str] = &[
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "xoxp-",
    "xoxa-",
    "xoxs-",
    "xoxr-",
    "npm_",
    "pypi-AgE",
    "sk_live_",
    "rk_live_",
    "sk-proj-",
    "AKIA",
    "hf_",
];
const TOKEN_MIN: usize = 16;

/// The bytes a token prefix starts with.
const TOKEN_FIRST: [bool; 256] = {
    let mut t = [false; 256];
    let mut i = 0;
    while i < TOKEN_PREFIXES.len() {
        t[TOKEN_PREFIXES[i].as_bytes()[0] as usize] = true;
        i += 1;
    }
    t
};

fn is_token_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Byte ranges of known-prefix tokens in `s`.
fn token_ranges(s: &str, out: &mut Vec<(usize, usize)>) {
    let shortest = TOKEN_PREFIXES.iter().map(|p| p.len()).min().unwrap_or(0);
    if s.len() < shortest + TOKEN_MIN {
        return;
    }
    // One pass over the word starts, not a search of the whole text per
    // prefix: every string of every output passes here.
    let b = s.as_bytes();
    for start in 0..b.len() {
        if !TOKEN_FIRST[b[start] as usize] || (start > 0 && is_token_char(b[start - 1])) {
            continue;
        }
        for p in TOKEN_PREFIXES {
            if !b[start..].starts_with(p.as_bytes()) {
                continue;
            }
            let mut end = start + p.len();
            while end < b.len() && is_token_char(b[end]) {
                end += 1;
            }
            // A token has digits: `npm_config_prefer_offline` is a name.
            let rest = &b[start + p.len()..end];
            if rest.len() >= TOKEN_MIN && rest.iter().any(u8::is_ascii_digit) {
                out.push((start, end));
            }
        }
    }
}

/// A word's core: without the quotes and separators an output or a shell
/// line puts around it. Returns its byte range.
fn core(s: &str, (start, end): (usize, usize)) -> (usize, usize) {
    let w = &s[start..end];
    let lead = w.len() - w.trim_start_matches(['"', '\'', '(', '[', '`']).len();
    let body = &w[lead..];
    let trail = body.len()
        - body
            .trim_end_matches(['"', '\'', ',', ';', ')', ']', '`', '\\'])
            .len();
    (start + lead, end - trail)
}

/// Whether a header or flag name says its value is a secret: the names of
/// [`masks_name`] with `-` read as `_`, and `Authorization`.
fn secret_flag_or_header(name: &str) -> bool {
    let n = name.trim_start_matches('-').replace('-', "_");
    let up = n.to_ascii_uppercase();
    if up.is_empty() || up.ends_with("_STDIN") || up.ends_with("_PROMPT") {
        return false;
    }
    matches!(
        up.as_str(),
        "AUTHORIZATION" | "PROXY_AUTHORIZATION" | "REQUIREPASS" | "MASTERAUTH"
    ) || masks_name(&n)
}

/// Secrets a command line gives away by position: `curl -u user:pw`,
/// `-H 'Authorization: Bearer …'` (and headers named like a secret),
/// `--password pw` (a secret-named flag with its value apart), `mysql -ppw`,
/// `sshpass -p pw`, `redis-cli -a pw`; and known-prefix tokens anywhere.
fn mask_command_line(s: &str) -> Cow<'_, str> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    token_ranges(s, &mut ranges);
    let mut line_start = 0;
    for line in s.split_inclusive('\n') {
        command_line_ranges(s, line_start, line, &mut ranges);
        line_start += line.len();
    }
    if ranges.is_empty() {
        return Cow::Borrowed(s);
    }
    ranges.sort_unstable();
    let mut out = String::with_capacity(s.len());
    let mut copied = 0;
    for (a, b) in ranges {
        if b <= copied || a >= b {
            continue;
        }
        let a = a.max(copied);
        out.push_str(&s[copied..a]);
        out.push_str(MASK);
        copied = b;
    }
    out.push_str(&s[copied..]);
    Cow::Owned(out)
}

fn command_line_ranges(s: &str, at: usize, line: &str, out: &mut Vec<(usize, usize)>) {
    // Each secret below follows a flag (`-u`, `--password`, `-p`, `-a`) or a
    // header name ending in `:`: a line with neither gives none away.
    if !line.contains(['-', ':']) {
        return;
    }
    let words: Vec<(usize, usize)> = {
        let mut v = Vec::new();
        let mut start = None;
        for (k, c) in line.char_indices() {
            match (c.is_whitespace(), start) {
                (true, Some(st)) => {
                    v.push(core(s, (at + st, at + k)));
                    start = None;
                }
                (false, None) => start = Some(k),
                _ => {}
            }
        }
        if let Some(st) = start {
            v.push(core(s, (at + st, at + line.len())));
        }
        v.retain(|(a, b)| a < b);
        v
    };
    let lower = line.to_ascii_lowercase();
    let mysql = lower.contains("mysql") || lower.contains("mariadb");
    let sshpass = lower.contains("sshpass");
    let redis = lower.contains("redis-cli");
    let word = |k: usize| words.get(k).map(|&(a, b)| &s[a..b]);
    // The part of word k after its first `:`, when that part is a secret
    // (not a number: `-u 1000:1000` is a uid and gid).
    let after_colon = |k: usize, skip: usize| {
        let &(a, b) = words.get(k)?;
        let w = &s[a + skip..b];
        let c = w.find(':')?;
        let pw = &w[c + 1..];
        // `-u "${USERS:-10}"` is a variable's default, `user:$PASS` names
        // the secret without giving it.
        let plain = !w.contains("${") && !pw.starts_with('$');
        (plain && !pw.is_empty() && !pw.bytes().all(|x| x.is_ascii_digit()))
            .then_some((a + skip + c + 1, b))
    };
    for k in 0..words.len() {
        let Some(w) = word(k) else { continue };
        // `Authorization: Bearer x`, `PRIVATE-TOKEN: x`.
        if let Some(name) = w.strip_suffix(':') {
            // A header's name (`Authorization`, `PRIVATE-TOKEN`, `X-Api-Key`),
            // not prose that ends a word with a colon ("a secret: its value").
            let header = name.eq_ignore_ascii_case("authorization")
                || name.eq_ignore_ascii_case("proxy-authorization")
                || name.contains('-');
            if header && !name.contains(['/', ':']) && secret_flag_or_header(name) {
                let scheme = word(k + 1)
                    .is_some_and(|v| v.len() <= 10 && v.bytes().all(|x| x.is_ascii_alphabetic()))
                    && words.get(k + 2).is_some();
                let v = if scheme { k + 2 } else { k + 1 };
                if let Some(&r) = words.get(v) {
                    out.push(r);
                }
            }
            continue;
        }
        if w == "-u" || w == "--user" {
            out.extend(after_colon(k + 1, 0));
        } else if let Some(rest) = w.strip_prefix("--user=") {
            out.extend(after_colon(k, w.len() - rest.len()));
        } else if w.starts_with("-u") && !w.starts_with("--") && w.len() > 2 {
            out.extend(after_colon(k, 2));
        } else if w.starts_with("--") && !w.contains('=') && secret_flag_or_header(w) {
            if let Some(&(a, b)) = words.get(k + 1).filter(|&&(a, _)| !s[a..].starts_with('-')) {
                out.push((a, b));
            }
        } else if mysql && w.starts_with("-p") && !w.starts_with("--") && w.len() > 2 {
            let (a, b) = words[k];
            out.push((a + 2, b));
        } else if (sshpass && w == "-p") || (redis && w == "-a") {
            out.extend(words.get(k + 1).copied());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for n in [
            "GITHUB_TOKEN",
            "DB_PASSWORD",
            "NPM_AUTH",
            "STRIPE_KEY",
            "password",
            "AWS_SECRET_ACCESS_KEY",
        ] {
            assert!(masks_name(n), "{n}");
        }
        for n in [
            "GPG_KEY",
            "PATH",
            "KEYBOARD",
            "TOKEN_FILE",
            "MYSQL_ALLOW_EMPTY_PASSWORD",
            "AUTHOR",
        ] {
            assert!(!masks_name(n), "{n}");
        }
    }

    #[test]
    fn command_lines_and_tokens() {
        let cases = [
            (
                "RUN curl -u bob:s3cr3t https://x/y",
                "RUN curl -u bob:******** https://x/y",
            ),
            (
                "RUN curl --user bob:s3cr3t x",
                "RUN curl --user bob:******** x",
            ),
            ("RUN curl -ubob:s3cr3t x", "RUN curl -ubob:******** x"),
            (
                "RUN curl --user=bob:s3cr3t x",
                "RUN curl --user=bob:******** x",
            ),
            (
                "RUN curl -H \"Authorization: Bearer abc.def\" x",
                "RUN curl -H \"Authorization: Bearer ********\" x",
            ),
            (
                "RUN curl -H 'PRIVATE-TOKEN: tok123' x",
                "RUN curl -H 'PRIVATE-TOKEN: ********' x",
            ),
            (
                "RUN mysql -uroot -pHunter2 db",
                "RUN mysql -uroot -p******** db",
            ),
            (
                "RUN app --password hunter2 --x",
                "RUN app --password ******** --x",
            ),
            ("RUN sshpass -p pw ssh h", "RUN sshpass -p ******** ssh h"),
            ("RUN redis-cli -a pw ping", "RUN redis-cli -a ******** ping"),
            (
                "ARG GH_PAT=ghp_AbCdEf0123456789AbCdEf0123456789AbCd",
                "ARG GH_PAT=********",
            ),
            (
                "RUN git clone https://oauth2:glpat-Ab12Cd34Ef56Gh78Ij90@gitlab.com/x",
                "RUN git clone https://********@gitlab.com/x",
            ),
            ("key AKIAIOSFODNN7EXAMPLE used", "key ******** used"),
            // Several tokens in one text, on lines with no flag or header.
            (
                "a hf_abcdefghij0123456789 b\nxoxb-1234567890123456abc",
                "a ******** b\n********",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(text(input), want, "{input}");
        }
        // Not secrets: a uid:gid, a flag that takes no value, a name with
        // a token's prefix, a password read from stdin, `mkdir -p`.
        for plain in [
            "RUN useradd -u 1000 app && chown -u 1000:1000 /x",
            "RUN docker login --password-stdin -u bob",
            "ENV npm_config_prefer_offline=true",
            "RUN mkdir -p /app && mysql --version",
            "RUN apt-key adv --keyserver keyserver.ubuntu.com --recv-keys ABC",
            "LABEL maintainer=x TIME: 12:30",
            "`ARG GITHUB_TOKEN` looks like a secret: its value is recorded",
            "ENTRYPOINT locust -u \"${USERS:-10}\" -r 1",
            "RUN curl -u \"$USER:$PASS\" x",
            // A prefix inside a longer word is no token's start.
            "Xghp_AbCdEf0123456789AbCdEf0123456789AbCd",
        ] {
            assert_eq!(text(plain), plain);
        }
    }

    #[test]
    fn assignments_urls_and_values() {
        assert_eq!(
            text("ARG DB_PASSWORD=hunter22 X=1"),
            "ARG DB_PASSWORD=******** X=1"
        );
        assert_eq!(
            text("ENV API_TOKEN \"a b c\"\nRUN x"),
            "ENV API_TOKEN ********\nRUN x"
        );
        assert_eq!(
            text("ENV T=\"a b\" Y=2 GITHUB_TOKEN='q w'"),
            "ENV T=\"a b\" Y=2 GITHUB_TOKEN=********"
        );
        assert_eq!(
            text("git clone https://bob:s3cr3t@github.com/x.git"),
            "git clone https://********@github.com/x.git"
        );
        assert_eq!(
            text("mysql --password=pw123 -h db"),
            "mysql --password=******** -h db"
        );
        assert_eq!(text("https://github.com/a@b"), "https://github.com/a@b");
        // Values a build cannot expand, and quotes a DOT label escapes.
        assert_eq!(
            text("ARG SIGNING_KEY=${unclosed-S9 X=1"),
            "ARG SIGNING_KEY=******** X=1"
        );
        assert_eq!(
            text("ENV DB_PASSWORD=${A:-b}c X"),
            "ENV DB_PASSWORD=******** X"
        );
        assert_eq!(
            text("ENV SESSION_SECRET=\"open\nENV PLAIN=\"x\""),
            "ENV SESSION_SECRET=********\nENV PLAIN=\"x\""
        );
        assert_eq!(
            text("label=\"2: ENV SESSION_SECRET=\\\"open-S8\"];"),
            "label=\"2: ENV SESSION_SECRET=********\"];"
        );
        assert_eq!(
            text("label=\"2: ENV API_TOKEN=\\\"a b\\\" X=1\"];"),
            "label=\"2: ENV API_TOKEN=******** X=1\"];"
        );
        let mut m = Masker::new();
        m.add_value("ghp_abcdef");
        m.add_value("1");
        assert_eq!(
            m.text("build arg X changed (ghp_abcdef → 1)"),
            "build arg X changed (******** → 1)"
        );
        let mut v = serde_json::json!({"cause": {"kind": "arg", "name": "GITHUB_TOKEN", "before": "a", "after": "b"}, "x": "ARG DB_PASSWORD=p"});
        m.json(&mut v);
        assert_eq!(v["cause"]["before"], MASK);
        assert_eq!(v["cause"]["after"], MASK);
        assert_eq!(v["x"], "ARG DB_PASSWORD=********");
    }
}
