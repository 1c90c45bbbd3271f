//! The one check every rewrite that moves a RUN across a COPY/ADD must
//! pass (DO101, DO102, the guard's re-justification of each declared move).
//!
//! Reordering is an instruction scheduler's question. A RUN may move across
//! a COPY only if, by the RUN's [effects](crate::effects):
//! - it reads nothing the COPY writes (the destination, the exact set of
//!   files the context lands there when it is known, else the whole
//!   destination subtree; and the destination's ancestors, which the COPY
//!   creates);
//! - it writes nothing the COPY writes;
//! - no variable it reads points into what the COPY brings (a
//!   `PIP_CONFIG_FILE=/app/pip.conf` set before the COPY still matters; a
//!   `PATH` entry there matters when the COPY brings a program the RUN runs);
//! - it does not change the user/group database when the COPY resolves
//!   names (`--chown=app`);
//! - no mount of the RUN lands in the destination.
//!
//! The build state the RUN sees (ENV, ARG, WORKDIR, USER, SHELL) must be
//! unchanged; callers only cross COPY/ADD and config-only instructions, and
//! the guard compares the whole RunOp.

use crate::context::{ContextTree, EntryKind};
use crate::effects::{under, Effects};
use crate::model::{path, CopyOp, CopySource, RunOp};

/// Whether the COPY writes `p`, something below it, or something above it
/// that `p` depends on (the destination and its ancestors).
pub fn copy_touches(copy: &CopyOp, ctx: Option<&ContextTree>, p: &str) -> bool {
    let p = path::clean(p);
    let dest = path::clean(&copy.dest);
    if under(&dest, &p) {
        return true;
    }
    if !under(&p, &dest) {
        return false;
    }
    let Some(ctx) = ctx else { return true };
    let exact = names_context_paths(copy);
    if !exact {
        return true;
    }
    let many = copy.srcs.len() > 1 || copy.dest.ends_with('/');
    copy.srcs.iter().any(|s| {
        // A source that is (or is under) a symbolic link is followed: COPY
        // of a link to a folder brings the folder's contents.
        let Some((src, e)) = source_entry(ctx, &s.path) else {
            // A source the context does not have: the COPY would fail, or
            // the tree is not what this model thinks.
            return true;
        };
        if e.is_dir() {
            // Its contents land in dest: the context path for `p`.
            let cpath = context_path_of(&src, &dest, &p);
            context_has_at_or_above(ctx, &cpath, &src) || ctx.has_at_or_under(&cpath)
        } else {
            let landing = if many {
                path::join_abs(&dest, &s.basename)
            } else {
                dest.clone()
            };
            under(&landing, &p) || under(&p, &landing)
        }
    })
}

/// The context entry a COPY source names, with its key: BuildKit follows a
/// symbolic link named as the source (and any in the folders above it)
/// inside the context, so `COPY conf /etc/app/` with `conf -> confs/prod`
/// brings the contents of confs/prod. None: not in the context.
fn source_entry<'c>(
    ctx: &'c ContextTree,
    src: &str,
) -> Option<(String, &'c crate::context::Entry)> {
    let key = ctx.resolve(src, true).ok()?;
    let e = ctx.get(&key)?;
    Some((key, e))
}

/// The context path whose contents land at `p` (at or under `dest`) when
/// the context folder `src` is copied to `dest`.
fn context_path_of(src: &str, dest: &str, p: &str) -> String {
    let base = if dest == "/" {
        p.trim_start_matches('/')
    } else {
        p.strip_prefix(dest).unwrap_or("").trim_start_matches('/')
    };
    match (src.is_empty(), base.is_empty()) {
        (true, _) => base.to_string(),
        (false, true) => src.to_string(),
        (false, false) => format!("{src}/{base}"),
    }
}

/// Whether the context has `cpath`, or a non-directory above it (inside the
/// copied root `root`), which the COPY writes in its place.
fn context_has_at_or_above(ctx: &ContextTree, cpath: &str, root: &str) -> bool {
    let mut cur = cpath.to_string();
    loop {
        if let Some(e) = ctx.get(&cur) {
            return cur == cpath || e.kind != EntryKind::Dir;
        }
        match cur.rsplit_once('/') {
            Some((parent, _)) if parent.len() >= root.len() => cur = parent.to_string(),
            _ => return false,
        }
    }
}

/// Whether `--chown` names a user or group (resolved in the image's
/// /etc/passwd and /etc/group) rather than numeric ids.
fn chown_resolves_names(chown: &str) -> bool {
    chown
        .split(':')
        .any(|part| !part.is_empty() && !part.chars().all(|c| c.is_ascii_digit()))
}

/// Pieces of a variable's value that name paths: absolute ones, `./`- and
/// `../`-relative ones, and — when `bare` — any other word, taken relative
/// to the cwd (`PIP_FIND_LINKS=wheels`, `NODE_EXTRA_CA_CERTS=certs/ca.pem`,
/// `PYTHONPATH=src`): tools resolve a relative value against the cwd.
/// Callers pass `bare` when the COPY's files are known exactly, so a word
/// that is no path (`noninteractive`) matches nothing; without the context,
/// a bare word counts only when it has a `/`.
fn value_paths(value: &str, cwd: &str, bare: bool) -> Vec<String> {
    value
        .split([':', ',', ';', ' ', '='])
        .filter_map(|piece| {
            if piece.starts_with('/') {
                Some(path::clean(piece))
            } else if piece == "."
                || piece.starts_with("./")
                || piece.starts_with("../")
                || (!piece.is_empty()
                    && !piece.starts_with(['-', '$', '~'])
                    && (bare || piece.contains('/')))
            {
                Some(path::join_abs(cwd, piece))
            } else {
                None
            }
        })
        .collect()
}

/// The PATH a RUN searches when no ENV sets one: Docker's default, which
/// base images keep (some add folders before it; those are not known here).
const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Whether the COPY lands a program named `name` in directory `dir`.
fn copy_brings_program(copy: &CopyOp, ctx: Option<&ContextTree>, dir: &str, name: &str) -> bool {
    copy_touches(copy, ctx, &path::join_abs(dir, name))
}

/// The names the COPY puts directly in `dir` (files or folders), when the
/// context tells them; None when it cannot be told.
fn names_brought_into(copy: &CopyOp, ctx: Option<&ContextTree>, dir: &str) -> Option<Vec<String>> {
    let ctx = ctx?;
    if !names_context_paths(copy) {
        return None;
    }
    let dir = path::clean(dir);
    let dest = path::clean(&copy.dest);
    if !under(&dir, &dest) {
        // The COPY lands below `dir`: only its top folder (or file) is a
        // name in `dir`.
        return Some(match dest.rsplit_once('/') {
            Some((parent, name)) if under(&dest, &dir) && path::clean(parent) == dir => {
                vec![name.to_string()]
            }
            _ => Vec::new(),
        });
    }
    let many = copy.srcs.len() > 1 || copy.dest.ends_with('/');
    let mut names = Vec::new();
    for s in &copy.srcs {
        let (src, e) = source_entry(ctx, &s.path)?;
        if e.is_dir() {
            let cpath = context_path_of(&src, &dest, &dir);
            for (k, _) in ctx.entries() {
                let parent = k.rsplit_once('/').map_or("", |(p, _)| p);
                if parent == cpath && !k.is_empty() && k != cpath {
                    names.push(k.rsplit('/').next().unwrap_or(k).to_string());
                }
            }
        } else {
            let landing = if many {
                path::join_abs(&dest, &s.basename)
            } else {
                dest.clone()
            };
            if let Some((parent, name)) = landing.rsplit_once('/') {
                if path::clean(parent) == dir {
                    names.push(name.to_string());
                }
            }
        }
    }
    Some(names)
}

/// Whether another program could run `name` through PATH: package managers,
/// build tools and maintainer scripts run programs by name (dpkg runs
/// `ldconfig`, `tar`, `update-alternatives`…), which a RUN's text does not
/// show. Names with a script or data extension (`entrypoint.sh`,
/// `app.py`) are not the names tools run.
fn command_like(name: &str) -> bool {
    const NOT_COMMANDS: &[&str] = &[
        "sh", "bash", "py", "rb", "js", "mjs", "cjs", "pl", "php", "jar", "txt", "md", "json",
        "yaml", "yml", "toml", "ini", "cfg", "conf", "env", "lock", "html", "css",
    ];
    match name.rsplit_once('.') {
        Some((stem, ext)) if !stem.is_empty() => !NOT_COMMANDS.contains(&ext),
        _ => true,
    }
}

/// A name the COPY brings into the PATH folder `dir` that a program of the
/// RUN may run by name instead of the one it ran before: a program the RUN
/// names, or — unless the context shows only script and data files there —
/// any other. Described for a message.
fn program_brought_into(
    fx: &Effects,
    copy: &CopyOp,
    ctx: Option<&ContextTree>,
    dir: &str,
) -> Option<String> {
    if let Some(prog) = fx
        .programs
        .iter()
        .find(|prog| ctx.is_none() || copy_brings_program(copy, ctx, dir, prog))
    {
        return Some(format!("a `{prog}`"));
    }
    if fx.programs.is_empty() && !fx.unknown {
        return None;
    }
    match names_brought_into(copy, ctx, dir) {
        Some(names) => names
            .into_iter()
            .find(|n| command_like(n))
            .map(|n| format!("`{n}`")),
        None => Some("programs this model cannot list".to_string()),
    }
}

/// Why the RUN (with `fx` its effects) may not move across `copy`, or Ok.
pub fn run_may_cross(
    fx: &Effects,
    run: &RunOp,
    copy: &CopyOp,
    ctx: Option<&ContextTree>,
) -> Result<(), String> {
    run_may_cross_with(fx, run, copy, ctx, &|_| false, false, &Before::default())
}

/// As [`run_may_cross`], where `before` is what the earlier steps of the
/// stage left: the folders they made (the RUN finds those where it lands)
/// and the symbolic links they made (a path through a link is its target's).
pub fn run_may_cross_where(
    fx: &Effects,
    run: &RunOp,
    copy: &CopyOp,
    ctx: Option<&ContextTree>,
    before: &Before,
) -> Result<(), String> {
    run_may_cross_with(fx, run, copy, ctx, &|_| false, false, before)
}

/// As [`run_may_cross_where`], where a path for which `provided` holds is
/// brought before the RUN, byte for byte, by a manifest COPY (DO101's
/// split): the RUN reads the same file there.
pub fn run_may_cross_with(
    fx: &Effects,
    run: &RunOp,
    copy: &CopyOp,
    ctx: Option<&ContextTree>,
    provided: &dyn Fn(&str) -> bool,
    dest_prepared: bool,
    before: &Before,
) -> Result<(), String> {
    // Paths are compared where they land: through the base image's aliases
    // (`/bin` is `/usr/bin` on a merged-usr Debian) and the links earlier
    // steps made (`ln -s /srv/app /app`: `/app/conf` is `/srv/app/conf`).
    let copy_in = copy;
    let seen;
    let (fx, run, copy) = match before.resolve(fx, run, copy) {
        Some((f, r, c)) => {
            let lost = |was: &crate::effects::PathSet, now: &crate::effects::PathSet| {
                !was.is_everything() && now.is_everything()
            };
            if !fx.unknown
                && (lost(&fx.reads, &f.reads)
                    || lost(&fx.writes, &f.writes)
                    || path::clean(&c.dest) == "/" && path::clean(&copy.dest) != "/")
            {
                return Err(
                    "an earlier RUN makes a symbolic link whose place or target this model cannot tell (`ln -s` with an expansion or a pattern), and the paths compared here may lead through it".into(),
                );
            }
            seen = (f, r, c);
            (&seen.0, &seen.1, &seen.2)
        }
        None => (fx, run, copy),
    };
    if !fx.unknown {
        if let Some(why) = before.zone_hazard(fx, copy) {
            return Err(why);
        }
    }
    let (was, now) = (path::clean(&copy_in.dest), path::clean(&copy.dest));
    if copy_in.link && was != now {
        // `--link` applies the COPY to an empty tree and stacks it: the
        // folder it makes replaces the link instead of following it.
        return Err(format!(
            "the COPY --link's destination {was} is under a symbolic link ({now}), which the COPY replaces with a folder"
        ));
    }
    crossing(fx, run, copy, ctx, provided, dest_prepared, &|d| {
        before.exists(d)
    })
    .map_err(|why| {
        if was == now {
            why
        } else {
            format!("{why} ({was} is {now}, through a symbolic link)")
        }
    })
}

/// [`run_may_cross_with`] once every path is where it lands.
fn crossing(
    fx: &Effects,
    run: &RunOp,
    copy: &CopyOp,
    ctx: Option<&ContextTree>,
    provided: &dyn Fn(&str) -> bool,
    dest_prepared: bool,
    exists: &dyn Fn(&str) -> bool,
) -> Result<(), String> {
    let dest = path::clean(&copy.dest);
    let kw = if copy.add { "ADD" } else { "COPY" };
    if fx.unknown {
        return Err(match fx.why.first() {
            Some(w) => format!("{w}, so it may read what the {kw} brings"),
            None => "the RUN does something this model does not follow".into(),
        });
    }
    if fx.reads.is_everything() {
        return Err(format!(
            "it may read any file, including what the {kw} writes to {dest}"
        ));
    }
    if fx.writes.is_everything() {
        return Err(format!(
            "it may write any file, including under {dest}{}",
            fx.why
                .first()
                .map(|w| format!(" ({w})"))
                .unwrap_or_default()
        ));
    }
    // What every RUN reads before its script (the loader, its USER, its
    // shell), by both merged-usr names.
    if let Some(p) = crate::effects::EVERY_RUN_READS
        .iter()
        .flat_map(|p| [p.to_string(), path::join_abs("/usr", p)])
        .find(|p| copy_touches(copy, ctx, p) && !provided(p))
    {
        return Err(format!(
            "the {kw} writes {p}, which every RUN reads before its script (the dynamic loader, the user database its USER is looked up in, the shell)"
        ));
    }
    // A folder the RUN only enters (`cd web && npm ci`) needs to exist where
    // the RUN lands, not to hold what the COPY brings: when a manifest COPY
    // made the destination first (DO101's split) and that folder is there.
    let entered = |p: &str| dest_prepared && fx.entered_only.contains(p) && exists(p);
    if let Some(p) = fx
        .reads
        .iter()
        .find(|p| copy_touches(copy, ctx, p) && !provided(p) && !entered(p))
    {
        let what = if fx.config_files.contains(p) {
            "a configuration file it reads".to_string()
        } else if let Some((cfg, written)) = fx.named.get(p) {
            format!("which it reads: {cfg}, a configuration file it loads, names {written}")
        } else {
            "which it reads".to_string()
        };
        return Err(format!("the {kw} writes {p}, {what}"));
    }
    if let Some(p) = fx.writes.iter().find(|p| copy_touches(copy, ctx, p)) {
        return Err(format!("it writes {p}, where the {kw} writes too"));
    }
    // A write inside the destination needs the directory the COPY creates
    // (and whose metadata it sets), unless a manifest COPY made it first.
    if !dest_prepared {
        if let Some(p) = fx.writes.iter().find(|p| under(p, &dest)) {
            return Err(format!(
                "it writes {p}, inside {dest}, which the {kw} creates and fills"
            ));
        }
        if let Some((p, dir)) = fx
            .writes
            .iter()
            .find_map(|p| folder_the_copy_may_create(p, &dest, &run.cwd).map(|d| (p, d)))
            .filter(|(_, d)| !exists(d))
        {
            return Err(format!(
                "it writes {p}, in {dir}, a folder the {kw} creates when the base image lacks it: run first, the RUN may find no {dir}"
            ));
        }
        if let Some(why) = creates_a_shared_parent(fx, run, copy, &dest, kw) {
            return Err(why);
        }
    }
    // Variables the script itself sets (`export PIP_CONFIG_FILE=/app/pip.conf`,
    // `PATH=/app/bin:$PATH pip …`): their values as written, read the same way.
    // A piece this model cannot tell (another variable, a command's output)
    // may be anything.
    for (k, v) in &fx.assigned {
        if !fx.reads_env(k) {
            continue;
        }
        let unknown = v.split([':', ',', ';', ' ']).any(|piece| {
            piece.contains('$') && piece != format!("${k}") && piece != format!("${{{k}}}")
        });
        if unknown {
            return Err(format!(
                "it sets ${k} to `{v}`, which this model cannot tell, and reads it"
            ));
        }
    }
    let script_vars = fx.assigned.iter().map(|(k, v)| (k.as_str(), v.as_str()));
    for (k, v) in run.env.iter().map(|(k, v)| (&**k, &**v)).chain(script_vars) {
        let in_script = fx.assigned.iter().any(|(n, _)| n == k);
        if (k == "HOME" && !in_script) || !fx.reads_env(k) {
            // Home-relative files are already resolved into `reads`.
            continue;
        }
        for p in value_paths(v, &run.cwd, ctx.is_some()) {
            if !copy_touches(copy, ctx, &p) || provided(&p) {
                continue;
            }
            if k == "PATH" {
                if let Some(prog) = program_brought_into(fx, copy, ctx, &p) {
                    return Err(format!(
                        "`PATH` has {p}, where the {kw} may bring {prog}, which the RUN or a program it starts would run or look up instead"
                    ));
                }
                continue;
            }
            return Err(format!(
                "it reads ${k}={v}, which points into what the {kw} brings ({p})"
            ));
        }
    }
    // Without an ENV PATH the RUN searches the base image's PATH, which
    // this model takes to be Docker's default: a COPY into /usr/local/bin
    // can bring a `mkdir` that runs instead of /bin/mkdir.
    if !run.env.iter().any(|(k, _)| &**k == "PATH") {
        for dir in DEFAULT_PATH.split(':') {
            if !copy_touches(copy, ctx, dir) {
                continue;
            }
            if let Some(prog) = program_brought_into(fx, copy, ctx, dir) {
                return Err(format!(
                    "the {kw} may bring {prog} into {dir}, on the default PATH, which the RUN or a program it starts would run or look up instead"
                ));
            }
        }
    }
    // Every program the RUN starts, its shell first, is linked by the
    // dynamic loader against the libraries of the system library folders:
    // a COPY that brings a `libssl.so.3` there changes what they run.
    if let Some(lib) = copy_may_bring_library(copy, ctx) {
        return Err(format!(
            "the {kw} may bring a shared library ({lib}) into a folder the dynamic loader searches, which the programs of the RUN would load"
        ));
    }
    if fx.userdb {
        if let Some(ch) = copy.chown.as_deref().filter(|c| chown_resolves_names(c)) {
            return Err(format!(
                "it changes the user/group database, which the {kw}'s `--chown={ch}` resolves names against"
            ));
        }
    }
    for m in &run.mounts {
        let Some(t) = m.target.as_deref().map(|t| path::join_abs(&run.cwd, t)) else {
            continue;
        };
        if under(&t, &dest) || under(&dest, &t) {
            return Err(format!("its mount at {t} overlaps the {kw}'s destination"));
        }
    }
    Ok(())
}

/// Paths whose folder, and every folder above, the ops `before` made: a
/// WORKDIR's path, a COPY's destination, a RUN's working directory and the
/// folder of each path it writes (it wrote inside a folder it found there).
/// One reading for the fix that moves a RUN and the guard that checks it.
pub fn folders_made<'o>(before: impl Iterator<Item = &'o crate::model::Op>) -> Vec<String> {
    let mut made = Vec::new();
    for op in before {
        let fx = match op {
            crate::model::Op::Run(r) => Some(crate::effects::of_op(r, &crate::effects::NoFiles)),
            _ => None,
        };
        made.extend(folders_of(op, fx.as_ref()));
    }
    made
}

/// The folders one op made (see [`folders_made`]); `fx`: a RUN's effects.
fn folders_of(op: &crate::model::Op, fx: Option<&crate::effects::Effects>) -> Vec<String> {
    use crate::model::Op;
    match op {
        Op::Workdir(w) => vec![path::clean(&w.path)],
        Op::Copy(cp) => vec![path::clean(&cp.dest)],
        Op::Run(r) => std::iter::once(r.cwd.clone())
            .chain(fx.map(written_folders).unwrap_or_default())
            .collect(),
    }
}

/// The folder of each path a RUN writes (it wrote inside a folder it found
/// there); none when what it writes is not known.
fn written_folders(fx: &crate::effects::Effects) -> Vec<String> {
    if fx.unknown || fx.writes.is_everything() {
        return Vec::new();
    }
    folders_holding(fx.writes.iter())
}

/// The folder each of these absolute paths is in: whatever put a file there
/// found or made that folder.
fn folders_holding<'p>(paths: impl Iterator<Item = &'p str>) -> Vec<String> {
    paths
        .filter_map(|p| p.rsplit_once('/').map(|(d, _)| d.to_string()))
        .filter(|d| !d.is_empty())
        .collect()
}

/// Whether a RUN's text names a program that may make links (a cheap
/// filter before its effects are read for them).
fn makes_links(r: &crate::model::RunOp) -> bool {
    r.argv
        .iter()
        .any(|a| LINK_MAKERS.iter().any(|w| a.contains(w)))
}

/// How many folders, links and zones the stages a stage is built FROM may
/// leave before [`Before::of_bases_memo`] stops reading them.
const BASES_READ: usize = 4096;

/// [`Before`] of each stage's own ops, by stage and whether folders were
/// read (see [`Before::of_bases_memo`]).
#[derive(Debug, Default)]
pub struct StageBefores(std::collections::HashMap<(usize, bool), Before>);

/// What the steps above a moved RUN left in the image that decides where
/// its paths land: the folders they made, and the symbolic links.
#[derive(Debug, Clone, Default)]
pub struct Before {
    /// Folders earlier steps made (see [`folders_made`]), each once: every
    /// RUN adds its cwd, and a list with a copy per RUN made long stages
    /// quadratic wherever it is copied.
    pub folders: std::collections::BTreeSet<String>,
    /// Links earlier steps made (`ln -s`, a COPY of a folder holding
    /// links): the link → its target (None: not known).
    pub links: Vec<(String, Option<String>)>,
    /// Folders at or under which earlier steps may have made links this
    /// model cannot name (`tar x`, `unzip`, `cp -a`, `mv`, a COPY whose
    /// files it cannot see), with what made them.
    pub zones: Vec<(String, String)>,
    /// An earlier RUN installs packages: their links are somewhere in the
    /// system folders and lead within them.
    pub packages: bool,
}

/// The links one RUN makes: its instruction, its stage, the links.
#[derive(Debug, Clone)]
pub struct LinksMade {
    pub instruction: usize,
    pub stage: usize,
    pub links: Vec<(String, Option<String>)>,
    pub zones: Vec<(String, String)>,
    pub packages: bool,
}

/// Every RUN of the model that makes a symbolic link (`ln` in its text,
/// read by the effects model), in order.
pub fn links_in(model: &crate::model::Model, ctx: Option<&ContextTree>) -> Vec<LinksMade> {
    model
        .steps
        .iter()
        .filter_map(|s| {
            let op = s.op.as_ref()?;
            // A COPY's links are read in the context when it is known: without
            // it, any context COPY counts as bringing unknown links, and every
            // later move across a COPY below its destination was refused.
            let b = Before::links_of_in(std::iter::once(op), ctx);
            (!b.links.is_empty() || !b.zones.is_empty() || b.packages).then_some(LinksMade {
                instruction: s.instruction,
                stage: s.stage,
                links: b.links,
                zones: b.zones,
                packages: b.packages,
            })
        })
        .collect()
}

/// Links that base images have: merged-usr Debian and Ubuntu (`/bin` →
/// `/usr/bin`), and `/var/run` → `/run`. On a base without them the two
/// names are two folders, and taking them for one refuses more, never less.
const BASE_LINKS: &[(&str, &str)] = &[
    ("/bin", "/usr/bin"),
    ("/sbin", "/usr/sbin"),
    ("/lib", "/usr/lib"),
    ("/lib32", "/usr/lib32"),
    ("/lib64", "/usr/lib64"),
    ("/libx32", "/usr/libx32"),
    ("/var/run", "/run"),
    ("/var/lock", "/run/lock"),
];

/// Words in a RUN's text without which it makes no link this model records
/// (`ln -s`, `tar x`, `unzip`, `cp -a`, `mv`, package managers).
const LINK_MAKERS: &[&str] = &[
    "ln",
    "tar",
    "zip",
    "cp",
    "mv",
    "apt",
    "apk",
    "dpkg",
    "yum",
    "dnf",
    "rpm",
    "zypper",
    "alternatives",
];

/// The system folders a package's links are in and lead within: not
/// /usr/local (Debian's and Alpine's packages leave it to the admin), nor
/// /var's data folders (/var/www, /var/lib: packages put files there; its
/// `/var/run` and `/var/lock` links are known, see [`BASE_LINKS`]).
const PACKAGE_FOLDERS: &[&str] = &[
    "/etc",
    "/usr",
    "/opt",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/var/spool",
    "/var/mail",
];

/// Whether `p` is in (or holds) a folder packages make links in.
fn in_package_folders(p: &str) -> bool {
    !under(p, "/usr/local")
        && PACKAGE_FOLDERS
            .iter()
            .any(|f| under(p, f) || (p != "/" && under(f, p)))
}

impl Before {
    /// Reads the ops above the moved RUN, in order (the COPYs' files
    /// unseen: see [`Before::of_in`]).
    pub fn of<'o>(ops: impl Iterator<Item = &'o crate::model::Op>) -> Before {
        Before::of_in(ops, None)
    }

    /// As [`Before::of`], with the links the COPYs bring from `ctx`.
    pub fn of_in<'o>(
        ops: impl Iterator<Item = &'o crate::model::Op>,
        ctx: Option<&ContextTree>,
    ) -> Before {
        let mut b = Before::default();
        for op in ops {
            b.add_op(op, ctx, true);
        }
        b
    }

    /// Only the links the ops made (no folders): `ln` in a RUN's text, read
    /// by the effects model. For DO101, which asks once per install.
    pub fn links_of<'o>(ops: impl Iterator<Item = &'o crate::model::Op>) -> Before {
        Before::links_of_in(ops, None)
    }

    /// As [`Before::links_of`]; a COPY's links are read in `ctx` (without
    /// it, only a COPY of one known file, inline text or a URL brings none).
    pub fn links_of_in<'o>(
        ops: impl Iterator<Item = &'o crate::model::Op>,
        ctx: Option<&ContextTree>,
    ) -> Before {
        let mut b = Before::default();
        for op in ops {
            b.add_op(op, ctx, false);
        }
        b
    }

    /// Adds what `op` leaves: the links it makes or brings and, with
    /// `folders`, the folders it makes. A RUN's effects are computed once
    /// for both, and only when one of them needs them (reading them twice
    /// was a tenth of `check` on small files).
    fn add_op(&mut self, op: &crate::model::Op, ctx: Option<&ContextTree>, folders: bool) {
        use crate::model::Op;
        let links = matches!(op, Op::Run(r) if makes_links(r));
        let fx = match op {
            Op::Run(r) if links || folders => {
                Some(crate::effects::of_op(r, &crate::effects::NoFiles))
            }
            _ => None,
        };
        if folders {
            self.folders.extend(folders_of(op, fx.as_ref()));
        }
        match (op, fx) {
            (Op::Run(_), Some(fx)) if links => {
                self.links.extend(fx.links);
                self.zones.extend(fx.link_zones);
                self.packages |= fx.package_links;
            }
            (Op::Copy(c), _) => self.add_brought(c, ctx),
            _ => {}
        }
    }

    /// Adds the links COPY `c` brings: a symbolic link inside a copied
    /// folder is copied as a link (one named as the source is followed);
    /// where the model cannot see the files (another stage or image, an
    /// archive ADD unpacks, a pattern, no context), anywhere under the
    /// destination.
    pub fn add_brought(&mut self, c: &CopyOp, ctx: Option<&ContextTree>) {
        let dest = path::clean(&c.dest);
        let kw = if c.add { "ADD" } else { "COPY" };
        let zone = |what: &str| {
            (
                dest.clone(),
                format!("the {kw} to {dest} brings {what}, which may hold symbolic links,"),
            )
        };
        let ctx = match (&c.source, ctx) {
            (CopySource::Context, Some(ctx)) if !c.add && !c.parents => ctx,
            (CopySource::Context, _) if c.srcs.iter().all(|s| s.inline.is_some()) => return,
            (CopySource::Context, _)
                if c.add
                    && c.srcs
                        .iter()
                        .all(|s| s.remote.is_some() && !s.raw.contains(".git")) =>
            {
                return
            }
            (CopySource::Context, Some(_)) => {
                self.zones.push(zone(
                    "files this model does not follow (an archive ADD may unpack, folders --parents keeps)",
                ));
                return;
            }
            (CopySource::Context, None) => {
                self.zones
                    .push(zone("files from a build context this model has not read"));
                return;
            }
            (CopySource::Stage(_), _) | (CopySource::Image(_), _) => {
                self.zones.push(zone("files of another stage or image"));
                return;
            }
        };
        for s in &c.srcs {
            if s.inline.is_some() {
                continue;
            }
            if s.wildcard || s.remote.is_some() {
                self.zones.push(zone("files a pattern selects"));
                continue;
            }
            let Some((key, e)) = source_entry(ctx, &s.path) else {
                continue;
            };
            if !e.is_dir() {
                continue;
            }
            // The folder's entries (keys in path order: `key/` is a range).
            let lo = if key.is_empty() {
                String::new()
            } else {
                format!("{key}/")
            };
            let inside = ctx
                .entries
                .range(lo.clone()..)
                .take_while(|(k, _)| k.starts_with(lo.as_str()));
            for (k, e) in inside {
                if e.kind != EntryKind::Symlink || k.is_empty() {
                    continue;
                }
                let rel = if key.is_empty() {
                    k
                } else {
                    k.get(key.len() + 1..).unwrap_or("")
                };
                let link = path::join_abs(&dest, rel);
                let target = e.link_target.as_deref().map(|t| {
                    let dir = link
                        .rsplit_once('/')
                        .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
                    path::join_abs(dir, t)
                });
                self.links.push((link, target));
            }
        }
    }

    /// Why the RUN may not cross the COPY because of links this model
    /// cannot name ([`Before::zones`], [`Before::packages`]), or None.
    fn zone_hazard(&self, fx: &Effects, copy: &CopyOp) -> Option<String> {
        let kw = if copy.add { "ADD" } else { "COPY" };
        let dest = path::clean(&copy.dest);
        for (dir, what) in &self.zones {
            if under(&dest, dir) {
                return Some(format!(
                    "{what} at or under {dir}, where this model cannot tell them: the {kw}'s destination {dest} may lead through one"
                ));
            }
            if let Some(p) = fx
                .reads
                .iter()
                .chain(fx.writes.iter())
                .find(|p| under(p, dir))
            {
                return Some(format!(
                    "{what} at or under {dir}, where this model cannot tell them: the RUN's {p} may lead through one into what the {kw} brings"
                ));
            }
        }
        // Packages a RUN above installs have links there (Debian's apache2:
        // `sites-enabled/000-default.conf` → `../sites-available/…`). The
        // base image's own packages' links are not read (see the README).
        if self.packages && in_package_folders(&dest) {
            if let Some(p) = fx
                .reads
                .iter()
                .chain(fx.writes.iter())
                .find(|p| in_package_folders(p))
            {
                return Some(format!(
                    "an earlier RUN installs packages, whose symbolic links in the system folders (`sites-enabled/000-default.conf` → `../sites-available/…`, update-alternatives) this model does not know: the {kw}'s destination {dest} may lead through one to {p}, which the RUN uses"
                ));
            }
        }
        None
    }

    /// What the stages `stage` is built FROM left (its base stage, that
    /// one's base…): their folders and links are in the image it starts with.
    pub fn of_bases(
        model: &crate::model::Model,
        stage: usize,
        folders: bool,
        ctx: Option<&ContextTree>,
    ) -> Before {
        Before::of_bases_memo(model, stage, folders, ctx, &mut StageBefores::default())
    }

    /// [`Before::of_bases`], each stage's own ops read once per `memo`: a
    /// caller asking for every stage of a long FROM chain read every base's
    /// RUNs again per stage (quadratic; a fifth of `check` on a file of 100
    /// chained stages).
    pub fn of_bases_memo(
        model: &crate::model::Model,
        stage: usize,
        folders: bool,
        ctx: Option<&ContextTree>,
        memo: &mut StageBefores,
    ) -> Before {
        let bases: Vec<usize> = model.from_chain(stage).skip(1).collect();
        if bases.is_empty() {
            return Before::default();
        }
        for &b in &bases {
            memo.0.entry((b, folders)).or_insert_with(|| {
                let ops: Vec<&crate::model::Op> =
                    model.stage_steps(b).filter_map(|s| s.op.as_ref()).collect();
                if folders {
                    Before::of_in(ops.into_iter(), ctx)
                } else {
                    Before::links_of_in(ops.into_iter(), ctx)
                }
            });
        }
        let parts = || {
            bases
                .iter()
                .rev()
                .filter_map(|b| memo.0.get(&(*b, folders)))
        };
        // Each stage of a long FROM chain joins what every stage above it
        // left: past a bound, that copy (quadratic in the chain) is not
        // made and the whole image counts as a place of unknown links, so
        // nothing crosses a COPY there (refusing is always safe).
        let size: usize = parts()
            .map(|b| b.folders.len() + b.links.len() + b.zones.len())
            .sum();
        if size > BASES_READ {
            return Before {
                zones: vec![(
                    "/".to_string(),
                    format!(
                        "links the {} stages it is built FROM may have made (more than this check reads)",
                        bases.len()
                    ),
                )],
                ..Before::default()
            };
        }
        Before::joined(parts())
    }

    /// What several ops left, in order.
    pub fn joined<'b>(parts: impl Iterator<Item = &'b Before>) -> Before {
        let mut out = Before::default();
        for p in parts {
            out.extend(p.clone());
        }
        out
    }

    /// Adds what `more` holds, in place (joining into a new value each time
    /// copied everything held so far: quadratic over a stage's steps).
    pub fn extend(&mut self, more: Before) {
        self.folders.extend(more.folders);
        self.links.extend(more.links);
        self.zones.extend(more.zones);
        self.packages |= more.packages;
    }

    /// Files landed at these absolute paths: their folders exist.
    pub fn add_landed<'p>(&mut self, paths: impl Iterator<Item = &'p str>) {
        self.folders.extend(folders_holding(paths));
    }

    /// Whether an earlier step made folder `dir` (or one below it).
    pub fn exists(&self, dir: &str) -> bool {
        self.folders.iter().any(|m| under(m, dir))
    }

    /// Where path `p` lands: each link above it followed (a link with an
    /// unknown target: anywhere, `/`).
    pub fn land(&self, p: &str) -> String {
        self.land_with(p, true)
    }

    /// As [`Before::land`]; `base`: through the base image's links too.
    fn land_with(&self, p: &str, base: bool) -> String {
        let mut cur = path::clean(p);
        // A chain longer than this is a loop (the tools fail with ELOOP).
        for _ in 0..16 {
            let hop = BASE_LINKS
                .iter()
                .filter(|_| base)
                .map(|(l, t)| (l.to_string(), Some(t.to_string())))
                .chain(self.links.iter().cloned())
                .find(|(l, _)| under(&cur, l));
            let Some((link, target)) = hop else {
                return cur;
            };
            let (Some(target), false) = (target, link == "/") else {
                return "/".into();
            };
            let rest = cur.get(link.len()..).unwrap_or("").trim_start_matches('/');
            let next = if rest.is_empty() {
                path::clean(&target)
            } else {
                path::join_abs(&target, rest)
            };
            if next == cur {
                return cur;
            }
            cur = next;
        }
        "/".into()
    }

    /// The effects, the RUN and the COPY with every path where it lands,
    /// or None when no path moves.
    fn resolve(
        &self,
        fx: &Effects,
        run: &RunOp,
        copy: &CopyOp,
    ) -> Option<(Effects, RunOp, CopyOp)> {
        // Whether a link is above `p` (no allocation: most paths have none).
        let moves = |p: &str| {
            BASE_LINKS.iter().any(|(l, _)| under(p, l))
                || self.links.iter().any(|(l, _)| under(p, l))
        };
        // Variables name paths through the links earlier RUNs made (PATH's
        // `/bin` and `/usr/bin` are both there already).
        let env_moves = !self.links.is_empty()
            && run.env.iter().any(|(k, v)| {
                &**k != "HOME"
                    && value_paths(v, &run.cwd, true)
                        .iter()
                        .any(|p| self.land_with(p, false) != *p)
            });
        let any = env_moves
            || fx.reads.iter().any(moves)
            || fx.writes.iter().any(moves)
            || moves(&path::clean(&run.cwd))
            || moves(&path::clean(&copy.dest));
        if !any {
            return None;
        }
        let mut f = fx.clone();
        let remap = |set: &crate::effects::PathSet| {
            if set.is_everything() {
                return set.clone();
            }
            let mut out = crate::effects::PathSet::default();
            for p in set.iter() {
                out.insert(&self.land(p));
            }
            out
        };
        f.reads = remap(&fx.reads);
        f.writes = remap(&fx.writes);
        f.config_files = fx.config_files.iter().map(|p| self.land(p)).collect();
        f.named = fx
            .named
            .iter()
            .map(|(p, v)| (self.land(p), v.clone()))
            .collect();
        let mut r = run.clone();
        r.cwd = self.land(&run.cwd);
        if env_moves {
            let landed: Vec<crate::model::env::Entry> = run
                .env
                .iter()
                .map(|(k, v)| {
                    let pieces: Vec<String> = v
                        .split(':')
                        .map(|piece| {
                            let abs = path::join_abs(&run.cwd, piece);
                            if piece.is_empty() || self.land_with(&abs, false) == abs {
                                piece.to_string()
                            } else {
                                self.land_with(&abs, false)
                            }
                        })
                        .collect();
                    (k.clone(), std::sync::Arc::from(pieces.join(":")))
                })
                .collect();
            r.env = landed.into();
        }
        let mut c = copy.clone();
        let trailing = copy.dest.ends_with('/') && copy.dest != "/";
        c.dest = self.land(&copy.dest);
        if trailing && c.dest != "/" {
            c.dest.push('/');
        }
        Some((f, r, c))
    }
}

/// Folders every Linux base image has (Debian, Ubuntu, Alpine, busybox):
/// a COPY never creates them, so a RUN may write in them before it.
const BASE_FOLDERS: &[&str] = &[
    "/bin",
    "/etc",
    "/home",
    "/lib",
    "/media",
    "/mnt",
    "/opt",
    "/root",
    "/run",
    "/sbin",
    "/srv",
    "/tmp",
    "/usr",
    "/usr/bin",
    "/usr/lib",
    "/usr/local",
    "/usr/local/bin",
    "/usr/local/lib",
    "/usr/local/share",
    "/usr/sbin",
    "/usr/share",
    "/var",
    "/var/cache",
    "/var/lib",
    "/var/log",
    "/var/tmp",
];

/// The folder above `p` that a COPY to `dest` may create (the destination
/// itself, or a missing folder above it) and that a RUN writing `p` needs
/// (`wget -O /home/user/x` above `COPY f /home/user/f`: on a base without
/// /home/user the RUN fails). Not the RUN's working directory or a folder
/// above it (WORKDIR made them), nor one every base image has.
fn folder_the_copy_may_create(p: &str, dest: &str, cwd: &str) -> Option<String> {
    let mut a = p;
    while let Some((parent, _)) = a.rsplit_once('/') {
        if parent.is_empty() {
            return None;
        }
        if under(dest, parent) && !under(cwd, parent) && !BASE_FOLDERS.contains(&parent) {
            return Some(parent.to_string());
        }
        a = parent;
    }
    None
}

/// Whether `dir` is one the dynamic loader searches by default (glibc's
/// trusted folders and Debian's multiarch ones, musl's `/lib:/usr/local/lib:
/// /usr/lib`), or one `ldconfig` caches on most bases.
fn is_library_dir(dir: &str) -> bool {
    const LIBS: &[&str] = &[
        "/lib",
        "/lib32",
        "/lib64",
        "/libx32",
        "/usr/lib",
        "/usr/lib32",
        "/usr/lib64",
        "/usr/libx32",
        "/usr/local/lib",
        "/usr/local/lib64",
    ];
    if LIBS.contains(&dir) {
        return true;
    }
    // A multiarch folder: /usr/lib/x86_64-linux-gnu.
    dir.rsplit_once('/')
        .is_some_and(|(parent, name)| LIBS.contains(&parent) && name.contains("-linux-"))
}

/// A file name the loader would take for a shared library (`libz.so`,
/// `libssl.so.3`).
fn library_name(name: &str) -> bool {
    name.ends_with(".so") || name.contains(".so.")
}

/// A shared library the COPY may land directly in a library folder, or None.
/// Known exactly for context files; otherwise any COPY into such a folder,
/// or of a folder above one, may.
fn copy_may_bring_library(copy: &CopyOp, ctx: Option<&ContextTree>) -> Option<String> {
    let dest = path::clean(&copy.dest);
    let parent = dest
        .rsplit_once('/')
        .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
    let name = path::base_name(&dest);
    let lib_below = ["/lib", "/usr/lib", "/usr/local/lib", "/lib64", "/usr/lib64"]
        .iter()
        .any(|l| under(l, &dest));
    if !(is_library_dir(&dest) || is_library_dir(parent) || lib_below) {
        return None;
    }
    let exact = names_context_paths(copy);
    let Some(ctx) = ctx.filter(|_| exact) else {
        let may = is_library_dir(&dest) || lib_below || library_name(&name);
        return may.then_some(dest);
    };
    let many = copy.srcs.len() > 1 || copy.dest.ends_with('/');
    let lands_lib = |landing: &str| {
        let (d, n) = landing.rsplit_once('/').unwrap_or(("", landing));
        is_library_dir(if d.is_empty() { "/" } else { d }) && library_name(n)
    };
    for s in &copy.srcs {
        // A source the context does not have: the tree is not what this
        // model thinks.
        let Some(e) = ctx.get(&s.path) else {
            return Some(dest);
        };
        if e.is_dir() {
            let prefix = if s.path.is_empty() {
                String::new()
            } else {
                format!("{}/", s.path)
            };
            for (k, e) in ctx.entries() {
                let Some(rel) = k.strip_prefix(&prefix).filter(|r| !r.is_empty()) else {
                    continue;
                };
                let landing = path::join_abs(&dest, rel);
                if !e.is_dir() && lands_lib(&landing) {
                    return Some(landing);
                }
            }
        } else {
            let landing = if many {
                path::join_abs(&dest, &s.basename)
            } else {
                dest.clone()
            };
            if lands_lib(&landing) {
                return Some(landing);
            }
        }
    }
    None
}

/// Why the RUN may create a directory the COPY also creates, with other
/// metadata, or None. A COPY creates the missing folders above its
/// destination (root-owned 0755, or owned by its `--chown` user); a RUN
/// that writes below one of them (`mkdir -p /srv/logs` beside `COPY
/// --chown=app f /srv/app/`) creates it too when it runs first, owned by
/// its own user, with its own umask. Whether the folder exists already is
/// the base image's business, unknown here: refused when the two creators
/// may differ (a `--chown`/`--chmod` COPY, a RUN as another user than root
/// or one that sets a umask).
fn creates_a_shared_parent(
    fx: &Effects,
    run: &RunOp,
    copy: &CopyOp,
    dest: &str,
    kw: &str,
) -> Option<String> {
    let root = creates_as_root(&run.user);
    let differ = if copy.chown.is_some() || copy.chmod.is_some() {
        let flag = if copy.chown.is_some() {
            "--chown"
        } else {
            "--chmod"
        };
        format!("the {kw}'s {flag}")
    } else if !root {
        format!("the RUN's user {}", run.user)
    } else if fx.umask {
        "the RUN's umask".to_string()
    } else {
        return None;
    };
    for p in fx.writes.iter() {
        let mut a = p;
        while let Some((parent, _)) = a.rsplit_once('/') {
            if parent.is_empty() {
                break;
            }
            if under(dest, parent) {
                return Some(format!(
                    "it writes {p} and may create {parent}, which the {kw} creates too when missing: whichever runs first sets its owner and mode ({differ})"
                ));
            }
            a = parent;
        }
    }
    None
}

/// Whether a step run as `user` (a USER value) creates files as a COPY
/// without `--chown` does, owned 0:0: root with no group or root's own
/// group. `USER 0:1000` is root, but what it creates is group 1000.
pub fn creates_as_root(user: &str) -> bool {
    let (u, g) = user.split_once(':').unwrap_or((user, ""));
    matches!(u, "" | "root" | "0") && matches!(g, "" | "root" | "0")
}

/// Why a WORKDIR may not move above `copy`, or Ok. The WORKDIR creates its
/// directory and the missing ones above it, owned by its USER; a COPY
/// creates them root-owned, or owned by its `--chown` user (`--chmod` on
/// the files). Moved above, the WORKDIR's creation wins (a COPY into an
/// existing directory keeps its owner): equal only as root, over a COPY
/// without `--chown`/`--chmod`, or when the two share no directory but the
/// root. DO101 and the guard both ask this.
pub fn workdir_may_cross(user: &str, dir: &str, copy: &CopyOp) -> Result<(), String> {
    let kw = if copy.add { "ADD" } else { "COPY" };
    let top = |p: &str| {
        path::clean(p)
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or("")
            .to_string()
    };
    let (w, d) = (top(dir), top(&copy.dest));
    if !w.is_empty() && !d.is_empty() && w != d {
        return Ok(());
    }
    if !creates_as_root(user) {
        return Err(format!(
            "it creates its directory as USER {user}, where the {kw} would create it as root"
        ));
    }
    if copy.chown.is_some() || copy.chmod.is_some() {
        return Err(format!(
            "it would create the directory the {kw} --chown/--chmod creates"
        ));
    }
    Ok(())
}

/// Commands that change what later commands in the same shell see.
const STATEFUL: &[&str] = &[
    "cd", "pushd", "popd", "export", "unset", "set", "shopt", "umask", "ulimit", "alias",
    "unalias", "trap", "exec", "source", ".", "eval", "readonly", "local", "declare", "typeset",
    "hash", "shift", "enable", "builtin", "exit", "return",
];

/// Why the first RUN of a merge (`a && b`) would change what the second
/// sees in the shared shell (a `cd`, an `export`, `set -e`, an assignment,
/// a function, a trailing `&`), or Ok. Every fix that merges RUNs, and the
/// guard, use it.
pub fn merge_first_ok(first: &crate::shell::Script) -> Result<(), String> {
    use crate::shell;
    if first.items.last().is_some_and(|i| i.background) {
        return Err("the first RUN of a merge ends in `&`".into());
    }
    for item in &first.items {
        for p in item.and_or.pipelines() {
            if p.commands
                .iter()
                .any(|c| matches!(c, shell::Command::Function { .. }))
            {
                return Err("the first RUN of a merge defines a function".into());
            }
        }
    }
    for (c, place) in shell::commands(first) {
        if !place.scopes.is_empty() {
            continue;
        }
        if c.words.is_empty() && !c.assignments.is_empty() {
            return Err("the first RUN of a merge assigns a variable the second would see".into());
        }
        if let Some(inv) = c.invocation() {
            if STATEFUL.contains(&inv.program.as_str()) || inv.program.is_empty() {
                return Err(format!(
                    "the first RUN of a merge runs `{}`, which changes what the second sees",
                    inv.program_word.lossy()
                ));
            }
        }
    }
    Ok(())
}

/// Why the second RUN of a merge (`a && b`) would not run as it did alone,
/// or Ok: it must be one `&&` chain. A top-level `||`, `;` or `&` binds
/// looser than the new `&&`, so `a && x || true` succeeds, and `a && x; y`
/// runs `y`, after the `a` that failed the original build. Every fix that
/// merges RUNs, and the guard, use it.
pub fn merge_second_ok(second: &crate::shell::Script) -> Result<(), String> {
    let one_chain = match second.items.as_slice() {
        [item] => {
            !item.background
                && item
                    .and_or
                    .rest
                    .iter()
                    .all(|(c, _)| *c == crate::shell::Connector::And)
        }
        _ => false,
    };
    if one_chain {
        Ok(())
    } else {
        Err("the second RUN of a merge has `||`, `;` or `&` outside a group, which `a && …` would make run after a failed first RUN".into())
    }
}

/// An ADD of context directories copies files as they are, as COPY does:
/// BuildKit unpacks only a source that is itself a local archive. Stricter
/// here: any archive in the copied set, by name or by its first bytes,
/// refuses. The ADD as a COPY, or why not.
pub fn add_as_copy(
    copy: &CopyOp,
    ctx: &ContextTree,
    root: &std::path::Path,
) -> Result<CopyOp, String> {
    if copy.source != CopySource::Context
        || copy.checksum.is_some()
        || copy
            .srcs
            .iter()
            .any(|s| s.wildcard || s.inline.is_some() || s.remote.is_some())
    {
        return Err("the ADD is not of local directories".into());
    }
    for s in &copy.srcs {
        if !ctx.get(&s.path).is_some_and(|e| e.is_dir()) {
            return Err(format!("the ADD copies {}, not a directory", s.path));
        }
        let prefix = if s.path.is_empty() {
            String::new()
        } else {
            format!("{}/", s.path)
        };
        for (k, e) in ctx.entries() {
            if e.kind != EntryKind::File || !k.starts_with(&prefix) {
                continue;
            }
            if archive_name(k) || archive_magic(&root.join(k)) {
                return Err(format!(
                    "the ADD copies {k}, an archive (ADD may unpack archives; this split is not made for them)"
                ));
            }
        }
    }
    let mut plain = copy.clone();
    plain.add = false;
    Ok(plain)
}

fn archive_name(p: &str) -> bool {
    let l = p.to_ascii_lowercase();
    [
        ".tar", ".tgz", ".tbz2", ".tbz", ".txz", ".gz", ".bz2", ".xz", ".zst", ".lz4", ".lzma",
    ]
    .iter()
    .any(|e| l.ends_with(e))
}

/// gzip, bzip2, xz, zstd, lz4 or a tar header (`ustar` at 257).
fn archive_magic(file: &std::path::Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 262];
    let n = std::fs::File::open(file)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    let h = &head[..n];
    h.starts_with(&[0x1f, 0x8b])
        || h.starts_with(b"BZh")
        || h.starts_with(&[0xfd, b'7', b'z', b'X', b'Z', 0])
        || h.starts_with(&[0x28, 0xb5, 0x2f, 0xfd])
        || h.starts_with(&[0x04, 0x22, 0x4d, 0x18])
        || h.get(257..262) == Some(b"ustar")
}

/// The files a COPY of context directories brings, read from the context
/// directory on disk: what a RUN after the COPY finds at an image path.
pub struct CopyFiles<'a> {
    pub copy: &'a CopyOp,
    pub ctx: &'a ContextTree,
    pub root: &'a std::path::Path,
}

impl CopyFiles<'_> {
    /// The context path the COPY lands at image path `abs` (directory sources).
    fn context_path(&self, abs: &str) -> Option<String> {
        if self.copy.source != CopySource::Context || self.copy.add {
            return None;
        }
        let dest = path::clean(&self.copy.dest);
        let rel = if dest == "/" {
            abs.trim_start_matches('/')
        } else {
            abs.strip_prefix(&dest)?.trim_start_matches('/')
        };
        if !under(abs, &dest) {
            return None;
        }
        self.copy.srcs.iter().find_map(|s| {
            if s.wildcard || s.inline.is_some() || s.remote.is_some() {
                return None;
            }
            // A source link is followed, as in `copy_touches`.
            let (src, e) = source_entry(self.ctx, &s.path)?;
            if !e.is_dir() {
                return None;
            }
            let c = match (src.is_empty(), rel.is_empty()) {
                (true, _) => rel.to_string(),
                (false, true) => src,
                (false, false) => format!("{src}/{rel}"),
            };
            self.ctx.get(&c).map(|_| c)
        })
    }
}

impl crate::effects::Files for CopyFiles<'_> {
    fn read(&self, abs: &str) -> Option<String> {
        // A link inside a copied folder is copied as a link and read
        // through in the image, as the tool would: a relative target is the
        // file the COPY lands there (when it brings one); an absolute one
        // is the image's file, which the context does not hold (reading the
        // host's would be wrong). DO101 checks a manifest's target is copied.
        let mut abs = path::clean(abs);
        for _ in 0..16 {
            let c = self.context_path(&abs)?;
            let e = self.ctx.get(&c)?;
            match e.kind {
                EntryKind::File => {
                    return crate::source::read_context_text(&self.root.join(&c)).ok()
                }
                EntryKind::Symlink => {
                    let t = e.link_target.as_deref().filter(|t| !t.starts_with('/'))?;
                    let dir = abs
                        .rsplit_once('/')
                        .map_or("/", |(d, _)| if d.is_empty() { "/" } else { d });
                    abs = path::join_abs(dir, t);
                }
                _ => return None,
            }
        }
        None
    }

    fn list(&self, abs: &str) -> Option<Vec<String>> {
        match self.names_in(abs) {
            Listing::Names(names) => Some(names),
            Listing::Unrelated | Listing::Unknown => None,
        }
    }
}

/// What one COPY puts in a folder.
enum Listing {
    /// These names (the destination's first name in a folder above it).
    Names(Vec<String>),
    /// Nothing: the folder is neither at, below nor above the destination.
    Unrelated,
    /// It cannot be told: a wildcard, a stage's or a URL's files, a file
    /// copied onto a path that may be a folder.
    Unknown,
}

impl CopyFiles<'_> {
    fn names_in(&self, abs: &str) -> Listing {
        let abs = path::clean(abs);
        let dest = path::clean(&self.copy.dest);
        if !dest.starts_with('/') {
            return Listing::Unknown;
        }
        if abs != dest && under(&dest, &abs) {
            let rest = dest[abs.len()..].trim_start_matches('/');
            return Listing::Names(
                rest.split('/')
                    .next()
                    .map(str::to_string)
                    .into_iter()
                    .collect(),
            );
        }
        if !under(&abs, &dest) {
            return Listing::Unrelated;
        }
        if self.copy.source != CopySource::Context || self.copy.add {
            return Listing::Unknown;
        }
        // Sources land inside the destination when it names a folder.
        let into_folder = self.copy.dest.ends_with('/') || self.copy.srcs.len() > 1;
        let mut names: Vec<String> = Vec::new();
        for s in &self.copy.srcs {
            if s.wildcard || s.inline.is_some() || s.remote.is_some() {
                return Listing::Unknown;
            }
            let Some((src, e)) = source_entry(self.ctx, &s.path) else {
                return Listing::Unknown;
            };
            if e.is_dir() {
                let c = context_path_of(&src, &dest, &abs);
                // A file copied where `abs` would be, or nothing there: no names.
                if self.ctx.get(&c).is_some_and(|e| e.is_dir()) {
                    names.extend(self.ctx.children(&c).map(str::to_string));
                }
            } else if abs == dest {
                if !into_folder {
                    return Listing::Unknown;
                }
                names.push(s.basename.clone());
            }
        }
        names.sort_unstable();
        names.dedup();
        Listing::Names(names)
    }
}

/// What a RUN finds after several COPYs, in order: a path is read from the
/// latest that brings it, a folder lists what any of them put there. A RUN
/// moved above several COPYs is read where it stood, after all of them.
pub struct LayeredFiles<'a>(pub Vec<CopyFiles<'a>>);

impl crate::effects::Files for LayeredFiles<'_> {
    fn read(&self, abs: &str) -> Option<String> {
        self.0.iter().rev().find_map(|f| f.read(abs))
    }

    /// What any of the COPYs put in the folder; None when one of them
    /// cannot tell (a partial list would hide a name a tool looks for), or
    /// when none is at, below or above it.
    fn list(&self, abs: &str) -> Option<Vec<String>> {
        let mut names: Option<Vec<String>> = None;
        for f in &self.0 {
            match f.names_in(abs) {
                Listing::Unknown => return None,
                Listing::Unrelated => {}
                Listing::Names(more) => names.get_or_insert_with(Vec::new).extend(more),
            }
        }
        let mut names = names?;
        names.sort_unstable();
        names.dedup();
        Some(names)
    }
}

/// A COPY whose sources are context paths named exactly (no ADD, no
/// `--parents`, no wildcard, heredoc or URL): where each lands can be read
/// from the context.
fn names_context_paths(copy: &CopyOp) -> bool {
    copy.source == CopySource::Context
        && !copy.add
        && !copy.parents
        && copy
            .srcs
            .iter()
            .all(|s| !s.wildcard && s.inline.is_none() && s.remote.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::effects::testutil::{fx, run_op};
    use crate::model::CopySrc;

    fn copy(dest: &str, chown: Option<&str>) -> CopyOp {
        CopyOp {
            add: false,
            source: CopySource::Context,
            srcs: vec![CopySrc {
                raw: ".".into(),
                path: "".into(),
                basename: ".".into(),
                wildcard: false,
                inline: None,
                remote: None,
            }],
            dest: dest.into(),
            chown: chown.map(str::to_string),
            chmod: None,
            link: false,
            parents: false,
            exclude: Vec::new(),
            checksum: None,
            keep_git_dir: false,
            unpack: None,
        }
    }

    #[test]
    fn probes() {
        let env = [("PIP_CONFIG_FILE", "/app/pip.conf")];
        let e = fx("pip install flask", &env);
        let r = run_may_cross(
            &e,
            &run_op("pip install flask", &env),
            &copy("/app", None),
            None,
        );
        assert!(r.unwrap_err().contains("pip.conf"));
        let e = fx("usermod -u 2000 app", &[]);
        let r = run_may_cross(&e, &run_op("", &[]), &copy("/app", Some("app")), None);
        assert!(r.is_err());
        let e = fx("groupadd -r g && useradd -r -g g worker", &[]);
        let r = run_may_cross(&e, &run_op("", &[]), &copy("/app", Some("app:app")), None);
        assert!(r.unwrap_err().contains("user/group database"));
        let r = run_may_cross(&e, &run_op("", &[]), &copy("/app", Some("1000:1000")), None);
        assert!(r.is_ok(), "numeric ids resolve nothing");
    }

    /// A relative value is resolved against the cwd: `wheels` is /app/wheels.
    /// Without the context only a value with a `/` counts, so a word that is
    /// no path does not refuse every move.
    #[test]
    fn relative_values_of_variables() {
        assert_eq!(value_paths("wheels", "/app", true), vec!["/app/wheels"]);
        assert_eq!(
            value_paths("certs/ca.pem", "/app", false),
            vec!["/app/certs/ca.pem"]
        );
        assert!(value_paths("noninteractive", "/app", false).is_empty());
        let env = [("PIP_FIND_LINKS", "certs/../wheels")];
        let e = fx("pip install flask", &env);
        let why = run_may_cross(
            &e,
            &run_op("pip install flask", &env),
            &copy("/app", None),
            None,
        )
        .unwrap_err();
        assert!(why.contains("PIP_FIND_LINKS"), "{why}");
    }

    /// A WORKDIR creates its directory as its USER; a COPY as root or its
    /// --chown user: moved above a COPY into the same tree, only root over a
    /// plain COPY creates the same.
    #[test]
    fn workdir_across_a_copy() {
        let cp = copy("/app", None);
        assert!(workdir_may_cross("root", "/app/web", &cp).is_ok());
        assert!(workdir_may_cross("0:0", "/app/web", &cp).is_ok());
        let why = workdir_may_cross("0:1000", "/app/web", &cp).unwrap_err();
        assert!(why.contains("0:1000"), "{why}");
        assert!(workdir_may_cross("", "/app", &cp).is_ok());
        let why = workdir_may_cross("1000", "/app", &cp).unwrap_err();
        assert!(why.contains("USER 1000"), "{why}");
        assert!(workdir_may_cross("app", "/home/app/work", &cp).is_ok());
        assert!(workdir_may_cross("root", "/app", &copy("/app", Some("app"))).is_err());
    }

    /// A COPY into a folder of the default PATH can bring a program the RUN
    /// runs by name; with ENV PATH set, that PATH is checked instead.
    #[test]
    fn a_program_on_the_default_path() {
        let e = fx("mkdir -p /data", &[]);
        let why =
            run_may_cross(&e, &run_op("", &[]), &copy("/usr/local/bin", None), None).unwrap_err();
        assert!(
            why.contains("`mkdir`") && why.contains("/usr/local/bin"),
            "{why}"
        );
        assert!(run_may_cross(&e, &run_op("", &[]), &copy("/opt/tools", None), None).is_ok());
        let env = [("PATH", "/opt/tools:/usr/bin:/bin")];
        assert!(run_may_cross(&e, &run_op("", &env), &copy("/usr/local/bin", None), None).is_ok());
        assert!(run_may_cross(&e, &run_op("", &env), &copy("/opt/tools", None), None).is_err());
    }

    /// A folder above the destination is created by whichever runs first:
    /// refused when the COPY and the RUN would create it differently.
    #[test]
    fn a_shared_parent_created_differently() {
        let mut cp = copy("/srv/app/app.conf", Some("1000:1000"));
        let e = fx("mkdir -p /srv/logs", &[]);
        let why = run_may_cross(&e, &run_op("", &[]), &cp, None).unwrap_err();
        assert!(why.contains("/srv") && why.contains("--chown"), "{why}");
        // Root with the default umask creates it as the COPY does.
        cp.chown = None;
        assert!(run_may_cross(&e, &run_op("", &[]), &cp, None).is_ok());
        let e = fx("umask 077 && mkdir -p /srv/logs", &[]);
        assert!(e.umask);
        assert!(run_may_cross(&e, &run_op("", &[]), &cp, None).is_err());
        let e = fx("mkdir -p /srv/logs", &[]);
        let mut as_user = run_op("", &[]);
        as_user.user = "1000".into();
        assert!(run_may_cross(&e, &as_user, &cp, None).is_err());
        // Root with another group creates folders of that group.
        as_user.user = "0:1000".into();
        assert!(run_may_cross(&e, &as_user, &cp, None).is_err());
        as_user.user = "root:root".into();
        assert!(run_may_cross(&e, &as_user, &cp, None).is_ok());
        // No folder in common but the root.
        let e = fx("mkdir -p /var/log/app", &[]);
        let cp = copy("/srv/app", Some("app"));
        assert!(run_may_cross(&e, &run_op("", &[]), &cp, None).is_ok());
        assert!(!fx("umask", &[]).umask, "`umask` alone prints it");
    }

    /// Variables the script sets (`export`, a bare or a prefix assignment)
    /// are read like ENV's: a path into the COPY, or a value this model
    /// cannot tell, refuses.
    #[test]
    fn variables_the_script_sets() {
        let cp = copy("/app", None);
        let r = run_op("", &[]);
        for script in [
            "export PIP_CONFIG_FILE=/app/pip.conf && pip install flask",
            "PIP_CONFIG_FILE=/app/pip.conf; export PIP_CONFIG_FILE; pip install flask",
            "PATH=/app/bin:$PATH pip install flask",
            "env PIP_FIND_LINKS=/app/wheels pip install flask",
            "export PIP_INDEX_URL=\"$(cat /run/url)\" && pip install flask",
        ] {
            let e = fx(script, &[]);
            assert!(run_may_cross(&e, &r, &cp, None).is_err(), "{script}");
        }
        for script in [
            "export DEBIAN_FRONTEND=noninteractive && apt-get install -y curl",
            "export PATH=/opt/venv/bin:$PATH && apt-get install -y curl",
            "X=$(date) && mkdir -p /data",
        ] {
            let e = fx(script, &[]);
            assert!(run_may_cross(&e, &r, &cp, None).is_ok(), "{script}");
        }
    }

    fn before(script: &str) -> Before {
        Before::of(std::iter::once(&crate::model::Op::Run(run_op(script, &[]))))
    }

    /// A path through a symbolic link lands at the link's target: links an
    /// earlier RUN made (`ln -s`), and the base image's merged-usr ones.
    #[test]
    fn paths_through_links() {
        let b = before("mkdir -p /srv/app && ln -s /srv/app /app");
        assert_eq!(b.land("/app/conf.ini"), "/srv/app/conf.ini");
        assert_eq!(b.land("/bin/tool"), "/usr/bin/tool");
        assert_eq!(b.land("/var/run/x.pid"), "/run/x.pid");
        assert_eq!(b.land("/srv/other"), "/srv/other");
        let cp = copy("/app/conf.ini", None);
        let e = fx("cat /srv/app/conf.ini > /conf-copy", &[]);
        let r = run_op("", &[]);
        assert!(run_may_cross(&e, &r, &cp, None).is_ok(), "no link known");
        let why = run_may_cross_where(&e, &r, &cp, None, &b).unwrap_err();
        assert!(why.contains("/srv/app/conf.ini"), "{why}");
        let mut linked = cp.clone();
        linked.link = true;
        let e = fx("mkdir -p /data", &[]);
        let why = run_may_cross_where(&e, &r, &linked, None, &b).unwrap_err();
        assert!(why.contains("--link"), "{why}");
        // A relative target resolves against the link's folder.
        let b = before("ln -s ../srv/app /opt/app");
        assert_eq!(b.land("/opt/app/x"), "/srv/app/x");
        // A target not known here: anywhere.
        let b = before("ln -s \"$(cat /target)\" /app");
        assert_eq!(b.land("/app/x"), "/");
        assert_eq!(b.land("/data/x"), "/data/x");
        // Merged-usr: /bin/entrypoint.sh is /usr/bin/entrypoint.sh.
        let e = fx("chmod 755 /usr/bin/entrypoint.sh", &[]);
        let why = run_may_cross_where(
            &e,
            &r,
            &copy("/bin/entrypoint.sh", None),
            None,
            &Before::default(),
        )
        .unwrap_err();
        assert!(why.contains("/usr/bin/entrypoint.sh"), "{why}");
    }

    /// A context with files (path, content) and symbolic links (path, target).
    fn ctx_with(files: &[(&str, &str)], links: &[(&str, &str)]) -> ContextTree {
        let dir = tempfile::tempdir().unwrap();
        for (p, c) in files {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::fs::write(full, c).unwrap();
        }
        for (p, t) in links {
            let full = dir.path().join(p);
            std::fs::create_dir_all(full.parent().unwrap()).unwrap();
            std::os::unix::fs::symlink(t, full).unwrap();
        }
        ContextTree::load(dir.path(), None).unwrap()
    }

    fn copy_of(src: &str, dest: &str) -> CopyOp {
        let mut c = copy(dest, None);
        c.srcs[0].raw = src.into();
        c.srcs[0].path = src.trim_end_matches('/').into();
        c.srcs[0].basename = path::base_name(src);
        c
    }

    /// BuildKit follows a link named as a COPY's source (engine: `COPY
    /// linkdir /d/` lands the folder's files in /d), and keeps a link inside
    /// a copied folder as a link, which a later path leads through.
    #[test]
    fn links_a_copy_brings() {
        let ctx = ctx_with(
            &[("confs/prod/app.conf", "x"), ("app/main.sh", "")],
            &[
                ("conf", "confs/prod"),
                ("one.conf", "confs/prod/app.conf"),
                ("app/data", "/srv/data"),
                ("app/up", "../shared"),
            ],
        );
        let c = copy_of("conf", "/etc/app/");
        assert!(copy_touches(&c, Some(&ctx), "/etc/app/app.conf"));
        assert!(!copy_touches(&c, Some(&ctx), "/etc/app/other.conf"));
        let c = copy_of("one.conf", "/etc/app/");
        assert!(copy_touches(&c, Some(&ctx), "/etc/app/one.conf"));
        assert!(!copy_touches(&c, Some(&ctx), "/etc/app/app.conf"));
        let mut b = Before::default();
        b.add_brought(&copy_of("app", "/opt/app/"), Some(&ctx));
        assert!(b.zones.is_empty(), "{:?}", b.zones);
        assert!(b
            .links
            .contains(&("/opt/app/data".into(), Some("/srv/data".into()))));
        assert!(b
            .links
            .contains(&("/opt/app/up".into(), Some("/opt/shared".into()))));
        assert_eq!(b.land("/opt/app/data/seed.txt"), "/srv/data/seed.txt");
        // A followed source brings no link; inline text and URLs neither.
        let mut b = Before::default();
        b.add_brought(&copy_of("conf", "/etc/app/"), Some(&ctx));
        b.add_brought(&copy_of("one.conf", "/etc/app/"), Some(&ctx));
        assert!(b.links.is_empty() && b.zones.is_empty());
        // Files this model cannot see: anywhere under the destination.
        for c in [
            {
                let mut c = copy_of("app", "/opt/app/");
                c.source = CopySource::Stage(0);
                c
            },
            {
                let mut c = copy_of("vendor.tar", "/opt/");
                c.add = true;
                c
            },
        ] {
            let mut b = Before::default();
            b.add_brought(&c, Some(&ctx));
            assert_eq!(b.zones.len(), 1, "{c:?}");
        }
        let mut b = Before::default();
        b.add_brought(&copy_of("app", "/opt/app/"), None);
        assert_eq!(b.zones[0].0, "/opt/app");
    }

    /// A file read through a link the COPY brings: a relative target is
    /// the copied file it leads to, an absolute one the image's (unknown
    /// here, never the host's).
    #[test]
    fn files_read_through_copied_links() {
        use crate::effects::Files;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("app/conf")).unwrap();
        std::fs::write(root.join("app/conf/pip.conf"), "[global]\n").unwrap();
        std::os::unix::fs::symlink("conf/pip.conf", root.join("app/rel.conf")).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("app/abs.conf")).unwrap();
        std::os::unix::fs::symlink("../outside.conf", root.join("app/up.conf")).unwrap();
        std::fs::write(root.join("outside.conf"), "x").unwrap();
        let ctx = ContextTree::load(root, None).unwrap();
        let cp = copy_of("app", "/srv/");
        let files = CopyFiles {
            copy: &cp,
            ctx: &ctx,
            root,
        };
        assert_eq!(files.read("/srv/rel.conf").as_deref(), Some("[global]\n"));
        assert_eq!(files.read("/srv/abs.conf"), None);
        assert_eq!(
            files.read("/srv/up.conf"),
            None,
            "/outside.conf is not copied"
        );
    }

    /// A RUN after several COPYs finds each path as the latest COPY that
    /// brings it left it, and a folder holding what any of them put there.
    #[test]
    fn files_after_several_copies() {
        use crate::effects::Files;
        let dir = crate::context::testutil::tree_with(&[
            ("a/x.txt", "a"),
            ("a/only-a", "1"),
            ("b/x.txt", "b"),
            ("b/only-b", "2"),
        ]);
        let root = dir.path();
        let ctx = ContextTree::load(root, None).unwrap();
        let (ca, cb) = (copy_of("a", "/srv/"), copy_of("b", "/srv/"));
        let layer = |copy| CopyFiles {
            copy,
            ctx: &ctx,
            root,
        };
        let files = LayeredFiles(vec![layer(&ca), layer(&cb)]);
        assert_eq!(files.read("/srv/x.txt").as_deref(), Some("b"));
        assert_eq!(files.read("/srv/only-a").as_deref(), Some("1"));
        assert_eq!(files.read("/srv/none"), None);
        let mut names = files.list("/srv").unwrap();
        names.sort();
        assert_eq!(names, ["only-a", "only-b", "x.txt"]);
        assert_eq!(files.list("/elsewhere"), None);
    }

    /// A folder lists what each COPY puts there: its sources' names at the
    /// destination, the destination's first name above it; nothing known
    /// when one COPY cannot tell (a file copied onto a path without `/`).
    #[test]
    fn files_list_what_the_copies_put_in_a_folder() {
        use crate::effects::Files;
        let dir = crate::context::testutil::tree_with(&[
            ("src/a.rb", ""),
            ("src/lib/b.rb", ""),
            ("x.gem", ""),
        ]);
        let root = dir.path();
        let ctx = ContextTree::load(root, None).unwrap();
        let folder = copy_of("src", "/srv/app/");
        let file = copy_of("x.gem", "/srv/app/");
        let onto = copy_of("x.gem", "/srv/app");
        let layer = |copy| CopyFiles {
            copy,
            ctx: &ctx,
            root,
        };
        let both = LayeredFiles(vec![layer(&folder), layer(&file)]);
        assert_eq!(both.list("/srv/app").unwrap(), ["a.rb", "lib", "x.gem"]);
        assert_eq!(both.list("/srv/app/lib").unwrap(), ["b.rb"]);
        assert_eq!(both.list("/srv").unwrap(), ["app"]);
        assert_eq!(both.list("/").unwrap(), ["srv"]);
        assert_eq!(both.list("/etc"), None);
        let unsure = LayeredFiles(vec![layer(&folder), layer(&onto)]);
        assert_eq!(unsure.list("/srv/app"), None);
    }

    /// Links made where this model cannot name them (`tar x`, `cp -a`,
    /// packages): a path at or under their folder may lead anywhere.
    #[test]
    fn links_this_model_cannot_name() {
        let r = run_op("", &[]);
        let e = fx("cat /srv/data/seed.txt > /seen", &[]);
        let b = before("tar xf /tmp/t.tar -C /opt/app");
        let why = run_may_cross_where(&e, &r, &copy("/opt/app/data/seed.txt", None), None, &b)
            .unwrap_err();
        assert!(why.contains("`tar x`") && why.contains("/opt/app"), "{why}");
        assert!(run_may_cross_where(&e, &r, &copy("/srv/x/seed.txt", None), None, &b).is_ok());
        // The RUN's own path through such a link may lead into the COPY's.
        let e = fx("cat /opt/app/data/seed.txt > /seen", &[]);
        let why =
            run_may_cross_where(&e, &r, &copy("/srv/data/seed.txt", None), None, &b).unwrap_err();
        assert!(why.contains("the RUN's /opt/app/data/seed.txt"), "{why}");
        let b = before("cp -a /opt/skel /home/app");
        let e = fx("cat /etc/motd > /seen", &[]);
        assert!(run_may_cross_where(&e, &r, &copy("/home/app/.profile", None), None, &b).is_err());
        // Packages: links in the system folders, leading within them.
        let b = before("apt-get update && apt-get install -y nginx");
        assert!(b.packages);
        let e = fx("apt-get install -y curl", &[]);
        let why = run_may_cross_where(
            &e,
            &r,
            &copy("/etc/nginx/sites-enabled/default", None),
            None,
            &b,
        )
        .unwrap_err();
        assert!(why.contains("installs packages"), "{why}");
        for dest in ["/app/conf", "/srv/www/index.html", "/home/app/.profile"] {
            let res = run_may_cross_where(&e, &r, &copy(dest, None), None, &b);
            assert!(res.is_ok(), "{dest}: {res:?}");
        }
        // A RUN that only reads the system folders: /usr/local is not the
        // packages', /etc is.
        let e = fx("cat /usr/share/doc/nginx/copyright > /seen", &[]);
        let res = run_may_cross_where(&e, &r, &copy("/usr/local/etc/x.conf", None), None, &b);
        assert!(res.is_ok(), "{res:?}");
        let res = run_may_cross_where(&e, &r, &copy("/etc/nginx/conf.d/x.conf", None), None, &b);
        assert!(res.unwrap_err().contains("installs packages"));
        // No package installed above: the base image's are not read.
        let res = run_may_cross_where(
            &e,
            &r,
            &copy("/etc/nginx/conf.d/x.conf", None),
            None,
            &Before::default(),
        );
        assert!(res.is_ok(), "{res:?}");
    }

    /// A RUN below the COPY that makes a link its destination would pass
    /// through (moved above, the COPY would land elsewhere) writes that
    /// place: it never moves above the COPY, whatever makes the link.
    #[test]
    fn a_run_making_a_link_on_the_copys_path_stays_below() {
        let r = run_op("", &[]);
        let cp = copy("/app/conf/app.conf", None);
        for script in [
            "mkdir -p /srv/conf && ln -s /srv/conf /app/conf",
            "tar xf /tmp/links.tar -C /app",
            "cp -a /opt/skel/conf /app/conf",
            "mv /tmp/conf-link /app/conf",
            "unzip /tmp/x.zip -d /app",
        ] {
            let e = fx(script, &[]);
            assert!(run_may_cross(&e, &r, &cp, None).is_err(), "{script}");
        }
    }

    /// Every RUN's programs are loaded by the dynamic loader: the files it
    /// reads (preload list, cache) and the libraries of its folders.
    #[test]
    fn dynamic_loader_inputs() {
        let e = fx("mkdir -p /data", &[]);
        let r = run_op("", &[]);
        for dest in [
            "/etc/ld.so.preload",
            "/usr/lib/x86_64-linux-gnu/libssl.so.3",
            "/usr/local/lib/",
            "/lib/libz.so",
        ] {
            assert!(
                run_may_cross(&e, &r, &copy(dest, None), None).is_err(),
                "{dest}"
            );
        }
        for dest in [
            "/etc/app.conf",
            "/usr/local/lib/python3.12/site-packages/",
            "/usr/lib/app/data.json",
        ] {
            assert!(
                run_may_cross(&e, &r, &copy(dest, None), None).is_ok(),
                "{dest}"
            );
        }
        assert!(library_name("libssl.so.3") && library_name("libz.so"));
        assert!(!library_name("app.sock") && !library_name("notes.solved"));
        assert!(is_library_dir("/usr/lib/aarch64-linux-gnu") && !is_library_dir("/usr/lib/jvm"));
    }

    #[test]
    fn system_installs_cross_app_copies() {
        let e = fx("apt-get update && apt-get install -y curl", &[]);
        assert!(run_may_cross(&e, &run_op("", &[]), &copy("/app", None), None).is_ok());
        assert!(run_may_cross(&e, &run_op("", &[]), &copy("/usr/local/bin", None), None).is_err());
        let e = fx("rm -rf /app/tmp", &[]);
        assert!(run_may_cross(&e, &run_op("", &[]), &copy("/app", None), None).is_err());
        let e = fx("mkdir -p /app", &[]);
        assert!(run_may_cross(&e, &run_op("", &[]), &copy("/app", None), None).is_err());
        // PATH into the destination: without the context, any program could be there.
        let env = [("PATH", "/app/bin:/usr/bin")];
        let e = fx("apt-get install -y curl", &env);
        assert!(run_may_cross(&e, &run_op("", &env), &copy("/app", None), None).is_err());
    }

    /// A package manager runs programs its RUN line does not name (dpkg runs
    /// `ldconfig` from the libc-bin trigger, `tar`, maintainer scripts…),
    /// by name through PATH: a COPY that brings a command-like file into a
    /// PATH folder may change what they run, whatever the RUN names. Script
    /// and data files there are not names tools run.
    #[test]
    fn programs_a_package_manager_runs_by_name() {
        let env = [(
            "PATH",
            "/app/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        )];
        let e = fx("apt-get update && apt-get install -y curl", &env);
        let r = run_op("", &env);
        let cp = copy_of(".", "/app");
        for files in [
            vec![("bin/ldconfig", "x"), ("main.py", "")],
            vec![("bin/mytool", "x")],
            vec![("bin/tools/x", "x")],
        ] {
            let ctx = ctx_with(&files, &[]);
            let why = run_may_cross(&e, &r, &cp, Some(&ctx)).unwrap_err();
            assert!(why.contains("/app/bin"), "{why}");
        }
        let ctx = ctx_with(&[("bin/entrypoint.sh", "x"), ("main.py", "")], &[]);
        assert!(run_may_cross(&e, &r, &cp, Some(&ctx)).is_ok());
        let ctx = ctx_with(&[("src/ldconfig", "x")], &[]);
        assert!(run_may_cross(&e, &r, &cp, Some(&ctx)).is_ok());
        // The default PATH: a file copied into /usr/local/bin.
        let e = fx("mkdir -p /data", &[]);
        let ctx = ctx_with(&[("ldconfig", "x"), ("run.sh", "")], &[]);
        let r = run_op("", &[]);
        let why =
            run_may_cross(&e, &r, &copy_of("ldconfig", "/usr/local/bin/"), Some(&ctx)).unwrap_err();
        assert!(why.contains("`ldconfig`"), "{why}");
        assert!(run_may_cross(&e, &r, &copy_of("run.sh", "/usr/local/bin/"), Some(&ctx)).is_ok());
    }
}
