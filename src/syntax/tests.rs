//! Parser tests on small inputs; corpus-wide tests live in tests/.

use super::*;

fn ok(src: &str) -> Dockerfile {
    match parse(src) {
        Ok(df) => {
            assert_eq!(df.to_source(), src, "round trip");
            df
        }
        Err(e) => panic!("{}", e.render("Dockerfile", src)),
    }
}

fn err(src: &str) -> ParseError {
    match parse(src) {
        Ok(_) => panic!("expected an error for {src:?}"),
        Err(e) => e,
    }
}

#[test]
fn basic_instructions_and_spans() {
    let src = "FROM alpine:3 AS build\nRUN echo hi\n";
    let df = ok(src);
    assert_eq!(df.instructions.len(), 2);
    let run = &df.instructions[1];
    assert_eq!(run.keyword, Keyword::Run);
    assert_eq!(df.text(run.keyword_span), "RUN");
    assert_eq!(run.arguments.shell_text(), Some("echo hi"));
    assert_eq!(df.text(run.arguments.span()), "echo hi");
    assert_eq!(run.start_line, 2);
    assert_eq!(df.text(run.line_span), "RUN echo hi\n");
}

#[test]
fn continuation_with_comments_and_blank_lines() {
    let src = "FROM a\nRUN apt-get update && \\\n  # note\n\n    apt-get install -y x \\   \n  && rm -rf /var/lib/apt/lists/*\n";
    let df = ok(src);
    let run = &df.instructions[1];
    assert_eq!(
        run.arguments.shell_text(),
        Some("apt-get update &&     apt-get install -y x   && rm -rf /var/lib/apt/lists/*")
    );
    assert_eq!(run.inner_comments[0].text, "note");
    assert_eq!((run.start_line, run.end_line), (2, 6));
}

#[test]
fn comment_ending_in_backslash_does_not_continue() {
    let df = ok("FROM a\n# a comment \\\nRUN x\n");
    assert_eq!(df.instructions.len(), 2);
    assert_eq!(df.instructions[1].comments[0].text, "a comment \\");
}

#[test]
fn directives_and_escape() {
    let src = "# syntax=docker/dockerfile:1\n# escape=`\nFROM mcr.microsoft.com/windows\nRUN dir c:\\ `\n  && echo C:\\app\\bin\n";
    let df = ok(src);
    assert_eq!(df.escape, '`');
    assert_eq!(df.directives.len(), 2);
    assert_eq!(
        df.instructions[1].arguments.shell_text(),
        Some("dir c:\\   && echo C:\\app\\bin")
    );
}

#[test]
fn directive_after_comment_is_a_comment() {
    let df = ok("# hello\n# escape=`\nFROM a\n");
    assert!(df.directives.is_empty());
    assert_eq!(df.escape, '\\');
}

#[test]
fn bom_and_crlf() {
    let src = "\u{feff}FROM a\r\nRUN echo \\\r\n  hi\r\n";
    let df = ok(src);
    assert!(df.has_bom);
    assert_eq!(df.text(df.instructions[0].keyword_span), "FROM");
    assert_eq!(df.instructions[1].arguments.shell_text(), Some("echo   hi"));
    assert_eq!(
        df.position(df.instructions[0].keyword_span.start).column,
        1,
        "a BOM is invisible: FROM is column 1"
    );
}

#[test]
fn json_and_shell_forms() {
    let df = ok("FROM a\nCMD [\"a\", \"b c\"]\nCMD ['a']\nENTRYPOINT [\"x\",]\n");
    match &df.instructions[1].arguments {
        Arguments::Exec { elements, .. } => {
            assert_eq!(elements[1].value, "b c");
            assert_eq!(df.text(elements[1].span), "\"b c\"");
        }
        other => panic!("{other:?}"),
    }
    assert!(!df.instructions[2].arguments.is_exec());
    assert!(!df.instructions[3].arguments.is_exec());
}

#[test]
fn flags_with_spans() {
    let src = "FROM a\nCOPY --link --from=build --chown=1:1 /src /dst\nRUN --mount=type=cache,target=/c --mount=type=bind,source=x,target=/x make\n";
    let df = ok(src);
    let copy = &df.instructions[1];
    let names: Vec<_> = copy.flags.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["link", "from", "chown"]);
    assert_eq!(
        copy.flag("from").and_then(|f| f.value.as_deref()),
        Some("build")
    );
    assert_eq!(
        df.text(copy.flags[1].value_span.unwrap_or_default()),
        "build"
    );
    assert_eq!(copy.words(), ["/src", "/dst"]);
    assert_eq!(df.instructions[2].flag_values("mount").count(), 2);
}

#[test]
fn heredocs() {
    let src = "FROM a\nRUN <<EOF\necho a\nEOF\nRUN python3 <<'PY' && cat <<-B\nprint(1)\nPY\n\tb\n\tB\nCOPY <<x <<y /d/\n1\nx\n2\ny\n";
    let df = ok(src);
    let r1 = &df.instructions[1];
    assert_eq!(r1.heredocs[0].content, "echo a\n");
    assert_eq!(r1.end_line, 4);
    let r2 = &df.instructions[2];
    assert_eq!(r2.heredocs.len(), 2);
    assert!(!r2.heredocs[0].expand);
    assert!(r2.heredocs[1].chomp);
    assert_eq!(r2.heredocs[1].content, "\tb\n");
    let c = &df.instructions[3];
    assert_eq!(c.heredocs.len(), 2);
    assert_eq!(c.heredocs[1].content, "2\n");
    assert_eq!(df.text(c.span).lines().last(), Some("y"));
}

#[test]
fn onbuild_trigger_is_parsed() {
    let df = ok("FROM a\nONBUILD COPY --chown=1 . /app\n");
    let t = df.instructions[1].trigger.as_deref().map(|t| t.keyword);
    assert_eq!(t, Some(Keyword::Copy));
    let trig = df.instructions[1]
        .trigger
        .as_deref()
        .map(|t| df.text(t.keyword_span));
    assert_eq!(trig, Some("COPY"));
}

#[test]
fn lowercase_tabs_and_eof_continuation() {
    let df = ok("from\ta as b\nrun\techo \\");
    assert_eq!(df.instructions[1].keyword, Keyword::Run);
    assert_eq!(df.instructions[1].arguments.shell_text(), Some("echo"));
}

#[test]
fn errors_have_positions() {
    let e = err("FROM a\nFOO bar\n");
    assert_eq!(e.kind, ParseErrorKind::UnknownInstruction);
    assert_eq!((e.line, e.column), (2, 1));
    let e = err("FROM a\nRUN <<EOF\necho\n");
    assert_eq!(e.kind, ParseErrorKind::UnterminatedHeredoc);
    assert_eq!((e.line, e.column), (2, 5));
    let e = err("FROM a\nCOPY --from /a /b\n");
    assert_eq!(e.kind, ParseErrorKind::FlagWithoutValue);
    let e = err("RUN x\nFROM a\n");
    assert_eq!(e.kind, ParseErrorKind::InstructionBeforeFrom);
    assert_eq!(err("").kind, ParseErrorKind::EmptyFile);
    assert_eq!(err("# just a comment\n").kind, ParseErrorKind::EmptyFile);
    assert_eq!(
        err("FROM a\nCOPY --bogus=1 a b\n").kind,
        ParseErrorKind::UnknownFlag
    );
    assert_eq!(
        err("FROM a\nCMD [1]\n").kind,
        ParseErrorKind::NotStringArray
    );
    assert_eq!(err("FROM\n").kind, ParseErrorKind::BadArguments);
    assert_eq!(
        err("FROM a\nONBUILD ONBUILD RUN x\n").kind,
        ParseErrorKind::BadOnbuild
    );
    assert_eq!(
        err("# escape=x\nFROM a\n").kind,
        ParseErrorKind::BadDirective
    );
    let rendered = err("FROM a\nFOO bar\n").render("Dockerfile", "FROM a\nFOO bar\n");
    assert!(rendered.contains("--> Dockerfile:2:1"), "{rendered}");
    assert!(rendered.contains("^^^"), "{rendered}");
}

#[test]
fn arg_before_from_and_env_forms() {
    let df = ok("ARG BASE=alpine\nFROM $BASE\nENV A=1 B=\"2 3\"\nENV C d e\nENV X=\n");
    assert_eq!(df.instructions.len(), 5);
    let e = err("FROM a\nENV A=1 B\n");
    assert_eq!(e.kind, ParseErrorKind::BadArguments);
}

#[test]
fn tokens_cover_every_byte() {
    let src = "\u{feff}# syntax=x\n\n# c\nFROM a \\\n  # inner\n AS b\r\nRUN <<E\nbody\nE\n  # trailing\n";
    let df = ok(src);
    let tokens = df.tokens();
    let mut pos = 0;
    for t in &tokens {
        assert_eq!(t.span.start, pos, "{:?}", t);
        pos = t.span.end;
    }
    assert_eq!(pos, src.len());
    assert!(tokens.iter().any(|t| t.kind == TokenKind::HeredocBody));
    assert!(tokens.iter().any(|t| t.kind == TokenKind::Continuation));
    assert_eq!(df.trailing_comments.len(), 1);
}

#[test]
fn escaped_escape_at_line_end_is_not_a_continuation() {
    // BuildKit's continuation regex needs a character other than the escape
    // before the final escape: `echo \\` is a complete instruction.
    let df = ok("FROM a\nRUN echo \\\\\nRUN x\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.instructions[1].arguments.shell_text(), Some("echo \\\\"));
    assert_eq!(df.instructions[1].end_line, 2);
    let df = ok("# escape=`\nFROM a\nRUN dir ``\nRUN x `\n  y\n");
    assert_eq!(df.instructions.len(), 3);
    assert_eq!(df.instructions[2].arguments.shell_text(), Some("x   y"));
}

/// What BuildKit's parser rejects before a build starts, each checked
/// against Docker 20.10: a stage name that does not start with a letter
/// (variables are not expanded there), blank ENV/ARG/LABEL names, and
/// HEALTHCHECK durations Go's `time.ParseDuration` refuses or under 1ms.
/// Accepted beside them: what the same engine built.
#[test]
fn buildkit_parse_time_checks() {
    for (body, message) in [
        ("FROM alpine AS 1x", "invalid name for build stage: `1x`"),
        ("FROM alpine AS ${X}", "invalid name for build stage"),
        (
            "FROM alpine AS a b",
            "FROM requires either one or three arguments",
        ),
        ("ENV =x", "ENV names can not be blank"),
        ("ENV A=1 =x", "ENV names can not be blank"),
        ("ARG =x", "ARG names can not be blank"),
        ("LABEL =y", "LABEL names can not be blank"),
        ("HEALTHCHECK --interval=x CMD true", "invalid duration `x`"),
        ("HEALTHCHECK --timeout=5 CMD true", "invalid duration `5`"),
        (
            "HEALTHCHECK --interval=10us CMD true",
            "cannot be less than 1ms",
        ),
        (
            "HEALTHCHECK --retries=-1 CMD true",
            "--retries cannot be negative",
        ),
    ] {
        let src = format!("FROM alpine\n{body}\n");
        let e = err(&src);
        assert!(e.message.contains(message), "{body}: {}", e.message);
        assert_eq!(e.line, 2, "{body}");
    }
    let e = err("FROM alpine AS 1x\n");
    assert_eq!(e.column, 16, "the name's own column");
    for body in [
        "FROM alpine AS Build.x-y_z",
        "HEALTHCHECK --interval=1m30s --timeout=.5s --start-period=0 --retries=3 CMD true",
        "HEALTHCHECK --interval=1h2m3.5s --start-interval=2ms500µs CMD true",
        "ARG A=",
        "ENV A==b",
    ] {
        ok(&format!("FROM alpine\n{body}\n"));
    }
}
