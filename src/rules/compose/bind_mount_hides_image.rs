use super::{get, items, scalar, ComposeCtx};
use crate::model::path::clean;
use crate::rules::{Applicability, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a bind mount over the image's `WORKDIR` (or a directory holding the
    /// script its `ENTRYPOINT`/`CMD` runs), resolving the service's `build:`
    /// context, Dockerfile, `WORKDIR` and `ENTRYPOINT` through the model. The
    /// classic case: `./:/app` hiding `/app/entrypoint.sh`.
    ///
    /// ## Why is this bad?
    /// The mount replaces the directory: the container runs the host's copy of
    /// the script, not the image's. What the image did to it (`chmod +x`, line
    /// ending fixes) and everything built under that directory (`node_modules`,
    /// compiled assets, installed packages) disappear; the image that passed CI
    /// is not what runs. Yarn 2+'s Plug'n'Play files are named only for a
    /// project that uses it (`.yarnrc.yml` or `packageManager: yarn@2+` in
    /// the mounted folder): Yarn 1 writes `node_modules` instead.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   web:
    ///     build: .          # WORKDIR /app, ENTRYPOINT ["./entrypoint.sh"]
    ///     volumes:
    ///       - ./:/app
    /// ```
    ///
    /// Use instead: keep the script out of the mounted directory
    /// (`COPY --chmod=755 entrypoint.sh /usr/local/bin/` and
    /// `ENTRYPOINT ["entrypoint.sh"]`), and put the development bind mount in
    /// `docker-compose.override.yml`.
    ///
    /// ## Fix safety
    /// Display-only.
    code: "DO501",
    name: "bind-mount-hides-image",
    family: Compose,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Compose(check),
}

/// (source, target) of a bind mount entry.
fn bind(n: &super::Node) -> Option<(String, String)> {
    if let Some(s) = scalar(n) {
        let parts: Vec<&str> = s.split(':').collect();
        if parts.len() >= 2
            && (parts[0].starts_with('.')
                || parts[0].starts_with('/')
                || parts[0].starts_with('~')
                || parts[0].starts_with('$'))
        {
            return Some((parts[0].to_string(), parts[1].to_string()));
        }
        return None;
    }
    let ty = get(n, "type").and_then(|(_, v)| scalar(v))?;
    if ty != "bind" {
        return None;
    }
    Some((
        get(n, "source").and_then(|(_, v)| scalar(v))?,
        get(n, "target").and_then(|(_, v)| scalar(v))?,
    ))
}

fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    dir.is_empty() || path == dir || path.starts_with(&format!("{dir}/"))
}

/// Container paths other entries of `volumes:` mount (anonymous and named
/// volumes, other binds): what they cover is not hidden by a bind above them.
fn mounted_targets(vols: &super::Node) -> Vec<String> {
    items(vols)
        .iter()
        .filter_map(|n| {
            if let Some(s) = scalar(n) {
                let parts: Vec<&str> = s.split(':').collect();
                return Some(clean(if parts.len() >= 2 { parts[1] } else { parts[0] }));
            }
            get(n, "target")
                .and_then(|(_, v)| scalar(v))
                .map(|t| clean(&t))
        })
        .collect()
}

/// What RUN steps of the built stages write under `target` (the project's
/// `node_modules`, a virtualenv, build output), as the effects model says.
fn built_under(img: &super::BuiltImage, target: &str) -> Vec<String> {
    let mut chain = Vec::new();
    let mut s = Some(img.model.target);
    while let Some(i) = s {
        if chain.contains(&i) {
            break;
        }
        chain.push(i);
        s = match img.model.stages.get(i).map(|st| &st.base) {
            Some(crate::model::Base::Stage(b)) => Some(*b),
            _ => None,
        };
    }
    let mut out: Vec<String> = Vec::new();
    for step in img.model.steps.iter().filter(|s| chain.contains(&s.stage)) {
        let Some(crate::model::Op::Run(run)) = &step.op else {
            continue;
        };
        let fx = crate::effects::of_run(&img.df, &img.df.instructions[step.instruction], run);
        let paths: Vec<String> = if fx.writes.is_everything() {
            // an install this model does not read writes where it runs; run
            // in the mounted directory itself, it names nothing the mount
            // hides but the source the user means to mount there
            let cwd = clean(&run.cwd);
            (under(&cwd, target) && cwd != target)
                .then_some(cwd)
                .into_iter()
                .collect()
        } else {
            fx.writes
                .iter()
                .filter(|p| under(p, target) && *p != target)
                .map(str::to_string)
                .collect()
        };
        for p in paths {
            if !out.contains(&p) {
                out.push(p);
            }
        }
    }
    out
}

/// What only Yarn 2+ (berry) writes in a project: the Plug'n'Play loader
/// (`.pnp.cjs`, `.pnp.loader.mjs`) and its `.yarn/` state and cache.
fn is_yarn_berry_file(rel: &str) -> bool {
    [".pnp.cjs", ".pnp.loader.mjs", ".yarn"]
        .iter()
        .any(|b| rel == *b || rel.strip_prefix(b).is_some_and(|r| r.starts_with('/')))
}

/// Whether the project in `dir` uses Yarn 2+: its `.yarnrc.yml` (which `yarn
/// set version` writes), or `packageManager: "yarn@2…"` and later in its
/// package.json. Yarn 1 writes `node_modules` only.
fn yarn_berry(dir: &std::path::Path) -> bool {
    if dir.join(".yarnrc.yml").is_file() {
        return true;
    }
    crate::source::read_context_text(&dir.join("package.json"))
        .ok()
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .and_then(|v| {
            v.get("packageManager")
                .and_then(|p| p.as_str())
                .and_then(|p| p.strip_prefix("yarn@"))
                .and_then(|ver| ver.split('.').next())
                .and_then(|major| major.parse::<u32>().ok())
        })
        .is_some_and(|major| major >= 2)
}

pub fn check(cx: &ComposeCtx, out: &mut Vec<Finding>) {
    for svc in &cx.services {
        let Some((_, vols)) = get(svc.node, "volumes") else {
            continue;
        };
        let Some(Ok(img)) = cx.built_image(svc) else {
            continue;
        };
        let Some(stage) = img.model.stages.get(img.model.target) else {
            continue;
        };
        let workdir = stage
            .config
            .working_dir
            .clone()
            .unwrap_or_else(|| "/".into());
        let mut argv: Vec<String> = stage.config.entrypoint.clone().unwrap_or_default();
        argv.extend(stage.config.cmd.clone().unwrap_or_default());
        let scripts: Vec<(String, String)> = argv
            .iter()
            .filter(|a| {
                a.ends_with(".sh")
                    || a.starts_with("./")
                    || (a.starts_with('/') && !a.starts_with("/bin") && !a.starts_with("/usr"))
            })
            .map(|a| {
                let abs = if a.starts_with('/') {
                    a.clone()
                } else {
                    format!(
                        "{}/{}",
                        workdir.trim_end_matches('/'),
                        a.trim_start_matches("./")
                    )
                };
                (a.clone(), clean(&abs))
            })
            .collect();
        let others = mounted_targets(vols);
        for item in items(vols) {
            let Some((source, target)) = bind(item) else {
                continue;
            };
            let target = clean(&target);
            // Covered by a volume of its own (`- /app/node_modules`): kept.
            let covered = |p: &str| {
                others
                    .iter()
                    .any(|o| *o != target && under(o, &target) && under(p, o))
            };
            let host_dir = cx.dir().join(&source);
            let chmod_line = |base: &str| {
                img.model
                    .steps
                    .iter()
                    .filter(|s| s.keyword == Keyword::Run)
                    .find(|s| {
                        let t = &img.df.instructions[s.instruction].logical;
                        t.contains("chmod") && t.contains(base)
                    })
                    .map(|s| img.df.instructions[s.instruction].start_line)
            };
            // A script the host has at the same place, with no chmod in the
            // image, is replaced by the same file: nothing is lost.
            let hidden: Vec<(&String, &String, Option<usize>)> = scripts
                .iter()
                .filter(|(_, abs)| under(abs, &target) && !covered(abs))
                .map(|(raw, abs)| {
                    let base = abs.rsplit('/').next().unwrap_or(abs);
                    (raw, abs, chmod_line(base))
                })
                .filter(|(_, abs, chmod)| {
                    let rel = abs[target.len()..].trim_start_matches('/');
                    chmod.is_some() || rel.is_empty() || !host_dir.join(rel).exists()
                })
                .collect();
            let over_workdir = target == clean(&workdir) && target != "/";
            let berry = yarn_berry(&host_dir);
            let built: Vec<String> = if over_workdir {
                built_under(&img, &target)
                    .into_iter()
                    .filter(|p| !covered(p))
                    // Yarn 2+'s Plug'n'Play files and `.yarn/` state: an
                    // install may write them, a Yarn 1 project never does
                    .filter(|p| {
                        berry || !is_yarn_berry_file(p[target.len()..].trim_start_matches('/'))
                    })
                    // the host's own copy of a file it has (a lock file) is
                    // what the mount shows: nothing is lost
                    .filter(|p| {
                        let rel = p[target.len()..].trim_start_matches('/');
                        rel.is_empty() || !host_dir.join(rel).is_file()
                    })
                    .collect()
            } else {
                Vec::new()
            };
            if hidden.is_empty() && built.is_empty() {
                continue;
            }
            let (what, advice) = match hidden.first() {
                Some((raw, abs, chmod)) => {
                    let base = abs.rsplit('/').next().unwrap_or(abs);
                    let extra = chmod
                        .map(|l| {
                            format!("; the image's `chmod` (Dockerfile line {l}) no longer applies")
                        })
                        .unwrap_or_default();
                    let at = if raw == abs {
                        String::new()
                    } else {
                        format!(" ({abs})")
                    };
                    let what =
                        format!("the image's `{raw}`{at} is replaced by the host's copy{extra}");
                    // A script the build installed (node_modules/.bin/…) is kept
                    // with a volume over its directory; one the Dockerfile
                    // copies can live outside the mount.
                    let advice = match built.iter().find(|b| under(abs, b) && b != abs) {
                        Some(b) => format!("keep the image's {b} with a volume of its own (`- {b}` under `volumes:`), or move the bind mount to docker-compose.override.yml"),
                        None => format!("install `{base}` outside the mount (`COPY --chmod=755 {base} /usr/local/bin/`, `ENTRYPOINT [\"{base}\"]`) and move the bind mount to docker-compose.override.yml"),
                    };
                    (what, advice)
                }
                None => {
                    let shown: Vec<&str> = built.iter().take(3).map(String::as_str).collect();
                    (
                        format!(
                            "what the image built there ({}) is hidden",
                            shown.join(", ")
                        ),
                        format!(
                            "keep {} with a volume of its own (`- {}` under `volumes:`), or mount only the source directories you edit; move the bind mount to docker-compose.override.yml",
                            shown.join(", "),
                            shown[0]
                        ),
                    )
                }
            };
            let df_name = img
                .dockerfile
                .strip_prefix(cx.dir())
                .unwrap_or(&img.dockerfile)
                .display()
                .to_string();
            out.push(
                cx.finding(&RULE, item, format!("`{source}:{target}` in `{}` mounts over the image's WORKDIR {workdir} ({df_name}): {what}", svc.name))
                    .with_fix(Fix::display(advice)),
            );
        }
    }
}
