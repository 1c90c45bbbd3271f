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
    /// is not what runs.
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
        for item in items(vols) {
            let Some((source, target)) = bind(item) else {
                continue;
            };
            let target = clean(&target);
            let hidden: Vec<&(String, String)> = scripts
                .iter()
                .filter(|(_, abs)| under(abs, &target))
                .collect();
            let over_workdir = target == clean(&workdir) && target != "/";
            if hidden.is_empty() && !over_workdir {
                continue;
            }
            let what = match hidden.first() {
                Some((raw, abs)) => {
                    let base = abs.rsplit('/').next().unwrap_or(abs);
                    let chmod = img
                        .model
                        .steps
                        .iter()
                        .filter(|s| s.keyword == Keyword::Run)
                        .find(|s| {
                            let t = &img.df.instructions[s.instruction].logical;
                            t.contains("chmod") && t.contains(base)
                        });
                    let extra = chmod
                        .map(|s| {
                            format!(
                                "; the image's `chmod` (Dockerfile line {}) no longer applies",
                                img.df.instructions[s.instruction].start_line
                            )
                        })
                        .unwrap_or_default();
                    format!("the image's `{raw}` ({abs}) is replaced by the host's copy{extra}")
                }
                None => format!("everything the image built under {target} is hidden"),
            };
            let df_name = img
                .dockerfile
                .strip_prefix(cx.dir())
                .unwrap_or(&img.dockerfile)
                .display()
                .to_string();
            out.push(
                cx.finding(&RULE, item, format!("`{source}:{target}` in `{}` mounts over the image's WORKDIR {workdir} ({df_name}): {what}", svc.name))
                    .with_fix(Fix::display("install the script outside the mount (`COPY --chmod=755 entrypoint.sh /usr/local/bin/`, `ENTRYPOINT [\"entrypoint.sh\"]`) and move the bind mount to docker-compose.override.yml")),
            );
        }
    }
}
