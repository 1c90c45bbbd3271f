use super::runs_as;
use crate::model::Base;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a final image that runs as root: no `USER` in the target stage (or
    /// the stages it is built `FROM`), or a last `USER root` / `USER 0`. Not for
    /// base images that set a non-root user themselves (distroless `nonroot`,
    /// .NET `chiseled`, Windows `nanoserver`, `solr`, `grafana/grafana`,
    /// Bitnami's…) unless a `USER root` follows, nor when the process drops
    /// root as it starts: an official image's entrypoint that re-executes as
    /// its service user (`postgres`, `mysql`, `mariadb`, `mongo`, `redis`,
    /// `zookeeper`, with its server as CMD), an ENTRYPOINT/CMD that `exec`s
    /// through `gosu`, `su-exec` or `sudo -u`, an entrypoint script from the
    /// build context that does, or uWSGI with a non-root `uid`. Nor
    /// development or test images
    /// (their file, folder — `test/telemetry/Dockerfile` too — or stage says
    /// so), nor a scratch image with nothing to run (no ENTRYPOINT or CMD, or
    /// one naming a package such as an `.apk`: files to export).
    ///
    /// ## Why is this bad?
    /// A process running as root in the container is root on the host's kernel:
    /// any escape or mounted path is far more dangerous.
    ///
    /// ## Example
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// COPY . /app
    /// CMD ["python", "/app/main.py"]
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// FROM python:3.12-slim
    /// RUN useradd --create-home --uid 10001 app
    /// COPY . /app
    /// USER app
    /// CMD ["python", "/app/main.py"]
    /// ```
    ///
    /// ## Fix safety
    /// Display-only: the user must exist and own what the app writes.
    code: "DO301",
    name: "root-user",
    family: Security,
    severity: Warning,
    hadolint: ["DL3002"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(stage) = cx.model.stages.get(cx.model.target) else {
        return;
    };
    let mut root_base = stage.index;
    while let Base::Stage(b) = cx.model.stages[root_base].base {
        root_base = b;
    }
    let root_image = cx.root_image(root_base);
    // A base whose config sets a non-root user keeps it unless a USER says
    // otherwise.
    if stage.config.user.is_none()
        && root_image
            .as_deref()
            .and_then(runs_as::base_sets_user)
            .is_some()
    {
        return;
    }
    // A development or test image is not what runs in production.
    if cx.for_development().is_some() {
        return;
    }
    // A scratch image with nothing to run: files to export (`docker build
    // --output`, `docker cp`), not a process that could run as root.
    if matches!(cx.model.stages[root_base].base, Base::Scratch) && runs_nothing(stage) {
        return;
    }
    match stage.config.user.as_deref() {
        Some(u) if !runs_as::is_root(u) => {}
        _ if runs_as::drops_privileges(cx, stage, root_image.as_deref()).is_some() => {}
        Some(u) => {
            let last_user = cx
                .model
                .steps
                .iter()
                .rev()
                .find(|s| cx.shipped[s.stage] && s.keyword == Keyword::User);
            let ins = last_user
                .map(|s| cx.ins(s.instruction))
                .unwrap_or_else(|| cx.ins(stage.from_instruction));
            out.push(
                cx.finding(
                    &RULE,
                    cx.head_span(ins),
                    format!("the image runs as `{u}`: switch to an unprivileged USER last"),
                )
                .with_fix(Fix::display("create a user and end with `USER <name>`")),
            );
        }
        None => {
            let ins = cx.ins(stage.from_instruction);
            out.push(
                cx.finding(&RULE, cx.head_span(ins), "no USER: the image runs as root")
                    .with_fix(Fix::display(new_user_advice(cx, root_base))),
            );
        }
    }
}

/// Whether a scratch-based image has nothing to run: no ENTRYPOINT or CMD,
/// or one that names a package or archive (`/app-release.apk`, a `.jar`
/// without a JVM), which scratch (no shell, no interpreter) cannot start.
fn runs_nothing(stage: &crate::model::Stage) -> bool {
    const ARTIFACTS: &[&str] = &[
        "apk", "aab", "ipa", "jar", "war", "ear", "zip", "tar", "tgz", "gz", "bz2", "xz", "zst",
        "7z", "deb", "rpm", "whl", "msi", "dmg", "nupkg",
    ];
    let mut argv = stage.config.entrypoint.clone().unwrap_or_default();
    argv.extend(stage.config.cmd.clone().unwrap_or_default());
    match argv.first() {
        None => true,
        Some(program) => program
            .rsplit('/')
            .next()
            .and_then(|f| f.rsplit_once('.'))
            .is_some_and(|(_, ext)| ARTIFACTS.contains(&ext.to_ascii_lowercase().as_str())),
    }
}

/// How to run as someone else on this base: `useradd` exists on neither
/// scratch nor Alpine (BusyBox has `adduser`), distroless has a `nonroot`
/// user and variant, the node images a `node` user.
fn new_user_advice(cx: &DockerfileCtx, root_base: usize) -> String {
    if matches!(cx.model.stages[root_base].base, Base::Scratch) {
        return "add `USER 65534:65534` before the ENTRYPOINT: scratch has no useradd and no /etc/passwd, and a numeric user needs neither".into();
    }
    let image = cx.root_image(root_base).unwrap_or_default();
    let last = image.rsplit('/').next().unwrap_or(&image);
    let name = last.split([':', '@']).next().unwrap_or(last);
    if image.contains("distroless") {
        return "use the distroless image's `:nonroot` variant, or add `USER nonroot` before the ENTRYPOINT".into();
    }
    if image.contains("mcr.microsoft.com/windows") || image.contains("windows/servercore") {
        return "add `USER ContainerUser` before CMD: Windows images have that unprivileged account (there is no useradd)".into();
    }
    if image.starts_with("mcr.microsoft.com/dotnet/")
        && dotnet_major(&image).is_some_and(|v| v >= 8)
    {
        return "add `USER $APP_UID` before the ENTRYPOINT: .NET 8+ images have an unprivileged `app` user".into();
    }
    if name == "node" {
        return "add `USER node` before CMD: the node image has that user".into();
    }
    if cx.on_alpine(cx.model.target) {
        return "create a user (`adduser -S -D -H app`: BusyBox has no useradd) and add `USER app` before CMD".into();
    }
    "create a user (`useradd -r app`) and add `USER app` before CMD".into()
}

/// The major version of a `mcr.microsoft.com/dotnet/*:V…` tag.
fn dotnet_major(image: &str) -> Option<u32> {
    let tag = image.split('@').next()?.rsplit_once(':')?.1;
    tag.split(['.', '-']).next()?.parse().ok()
}
