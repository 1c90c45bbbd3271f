//! Documented guesses of a step's duration and output size when no build log or profile
//! covers it. Every figure here is listed, with its reasoning, in `docs/cost-model.md`;
//! keep the two in step.

use crate::context::ContextTree;
use crate::model::{CopyOp, CopySource, Op, RunOp};
use crate::shell;

const MB: u64 = 1_000_000;

/// Fixed cost of a RUN: container start and snapshot commit. Measured on BuildKit v0.8 /
/// overlayfs: `RUN sleep 2` reports `DONE 2.1s`, `RUN echo x >/f` 0.1-0.4 s.
pub const RUN_OVERHEAD: f64 = 0.15;
/// Fixed cost of a COPY from the context (measured 0.0-0.1 s for small files).
pub const COPY_OVERHEAD: f64 = 0.1;
/// A WORKDIR, or anything that only touches metadata.
pub const TRIVIAL: f64 = 0.1;
/// Context bytes copied per second by COPY (hashing + diff apply), measured on local disk.
pub const COPY_BYTES_PER_SEC: f64 = 50.0 * MB as f64;

/// A guess with the class of command it is based on.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub seconds: f64,
    pub bytes: u64,
    /// e.g. `apt-get install (3 packages)`, joined with ` + ` for chained commands.
    pub class: String,
}

impl Guess {
    fn new(seconds: f64, bytes: u64, class: impl Into<String>) -> Guess {
        Guess {
            seconds,
            bytes,
            class: class.into(),
        }
    }
}

/// The guess for one op.
pub fn guess(op: &Op, context: &ContextTree) -> Guess {
    match op {
        Op::Run(r) => run(r, context),
        Op::Copy(c) => copy(c, context),
        Op::Workdir(_) => Guess::new(TRIVIAL, 0, "workdir"),
    }
}

pub fn copy(c: &CopyOp, context: &ContextTree) -> Guess {
    if let Some(s) = c.srcs.iter().find(|s| s.remote.is_some()) {
        let url = s.remote.as_deref().unwrap_or("");
        return if url.starts_with("git@") || url.ends_with(".git") || url.contains(".git#") {
            Guess::new(10.0, 20 * MB, "ADD git repository")
        } else {
            Guess::new(5.0, 20 * MB, "ADD url (download)")
        };
    }
    match &c.source {
        CopySource::Context => {
            let bytes: u64 = c
                .srcs
                .iter()
                .map(|s| match &s.inline {
                    Some(body) => body.len() as u64,
                    None => context_bytes(context, &s.path),
                })
                .sum();
            Guess::new(
                COPY_OVERHEAD + bytes as f64 / COPY_BYTES_PER_SEC,
                bytes,
                format!("COPY {} from the context", human_bytes(bytes)),
            )
        }
        CopySource::Stage(_) => Guess::new(0.5, 10 * MB, "COPY --from a stage"),
        CopySource::Image(_) => Guess::new(3.0, 10 * MB, "COPY --from an image (pull)"),
    }
}

/// Bytes under `source` (a cleaned context path or wildcard) in the context.
pub fn context_bytes(context: &ContextTree, source: &str) -> u64 {
    let Ok(sel) = context.select(&[source]) else {
        return 0;
    };
    sel.paths().iter().map(|p| subtree_bytes(context, p)).sum()
}

fn subtree_bytes(context: &ContextTree, path: &str) -> u64 {
    match context.get(path) {
        Some(e) if !e.is_dir() => e.size,
        _ => {
            let prefix = format!("{path}/");
            context
                .entries()
                .filter(|(k, e)| !e.is_dir() && (path.is_empty() || k.starts_with(&prefix)))
                .map(|(_, e)| e.size)
                .sum()
        }
    }
}

pub use crate::frame::human_bytes;

pub fn run(r: &RunOp, context: &ContextTree) -> Guess {
    let mut total = Guess::new(RUN_OVERHEAD, 0, "");
    let Some(cmds) = commands(r) else {
        // A script this model cannot read (a parse error, a non-POSIX
        // SHELL): one command of unknown work.
        total.seconds += 1.0;
        total.bytes += MB;
        total.class = "other command (script not read)".into();
        return total;
    };
    let mut classes: Vec<String> = Vec::new();
    for words in cmds {
        if let Some(g) = command(&words, context) {
            total.seconds += g.seconds;
            total.bytes += g.bytes;
            if !classes.contains(&g.class) {
                classes.push(g.class);
            }
        }
    }
    total.class = if classes.is_empty() {
        "RUN (no command)".into()
    } else {
        classes.join(" + ")
    };
    total
}

/// The RUN's simple commands as words (program base name, then its
/// arguments; wrappers and `VAR=value` prefixes peeled), read through the
/// shell model; None when it cannot read the script. Commands inside
/// `$(…)` are left out: their output becomes an argument (`$(nproc)`,
/// `$(uname -m)`), they write nothing worth a figure.
fn commands(r: &RunOp) -> Option<Vec<Vec<String>>> {
    let non_posix_shell = r
        .argv
        .split_last()
        .is_some_and(|(_, prefix)| looks_like_shell(prefix) && !shell::is_posix_shell(prefix));
    if non_posix_shell {
        return None;
    }
    let mut script = shell::from_argv(&r.argv).ok()?;
    // `RUN <<EOF` alone: the here-document is the script.
    if let [body] = r.heredocs.as_slice() {
        let only_heredoc = matches!(script.simple_commands().as_slice(),
            [c] if c.words.is_empty() && c.assignments.is_empty()
                && c.redirects.iter().all(|x| matches!(x.op, shell::RedirOp::HereDoc { .. })));
        if only_heredoc {
            script = shell::parse(body, 0).ok()?;
        }
    }
    Some(
        shell::commands(&script)
            .into_iter()
            .filter(|(_, place)| !place.substitution)
            .filter_map(|(c, _)| c.invocation())
            .map(|inv| {
                std::iter::once(inv.program.clone())
                    .chain(inv.lossy())
                    .collect()
            })
            .collect(),
    )
}

/// A shell-form prefix (`SHELL [...]` ending in its command flag), as
/// opposed to an exec-form argv.
fn looks_like_shell(prefix: &[String]) -> bool {
    prefix.last().is_some_and(|f| {
        matches!(
            f.to_ascii_lowercase().as_str(),
            "-c" | "/c" | "/s" | "-command"
        )
    })
}

/// Operands: the words after `from` that are not flags (and not flag values we know of).
fn operands(words: &[String], from: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip_next = false;
    for w in words.iter().skip(from) {
        if skip_next {
            skip_next = false;
            continue;
        }
        if w.starts_with('-') {
            // Flags that take a separate value.
            skip_next = matches!(
                w.as_str(),
                "-r" | "--requirement" | "-c" | "--constraint" | "-t" | "--target" | "-o"
            );
            continue;
        }
        out.push(w.as_str());
    }
    out
}

/// The value after `flag` (`-r req.txt` or `--requirement=req.txt`).
fn flag_value<'a>(words: &'a [String], flags: &[&str]) -> Vec<&'a str> {
    let mut out = Vec::new();
    for (i, w) in words.iter().enumerate() {
        for f in flags {
            if w == f {
                if let Some(v) = words.get(i + 1) {
                    out.push(v.as_str());
                }
            } else if let Some(v) = w.strip_prefix(&format!("{f}=")) {
                out.push(v);
            }
        }
    }
    out
}

fn has(words: &[String], w: &str) -> bool {
    words.iter().any(|x| x == w)
}

/// Lines of a manifest in the context, estimated from its size (the context model keeps sizes,
/// not contents): about `bytes_per_line` bytes each.
fn manifest_lines(
    context: &ContextTree,
    names: &[&str],
    bytes_per_line: u64,
    default: u64,
) -> (u64, bool) {
    for n in names {
        let clean = n.trim_start_matches("./").trim_start_matches('/');
        let found = context.get(clean).or_else(|| {
            context
                .entries()
                .find(|(k, e)| !e.is_dir() && k.rsplit('/').next() == Some(clean))
                .map(|(_, e)| e)
        });
        if let Some(e) = found {
            return ((e.size / bytes_per_line).max(1), true);
        }
    }
    (default, false)
}

fn install(
    base: f64,
    per: f64,
    bytes_per: u64,
    count: u64,
    what: &str,
    unit: &str,
    known: bool,
) -> Guess {
    let n = if known {
        format!("{count} {unit}")
    } else {
        format!("~{count} {unit}, assumed")
    };
    Guess::new(
        base + per * count as f64,
        bytes_per * count,
        format!("{what} ({n})"),
    )
}

/// One simple command.
fn command(words: &[String], context: &ContextTree) -> Option<Guess> {
    let prog = words.first()?.rsplit('/').next().unwrap_or("").to_string();
    let sub = words.get(1).map(String::as_str).unwrap_or("");
    let g = match prog.as_str() {
        "sleep" => {
            let secs = sub.trim_end_matches('s').parse::<f64>().unwrap_or(1.0);
            Guess::new(secs, 0, "sleep (stand-in)")
        }
        "apt-get" | "apt" | "aptitude" => match sub {
            "update" => Guess::new(10.0, 30 * MB, "apt-get update"),
            "install" => {
                let n = operands(words, 2).len().max(1) as u64;
                install(5.0, 3.0, 15 * MB, n, "apt-get install", "packages", true)
            }
            "upgrade" | "dist-upgrade" => Guess::new(30.0, 50 * MB, "apt-get upgrade"),
            _ => Guess::new(1.0, 0, "apt-get housekeeping"),
        },
        "yum" | "dnf" | "microdnf" | "zypper" => match sub {
            "install" => {
                let n = operands(words, 2).len().max(1) as u64;
                install(8.0, 3.0, 20 * MB, n, "yum/dnf install", "packages", true)
            }
            "update" | "upgrade" | "makecache" => Guess::new(20.0, 50 * MB, "yum/dnf update"),
            _ => Guess::new(1.0, 0, "yum/dnf housekeeping"),
        },
        "apk" => match sub {
            "add" => {
                let n = operands(words, 2).len().max(1) as u64;
                install(1.0, 0.5, 3 * MB, n, "apk add", "packages", true)
            }
            "update" | "upgrade" => Guess::new(2.0, 2 * MB, "apk update"),
            _ => Guess::new(0.5, 0, "apk housekeeping"),
        },
        "pip" | "pip3" | "pipenv" | "poetry" | "uv" | "python" | "python3" if is_pip(words) => {
            pip(words, context)
        }
        "npm" | "yarn" | "pnpm" => node(&prog, words, context),
        "go" => match sub {
            "mod" => Guess::new(20.0, 200 * MB, "go mod download"),
            "build" | "install" => Guess::new(30.0, 30 * MB, "go build (compile)"),
            "test" | "vet" | "generate" => Guess::new(20.0, 0, "go test/vet"),
            _ => Guess::new(2.0, 0, "go (other)"),
        },
        "cargo" => match sub {
            "build" | "install" if has(words, "--release") || sub == "install" => {
                Guess::new(150.0, 500 * MB, "cargo build --release (compile)")
            }
            "build" | "test" | "check" => Guess::new(90.0, 500 * MB, "cargo build (compile)"),
            "fetch" | "vendor" => Guess::new(20.0, 200 * MB, "cargo fetch"),
            _ => Guess::new(5.0, 0, "cargo (other)"),
        },
        "mvn" | "mvnw" => {
            if words.iter().any(|w| w.starts_with("dependency:")) {
                Guess::new(60.0, 200 * MB, "maven dependency download")
            } else if words
                .iter()
                .any(|w| matches!(w.as_str(), "package" | "install" | "verify" | "compile"))
            {
                Guess::new(90.0, 60 * MB, "mvn package (compile)")
            } else {
                Guess::new(30.0, 20 * MB, "maven (other)")
            }
        }
        "gradle" | "gradlew" => {
            if words
                .iter()
                .any(|w| w.contains("build") || w.contains("assemble") || w.contains("Jar"))
            {
                Guess::new(90.0, 60 * MB, "gradle build (compile)")
            } else {
                Guess::new(60.0, 200 * MB, "gradle dependency download")
            }
        }
        "bundle" | "bundler" => {
            let (n, known) = manifest_lines(context, &["Gemfile.lock", "Gemfile"], 40, 30);
            install(10.0, 1.0, 2 * MB, n, "bundle install", "gems", known)
        }
        "gem" => {
            let n = operands(words, 2).len().max(1) as u64;
            install(3.0, 3.0, 2 * MB, n, "gem install", "gems", true)
        }
        "composer" => match sub {
            "install" | "update" | "require" => {
                let (n, known) =
                    manifest_lines(context, &["composer.lock", "composer.json"], 400, 30);
                install(10.0, 1.0, 2 * MB, n, "composer install", "packages", known)
            }
            _ => Guess::new(5.0, 0, "composer (other)"),
        },
        "dotnet" => match sub {
            "restore" => Guess::new(30.0, 100 * MB, "dotnet restore"),
            "build" | "publish" | "test" => {
                Guess::new(60.0, 50 * MB, "dotnet build/publish (compile)")
            }
            _ => Guess::new(5.0, 0, "dotnet (other)"),
        },
        "gcc" | "g++" | "cc" | "c++" | "clang" | "clang++" => {
            Guess::new(5.0, 2 * MB, "C compiler run")
        }
        "make" | "ninja" => Guess::new(60.0, 20 * MB, "make (compile)"),
        "cmake" if has(words, "--build") => Guess::new(60.0, 20 * MB, "make (compile)"),
        "cmake" | "configure" => Guess::new(15.0, 0, "configure"),
        "curl" | "wget" => Guess::new(5.0, 20 * MB, "download (curl/wget)"),
        "git" if sub == "clone" => Guess::new(8.0, 30 * MB, "git clone"),
        "tar" | "unzip" | "gunzip" | "xz" => Guess::new(2.0, 20 * MB, "unpack archive"),
        "chown" | "chmod" if words.iter().any(|w| w == "-R") => {
            Guess::new(1.0, 0, "recursive chown/chmod")
        }
        "echo" | "printf" | "mkdir" | "chmod" | "chown" | "ln" | "cp" | "mv" | "rm" | "touch"
        | "cd" | "export" | "set" | "true" | "test" | "[" | "useradd" | "adduser" | "groupadd"
        | "addgroup" | "cat" | "sed" | "ls" | "id" | "whoami" | "umask" | "exit" | "source"
        | "." => Guess::new(TRIVIAL, 0, "trivial shell command"),
        _ => Guess::new(1.0, MB, "other command"),
    };
    Some(g)
}

fn is_pip(words: &[String]) -> bool {
    let prog = words[0].rsplit('/').next().unwrap_or("");
    match prog {
        "python" | "python3" => {
            has(words, "-m")
                && words.iter().any(|w| w == "pip" || w == "pip3")
                && has(words, "install")
        }
        _ => words
            .iter()
            .any(|w| w == "install" || w == "sync" || w == "add"),
    }
}

fn pip(words: &[String], context: &ContextTree) -> Guess {
    let reqs = flag_value(words, &["-r", "--requirement"]);
    if !reqs.is_empty() {
        // `name==1.2.3` lines average ~20 bytes.
        let (n, known) = manifest_lines(context, &reqs, 20, 20);
        return install(
            3.0,
            2.0,
            10 * MB,
            n,
            "pip install -r",
            "requirements",
            known,
        );
    }
    let prog = words[0].rsplit('/').next().unwrap_or("");
    if matches!(prog, "pipenv" | "poetry" | "uv") {
        let (n, known) = manifest_lines(
            context,
            &["Pipfile.lock", "poetry.lock", "uv.lock", "pyproject.toml"],
            400,
            20,
        );
        return install(
            5.0,
            2.0,
            10 * MB,
            n,
            "pipenv/poetry install",
            "packages",
            known,
        );
    }
    let start = words
        .iter()
        .position(|w| w == "install")
        .map_or(1, |i| i + 1);
    let pkgs: Vec<&str> = operands(words, start)
        .into_iter()
        .filter(|w| *w != "." && !w.starts_with('/'))
        .collect();
    let local = operands(words, start)
        .iter()
        .any(|w| *w == "." || w.starts_with('/'));
    let n = pkgs.len().max(1) as u64;
    if pkgs == ["pip"] || pkgs == ["pip", "setuptools"] || pkgs == ["pip", "setuptools", "wheel"] {
        return Guess::new(5.0, 10 * MB, "pip install --upgrade pip");
    }
    if local && pkgs.is_empty() {
        return Guess::new(15.0, 20 * MB, "pip install . (local project)");
    }
    install(3.0, 2.0, 10 * MB, n, "pip install", "packages", true)
}

fn node(prog: &str, words: &[String], context: &ContextTree) -> Guess {
    let sub = words.get(1).map(String::as_str).unwrap_or("install");
    let factor = if prog == "pnpm" { 0.7 } else { 1.0 };
    match sub {
        "ci" | "install" | "i" | "add" if operands(words, 2).is_empty() || sub == "ci" => {
            // package.json dependency lines average ~30 bytes; lockfiles are much larger.
            let (n, known) = manifest_lines(context, &["package.json"], 30, 20);
            let mut g = install(
                10.0,
                1.5,
                10 * MB,
                n,
                &format!("{prog} install"),
                "dependencies",
                known,
            );
            g.seconds *= factor;
            g
        }
        "install" | "i" | "add" => {
            let n = operands(words, 2).len() as u64;
            install(
                5.0,
                2.0,
                10 * MB,
                n,
                &format!("{prog} install"),
                "packages",
                true,
            )
        }
        "run" | "build" | "exec" | "test" => {
            let script = if sub == "run" {
                words.get(2).map(String::as_str).unwrap_or("")
            } else {
                sub
            };
            if script.contains("build") || script.contains("compile") {
                Guess::new(40.0, 20 * MB, format!("{prog} run build (compile)"))
            } else {
                Guess::new(10.0, 0, format!("{prog} run (script)"))
            }
        }
        _ if prog == "yarn" && words.len() == 1 => {
            let (n, known) = manifest_lines(context, &["package.json"], 30, 20);
            install(10.0, 1.5, 10 * MB, n, "yarn install", "dependencies", known)
        }
        _ => Guess::new(3.0, 0, format!("{prog} (other)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::change::input_from_text;
    use crate::model::BuildOptions;

    fn ctx(files: &[(&str, &str)]) -> (tempfile::TempDir, ContextTree) {
        let dir = tempfile::tempdir().unwrap();
        for (p, body) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, body).unwrap();
        }
        let tree = ContextTree::load(dir.path(), None).unwrap();
        (dir, tree)
    }

    /// Guesses for each op of a Dockerfile.
    fn guesses(df: &str, files: &[(&str, &str)]) -> Vec<Guess> {
        let (_d, tree) = ctx(files);
        let input =
            input_from_text("Dockerfile".into(), df, &BuildOptions::default(), tree).unwrap();
        input
            .model
            .steps
            .iter()
            .filter_map(|s| s.op.as_ref())
            .map(|op| guess(op, &input.context))
            .collect()
    }

    #[test]
    fn package_installs_scale_with_package_count() {
        let g = guesses(
            "FROM debian\nRUN apt-get update && apt-get install -y --no-install-recommends gcc libpq-dev netcat\nRUN apk add --no-cache curl\nRUN pip install flask requests\n",
            &[],
        );
        assert_eq!(g[0].class, "apt-get update + apt-get install (3 packages)");
        assert!((g[0].seconds - (RUN_OVERHEAD + 10.0 + 5.0 + 9.0)).abs() < 1e-9);
        assert_eq!(g[0].bytes, 30 * MB + 45 * MB);
        assert_eq!(g[1].class, "apk add (1 packages)");
        assert!((g[2].seconds - (RUN_OVERHEAD + 3.0 + 4.0)).abs() < 1e-9);
    }

    #[test]
    fn requirements_are_counted_from_the_context() {
        let reqs = "Flask==2.3.3\nFlask-SQLAlchemy==3.1.1\npsycopg2==2.9.9\ngunicorn==21.2.0\npython-dotenv==1.0.1\n";
        let g = guesses(
            "FROM python\nCOPY requirements.txt .\nRUN pip install -r requirements.txt\nRUN pip install --upgrade pip\n",
            &[("requirements.txt", reqs)],
        );
        assert_eq!(g[0].bytes, reqs.len() as u64);
        assert_eq!(g[1].class, "pip install -r (4 requirements)");
        assert_eq!(g[2].class, "pip install --upgrade pip");
        let missing = guesses("FROM python\nRUN pip install -r req.txt\n", &[]);
        assert_eq!(
            missing[0].class,
            "pip install -r (~20 requirements, assumed)"
        );
    }

    #[test]
    fn compilers_downloads_and_trivia() {
        let g = guesses(
            "FROM x\nWORKDIR /app\nRUN go mod download\nRUN CGO_ENABLED=0 go build -o /app ./...\nRUN cargo build --release\nRUN ./mvnw package -DskipTests\nRUN curl -fsSL https://x/y.tgz | tar xz\nRUN mkdir -p /data && chmod 755 /data\nRUN sleep 2.5\nRUN npm ci && npm run build\n",
            &[("package.json", &"x".repeat(300))],
        );
        let classes: Vec<&str> = g.iter().map(|g| g.class.as_str()).collect();
        assert_eq!(
            classes,
            vec![
                "workdir",
                "go mod download",
                "go build (compile)",
                "cargo build --release (compile)",
                "mvn package (compile)",
                "download (curl/wget) + unpack archive",
                "trivial shell command",
                "sleep (stand-in)",
                "npm install (10 dependencies) + npm run build (compile)",
            ]
        );
        assert!((g[7].seconds - (RUN_OVERHEAD + 2.5)).abs() < 1e-9);
        assert!((g[0].seconds - TRIVIAL).abs() < 1e-9);
    }

    #[test]
    fn runs_are_read_through_the_shell_model() {
        let g = guesses(
            "FROM x\nRUN sudo apt-get install -y gcc make\nRUN env X=1 npm ci\nRUN env\nRUN X=1\nRUN X=1 && rm -rf /tmp/x\nRUN make -j$(nproc)\nRUN echo \"a\\\"b && c\" | sh\nRUN echo 'unclosed\nRUN <<EOF\napt-get update\nEOF\n",
            &[],
        );
        let classes: Vec<&str> = g.iter().map(|g| g.class.as_str()).collect();
        assert_eq!(
            classes,
            vec![
                "apt-get install (2 packages)",
                "npm install (~20 dependencies, assumed)",
                "other command",
                "RUN (no command)",
                "trivial shell command",
                // `nproc` inside `$(…)` adds nothing.
                "make (compile)",
                // The quoted `&&` is an argument, not a list.
                "trivial shell command + other command",
                "other command (script not read)",
                "apt-get update",
            ]
        );
        let pwsh = guesses(
            "FROM x\nSHELL [\"pwsh\", \"-Command\"]\nRUN apt-get update; $x = 1\n",
            &[],
        );
        assert_eq!(pwsh[0].class, "other command (script not read)");
    }

    #[test]
    fn copy_counts_context_bytes() {
        let g = guesses(
            "FROM x\nCOPY . .\nCOPY src/ /src/\nCOPY *.txt /t/\nCOPY --from=alpine /bin/sh /sh\nADD https://example.com/a.tgz /a\n",
            &[("src/a.py", "0123456789"), ("src/b.py", "01234"), ("a.txt", "abc")],
        );
        let bytes: Vec<u64> = g.iter().map(|g| g.bytes).collect();
        assert_eq!(bytes, vec![18, 15, 3, 10 * MB, 20 * MB]);
        assert_eq!(g[4].class, "ADD url (download)");
    }
}
