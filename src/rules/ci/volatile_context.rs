use super::CiCtx;
use crate::rules::{Applicability, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds a CI build whose context is a checkout with its `.git` directory,
    /// not excluded by `.dockerignore`, while the Dockerfile copies the whole
    /// context (`COPY . …`).
    ///
    /// ## Why is this bad?
    /// `.git` changes with every commit (and CI-generated files such as coverage
    /// reports change with every run), so the `COPY .` step and everything after
    /// it miss on every CI run, even for a commit that changes nothing the image
    /// uses. build-push-action's default Git context has no `.git`; `context: .`
    /// does.
    ///
    /// ## Example
    /// ```yaml
    /// - uses: docker/build-push-action@v6
    ///   with:
    ///     context: .
    /// ```
    /// with `COPY . /app` and no `.git` line in `.dockerignore`.
    ///
    /// Use instead: add `.git` (and generated files) to `.dockerignore`.
    ///
    /// ## Fix safety
    /// Display-only: the fix is in `.dockerignore`, not in the workflow.
    code: "DO605",
    name: "ci-volatile-context",
    family: Ci,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Ci(check),
}

/// Whether an ignore file's patterns exclude `.git`.
fn ignores_git(text: &str) -> bool {
    let mut ignored = false;
    for l in text.lines() {
        let l = l.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let (neg, p) = match l.strip_prefix('!') {
            Some(p) => (true, p),
            None => (false, l),
        };
        let p = p.trim_start_matches('/').trim_end_matches('/');
        if matches!(
            p,
            ".git" | "**/.git" | "*" | ".*" | "**" | ".git*" | ".git/**"
        ) {
            ignored = !neg;
        }
    }
    ignored
}

pub fn check(cx: &CiCtx, out: &mut Vec<Finding>) {
    for b in &cx.builds {
        if b.git_context {
            continue;
        }
        let ctx = cx.root.join(&b.context);
        if !ctx.join(".git").exists() {
            continue;
        }
        let df_ignore = cx
            .root
            .join(format!("{}.dockerignore", b.dockerfile.display()));
        let ignore = crate::source::read_context_text(&df_ignore)
            .or_else(|_| crate::source::read_context_text(&ctx.join(".dockerignore")))
            .unwrap_or_default();
        if ignores_git(&ignore) {
            continue;
        }
        let Some(model) = cx.model(b) else { continue };
        let reach = model.reachable();
        let Some(step) = model.steps.iter().find(|s| {
            reach.get(s.stage).copied().unwrap_or(false)
                && s.context_reads().iter().any(|p| p.is_empty() || p == ".")
        }) else {
            continue;
        };
        let _ = step;
        let msg = format!(
            "{}: the context {} includes .git, which changes every commit, and the Dockerfile copies the whole context: that COPY and every step after it re-run on every CI run",
            b.title(),
            if b.context.as_os_str().is_empty() {
                ".".to_string()
            } else {
                b.context.display().to_string()
            }
        );
        out.push(cx.finding(&RULE, b.span, msg).with_fix(Fix::display(
            "add `.git` (and CI-generated files) to .dockerignore",
        )));
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn ignore_patterns() {
        assert!(super::ignores_git(".git\nnode_modules\n"));
        assert!(super::ignores_git("/.git/\n"));
        assert!(super::ignores_git("*\n!src\n"));
        assert!(!super::ignores_git("node_modules\n"));
        assert!(!super::ignores_git(".git\n!.git\n"));
    }
}
