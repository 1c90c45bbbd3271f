use crate::context::DockerIgnore;
use crate::rules::cache::is_broad_copy;
use crate::rules::{human_bytes, Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Measures the real build context of a Dockerfile that copies all of it
    /// (`COPY . .`): reports a missing `.dockerignore`, and every one of `.git`,
    /// `node_modules`, `.venv`, `venv`, `.env`, `.env.*` the build would receive,
    /// with the files and bytes each adds. Files the `.dockerignore` lets in on
    /// purpose (`!` lines) are not reported, nor `.env` files that hold no
    /// value under a secret-looking name (a committed template of defaults), nor
    /// a missing `.dockerignore` on a context under 1 MiB with none of them.
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

/// A context smaller than this with nothing of [`CANDIDATES`] in it is not
/// worth a `.dockerignore`: it transfers in a blink, and a finding on a
/// three-file context is noise.
const SMALL_CONTEXT: u64 = 1024 * 1024;

/// Whether an env file holds a value under a name that says it is a secret
/// (`DB_PASSWORD=hunter2`); a template of empty values or comments does not.
fn holds_secret(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim();
        let l = l.strip_prefix("export ").unwrap_or(l);
        match l.split_once('=') {
            Some((k, v)) if !l.starts_with('#') => {
                let v = v.trim().trim_matches(['"', '\'']);
                !v.is_empty() && crate::report::mask::masks_name(k.trim())
            }
            _ => false,
        }
    })
}

/// The `!` lines of an ignore file as patterns of their own: what it
/// deliberately lets in.
fn exceptions(ctx: &crate::rules::ctx::ContextInfo) -> Option<DockerIgnore> {
    let text = crate::source::read_context_text(&ctx.root.join(ctx.ignore_file.as_ref()?)).ok()?;
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim().strip_prefix('!'))
        .collect();
    if lines.is_empty() {
        return None;
    }
    DockerIgnore::parse(&lines.join("\n")).ok()
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let Some(ctx) = cx.context else { return };
    let Some(copy) = cx.model.steps.iter().find(|s| is_broad_copy(s)) else {
        return;
    };
    let deliberate = exceptions(ctx);
    let mut leaks = Vec::new();
    let mut patterns = Vec::new();
    for pat in CANDIDATES {
        let Ok(ig) = DockerIgnore::parse(pat) else {
            continue;
        };
        let kept = ctx.filtered.with_ignore(&ig, "");
        let files: Vec<(&str, u64)> = ctx
            .filtered
            .entries()
            .filter(|(k, e)| {
                !k.is_empty() && e.kind != crate::context::EntryKind::Dir && kept.get(k).is_none()
            })
            .map(|(k, e)| (k, e.size))
            .collect();
        // What the ignore file lets in with `!` is let in on purpose.
        let files: Vec<(&str, u64)> = files
            .into_iter()
            .filter(|(k, _)| !deliberate.as_ref().is_some_and(|d| d.is_excluded(k)))
            .collect();
        let secret = pat.starts_with(".env");
        // An env file is reported for what it holds: a committed template of
        // defaults (which a build may read, e.g. Vite's .env) is not a leak.
        let files: Vec<(&str, u64)> = if secret {
            files
                .into_iter()
                .filter(|(k, _)| {
                    crate::source::read_context_text(&ctx.root.join(k))
                        .map_or(true, |t| holds_secret(&t))
                })
                .collect()
        } else {
            files
        };
        if files.is_empty() {
            continue;
        }
        let bytes: u64 = files.iter().map(|f| f.1).sum();
        let names: Vec<&str> = ctx
            .filtered
            .entries()
            .map(|(k, _)| k)
            .filter(|k| {
                !k.contains('/')
                    && ig.is_excluded(k)
                    && files
                        .iter()
                        .any(|(f, _)| f == k || f.starts_with(&format!("{k}/")))
            })
            .collect();
        let shown = if names.is_empty() {
            pat.to_string()
        } else {
            names.join(", ")
        };
        let why = if secret { ": may hold secrets" } else { "" };
        leaks.push(format!(
            "{shown} ({} file(s), {}{why})",
            files.len(),
            human_bytes(bytes)
        ));
        patterns.push(pat.to_string());
    }
    let ins = cx.ins(copy.instruction);
    let stats = ctx.filtered.stats();
    let message = match (&ctx.ignore_file, leaks.is_empty()) {
        (Some(_), true) => return,
        (None, true) if stats.bytes < SMALL_CONTEXT => return,
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
