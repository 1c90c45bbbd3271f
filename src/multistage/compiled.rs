//! The shape shared by compiled ecosystems (Go, Rust, Java, .NET): the
//! builder is the original stage without its runtime config; the runtime
//! copies the build's artifacts (binary, jar, publish directory) from it to
//! the same paths and carries the config over.

use super::shell::CmdKind;
use super::{
    block, check_override, config_needs_shell, early_config, install_line, is_late_config,
    late_config, packages, Analysis, Plan, Refusal, BUILDER,
};
use crate::syntax::Keyword;

/// Directories on the PATH of Debian and Alpine images.
pub const STD_PATH: &[&str] = &[
    "/usr/local/sbin",
    "/usr/local/bin",
    "/usr/sbin",
    "/usr/bin",
    "/sbin",
    "/bin",
];

pub(crate) struct Artifact {
    /// Where the build wrote it.
    pub from: String,
    /// Where the runtime gets it (usually the same path).
    pub to: String,
}

pub(crate) struct Spec {
    pub runtime_base: String,
    pub base_saving: u64,
    pub artifacts: Vec<Artifact>,
    /// The runtime may be scratch/distroless (Go, Rust).
    pub allow_shell_less: bool,
    pub notes: Vec<String>,
}

/// Resolves a bare command name the way the runtime will: a binary built
/// outside the standard PATH is delivered to /usr/local/bin instead.
pub(crate) fn delivery_path(a: &Analysis, built: &str) -> String {
    let name = built.rsplit('/').next().unwrap_or(built);
    let argv = super::command_line(a.config);
    let bare = argv.first().is_some_and(|f| f == name);
    let dir = built.rsplit_once('/').map_or("/", |x| x.0);
    let on_path = STD_PATH.contains(&dir)
        || a.config
            .env
            .iter()
            .any(|(k, v)| k == "PATH" && v.split(':').any(|d| d == dir));
    if bare && !on_path {
        format!("/usr/local/bin/{name}")
    } else {
        built.to_string()
    }
}

pub(crate) fn plan(a: &Analysis, opts: &super::Options, mut spec: Spec) -> Result<Plan, Refusal> {
    if spec.artifacts.is_empty() {
        return Err(Refusal::new("cannot tell which files the build produces"));
    }
    let workdir = a.workdir();
    // Runtime replays: user management, and file commands on absolute paths
    // outside the sources.
    let mut replay = Vec::new();
    for item in a.items.iter().filter(|i| i.is_run()) {
        let mut mine = Vec::new();
        for c in &item.cmds {
            if c.kind != CmdKind::Replay {
                continue;
            }
            let cmd = c.words.first().map(String::as_str).unwrap_or("");
            let users = ["useradd", "adduser", "groupadd", "addgroup", "usermod"];
            let touches_sources = c.words.iter().skip(1).any(|w| {
                !w.starts_with('-')
                    && (w.starts_with('/')
                        && (w == &workdir || w.starts_with(&format!("{workdir}/"))))
                    || (!w.starts_with('/') && !w.starts_with('-') && w.contains('.'))
            });
            if users.contains(&cmd) {
                mine.push(c.text.clone());
            } else if touches_sources && !spec.artifacts.iter().any(|x| c.text.contains(&x.to)) {
                return Err(Refusal::new(format!(
                    "line {}: cannot tell whether `{}` matters at run time (it works on the sources)",
                    item.ins.start_line, c.text
                )));
            } else {
                mine.push(c.text.clone());
            }
        }
        if !mine.is_empty() {
            replay.push((item, mine.join(" && ")));
        }
    }
    let distro = Analysis::distro(spec.runtime_base.rsplit_once(':').map_or("", |x| x.1));
    let builder_distro = Analysis::distro(a.base.rsplit_once(':').map_or("", |x| x.1));
    let (runtime_pkgs, moved) = a.package_fates(builder_distro)?;
    if let Some(o) = &opts.runtime_base {
        let needs_shell = config_needs_shell(a) || !runtime_pkgs.is_empty() || !replay.is_empty();
        check_override(o, needs_shell, spec.allow_shell_less)?;
        spec.runtime_base = o.clone();
        spec.base_saving = 0;
    }

    let mut b = String::new();
    b.push_str(&a.preamble);
    b.push_str(&a.base_comments());
    b.push_str(&a.stage_line(&a.base, Some(BUILDER)));
    for item in &a.items {
        if is_late_config(item.keyword()) && item.keyword() != Keyword::User {
            continue;
        }
        // Comments of config instructions move to the runtime.
        if matches!(
            item.keyword(),
            Keyword::Env
                | Keyword::Arg
                | Keyword::Label
                | Keyword::Maintainer
                | Keyword::Workdir
                | Keyword::User
        ) {
            b.push_str(a.text(item.ins));
            b.push('\n');
        } else {
            b.push_str(&block(a.df, item.ins));
        }
    }

    let mut t = String::new();
    t.push_str(&format!("\n{}", a.stage_line(&spec.runtime_base, None)));
    t.push_str(&early_config(a, true));
    if !runtime_pkgs.is_empty() {
        t.push_str("# runtime packages only: build tools stay in the builder\n");
        t.push_str(&install_line(distro, &runtime_pkgs));
    }
    for x in &spec.artifacts {
        super::plain_path(&x.from, None)?;
        super::plain_path(&x.to, None)?;
        t.push_str(&format!("COPY --from={BUILDER} {} {}\n", x.from, x.to));
        if x.from != x.to {
            spec.notes.push(format!(
                "{} is delivered to {} (on the runtime's PATH)",
                x.from, x.to
            ));
        }
    }
    for (item, r) in &replay {
        t.push_str(&super::comments(item.ins));
        t.push_str(&format!("RUN {r}\n"));
    }
    // USER is in late_config; avoid duplicating it before the copies.
    t.push_str(&late_config(a, &[]));
    let saving = spec.base_saving + packages::build_only_mb(&moved);
    let mut notes = spec.notes;
    notes.push(
        "the runtime holds the build's artifacts only, not the sources: copy any data files the program reads at run time"
            .to_string(),
    );
    if !moved.is_empty() {
        notes.push(format!("left in the builder: {}", moved.join(" ")));
    }
    Ok(Plan {
        text: format!("{b}{t}"),
        runtime_base: spec.runtime_base,
        moved_packages: moved,
        estimated_saving_mb: Some(saving),
        notes,
        changed: Vec::new(),
    })
}

/// Refuses commands that belong to another ecosystem.
pub(crate) fn only(a: &Analysis, ok: impl Fn(&CmdKind) -> bool, what: &str) -> Result<(), Refusal> {
    for (item, c) in a.cmds() {
        let generic = matches!(
            c.kind,
            CmdKind::AptUpdate
                | CmdKind::AptInstall(_)
                | CmdKind::AptHousekeeping
                | CmdKind::ApkAdd(_)
                | CmdKind::ApkHousekeeping
                | CmdKind::Fetch
                | CmdKind::Replay
                | CmdKind::Noop
        );
        if !generic && !ok(&c.kind) {
            return Err(Refusal::new(format!(
                "line {}: `{}` is not a {what} build step",
                item.ins.start_line, c.text
            )));
        }
    }
    Ok(())
}

/// The exec-form command line; a shell form is refused (its words are not
/// known to the converter).
pub(crate) fn exec_argv(a: &Analysis) -> Result<Vec<String>, Refusal> {
    let argv = super::command_line(a.config);
    if argv.is_empty() {
        return Err(Refusal::new("no CMD or ENTRYPOINT: cannot tell what runs"));
    }
    let last = a
        .items
        .iter()
        .rfind(|i| matches!(i.keyword(), Keyword::Cmd | Keyword::Entrypoint));
    if last.is_some_and(|i| !i.ins.arguments.is_exec()) {
        return Err(Refusal::new(
            "CMD/ENTRYPOINT in shell form: cannot tell which artifact runs",
        ));
    }
    Ok(argv)
}
