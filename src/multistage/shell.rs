//! RUN commands split into simple commands and classified by what they do.
//! A command the classifier does not know is a refusal: it could write
//! anywhere, so the converter cannot say what the runtime needs from it.

use crate::syntax::words::shell_unquote;

/// One simple command of a RUN line (`a && b; c` gives three).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cmd {
    /// The command as written (trimmed).
    pub text: String,
    /// Its words, unquoted, leading `VAR=value` assignments included.
    pub words: Vec<String>,
    pub kind: CmdKind,
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
    /// `cd DIR`.
    Cd(String),
    /// `set -e`, `true`, `echo …`: nothing written.
    Noop,
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

/// Splits shell text on `&&`, `;` and newlines outside quotes. `||`, pipes,
/// subshells and redirections into files are reported as `Err`.
pub fn split_commands(text: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                cur.push(c);
                if c == '\\' && q == '"' {
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                } else if c == q {
                    quote = None;
                }
            }
            None => match c {
                '\'' | '"' => {
                    quote = Some(c);
                    cur.push(c);
                }
                '\\' => {
                    cur.push(c);
                    if let Some(n) = chars.next() {
                        cur.push(n);
                    }
                }
                '&' if chars.peek() == Some(&'&') => {
                    chars.next();
                    out.push(std::mem::take(&mut cur));
                }
                ';' | '\n' => out.push(std::mem::take(&mut cur)),
                '|' => return Err("a pipe or `||`".into()),
                '>' | '<' => return Err("a redirection".into()),
                '`' | '(' | ')' => return Err("a subshell or command substitution".into()),
                '&' => return Err("a background job".into()),
                '$' if chars.peek() == Some(&'(') => return Err("a command substitution".into()),
                _ => cur.push(c),
            },
        }
    }
    out.push(cur);
    Ok(out
        .into_iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect())
}

/// Classifies every command of a RUN; `Err` names the first one it cannot.
pub fn classify_run(text: &str) -> Result<Vec<Cmd>, String> {
    let parts = split_commands(text).map_err(|e| format!("`{}` uses {e}", short(text)))?;
    parts
        .into_iter()
        .map(|p| {
            let words = shell_unquote(&p);
            match classify(&words) {
                Some(kind) => Ok(Cmd {
                    text: p,
                    words,
                    kind,
                }),
                None => Err(format!("cannot classify `{}`", short(&p))),
            }
        })
        .collect()
}

/// Classifies exec-form RUN arguments (one command).
pub fn classify_exec(argv: &[String]) -> Result<Vec<Cmd>, String> {
    let text = argv.join(" ");
    match classify(argv) {
        Some(kind) => Ok(vec![Cmd {
            text,
            words: argv.to_vec(),
            kind,
        }]),
        None => Err(format!("cannot classify `{}`", short(&text))),
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

/// The command name and its arguments with leading `VAR=value` skipped.
fn command(words: &[String]) -> (&str, &[String]) {
    let mut i = 0;
    while i < words.len() && is_assignment(&words[i]) {
        i += 1;
    }
    match words.get(i) {
        Some(w) => (w.as_str(), &words[i + 1..]),
        None => ("", &[]),
    }
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

fn base(cmd: &str) -> &str {
    cmd.rsplit('/').next().unwrap_or(cmd)
}

fn classify(words: &[String]) -> Option<CmdKind> {
    let (cmd, args) = command(words);
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
                || a.starts_with("/root/.cache")
        }) =>
        {
            CmdKind::AptHousekeeping
        }
        "pip" | "pip3" => pip(args)?,
        "python" | "python3" if args.len() >= 2 && args[0] == "-m" && args[1] == "pip" => {
            pip(&args[2..])?
        }
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
    let mut i = 1;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "-r" | "--requirement" => {
                p.requirements.push(args.get(i + 1)?.clone());
                i += 1;
            }
            "-e" | "--editable" => {
                p.local = true;
                i += 1;
            }
            "-c" | "--constraint" | "-i" | "--index-url" | "--extra-index-url" | "--target"
            | "-t" | "--prefix" | "--root" => return None,
            _ if a.starts_with("--requirement=") => {
                p.requirements.push(a["--requirement=".len()..].to_string());
            }
            _ if a.starts_with('-') => {
                if a == "--user" {
                    return None;
                }
            }
            _ if a == "." || a.starts_with("./") || a.starts_with('/') => p.local = true,
            _ => p.packages.push(a.to_string()),
        }
        i += 1;
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
        assert!(classify_run("make install").is_err());
        assert!(classify_run("echo hi > /etc/motd").is_err());
        assert!(classify_run("npm install express").is_err());
    }
}
