use crate::context::DockerIgnore;
use crate::rules::cache::is_broad_copy;
use crate::rules::{human_bytes, Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Measures the real build context of a Dockerfile that copies all of it
    /// (`COPY . .`): reports a missing `.dockerignore`, and every one of `.git`,
    /// `node_modules`, `.venv`, `venv`, `.env`, `.env.*` the build would receive,
    /// with the files and bytes each adds.
    ///
    /// ## Why is this bad?
    /// Those files are sent to the builder on every build and copied into the
    /// image: `.git` changes on every commit, so `COPY . .` never hits the cache;
    /// host `node_modules` or `.venv` shadow what the image installs; `.env`
    /// files hold secrets that then ship in a layer.
    ///
    /// ## Example
    /// A context with `.git/` and `.env` and no `.dockerignore`, and:
    /// ```dockerfile
    /// COPY . .
    /// ```
    ///
    /// Use instead: a `.dockerignore` next to the Dockerfile:
    /// ```text
    /// .git
    /// .env*
    /// node_modules
    /// .venv
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe (`dockopt fix --unsafe-fixes`): a new `.dockerignore` is written
    /// (never over an existing one); check nothing the build needs is excluded.
    code: "DO209",
    name: "context-not-ignored",
    family: Size,
    severity: Warning,
    hadolint: [],
    fix: Some(Applicability::Unsafe),
    check: Dockerfile(check),
}

const CANDIDATES: &[&str] = &[".git", "node_modules", ".venv", "venv", ".env", ".env.*"];

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else { return };
    let Some(copy) = cx.model.steps.iter().find(|s| is_broad_copy(s)) else {
        return;
    };
    let mut leaks = Vec::new();
    let mut patterns = Vec::new();
    for pat in CANDIDATES {
        let Ok(ig) = DockerIgnore::parse(pat) else {
            continue;
        };
        let st = ctx.filtered.excluded_by(&ig);
        if st.files == 0 {
            continue;
        }
        let names: Vec<&str> = ctx
            .filtered
            .entries()
            .map(|(k, _)| k)
            .filter(|k| !k.contains('/') && ig.is_excluded(k))
            .collect();
        let shown = if names.is_empty() {
            pat.to_string()
        } else {
            names.join(", ")
        };
        let secret = if pat.starts_with(".env") {
            ": may hold secrets"
        } else {
            ""
        };
        leaks.push(format!(
            "{shown} ({} file(s), {}{secret})",
            st.files,
            human_bytes(st.bytes)
        ));
        patterns.push(pat.to_string());
    }
    let ins = cx.ins(copy.instruction);
    let stats = ctx.filtered.stats();
    let message = match (&ctx.ignore_file, leaks.is_empty()) {
        (Some(_), true) => return,
        (None, true) => format!(
            "no .dockerignore: `{}` sends the whole context ({} files, {})",
            ins.first_line(&cx.df.source).trim(),
            stats.files,
            human_bytes(stats.bytes)
        ),
        (None, false) => format!(
            "no .dockerignore: the build context includes {}",
            leaks.join(", ")
        ),
        (Some(f), false) => format!("{f} lets into the build context: {}", leaks.join(", ")),
    };
    let fix = if patterns.is_empty() {
        "add a .dockerignore listing what the image does not need".to_string()
    } else {
        format!("add to .dockerignore: {}", patterns.join(" "))
    };
    out.push(
        cx.finding(&RULE, cx.head_span(ins), message)
            .with_fix(Fix::display(fix)),
    );
}
