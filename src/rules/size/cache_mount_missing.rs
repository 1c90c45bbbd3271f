use crate::rules::{Applicability, DockerfileCtx, Finding};

declare_rule! {
    /// ## What it does
    /// Finds `npm ci` / `npm install` and `go build` run as root with no BuildKit
    /// cache mount on their download or build cache.
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

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    for (step, ins, cmds) in cx.runs() {
        let root = step.user.is_empty() || step.user == "root" || step.user == "0";
        if !root {
            continue;
        }
        let npm = cmds.iter().any(|c| c.is(&["npm"], &["ci", "install", "i"]));
        let go = cmds.iter().any(|c| c.is(&["go"], &["build"]));
        let (target, what, needle) = if npm {
            ("/root/.npm", "npm's download cache", "npm")
        } else if go {
            ("/root/.cache/go-build", "Go's build cache", "go build")
        } else {
            continue;
        };
        if cx.mounts_over(step, target) {
            continue;
        }
        out.push(cx.finding(
            &RULE,
            cx.find_in(ins, needle),
            format!("no cache mount for {what}: add `--mount=type=cache,target={target}` to keep it between builds"),
        ));
    }
}
