//! The checks BuildKit's instruction stage makes after parsing: a build
//! that fails them never starts, so dockopt reports them as parse errors.

use super::ast::{Arguments, Dockerfile, Instruction};
use super::error::{ParseError, ParseErrorKind};
use super::keyword::Keyword;
use super::words::{parse_json_array, parse_words, split_whitespace, JsonForm};

/// Flags that may be given more than once.
const LIST_FLAGS: [&str; 3] = ["mount", "exclude", "device"];

pub fn validate(df: &Dockerfile) -> Result<(), ParseError> {
    let err =
        |kind, msg: String, span| ParseError::new(kind, msg, span, &df.source, &df.line_index);
    let first_non_arg = df.instructions.iter().find(|i| i.keyword != Keyword::Arg);
    match first_non_arg {
        None => {
            let span = df
                .instructions
                .first()
                .map(|i| i.keyword_span)
                .unwrap_or_default();
            return Err(err(
                ParseErrorKind::EmptyFile,
                "the Dockerfile has no build stage (no FROM instruction)".into(),
                span,
            )
            .expecting("at least one FROM instruction"));
        }
        Some(i) if i.keyword != Keyword::From => {
            return Err(err(
                ParseErrorKind::InstructionBeforeFrom,
                format!(
                    "{} before the first FROM: no build stage in current context",
                    i.keyword
                ),
                i.keyword_span,
            )
            .expecting("FROM (only ARG may come before the first FROM)"));
        }
        _ => {}
    }
    for ins in &df.instructions {
        check_instruction(df, ins, false)?;
        if let Some(t) = &ins.trigger {
            check_instruction(df, t, true)?;
        }
    }
    Ok(())
}

fn check_instruction(df: &Dockerfile, ins: &Instruction, trigger: bool) -> Result<(), ParseError> {
    let err =
        |kind, msg: String, span| ParseError::new(kind, msg, span, &df.source, &df.line_index);
    let allowed = ins.keyword.flags();
    let mut seen: Vec<&str> = Vec::new();
    for f in &ins.flags {
        let Some(&(_, needs_value)) = allowed.iter().find(|(n, _)| *n == f.name) else {
            let names: Vec<String> = allowed.iter().map(|(n, _)| format!("--{n}")).collect();
            let expected = if names.is_empty() {
                format!("no flags on {}", ins.keyword)
            } else {
                format!("one of {}", names.join(", "))
            };
            return Err(err(
                ParseErrorKind::UnknownFlag,
                format!("unknown flag `--{}` for {}", f.name, ins.keyword),
                f.span,
            )
            .expecting(expected));
        };
        if needs_value && f.value.is_none() {
            return Err(err(
                ParseErrorKind::FlagWithoutValue,
                format!("missing a value on flag `--{}`", f.name),
                f.span,
            )
            .expecting(format!("--{}=<value>", f.name)));
        }
        if !needs_value && f.value.as_deref() == Some("") {
            return Err(err(
                ParseErrorKind::FlagWithoutValue,
                format!("missing a value on flag `--{}`", f.name),
                f.span,
            )
            .expecting(format!("--{} or --{}=true|false", f.name, f.name)));
        }
        if !needs_value {
            if let Some(v) = &f.value {
                if !matches!(v.to_ascii_lowercase().as_str(), "true" | "false") {
                    return Err(err(
                        ParseErrorKind::BadFlagValue,
                        format!("expecting boolean value for flag `--{}`, not `{v}`", f.name),
                        f.value_span.unwrap_or(f.span),
                    )
                    .expecting("true or false"));
                }
            }
        }
        if seen.contains(&f.name.as_str()) && !LIST_FLAGS.contains(&f.name.as_str()) {
            return Err(err(
                ParseErrorKind::DuplicateFlag,
                format!("duplicate flag specified: `--{}`", f.name),
                f.span,
            ));
        }
        seen.push(&f.name);
    }

    let args_span = ins.arguments.span();
    let shell = ins.arguments.shell_text().unwrap_or("");
    let missing = |what: &str| {
        Err(err(
            ParseErrorKind::MissingArguments,
            format!("{} requires {what}", ins.keyword),
            if args_span.is_empty() {
                ins.keyword_span
            } else {
                args_span
            },
        ))
    };
    match ins.keyword {
        Keyword::From => {
            let words = split_whitespace(shell);
            let ok =
                words.len() == 1 || (words.len() == 3 && words[1].0.eq_ignore_ascii_case("as"));
            if !ok {
                return Err(err(
                    ParseErrorKind::BadArguments,
                    "FROM requires either one or three arguments".into(),
                    if args_span.is_empty() {
                        ins.keyword_span
                    } else {
                        args_span
                    },
                )
                .expecting("FROM <image> [AS <name>]"));
            }
            if let Some((name, at)) = words.get(2) {
                if !valid_stage_name(name) {
                    let start = args_span.start + at;
                    return Err(err(
                        ParseErrorKind::BadArguments,
                        format!("invalid name for build stage: `{name}`, name can't start with a number or contain symbols"),
                        super::span::Span::new(start, start + name.len()),
                    )
                    .expecting("a stage name: a letter, then letters, digits, `-`, `_` or `.`"));
                }
            }
        }
        Keyword::Copy | Keyword::Add => {
            let n = match &ins.arguments {
                Arguments::Exec { elements, .. } => elements.len(),
                Arguments::Shell { text, .. } => split_whitespace(text).len(),
            };
            if n < 2 {
                return missing("at least two arguments: a source and a destination");
            }
        }
        Keyword::Env | Keyword::Label => check_name_values(df, ins)?,
        Keyword::Arg => {
            let words = parse_words(shell, df.escape);
            if words.is_empty() {
                return missing("at least one argument");
            }
            if words.iter().any(|(w, _, _)| w.starts_with('=')) {
                return Err(err(
                    ParseErrorKind::BadArguments,
                    "ARG names can not be blank".into(),
                    args_span,
                )
                .expecting("ARG <name>[=<default>]"));
            }
        }
        Keyword::Shell => {
            if !ins.arguments.is_exec() {
                return Err(err(
                    ParseErrorKind::BadArguments,
                    "SHELL requires the arguments to be in JSON form".into(),
                    args_span,
                )
                .expecting("SHELL [\"executable\", \"parameters\"]"));
            }
        }
        Keyword::Workdir
        | Keyword::User
        | Keyword::Maintainer
        | Keyword::Stopsignal
        | Keyword::Expose
        | Keyword::Volume => {
            let empty = match &ins.arguments {
                Arguments::Exec { elements, .. } => elements.is_empty(),
                Arguments::Shell { text, .. } => text.is_empty(),
            };
            if empty {
                return missing("an argument");
            }
        }
        Keyword::Onbuild => {
            if ins.trigger.is_none() && !trigger {
                return missing("a trigger instruction");
            }
        }
        Keyword::Healthcheck => check_healthcheck(df, ins)?,
        Keyword::Run | Keyword::Cmd | Keyword::Entrypoint => {}
    }
    Ok(())
}

fn check_name_values(df: &Dockerfile, ins: &Instruction) -> Result<(), ParseError> {
    let err = |msg: String| {
        ParseError::new(
            ParseErrorKind::BadArguments,
            msg,
            ins.arguments.span(),
            &df.source,
            &df.line_index,
        )
    };
    let text = ins.arguments.shell_text().unwrap_or("");
    let words = parse_words(text, df.escape);
    let Some(first) = words.first() else {
        return Err(err(format!(
            "{} requires at least one argument",
            ins.keyword
        )));
    };
    if !first.0.contains('=') {
        if split_whitespace(text).len() < 2 {
            return Err(err(format!("{} must have two arguments", ins.keyword))
                .expecting(format!("{} <key>=<value> ...", ins.keyword)));
        }
        return Ok(());
    }
    for (w, _, _) in &words {
        if !w.contains('=') {
            return Err(err(format!(
                "syntax error - can't find = in `{w}`. Must be of the form: name=value"
            ))
            .expecting("name=value"));
        }
        if w.starts_with('=') {
            return Err(
                err(format!("{} names can not be blank", ins.keyword)).expecting("name=value")
            );
        }
    }
    Ok(())
}

/// BuildKit's stage names: a letter, then letters, digits, `-`, `_`, `.`
/// (checked lower-cased: `AS Build` is `build`).
fn valid_stage_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

/// Go's `time.ParseDuration` grammar, which BuildKit reads HEALTHCHECK's
/// durations with: `0`, or an optional sign and numbers (with an optional
/// fraction), each with a unit (`ns`, `us`, `µs`, `ms`, `s`, `m`, `h`).
/// The value in seconds, or None when Go would reject it.
fn go_duration_seconds(s: &str) -> Option<f64> {
    let (neg, mut rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if rest == "0" {
        return Some(0.0);
    }
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let num = &rest[..num_len];
        if num.is_empty() || num == "." || num.matches('.').count() > 1 {
            return None;
        }
        let value: f64 = num
            .parse()
            .ok()
            .or_else(|| format!("0{num}").parse().ok())?;
        rest = &rest[num_len..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let scale = match &rest[..unit_len] {
            "ns" => 1e-9,
            "us" | "\u{b5}s" | "\u{3bc}s" => 1e-6,
            "ms" => 1e-3,
            "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            _ => return None,
        };
        total += value * scale;
        rest = &rest[unit_len..];
    }
    Some(if neg { -total } else { total })
}

fn check_healthcheck(df: &Dockerfile, ins: &Instruction) -> Result<(), ParseError> {
    let err = |kind, msg: String| {
        ParseError::new(kind, msg, ins.arguments.span(), &df.source, &df.line_index)
    };
    let text = ins.arguments.shell_text().unwrap_or("");
    let typ_end = text.find(char::is_whitespace).unwrap_or(text.len());
    let typ = &text[..typ_end];
    let rest = text[typ_end..].trim_start();
    if typ.eq_ignore_ascii_case("none") {
        if !rest.is_empty() || !ins.flags.is_empty() {
            return Err(err(
                ParseErrorKind::BadArguments,
                "HEALTHCHECK NONE takes no arguments".into(),
            ));
        }
    } else if typ.eq_ignore_ascii_case("cmd") {
        for f in &ins.flags {
            let Some(v) = f.value.as_deref() else {
                continue;
            };
            let span = f.value_span.unwrap_or(f.span);
            let bad = |msg: String, expected: &str| {
                Err(ParseError::new(
                    ParseErrorKind::BadFlagValue,
                    msg,
                    span,
                    &df.source,
                    &df.line_index,
                )
                .expecting(expected))
            };
            if f.name == "retries" {
                match v.parse::<i64>() {
                    Ok(n) if n >= 0 => {}
                    Ok(_) => {
                        return bad("--retries cannot be negative".into(), "a count, 0 or more")
                    }
                    Err(_) => {
                        return bad(
                            format!("`{v}` is not a number of retries"),
                            "a count, 0 or more",
                        )
                    }
                }
                continue;
            }
            match go_duration_seconds(v) {
                None => {
                    return bad(
                        format!("time: invalid duration `{v}` on --{}", f.name),
                        "a duration such as 30s, 1m30s or 500ms",
                    )
                }
                Some(d) if d != 0.0 && d < 1e-3 => {
                    return bad(
                        format!("--{} `{v}` cannot be less than 1ms", f.name),
                        "a duration of 1ms or more (or 0 for the default)",
                    )
                }
                Some(_) => {}
            }
        }
        if rest.is_empty() {
            return Err(err(
                ParseErrorKind::MissingArguments,
                "missing command after HEALTHCHECK CMD".into(),
            ));
        }
        if parse_json_array(rest) == JsonForm::NotStringArray {
            return Err(err(
                ParseErrorKind::NotStringArray,
                "when using JSON array syntax, arrays must be comprised of strings only".into(),
            ));
        }
    } else {
        return Err(err(
            ParseErrorKind::BadArguments,
            format!("unknown type `{typ}` in HEALTHCHECK"),
        )
        .expecting("CMD or NONE"));
    }
    Ok(())
}
