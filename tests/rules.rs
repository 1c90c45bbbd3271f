//! One fixture pair per rule: `tests/fixtures/rules/<CODE>.Dockerfile` (or a
//! `<CODE>/` folder with a context or a compose file) must trigger the rule,
//! `<CODE>.good...` must not. Findings and fixed text are kept as insta snapshots.

use dockopt::rules::config::Settings;
use dockopt::rules::engine::{
    check_compose_file, check_dockerfile, check_pipeline_file, CheckOptions, FileReport,
};
use dockopt::rules::{all, Check, Edit};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

const FIXTURES: &str = "tests/fixtures/rules";

fn apply(text: &str, edits: &[Edit]) -> String {
    let mut edits = edits.to_vec();
    edits.sort_by_key(|e| std::cmp::Reverse(e.start));
    let mut out = text.to_string();
    for e in edits {
        out.replace_range(e.start..e.end, &e.content);
    }
    out
}

/// The files to check for a fixture stem: `<stem>.Dockerfile`, or the Dockerfile / compose file in `<stem>/`.
fn targets(stem: &str, compose: bool) -> Vec<PathBuf> {
    let base = Path::new(FIXTURES);
    let file = base.join(format!("{stem}.Dockerfile"));
    if file.is_file() {
        return vec![file];
    }
    let dir = base.join(stem);
    // CI rules: the fixture folder is a repository with its pipeline file.
    for p in [".github/workflows/ci.yml", ".gitlab-ci.yml"] {
        if dir.join(p).is_file() {
            return vec![dir.join(p)];
        }
    }
    let name = if compose {
        "compose.yaml"
    } else {
        "Dockerfile"
    };
    let mut v = vec![dir.join(name)];
    let ov = dir.join("compose.override.yaml");
    if compose && ov.is_file() {
        v.push(ov);
    }
    v
}

fn run(code: &str, path: &Path, compose: bool) -> FileReport {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let settings = Settings::default().with_cli(&[code.to_string()], &[]);
    let name = path
        .strip_prefix(FIXTURES)
        .unwrap_or(path)
        .display()
        .to_string();
    let opts = CheckOptions {
        // Findings carry the fixes `dockopt fix` applies, as in `dockopt check`.
        label: Some(dockopt::rewrite::label),
        measure_context: true,
        extras: false,
        context: None,
    };
    if dockopt::rules::ci::is_pipeline_path(path) {
        // A copy, so that a fixture can have the `.git` directory git cannot store (`MKGIT`).
        let repo = dockopt::rules::ci::root_of(path);
        let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        copy_dir(&repo, tmp.path());
        if repo.join("MKGIT").is_file() {
            std::fs::create_dir_all(tmp.path().join(".git")).unwrap_or_else(|e| panic!("{e}"));
            std::fs::write(tmp.path().join(".git/HEAD"), "ref: refs/heads/main\n")
                .unwrap_or_else(|e| panic!("{e}"));
        }
        let rel = path.strip_prefix(&repo).unwrap_or(path);
        check_pipeline_file(&tmp.path().join(rel), &name, &text, &settings)
    } else if compose {
        check_compose_file(path, &name, &text, &settings)
    } else {
        check_dockerfile(path, &name, &text, &settings, &opts)
    }
}

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from).into_iter().flatten() {
        let rel = entry.path().strip_prefix(from).unwrap_or(entry.path());
        let dest = to.join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap_or_else(|e| panic!("{e}"));
        } else {
            std::fs::copy(entry.path(), &dest).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Fixture stems (file or folder, `.Dockerfile` dropped) that start with
/// `prefix`, sorted: `DO103.good.vite-env`, `DO207.bad.git-dependency`.
fn fixture_cases(prefix: &str) -> Vec<String> {
    let mut cases: Vec<String> = std::fs::read_dir(FIXTURES)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter_map(|n| {
            let stem = n.strip_suffix(".Dockerfile").unwrap_or(&n).to_string();
            stem.starts_with(prefix).then_some(stem)
        })
        .collect();
    cases.sort();
    cases
}

fn render(r: &FileReport) -> String {
    let mut out = String::new();
    for f in &r.findings {
        let _ = writeln!(
            out,
            "{}:{}:{}-{}:{} {} {} {}",
            r.path,
            f.start.line,
            f.start.column,
            f.end.line,
            f.end.column,
            f.code,
            f.severity.as_str(),
            f.message
        );
        if let Some(fix) = &f.fix {
            let _ = writeln!(
                out,
                "  fix ({}): {}",
                fix.applicability.as_str(),
                fix.message
            );
            if !fix.edits.is_empty() {
                let _ = writeln!(
                    out,
                    "  fixed:\n{}",
                    apply(&r.text, &fix.edits)
                        .lines()
                        .map(|l| format!("    {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                );
            }
        }
    }
    out
}

#[test]
fn every_rule_fires_on_its_bad_fixture_and_not_on_its_good_one() {
    let mut missing = Vec::new();
    for rule in all() {
        let compose = matches!(rule.check, Check::Compose(_));
        let mut shown = String::new();
        // `<CODE>.good.<case>` fixtures: false positives seen on real projects,
        // one per case (tests/fixtures/rules/DO103.good.vite-env.Dockerfile).
        let cases = fixture_cases(&format!("{}.good.", rule.code));
        let mut stems = vec![
            (rule.code.to_string(), true),
            (format!("{}.b", rule.code), true),
            (format!("{}.good", rule.code), false),
        ];
        stems.extend(cases.into_iter().map(|c| (c, false)));
        // `<CODE>.bad.<case>`: more cases the rule must catch.
        stems.extend(
            fixture_cases(&format!("{}.bad.", rule.code))
                .into_iter()
                .map(|c| (c, true)),
        );
        for (stem, bad) in stems {
            let files = targets(&stem, compose);
            if !files[0].is_file() {
                if stem == rule.code || stem.ends_with(".good") {
                    missing.push(stem);
                }
                continue;
            }
            for path in files {
                let r = run(rule.code, &path, compose);
                assert!(r.error.is_none(), "{}: {:?}", path.display(), r.error);
                assert!(r.findings.iter().all(|f| f.code == rule.code));
                if bad {
                    if !path.display().to_string().contains("override") {
                        assert!(
                            !r.findings.is_empty(),
                            "{} is silent on {}",
                            rule.code,
                            path.display()
                        );
                    }
                    shown.push_str(&render(&r));
                } else {
                    assert!(
                        r.findings.is_empty(),
                        "{} fires on its good fixture:\n{}",
                        rule.code,
                        render(&r)
                    );
                }
            }
        }
        insta::assert_snapshot!(rule.code, shown);
    }
    assert!(missing.is_empty(), "rules without fixtures: {missing:?}");
}

#[test]
fn inline_and_hadolint_pragmas_suppress() {
    let text = "FROM debian:12-slim\n# dockopt: ignore=DO201,DO403\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n# hadolint ignore=DL3015,DL3008\nRUN apt-get update && apt-get install -y git && rm -rf /var/lib/apt/lists/*\nRUN apt-get update && apt-get install -y make && rm -rf /var/lib/apt/lists/*\n";
    let settings = Settings::default().with_cli(&["DO201".into(), "DO403".into()], &[]);
    let r = check_dockerfile(
        Path::new("Dockerfile"),
        "Dockerfile",
        text,
        &settings,
        &CheckOptions::default(),
    );
    let lines: Vec<(usize, &str)> = r.findings.iter().map(|f| (f.start.line, f.code)).collect();
    assert_eq!(lines, vec![(6, "DO201"), (6, "DO403")]);
    let global = format!("# hadolint global ignore=DL3015\n{text}");
    let r = check_dockerfile(
        Path::new("Dockerfile"),
        "Dockerfile",
        &global,
        &settings,
        &CheckOptions::default(),
    );
    assert!(
        r.findings.iter().all(|f| f.code != "DO201"),
        "{:?}",
        r.findings
    );
}

#[test]
fn config_file_is_found_walking_up_and_applies() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let sub = dir.path().join("svc/api");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.path().join(".dockopt.toml"), "ignore = [\"DO4\"]\n[severity]\nDO201 = \"error\"\n[per-file-ignores]\n\"svc/api/*\" = [\"DO202\"]\n").unwrap_or_else(|e| panic!("{e}"));
    let df = sub.join("Dockerfile");
    std::fs::write(
        &df,
        "FROM debian:12-slim\nRUN apt-get update && apt-get install -y curl\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings::discover(&df).unwrap_or_else(|e| panic!("{e}"));
    let r = check_dockerfile(
        &df,
        "Dockerfile",
        &std::fs::read_to_string(&df).unwrap_or_default(),
        &settings,
        &CheckOptions::default(),
    );
    let codes: Vec<(&str, &str)> = r
        .findings
        .iter()
        .map(|f| (f.code, f.severity.as_str()))
        .collect();
    assert!(codes.contains(&("DO201", "error")), "{codes:?}");
    assert!(
        !codes
            .iter()
            .any(|(c, _)| c.starts_with("DO4") || *c == "DO202"),
        "{codes:?}"
    );
}

/// `check` on `text` as ./Dockerfile, default settings, no context.
fn check_text(text: &str) -> FileReport {
    check_dockerfile(
        Path::new("Dockerfile"),
        "Dockerfile",
        text,
        &Settings::default(),
        &CheckOptions::default(),
    )
}

/// Findings of the RUN (line 2 on) of `FROM … \n RUN …`, by code.
fn run_codes(run: &str) -> Vec<&'static str> {
    let text = format!("FROM debian:12-slim\n{run}\n");
    let r = check_text(&text);
    assert!(r.error.is_none(), "{:?}", r.error);
    let mut v: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.start.line >= 2)
        .map(|f| f.code)
        .collect();
    v.sort();
    v.dedup();
    v
}

/// DO203 flags each `pip install` of a RUN at its own command (one finding
/// per RUN let `fix` add one flag per round), the fixed ones not at all.
#[test]
fn pip_cache_left_flags_each_install() {
    let text = "FROM python:3.12-slim\nRUN pip install a && pip install --no-cache b && pip3 install c && python -m pip install d\n";
    let r = check_text(text);
    let at: Vec<usize> = r
        .findings
        .iter()
        .filter(|f| f.code == "DO203")
        .map(|f| f.start.column)
        .collect();
    let col = |needle: &str| text.lines().nth(1).unwrap().find(needle).unwrap() + 1;
    assert_eq!(
        at,
        [
            col("pip install a"),
            col("pip3 install"),
            col("python -m pip install d")
        ]
    );
}

/// DO201/DO203/DO204 put each finding on its command's own words: finding
/// the spelling in the text put DO201 on an `apt-get install` quoted inside
/// `sh -c "…"` while the fix changed `apt-get -y install` before it.
#[test]
fn install_findings_sit_on_their_own_command() {
    let text = "FROM python:3.12-alpine\nRUN apt-get -y install a && sh -c \"apt-get install -y d\" && apk   add b && python -m  pip install c\n";
    let r = check_text(text);
    let line = text.lines().nth(1).unwrap();
    let at = |code: &str| -> Vec<(usize, usize)> {
        r.findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| (f.start.column, f.end.column))
            .collect()
    };
    let span = |from: &str, to: &str| {
        let s = line.find(from).unwrap();
        (s + 1, s + line[s..].find(to).unwrap() + to.len() + 1)
    };
    assert_eq!(at("DO201"), [span("apt-get -y", "install")]);
    assert_eq!(at("DO204"), [span("apk", "add")]);
    assert_eq!(at("DO203"), [span("python -m", "install")]);

    // the same for `apt-get update` (DO202, DO104) and npm's install (DO205)
    let text = "FROM node:20\nRUN echo 'apt-get update' && apt-get -q update && apt-get install -y a\nRUN echo 'apt-get update' && apt-get -q update\nRUN echo 'npm ci' && npm  ci\n";
    let r = check_text(text);
    let at = |code: &str| -> Vec<(usize, usize, usize)> {
        r.findings
            .iter()
            .filter(|f| f.code == code)
            .map(|f| (f.start.line, f.start.column, f.end.column))
            .collect()
    };
    let span = |n: usize, from: &str, to: &str| {
        let line = text.lines().nth(n - 1).unwrap();
        let s = line.find(from).unwrap();
        (n, s + 1, s + line[s..].find(to).unwrap() + to.len() + 1)
    };
    assert_eq!(
        at("DO202"),
        [
            span(2, "apt-get -q", "update"),
            span(3, "apt-get -q", "update")
        ]
    );
    assert_eq!(at("DO104"), [span(3, "apt-get -q", "update")]);
    assert_eq!(at("DO205"), [span(4, "npm  ci", "ci")]);
}

/// Rules read RUNs through the one shell model: wrappers are peeled the same
/// way everywhere, quoting follows POSIX, `$(…)` holds real commands, and
/// lines with no program or no parse give no false findings.
#[test]
fn rules_read_runs_through_the_shell_model() {
    // Wrappers: the install under `sudo` or `env X=1` is still the install.
    assert!(run_codes("RUN sudo pip install flask").contains(&"DO203"));
    assert!(run_codes("RUN sudo pip install flask").contains(&"DO405"));
    assert!(run_codes("RUN env NODE_ENV=production npm ci").contains(&"DO205"));
    assert!(run_codes("RUN sudo -E apt-get install -y curl").contains(&"DO201"));
    // Backslashes in double quotes follow POSIX: `\d` keeps its backslash,
    // `\"` does not; the package name the rule reports is the shell's.
    let text = "FROM debian:12-slim\nRUN apt-get install -y --no-install-recommends \"lib\\\"x\" \"a\\b\"\n";
    let r = check_text(text);
    let unpinned = r.findings.iter().find(|f| f.code == "DO403").unwrap();
    assert!(
        unpinned.message.ends_with("lib\"x, a\\b"),
        "{}",
        unpinned.message
    );
    // No program, or a wrapper alone: nothing to report, nothing to panic on.
    assert_eq!(run_codes("RUN env"), Vec::<&str>::new());
    assert_eq!(run_codes("RUN X=1"), Vec::<&str>::new());
    assert_eq!(run_codes("RUN X=1 && rm -rf /tmp/x"), Vec::<&str>::new());
    // A word with an expansion is shown as written, and found where it is.
    let text = "FROM debian:12-slim\nRUN make && \\\n  cd \"$GOPATH/src\" && make\n";
    let r = check_text(text);
    let cd = r.findings.iter().find(|f| f.code == "DO410").unwrap();
    assert_eq!(
        cd.message,
        "`cd $GOPATH/src` in RUN: use WORKDIR $GOPATH/src"
    );
    // `apk add --no-network` fetches no index: nothing is left to clean.
    assert!(
        !run_codes("RUN find / | xargs apk add --no-network --virtual .rundeps").contains(&"DO204")
    );
    assert!(run_codes("RUN find / | xargs apk add --virtual .rundeps").contains(&"DO204"));
    // Commands inside `$(…)` are commands.
    assert!(run_codes("RUN X=$(curl -fsSL https://x.sh | sh)").contains(&"DO303"));
    assert!(run_codes("RUN echo $(apt-get install -y curl)").contains(&"DO201"));
    // …but a `cd` there only shapes the substitution's output: no WORKDIR advice.
    assert!(!run_codes("RUN D=$(cd /tmp && pwd) && echo $D").contains(&"DO410"));
    // A comment inside the script is not a command.
    assert_eq!(
        run_codes("RUN echo ok # apt-get install -y curl"),
        Vec::<&str>::new()
    );
    // A script that does not parse is unknown: no finding rather than a false one.
    assert_eq!(
        run_codes("RUN apt-get install curl 'unclosed"),
        Vec::<&str>::new()
    );
    // Under a non-POSIX SHELL the line is not read as sh.
    let text = "FROM debian:12-slim\nSHELL [\"pwsh\", \"-Command\"]\nRUN apt-get install curl | Out-Null\n";
    let r = check_text(text);
    let on_run: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.start.line == 3)
        .map(|f| f.code)
        .collect();
    assert!(on_run.is_empty(), "{on_run:?}");
}

/// A here-document fed to a shell is a script: its commands are read; one fed
/// to another interpreter is not.
#[test]
fn heredoc_fed_to_a_shell_is_read() {
    assert!(run_codes("RUN bash <<EOF\napt-get install -y curl\nEOF").contains(&"DO201"));
    assert!(!run_codes("RUN python3 <<EOF\napt-get install -y curl\nEOF").contains(&"DO201"));
    assert!(run_codes("RUN <<EOF\napt-get install -y curl\nEOF").contains(&"DO201"));
}

#[test]
fn build_tools_in_development_images_are_not_findings() {
    // DO207: a file named for development ships nowhere (dev containers,
    // `Dockerfile.dev`, `Dockerfile.tests`); the same text elsewhere does.
    let text = "FROM debian:12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential && rm -rf /var/lib/apt/lists/*\nRUN make\n";
    let settings = Settings::default().with_cli(&["DO207".to_string()], &[]);
    let count = |name: &str| {
        check_dockerfile(
            Path::new(name),
            name,
            text,
            &settings,
            &CheckOptions::default(),
        )
        .findings
        .len()
    };
    for dev in [
        ".devcontainer/Dockerfile",
        "Dockerfile.dev",
        "docker/test/Dockerfile",
        "Dockerfile.tests",
    ] {
        assert_eq!(count(dev), 0, "{dev}");
    }
    for shipped in ["Dockerfile", "Dockerfile.prod", "devops/Dockerfile"] {
        assert_eq!(count(shipped), 1, "{shipped}");
    }
}

#[test]
fn a_dockerfile_only_compose_builds_with_the_source_mounted_is_a_development_image() {
    // shlink's data/infra/php.Dockerfile: built only by a compose service that
    // bind-mounts the project over it. The main Dockerfile is never exempt.
    let d = tempfile::tempdir().unwrap();
    let r = d.path();
    std::fs::create_dir_all(r.join("infra")).unwrap();
    let text = "FROM php:8.3-fpm-alpine\nRUN apk add --no-cache icu-dev && docker-php-ext-install intl\nWORKDIR /app\n";
    std::fs::write(r.join("infra/php.Dockerfile"), text).unwrap();
    std::fs::write(r.join("Dockerfile"), text).unwrap();
    let compose = |volumes: &str| {
        format!("services:\n  php:\n    build:\n      context: .\n      dockerfile: ./infra/php.Dockerfile\n{volumes}  web:\n    build: .\n    volumes:\n      - .:/app\n")
    };
    let settings = Settings::default().with_cli(&["DO207".to_string(), "DO301".to_string()], &[]);
    let opts = CheckOptions {
        label: None,
        measure_context: true,
        extras: false,
        context: None,
    };
    let count = |rel: &str| {
        let p = r.join(rel);
        check_dockerfile(&p, rel, text, &settings, &opts)
            .findings
            .len()
    };
    std::fs::write(
        r.join("compose.yaml"),
        compose("    volumes:\n      - ./:/app\n"),
    )
    .unwrap();
    assert_eq!(count("infra/php.Dockerfile"), 0);
    assert_eq!(count("Dockerfile"), 2, "the main Dockerfile ships");
    // without the bind mount the compose image may be what runs
    std::fs::write(r.join("compose.yaml"), compose("")).unwrap();
    assert_eq!(count("infra/php.Dockerfile"), 2);
}

/// DO503: `docker stack deploy` ignores `restart:` (a swarm restarts every
/// task by default). A file is a stack's when it, or a compose file beside
/// it defining one of its services, holds what only a swarm runs; a sibling
/// about other services, or `deploy.replicas` (Compose honours it too), does
/// not make it one.
#[test]
fn swarm_stacks_need_no_restart_policy() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = dir.path();
    let settings = Settings::default().with_cli(&["DO503".to_string()], &[]);
    let count = |text: &str, sibling: Option<&str>| {
        let _ = std::fs::remove_file(r.join("compose.prod.yaml"));
        if let Some(s) = sibling {
            std::fs::write(r.join("compose.prod.yaml"), s).unwrap_or_else(|e| panic!("{e}"));
        }
        let f = r.join("compose.yaml");
        std::fs::write(&f, text).unwrap_or_else(|e| panic!("{e}"));
        check_compose_file(&f, "compose.yaml", text, &settings)
            .findings
            .len()
    };
    let base = "services:\n  web:\n    image: web:1\n";
    assert_eq!(count(base, None), 1);
    let external = "services:\n  web:\n    secrets: [pw]\nsecrets:\n  pw:\n    external: true\n";
    assert_eq!(count(base, Some(external)), 0, "a stack's base file");
    let elsewhere = external.replace("  web:", "  other:");
    assert_eq!(
        count(base, Some(&elsewhere)),
        1,
        "a sibling about other services"
    );
    for own in [
        "networks:\n  net:\n    driver: overlay\n",
        "    deploy:\n      placement:\n        constraints: [node.role == manager]\n",
        "    deploy:\n      mode: global\n",
        "    deploy:\n      update_config:\n        parallelism: 1\n",
        "configs:\n  c:\n    external: true\n",
    ] {
        assert_eq!(count(&format!("{base}{own}"), None), 0, "{own}");
    }
    assert_eq!(
        count(&format!("{base}    deploy:\n      replicas: 2\n"), None),
        1,
        "Compose honours replicas"
    );
}

/// DO301 (and every rule that spares development and test images): a
/// Dockerfile in a folder of tests further up (`test/telemetry/Dockerfile`,
/// opentelemetry-demo) is a test image. Inside a repository only folders
/// below its root count; outside one, only the folder above the Dockerfile's.
#[test]
fn a_test_folder_above_marks_a_test_image() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let r = dir.path();
    let settings = Settings::default().with_cli(&["DO301".to_string()], &[]);
    let text = "FROM python:3.12-alpine\nCOPY . /tests\nENTRYPOINT [\"pytest\"]\n";
    let count = |rel: &str| {
        let f = r.join(rel);
        std::fs::create_dir_all(f.parent().unwrap_or(r)).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&f, text).unwrap_or_else(|e| panic!("{e}"));
        let name = f.display().to_string();
        check_dockerfile(&f, &name, text, &settings, &CheckOptions::default())
            .findings
            .len()
    };
    assert_eq!(count("plain/test/telemetry/Dockerfile"), 0);
    assert_eq!(count("plain/src/telemetry/Dockerfile"), 1);
    // In a repository: any folder below its root.
    std::fs::create_dir_all(r.join("repo/.git")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count("repo/e2e/suites/api/Dockerfile"), 0);
    assert_eq!(count("repo/services/api/Dockerfile"), 1);
    // A repository checked out under a `tests/` folder is not a test image.
    std::fs::create_dir_all(r.join("tests/app/.git")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count("tests/app/api/Dockerfile"), 1);
}

/// A compose file's folder marks it for development or CI (redash's
/// `.ci/compose.cypress.yaml`) however its path is given, but a
/// repository's own folder (a checkout named `test-app`) does not.
#[test]
fn a_compose_files_folder_marks_it_for_ci_but_not_the_repository_root() {
    let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
    let settings = Settings::default().with_cli(&["DO503".to_string()], &[]);
    let text = "services:\n  web:\n    image: web:1\n";
    let count = |rel: &str| {
        let f = dir.path().join(rel);
        std::fs::create_dir_all(f.parent().unwrap_or(dir.path())).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(&f, text).unwrap_or_else(|e| panic!("{e}"));
        check_compose_file(&f, rel, text, &settings).findings.len()
    };
    assert_eq!(count("app/.ci/compose.yaml"), 0);
    assert_eq!(count("app/deploy/compose.yaml"), 1);
    std::fs::create_dir_all(dir.path().join("test-app/.git")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(count("test-app/compose.yaml"), 1);
}

/// `code`'s findings in `text`: line, message, whether it carries edits.
fn findings(text: &str, code: &str) -> Vec<(usize, String, bool)> {
    let r = check_text(text);
    r.findings
        .iter()
        .filter(|f| f.code == code)
        .map(|f| {
            (
                f.start.line,
                f.message.clone(),
                f.fix.as_ref().is_some_and(|x| !x.edits.is_empty()),
            )
        })
        .collect()
}

/// DO202/DO204 do not ask to delete an index that a later RUN (in the
/// stage or one built on it) reads without refreshing it: the finding names
/// that RUN and carries no edit.
#[test]
fn an_index_a_later_run_reads_is_named_and_not_fixed_here() {
    let apt = "FROM debian:12 AS base\nRUN apt-get update && apt-get install -y curl\n";
    let plain = "apt package lists stay in this layer: delete /var/lib/apt/lists in the same RUN";
    assert_eq!(findings(apt, "DO202"), [(2, plain.into(), true)]);
    for later in [
        "RUN apt-get install -y git\n",
        "FROM base\nRUN apt-cache policy git\n",
    ] {
        let got = findings(&format!("{apt}{later}"), "DO202");
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(
            got[0].1.contains("the RUN on line 4") || got[0].1.contains("the RUN on line 3"),
            "{got:?}"
        );
        assert!(!got[0].2, "no edit: {got:?}");
    }
    // A lone update read by the install below it: deleting the lists there
    // would break that install (a precision review of the shared corpus).
    let lone = "FROM debian:12\nRUN apt-get update\nRUN apt-get install -y git\n";
    let got = findings(lone, "DO202");
    assert!(
        got.len() == 1 && got[0].1.contains("the RUN on line 3") && !got[0].2,
        "{got:?}"
    );
    let refreshed = format!("{apt}RUN rm -rf /var/lib/apt/lists/*\nRUN apt-get install -y git\n");
    assert_eq!(findings(&refreshed, "DO202"), [(2, plain.into(), true)]);
    let apk = "FROM alpine:3.19\nRUN apk add -U curl\n";
    let got = findings(&format!("{apk}RUN apk upgrade\n"), "DO204");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0].1.contains("the RUN on line 3 reads it") && !got[0].2,
        "{got:?}"
    );
    let got = findings(&format!("{apk}RUN apk add --no-cache git\n"), "DO204");
    assert!(got.len() == 1 && got[0].2, "{got:?}");
}

/// DO413 names what the image runs, not "Python image", when the base is
/// not a Python image.
#[test]
fn do413_names_the_pip_install_on_a_non_python_base() {
    let r = check_text("FROM debian:12\nRUN apt-get update && apt-get install -y python3-pip && pip install flask\nCMD [\"flask\", \"run\"]\n");
    let msgs: Vec<&str> = r
        .findings
        .iter()
        .filter(|f| f.code == "DO413")
        .map(|f| f.message.as_str())
        .collect();
    assert!(!msgs.is_empty(), "{:?}", r.findings);
    assert!(
        msgs.iter().all(|m| m.contains("runs `pip install`")),
        "{msgs:?}"
    );
}
