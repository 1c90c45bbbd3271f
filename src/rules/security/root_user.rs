use crate::model::Base;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::Keyword;

declare_rule! {
    /// ## What it does
    /// Finds a final image that runs as root: no `USER` in the target stage (or
    /// the stages it is built `FROM`), or a last `USER root` / `USER 0`. Not for
    /// base images that set a non-root user themselves (distroless `nonroot`,
    /// .NET `chiseled`, Windows `nanoserver`), nor development or test images
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

fn is_root(u: &str) -> bool {
    let name = u.split(':').next().unwrap_or(u).trim();
    name == "root" || name == "0"
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(stage) = cx.model.stages.get(cx.model.target) else {
        return;
    };
    // images that set a non-root user themselves
    let mut root_base = stage.index;
    while let Base::Stage(b) = cx.model.stages[root_base].base {
        root_base = b;
    }
    if let Base::Image(img) = &cx.model.stages[root_base].base {
        // Images whose own config sets a non-root user: distroless `nonroot`,
        // .NET's chiseled images (user `app`), Windows nanoserver
        // (`ContainerUser`).
        let tag = img.rsplit('/').next().unwrap_or(img).to_ascii_lowercase();
        if ["nonroot", "rootless", "chiseled", "nanoserver"]
            .iter()
            .any(|w| tag.contains(w))
        {
            return;
        }
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
        Some(u) if !is_root(u) => {}
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
    if name == "node" {
        return "add `USER node` before CMD: the node image has that user".into();
    }
    if cx.on_alpine(cx.model.target) {
        return "create a user (`adduser -S -D -H app`: BusyBox has no useradd) and add `USER app` before CMD".into();
    }
    "create a user (`useradd -r app`) and add `USER app` before CMD".into()
}
