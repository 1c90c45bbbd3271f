//! What a RUN may touch: a conservative summary of the paths it reads and
//! writes, the environment it consults, the tool configuration files it
//! loads, whether it changes the user/group database and whether it uses
//! the network. Rewrites use it to decide whether a RUN may move across a
//! COPY (see `rewrite::hazard`).
//!
//! "Conservative" means: a path not listed is a path the RUN cannot read or
//! write. Anything this model does not understand — an unknown program, a
//! line that does not parse, a program named by a variable, `eval`,
//! `source`, a non-POSIX `SHELL`, arguments from `xargs` — reads and writes
//! everything.
//!
//! One file per tool family: a family's `apply` recognises its programs and
//! records their effects by the tool's own rules (its argument grammar, the
//! files it loads from the cwd and from home, the variables it reads).
//! Adding a tool is adding a file and a line in [`FAMILIES`].

mod apk;
mod apt;
mod cargo;
mod coreutils;
mod dotnet;
mod go;
mod java;
mod make;
pub mod makefile;
mod memo;
pub use memo::EffectsMemo;
mod net;
mod node;
mod php;
mod pip;
mod python;
mod ruby;
mod sed_script;
mod sh;
mod users;

use crate::model::{path, Model, RunOp};
use crate::shell::{self, Invocation, Script, Word};
use crate::syntax::{Arguments, Dockerfile, Instruction};
use std::collections::{BTreeMap, BTreeSet};

/// A set of absolute paths, each standing for itself and everything under it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathSet {
    everything: bool,
    paths: BTreeSet<String>,
}

/// Whether `p` is `dir` or below it.
pub fn under(p: &str, dir: &str) -> bool {
    dir == "/" || p == dir || p.strip_prefix(dir).is_some_and(|r| r.starts_with('/'))
}

/// Whether `a` and `b` are the same path or one contains the other.
pub fn overlap(a: &str, b: &str) -> bool {
    under(a, b) || under(b, a)
}

impl PathSet {
    pub fn everything() -> Self {
        PathSet {
            everything: true,
            paths: BTreeSet::new(),
        }
    }

    pub fn is_everything(&self) -> bool {
        self.everything
    }

    pub fn is_empty(&self) -> bool {
        !self.everything && self.paths.is_empty()
    }

    /// Adds an absolute path (cleaned); `/` is everything.
    pub fn insert(&mut self, abs: &str) {
        let p = path::clean_cow(abs);
        if p == "/" || !p.starts_with('/') {
            self.everything = true;
        } else if !self.paths.contains(p.as_ref()) {
            self.paths.insert(p.into_owned());
        }
    }

    pub fn extend(&mut self, other: &PathSet) {
        self.everything |= other.everything;
        self.paths.extend(other.paths.iter().cloned());
    }

    /// The paths (empty when it is everything).
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.paths.iter().map(String::as_str)
    }

    /// Whether the set touches `p` or anything below or above it.
    pub fn overlaps(&self, p: &str) -> bool {
        let p = path::clean_cow(p);
        self.everything || self.paths.iter().any(|q| overlap(q, &p))
    }
}

/// Environment variables a RUN consults: names, prefixes, or all of them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvSet {
    pub everything: bool,
    pub names: BTreeSet<String>,
    pub prefixes: BTreeSet<String>,
}

impl EnvSet {
    pub fn contains(&self, name: &str) -> bool {
        self.everything
            || self.names.contains(name)
            || self.prefixes.iter().any(|p| name.starts_with(p.as_str()))
    }
}

/// The effects of one RUN.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Effects {
    pub reads: PathSet,
    pub writes: PathSet,
    pub env_read: EnvSet,
    /// Tool configuration files it loads (absolute; also in `reads`).
    pub config_files: BTreeSet<String>,
    /// Paths in `reads` because a configuration file it loads names them
    /// (pip.conf's `find-links = ./wheels`): the path → (the configuration
    /// file, the value as written), for messages.
    pub named: BTreeMap<String, (String, String)>,
    /// Programs looked up through `PATH` (their directory decides what runs).
    pub programs: BTreeSet<String>,
    /// Variables the script sets for its commands (a bare `NAME=value`,
    /// `export`/`readonly`/`declare`, a command's `NAME=value` prefix, `env
    /// NAME=value`): the name and the value as written (`$X` for expansions).
    pub assigned: Vec<(String, String)>,
    /// Symbolic links it may create: the link's path → the path it points
    /// to (None: not known). A later step's path through the link is the
    /// target's (`ln -s /srv/app /app`: `/app/x` is `/srv/app/x`).
    pub links: Vec<(String, Option<String>)>,
    /// Folders at or under which it may make symbolic links this model
    /// cannot name (an archive it extracts, a tree it copies with its links
    /// kept, a path it moves, which may be a link), with what makes them.
    /// A later path there may land anywhere.
    pub link_zones: Vec<(String, String)>,
    /// It installs packages, whose links (`/usr/bin/python3` →
    /// `python3.11`, update-alternatives' `/etc/alternatives`) this model
    /// does not know: they are in the system folders and lead within them.
    pub package_links: bool,
    /// It may change the user/group database (/etc/passwd, /etc/group, …).
    pub userdb: bool,
    /// It sets the file-creation mask (`umask 077`): the directories it
    /// creates get modes other than the 0755 a COPY gives them.
    pub umask: bool,
    pub network: bool,
    /// Folders in `reads` only because a `cd` entered them: the RUN needs
    /// them to exist, and reads nothing in them as a whole (what runs there
    /// reads its own files, listed in `reads`). A consumer that knows a
    /// folder exists where the RUN lands may pass these; any other sees an
    /// ordinary read.
    pub entered_only: BTreeSet<String>,
    /// Something was not understood: reads and writes everything.
    pub unknown: bool,
    /// Why it reads or writes everything, for messages.
    pub why: Vec<String>,
}

impl Effects {
    /// Reads and writes everything, with the reason.
    pub fn everything(why: impl Into<String>) -> Self {
        let mut e = Effects::default();
        e.give_up(why);
        e
    }

    fn give_up(&mut self, why: impl Into<String>) {
        self.unknown = true;
        self.reads = PathSet::everything();
        self.writes = PathSet::everything();
        self.env_read.everything = true;
        self.userdb = true;
        self.network = true;
        let w = why.into();
        if !self.why.contains(&w) {
            self.why.push(w);
        }
    }

    pub fn reads_under(&self, p: &str) -> bool {
        self.reads.overlaps(p)
    }

    pub fn writes_under(&self, p: &str) -> bool {
        self.writes.overlaps(p)
    }

    pub fn reads_env(&self, name: &str) -> bool {
        self.env_read.contains(name)
    }

    fn env(&mut self, names: &[&str]) {
        self.env_read
            .names
            .extend(names.iter().map(|s| s.to_string()));
    }

    fn env_prefix(&mut self, prefixes: &[&str]) {
        self.env_read
            .prefixes
            .extend(prefixes.iter().map(|s| s.to_string()));
    }

    fn read(&mut self, abs: &str) {
        self.reads.insert(abs);
    }

    fn write(&mut self, abs: &str) {
        self.writes.insert(abs);
    }

    fn read_write(&mut self, abs: &str) {
        self.read(abs);
        self.write(abs);
    }

    fn config(&mut self, abs: &str) {
        let p = path::clean(abs);
        self.read(&p);
        self.config_files.insert(p);
    }
}

/// Files of the image as the RUN would see them, for tools whose reads
/// depend on file contents (requirement includes, workspace manifests).
pub trait Files {
    /// The text of the file at an absolute path (None: unknown or absent).
    fn read(&self, abs: &str) -> Option<String>;
    /// The names in a directory (None: unknown).
    fn list(&self, abs: &str) -> Option<Vec<String>>;
}

/// No file contents known: tools that need them read conservatively.
pub struct NoFiles;

impl Files for NoFiles {
    fn read(&self, _: &str) -> Option<String> {
        None
    }
    fn list(&self, _: &str) -> Option<Vec<String>> {
        None
    }
}

/// Where one command runs.
pub(crate) struct Cx<'a> {
    /// None after a `cd` this model cannot follow.
    pub cwd: Option<String>,
    pub home: String,
    /// The RUN's environment (ENV, ARG) and the command's own assignments.
    pub env: Env<'a>,
    pub files: &'a dyn Files,
}

/// A command's environment: the RUN's, shared by all its commands, then the
/// command's own assignments. Copying the RUN's whole environment for every
/// command was a tenth of `check`'s time.
#[derive(Clone, Default)]
pub(crate) struct Env<'a> {
    /// The RUN's environment as the model holds it (None after `env -i`):
    /// read in place, never copied per RUN (a copy of every variable for
    /// every RUN was a tenth of `check` on long files).
    base: Option<&'a crate::model::env::Entries>,
    own: Vec<(String, Option<String>)>,
}

impl<'a> Env<'a> {
    pub fn new(base: &'a crate::model::env::Entries) -> Self {
        Env {
            base: Some(base),
            own: Vec::new(),
        }
    }

    /// In order of assignment (a later one wins).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, Option<&str>)> {
        self.base
            .into_iter()
            .flat_map(|b| b.iter())
            .map(|(k, v)| (&**k, Some(&**v)))
            .chain(self.own.iter().map(|(k, v)| (k.as_str(), v.as_deref())))
    }

    /// The variable's entry, the last assignment winning: Some(None) when
    /// it is set to a value this model cannot know.
    fn lookup(&self, name: &str) -> Option<Option<&str>> {
        if let Some((_, v)) = self.own.iter().rev().find(|(k, _)| k == name) {
            return Some(v.as_deref());
        }
        self.base.and_then(|b| b.get(name)).map(Some)
    }

    pub fn extend(&mut self, vars: impl IntoIterator<Item = (String, Option<String>)>) {
        self.own.extend(vars);
    }

    /// `env -i`: only these.
    pub fn replace(&mut self, vars: Vec<(String, Option<String>)>) {
        self.base = None;
        self.own = vars;
    }

    /// A variable as a shell deciding what to read sees it: set to a value
    /// this model cannot know still counts as set.
    pub fn shell_var(&self, name: &str) -> Option<String> {
        self.lookup(name)
            .map(|v| v.unwrap_or("a value not known here").to_string())
    }
}

impl Cx<'_> {
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.lookup(name).flatten()
    }

    /// An absolute path for `p` as the command names it (None: unknown).
    pub fn abs(&self, p: &str) -> Option<String> {
        if p.starts_with('/') {
            return Some(path::clean(p));
        }
        if p == "~" || p.starts_with("~/") {
            return Some(self.home(p.trim_start_matches('~').trim_start_matches('/')));
        }
        if let Some(rest) = p.strip_prefix('~') {
            let (user, tail) = rest.split_once('/').unwrap_or((rest, ""));
            if user != "root" {
                return Some("/".into());
            }
            return Some(path::join_abs("/root", tail));
        }
        Some(path::join_abs(self.cwd.as_deref()?, p))
    }

    /// A path relative to the home directory.
    pub fn home(&self, rel: &str) -> String {
        if self.home == "/" {
            // Unknown home: any path.
            return "/".into();
        }
        path::join_abs(&self.home, rel)
    }

    /// The cwd and each of its ancestors (tools that search upward).
    pub fn cwd_and_ancestors(&self) -> Vec<String> {
        let Some(mut d) = self.cwd.clone() else {
            return vec!["/".into()];
        };
        let mut out = vec![d.clone()];
        while d != "/" {
            d = match d.rsplit_once('/') {
                Some(("", _)) => "/".into(),
                Some((p, _)) => p.to_string(),
                None => "/".into(),
            };
            out.push(d.clone());
        }
        out
    }
}

/// One argument of a command, as the tool families see it.
#[derive(Debug, Clone)]
pub(crate) struct Arg {
    /// The value when literal (quotes removed).
    pub value: Option<String>,
    /// Unquoted glob characters: the shell expands it against a directory.
    pub glob: bool,
}

impl Arg {
    fn of(w: &Word) -> Arg {
        Arg {
            value: w.literal(),
            glob: w.has_glob(),
        }
    }

    /// A value the command line did not spell as a word (an option's
    /// value, a name a script or file gives): never a glob.
    pub fn text(value: Option<String>) -> Arg {
        Arg { value, glob: false }
    }

    pub fn str(&self) -> Option<&str> {
        self.value.as_deref()
    }

    /// Whether it is an option (`-x`, `--x`), as far as a literal tells.
    pub fn is_opt(&self) -> bool {
        self.str().is_some_and(|v| v.starts_with('-') && v != "-")
    }
}

/// What a tool family gets for one command.
pub(crate) struct Cmd<'a> {
    /// Program base name (`pip3`, `apt-get`).
    pub prog: &'a str,
    pub args: Vec<Arg>,
    pub inv: &'a Invocation<'a>,
}

impl Cmd<'_> {
    /// Literal argument values (None for non-literal ones).
    pub fn vals(&self) -> Vec<Option<&str>> {
        self.args.iter().map(Arg::str).collect()
    }

    /// Whether any argument is exactly one of `flags` (or `flag=…`).
    pub fn has(&self, flags: &[&str]) -> bool {
        self.args.iter().filter_map(Arg::str).any(|a| {
            flags
                .iter()
                .any(|f| a == *f || a.strip_prefix(f).is_some_and(|r| r.starts_with('=')))
        })
    }

    /// The values of option `flags`, as getopt reads them
    /// ([`crate::shell::options::getopt_values`]).
    pub fn opt_values(&self, flags: &[&str]) -> Vec<Option<String>> {
        crate::shell::options::getopt_values(&self.vals(), flags)
    }

    /// Non-option arguments (an option's value is not recognised here: callers
    /// with value-taking options skip them through `positional_with`).
    pub fn positional_with(&self, takes_value: &[&str]) -> Vec<&Arg> {
        let mut out = Vec::new();
        let mut i = 0;
        let mut opts_done = false;
        while i < self.args.len() {
            let a = &self.args[i];
            if !opts_done && a.str() == Some("--") {
                opts_done = true;
                i += 1;
                continue;
            }
            if !opts_done && a.is_opt() {
                let v = a.str().unwrap_or("");
                if takes_value.contains(&v) {
                    i += 1;
                }
                i += 1;
                continue;
            }
            out.push(a);
            i += 1;
        }
        out
    }
}

/// Records a read of the path an argument names (everything if unknown).
pub(crate) fn read_arg(fx: &mut Effects, cx: &Cx, a: &Arg) {
    match path_of(cx, a) {
        Some(p) => fx.read(&p),
        None => fx.reads = PathSet::everything(),
    }
}

/// Records a write of the path an argument names (everything if unknown).
pub(crate) fn write_arg(fx: &mut Effects, cx: &Cx, a: &Arg) {
    match path_of(cx, a) {
        Some(p) => fx.write(&p),
        None => fx.writes = PathSet::everything(),
    }
}

/// The path an argument stands for: a glob stands for the directory it is
/// expanded in (the part before the first component with a glob character).
pub(crate) fn path_of(cx: &Cx, a: &Arg) -> Option<String> {
    let v = a.value.as_deref()?;
    cx.abs(if a.glob { glob_dir(v) } else { v })
}

/// The directory a glob is expanded in: the part before the component with
/// its first glob character (`/var/lib/apt/lists/*` → `/var/lib/apt/lists`,
/// `/tmp/*.tgz` → `/tmp`, `*.txt` → `.`).
pub(crate) fn glob_dir(v: &str) -> &str {
    let cut = v.find(['*', '?', '[']).unwrap_or(v.len());
    match v[..cut].rfind('/') {
        Some(0) => "/",
        Some(i) => &v[..i],
        None => ".",
    }
}

/// The cwd tree (everything when the cwd is not known).
pub(crate) fn read_cwd(fx: &mut Effects, cx: &Cx) {
    match &cx.cwd {
        Some(c) => fx.read(c),
        None => fx.reads = PathSet::everything(),
    }
}

pub(crate) fn write_cwd(fx: &mut Effects, cx: &Cx) {
    match &cx.cwd {
        Some(c) => fx.write(c),
        None => fx.writes = PathSet::everything(),
    }
}

/// A path relative to the cwd, read (everything when the cwd is unknown).
pub(crate) fn read_rel(fx: &mut Effects, cx: &Cx, rel: &str) {
    match cx.abs(rel) {
        Some(p) => fx.read(&p),
        None => fx.reads = PathSet::everything(),
    }
}

pub(crate) fn write_rel(fx: &mut Effects, cx: &Cx, rel: &str) {
    match cx.abs(rel) {
        Some(p) => fx.write(&p),
        None => fx.writes = PathSet::everything(),
    }
}

/// The text of a file relative to the cwd, when the files are known.
pub(crate) fn read_file_rel(cx: &Cx, rel: &str) -> Option<String> {
    cx.files.read(&cx.abs(rel)?)
}

/// A configuration file relative to the cwd.
pub(crate) fn config_rel(fx: &mut Effects, cx: &Cx, rel: &str) {
    match cx.abs(rel) {
        Some(p) => fx.config(&p),
        None => fx.reads = PathSet::everything(),
    }
}

/// A file named by an environment variable, when set: its value is a path
/// relative to the cwd (the variable itself is also recorded as read).
pub(crate) fn config_from_env(fx: &mut Effects, cx: &Cx, var: &str) {
    fx.env(&[var]);
    if let Some(v) = cx.var(var) {
        if !v.is_empty() {
            config_rel(fx, cx, v);
        }
    }
}

/// The system trees package managers and their maintainer scripts touch.
pub(crate) const SYSTEM: &[&str] = &[
    "/etc", "/usr", "/var", "/lib", "/lib32", "/lib64", "/libx32", "/bin", "/sbin", "/opt", "/tmp",
    "/run",
];

pub(crate) fn system(fx: &mut Effects) {
    for s in SYSTEM {
        fx.read_write(s);
    }
}

/// A tool family: recognises its programs (returns false for others).
type Family = fn(&Cmd, &Cx, &mut Effects) -> bool;

const FAMILIES: &[Family] = &[
    coreutils::apply,
    apt::apply,
    apk::apply,
    users::apply,
    pip::apply,
    python::apply,
    node::apply,
    go::apply,
    cargo::apply,
    java::apply,
    dotnet::apply,
    ruby::apply,
    php::apply,
    make::apply,
    net::apply,
    sh::apply,
];

/// Variables every program consults: which binary runs, which libraries it
/// loads, where home is.
const ALWAYS_ENV: &[&str] = &["PATH", "LD_LIBRARY_PATH", "LD_PRELOAD", "HOME"];

/// The effects of a RUN instruction: its script as `/bin/sh -c` (or its
/// `SHELL`) runs it, in the RUN's cwd, env and user.
pub fn of_run(df: &Dockerfile, ins: &Instruction, run: &RunOp) -> Effects {
    of_run_with(df, ins, run, &NoFiles)
}

/// As [`of_run`], with the script parsed once in `model` (the model of
/// `df`), for every reader of the same RUN.
pub fn of_model_run(df: &Dockerfile, model: &Model, ins: &Instruction, run: &RunOp) -> Effects {
    of_model_run_with(df, model, ins, run, &NoFiles)
}

/// As [`of_model_run`], reading file contents from `files`.
pub fn of_model_run_with(
    df: &Dockerfile,
    model: &Model,
    ins: &Instruction,
    run: &RunOp,
    files: &dyn Files,
) -> Effects {
    of_parsed_run(model.run_script(df, ins), ins, run, files)
}

/// As [`of_run`], reading file contents (includes, workspaces) from `files`.
pub fn of_run_with(df: &Dockerfile, ins: &Instruction, run: &RunOp, files: &dyn Files) -> Effects {
    of_parsed_run(
        shell::parse_run(df, ins).map(|r| r.map(std::sync::Arc::new)),
        ins,
        run,
        files,
    )
}

/// The effects of `ins` (a RUN op `run`) given its parsed script.
fn of_parsed_run(
    parsed: Option<Result<std::sync::Arc<shell::Script>, shell::ShellError>>,
    ins: &Instruction,
    run: &RunOp,
    files: &dyn Files,
) -> Effects {
    if let Arguments::Shell { .. } = ins.arguments {
        let prefix = &run.argv[..run.argv.len().saturating_sub(1)];
        if !shell::is_posix_shell(prefix) {
            return Effects::everything(format!(
                "the RUN runs in `{}`, not a POSIX shell",
                prefix.join(" ")
            ));
        }
        let env = Env::new(&run.env);
        if let Some(why) = shell::startup_files(prefix, &|k| env.shell_var(k)) {
            return Effects::everything(why);
        }
    }
    match parsed {
        Some(Ok(script)) => of_script(&script, run, files),
        Some(Err(e)) => Effects::everything(format!("the RUN does not parse as shell ({e})")),
        None => of_op(run, files),
    }
}

/// The effects of a RUN op alone (exec form, or the shell text in its argv).
pub fn of_op(run: &RunOp, files: &dyn Files) -> Effects {
    if !run.heredocs.is_empty() {
        return Effects::everything("the RUN uses heredocs");
    }
    match shell::from_argv(&run.argv) {
        Ok(script) => of_script(&script, run, files),
        Err(e) => Effects::everything(format!("the RUN does not parse as shell ({e})")),
    }
}

/// The home directory of a user as the model names it.
///
/// Root's is /root. Any other user's home is wherever /etc/passwd says
/// (`useradd -d /app app` is common, and puts it inside a COPY's
/// destination): unknown here, so every home-relative path is "/" —
/// everything — unless the RUN's env sets HOME.
fn home_of(user: &str) -> String {
    let name = user.split(':').next().unwrap_or("");
    match name {
        "" | "root" | "0" => "/root".into(),
        _ => "/".into(),
    }
}

/// Builtins and utilities that touch no file and no variable beyond their
/// (already recorded) expansions.
const PURE: &[&str] = &[
    "true", "false", ":", "echo", "printf", "exit", "return", "shift", "set", "export", "unset",
    "umask", "ulimit", "wait", "sleep", "id", "whoami", "uname", "nproc", "pwd", "basename",
    "dirname", "seq", "yes", "expr", "hostname", "arch", "getconf", "locale", "readonly", "local",
    "declare", "typeset", "hash", "type", "which", "command", "break", "continue", "printenv",
    "env", "tty", "logname", "groups", "getent",
];

/// Package managers, whose writes of `/etc` are their files (a package
/// that adds a system user adds one the base image did not have, which a
/// `--chown` naming it could not have resolved before).
const SYSTEM_TOOLS: &[&str] = &[
    "apt-get", "apt", "dpkg", "apk", "yum", "dnf", "microdnf", "rpm", "zypper",
];

/// Where the C library finds a locale's data (glibc's archive and folders,
/// message catalogs, charset converters; musl's `MUSL_LOCPATH` is a variable).
const LOCALE_FILES: &[&str] = &[
    "/usr/lib/locale",
    "/usr/share/locale",
    "/usr/share/i18n",
    "/usr/lib/x86_64-linux-gnu/gconv",
    "/usr/lib/aarch64-linux-gnu/gconv",
    "/etc/locale.alias",
];

/// What every RUN reads before its script runs, whatever the script: the
/// dynamic loader's inputs (glibc's preload list and library cache, musl's
/// search path), the user database BuildKit looks its USER up in (a name's
/// uid and group, supplementary groups: `USER app` after a COPY of
/// /etc/passwd runs as the COPY's app), and `/bin/sh` with the programs it
/// links to on common bases (Debian's dash, busybox, bash). Not recorded in
/// each RUN's effects (every reader would pay for them): the hazard check
/// reads them for every RUN.
pub const EVERY_RUN_READS: &[&str] = &[
    "/etc/ld.so.preload",
    "/etc/ld.so.cache",
    "/etc/ld-musl-x86_64.path",
    "/etc/ld-musl-aarch64.path",
    "/etc/ld-musl-armhf.path",
    "/etc/ld-musl-armv7.path",
    "/etc/ld-musl-x86.path",
    "/etc/ld-musl-ppc64le.path",
    "/etc/ld-musl-s390x.path",
    "/etc/ld-musl-riscv64.path",
    "/etc/passwd",
    "/etc/group",
    "/bin/sh",
    "/bin/dash",
    "/bin/bash",
    "/bin/busybox",
];

pub fn of_script(script: &Script, run: &RunOp, files: &dyn Files) -> Effects {
    let mut fx = Effects::default();
    fx.env(ALWAYS_ENV);
    // The program the RUN starts: its shell (a SHELL's; `/bin/sh` and what
    // it links to are in EVERY_RUN_READS), or an exec form's first word.
    if let Some(first) = run.argv.first() {
        if first.starts_with('/') {
            if first != "/bin/sh" {
                fx.read(first);
            }
        } else if !first.is_empty() {
            fx.programs.insert(path::base_name(first));
        }
    }
    fx.env_read.names.extend(script.params());
    // Under a locale other than C, every program's setlocale reads the
    // locale's data (`ENV LANG=de_DE.UTF-8`: sort order, messages, dates).
    let locale_set = run.env.iter().any(|(k, v)| {
        (&**k == "LANG" || &**k == "LOCPATH" || k.starts_with("LC_"))
            && !matches!(&**v, "" | "C" | "POSIX")
    });
    if locale_set {
        for f in LOCALE_FILES {
            fx.read(f);
        }
    }
    let home = run
        .env
        .iter()
        .rev()
        .find(|(k, _)| &**k == "HOME")
        .map(|(_, v)| v.to_string())
        .unwrap_or_else(|| home_of(&run.user));
    // Configuration files whose named paths are recorded already.
    let mut scanned: BTreeSet<String> = BTreeSet::new();
    // Each `cd`: the scopes it ran in and the cwd after it (None: unknown).
    let mut cds: Vec<(Vec<usize>, Option<String>)> = Vec::new();
    // The folders `cd` entered, read once every other read is known.
    let mut entered: Vec<String> = Vec::new();
    let base_cwd = Some(path::clean(&run.cwd));

    // Redirections anywhere in the script (compound commands included): a
    // relative target is resolved in the RUN's cwd when the script never
    // changes directory, else it could be anywhere.
    let changes_dir = shell::commands(script).iter().any(|(c, _)| {
        c.invocation().is_some_and(|i| {
            matches!(i.program.as_str(), "cd" | "pushd" | "popd") || i.chdir.is_some()
        })
    });
    let redirect_cx = Cx {
        cwd: if changes_dir { None } else { base_cwd.clone() },
        home: home.clone(),
        env: Env::default(),
        files,
    };
    shell::each_redirect(script, &mut |r| {
        // A here-document whose delimiter is unquoted expands its body:
        // `$(cat /app/VERSION)` in it runs, `$NAME` reads the variable.
        if let (shell::RedirOp::HereDoc { .. }, Some(body)) = (&r.op, &r.heredoc) {
            let unquoted = r
                .target
                .parts
                .iter()
                .all(|p| matches!(p, shell::Part::Lit(_)));
            if unquoted {
                if body.contains("$(") || body.contains('`') {
                    fx.give_up("a here-document's body runs command substitutions");
                }
                fx.env_read.names.extend(body_params(body));
            }
        }
        if !(r.op.writes_file() || r.op.reads_file()) {
            return;
        }
        let target = Arg::of(&r.target);
        if r.op.writes_file() {
            write_arg(&mut fx, &redirect_cx, &target);
        }
        if r.op.reads_file() {
            read_arg(&mut fx, &redirect_cx, &target);
        }
    });

    // A pattern in a command's words or a `for` list is matched against
    // the files of its folder, whatever the command does with the names
    // (`echo /opt/*`, `for f in /etc/app/*.conf`): the folder is read.
    shell::each_field_word(script, &mut |w| {
        if w.is_pattern() {
            read_arg(&mut fx, &redirect_cx, &Arg::of(w));
        }
    });

    for (cmd, place) in shell::commands(script) {
        let cwd = cds
            .iter()
            .rev()
            .find(|(scopes, _)| place.scopes.starts_with(scopes))
            .map(|(_, c)| c.clone())
            .unwrap_or_else(|| base_cwd.clone());
        let mut cx = Cx {
            cwd,
            home: home.clone(),
            env: Env::new(&run.env),
            files,
        };
        // What the script assigns, for the hazard check's variable reads.
        for a in &cmd.assignments {
            fx.assigned.push((a.name.clone(), a.value.lossy()));
        }
        let Some(inv) = cmd.invocation() else {
            continue;
        };
        if matches!(
            inv.program.as_str(),
            "export" | "readonly" | "declare" | "typeset" | "local"
        ) {
            for w in inv.args.iter() {
                if let Some((name, value)) = w.lossy().split_once('=') {
                    fx.assigned.push((name.to_string(), value.to_string()));
                }
            }
        }
        // `env NAME=value` (a prefix assignment is one of the command's
        // assignments already).
        for (name, value) in &inv.env {
            if !cmd.assignments.iter().any(|a| a.name == *name) {
                let v = value.clone().unwrap_or_else(|| "$(…)".into());
                fx.assigned.push((name.clone(), v));
            }
        }
        if inv.program.is_empty() {
            fx.give_up(format!(
                "`{}` runs a program named by an expansion",
                inv.program_word.lossy()
            ));
            continue;
        }
        if inv.args_from_stdin {
            fx.give_up(format!(
                "`xargs {}` takes its arguments from stdin",
                inv.program
            ));
            continue;
        }
        cx.env.extend(inv.env.iter().cloned());
        if inv.clears_env {
            cx.env.replace(inv.env.clone());
        }
        if let Some(u) = &inv.user {
            cx.home = home_of(u);
        }
        if let Some(d) = &inv.chdir {
            cx.cwd = cx.abs(d);
        }
        let prog = inv.program.clone();
        // A program named by a path is read (a relative one from the cwd);
        // a bare name is looked up through PATH.
        match inv.program_word.literal() {
            Some(w) if w.contains('/') => match cx.abs(&w) {
                Some(p) => fx.read(&p),
                None => fx.reads = PathSet::everything(),
            },
            _ => {
                fx.programs.insert(prog.clone());
            }
        }
        if prog == "cd" || prog == "pushd" || prog == "popd" {
            let args: Vec<Arg> = inv.args.iter().map(Arg::of).collect();
            let target = args.iter().find(|a| !a.is_opt());
            let next = match (prog.as_str(), target) {
                ("cd", None) => Some(cx.home.clone()),
                ("cd", Some(a)) if a.str() == Some("-") => None,
                ("cd" | "pushd", Some(a)) if !a.glob => a.str().and_then(|t| cx.abs(t)),
                _ => None,
            };
            fx.env(&["CDPATH", "OLDPWD"]);
            // `cd DIR` fails when DIR is missing: it reads DIR, so it cannot
            // move above the COPY that creates it (`RUN cd /app && ls`).
            match (&next, target) {
                (Some(dir), _) => entered.push(dir.clone()),
                (None, Some(a)) if a.str() != Some("-") => fx.reads = PathSet::everything(),
                _ => {}
            }
            // A cd that may not run leaves the cwd unknown.
            let next = if place.conditional { None } else { next };
            cds.push((place.scopes.clone(), next));
            continue;
        }
        if matches!(
            prog.as_str(),
            "eval" | "source" | "." | "exec" | "trap" | "alias"
        ) {
            fx.give_up(format!("`{prog}` runs code this model does not read"));
            continue;
        }
        if prog == "umask"
            && inv.args.iter().any(|a| {
                a.literal()
                    .is_none_or(|v| !v.starts_with('-') || v.len() > 2)
            })
        {
            fx.umask = true;
        }
        if PURE.contains(&prog.as_str()) {
            // `which X`, `command -v X`, `type X`, `hash X` look X up through
            // PATH as running it would: a program of the RUN's, for the PATH
            // checks (a COPY into /usr/local/bin can bring one).
            if matches!(prog.as_str(), "which" | "command" | "type" | "hash") {
                for a in inv.args.iter().map(Arg::of).filter(|a| !a.is_opt()) {
                    match a.str() {
                        Some(name) if !name.contains('/') => {
                            fx.programs.insert(name.to_string());
                        }
                        _ => read_arg(&mut fx, &cx, &a),
                    }
                }
            }
            if matches!(
                prog.as_str(),
                "getent" | "id" | "groups" | "whoami" | "logname"
            ) {
                for f in ["/etc/passwd", "/etc/group", "/etc/nsswitch.conf"] {
                    fx.read(f);
                }
            }
            continue;
        }
        let c = Cmd {
            prog: &prog,
            args: inv.args.iter().map(Arg::of).collect(),
            inv: &inv,
        };
        if !FAMILIES.iter().any(|f| f(&c, &cx, &mut fx)) {
            fx.give_up(format!("`{prog}` is not a command this model knows"));
        }
        read_named_by_configs(&mut fx, &cx, &mut scanned);
    }
    // Editing the user database by hand (`sed -i … /etc/passwd`, `echo … >>
    // /etc/group`, `cp passwd /etc/`) changes it as `useradd` does.
    if !fx.writes.is_everything()
        && fx.writes.iter().any(|p| {
            p == "/etc"
                || matches!(
                    p,
                    "/etc/passwd" | "/etc/group" | "/etc/shadow" | "/etc/gshadow"
                )
        })
        && !shell::commands(script).iter().any(|(c, _)| {
            c.invocation()
                .is_some_and(|i| SYSTEM_TOOLS.contains(&i.program.as_str()))
        })
    {
        fx.userdb = true;
    }
    if fx.network {
        for f in NETWORK_FILES {
            fx.read(f);
        }
        // Credentials for the hosts it fetches from: `$NETRC` or `~/.netrc`
        // (wget, pip's requests, uv, poetry, go, git over https).
        let cx = Cx {
            cwd: base_cwd.clone(),
            home: home.clone(),
            env: Env::new(&run.env),
            files,
        };
        config_from_env(&mut fx, &cx, "NETRC");
        fx.config(&cx.home(".netrc"));
    }
    for dir in entered {
        let dir = path::clean(&dir);
        let read_otherwise = fx.reads.is_everything() || fx.reads.iter().any(|p| under(&dir, p));
        if !read_otherwise {
            fx.entered_only.insert(dir.clone());
        }
        fx.read(&dir);
    }
    fx
}

/// What a network client reads besides its own configuration (and the
/// credentials file, `~/.netrc`): the system's
/// TLS trust store (OpenSSL's and GnuTLS's folders, Debian's
/// `/usr/lib/ssl` → `/etc/ssl`, Java's `cacerts` under `/etc/ssl/certs/java`,
/// Red Hat's `/etc/pki`) and how names resolve (`/etc/nsswitch.conf`,
/// `/etc/gai.conf`, `/etc/host.conf`). A COPY of a company CA into
/// `/etc/ssl/certs/` decides whether the download verifies.
const NETWORK_FILES: &[&str] = &[
    "/etc/ssl",
    "/etc/pki",
    "/etc/ca-certificates",
    "/etc/ca-certificates.conf",
    "/usr/lib/ssl",
    "/usr/local/ssl",
    "/etc/nsswitch.conf",
    "/etc/gai.conf",
    "/etc/host.conf",
];

/// The variables an unquoted here-document body expands (`$NAME`, `${NAME…}`).
fn body_params(body: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(i) = rest.find('$') {
        rest = &rest[i + 1..];
        let name_start = rest.strip_prefix('{').unwrap_or(rest);
        let n = name_start
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(name_start.len());
        if n > 0 {
            out.push(name_start[..n].to_string());
        }
    }
    out
}

/// Records as read every path the configuration files loaded so far name
/// (those not `scanned` yet), when their text is known: pip.conf's
/// `find-links`, .npmrc's `cafile`, .yarnrc's offline mirror, uv.toml's
/// `find-links`, nuget.config's local feeds. A tool reads what its
/// configuration points it at, so a RUN that loads the file reads them too,
/// for every reader of the model (DO101's split, DO102's move, the guard).
///
/// An absolute value is itself; `~/x` is under the command's HOME (unknown
/// home: anywhere); a relative one may be resolved against the file's folder
/// or the cwd, depending on the tool and the key, so both are read (unknown
/// cwd: anywhere).
fn read_named_by_configs(fx: &mut Effects, cx: &Cx, scanned: &mut BTreeSet<String>) {
    let fresh: Vec<String> = fx
        .config_files
        .iter()
        .filter(|p| !scanned.contains(*p))
        .cloned()
        .collect();
    for cfg in fresh {
        scanned.insert(cfg.clone());
        let Some(text) = cx.files.read(&cfg) else {
            continue;
        };
        let dir = cfg
            .rsplit_once('/')
            .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d })
            .to_string();
        for written in path_values(&text) {
            let places = if written.starts_with('/') {
                vec![Some(path::clean(written))]
            } else if let Some(rest) = written.strip_prefix("~/") {
                vec![Some(cx.home(rest))]
            } else {
                vec![
                    Some(path::join_abs(&dir, written)),
                    cx.cwd.as_deref().map(|c| path::join_abs(c, written)),
                ]
            };
            for place in places {
                let Some(p) = place else {
                    fx.reads = PathSet::everything();
                    continue;
                };
                fx.read(&p);
                fx.named
                    .entry(path::clean(&p))
                    .or_insert_with(|| (cfg.clone(), written.to_string()));
            }
        }
    }
}

/// The values in a tool's configuration text that name local paths: words
/// (split at blanks, `=`, `,`, brackets and quotes; comments dropped)
/// that start with `./`, `../`, `~/` or `/` (not `//`, npm's per-registry
/// keys), or `file:` URLs; and any word, however written, in the value of a
/// key whose name says it holds a path (`yarnPath: tools/yarn.cjs`,
/// `cacheFolder`, `store-dir`, `find-links = wheels`, `cafile`, `cert`).
/// Any format (INI, TOML, YAML, XML attributes, .npmrc, .yarnrc) reads the
/// same way here: a word that looks like a path is taken for one.
pub(crate) fn path_values(text: &str) -> Vec<&str> {
    let sep =
        |c: char| c.is_whitespace() || matches!(c, '=' | ',' | '[' | ']' | '"' | '\'' | '{' | '}');
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        for word in line.split(sep) {
            let word = word
                .strip_prefix("file://")
                .or_else(|| word.strip_prefix("file:"))
                .unwrap_or(word);
            let pathish = word.starts_with("./")
                || word.starts_with("../")
                || word.starts_with("~/")
                || (word.starts_with('/') && !word.starts_with("//"));
            // `/>` ends an XML element.
            if pathish && word.len() > 1 && !word.ends_with('>') {
                out.push(word);
            }
        }
        // `key = value`, `key: value`, `key "value"`, a YAML list item's key.
        let item = line.trim_start_matches(['-', ' ']);
        let Some(cut) = item.find(|c: char| c == '=' || c == ':' || c.is_whitespace()) else {
            continue;
        };
        let key = item[..cut].trim_matches(['"', '\'']).to_ascii_lowercase();
        if !PATH_KEYS.iter().any(|k| key.ends_with(k)) {
            continue;
        }
        let value = item[cut..].trim_start_matches(['=', ':', ' ', '\t']);
        for word in value.split(|c: char| sep(c) && c != '=') {
            let bare = !word.is_empty()
                && !word.contains("://")
                && !word.starts_with(['$', '%', '@'])
                && !word.starts_with("file:")
                && !matches!(word, "true" | "false" | "null" | "none" | "~");
            if bare && !out.contains(&word) {
                out.push(word);
            }
        }
    }
    out
}

/// Ends of configuration key names whose values are local paths.
const PATH_KEYS: &[&str] = &[
    "path",
    "folder",
    "dir",
    "directory",
    "file",
    "mirror",
    "links",
    "cert",
    "cache",
    "prefix",
];

#[cfg(test)]
pub(crate) mod testutil {
    use super::*;
    use std::collections::BTreeMap;

    pub struct Mem(pub BTreeMap<String, String>);

    impl Files for Mem {
        fn read(&self, abs: &str) -> Option<String> {
            self.0.get(abs).cloned()
        }
        fn list(&self, abs: &str) -> Option<Vec<String>> {
            let pre = format!("{}/", abs.trim_end_matches('/'));
            Some(
                self.0
                    .keys()
                    .filter_map(|k| k.strip_prefix(&pre))
                    .filter(|k| !k.contains('/'))
                    .map(str::to_string)
                    .collect(),
            )
        }
    }

    pub fn run_op(cmd: &str, env: &[(&str, &str)]) -> RunOp {
        RunOp {
            argv: vec!["/bin/sh".into(), "-c".into(), cmd.into()],
            heredocs: Vec::new(),
            env: env
                .iter()
                .map(|(k, v)| ((*k).into(), (*v).into()))
                .collect::<Vec<_>>()
                .into(),
            cwd: "/app".into(),
            user: "root".into(),
            network: None,
            security: None,
            mounts: Vec::new(),
            mount_stages: Vec::new(),
        }
    }

    /// Effects of `cmd` run in /app as root with `env`.
    pub fn fx(cmd: &str, env: &[(&str, &str)]) -> Effects {
        of_op(&run_op(cmd, env), &NoFiles)
    }

    pub fn fx_files(cmd: &str, files: &[(&str, &str)]) -> Effects {
        let m = Mem(files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect());
        of_op(&run_op(cmd, &[]), &m)
    }
}

#[cfg(test)]
mod tests {
    use super::testutil::fx;

    /// A download reads the system's TLS trust store and the name-service
    /// configuration; a RUN reads the shell it runs in (and what `/bin/sh`
    /// may link to).
    #[test]
    fn network_clients_and_the_shell() {
        let e = fx("curl -fsSL https://example.com/x -o /usr/local/bin/x", &[]);
        assert!(e.reads_under("/etc/ssl/certs/ca-certificates.crt"));
        assert!(e.reads_under("/etc/nsswitch.conf"));
        assert!(e.config_files.contains("/root/.netrc"));
        let e = fx("pip install flask", &[("NETRC", "/run/auth/netrc")]);
        assert!(e.reads_under("/run/auth/netrc"));
        let e = fx("mkdir -p /data", &[]);
        assert!(!e.reads_under("/etc/ssl"), "no network, no trust store");
    }

    /// Editing /etc/passwd or /etc/group by hand changes the user database.
    #[test]
    fn hand_edits_of_the_user_database() {
        for c in [
            "sed -i 's/^app:x:1000:/app:x:2000:/' /etc/passwd",
            "echo 'svc:x:3000:' >> /etc/group",
            "cp /tmp/passwd /etc/passwd",
        ] {
            assert!(fx(c, &[]).userdb, "{c}");
        }
        assert!(!fx("sed -i 's/a/b/' /etc/app.conf", &[]).userdb);
        assert!(!fx("apt-get install -y curl", &[]).userdb);
    }

    /// A locale other than C makes every program read the locale's data.
    #[test]
    fn locale_data() {
        let e = fx("sort /data/names > /sorted", &[("LANG", "de_DE.UTF-8")]);
        assert!(e.reads_under("/usr/lib/locale/locale-archive"));
        let e = fx("sort /data/names > /sorted", &[("LANG", "C")]);
        assert!(!e.reads_under("/usr/lib/locale"));
    }

    /// `ln -s TARGET LINK` makes a link this model records, with its target
    /// resolved against the link's folder (DEST may be a folder: both
    /// places are recorded).
    #[test]
    fn symbolic_links_made() {
        let e = fx("ln -sf ../data /app/data", &[]);
        assert!(e
            .links
            .contains(&("/app/data".into(), Some("/data".into()))));
        assert!(e.links.iter().any(|(l, _)| l == "/app/data/data"));
        let e = fx("ln -s -t /usr/local/bin /opt/tool/bin/tool", &[]);
        assert_eq!(
            e.links,
            vec![(
                "/usr/local/bin/tool".to_string(),
                Some("/opt/tool/bin/tool".to_string())
            )]
        );
        assert!(
            fx("ln /a /b", &[]).links.is_empty(),
            "a hard link is a file"
        );
    }

    /// Links not made by `ln -s`: an archive extracted, a tree copied with
    /// its links kept, a moved path, packages installed. Their place is a
    /// folder (or the system folders), their targets unknown.
    #[test]
    fn links_made_elsewhere() {
        let zones = |c: &str| {
            fx(c, &[])
                .link_zones
                .into_iter()
                .map(|(d, _)| d)
                .collect::<Vec<_>>()
        };
        assert_eq!(zones("tar xzf /tmp/t.tgz -C /opt/tool"), ["/opt/tool"]);
        assert_eq!(zones("tar -xf t.tar"), ["/app"]);
        assert_eq!(zones("unzip -q x.zip -d /srv/x"), ["/srv/x"]);
        assert_eq!(zones("unzip x.zip"), ["/app"]);
        assert_eq!(zones("cp -a /opt/skel/. /home/app/"), ["/home/app"]);
        assert_eq!(zones("cp -r conf /etc/app"), ["/etc/app"]);
        assert_eq!(zones("cp -rP conf /etc/app"), ["/etc/app"]);
        assert_eq!(zones("mv /tmp/current /srv/current"), ["/srv/current"]);
        assert!(
            zones("cp a.conf /etc/a.conf").is_empty(),
            "cp follows links"
        );
        assert!(zones("cp -rL conf /etc/app").is_empty(), "-L follows links");
        assert!(
            zones("tar czf /tmp/t.tgz .").is_empty(),
            "create makes no links"
        );
        assert_eq!(zones("tar xf t.tar -C $D"), ["/"], "an unknown place");
        assert!(fx("apt-get install -y python3", &[]).package_links);
        assert!(fx("apk add --no-cache python3", &[]).package_links);
        assert!(fx("update-alternatives --set java /x", &[]).package_links);
        assert!(!fx("pip install flask", &[]).package_links);
    }

    #[test]
    fn unknown_and_unparsable_read_everything() {
        for c in [
            "frobnicate",
            "$CMD x",
            "eval \"$X\"",
            ". ./env.sh",
            "echo 'x",
            "ls | xargs rm",
        ] {
            let e = fx(c, &[]);
            assert!(e.unknown && e.reads.is_everything(), "{c}");
        }
    }

    /// `cd DIR` reads DIR (it fails when DIR is missing), and marks it as
    /// entered only, unless something else reads the folder itself.
    #[test]
    fn a_folder_cd_only_enters_is_marked_so() {
        let e = fx("cd web && cat package.json", &[]);
        assert!(e.reads.iter().any(|p| p == "/app/web"));
        assert!(e.reads.iter().any(|p| p == "/app/web/package.json"));
        assert_eq!(e.entered_only.iter().collect::<Vec<_>>(), ["/app/web"]);
        for read_too in [
            "cd web && ls",
            "cd web && cp -r . /out",
            "ls web && cd web",
            "cat /app/* && cd web",
        ] {
            let e = fx(read_too, &[]);
            assert!(e.reads.iter().any(|p| p == "/app/web"), "{read_too}");
            assert!(e.entered_only.is_empty(), "{read_too}");
        }
    }

    #[test]
    fn redirects_cd_and_tilde() {
        let e = fx("echo hi > out.txt && cat < /etc/x", &[]);
        assert!(e.writes_under("/app/out.txt") && e.reads_under("/etc/x"));
        assert!(!e.reads_under("/srv"));
        let e = fx("cd /tmp && touch a; (cd /x && touch b); touch c", &[]);
        assert!(e.writes_under("/tmp/a") && e.writes_under("/x/b") && e.writes_under("/tmp/c"));
        assert!(!e.writes_under("/app"));
        let e = fx("test -f x || cd /y; touch z", &[]);
        assert!(
            e.writes.is_everything(),
            "a conditional cd leaves the cwd unknown"
        );
        let e = fx("env -C /srv touch k && mkdir -p ~/.cache", &[]);
        assert!(e.writes_under("/srv/k") && e.writes_under("/root/.cache"));
        let e = fx(
            "curl -sSLo /srv/a https://x && wget -qO- https://y | tee /srv/b",
            &[],
        );
        assert!(e.writes_under("/srv/a") && e.writes_under("/srv/b") && !e.writes_under("/app"));
        // A non-root user's home is wherever /etc/passwd says: unknown.
        let mut run = super::testutil::run_op("pip install --user flask", &[]);
        run.user = "app".into();
        let e = super::of_op(&run, &super::NoFiles);
        assert!(e.writes.is_everything());
        run.env = vec![("HOME".into(), "/home/app".into())].into();
        let e = super::of_op(&run, &super::NoFiles);
        assert!(e.writes_under("/home/app/.local") && !e.writes_under("/app"));
        let e = fx("echo $FOO", &[]);
        assert!(e.reads_env("FOO") && e.reads_env("PATH") && !e.reads_env("BAR"));
        let e = fx("for f in /a/*.txt; do echo $f; done > /b/log", &[]);
        assert!(e.writes_under("/b/log"));
        // The shell reads the folder a pattern is matched in, whatever the
        // command; a lone `[` and a case pattern are no file patterns.
        assert!(e.reads_under("/a") && !e.reads_under("/c"));
        let e = fx("echo /opt/* > /l && printf '%s' *.conf", &[]);
        assert!(e.reads_under("/opt") && e.reads_under("/app"));
        let e = fx("[ -f /x ] && case $A in *) echo '/q/*' ;; esac", &[]);
        assert!(
            !e.reads_under("/app") && !e.reads_under("/q"),
            "{:?}",
            e.reads
        );
    }

    #[test]
    fn path_values_of_config_formats() {
        use super::path_values;
        assert_eq!(
            path_values(
                "[global]\nfind-links = /app/wheels\nindex-url = https://pypi.org/simple\n"
            ),
            vec!["/app/wheels"]
        );
        assert_eq!(
            path_values("cafile=./certs/ca.pem\n//registry.npmjs.org/:_authToken=x\n"),
            vec!["./certs/ca.pem"]
        );
        assert_eq!(
            path_values("yarn-offline-mirror \"./npm-packages-offline-cache\"\n"),
            vec!["./npm-packages-offline-cache"]
        );
        assert_eq!(
            path_values("find-links = [\"./wheels\"]\n"),
            vec!["./wheels"]
        );
        assert_eq!(
            path_values("index-url = file:///app/simple\n"),
            vec!["/app/simple"]
        );
        assert!(path_values("# find-links = ./wheels\nregistry=https://x/\n").is_empty());
        // Keys that hold paths, written without `./`.
        assert_eq!(
            path_values(
                "nodeLinker: node-modules\nyarnPath: tools/yarn.cjs\nenableTelemetry: false\n"
            ),
            vec!["tools/yarn.cjs"]
        );
        assert_eq!(
            path_values("plugins:\n  - path: .yarn/plugins/x.cjs\n    spec: \"@yarnpkg/x\"\n"),
            vec![".yarn/plugins/x.cjs"]
        );
        assert_eq!(
            path_values("[global]\nfind-links = wheels\nno-cache-dir = true\nindex-url = https://x/simple\n"),
            vec!["wheels"]
        );
        assert_eq!(
            path_values("find-links = [\"wheels\", \"more\"]\n"),
            vec!["wheels", "more"]
        );
        assert_eq!(
            path_values("store-dir=pnpm-store\ncafile=certs/ca.pem\n"),
            vec!["pnpm-store", "certs/ca.pem"]
        );
        assert!(path_values("registry=https://r/\nalways-auth=true\n").is_empty());
        // XML: attribute values, not closing tags.
        assert_eq!(
            path_values("<add key=\"local\" value=\"./feed\" />\n</packageSources>\n"),
            vec!["./feed"]
        );
    }

    /// What a loaded configuration file names is read: a value relative to
    /// the file's folder or the cwd, an absolute one, and `~/` under HOME
    /// (not the file's folder).
    #[test]
    fn a_config_file_reads_what_it_names() {
        use super::testutil::{fx_files, Mem};
        let e = fx_files(
            "pip install flask",
            &[(
                "/etc/pip.conf",
                "[global]\nfind-links = ./wheels /srv/more\n",
            )],
        );
        assert!(e.reads_under("/etc/wheels") && e.reads_under("/app/wheels"));
        assert!(e.reads_under("/srv/more") && !e.reads_under("/srv/other"));
        assert_eq!(
            e.named.get("/srv/more"),
            Some(&("/etc/pip.conf".to_string(), "/srv/more".to_string()))
        );
        let e = fx_files(
            "npm install -g pnpm",
            &[("/root/.npmrc", "cafile=~/certs/ca.pem\n")],
        );
        assert!(e.reads_under("/root/certs/ca.pem"));
        assert_eq!(
            e.named.keys().collect::<Vec<_>>(),
            vec!["/root/certs/ca.pem"],
            "~ is HOME, not the folder"
        );
        // HOME set by ENV.
        let files = Mem([(
            "/app/pip.conf".to_string(),
            "[global]\nfind-links = ~/w\n".to_string(),
        )]
        .into_iter()
        .collect());
        let run = super::testutil::run_op(
            "pip install flask",
            &[("PIP_CONFIG_FILE", "/app/pip.conf"), ("HOME", "/home/u")],
        );
        let e = super::of_op(&run, &files);
        assert!(e.reads_under("/home/u/w") && !e.reads_under("/app/w"));
        // Inside `sh -c`, the same.
        let e = fx_files(
            "sh -c 'pip install flask'",
            &[("/etc/pip.conf", "[global]\nfind-links = /srv/w\n")],
        );
        assert!(e.reads_under("/srv/w") && e.named.contains_key("/srv/w"));
    }

    /// `which X` and `command -v X` look X up through PATH: X is a program
    /// of the RUN's (the hazard check asks whether a COPY brings one).
    #[test]
    fn lookups_name_programs() {
        for c in [
            "which mytool > /w",
            "command -v mytool",
            "type mytool",
            "if command -v mytool; then :; fi",
        ] {
            assert!(fx(c, &[]).programs.contains("mytool"), "{c}");
        }
        assert!(fx("which /opt/x/tool", &[]).reads_under("/opt/x/tool"));
    }

    /// An unquoted here-document expands its body: a command substitution
    /// there runs (read everything), a `$NAME` reads the variable; a quoted
    /// delimiter expands nothing.
    #[test]
    fn heredoc_bodies_expand() {
        use crate::model::{self, BuildOptions, Op};
        let fx_of = |text: &str| {
            let df = crate::syntax::parse(text).unwrap();
            let m = model::build(&df, &BuildOptions::default()).unwrap();
            let step = m.stage_steps(0).find(|s| s.instruction == 1).unwrap();
            let Some(Op::Run(run)) = &step.op else {
                panic!("no RUN")
            };
            super::of_run(&df, &df.instructions[1], run)
        };
        let e = fx_of("FROM debian\nRUN cat <<EOF > /v\n$(cat /opt/app/x)\nEOF\n");
        assert!(e.unknown, "{e:?}");
        let e = fx_of("FROM debian\nRUN cat <<EOF > /v\ndir=${APP_DIR}/x\nEOF\n");
        assert!(!e.unknown && e.reads_env("APP_DIR"), "{e:?}");
        let e = fx_of("FROM debian\nRUN cat <<'EOF' > /v\n$(cat /opt/app/x) $APP_DIR\nEOF\n");
        assert!(!e.unknown && !e.reads_env("APP_DIR"), "{e:?}");
    }

    #[test]
    fn non_posix_shell_reads_everything() {
        let mut run = super::testutil::run_op("Get-Item x", &[]);
        run.argv = vec!["pwsh".into(), "-Command".into(), "Get-Item x".into()];
        assert!(super::of_op(&run, &super::NoFiles).unknown);
    }
}
