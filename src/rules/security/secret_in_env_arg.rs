use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::{Keyword, Span};

declare_rule! {
    /// ## What it does
    /// Finds `ENV` and `ARG` whose name says it holds a secret (`PASSWORD`,
    /// `TOKEN`, `SECRET`, `API_KEY`, `PRIVATE_KEY`, `AWS_SECRET_ACCESS_KEY`, ...).
    /// Values are masked in every output format.
    ///
    /// ## Why is this bad?
    /// `ENV` values are stored in the image config and `ARG` values in its
    /// history (`docker history` shows them): anyone who can pull the image can
    /// read them.
    ///
    /// ## Example
    /// ```dockerfile
    /// ARG NPM_TOKEN
    /// RUN echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > .npmrc && npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=secret,id=npm_token,env=NPM_TOKEN \
    ///     echo "//registry.npmjs.org/:_authToken=$NPM_TOKEN" > .npmrc && npm ci && rm .npmrc
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: secrets must be passed with `--secret` at build time or at run time.
    code: "DO302",
    name: "secret-in-env-arg",
    family: Security,
    severity: Error,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

/// Whether a variable name says it holds a secret; the list lives with the
/// masking routine so that what DO302 reports and what outputs hide agree.
pub fn is_secret_name(name: &str) -> bool {
    crate::report::mask::is_secret_name(name)
}

/// The `name=value` pairs of an ENV/ARG with the value spans (for masking).
fn assignments(
    cx: &DockerfileCtx,
    ins: &crate::syntax::Instruction,
) -> Vec<(String, Option<Span>)> {
    let Some(text) = ins.arguments.shell_text() else {
        return Vec::new();
    };
    let args = ins.arguments.span();
    let src = cx.df.text(args);
    let mut out = Vec::new();
    // `ENV KEY value` (legacy form: one pair, the rest is the value)
    let words = crate::syntax::words::split_whitespace(text);
    let legacy = ins.keyword == Keyword::Env && words.first().is_some_and(|w| !w.0.contains('='));
    if legacy {
        if let Some(w) = words.first() {
            let name = w.0.to_string();
            let vstart = src.find(w.0).map(|i| i + w.0.len()).unwrap_or(src.len());
            let rest = &src[vstart..];
            let trimmed = rest.trim_start();
            let s = args.start + vstart + (rest.len() - trimmed.len());
            let span = (!trimmed.is_empty()).then(|| Span::new(s, args.end));
            out.push((name, span));
        }
        return out;
    }
    let mut search = 0;
    for (w, _) in words {
        let (name, has_value) = match w.split_once('=') {
            Some((n, v)) => (n.to_string(), !v.is_empty()),
            None => (w.to_string(), false),
        };
        let span = src[search..].find(w).map(|i| {
            let start = args.start + search + i;
            search += i + w.len();
            Span::new(start + name.len() + 1, start + w.len())
        });
        out.push((name, if has_value { span } else { None }));
    }
    out
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for ins in &cx.df.instructions {
        if !matches!(ins.keyword, Keyword::Env | Keyword::Arg) {
            continue;
        }
        for (name, value) in assignments(cx, ins) {
            if !is_secret_name(&name) {
                continue;
            }
            // `ENV HUBOT_SLACK_TOKEN=` (vimagick/dockerfiles): an empty value
            // declares the variable for `docker run -e`; nothing is stored.
            // An ARG without a default still records what the build passes.
            let empty = value.is_none_or(|v| matches!(cx.df.text(v).trim(), "" | "\"\"" | "''"));
            if ins.keyword == Keyword::Env && empty {
                continue;
            }
            let kw = ins.keyword.as_str();
            let shown = if value.is_some() {
                format!("{name}=********")
            } else {
                name.clone()
            };
            let why = if ins.keyword == Keyword::Env {
                "is stored in the image config"
            } else {
                "is recorded in the image history"
            };
            let mut f = cx
                .finding(
                    &RULE,
                    cx.find_in(ins, &name),
                    format!("`{kw} {shown}` looks like a secret: its value {why}"),
                )
                .with_fix(Fix::display(
                    "pass it with `RUN --mount=type=secret` at build time, or at run time",
                ));
            if let Some(v) = value {
                f.redact.push(v);
            }
            // the secret may also appear on a continuation line of the frame: mask the whole value
            out.push(f);
        }
    }
}
