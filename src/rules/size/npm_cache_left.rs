use super::append;
use crate::ecosystem::npm;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `npm install` / `npm ci` in a stage that ends up in the image, with no
    /// `npm cache clean` in the same `RUN` and no cache mount on `~/.npm`.
    ///
    /// ## Why is this bad?
    /// npm keeps a copy of every tarball it fetched in `~/.npm/_cacache`, inside the layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN npm ci --omit=dev
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN npm ci --omit=dev && npm cache clean --force
    /// ```
    /// or `RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev`.
    ///
    /// ## Fix safety
    /// Unsafe: the image changes on purpose (the cache no longer ships in the
    /// layer), even though nothing at run time should read it. No fix when a
    /// later RUN installs from the cache offline (`npm ci --offline`): it
    /// would find no tarball.
    code: "DO205",
    name: "npm-cache-left",
    family: Size,
    severity: Info,
    hadolint: [],
    fix: Some(Applicability::Unsafe),
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let mut read_later = super::index_read_later::ReadLater::npm();
    for (step, ins, cmds) in cx.shipped_runs() {
        let Some(c) = cmds.iter().find(|c| c.is_npm_install()) else {
            continue;
        };
        let cleaned = cmds.iter().any(|c| c.npm_cache_cleans())
            || npm::ECOSYSTEM
                .caches
                .iter()
                .chain([&npm::NODE_USER_CACHE])
                .any(|d| cx.mounts_over(step, d));
        if cleaned {
            continue;
        }
        let word = c
            .inv
            .npm_command()
            .map_or("install".to_string(), |(w, _)| w);
        let needle = format!("npm {word}");
        let at = cx
            .subcommand_span(ins, c, 0, &word)
            .unwrap_or_else(|| cx.find_in(ins, &needle));
        // A later `npm ci --offline` installs from this cache alone: cleaning
        // it here would make that RUN fail.
        if let Some(reader) = read_later.after(cx.df, cx.model, step.instruction) {
            out.push(cx.finding(
                &RULE,
                at,
                format!(
                    "`{needle}` leaves npm's cache (~/.npm) in the layer, and the RUN on line {} \
                     installs from it offline: clean it after that one instead",
                    reader.start_line
                ),
            ));
            continue;
        }
        let mut f = cx.finding(
            &RULE,
            at,
            format!("`{needle}` leaves npm's cache (~/.npm) in the layer"),
        );
        if let Some(e) = append(cx.df, ins, "npm cache clean --force") {
            f = f.with_fix(Fix::edit(
                Applicability::Unsafe,
                "append `&& npm cache clean --force`",
                vec![e],
            ));
        }
        out.push(f);
    }
}
