//! Replaying a repository's history: each commit that touches the context is simulated
//! against its first parent and costed, for the Dockerfile and optionally for another one
//! (e.g. the output of `dockopt fix`) evaluated on the same context revisions.

use super::sizing::{self, Sizing};
use super::{estimate_from, Calibration, PackageCounts, Rebuild};
use crate::cache::{self, BuildInput};
use crate::change::{self, ChangeError};
use crate::ecosystem::registry::Registries;
use crate::model::BuildOptions;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("{0} is not inside a git repository: --history and --git need the repository's history (git init, or use --changed / --before/--after)")]
    NoRepo(PathBuf),
    #[error("git: {0}")]
    Git(String),
    #[error("{0}")]
    Change(#[from] ChangeError),
}

pub struct HistorySpec {
    pub context: PathBuf,
    /// The Dockerfile, as located in the working tree (inside `context`).
    pub dockerfile: PathBuf,
    /// `REV1..REV2` (default: `HEAD`).
    pub range: Option<String>,
    /// The newest N commits (0: all in the range).
    pub limit: usize,
    pub opts: BuildOptions,
    /// Another Dockerfile's name and text, evaluated on the same revisions.
    pub compare: Option<(String, String)>,
    pub calibration: Calibration,
    /// Where each rebuild's cache comes from (`local`: the previous commit's build).
    pub cache_source: cache::CacheSource,
}

#[derive(Debug, Clone)]
pub struct CommitEstimate {
    pub rev: String,
    pub parent: String,
    pub subject: String,
    pub merge: bool,
    pub rebuild: Rebuild,
    pub compare: Option<Rebuild>,
    /// `--registry`: the packages this commit adds, sized (`None` without `--registry`, or
    /// when it adds none).
    pub sizing: Option<Sizing>,
}

#[derive(Debug, Clone)]
pub struct History {
    /// Oldest first.
    pub commits: Vec<CommitEstimate>,
    pub total: Rebuild,
    pub compare_total: Option<Rebuild>,
    /// How the history was read (first-parent, merges, shallow clone, skipped commits).
    pub notes: Vec<String>,
    /// Calibration warnings, each once.
    pub warnings: Vec<String>,
}

fn git(dir: &Path, args: &[&str]) -> Result<String, HistoryError> {
    crate::change::run_git(dir, args).map_err(HistoryError::Git)
}

struct Rev {
    hash: String,
    parents: Vec<String>,
    subject: String,
}

/// First-parent commits touching the context, newest first.
fn list(spec: &HistorySpec) -> Result<Vec<Rev>, HistoryError> {
    let limit = spec.limit.to_string();
    let mut args = vec!["log", "--first-parent", "--format=%H%x1f%P%x1f%s"];
    if spec.limit > 0 {
        args.extend(["-n", &limit]);
    }
    let range = spec.range.as_deref().unwrap_or("HEAD");
    let range = match range.split_once("..") {
        Some((a, "")) => format!("{a}..HEAD"),
        _ => range.to_string(),
    };
    args.push(&range);
    args.extend(["--", "."]);
    let out = git(&spec.context, &args).map_err(|e| match e {
        HistoryError::Git(m)
            if m.contains("does not have any commits") || m.contains("unknown revision") =>
        {
            HistoryError::Git(format!("cannot read history `{range}`: {m}"))
        }
        other => other,
    })?;
    Ok(out
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut f = l.splitn(3, '\x1f');
            let hash = f.next().unwrap_or("").to_string();
            let parents = f
                .next()
                .unwrap_or("")
                .split_whitespace()
                .map(str::to_string)
                .collect();
            Rev {
                hash,
                parents,
                subject: f.next().unwrap_or("").to_string(),
            }
        })
        .collect())
}

struct Loaded {
    rev: String,
    main: BuildInput,
    other: Option<BuildInput>,
    /// Package counts of this revision's manifests (read while its checkout exists).
    counts: PackageCounts,
    _dir: tempfile::TempDir,
}

fn short(h: &str) -> &str {
    &h[..h.len().min(10)]
}

pub fn replay(spec: &HistorySpec) -> Result<History, HistoryError> {
    replay_sized(spec, None)
}

/// [`replay`], each commit's added packages sized by `registries` (`estimate --history
/// --registry`): a commit that adds a package to a manifest or an install's command line is
/// costed as a single change with `--registry` would be.
pub fn replay_sized(
    spec: &HistorySpec,
    mut registries: Option<&mut Registries>,
) -> Result<History, HistoryError> {
    if git(&spec.context, &["rev-parse", "--show-toplevel"]).is_err() {
        return Err(HistoryError::NoRepo(spec.context.clone()));
    }
    let shallow = git(&spec.context, &["rev-parse", "--is-shallow-repository"])
        .map(|s| s.trim() == "true")
        .unwrap_or(false);
    let revs = list(spec)?;
    let rel_df = match (spec.dockerfile.canonicalize(), spec.context.canonicalize()) {
        (Ok(d), Ok(c)) => d.strip_prefix(&c).map(Path::to_path_buf).unwrap_or(d),
        _ => PathBuf::from("Dockerfile"),
    };
    let mut notes = vec![format!(
        "first-parent history of {} ({} commit{} touching the context)",
        spec.range.as_deref().unwrap_or("HEAD"),
        revs.len(),
        if revs.len() == 1 { "" } else { "s" }
    )];
    if spec.limit > 0 && revs.len() < spec.limit && spec.range.is_none() {
        notes.push(format!(
            "asked for {} commits; only {} touch the context{}",
            spec.limit,
            revs.len(),
            if shallow {
                " in this shallow clone"
            } else {
                ""
            }
        ));
    }
    let merges = revs.iter().filter(|r| r.parents.len() > 1).count();
    if merges > 0 {
        notes.push(format!(
            "{merges} merge commit{} compared with {} first parent (first-parent history: everything merged in counts as one rebuild)",
            if merges == 1 { "" } else { "s" },
            if merges == 1 { "its" } else { "their" }
        ));
    }

    let load = |rev: &str| -> Result<Option<Loaded>, HistoryError> {
        let (dir, tmp) = change::checkout_revision(&spec.context, rev)?;
        let df = dir.join(&rel_df);
        if !df.is_file() {
            return Ok(None);
        }
        let main = change::load_build_as(
            &dir,
            &df,
            Some(&rel_df.display().to_string()),
            &spec.opts,
            None,
        )?;
        let other = match &spec.compare {
            Some((name, text)) => Some(change::input_from_text(
                name.clone(),
                text,
                &spec.opts,
                main.context.clone(),
            )?),
            None => None,
        };
        let counts = PackageCounts::scan(&dir, &main.context);
        Ok(Some(Loaded {
            rev: rev.to_string(),
            main,
            other,
            counts,
            _dir: tmp,
        }))
    };

    let mut commits = Vec::new();
    let mut warnings: Vec<String> = Vec::new();
    let mut total = Rebuild::default();
    let mut compare_total = spec.compare.as_ref().map(|_| Rebuild::default());
    let mut cache: Vec<Loaded> = Vec::new();
    let get = |rev: &str, cache: &mut Vec<Loaded>| -> Result<Option<usize>, HistoryError> {
        if let Some(i) = cache.iter().position(|l| l.rev == rev) {
            return Ok(Some(i));
        }
        match load(rev)? {
            Some(l) => {
                if cache.len() >= 3 {
                    cache.remove(0);
                }
                cache.push(l);
                Ok(Some(cache.len() - 1))
            }
            None => Ok(None),
        }
    };
    for r in revs.iter().rev() {
        let Some(parent) = r.parents.first() else {
            notes.push(if shallow {
                format!(
                    "{} is at the shallow-clone boundary (its parent was not fetched): skipped; `git fetch --unshallow` for the full history",
                    short(&r.hash)
                )
            } else {
                format!("{} is the first commit (a cold build, not a rebuild): skipped", short(&r.hash))
            });
            continue;
        };
        let step = (|| -> Result<Option<CommitEstimate>, HistoryError> {
            let Some(b) = get(parent, &mut cache)? else {
                return Ok(None);
            };
            let before_rev = cache[b].rev.clone();
            let Some(a) = get(&r.hash, &mut cache)? else {
                return Ok(None);
            };
            let b = cache.iter().position(|l| l.rev == before_rev).unwrap_or(b);
            let (before, after) = (&cache[b], &cache[a]);
            let sim = cache::simulate_with_source(&before.main, &after.main, &spec.cache_source);
            let mut cal = spec.calibration.clone();
            cal.counts.merge(&before.counts);
            cal.counts.merge(&after.counts);
            let mut sized = None;
            if let Some(reg) = registries.as_deref_mut() {
                let s = sizing::size_added(&before.main, &after.main, &cal.counts, reg);
                cal.sizes = s.sizes.clone();
                if !s.sized.is_empty() || !s.not_sized.is_empty() {
                    sized = Some(s);
                }
            }
            let e = estimate_from(&sim, Some(&before.main.context), &after.main, &cal);
            for w in e.warnings {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            let compare = match (&before.other, &after.other) {
                (Some(bo), Some(ao)) => {
                    let s = cache::simulate_with_source(bo, ao, &spec.cache_source);
                    let mut cal = cal.clone();
                    if let Some(reg) = registries.as_deref_mut() {
                        // Its own command lines may name other packages; the manifests'
                        // were sized above (answers are cached).
                        cal.sizes = sizing::size_added(bo, ao, &cal.counts, reg).sizes;
                    }
                    let e = estimate_from(&s, Some(&bo.context), ao, &cal);
                    for w in e.warnings {
                        if !warnings.contains(&w) {
                            warnings.push(w);
                        }
                    }
                    Some(e.rebuild)
                }
                _ => None,
            };
            Ok(Some(CommitEstimate {
                rev: r.hash.clone(),
                parent: parent.clone(),
                subject: r.subject.clone(),
                merge: r.parents.len() > 1,
                rebuild: e.rebuild,
                compare,
                sizing: sized,
            }))
        })();
        match step {
            Ok(Some(c)) => {
                for n in c.sizing.iter().flat_map(|s| &s.notes) {
                    notes.push(format!("{}: {n}", short(&c.rev)));
                }
                total.add(&c.rebuild);
                if let (Some(t), Some(cr)) = (compare_total.as_mut(), &c.compare) {
                    t.add(cr);
                }
                commits.push(c);
            }
            Ok(None) => notes.push(format!(
                "{}: {} does not exist in it or its parent: skipped",
                short(&r.hash),
                rel_df.display()
            )),
            Err(e) => notes.push(format!("{}: skipped: {e}", short(&r.hash))),
        }
    }
    Ok(History {
        commits,
        total: total.rounded(),
        compare_total: compare_total.map(Rebuild::rounded),
        notes,
        warnings,
    })
}
