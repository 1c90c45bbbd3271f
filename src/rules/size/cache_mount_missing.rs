use crate::ecosystem::{go::BUILD_CACHE as GO, npm::CACHE as NPM, CacheDir};
use crate::model::{path, Op, RunOp};
use crate::rules::{Applicability, DockerfileCtx, Finding};
use crate::shell::{self, options, Invocation, Script};

declare_rule! {
    /// ## What it does
    /// Finds `npm ci` / `npm install` and `go build` run as root with no BuildKit
    /// cache mount on their download or build cache. The cache is where the
    /// tool puts it (`GOCACHE`, `npm_config_cache`, `--cache`, `HOME`); a RUN
    /// that empties it itself (`npm cache clean --force`) is left alone, since
    /// a mount there would be emptied on every build.
    ///
    /// ## Why is this bad?
    /// When the step re-runs (a lock file or a source changed), everything is
    /// downloaded or compiled again from nothing. A cache mount keeps npm's
    /// `~/.npm` or Go's build cache between builds, outside the image.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN npm ci
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN --mount=type=cache,target=/root/.npm npm ci
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the cache no longer lands in the layer, so the image changes
    /// (it gets smaller); `dockopt fix --unsafe-fixes` adds the mount.
    code: "DO210",
    name: "cache-mount-missing",
    family: Size,
    severity: Info,
    hadolint: [],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::cache_mount::check,
    check: Dockerfile(check),
}

/// A download or build cache a RUN fills with no mount over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingCache {
    /// The directory the tool uses (its own variables and flags followed).
    pub target: String,
    pub what: &'static str,
    /// The command word a finding points at.
    pub needle: &'static str,
}

/// The value of `name` a command sees: its own `NAME=value` prefix, else the
/// RUN's ENV/ARG. `Some(None)`: set but not literal (unknown).
fn var(inv: &Invocation, run: &RunOp, name: &str) -> Option<Option<String>> {
    if let Some((_, v)) = inv.env.iter().rev().find(|(k, _)| k == name) {
        return Some(v.clone());
    }
    if inv.clears_env {
        return None;
    }
    run.env
        .iter()
        .rev()
        .find(|(k, _)| **k == *name)
        .map(|(_, v)| (!v.contains('$')).then(|| v.to_string()))
}

/// `$HOME` as the command sees it (None: unknown).
fn home(inv: &Invocation, run: &RunOp) -> Option<String> {
    match var(inv, run, "HOME") {
        Some(v) => v,
        None => Some("/root".into()),
    }
}

/// The value `--opt X` / `--opt=X` gives (Some(None): not literal).
fn opt_value(inv: &Invocation, opt: &str) -> Option<Option<String>> {
    let vals = inv.values();
    for (i, v) in vals.iter().enumerate() {
        match v.as_deref() {
            Some(a) if a == opt => return Some(vals.get(i + 1).cloned().flatten()),
            Some(a) => {
                if let Some(x) = a.strip_prefix(opt).and_then(|r| r.strip_prefix('=')) {
                    return Some(Some(x.to_string()));
                }
            }
            None => {}
        }
    }
    None
}

/// npm's cache directory for this command (`--cache`, `npm_config_cache`,
/// else `~/.npm`); None when unknown.
/// Where `inv` keeps the cache `dir` describes (None: unknown), looked up
/// the way the tool does (see [`CacheDir`]).
fn cache_dir(inv: &Invocation, run: &RunOp, dir: &CacheDir) -> Option<String> {
    if let Some(v) = dir.flag.and_then(|f| opt_value(inv, f)) {
        return v;
    }
    for k in dir.env {
        if let Some(v) = var(inv, run, k) {
            return v.filter(|v| Some(v.as_str()) != dir.off);
        }
    }
    if let Some(sub) = dir.xdg {
        if let Some(v) = var(inv, run, "XDG_CACHE_HOME") {
            return v.map(|v| format!("{}/{sub}", v.trim_end_matches('/')));
        }
    }
    Some(format!(
        "{}/{}",
        home(inv, run)?.trim_end_matches('/'),
        dir.home
    ))
}

pub fn missing_cache_mount(run: &RunOp, script: &Script) -> Option<MissingCache> {
    let root = run.user.is_empty() || run.user == "root" || run.user == "0";
    if !root {
        return None;
    }
    let mut npm: Option<Option<String>> = None;
    let mut go: Option<Option<String>> = None;
    let (mut npm_cleaned, mut go_cleaned) = (false, false);
    for (c, _) in shell::commands(script) {
        let Some(inv) = c.invocation() else { continue };
        let args = inv.lossy();
        let sub = inv.subcommand();
        match inv.program.as_str() {
            "npm" => match inv.npm_command().map(|(_, c)| c) {
                // An offline install reads the cache the earlier layers left:
                // a mount would hide it.
                Some("install" | "ci") if inv.npm_cache_use() == shell::tools::IndexUse::Reads => {
                    return None
                }
                Some("install" | "ci") if !options::NPM.given(&args, "--global") => {
                    npm = Some(cache_dir(&inv, run, &NPM))
                }
                Some("cache") if inv.npm_cache_cleans() => npm_cleaned = true,
                _ => {}
            },
            // `go build -a` rebuilds everything: a kept cache is never read
            "go" if sub.as_deref() == Some("build")
                && !crate::ecosystem::go::build_ignores_cache(&args) =>
            {
                go = Some(cache_dir(&inv, run, &GO))
            }
            "go" if sub.as_deref() == Some("clean") && args.iter().any(|a| a == "-cache") => {
                go_cleaned = true
            }
            // a variable set for the rest of the script: not followed here
            "export" | "cd" | "pushd"
                if args.iter().any(|a| {
                    ["XDG_CACHE_HOME", "HOME"]
                        .iter()
                        .chain(NPM.env)
                        .chain(GO.env)
                        .any(|v| a.starts_with(&format!("{v}=")))
                }) =>
            {
                return None
            }
            "rm" if args.iter().any(|a| {
                a.trim_end_matches('/')
                    .strip_suffix(NPM.home)
                    .is_some_and(|p| p.ends_with('/'))
            }) =>
            {
                npm_cleaned = true
            }
            "rm" if args.iter().any(|a| a.contains("go-build")) => go_cleaned = true,
            _ => {}
        }
    }
    let (dir, what, needle) = match (npm, go) {
        (Some(d), _) if !npm_cleaned => (d, NPM.what, "npm"),
        (_, Some(d)) if !go_cleaned => (d, GO.what, "go build"),
        _ => return None,
    };
    let dir = path::join_abs(&run.cwd, &dir?);
    // A mount over the cache, or over a part of it (`/root/.npm/_cacache`,
    // npm's content store): a second mount over the whole would nest them.
    let covered = run.mounts.iter().any(|m| {
        m.target
            .as_deref()
            .is_some_and(|t| crate::effects::overlap(&dir, &path::join_abs(&run.cwd, t)))
    });
    (!covered).then_some(MissingCache {
        target: dir,
        what,
        needle,
    })
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let mut npm_later = super::index_read_later::ReadLater::npm();
    for step in cx.model.steps.iter() {
        let (Some(Op::Run(run)), Some(script)) = (&step.op, cx.script(step.instruction)) else {
            continue;
        };
        let Some(m) = missing_cache_mount(run, script) else {
            continue;
        };
        let ins = cx.ins(step.instruction);
        let at = cx.find_in(ins, m.needle);
        // npm's cache in a mount is no longer in the layer: a later offline
        // install, which has no such mount, would find it empty.
        let reader = (m.needle == "npm")
            .then(|| npm_later.after(cx.df, cx.model, step.instruction))
            .flatten();
        let message = match reader {
            Some(r) => format!(
                "no cache mount for {}, but the RUN on line {} installs from it offline: \
                 give both RUNs `--mount=type=cache,target={}` together",
                m.what, r.start_line, m.target
            ),
            None => format!(
                "no cache mount for {}: add `--mount=type=cache,target={}` to keep it between builds",
                m.what, m.target
            ),
        };
        out.push(cx.finding(&RULE, at, message));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testutil::findings;

    /// A cache mount over part of npm's cache (its content store) already
    /// keeps the downloads: no finding, and so no second, nested mount.
    #[test]
    fn a_mount_over_part_of_the_cache_counts() {
        let text = "FROM node:20\nRUN --mount=type=cache,target=/root/.npm/_cacache npm ci\n";
        assert!(findings(text, "DO210").is_empty());
        assert_eq!(findings("FROM node:20\nRUN npm ci\n", "DO210").len(), 1);
    }
}
