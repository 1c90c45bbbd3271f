//! Turning a described change (edited paths, two directories, a git range,
//! a snapshot of the last build, build args, a moved base image) into the
//! two builds the cache simulator compares.

mod git;
mod snapshot;

pub use git::{checkout as checkout_revision, run_git};
pub use snapshot::{Snapshot, SNAPSHOT_FORMAT};

use crate::cache::BuildInput;
use crate::context::{ContextError, ContextTree, Perturbation};
use crate::model::{self, BuildOptions};
use crate::syntax;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ChangeError {
    #[error("build context {0} does not exist")]
    ContextMissing(PathBuf),
    #[error("build context {0} is a file, not a directory (pass the folder that holds the build's files)")]
    ContextNotDir(PathBuf),
    #[error("Dockerfile {0} is not a regular file")]
    DockerfileNotFile(PathBuf),
    #[error("Dockerfile {0} does not exist")]
    DockerfileMissing(PathBuf),
    #[error("Dockerfile {dockerfile} is outside the build context {context}; pass a --context that contains it")]
    DockerfileOutside {
        dockerfile: PathBuf,
        context: PathBuf,
    },
    #[error("{0}")]
    Parse(String),
    #[error("{file}: {source}")]
    Model {
        file: String,
        #[source]
        source: model::ModelError,
    },
    #[error(transparent)]
    Context(#[from] ContextError),
    #[error("git: {0}")]
    Git(String),
    #[error("snapshot {path}: {message}")]
    Snapshot { path: PathBuf, message: String },
    #[error(transparent)]
    Source(#[from] crate::source::SourceError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// What changed between the two builds.
#[derive(Debug, Clone, Default)]
pub enum ChangeKind {
    /// Nothing: a rebuild of the same inputs (useful with build args or --base-changed).
    #[default]
    Nothing,
    /// These context paths' contents changed.
    Paths(Vec<String>),
    /// Two full contexts, each with its Dockerfile.
    Dirs { before: PathBuf, after: PathBuf },
    /// `REV1..REV2` of the repository holding the context (`REV1..` or `REV1`: to the working tree).
    Git(String),
    /// The first build is a snapshot; the second is the current context.
    Snapshot(PathBuf),
}

#[derive(Debug, Clone, Default)]
pub struct ChangeSpec {
    /// `-f`: relative to each directory with `Dirs`, else as given.
    pub dockerfile: Option<PathBuf>,
    pub context: Option<PathBuf>,
    pub target: Option<String>,
    pub build_args: BTreeMap<String, String>,
    pub after_build_args: BTreeMap<String, String>,
    pub base_changed: Vec<String>,
    /// Known base image configs (`--image-config`), for both builds.
    pub image_configs: BTreeMap<String, model::BaseImageConfig>,
    pub kind: ChangeKind,
}

/// The two builds, plus notes for the user (e.g. "debug.log is ignored").
pub struct Prepared {
    pub before: BuildInput,
    pub after: BuildInput,
    pub notes: Vec<String>,
    /// Keeps checked-out git revisions alive while the inputs are used.
    _temp: Vec<tempfile::TempDir>,
}

/// Resolves the context and Dockerfile paths as `docker build` would.
pub fn locate(
    context: Option<&Path>,
    dockerfile: Option<&Path>,
) -> Result<(PathBuf, PathBuf), ChangeError> {
    let context = match (context, dockerfile) {
        (Some(c), _) => c.to_path_buf(),
        (None, Some(f)) => crate::context::default_root(f).to_path_buf(),
        (None, None) => PathBuf::from("."),
    };
    match std::fs::metadata(&context) {
        Ok(m) if m.is_dir() => {}
        Ok(_) => return Err(ChangeError::ContextNotDir(context)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ChangeError::ContextMissing(context))
        }
        Err(source) => {
            return Err(ChangeError::Io {
                path: context,
                source,
            })
        }
    }
    let dockerfile = dockerfile
        .map(Path::to_path_buf)
        .unwrap_or_else(|| context.join("Dockerfile"));
    match std::fs::metadata(&dockerfile) {
        Ok(m) if m.is_file() => {}
        Ok(_) => return Err(ChangeError::DockerfileNotFile(dockerfile)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(ChangeError::DockerfileMissing(dockerfile))
        }
        Err(source) => {
            return Err(ChangeError::Io {
                path: dockerfile,
                source,
            })
        }
    }
    let canon = |p: &Path| {
        p.canonicalize().map_err(|source| ChangeError::Io {
            path: p.to_path_buf(),
            source,
        })
    };
    if !canon(&dockerfile)?.starts_with(canon(&context)?) {
        return Err(ChangeError::DockerfileOutside {
            dockerfile,
            context,
        });
    }
    Ok((context, dockerfile))
}

/// Reads, parses and models one build.
pub fn load_build(
    context: &Path,
    dockerfile: &Path,
    opts: &BuildOptions,
    tree: Option<ContextTree>,
) -> Result<BuildInput, ChangeError> {
    load_build_as(context, dockerfile, None, opts, tree)
}

/// As [`load_build`], naming the Dockerfile `name` in errors and reports: a
/// revision read from a temporary checkout is shown by the user's path.
pub fn load_build_as(
    context: &Path,
    dockerfile: &Path,
    name: Option<&str>,
    opts: &BuildOptions,
    tree: Option<ContextTree>,
) -> Result<BuildInput, ChangeError> {
    let file = crate::source::read(dockerfile)?;
    let (name, text) = (name.map_or(file.name, str::to_string), file.text);
    let tree = match tree {
        Some(t) => t,
        // Links resolved, as the docker CLI resolves the Dockerfile's path.
        None => ContextTree::load(
            context,
            Some(
                &dockerfile
                    .canonicalize()
                    .unwrap_or_else(|_| dockerfile.to_path_buf()),
            ),
        )?,
    };
    input_from_text(name, &text, opts, tree)
}

fn relative_to(path: &Path, base: &Path) -> PathBuf {
    match (path.canonicalize(), base.canonicalize()) {
        (Ok(p), Ok(b)) => p.strip_prefix(&b).map(Path::to_path_buf).unwrap_or(p),
        _ => path.to_path_buf(),
    }
}

pub fn input_from_text(
    name: String,
    text: &str,
    opts: &BuildOptions,
    context: ContextTree,
) -> Result<BuildInput, ChangeError> {
    let df = syntax::parse(text).map_err(|e| ChangeError::Parse(e.render(&name, text)))?;
    let model = model::build(&df, opts).map_err(|source| match source {
        model::ModelError::Invalid(_) => ChangeError::Parse(source.render(&name, text)),
        _ => ChangeError::Model {
            file: name.clone(),
            source,
        },
    })?;
    Ok(BuildInput {
        name,
        dockerfile: std::sync::Arc::new(df),
        model: std::sync::Arc::new(model),
        context,
        moved_images: Vec::new(),
    })
}

pub fn prepare(spec: &ChangeSpec) -> Result<Prepared, ChangeError> {
    let before_opts = BuildOptions {
        build_args: spec.build_args.clone(),
        target: spec.target.clone(),
        image_configs: spec.image_configs.clone(),
    };
    let mut after_args = spec.build_args.clone();
    after_args.extend(spec.after_build_args.clone());
    let after_opts = BuildOptions {
        build_args: after_args,
        target: spec.target.clone(),
        image_configs: spec.image_configs.clone(),
    };
    let mut notes = Vec::new();
    let mut temp = Vec::new();
    let (before, mut after) = match &spec.kind {
        ChangeKind::Dirs { before, after } => {
            let f = spec
                .dockerfile
                .clone()
                .unwrap_or_else(|| PathBuf::from("Dockerfile"));
            let load = |dir: &Path, opts: &BuildOptions| {
                if !dir.is_dir() {
                    return Err(ChangeError::ContextMissing(dir.to_path_buf()));
                }
                let (c, d) = locate(Some(dir), Some(&dir.join(&f)))?;
                load_build(&c, &d, opts, None)
            };
            (load(before, &before_opts)?, load(after, &after_opts)?)
        }
        ChangeKind::Git(range) => {
            let (context, dockerfile) =
                locate(spec.context.as_deref(), spec.dockerfile.as_deref())?;
            let (from, to) = git::parse_range(range)?;
            let rel_df = relative_to(&dockerfile, &context);
            // A revision's Dockerfile is read from a temporary checkout; reports
            // name it by the user's path.
            let user_name = dockerfile.display().to_string();
            let at_rev = |rev: &str, opts: &BuildOptions, temp: &mut Vec<tempfile::TempDir>| {
                let (dir, tmp) = git::checkout(&context, rev)?;
                temp.push(tmp);
                let df = dir.join(&rel_df);
                if !df.is_file() {
                    return Err(ChangeError::Git(format!(
                        "{rev}: {} does not exist in that revision",
                        rel_df.display()
                    )));
                }
                load_build_as(&dir, &df, Some(&format!("{user_name}@{rev}")), opts, None)
            };
            let before = at_rev(&from, &before_opts, &mut temp)?;
            let after = match to {
                Some(rev) => at_rev(&rev, &after_opts, &mut temp)?,
                None => load_build(&context, &dockerfile, &after_opts, None)?,
            };
            (before, after)
        }
        ChangeKind::Snapshot(path) => {
            let (context, dockerfile) =
                locate(spec.context.as_deref(), spec.dockerfile.as_deref())?;
            let snap = Snapshot::read(path)?;
            let before = input_from_text(
                format!("{} (snapshot)", snap.dockerfile),
                &snap.dockerfile_text,
                &before_opts,
                snap.context,
            )?;
            (
                before,
                load_build(&context, &dockerfile, &after_opts, None)?,
            )
        }
        ChangeKind::Paths(paths) => {
            let (context, dockerfile) =
                locate(spec.context.as_deref(), spec.dockerfile.as_deref())?;
            let before = load_build(&context, &dockerfile, &before_opts, None)?;
            let refs: Vec<&str> = paths.iter().map(String::as_str).collect();
            let (tree, effects) = before.context.with_changed(&refs);
            for e in effects {
                match e {
                    Perturbation::Ignored(p) => notes.push(format!(
                        "{p} is excluded by .dockerignore: the build never sees it"
                    )),
                    Perturbation::Added(p) => {
                        notes.push(format!("{p} is not in the context: treated as a new file"))
                    }
                    Perturbation::Edited(_) => {}
                }
            }
            let text = before.dockerfile.source.clone();
            let after = input_from_text(before.name.clone(), &text, &after_opts, tree)?;
            (before, after)
        }
        ChangeKind::Nothing => {
            let (context, dockerfile) =
                locate(spec.context.as_deref(), spec.dockerfile.as_deref())?;
            let before = load_build(&context, &dockerfile, &before_opts, None)?;
            let text = before.dockerfile.source.clone();
            let after = input_from_text(
                before.name.clone(),
                &text,
                &after_opts,
                before.context.clone(),
            )?;
            (before, after)
        }
    };
    after.moved_images = spec.base_changed.clone();
    for img in &spec.base_changed {
        let used = after.model.stages.iter().any(|s| match &s.base {
            crate::model::Base::Image(r) => crate::cache::input_same_image(img, r),
            _ => false,
        });
        if !used {
            notes.push(format!(
                "--base-changed {img}: no stage is built FROM that image"
            ));
        }
    }
    Ok(Prepared {
        before,
        after,
        notes,
        _temp: temp,
    })
}
