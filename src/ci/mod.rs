//! How a repository builds its images in CI: GitHub Actions workflows
//! (`docker/build-push-action`, `docker build`/`docker buildx build` in `run:`),
//! GitLab CI (`script:` lines), shell scripts and Makefiles. Each build found
//! becomes a [`CiBuild`]: Dockerfile, context, target, and the cache it can
//! import on a fresh runner (a [`CacheSource`]).

pub mod analyze;
pub mod command;

use crate::cache::{CacheSource, ExportMode};
use crate::rules::compose::{self as yaml, Node};
use crate::syntax::Span;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum CiError {
    #[error(transparent)]
    Read(#[from] crate::source::SourceError),
    #[error("{file}:{line}:{col}: invalid YAML: {msg}")]
    Yaml {
        file: String,
        line: usize,
        col: usize,
        msg: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Origin {
    /// `uses: docker/build-push-action`.
    BuildPushAction,
    /// `docker build` in a GitHub Actions `run:` step.
    GithubRun,
    /// `docker build` in a GitLab CI `script:`.
    GitlabScript,
    /// `docker build` in a shell script or Makefile.
    Script,
}

/// A setting in the pipeline file: where it is, for findings and fixes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub value: String,
    /// Byte span of the value (for build-push-action inputs) or of the whole command.
    pub span: Span,
}

/// One image build a CI run performs.
#[derive(Debug, Clone)]
pub struct CiBuild {
    /// The pipeline file, relative to the repository root.
    pub file: PathBuf,
    pub origin: Origin,
    /// The job (GitHub/GitLab), if any.
    pub job: Option<String>,
    /// 1-based line of the step or command.
    pub line: usize,
    /// Byte span of the step (`with:` mapping) or command.
    pub span: Span,
    /// Context directory, relative to the repository root.
    pub context: PathBuf,
    /// Dockerfile, relative to the repository root.
    pub dockerfile: PathBuf,
    pub target: Option<String>,
    pub build_args: Vec<(String, String)>,
    pub cache_from: Vec<Located>,
    pub cache_to: Vec<Located>,
    pub no_cache: Option<Located>,
    pub pull: Option<Located>,
    pub push: bool,
    /// build-push-action's `with:` mapping span (where an input can be added).
    pub with_span: Option<Span>,
    /// Indentation of the `with:` inputs, for inserted lines.
    pub with_indent: Option<String>,
    /// build-push-action without `context:` builds from the Git context of the
    /// commit, which has no `.git` directory.
    pub git_context: bool,
    /// build-push-action's `with:` is a flow mapping (`with: {push: true}`).
    pub with_flow: bool,
    /// build-push-action's `with:` is a YAML anchor (`&name`) or alias (`*name`):
    /// other steps share its inputs.
    pub with_shared: bool,
    /// The inputs build-push-action's `with:` sets, whatever their values.
    pub with_keys: Vec<String>,
    /// Indentation of the step's own keys (where `uses:` starts), for adding `with:`.
    pub step_indent: Option<String>,
    /// What follows `@` in `uses: docker/build-push-action@…` (`v6`, a commit).
    pub action_version: Option<String>,
    /// The builder a build-push-action step runs on, as far as its job shows.
    pub builder: Option<Builder>,
}

/// The BuildKit builder a `docker/build-push-action` step builds with. The
/// action uses the current builder of the runner's Docker CLI unless its
/// `builder:` input names one; `docker/setup-buildx-action` creates a builder
/// (driver `docker-container` unless `driver:` says otherwise) and makes it
/// the current one unless `use: false`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Builder {
    /// The Docker daemon's default builder, driver `docker`: no setup step
    /// made another one current before this step (or `builder: default`).
    DockerDefault,
    /// A builder a setup-buildx-action step (1-based line) created.
    Buildx { driver: String, line: usize },
    /// The file does not tell which: the reason.
    Unknown(String),
}

impl Builder {
    /// The driver, when known.
    pub fn driver(&self) -> Option<&str> {
        match self {
            Builder::DockerDefault => Some("docker"),
            Builder::Buildx { driver, .. } => Some(driver),
            Builder::Unknown(_) => None,
        }
    }
}

/// A `docker/setup-buildx-action` step seen earlier in the job.
#[derive(Debug, Clone)]
struct BuildxSetup {
    line: usize,
    /// The step's `id:` (its builder is `${{ steps.ID.outputs.name }}`).
    id: Option<String>,
    /// The builder's `name:` input.
    name: Option<String>,
    /// The `driver:` input (`None`: docker-container, the action's default).
    driver: Option<String>,
    /// `use:` (default true): the builder becomes the current one. `None`: an expression.
    make_current: Option<bool>,
    /// The step's `if:` condition.
    condition: Option<String>,
}

impl BuildxSetup {
    fn from_step(text: &str, step: &Node) -> BuildxSetup {
        let top = |k: &str| yaml::get(step, k).and_then(|(_, v)| yaml::scalar(v));
        let with = yaml::get(step, "with").map(|(_, v)| v);
        let input = |k: &str| {
            with.and_then(|w| yaml::get(w, k))
                .and_then(|(_, v)| yaml::scalar(v))
        };
        let make_current = match input("use").as_deref().map(str::trim) {
            None | Some("true" | "True" | "TRUE") => Some(true),
            Some("false" | "False" | "FALSE") => Some(false),
            Some(_) => None,
        };
        BuildxSetup {
            line: line_of(text, node_span(text, step).start),
            id: top("id"),
            name: input("name"),
            driver: input("driver").map(|d| d.trim().to_string()),
            make_current,
            condition: top("if"),
        }
    }

    /// The builder this step gives a build step whose `if:` is `condition`.
    fn builder(&self, condition: Option<&str>) -> Builder {
        if self.condition.is_some() && self.condition.as_deref() != condition {
            return Builder::Unknown(format!(
                "the docker/setup-buildx-action step on line {} runs only `if: {}`",
                self.line,
                self.condition.as_deref().unwrap_or_default()
            ));
        }
        match self.driver.as_deref() {
            None | Some("") => Builder::Buildx {
                driver: "docker-container".into(),
                line: self.line,
            },
            Some(d) if d.contains("${{") => Builder::Unknown(format!(
                "the docker/setup-buildx-action step on line {} sets `driver: {d}` at run time",
                self.line
            )),
            Some(d) => Builder::Buildx {
                driver: d.to_string(),
                line: self.line,
            },
        }
    }
}

/// `${{ steps.ID.outputs.name }}` → `ID`.
fn step_output_name(v: &str) -> Option<&str> {
    let inner = v.trim().strip_prefix("${{")?.strip_suffix("}}")?.trim();
    let id = inner
        .strip_prefix("steps.")?
        .strip_suffix(".outputs.name")?;
    (!id.is_empty() && !id.contains(|c: char| c.is_whitespace())).then_some(id)
}

/// The builder a build-push-action step (`builder:` input, `if:`) runs on after `setups`.
fn resolve_builder(
    setups: &[BuildxSetup],
    named: Option<&str>,
    condition: Option<&str>,
) -> Builder {
    match named.map(str::trim) {
        Some("") | None => {}
        Some("default") => return Builder::DockerDefault,
        Some(v) => {
            let found = match step_output_name(v) {
                Some(id) => setups.iter().rev().find(|s| s.id.as_deref() == Some(id)),
                None => setups.iter().rev().find(|s| s.name.as_deref() == Some(v)),
            };
            return match found {
                Some(s) => s.builder(condition),
                None => Builder::Unknown(format!(
                    "its `builder: {v}` is not one a docker/setup-buildx-action step of this job creates, so its driver is unknown"
                )),
            };
        }
    }
    for s in setups.iter().rev() {
        match s.make_current {
            Some(true) => return s.builder(condition),
            Some(false) => continue,
            None => {
                return Builder::Unknown(format!(
                    "the docker/setup-buildx-action step on line {} sets `use:` at run time",
                    s.line
                ))
            }
        }
    }
    Builder::DockerDefault
}

impl CiBuild {
    /// `BUILDKIT_INLINE_CACHE=1` or `--cache-to type=inline`.
    pub fn exports_inline(&self) -> bool {
        self.build_args
            .iter()
            .any(|(k, v)| k == "BUILDKIT_INLINE_CACHE" && v != "0" && !v.is_empty())
            || self.cache_to.iter().any(|c| kind_of(&c.value) == "inline")
    }

    /// The cache a fresh runner imports: what the previous run exported
    /// (`cache-to`, inline) and this run reads back (`cache-from`).
    pub fn cache_source(&self) -> CacheSource {
        if self.no_cache.is_some() {
            return CacheSource::None;
        }
        for from in &self.cache_from {
            let kind = kind_of(&from.value);
            let exported = self.cache_to.iter().find(|t| kind_of(&t.value) == kind);
            match (kind.as_str(), exported) {
                ("gha", Some(t)) => {
                    return CacheSource::Gha {
                        mode: mode_of(&t.value),
                        scope: option_of(&t.value, "scope"),
                    }
                }
                ("local", Some(t)) => {
                    return CacheSource::LocalDir {
                        mode: mode_of(&t.value),
                    }
                }
                ("registry", Some(t)) => {
                    return CacheSource::Registry {
                        mode: mode_of(&t.value),
                    }
                }
                ("registry", None) if self.exports_inline() => return CacheSource::Inline,
                _ => {}
            }
        }
        CacheSource::None
    }

    /// A short name: `Dockerfile`, `docker/api.Dockerfile (target app)`.
    pub fn title(&self) -> String {
        match &self.target {
            Some(t) => format!("{} (target {t})", self.dockerfile.display()),
            None => self.dockerfile.display().to_string(),
        }
    }
}

/// `type=gha,mode=max` → `gha`; a bare image reference is `registry`.
pub fn kind_of(spec: &str) -> String {
    if !spec.contains('=') {
        return "registry".into();
    }
    option_of(spec, "type").unwrap_or_else(|| "registry".into())
}

pub fn option_of(spec: &str, key: &str) -> Option<String> {
    spec.split(',').find_map(|p| {
        let (k, v) = p.trim().split_once('=')?;
        (k == key).then(|| v.trim().to_string())
    })
}

fn mode_of(spec: &str) -> ExportMode {
    match option_of(spec, "mode").as_deref() {
        Some("max") => ExportMode::Max,
        _ => ExportMode::Min,
    }
}

/// The pipeline files under `root`: workflows, `.gitlab-ci.yml`, scripts, Makefiles.
pub fn discover(root: &Path) -> Vec<PathBuf> {
    let mut out = pipelines(root);
    // The search every command uses (crate::source::walker): `.github/scripts/`
    // is searched, `.git/` and `node_modules/` are not.
    let mut scripts: Vec<PathBuf> = crate::source::walker(root)
        .max_depth(Some(4))
        .build()
        .flatten()
        .map(|e| e.into_path())
        .filter(|p| {
            p.is_file()
                && p.file_name().is_some_and(|n| {
                    let n = n.to_string_lossy();
                    n.ends_with(".sh") || n == "Makefile" || n == "makefile" || n == "GNUmakefile"
                })
        })
        .collect();
    scripts.sort();
    out.extend(scripts);
    out
}

/// The YAML pipelines at `root`: `.github/workflows/*.yml`, `.gitlab-ci.yml`.
pub fn pipelines(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let wf = root.join(".github/workflows");
    if let Ok(rd) = std::fs::read_dir(&wf) {
        let mut v: Vec<PathBuf> = rd
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"))
            .collect();
        v.sort();
        out.extend(v);
    }
    for name in [".gitlab-ci.yml", ".gitlab-ci.yaml"] {
        if root.join(name).is_file() {
            out.push(root.join(name));
        }
    }
    out
}

/// Every build in every pipeline file under `root`.
pub fn read_all(root: &Path) -> (Vec<CiBuild>, Vec<String>) {
    let mut builds = Vec::new();
    let mut warnings = Vec::new();
    for f in discover(root) {
        match read_file(root, &f) {
            Ok(b) => builds.extend(b),
            Err(e) => warnings.push(e.to_string()),
        }
    }
    (builds, warnings)
}

fn rel(root: &Path, p: &Path) -> PathBuf {
    p.strip_prefix(root).unwrap_or(p).to_path_buf()
}

/// Builds in one pipeline file.
pub fn read_file(root: &Path, file: &Path) -> Result<Vec<CiBuild>, CiError> {
    let text = crate::source::read_context_text(file)?;
    read_text(root, file, &text)
}

/// Builds in one pipeline file whose text is `text` (what `fix` is about to write).
pub fn read_text(root: &Path, file: &Path, text: &str) -> Result<Vec<CiBuild>, CiError> {
    let text = text.to_string();
    let relf = rel(root, file);
    let name = relf.to_string_lossy().replace('\\', "/");
    if name.starts_with(".github/workflows/") {
        github(&relf, &text)
    } else if name.ends_with(".gitlab-ci.yml") || name.ends_with(".gitlab-ci.yaml") {
        gitlab(&relf, &text)
    } else {
        Ok(from_commands(
            &relf,
            &text,
            0,
            Origin::Script,
            None,
            &relf_dir(&relf),
        ))
    }
}

/// Scripts run from their own directory when they `cd "$(dirname "$0")"`;
/// most CI calls them from the repository root, which is assumed.
fn relf_dir(_f: &Path) -> PathBuf {
    PathBuf::new()
}

fn parse_yaml(file: &Path, text: &str) -> Result<Node, CiError> {
    yaml::parse(text).map_err(|(line, col, msg)| CiError::Yaml {
        file: file.display().to_string(),
        line,
        col,
        msg,
    })
}

/// Byte offset of a saphyr char index.
pub fn byte_offset(text: &str, char_index: usize) -> usize {
    text.char_indices()
        .nth(char_index)
        .map(|(b, _)| b)
        .unwrap_or(text.len())
}

fn node_span(text: &str, n: &Node) -> Span {
    let s = byte_offset(text, n.span.start.index());
    let e = byte_offset(text, n.span.end.index()).max(s);
    // Block scalars and mappings end after their trailing newline: trim it.
    let t = text[s..e].trim_end();
    Span::new(s, s + t.len())
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// A context or file path from a pipeline, as a relative path (`./a/` is `a`, `.` is empty).
fn relative_dir(p: &str) -> PathBuf {
    let p = p.trim();
    let p = p.strip_prefix("./").unwrap_or(p);
    if p.is_empty() || p == "." {
        PathBuf::new()
    } else {
        PathBuf::from(p.trim_end_matches('/'))
    }
}

/// Values of a list input: a YAML list or a newline/comma-separated string.
fn list_values(text: &str, n: &Node, split_commas: bool) -> Vec<Located> {
    let seq = yaml::items(n);
    if !seq.is_empty() {
        return seq
            .iter()
            .filter_map(|i| {
                Some(Located {
                    value: yaml::scalar(i)?,
                    span: node_span(text, i),
                })
            })
            .collect();
    }
    let Some(v) = yaml::scalar(n) else {
        return Vec::new();
    };
    let span = node_span(text, n);
    v.lines()
        .flat_map(|l| {
            if split_commas && !l.contains('=') {
                l.split(',').map(str::to_string).collect::<Vec<_>>()
            } else {
                vec![l.to_string()]
            }
        })
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .map(|value| Located { value, span })
        .collect()
}

fn truthy(v: &str) -> bool {
    matches!(v.trim(), "true" | "True" | "TRUE" | "yes" | "1")
}

fn github(file: &Path, text: &str) -> Result<Vec<CiBuild>, CiError> {
    let root = parse_yaml(file, text)?;
    let mut out = Vec::new();
    let Some((_, jobs)) = yaml::get(&root, "jobs") else {
        return Ok(out);
    };
    for (jk, job) in yaml::entries(jobs) {
        let job_name = yaml::scalar(jk);
        let Some((_, steps)) = yaml::get(job, "steps") else {
            continue;
        };
        let mut setups: Vec<BuildxSetup> = Vec::new();
        for step in yaml::items(steps) {
            let uses = yaml::get(step, "uses").and_then(|(_, v)| yaml::scalar(v));
            let action = uses
                .as_deref()
                .map(|u| u.trim().split_once('@').unwrap_or((u, "")));
            if action.is_some_and(|(a, _)| a == "docker/setup-buildx-action") {
                setups.push(BuildxSetup::from_step(text, step));
                continue;
            }
            if let Some(("docker/build-push-action", version)) = action {
                let mut b = build_push_action(file, text, step, job_name.clone());
                b.action_version = Some(version.to_string());
                let named = yaml::get(step, "with")
                    .and_then(|(_, w)| yaml::get(w, "builder"))
                    .and_then(|(_, v)| yaml::scalar(v));
                let condition = yaml::get(step, "if").and_then(|(_, v)| yaml::scalar(v));
                b.builder = Some(resolve_builder(
                    &setups,
                    named.as_deref(),
                    condition.as_deref(),
                ));
                out.push(b);
                continue;
            }
            if let Some((_, run)) = yaml::get(step, "run") {
                if let Some(script) = yaml::scalar(run) {
                    let span = node_span(text, run);
                    // The block scalar's text is not the file's text (indentation is
                    // removed): locate each command by its line in the block.
                    let base = line_of(text, span.start);
                    let block_lines = block_start_line(text, span.start);
                    for mut b in from_commands(
                        file,
                        &script,
                        0,
                        Origin::GithubRun,
                        job_name.clone(),
                        &PathBuf::new(),
                    ) {
                        let l = line_of(&script, b.span.start);
                        b.line = block_lines.unwrap_or(base) + l - 1;
                        relocate(&mut b, span);
                        out.push(b);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The first content line of a block scalar (`run: |` puts it on the next line).
fn block_start_line(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    if rest.starts_with('|') || rest.starts_with('>') {
        Some(line_of(text, start) + 1)
    } else {
        None
    }
}

fn build_push_action(file: &Path, text: &str, step: &Node, job: Option<String>) -> CiBuild {
    let with = yaml::get(step, "with").map(|(_, v)| v);
    let input = |k: &str| with.and_then(|w| yaml::get(w, k)).map(|(_, v)| v);
    let s = |k: &str| input(k).and_then(yaml::scalar);
    // `with: &inputs` / `with: *inputs`: what follows the key on its line.
    let with_shared = yaml::get(step, "with").is_some_and(|(k, _)| {
        let end = byte_offset(text, k.span.end.index());
        let rest = &text[end..];
        let rest = rest[..rest.find('\n').unwrap_or(rest.len())].trim_start();
        let rest = rest.strip_prefix(':').unwrap_or(rest).trim_start();
        rest.starts_with('&') || rest.starts_with('*')
    });
    // build-push-action's default context is the Git context of the commit; for the
    // simulation that is the repository root.
    let context = relative_dir(&s("context").unwrap_or_default());
    let dockerfile = match s("file") {
        Some(f) => relative_dir(&f),
        None => context.join("Dockerfile"),
    };
    let located = |k: &str| {
        input(k).and_then(|n| {
            Some(Located {
                value: yaml::scalar(n)?,
                span: node_span(text, n),
            })
        })
    };
    let flag = |k: &str| located(k).filter(|l| truthy(&l.value));
    let build_args = input("build-args")
        .map(|n| list_values(text, n, false))
        .unwrap_or_default()
        .into_iter()
        .filter_map(|l| {
            let (k, v) = l.value.split_once('=')?;
            Some((k.trim().to_string(), v.trim().to_string()))
        })
        .collect();
    let step_span = node_span(text, step);
    let with_flow = with.is_some_and(|w| {
        let sp = node_span(text, w);
        text.get(sp.start..sp.end)
            .is_some_and(|t| t.starts_with('{') || t.starts_with('['))
    });
    // The text before a key on its line, when it is only indentation.
    let indent_of = |key: &Node| {
        let off = byte_offset(text, key.span.start.index());
        let line_start = text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let before = &text[line_start..off];
        before.chars().all(|c| c == ' ').then(|| before.to_string())
    };
    let with_indent = with.filter(|_| !with_flow).and_then(|w| {
        let first = yaml::entries(w).into_iter().next()?.0;
        indent_of(first)
    });
    // `- uses: …`: the step's keys start after the dash; new lines get spaces there.
    let step_indent = yaml::entries(step).into_iter().next().and_then(|(k, _)| {
        let off = byte_offset(text, k.span.start.index());
        let line_start = text[..off].rfind('\n').map(|i| i + 1).unwrap_or(0);
        let before = &text[line_start..off];
        (before.chars().all(|c| c == ' ' || c == '-') && before.matches('-').count() <= 1)
            .then(|| " ".repeat(before.len()))
    });
    let with_keys = with
        .map(|w| {
            yaml::entries(w)
                .into_iter()
                .filter_map(|(k, _)| yaml::scalar(k))
                .collect()
        })
        .unwrap_or_default();
    CiBuild {
        file: file.to_path_buf(),
        origin: Origin::BuildPushAction,
        job,
        line: line_of(text, step_span.start),
        span: step_span,
        context,
        dockerfile,
        target: s("target"),
        build_args,
        cache_from: input("cache-from")
            .map(|n| list_values(text, n, false))
            .unwrap_or_default(),
        cache_to: input("cache-to")
            .map(|n| list_values(text, n, false))
            .unwrap_or_default(),
        no_cache: flag("no-cache"),
        pull: flag("pull"),
        push: s("push").is_some_and(|v| truthy(&v)),
        with_span: with.map(|w| {
            // A flow mapping's end marker is at its `}`: include it.
            let sp = node_span(text, w);
            if with_flow && text.get(sp.end..sp.end + 1) == Some("}") {
                Span::new(sp.start, sp.end + 1)
            } else {
                sp
            }
        }),
        with_indent,
        git_context: s("context").is_none(),
        with_flow,
        with_shared,
        with_keys,
        step_indent,
        action_version: None,
        builder: None,
    }
}

fn gitlab(file: &Path, text: &str) -> Result<Vec<CiBuild>, CiError> {
    let root = parse_yaml(file, text)?;
    let mut out = Vec::new();
    for (jk, job) in yaml::entries(&root) {
        let job_name = yaml::scalar(jk);
        for key in ["before_script", "script", "after_script"] {
            let Some((_, script)) = yaml::get(job, key) else {
                continue;
            };
            let lines: Vec<&Node> = match yaml::items(script) {
                [] => vec![script],
                many => many.iter().collect(),
            };
            for l in lines {
                let Some(cmd) = yaml::scalar(l) else { continue };
                let span = node_span(text, l);
                for mut b in from_commands(
                    file,
                    &cmd,
                    0,
                    Origin::GitlabScript,
                    job_name.clone(),
                    &PathBuf::new(),
                ) {
                    b.line = line_of(text, span.start);
                    relocate(&mut b, span);
                    out.push(b);
                }
            }
        }
    }
    Ok(out)
}

/// A command found in a YAML scalar: its offsets were in the scalar's text
/// (indentation removed), so every location becomes the scalar's span.
fn relocate(b: &mut CiBuild, span: Span) {
    b.span = span;
    for l in b
        .cache_from
        .iter_mut()
        .chain(b.cache_to.iter_mut())
        .chain(b.no_cache.iter_mut())
        .chain(b.pull.iter_mut())
    {
        l.span = span;
    }
}

fn from_commands(
    file: &Path,
    text: &str,
    base: usize,
    origin: Origin,
    job: Option<String>,
    dir: &Path,
) -> Vec<CiBuild> {
    command::find(text)
        .into_iter()
        .map(|c| {
            let span = Span::new(base + c.start, base + c.end);
            let context = dir.join(relative_dir(c.context.as_deref().unwrap_or(".")));
            // `-f` is relative to the working directory, like the context.
            let dockerfile = match &c.file {
                Some(f) => dir.join(relative_dir(f)),
                None => context.join("Dockerfile"),
            };
            let whole = |v: String| Located { value: v, span };
            CiBuild {
                file: file.to_path_buf(),
                origin,
                job: job.clone(),
                line: line_of(text, c.start),
                span,
                context,
                dockerfile,
                target: c.target,
                build_args: c.build_args,
                cache_from: c.cache_from.into_iter().map(whole).collect(),
                cache_to: c.cache_to.into_iter().map(whole).collect(),
                no_cache: c.no_cache.then(|| whole("--no-cache".into())),
                pull: c.pull.then(|| whole("--pull".into())),
                push: c.push,
                with_span: None,
                with_indent: None,
                git_context: false,
                with_flow: false,
                with_shared: false,
                with_keys: Vec::new(),
                step_indent: None,
                action_version: None,
                builder: None,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
