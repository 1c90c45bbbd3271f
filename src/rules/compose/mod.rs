//! DO5xx: compose files (docker-compose.yml, compose.yaml, `*.override.yml`),
//! parsed with saphyr keeping every node's position, and the images their
//! services build resolved through the Dockerfile model.

pub mod bind_mount_hides_image;
pub mod build_context_missing;
pub mod depends_on_unhealthy;
pub mod no_restart_policy;
pub mod repeated_blocks;

use super::{Finding, Rule};
use crate::model::{self, BuildOptions, Model};
use crate::syntax::{self, Dockerfile, Position, Span};
use saphyr::{LoadableYamlNode, MarkedYamlOwned, ScalarOwned, YamlDataOwned};
use std::path::{Path, PathBuf};

pub type Node = MarkedYamlOwned;

/// Whether a file name is a compose file.
pub fn is_compose_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .strip_suffix(".yml")
        .or_else(|| lower.strip_suffix(".yaml"));
    match stem {
        Some(s) => {
            let s = s.strip_suffix(".override").unwrap_or(s);
            s == "docker-compose"
                || s == "compose"
                || s.starts_with("docker-compose.")
                || s.starts_with("compose.")
        }
        None => false,
    }
}

/// A scalar as text (strings, numbers, booleans).
pub fn scalar(n: &Node) -> Option<String> {
    match &n.data {
        YamlDataOwned::Value(ScalarOwned::String(s)) => Some(s.clone()),
        YamlDataOwned::Value(ScalarOwned::Integer(i)) => Some(i.to_string()),
        YamlDataOwned::Value(ScalarOwned::Boolean(b)) => Some(b.to_string()),
        YamlDataOwned::Value(ScalarOwned::FloatingPoint(f)) => Some(f.to_string()),
        YamlDataOwned::Representation(s, _, _) => Some(s.clone()),
        YamlDataOwned::Tagged(_, inner) => scalar(inner),
        _ => None,
    }
}

/// Entries of a mapping node (empty for anything else).
pub fn entries(n: &Node) -> Vec<(&Node, &Node)> {
    match &n.data {
        YamlDataOwned::Mapping(m) => m.iter().collect(),
        YamlDataOwned::Tagged(_, inner) => entries(inner),
        _ => Vec::new(),
    }
}

pub fn items(n: &Node) -> &[Node] {
    match &n.data {
        YamlDataOwned::Sequence(s) => s,
        _ => &[],
    }
}

/// `key`'s entry in a mapping node: (key node, value node).
pub fn get<'a>(n: &'a Node, key: &str) -> Option<(&'a Node, &'a Node)> {
    entries(n)
        .into_iter()
        .find(|(k, _)| scalar(k).as_deref() == Some(key))
}

/// The image a service builds, modelled.
pub struct BuiltImage {
    pub context: PathBuf,
    pub dockerfile: PathBuf,
    pub df: Dockerfile,
    pub model: Model,
}

pub struct Service<'a> {
    pub name: String,
    pub key: &'a Node,
    pub node: &'a Node,
    /// The same service in the base file, when this is an override file.
    pub base: Option<&'a Node>,
}

impl<'a> Service<'a> {
    /// `key` in this service, else in its base-file definition.
    pub fn get(&self, key: &str) -> Option<(&'a Node, &'a Node)> {
        get(self.node, key).or_else(|| self.base.and_then(|b| get(b, key)))
    }
}

pub struct ComposeCtx<'a> {
    pub path: &'a str,
    pub file: &'a Path,
    pub text: &'a str,
    pub root: &'a Node,
    pub services: Vec<Service<'a>>,
    /// True for `*.override.yml`: settings may live in the base file.
    pub is_override: bool,
    /// Whether the services' build contexts may be judged on disk (false
    /// under `check --no-context`: a missing directory proves nothing).
    pub read_context: bool,
    line_index: syntax::LineIndex,
}

impl<'a> ComposeCtx<'a> {
    pub fn new(
        path: &'a str,
        file: &'a Path,
        text: &'a str,
        root: &'a Node,
        base: Option<&'a Node>,
    ) -> Self {
        let services_node = get(root, "services").map(|(_, v)| v);
        let base_services = base.and_then(|b| get(b, "services")).map(|(_, v)| v);
        let services = services_node
            .map(entries)
            .unwrap_or_default()
            .into_iter()
            .filter_map(|(k, v)| {
                let name = scalar(k)?;
                let base = base_services.and_then(|b| get(b, &name)).map(|(_, v)| v);
                Some(Service {
                    name,
                    key: k,
                    node: v,
                    base,
                })
            })
            .collect();
        let is_override = file.file_name().is_some_and(|n| {
            n.to_string_lossy()
                .to_ascii_lowercase()
                .contains(".override.")
        });
        ComposeCtx {
            path,
            file,
            text,
            root,
            services,
            is_override,
            read_context: true,
            line_index: syntax::LineIndex::new(text),
        }
    }

    pub fn dir(&self) -> &Path {
        self.file
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }

    fn offset(&self, char_index: usize) -> usize {
        self.text
            .char_indices()
            .nth(char_index)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    /// Whether the node was written as an alias (`*name`).
    pub fn is_alias(&self, node: &Node) -> bool {
        self.text[self.offset(node.span.start.index())..].starts_with('*')
    }

    /// A finding on a node.
    pub fn finding(&self, rule: &Rule, node: &Node, message: impl Into<String>) -> Finding {
        let (s, mut e) = (
            self.offset(node.span.start.index()),
            self.offset(node.span.end.index()),
        );
        // keep frames on one line: stop at the first line end
        if let Some(nl) = self.text.get(s..e).and_then(|t| t.find('\n')) {
            e = s + nl;
        }
        if e < s {
            e = s;
        }
        let pos = |o| self.line_index.position(self.text, o);
        let mut f = Finding::new(rule, pos(s), pos(e), message);
        f.span = Some(Span::new(s, e));
        f
    }

    /// Resolves a service's `build:` to its context and Dockerfile, modelled.
    /// `Err` carries the missing path.
    pub fn built_image<'s>(
        &self,
        svc: &Service<'s>,
    ) -> Option<Result<BuiltImage, (String, &'s Node)>> {
        let (_, build) = svc.get("build")?;
        let (context, dockerfile, target) = match scalar(build) {
            Some(c) => (c, None, None),
            None => (
                get(build, "context")
                    .and_then(|(_, v)| scalar(v))
                    .unwrap_or_else(|| ".".into()),
                get(build, "dockerfile").and_then(|(_, v)| scalar(v)),
                get(build, "target").and_then(|(_, v)| scalar(v)),
            ),
        };
        if context.contains("://") || context.starts_with("git@") {
            return None;
        }
        let ctx_dir = self
            .dir()
            .join(context.strip_prefix("./").unwrap_or(&context));
        if !ctx_dir.is_dir() {
            return Some(Err((
                format!(
                    "build context `{context}` ({}) does not exist",
                    ctx_dir.display()
                ),
                build,
            )));
        }
        let df_path = ctx_dir.join(
            dockerfile
                .as_deref()
                .map(|d| d.strip_prefix("./").unwrap_or(d))
                .unwrap_or("Dockerfile"),
        );
        let text = match crate::source::read_text(&df_path, crate::source::MAX_DOCKERFILE_BYTES) {
            Ok(t) => t,
            Err(crate::source::SourceError::NotFound { .. }) => {
                return Some(Err((
                    format!("Dockerfile {} does not exist", df_path.display()),
                    build,
                )))
            }
            Err(e) => return Some(Err((e.to_string(), build))),
        };
        let df = syntax::parse(&text).ok()?;
        let opts = BuildOptions {
            target,
            ..BuildOptions::default()
        };
        let model = model::build(&df, &opts).ok()?;
        Some(Ok(BuiltImage {
            context: ctx_dir,
            dockerfile: df_path,
            df,
            model,
        }))
    }
}

/// The compose services in `dir`'s compose files that build `dockerfile`,
/// each with what `judge` says of it.
fn building_services<T>(
    dir: &Path,
    dockerfile: &Path,
    mut judge: impl FnMut(&Service) -> T,
) -> Vec<(String, T)> {
    let Ok(want) = dockerfile.canonicalize() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for name in [
        "compose.yaml",
        "compose.yml",
        "docker-compose.yaml",
        "docker-compose.yml",
    ] {
        let file = dir.join(name);
        let Ok(text) = crate::source::read_context_text(&file) else {
            continue;
        };
        let Ok(root) = parse(&text) else { continue };
        let cx = ComposeCtx::new(name, &file, &text, &root, None);
        for svc in &cx.services {
            let Some(Ok(img)) = cx.built_image(svc) else {
                continue;
            };
            if img.dockerfile.canonicalize().ok().as_ref() == Some(&want) {
                out.push((svc.name.clone(), judge(svc)));
            }
        }
    }
    out
}

/// The names of `services` when there are some and `judge` said yes of
/// every one.
fn all_of(services: Vec<(String, bool)>) -> Option<Vec<String>> {
    let all = !services.is_empty() && services.iter().all(|(_, yes)| *yes);
    all.then(|| services.into_iter().map(|(n, _)| n).collect())
}

/// The compose services in `dir`'s compose files that build `dockerfile`,
/// when there are some and every one of them bind-mounts a host directory
/// (`.:/app`): a development setup, so the image ships nowhere. Their names.
pub fn development_builds(dir: &Path, dockerfile: &Path) -> Option<Vec<String>> {
    all_of(building_services(dir, dockerfile, |svc| {
        svc.get("volumes").is_some_and(|(_, v)| {
            items(v).iter().any(|i| {
                scalar(i).is_some_and(|s| s.starts_with('.') && s.contains(':'))
                    || (get(i, "type").and_then(|(_, t)| scalar(t)).as_deref() == Some("bind")
                        && get(i, "source")
                            .and_then(|(_, t)| scalar(t))
                            .is_some_and(|s| s.starts_with('.')))
            })
        })
    }))
}

/// The compose services in `dir`'s compose files that build `dockerfile`,
/// when there are some and every one of them defines a `healthcheck:`
/// (not `disable: true`). Their names.
pub fn healthchecked_builds(dir: &Path, dockerfile: &Path) -> Option<Vec<String>> {
    all_of(building_services(dir, dockerfile, |svc| {
        svc.get("healthcheck").is_some_and(|(_, h)| {
            get(h, "disable").and_then(|(_, v)| scalar(v)).as_deref() != Some("true")
        })
    }))
}

impl ComposeCtx<'_> {
    /// Why this compose file is for development or CI, not for running the
    /// service: its name or folder says so (`docker-compose.ci.yml`,
    /// `compose.dev.yaml`, `.ci/compose.cypress.yaml`),
    /// or a service that builds an image bind-mounts the project over it
    /// (`.:/app`: the code is edited live).
    pub fn for_development(&self) -> Option<String> {
        const WORDS: &[&str] = &[
            "dev",
            "development",
            "ci",
            "test",
            "tests",
            "testing",
            "local",
        ];
        let name = self
            .file
            .file_name()?
            .to_string_lossy()
            .to_ascii_lowercase();
        let marked = |n: &str| {
            n.split(|c: char| !c.is_ascii_alphanumeric())
                .any(|w| WORDS.contains(&w))
        };
        if marked(&name) {
            return Some(format!("`{name}` is for development or CI"));
        }
        // Its folder says so too (redash's `.ci/compose.cypress.yaml`): the
        // folder on disk, however the path was given, and not the
        // repository's own (a checkout named `test-app` is no test file).
        let folder = self
            .dir()
            .canonicalize()
            .ok()
            .filter(|d| !d.join(".git").exists());
        if let Some(d) = folder
            .as_deref()
            .and_then(Path::file_name)
            .map(|d| d.to_string_lossy().to_ascii_lowercase())
            .filter(|d| marked(d))
        {
            return Some(format!("`{d}/` holds development or CI files"));
        }
        // `./app/:/usr/src/app/` under `build: ./app` (testdriven.io's
        // django-on-docker) is the same setup as `.:/app` under `build: .`.
        let norm = |p: &str| {
            let p = p.trim_end_matches('/');
            p.strip_prefix("./").unwrap_or(p).to_string()
        };
        let live = self.services.iter().find(|svc| {
            let Some((_, build)) = svc.get("build") else {
                return false;
            };
            let context = scalar(build)
                .or_else(|| get(build, "context").and_then(|(_, c)| scalar(c)))
                .map(|c| norm(&c));
            svc.get("volumes").is_some_and(|(_, v)| {
                items(v).iter().any(|i| {
                    scalar(i).is_some_and(|s| {
                        let src = s.split(':').next().unwrap_or("");
                        s.contains(':')
                            && (matches!(src, "." | "./" | "..")
                                || context
                                    .as_deref()
                                    .is_some_and(|c| !c.is_empty() && c != "." && norm(src) == c))
                    })
                })
            })
        })?;
        Some(format!(
            "service `{}` mounts the project over its image: a development setup",
            live.name
        ))
    }

    /// Why this file is deployed with `docker stack deploy` (a swarm), when
    /// it or a compose file beside it that defines one of its services (the
    /// `-c docker-compose.yml -c docker-compose.prod.yml` of a stack) holds
    /// what only a swarm runs ([`swarm_only`]).
    pub fn for_swarm(&self) -> Option<String> {
        if let Some(why) = swarm_only(self.root) {
            return Some(why);
        }
        let dir = self.dir();
        let own = self.file.file_name()?;
        let mut siblings: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().is_some_and(|n| {
                    n != own && is_compose_name(&n.to_string_lossy()) && p.is_file()
                })
            })
            .collect();
        siblings.sort();
        let mine: Vec<&str> = self.services.iter().map(|s| s.name.as_str()).collect();
        siblings.iter().find_map(|p| {
            let text = crate::source::read_context_text(p).ok()?;
            let root = parse(&text).ok()?;
            let shares = get(&root, "services")
                .map(|(_, v)| entries(v))
                .unwrap_or_default()
                .iter()
                .any(|(k, _)| scalar(k).is_some_and(|n| mine.contains(&n.as_str())));
            let why = swarm_only(&root).filter(|_| shares)?;
            Some(format!(
                "{} (in {}, deployed with it)",
                why,
                p.file_name()?.to_string_lossy()
            ))
        })
    }
}

/// What in compose file `root` only a swarm runs (`docker stack deploy`),
/// when something does: an `external: true` secret or config (Docker
/// Compose refuses them: "unsupported external secret"), an `overlay`
/// network, or a service's `deploy.placement`, `update_config`,
/// `rollback_config`, `endpoint_mode` or `mode: global`.
pub fn swarm_only(root: &Node) -> Option<String> {
    for top in ["secrets", "configs"] {
        for (k, v) in get(root, top).map(|(_, v)| entries(v)).unwrap_or_default() {
            if get(v, "external").and_then(|(_, e)| scalar(e)).as_deref() == Some("true") {
                return Some(format!(
                    "{} `{}` is external",
                    top.trim_end_matches('s'),
                    scalar(k).unwrap_or_default()
                ));
            }
        }
    }
    for (k, v) in get(root, "networks")
        .map(|(_, v)| entries(v))
        .unwrap_or_default()
    {
        if get(v, "driver").and_then(|(_, d)| scalar(d)).as_deref() == Some("overlay") {
            return Some(format!(
                "network `{}` is an overlay network",
                scalar(k).unwrap_or_default()
            ));
        }
    }
    for (k, svc) in get(root, "services")
        .map(|(_, v)| entries(v))
        .unwrap_or_default()
    {
        let Some((_, deploy)) = get(svc, "deploy") else {
            continue;
        };
        let key = [
            "placement",
            "update_config",
            "rollback_config",
            "endpoint_mode",
        ]
        .into_iter()
        .find(|key| get(deploy, key).is_some())
        .map(str::to_string)
        .or_else(|| {
            (get(deploy, "mode").and_then(|(_, m)| scalar(m)).as_deref() == Some("global"))
                .then(|| "mode: global".to_string())
        });
        if let Some(key) = key {
            return Some(format!(
                "service `{}` sets `deploy.{key}`",
                scalar(k).unwrap_or_default()
            ));
        }
    }
    None
}

/// Parses a compose file; the error is `(line, column, message)`.
pub fn parse(text: &str) -> Result<Node, (usize, usize, String)> {
    let docs = MarkedYamlOwned::load_from_str(text).map_err(|e| {
        (
            e.marker().line(),
            e.marker().col() + 1,
            e.info().to_string(),
        )
    })?;
    Ok(docs.into_iter().next().unwrap_or_else(|| MarkedYamlOwned {
        span: Default::default(),
        data: YamlDataOwned::Value(ScalarOwned::Null),
    }))
}

/// The sibling base file of an override (`docker-compose.override.yml` → `docker-compose.yml`).
pub fn base_of(file: &Path) -> Option<PathBuf> {
    let name = file.file_name()?.to_string_lossy().to_string();
    let i = name.to_ascii_lowercase().find(".override.")?;
    let dir = file.parent()?;
    let stem = &name[..i];
    ["yml", "yaml"]
        .iter()
        .map(|e| dir.join(format!("{stem}.{e}")))
        .find(|p| p.is_file())
}

pub fn position_of(text: &str, line_index: &syntax::LineIndex, offset: usize) -> Position {
    line_index.position(text, offset)
}
