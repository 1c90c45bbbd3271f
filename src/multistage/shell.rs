//! RUN commands split into simple commands and classified by what they do.
//! A command the classifier does not know is a refusal: it could write
//! anywhere, so the converter cannot say what the runtime needs from it.

use crate::shell::{self, Command, CompoundKind, Connector, RedirOp, Script, SimpleCommand};

/// One simple command of a RUN line (`a && b; c` gives three).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    /// The command as written (trimmed).
    pub text: String,
    /// The program's base name then its arguments, unquoted; wrappers
    /// (`sudo`, `env X=1`) and leading `VAR=value` assignments peeled.
    pub words: Vec<String>,
    pub kind: CmdKind,
    /// The program word as written (`/opt/venv/bin/pip`, `python3`): which
    /// file runs depends on it and on PATH.
    pub program: String,
    /// The command's own `NAME=value` prefix (and `env NAME=value`).
    pub env: Vec<(String, String)>,
}

impl Cmd {
    /// A variable of the command's own environment.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CmdKind {
    AptUpdate,
    /// `apt-get install`: the package names (versions stripped).
    AptInstall(Vec<String>),
    /// Cleanup, upgrade, `rm -rf /var/lib/apt/lists/*`: builder only.
    AptHousekeeping,
    ApkAdd(Vec<String>),
    ApkHousekeeping,
    Pip(PipInstall),
    /// `npm ci`, `npm install` (no package names), `yarn [install]`, `pnpm install`.
    NodeInstall(NodeTool),
    /// `npm run X`, `yarn X`, `pnpm [--filter F] X`, `npx …`.
    NodeBuild(NodeTool),
    /// `npm install -g X`, `corepack enable`: tools the runtime may need too.
    NodeGlobal,
    /// `go build`; the `-o` output if given.
    GoBuild(Option<String>),
    /// `go mod download`, `go test`, `go vet`, `go generate`, `go get`.
    GoOther,
    /// `cargo build|fetch|test|install`: `true` for `cargo install`.
    Cargo {
        install: bool,
    },
    /// `mvn`, `./mvnw`, `gradle`, `./gradlew`.
    Java,
    /// `dotnet restore|build|test|publish`; the publish output if given.
    Dotnet {
        publish: bool,
        output: Option<String>,
    },
    /// `curl`/`wget` without a pipe: a download for the build.
    Fetch,
    /// `chmod`, `chown`, `mkdir`, `ln`, `useradd`…: replayed in the runtime.
    Replay,
    /// `python -m venv [opts] DIR`: a virtual environment at DIR (as written).
    Venv(String),
    /// poetry, uv or pipenv; `install` when the subcommand installs the
    /// project's dependencies (`poetry install|sync`, `uv sync`,
    /// `pipenv install|sync`); `poetry config` and `--version` otherwise.
    PyTool {
        tool: PyTool,
        install: bool,
    },
    /// `bundle install` (`true`) or another bundler command (`bundle config …`).
    Bundle {
        install: bool,
    },
    /// `gem install bundler …`: the installer, needed in the builder only.
    GemBundler,
    /// `composer install` or `composer dump-autoload` (they write vendor/;
    /// `install: true` for the install), with its arguments.
    Composer {
        install: bool,
    },
    /// `docker-php-ext-install|configure|enable`, `pecl install`: PHP
    /// extensions compiled into the image, which the runtime needs.
    PhpExt,
    /// `make [TARGET]` (no `-C`, `-f` or variables on the command line): what
    /// it runs is the Makefile's recipe, read by `effects::makefile`.
    Make(Option<String>),
    /// `rm` of paths other than caches and package lists (the paths).
    Remove(Vec<String>),
    /// `cd DIR`.
    Cd(String),
    /// `set -e`, `true`, `echo …`: nothing written.
    Noop,
}

impl CmdKind {
    /// Steps every ecosystem's builder replays as written: system packages,
    /// downloads and no-ops (one list, not one per ecosystem).
    pub fn is_shared_setup(&self) -> bool {
        matches!(
            self,
            CmdKind::AptUpdate
                | CmdKind::AptInstall(_)
                | CmdKind::AptHousekeeping
                | CmdKind::ApkAdd(_)
                | CmdKind::ApkHousekeeping
                | CmdKind::Fetch
                | CmdKind::Replay
                | CmdKind::Noop
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PyTool {
    Poetry,
    Uv,
    Pipenv,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeTool {
    Npm,
    Yarn,
    Pnpm,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PipInstall {
    /// `-r FILE` arguments.
    pub requirements: Vec<String>,
    /// Package specifiers named on the command line.
    pub packages: Vec<String>,
    /// Only `pip install --upgrade pip|setuptools|wheel`.
    pub tooling_only: bool,
    /// `-e`, `.` or another local path: the source tree is installed.
    pub local: bool,
}

/// Why a RUN step could not be classified: the message names the command
/// as written, `kind` only what blocks it (`go install`, `a pipe or `||``),
/// for counting refusals across files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unclassified {
    pub message: String,
    pub kind: String,
}

impl Unclassified {
    fn new(message: String, kind: impl Into<String>) -> Self {
        Unclassified {
            message,
            kind: kind.into(),
        }
    }

    /// An unknown command: its kind is the program and, for a tool with
    /// subcommands, the subcommand (`go install`, `pipenv install`).
    fn command(raw: &str, words: Option<&[String]>) -> Self {
        let word = |w: &str| {
            w.starts_with(|c: char| c.is_ascii_lowercase())
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-' || c == ':')
        };
        let kind = match words {
            Some([p, m, module, ..]) if p.starts_with("python") && m == "-m" => {
                format!("unknown command `python -m {module}`")
            }
            Some([p, sub, ..]) if word(sub) => format!("unknown command `{p} {sub}`"),
            Some([p, ..]) => format!("unknown command `{p}`"),
            _ => "a program named by an expansion".to_string(),
        };
        Unclassified::new(format!("cannot classify `{}`", short(raw)), kind)
    }
}

impl std::fmt::Display for Unclassified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::ops::Deref for Unclassified {
    type Target = str;
    fn deref(&self) -> &str {
        &self.message
    }
}

/// Classifies every command of a shell-form RUN; `Err` names the first
/// construct or command it cannot. `||`, pipes, subshells, command
/// substitutions, compound commands, background jobs and redirections
/// that read or write a file are refusals: the converter could not say
/// what such a line leaves behind.
pub fn classify_run(text: &str) -> Result<Vec<Cmd>, Unclassified> {
    let script = shell::parse(text, 0).map_err(|e| {
        Unclassified::new(
            format!(
                "`{}` does not parse as a shell script: {} at byte {} of the command",
                short(text),
                e.message,
                e.offset
            ),
            "does not parse as a shell script",
        )
    })?;
    classify_script(&script, text)
}

/// Classifies exec-form RUN arguments: `["sh", "-c", "…"]` is its script,
/// any other argv one command.
pub fn classify_exec(argv: &[String]) -> Result<Vec<Cmd>, Unclassified> {
    let script = shell::from_argv(argv).map_err(|e| {
        Unclassified::new(
            format!(
                "`{}` does not parse as a shell script: {e}",
                short(&argv.join(" "))
            ),
            "does not parse as a shell script",
        )
    })?;
    let sh_c = argv
        .iter()
        .position(|a| a == "-c")
        .filter(|&c| shell::is_posix_shell(&argv[..=c]));
    if let Some(text) = sh_c.and_then(|c| argv.get(c + 1)) {
        // `sh -c SCRIPT`: spans point into the script string.
        return classify_script(&script, text);
    }
    let joined = argv.join(" ");
    let Some(c) = script.simple_commands().into_iter().next() else {
        return Ok(Vec::new());
    };
    match classify_simple(c) {
        Some((words, kind)) => Ok(vec![Cmd {
            text: joined,
            words,
            kind,
            program: program_of(c),
            env: env_of(c),
        }]),
        None => Err(Unclassified::command(&joined, words_of(c).as_deref())),
    }
}

/// `text` is the string the script's spans index.
fn classify_script(script: &Script, text: &str) -> Result<Vec<Cmd>, Unclassified> {
    if let Some((_, why)) = first_refusal(script) {
        return Err(Unclassified::new(
            format!("`{}` uses {why}", short(text)),
            format!("uses {why}"),
        ));
    }
    let mut out = Vec::new();
    for (c, _) in shell::commands(script) {
        let raw = text
            .get(c.span.start..c.span.end)
            .unwrap_or_default()
            .trim()
            .to_string();
        match classify_simple(c) {
            Some((words, kind)) => out.push(Cmd {
                text: raw,
                words,
                kind,
                program: program_of(c),
                env: env_of(c),
            }),
            None => return Err(Unclassified::command(&raw, words_of(c).as_deref())),
        }
    }
    Ok(out)
}

/// The earliest construct (by offset) the converter does not follow, with
/// how a refusal names it. Only plain `&&`/`;`/newline lists of simple
/// commands pass.
fn first_refusal(script: &Script) -> Option<(usize, &'static str)> {
    let mut found: Vec<(usize, &'static str)> = Vec::new();
    for item in &script.items {
        let ao = &item.and_or;
        if item.background {
            found.push((
                ao.pipelines().last().map_or(item.span.end, |p| p.span.end),
                "a background job",
            ));
        }
        for (conn, pl) in &ao.rest {
            if *conn == Connector::Or {
                found.push((pl.span.start.saturating_sub(1), "a pipe or `||`"));
            }
        }
        for pl in ao.pipelines() {
            if pl.commands.len() > 1 {
                found.push((pl.commands[0].span().end, "a pipe or `||`"));
            }
            if pl.negated {
                found.push((pl.span.start, "a negated pipeline (`!`)"));
            }
            for c in &pl.commands {
                match c {
                    Command::Simple(s) => simple_refusals(s, &mut found),
                    Command::Compound(cp) => found.push((
                        cp.span.start,
                        match cp.kind {
                            CompoundKind::Subshell(_) => "a subshell or command substitution",
                            _ => "a compound command (`if`, `for`, `while`, `case`, `{ … }`)",
                        },
                    )),
                    Command::Function { span, .. } => {
                        found.push((span.start, "a function definition"))
                    }
                }
            }
        }
    }
    found.into_iter().min_by_key(|(at, _)| *at)
}

fn simple_refusals(s: &SimpleCommand, found: &mut Vec<(usize, &'static str)>) {
    let words = s.assignments.iter().map(|a| &a.value).chain(&s.words);
    for w in words.chain(s.redirects.iter().map(|r| &r.target)) {
        if !w.substitutions().is_empty() {
            found.push((w.span.start, "a command substitution"));
        }
    }
    let config_write = writes_system_config(s);
    for r in &s.redirects {
        // Descriptor duplication and /dev/null touch no file of the image.
        let harmless = r.is_fd_dup()
            || (r.file().as_deref() == Some("/dev/null")
                && !matches!(r.op, RedirOp::HereDoc { .. } | RedirOp::HereString))
            || config_write;
        if !harmless {
            found.push((r.span.start, "a redirection"));
        }
    }
}

/// System configuration directories: a file written there with literal
/// text is the same in the builder and the runtime, so the runtime replays
/// the write (`echo "extension=x" > /usr/local/etc/php/conf.d/x.ini`).
const CONFIG_DIRS: &[&str] = &["/etc/", "/usr/local/etc/"];

/// `echo`/`printf` with literal words only, whose redirections all write
/// (`>`, `>>`) literal files under [`CONFIG_DIRS`]: a replayable config write.
fn writes_system_config(s: &SimpleCommand) -> bool {
    let Some(inv) = s.invocation() else {
        return false;
    };
    matches!(inv.program.as_str(), "echo" | "printf")
        && !s.redirects.is_empty()
        && s.words.iter().all(|w| w.literal().is_some())
        && s.redirects.iter().all(|r| {
            matches!(r.op, RedirOp::Out | RedirOp::Append)
                && r.fd.is_none_or(|fd| fd == 1)
                && r.file().is_some_and(|f| {
                    CONFIG_DIRS.iter().any(|d| f.starts_with(d)) && !f.contains("..")
                })
        })
}

/// The command's words (program base name, then its arguments; wrappers
/// and assignments peeled) and what it does; None when unknown. A command
/// of assignments only (`X=1`) does nothing the runtime needs.
fn classify_simple(c: &SimpleCommand) -> Option<(Vec<String>, CmdKind)> {
    let Some(inv) = c.invocation() else {
        return Some((Vec::new(), CmdKind::Noop));
    };
    if inv.program.is_empty() {
        // `$CMD args`: the program is only known at run time.
        return None;
    }
    let words: Vec<String> = std::iter::once(inv.program.clone())
        .chain(inv.lossy())
        .collect();
    // pip in any spelling (`pip3.11`, `python3 -m pip`), read as the rules read it.
    if inv.is_pip() {
        let args = inv.pip_install_args()?;
        let install: Vec<String> = std::iter::once("install".to_string())
            .chain(shell::tools::lossy(args))
            .collect();
        let kind = pip(&install)?;
        return Some((words, kind));
    }
    if writes_system_config(c) {
        return Some((words, CmdKind::Replay));
    }
    let kind = classify(&words)?;
    Some((words, kind))
}

/// The program word as written (empty for a command of assignments only).
fn program_of(c: &SimpleCommand) -> String {
    c.invocation()
        .map(|i| i.program_word.lossy())
        .unwrap_or_default()
}

/// The command's own literal environment (`X=1 cmd`, `env X=1 cmd`).
fn env_of(c: &SimpleCommand) -> Vec<(String, String)> {
    c.invocation()
        .map(|i| {
            i.env
                .iter()
                .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// The program's base name and its arguments (None: named by an expansion).
fn words_of(c: &SimpleCommand) -> Option<Vec<String>> {
    let inv = c.invocation()?;
    if inv.program.is_empty() {
        return None;
    }
    Some(
        std::iter::once(inv.program.clone())
            .chain(inv.lossy())
            .collect(),
    )
}

fn is_assignment(w: &str) -> bool {
    match w.split_once('=') {
        Some((k, _)) => {
            !k.is_empty()
                && k.chars().all(|c| c == '_' || c.is_ascii_alphanumeric())
                && !k.starts_with(|c: char| c.is_ascii_digit())
        }
        None => false,
    }
}

fn short(s: &str) -> String {
    let one = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if one.chars().count() > 80 {
        format!("{}…", one.chars().take(80).collect::<String>())
    } else {
        one
    }
}

fn base(cmd: &str) -> &str {
    cmd.rsplit('/').next().unwrap_or(cmd)
}

fn classify(words: &[String]) -> Option<CmdKind> {
    let (cmd, args) = match words.split_first() {
        Some((c, a)) => (c.as_str(), a),
        None => ("", &[][..]),
    };
    let positional: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let sub = positional.first().copied().unwrap_or("");
    Some(match base(cmd) {
        "" => CmdKind::Noop,
        "apt-get" | "apt" => match sub {
            "update" => CmdKind::AptUpdate,
            "install" => CmdKind::AptInstall(packages(&positional[1..])),
            "clean" | "autoclean" | "autoremove" | "upgrade" | "dist-upgrade" | "purge"
            | "remove" => CmdKind::AptHousekeeping,
            _ => return None,
        },
        "apk" => match sub {
            "add" => CmdKind::ApkAdd(apk_packages(args)),
            "update" | "upgrade" | "del" | "cache" => CmdKind::ApkHousekeeping,
            _ => return None,
        },
        "rm" if args.iter().all(|a| {
            a.starts_with('-')
                || a.starts_with("/var/lib/apt/lists")
                || a.starts_with("/var/cache/")
                || a.starts_with("/tmp/")
                || a.starts_with("/var/tmp/")
                || a.starts_with("/root/.cache")
        }) =>
        {
            CmdKind::AptHousekeeping
        }
        "rm" => CmdKind::Remove(positional.iter().map(|p| p.to_string()).collect()),
        p if p.starts_with("python") && args.first().is_some_and(|a| a == "-m") => {
            match args.get(1).map(String::as_str) {
                Some("venv") => {
                    let dirs: Vec<&String> =
                        args[2..].iter().filter(|a| !a.starts_with('-')).collect();
                    match dirs.as_slice() {
                        [d] => CmdKind::Venv(d.to_string()),
                        _ => return None,
                    }
                }
                _ => return None,
            }
        }
        "poetry" => match sub {
            "install" | "sync" => CmdKind::PyTool {
                tool: PyTool::Poetry,
                install: true,
            },
            "config" if positional.len() == 3 || positional.len() == 2 => CmdKind::PyTool {
                tool: PyTool::Poetry,
                install: false,
            },
            "" if args.iter().any(|a| a == "--version" || a == "-V") => CmdKind::Noop,
            _ => return None,
        },
        "bundle" | "bundler" => match sub {
            "install" if positional.len() == 1 => CmdKind::Bundle { install: true },
            "config" => CmdKind::Bundle { install: false },
            "" if args.iter().any(|a| a == "--version" || a == "-v") => CmdKind::Noop,
            _ => return None,
        },
        "gem" if sub == "install" && positional.get(1) == Some(&"bundler") => {
            // `gem install bundler [-v X]`: the version is the only other word.
            let rest: Vec<&String> = args
                .iter()
                .filter(|a| !a.starts_with('-') && *a != "install" && *a != "bundler")
                .collect();
            if rest.len() > 1 {
                return None;
            }
            CmdKind::GemBundler
        }
        "composer" => match sub {
            "install" if positional.len() == 1 => CmdKind::Composer { install: true },
            "dump-autoload" | "dumpautoload" if positional.len() == 1 => {
                CmdKind::Composer { install: false }
            }
            "" if args.iter().any(|a| a == "--version" || a == "-V") => CmdKind::Noop,
            _ => return None,
        },
        "docker-php-ext-install" | "docker-php-ext-configure" | "docker-php-ext-enable" => {
            CmdKind::PhpExt
        }
        "pecl" if sub == "install" => CmdKind::PhpExt,
        "make" | "gmake" => {
            // -j/-s/--no-print-directory change nothing written; -C/-f/-e and
            // command-line variables change which recipe runs.
            let plain = |a: &String| {
                a.starts_with("-j")
                    || matches!(a.as_str(), "-s" | "--silent" | "--no-print-directory")
            };
            if args.iter().any(|a| a.starts_with('-') && !plain(a))
                || args.iter().any(|a| a.contains('='))
            {
                return None;
            }
            let targets: Vec<&String> = args.iter().filter(|a| !a.starts_with('-')).collect();
            match targets.as_slice() {
                [] => CmdKind::Make(None),
                [t] => CmdKind::Make(Some(t.to_string())),
                _ => return None,
            }
        }
        "uv" => match sub {
            "sync" => CmdKind::PyTool {
                tool: PyTool::Uv,
                install: true,
            },
            "" if args.iter().any(|a| a == "--version" || a == "-V") => CmdKind::Noop,
            _ => return None,
        },
        "pipenv" => match sub {
            "install" | "sync" if positional.len() == 1 => CmdKind::PyTool {
                tool: PyTool::Pipenv,
                install: true,
            },
            "" if args.iter().any(|a| a == "--version") => CmdKind::Noop,
            _ => return None,
        },
        "npm" => match sub {
            "ci" => CmdKind::NodeInstall(NodeTool::Npm),
            "install" | "i" if args.iter().any(|a| a == "-g" || a == "--global") => {
                CmdKind::NodeGlobal
            }
            "install" | "i" if positional.len() == 1 => CmdKind::NodeInstall(NodeTool::Npm),
            "run" | "run-script" | "test" => CmdKind::NodeBuild(NodeTool::Npm),
            "cache" => CmdKind::Noop,
            _ => return None,
        },
        "npx" => CmdKind::NodeBuild(NodeTool::Npm),
        "corepack" => CmdKind::NodeGlobal,
        "yarn" => match sub {
            "" | "install" => CmdKind::NodeInstall(NodeTool::Yarn),
            "cache" => CmdKind::Noop,
            "global" | "add" | "remove" | "upgrade" => return None,
            _ => CmdKind::NodeBuild(NodeTool::Yarn),
        },
        "pnpm" => {
            let rest: Vec<&str> = pnpm_positional(args);
            match rest.first().copied().unwrap_or("") {
                "install" | "i" if rest.len() == 1 => CmdKind::NodeInstall(NodeTool::Pnpm),
                "install" | "i" | "add" | "remove" | "" => return None,
                _ => CmdKind::NodeBuild(NodeTool::Pnpm),
            }
        }
        "go" => match sub {
            "build" => CmdKind::GoBuild(flag_value(args, &["-o"])),
            "mod" | "get" | "test" | "vet" | "generate" | "version" | "env" => CmdKind::GoOther,
            _ => return None,
        },
        "cargo" => match sub {
            "build" | "fetch" | "test" | "check" => CmdKind::Cargo { install: false },
            "install" => CmdKind::Cargo { install: true },
            _ => return None,
        },
        "mvn" | "mvnw" | "gradle" | "gradlew" => CmdKind::Java,
        "dotnet" => match sub {
            "restore" | "build" | "test" => CmdKind::Dotnet {
                publish: false,
                output: None,
            },
            "publish" => CmdKind::Dotnet {
                publish: true,
                output: flag_value(args, &["-o", "--output"]),
            },
            _ => return None,
        },
        "curl" | "wget" => CmdKind::Fetch,
        "chmod" | "chown" | "chgrp" | "mkdir" | "ln" | "useradd" | "adduser" | "groupadd"
        | "addgroup" | "usermod" | "touch" => CmdKind::Replay,
        // Apache's module and site switches: links under /etc/apache2, replayed.
        "a2enmod" | "a2dismod" | "a2enconf" | "a2disconf" | "a2ensite" | "a2dissite" => {
            CmdKind::Replay
        }
        "cd" => CmdKind::Cd(positional.first().unwrap_or(&"~").to_string()),
        "set" | "true" | "echo" | ":" => CmdKind::Noop,
        "export" if args.iter().all(|a| is_assignment(a)) => CmdKind::Noop,
        _ => return None,
    })
}

fn pnpm_positional(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in args {
        if skip {
            skip = false;
            continue;
        }
        if a == "--filter" || a == "-F" || a == "-C" || a == "--dir" {
            skip = true;
        } else if !a.starts_with('-') {
            out.push(a.as_str());
        }
    }
    out
}

fn flag_value(args: &[String], names: &[&str]) -> Option<String> {
    for (i, a) in args.iter().enumerate() {
        for n in names {
            if a == n {
                return args.get(i + 1).cloned();
            }
            if let Some(v) = a.strip_prefix(&format!("{n}=")) {
                return Some(v.to_string());
            }
        }
    }
    None
}

fn packages(words: &[&str]) -> Vec<String> {
    words
        .iter()
        .map(|w| {
            w.split_once('=')
                .map(|(n, _)| n)
                .unwrap_or(w)
                .trim_end_matches(":amd64")
                .to_string()
        })
        .collect()
}

fn apk_packages(args: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut skip = false;
    for a in &args[1..] {
        if skip {
            skip = false;
            continue;
        }
        if a == "--virtual" || a == "-t" || a == "--repository" || a == "-X" {
            skip = true;
        } else if !a.starts_with('-') {
            out.push(a.split_once('=').map(|(n, _)| n).unwrap_or(a).to_string());
        }
    }
    out
}

fn pip(args: &[String]) -> Option<CmdKind> {
    if args.first().map(String::as_str) != Some("install") {
        return None;
    }
    let mut p = PipInstall::default();
    // Options read as pip reads them (prefixes, aliases, values), so an
    // option's value is never taken for a package or the source tree.
    let grammar = &crate::shell::options::PIP_INSTALL;
    let mut it = args[1..].iter().map(String::as_str);
    while let Some(a) = it.next() {
        if a == "--" {
            break;
        }
        let Some(long) = grammar.resolve(a) else {
            if grammar.is_flag_cluster(a) {
                continue;
            }
            if a.starts_with('-') {
                // An option pip does not know, or a short one written with
                // its value attached: nothing to build a plan on.
                return None;
            }
            if a == "." || a.starts_with("./") || a.starts_with('/') {
                p.local = true;
            } else {
                p.packages.push(a.to_string());
            }
            continue;
        };
        let value = match (grammar.takes_value(long), a.split_once('=')) {
            (false, _) => None,
            (true, Some((_, v))) if a.starts_with("--") => Some(v.to_string()),
            (true, _) => Some(it.next()?.to_string()),
        };
        match long {
            "--requirement" => p.requirements.push(value?),
            "--editable" => p.local = true,
            "--constraint" | "--index-url" | "--extra-index-url" | "--target" | "--prefix"
            | "--root" | "--user" | "--find-links" | "--src" => return None,
            _ => {}
        }
    }
    let tooling = ["pip", "setuptools", "wheel"];
    p.tooling_only = p.requirements.is_empty()
        && !p.local
        && !p.packages.is_empty()
        && p.packages.iter().all(|x| {
            let name = x.split(|c: char| "=<>!~[".contains(c)).next().unwrap_or("");
            tooling.contains(&name.to_ascii_lowercase().as_str())
        });
    Some(CmdKind::Pip(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(t: &str) -> Vec<CmdKind> {
        classify_run(t)
            .unwrap()
            .into_iter()
            .map(|c| c.kind)
            .collect()
    }

    #[test]
    fn apt_and_pip() {
        assert_eq!(
            kinds("apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev=13.1 && rm -rf /var/lib/apt/lists/*"),
            vec![
                CmdKind::AptUpdate,
                CmdKind::AptInstall(vec!["gcc".into(), "libpq-dev".into()]),
                CmdKind::AptHousekeeping
            ]
        );
        match &kinds("pip install --no-cache-dir -r requirements.txt")[0] {
            CmdKind::Pip(p) => assert_eq!(p.requirements, vec!["requirements.txt"]),
            k => panic!("{k:?}"),
        }
        match &kinds("python -m pip install --upgrade pip")[0] {
            CmdKind::Pip(p) => assert!(p.tooling_only),
            k => panic!("{k:?}"),
        }
        match &kinds("python3.12 -m pip install --no-cache-dir -r r.txt")[0] {
            CmdKind::Pip(p) => assert_eq!(p.requirements, vec!["r.txt"]),
            k => panic!("{k:?}"),
        }
        assert!(classify_run("pip download x").is_err());
    }

    /// pip's options are read with pip's grammar: a value is never a package
    /// (`-f wheels` made `wheels` a package to build) nor the source tree
    /// (`--find-links ./wheels` was refused as "`pip install .`").
    #[test]
    fn pip_option_values_are_not_packages() {
        for t in [
            "pip install -f wheels -r requirements.txt",
            "pip install --no-index --find-links ./wheels -r requirements.txt",
            "pip install --find-links=/wheels flask",
        ] {
            assert!(classify_run(t).is_err(), "{t}: {:?}", classify_run(t));
        }
        match &kinds("pip install --no-cache --progress-bar off -qq --requirement=r.txt gunicorn")
            [0]
        {
            CmdKind::Pip(p) => {
                assert_eq!(p.requirements, vec!["r.txt"]);
                assert_eq!(p.packages, vec!["gunicorn"]);
                assert!(!p.local);
            }
            k => panic!("{k:?}"),
        }
    }

    #[test]
    fn build_tools() {
        assert_eq!(
            kinds("CGO_ENABLED=0 GOOS=linux go build -o /out/app ./cmd/app"),
            vec![CmdKind::GoBuild(Some("/out/app".into()))]
        );
        assert_eq!(
            kinds("pnpm --filter @acme/api build"),
            vec![CmdKind::NodeBuild(NodeTool::Pnpm)]
        );
        assert_eq!(
            kinds("pnpm install --frozen-lockfile"),
            vec![CmdKind::NodeInstall(NodeTool::Pnpm)]
        );
        assert_eq!(
            kinds("dotnet publish \"A/A.csproj\" -c Release -o /app/publish"),
            vec![CmdKind::Dotnet {
                publish: true,
                output: Some("/app/publish".into())
            }]
        );
    }

    #[test]
    fn refusals() {
        assert!(classify_run("curl -sSL https://x | sh").is_err());
        assert!(classify_run("python manage.py collectstatic").is_err());
        assert!(classify_run("make -C src install").is_err());
        assert!(classify_run("make GOFLAGS=-x build").is_err());
        assert!(classify_run("echo hi > /app/motd").is_err());
        assert!(classify_run("npm install express").is_err());
        assert!(classify_run("$CMD install").is_err());
        assert!(classify_run("env")
            .unwrap_err()
            .contains("cannot classify `env`"));
    }

    fn why(t: &str) -> String {
        classify_run(t).unwrap_err().to_string()
    }

    #[test]
    fn refusals_name_the_construct_from_the_tree() {
        assert!(why("apt-get update || true").ends_with("uses a pipe or `||`"));
        assert!(why("curl -sSL https://x | sh").ends_with("uses a pipe or `||`"));
        assert!(why("(cd /x && make)").ends_with("uses a subshell or command substitution"));
        assert!(why("pip install $(cat reqs)").ends_with("uses a command substitution"));
        assert!(why("echo \"$(date)\"").ends_with("uses a command substitution"));
        assert!(why("echo hi > /app/motd").ends_with("uses a redirection"));
        assert!(why("echo $X > /etc/motd").ends_with("uses a redirection"));
        assert!(why("cat a > /etc/motd").ends_with("uses a redirection"));
        assert!(classify_run("echo hi > /etc/motd").is_ok_and(|c| c[0].kind == CmdKind::Replay));
        assert!(why("sleep 1 &").ends_with("uses a background job"));
        assert!(why("if true; then echo; fi").contains("a compound command"));
        // The earliest construct is the one named.
        assert!(why("echo a > /f && curl x | sh").ends_with("uses a redirection"));
        // `|` inside quotes and `#` comments are not constructs.
        assert_eq!(kinds("echo 'a | b' \"c > d\" # | sh"), vec![CmdKind::Noop]);
        // Descriptor duplication and /dev/null write no file of the image.
        assert_eq!(
            kinds("apt-get update 2>/dev/null >&2"),
            vec![CmdKind::AptUpdate]
        );
        assert!(why("apt-get install 'x").contains("does not parse as a shell script"));
    }

    #[test]
    fn wrappers_and_assignments() {
        match &kinds("sudo -H pip install --no-cache-dir -r requirements.txt")[0] {
            CmdKind::Pip(p) => assert_eq!(p.requirements, vec!["requirements.txt"]),
            k => panic!("{k:?}"),
        }
        assert_eq!(
            kinds("env NODE_ENV=production npm ci"),
            vec![CmdKind::NodeInstall(NodeTool::Npm)]
        );
        assert_eq!(kinds("X=1"), vec![CmdKind::Noop]);
        assert_eq!(
            kinds("X=1 && rm -rf /tmp/x"),
            vec![CmdKind::Noop, CmdKind::AptHousekeeping]
        );
        let c = classify_run("X=1 sudo useradd -m app && cd /app").unwrap();
        assert_eq!(c[0].text, "X=1 sudo useradd -m app");
        assert_eq!(c[0].words, vec!["useradd", "-m", "app"]);
        assert_eq!(c[1].kind, CmdKind::Cd("/app".into()));
    }

    #[test]
    fn backslashes_in_double_quotes_follow_posix() {
        // `\d` keeps its backslash inside double quotes; `\"` does not.
        let c = classify_run(r#"mkdir "C:\dir" "a\"b""#).unwrap();
        assert_eq!(c[0].words, vec!["mkdir", r"C:\dir", "a\"b"]);
    }

    #[test]
    fn exec_form_reads_sh_c_scripts() {
        let argv = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let c = classify_exec(&argv(&[
            "/bin/sh",
            "-c",
            "apt-get update && apt-get install -y gcc",
        ]))
        .unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].text, "apt-get install -y gcc");
        assert!(classify_exec(&argv(&["sh", "-c", "echo > /f"]))
            .unwrap_err()
            .ends_with("uses a redirection"));
        let c = classify_exec(&argv(&["pip", "install", "-r", "r.txt"])).unwrap();
        assert_eq!(c[0].text, "pip install -r r.txt");
    }
}
