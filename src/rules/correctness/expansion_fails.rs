use crate::rules::{DockerfileCtx, Finding, Fix};
use crate::syntax::expand::ExpandError;
use crate::syntax::{Arguments, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds a word that BuildKit's lexer rejects when it expands the
    /// instruction (`ENV`, `ARG`, `LABEL`, `WORKDIR`, `USER`, `EXPOSE`,
    /// `VOLUME`, `STOPSIGNAL`, `COPY`, `ADD`, `FROM`): a quote or `${` not
    /// closed within the word, or an unknown `${VAR…}` modifier.
    ///
    /// ## Why is this bad?
    /// The build fails before any step runs (`failed to create LLB
    /// definition: failed to process "\"/my": unexpected end of statement
    /// while looking for matching double-quote`). The usual cause is a path
    /// with a blank in a shell-form `COPY`, `ADD` or `VOLUME`: their shell
    /// form splits on blanks before quotes are read, so quotes cannot
    /// group words there.
    ///
    /// ## Example
    /// ```dockerfile
    /// COPY app "/my app/"
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// COPY ["app", "/my app/"]
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the file does not build as written, so there is no
    /// image to keep.
    ///
    /// `${VAR:?message}` with an unset variable is not reported: a build
    /// argument given at build time sets it. Nor are template placeholders
    /// (`${templateOption:imageVariant}` in a dev container template, a
    /// `${name:word}` with nothing but a name after the colon): a template
    /// tool fills them in before any build.
    code: "DO415",
    name: "expansion-fails",
    family: Correctness,
    severity: Error,
    hadolint: [],
    fix: Some(crate::rules::Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    // BuildKit stops at an instruction's first failing word.
    let mut reported_line = None;
    for failure in &cx.model.expand_failures {
        if reported_line == Some(failure.line) {
            continue;
        }
        // `${V:?msg}` fails only when V is unset at build time; our own
        // nesting bound is not BuildKit's.
        if matches!(
            failure.error,
            ExpandError::Required { .. } | ExpandError::TooDeep { .. }
        ) {
            continue;
        }
        if matches!(failure.error, ExpandError::UnsupportedModifier { .. })
            && has_placeholder(&failure.word)
        {
            continue;
        }
        // Instructions are in source order: found by binary search (a scan
        // per failure was quadratic in a file of many failing lines).
        let at = cx
            .df
            .instructions
            .partition_point(|i| i.start_line < failure.line);
        let Some(ins) = cx
            .df
            .instructions
            .get(at)
            .filter(|i| i.start_line == failure.line)
        else {
            continue;
        };
        // Values of ENV, ARG and LABEL may be secrets: named, not shown.
        let shows_value = !matches!(ins.keyword, Keyword::Env | Keyword::Arg | Keyword::Label);
        let what = if shows_value {
            format!("`{}`", failure.word)
        } else {
            format!("a word of this {}", ins.keyword.as_str())
        };
        let reason = match &failure.error {
            ExpandError::UnterminatedQuote { quote, .. } => {
                format!("no matching {quote} in the word")
            }
            ExpandError::Unterminated(_) => "a `${` is not closed".to_string(),
            ExpandError::UnsupportedModifier { modifier, .. } => {
                format!("`{modifier}` is not a substitution modifier BuildKit knows (`:-`, `-`, `:+`, `+`, `:?`, `?`, `#`, `%`, `/`)")
            }
            _ => continue,
        };
        let shell_list = matches!(ins.keyword, Keyword::Copy | Keyword::Add | Keyword::Volume)
            && matches!(ins.arguments, Arguments::Shell { .. })
            && matches!(failure.error, ExpandError::UnterminatedQuote { .. });
        let advice = if shell_list {
            format!(
                "write the {} in JSON form (`{} [\"src\", \"/my app/\"]`): its shell form splits on blanks before quotes are read",
                ins.keyword.as_str(),
                ins.keyword.as_str()
            )
        } else if matches!(failure.error, ExpandError::UnsupportedModifier { .. }) {
            "a default is `${VAR:-default}`".to_string()
        } else {
            "close the quote or substitution (or escape the character)".to_string()
        };
        let span = if shows_value {
            cx.find_in(ins, &failure.word)
        } else {
            cx.head_span(ins)
        };
        reported_line = Some(failure.line);
        out.push(
            cx.finding(
                &RULE,
                span,
                format!(
                    "BuildKit cannot expand {what}: {reason}; the build fails before any step runs"
                ),
            )
            .with_fix(Fix::display(advice)),
        );
    }
}

/// Whether `word` holds a template tool's `${name:word}` placeholder: a
/// name, a colon, then only name characters up to the brace.
fn has_placeholder(word: &str) -> bool {
    let name_char = |c: char| c.is_ascii_alphanumeric() || c == '_';
    word.match_indices("${").any(|(i, _)| {
        let rest = &word[i + 2..];
        let Some((name, tail)) = rest.split_once(':') else {
            return false;
        };
        let Some((value, _)) = tail.split_once('}') else {
            return false;
        };
        !name.is_empty()
            && name.chars().all(name_char)
            && value.starts_with(|c: char| c.is_ascii_alphabetic())
            && value.chars().all(|c| name_char(c) || c == '.' || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use crate::rules::Finding;

    fn findings(text: &str) -> Vec<Finding> {
        crate::rules::testutil::findings(text, "DO415")
    }

    /// What BuildKit 0.8 (Docker 20.10) refused or built, each checked
    /// against the engine: a word with an unclosed quote fails; quotes
    /// closed within a word, JSON form, `RUN` (the shell's business) and an
    /// unset `${V:?}` argument do not.
    #[test]
    fn reports_what_buildkit_refuses() {
        for (body, fails) in [
            ("COPY f \"/my app/\"", true),
            ("ADD f '/a b/'", true),
            ("VOLUME \"/a b\"", true),
            ("WORKDIR \"/x", true),
            ("USER \"bob", true),
            ("EXPOSE \"80", true),
            ("ENV A=\"x", true),
            ("ARG A=\"x", true),
            ("LABEL a=\"b", true),
            ("STOPSIGNAL \"x", true),
            ("ENV A=${B", true),
            ("COPY \"f\" /x/", false),
            ("COPY [\"f\", \"/my app/\"]", false),
            ("COPY --chown=\"1 2\" f /x/", false),
            ("COPY f \\\"/x/", false),
            ("RUN echo \"x", false),
            ("ARG V\nENV A=${V:?setV}", false),
            ("ENV A=${V:x-y}", false),
            ("ARG VARIANT=\"${templateOption:imageVariant}\"", false),
            ("ENV A=${V:=x}", true),
        ] {
            let text = format!("FROM alpine:3.19\n{body}\n");
            assert_eq!(findings(&text).len(), usize::from(fails), "{body}");
        }
    }

    /// The advice for a shell-form COPY is the JSON form; a secret-looking
    /// value is not printed.
    #[test]
    fn says_what_to_write_and_hides_values() {
        let f = findings("FROM alpine:3.19\nCOPY f \"/my app/\"\n");
        let fix = f[0]
            .fix
            .as_ref()
            .map(|x| x.message.clone())
            .unwrap_or_default();
        assert!(fix.contains("JSON form"), "{fix}");
        assert!(f[0].message.contains("`\"/my`"), "{}", f[0].message);
        let f = findings("FROM alpine:3.19\nENV DB_PASSWORD=\"hunter2\n");
        assert_eq!(f.len(), 1);
        assert!(!f[0].message.contains("hunter2"), "{}", f[0].message);
    }
}
