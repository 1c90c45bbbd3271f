use super::*;

fn argvs(s: &Script) -> Vec<Vec<String>> {
    s.simple_commands()
        .iter()
        .map(|c| c.words.iter().map(|w| w.lossy()).collect())
        .collect()
}

fn p(text: &str) -> Script {
    parse(text, 0).unwrap_or_else(|e| panic!("{text}: {e}"))
}

#[test]
fn lists_and_pipelines() {
    let s = p("apt-get update && apt-get install -y \"a b\" c; echo ok | tee /x || true &");
    assert_eq!(
        argvs(&s),
        vec![
            vec!["apt-get", "update"],
            vec!["apt-get", "install", "-y", "a b", "c"],
            vec!["echo", "ok"],
            vec!["tee", "/x"],
            vec!["true"],
        ]
    );
    assert_eq!(s.items.len(), 2);
    assert!(s.items[1].background);
    assert_eq!(s.items[0].and_or.rest[0].0, Connector::And);
}

#[test]
fn backslashes_follow_posix_rules() {
    // Inside double quotes only $ ` " \ and newline are escapable.
    let s = p(r#"echo "a\b\$c\"d\\e" 'x\y' z\ w"#);
    assert_eq!(argvs(&s)[0], vec!["echo", r#"a\b$c"d\e"#, r"x\y", "z w"]);
}

#[test]
fn expansions() {
    let s = p("X=1 Y=$(id -u) cmd ${A:-$B} \"$C\" $((D + 1)) `date` $'t\\n' ~/x *.txt");
    let c = &s.simple_commands();
    // Substitutions are visited before the command that uses them.
    assert_eq!(c[0].words[0].lossy(), "id");
    let main = c
        .iter()
        .find(|c| c.words.first().map(|w| w.lossy()) == Some("cmd".into()))
        .unwrap();
    assert_eq!(main.assignments.len(), 2);
    assert_eq!(main.assignments[0].name, "X");
    assert_eq!(main.assignments[0].value.literal().as_deref(), Some("1"));
    assert!(main.assignments[1].value.has_expansion());
    assert_eq!(main.words[1].params(), vec!["A", "B"]);
    assert_eq!(main.words[2].params(), vec!["C"]);
    assert_eq!(main.words[3].params(), vec!["D"]);
    assert!(main.words[4].has_expansion());
    assert_eq!(main.words[5].literal().as_deref(), Some("t\n"));
    assert!(main.words[6].has_tilde());
    assert!(main.words[7].has_glob());
    assert!(!p("echo '*'").simple_commands()[0].words[1].has_glob());
}

#[test]
fn compound_commands() {
    let s = p("if [ -f a ]; then cp a b; elif true; then :; else rm c; fi; for f in a b; do echo $f; done; while false; do x; done; case $1 in a|b) y;; *) z;; esac; (cd /tmp && make); { a; b; } > /log 2>&1");
    let names: Vec<String> = s
        .simple_commands()
        .iter()
        .map(|c| c.words[0].lossy())
        .collect();
    assert_eq!(
        names,
        vec!["[", "cp", "true", ":", "rm", "echo", "false", "x", "y", "z", "cd", "make", "a", "b"]
    );
    let cmds = commands(&s);
    let cd = cmds
        .iter()
        .find(|(c, _)| c.words[0].lossy() == "cd")
        .unwrap();
    assert_eq!(cd.1.scopes.len(), 1);
    let cp = cmds
        .iter()
        .find(|(c, _)| c.words[0].lossy() == "cp")
        .unwrap();
    assert!(cp.1.conditional);
    let a = cmds
        .iter()
        .find(|(c, _)| c.words[0].lossy() == "a")
        .unwrap();
    assert_eq!(a.1.outer_redirects, 2);
}

#[test]
fn functions_and_negation() {
    let s = p("f() { echo hi; }; ! f; function g { :; }");
    assert_eq!(s.items.len(), 3);
    assert!(s.items[1].and_or.first.negated);
}

#[test]
fn redirections() {
    let s = p("cat < /in > /out 2>&1 >> /app/log 2>/dev/null &> /both");
    let c = &s.simple_commands()[0];
    let files: Vec<(RedirOp, Option<String>)> =
        c.redirects.iter().map(|r| (r.op, r.file())).collect();
    assert_eq!(
        files,
        vec![
            (RedirOp::In, Some("/in".into())),
            (RedirOp::Out, Some("/out".into())),
            (RedirOp::DupOut, None),
            (RedirOp::Append, Some("/app/log".into())),
            (RedirOp::Out, Some("/dev/null".into())),
            (RedirOp::OutErr { append: false }, Some("/both".into())),
        ]
    );
    assert_eq!(c.redirects[2].fd, Some(2));
}

#[test]
fn assignments_only_and_empty() {
    let s = p("X=1");
    let c = &s.simple_commands()[0];
    assert!(c.words.is_empty() && c.invocation().is_none());
    assert!(p("").items.is_empty());
    assert!(p("   ").items.is_empty());
    let s = p("env");
    assert_eq!(s.simple_commands()[0].invocation().unwrap().program, "env");
    let s = p("X=1 && rm -rf /tmp/x");
    assert_eq!(s.simple_commands().len(), 2);
}

#[test]
fn wrappers_are_peeled() {
    let s = p("sudo -u app -E env -i A=1 nice -n 5 /usr/bin/pip3 install x");
    let inv = s.simple_commands()[0].invocation().unwrap();
    assert_eq!(inv.program, "pip3");
    assert_eq!(inv.wrappers, vec!["sudo", "env", "nice"]);
    assert_eq!(inv.user.as_deref(), Some("app"));
    assert!(inv.clears_env);
    assert_eq!(inv.env, vec![("A".to_string(), Some("1".to_string()))]);
    assert_eq!(inv.lossy(), vec!["install", "x"]);
    let s = p("find . -name '*.pyc' | xargs -0 -n 1 rm -f");
    let inv = s.simple_commands()[1].invocation().unwrap();
    assert_eq!(inv.program, "rm");
    assert!(inv.args_from_stdin);
    let s = p(
        "command -v curl; command make; nohup time -p ./run; timeout -s 9 10 sleep 1; gosu app id",
    );
    let progs: Vec<String> = s
        .simple_commands()
        .iter()
        .map(|c| c.invocation().unwrap().program)
        .collect();
    assert_eq!(progs, vec!["command", "make", "run", "sleep", "id"]);
    let s = p("$CMD install");
    assert_eq!(s.simple_commands()[0].invocation().unwrap().program, "");
}

#[test]
fn errors_have_offsets() {
    for bad in [
        "echo 'x",
        "echo \"x",
        "if true; then x",
        "(a",
        "a && ",
        "a |",
        "echo ${",
        "`x",
        "fi",
        ")",
    ] {
        let e = parse(bad, 100).expect_err(bad);
        assert!(e.offset >= 100, "{bad}: {e}");
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("{}x{}", "$(".repeat(5000), ")".repeat(5000));
    assert!(parse(&deep, 0).is_err());
    let deep = format!("{}x{}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse(&deep, 0).is_err());
}

#[test]
fn spans_point_into_the_dockerfile() {
    let src = "FROM x\nRUN apt-get update && \\\n    # a comment\n    apt-get install -y \"a b\"  \\\n\n  c\n";
    let df = crate::syntax::parse(src).unwrap();
    let s = parse_run(&df, &df.instructions[1]).unwrap().unwrap();
    let cmds = s.simple_commands();
    for c in &cmds {
        for w in &c.words {
            let raw = &src[w.span.start..w.span.end];
            assert_eq!(raw.trim_matches('"'), w.literal().unwrap(), "{raw}");
        }
    }
    assert_eq!(
        &src[cmds[1].words[3].span.start..cmds[1].words[3].span.end],
        "\"a b\""
    );
    assert_eq!(
        &src[cmds[1].words[4].span.start..cmds[1].words[4].span.end],
        "c"
    );
}

/// The parser's own map of the joined line, not one derived again from the
/// lines: a RUN left open by the end of the file, continued over `\ \`
/// lines, gave word spans inside a multi-byte character (session 11's
/// cargo-fuzz panic in DO202's edit).
#[test]
fn spans_follow_the_parser_s_joins() {
    let src = "FROM r\nRUN apt-get install \\\n&&\\\n\n\\ \\\n\n\\ \\\n\u{fffd}\u{fffd} x \\ \\";
    let df = crate::syntax::parse(src).unwrap();
    let s = parse_run(&df, &df.instructions[1]).unwrap().unwrap();
    let mut n = 0;
    walk::each_word(&s, &mut |w| {
        n += 1;
        assert!(
            src.is_char_boundary(w.span.start) && src.is_char_boundary(w.span.end),
            "{:?}",
            w.span
        );
        if let Some(lit) = w.literal().filter(|l| l.is_ascii() && !l.contains(' ')) {
            assert_eq!(&src[w.span.start..w.span.end], lit, "{:?}", w.span);
        }
    });
    assert!(n >= 3, "{n} words");
}

#[test]
fn heredoc_run_body_is_the_script() {
    let src = "FROM x\nRUN <<EOF\napt-get update\npip install y\nEOF\n";
    let df = crate::syntax::parse(src).unwrap();
    let s = parse_run(&df, &df.instructions[1]).unwrap().unwrap();
    assert_eq!(
        argvs(&s),
        vec![vec!["apt-get", "update"], vec!["pip", "install", "y"]]
    );
    let w = &s.simple_commands()[1].words[0];
    assert_eq!(&src[w.span.start..w.span.end], "pip");
    let src = "FROM x\nRUN python3 <<EOF\nprint(1)\nEOF\n";
    let df = crate::syntax::parse(src).unwrap();
    let s = parse_run(&df, &df.instructions[1]).unwrap().unwrap();
    let r = &s.simple_commands()[0].redirects[0];
    assert_eq!(r.heredoc.as_deref(), Some("print(1)\n"));
}

#[test]
fn heredoc_in_text() {
    let s = p("cat > /f <<'EOF'\nhello\nEOF\necho done");
    let c = s.simple_commands();
    assert_eq!(c.len(), 2);
    assert_eq!(c[0].redirects[1].heredoc.as_deref(), Some("hello\n"));
}

#[test]
fn argv_and_shells() {
    let s = from_argv(&["/bin/sh".into(), "-c".into(), "a && b".into()]).unwrap();
    assert_eq!(s.simple_commands().len(), 2);
    let s = from_argv(&["pip".into(), "install".into(), "a b".into()]).unwrap();
    assert_eq!(argvs(&s), vec![vec!["pip", "install", "a b"]]);
    assert!(is_posix_shell(&[
        "/bin/bash".into(),
        "-o".into(),
        "pipefail".into(),
        "-c".into()
    ]));
    assert!(!is_posix_shell(&["powershell".into(), "-command".into()]));
    let o = ShellOptions::from_prefix(&[
        "/bin/bash".into(),
        "-eo".into(),
        "pipefail".into(),
        "-c".into(),
    ]);
    assert!(o.errexit && o.pipefail);
    let o = ShellOptions::default().after(&p("set -euxo pipefail; make"));
    assert!(o.errexit && o.pipefail);
}

#[test]
fn reserved_words_only_in_command_position() {
    let s = p("echo if then fi done");
    assert_eq!(argvs(&s), vec![vec!["echo", "if", "then", "fi", "done"]]);
}

/// Every shell-form RUN of the shared corpus (when present) parses or is
/// refused with an error, never a panic; most parse.
#[test]
fn shared_corpus_runs_parse() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    let (mut ok, mut bad) = (0, Vec::new());
    for e in entries.flatten() {
        let path = e.path().join("Dockerfile");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let Ok(df) = crate::syntax::parse(&text) else {
            continue;
        };
        for ins in &df.instructions {
            match parse_run(&df, ins) {
                Some(Ok(_)) => ok += 1,
                Some(Err(err)) => bad.push(format!("{}:{}: {err}", path.display(), ins.start_line)),
                None => {}
            }
        }
    }
    for b in &bad {
        eprintln!("{b}");
    }
    eprintln!("shell: {ok} RUNs parse, {} refused", bad.len());
    assert!(
        bad.len() * 100 <= ok,
        "{} of {} RUNs refused",
        bad.len(),
        ok + bad.len()
    );
}

#[test]
fn nested_pipelines_are_listed() {
    let s = p("a | b; if x; then c | d; fi; e $(f | g)");
    let shapes: Vec<Vec<String>> = pipelines(&s)
        .iter()
        .map(|pl| {
            pl.commands
                .iter()
                .map(|c| match c {
                    Command::Simple(s) => s.words[0].lossy(),
                    _ => "?".into(),
                })
                .collect()
        })
        .collect();
    assert_eq!(
        shapes,
        vec![
            vec!["a", "b"],
            vec!["?"],
            vec!["x"],
            vec!["c", "d"],
            vec!["e"],
            vec!["f", "g"],
        ]
    );
    // Substitutions in `for` lists, `case` words and compound redirections.
    let s = p("for f in $(a | b); do :; done; case $(c | d) in x) ;; esac; { :; } > $(e | f)");
    let piped = pipelines(&s)
        .iter()
        .filter(|pl| pl.commands.len() > 1)
        .count();
    assert_eq!(piped, 3);
}

#[test]
fn tool_queries_see_through_wrappers() {
    let inv = |t: &str| {
        let s = p(t);
        let c = s.simple_commands()[0].clone();
        (
            c.invocation().map(|i| i.is_pip()),
            c.invocation()
                .and_then(|i| i.pip_install_args().map(tools::lossy)),
        )
    };
    let want = Some(vec!["--no-cache-dir".to_string(), "flask".to_string()]);
    assert_eq!(inv("sudo pip install --no-cache-dir flask").1, want);
    assert_eq!(inv("python3 -m pip install --no-cache-dir flask").1, want);
    assert_eq!(
        inv("env PIP_X=1 pip3.11 install --no-cache-dir flask").1,
        want
    );
    assert_eq!(inv("pip download flask").1, None);
    assert_eq!(inv("python3 app.py").0, Some(false));
    let s = p("env X=1 npm ci && sudo apt-get -y install \"curl\" gcc");
    let c = s.simple_commands();
    let npm = c[0].invocation().unwrap();
    assert!(npm.is_npm_install() && npm.is_sub(&["npm"], &["ci"]));
    let apt = c[1].invocation().unwrap();
    assert!(apt.is_apt_install() && apt.has_arg("-y") && apt.has_arg_prefix("-"));
    assert_eq!(tools::lossy(apt.after_subcommand()), vec!["curl", "gcc"]);
    assert_eq!(apt.display(), "apt-get -y install curl gcc");
}

#[test]
fn tokens_ignore_blanks_between_words_only() {
    let t = |s: &str| super::tokens(&super::parse(s, 0).unwrap());
    assert_eq!(
        t("apt-get  install -y a b"),
        t("apt-get install \\\n  -y a b")
    );
    assert_ne!(t("install -y a b"), t("install -y ab"));
    assert_ne!(t("echo 'a  b'"), t("echo 'a b'"));
    assert_ne!(t("echo \"a\" b"), t("echo a b"));
    let mut ab = t("a");
    ab.push("&&".into());
    ab.extend(t("b"));
    assert_eq!(t("a && b"), ab);
    assert_ne!(t("b && a"), ab);
    assert_ne!(t("cd /tmp && make"), t("cd /tmp; make"));
    assert_eq!(t("echo $(ls  /x)"), t("echo $(ls /x)"));
}

/// Plain characters are taken in runs up to the next character the word
/// loop treats apart; multi-byte characters inside or next to a run stay
/// whole, and each kind of stop still ends the run.
#[test]
fn plain_runs_stop_at_every_special_character() {
    let s = p("echo héllo'ü x'wörld\"é\"ß\\ e;x|y>z");
    assert_eq!(
        argvs(&s)[0],
        vec!["echo", "héllo\u{fc} xw\u{f6}rld\u{e9}\u{df} e"]
    );
    assert_eq!(argvs(&s).len(), 3, "{:?}", argvs(&s));
    assert_eq!(argvs(&s)[1], vec!["x"]);
    assert_eq!(argvs(&s)[2], vec!["y"]);
    // ä, $HOME, ö, `date`, ü
    let s = p("echo ä$HOMEö`date`ü");
    let echo = s.simple_commands().into_iter().find(|c| c.words.len() == 2);
    assert_eq!(echo.map(|c| c.words[1].parts.len()), Some(5), "{s:?}");
    let long = format!("echo {}é{}", "x".repeat(100_000), "y".repeat(10));
    let s = p(&long);
    assert_eq!(argvs(&s)[0][1].chars().count(), 100_011);
}
