use crate::rules::{Applicability, DockerfileCtx, Edit, Finding, Fix};
use crate::syntax::{Arguments, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds `CMD` and `ENTRYPOINT` in shell form in the stages of the final image.
    ///
    /// ## Why is this bad?
    /// The shell form runs `/bin/sh -c "..."`: the shell is PID 1 and does not
    /// forward SIGTERM, so `docker stop` waits 10 s and kills the app without a
    /// clean shutdown. A shell-form `ENTRYPOINT` also ignores `CMD` and `docker run` arguments.
    ///
    /// ## Example
    /// ```dockerfile
    /// CMD gunicorn --bind 0.0.0.0:8000 app:app
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: without the shell, variables are no longer expanded and the process
    /// receives signals directly. Offered only for commands without shell syntax
    /// (quotes, expansions, operators, globs, comments, assignments, builtins such
    /// as `cd`), under a plain `sh -c` or `bash -c` (not a login shell, whose
    /// profile may set PATH), and not for an ENTRYPOINT with a CMD beside it
    /// (the exec form would pass the CMD as arguments).
    code: "DO409",
    name: "shell-form-cmd",
    family: Correctness,
    severity: Warning,
    hadolint: ["DL3025"],
    fix: Some(Applicability::Unsafe),
    check: Dockerfile(check),
}

/// The CMD and ENTRYPOINT steps the final image runs with: the last of each
/// along the FROM chain of the target stage. An earlier one is overridden;
/// a CMD from a parent stage is cleared by a later stage's ENTRYPOINT; and a
/// shell-form ENTRYPOINT ignores CMD altogether.
fn effective<'a>(cx: &DockerfileCtx<'a>) -> Effective<'a> {
    let mut chain = Vec::new();
    let mut at = Some(cx.model.target);
    while let Some(i) = at.filter(|i| !chain.contains(i)) {
        chain.push(i);
        at = match cx.model.stages.get(i).map(|st| &st.base) {
            Some(crate::model::Base::Stage(b)) => Some(*b),
            _ => None,
        };
    }
    let last = |kw: Keyword| {
        cx.model
            .steps
            .iter()
            .filter(|s| s.keyword == kw && chain.contains(&s.stage))
            .max_by_key(|s| s.instruction)
    };
    let entrypoint = last(Keyword::Entrypoint);
    // The CMD the image config keeps: a later stage's ENTRYPOINT clears one
    // set in a stage before it.
    let cmd = last(Keyword::Cmd)
        .filter(|c| entrypoint.is_none_or(|e| e.stage == c.stage || e.instruction < c.instruction));
    Effective { entrypoint, cmd }
}

/// The last ENTRYPOINT and the CMD the final image is configured with.
struct Effective<'a> {
    entrypoint: Option<&'a crate::model::Step>,
    cmd: Option<&'a crate::model::Step>,
}

impl<'a> Effective<'a> {
    /// The steps that run: a shell-form ENTRYPOINT ignores CMD altogether.
    fn running(&self, cx: &DockerfileCtx<'a>) -> Vec<&'a crate::model::Step> {
        let shell_ep = self
            .entrypoint
            .is_some_and(|e| matches!(cx.ins(e.instruction).arguments, Arguments::Shell { .. }));
        let cmd = self.cmd.filter(|_| !shell_ep);
        self.entrypoint.into_iter().chain(cmd).collect()
    }
}

/// Shell words and builtins that have no program of the same name (or
/// mean something else as one): run without the shell, they fail.
const SHELL_ONLY: &[&str] = &[
    "if", "then", "else", "elif", "fi", "do", "done", "case", "esac", "while", "until", "for",
    "in", "function", "select", "coproc", "time", "[[", "cd", "export", "source", ".", "set",
    "unset", "ulimit", "umask", "eval", "trap", "alias", "shift", "return", "exit", "readonly",
    "local", "declare", "typeset", "let", "wait", "read", "hash", "type", "command", "builtin",
    "getopts", "exec",
];

/// The words `sh -c TEXT` runs, when splitting TEXT on blanks gives them
/// exactly: no quoting, expansion, redirection, operator, comment, glob or
/// assignment, and a first word that is a program rather than a shell word
/// or builtin. None otherwise (the exec form would run something else).
fn plain_words(text: &str) -> Option<Vec<&str>> {
    let special = |c: char| {
        matches!(
            c,
            '$' | '&'
                | '|'
                | ';'
                | '<'
                | '>'
                | '*'
                | '?'
                | '['
                | '('
                | ')'
                | '{'
                | '}'
                | '`'
                | '"'
                | '\''
                | '\\'
                | '~'
                | '#'
                | '!'
        ) || (c.is_whitespace() && c != ' ' && c != '\t')
    };
    if text.contains(special) {
        return None;
    }
    let words: Vec<&str> = text.split([' ', '\t']).filter(|w| !w.is_empty()).collect();
    let first = words.first()?;
    (!first.contains('=') && !SHELL_ONLY.contains(first)).then_some(words)
}

/// Whether every SHELL instruction of the file is a plain POSIX shell
/// (`sh`/`bash`/`dash`/`ash` with `-c`) that reads no startup file: a login
/// shell (`bash -l`), an interactive one, bash with `$BASH_ENV` set in the
/// image, or another interpreter (PowerShell)
/// gives the shell form a PATH, an environment or a syntax the exec form
/// would not have.
fn plain_shells(cx: &DockerfileCtx) -> bool {
    // The final image's environment, which the shell form's shell starts with
    // (bash sources `$BASH_ENV` before its script).
    let env = cx
        .model
        .stages
        .get(cx.model.target)
        .map(|st| st.config.env.as_slice())
        .unwrap_or_default();
    let var = |k: &str| {
        env.iter()
            .rev()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
    };
    cx.df
        .instructions
        .iter()
        .filter(|i| i.keyword == Keyword::Shell)
        .all(|i| match &i.arguments {
            Arguments::Exec { elements, .. } => {
                let argv: Vec<String> = elements.iter().map(|e| e.value.clone()).collect();
                let name = argv
                    .first()
                    .map(|p| p.rsplit('/').next().unwrap_or(p))
                    .unwrap_or("");
                matches!(name, "sh" | "bash" | "dash" | "ash")
                    && argv.last().is_some_and(|a| a == "-c")
                    && crate::shell::startup_files(&argv, &var).is_none()
            }
            Arguments::Shell { .. } => false,
        })
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let eff = effective(cx);
    let mut steps = eff.running(cx);
    steps.sort_by_key(|s| s.instruction);
    let plain_shell = plain_shells(cx);
    // A CMD the final image keeps beside a shell-form ENTRYPOINT: the exec
    // form would pass it to the program as arguments (the shell ignored it).
    let cmd_survives = eff.cmd.is_some();
    for step in steps {
        let ins = cx.ins(step.instruction);
        let Arguments::Shell { text, span } = &ins.arguments else {
            continue;
        };
        // `exec app`: the shell replaces itself, the app is PID 1
        if text.trim_start().starts_with("exec ") {
            continue;
        }
        let kw = ins.keyword.as_str();
        let mut f = cx.finding(
            &RULE,
            cx.head_span(ins),
            format!("shell-form {kw}: the shell is PID 1 and does not forward signals"),
        );
        let words = plain_words(text);
        let entrypoint_takes_cmd = ins.keyword == Keyword::Entrypoint && cmd_survives;
        if let (Some(words), true, false) = (words, plain_shell, entrypoint_takes_cmd) {
            let words: Vec<String> = words
                .iter()
                .map(|w| serde_json::to_string(w).unwrap_or_default())
                .collect();
            let json = format!("[{}]", words.join(", "));
            f = f.with_fix(Fix::edit(
                Applicability::Unsafe,
                format!("use the exec form: {kw} {json}"),
                vec![Edit::spanning(*span, json)],
            ));
        } else {
            let advice = match eff.cmd.filter(|_| entrypoint_takes_cmd) {
                // The shell ignored the CMD; the exec form would append it.
                Some(c) => format!(
                    "use the exec form, knowing that the CMD on line {} then becomes its arguments (the shell form ignores it)",
                    cx.ins(c.instruction).start_line
                ),
                None => format!("use the exec form, e.g. {kw} [\"sh\", \"-c\", \"exec ...\"] or a script that ends with `exec`"),
            };
            f = f.with_fix(Fix::display(advice));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    /// The exec form DO409 offers for the last line of `text`, if any.
    fn offered(text: &str) -> Option<String> {
        crate::rules::testutil::findings(text, "DO409")
            .into_iter()
            .filter_map(|f| f.fix)
            .find(|x| !x.edits.is_empty())
            .map(|x| x.edits[0].content.clone())
    }

    #[test]
    fn plain_words_become_the_exec_form() {
        let got = offered("FROM python:3.12-slim\nCMD gunicorn -b 0.0.0.0:8000 app:app\n");
        assert_eq!(
            got.as_deref(),
            Some(r#"["gunicorn", "-b", "0.0.0.0:8000", "app:app"]"#)
        );
        let bash = "FROM python:3.12-slim\nSHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\nCMD python app.py\n";
        assert!(offered(bash).is_some());
    }

    /// What `sh -c` would read otherwise than as words: the exec form would
    /// run another program or other arguments, so no edit is offered.
    #[test]
    fn shell_meaning_gets_no_edit() {
        for last in [
            "CMD python app.py # the comment is the shell's",
            "CMD PORT=80 python app.py",
            "CMD cd /app",
            "CMD time python app.py",
            "CMD python [ab].py",
            "CMD python\u{a0}app.py",
            "SHELL [\"/bin/bash\", \"-lc\"]\nCMD python app.py",
            "SHELL [\"/bin/bash\", \"--login\", \"-c\"]\nCMD python app.py",
            "SHELL [\"pwsh\", \"-Command\"]\nCMD python app.py",
            "ENV BASH_ENV=/etc/profile.d/venv.sh\nSHELL [\"/bin/bash\", \"-c\"]\nCMD python app.py",
            "CMD [\"--port\", \"80\"]\nENTRYPOINT python app.py",
        ] {
            let text = format!("FROM python:3.12-slim\n{last}\n");
            assert_eq!(offered(&text), None, "{last}");
        }
    }
}
