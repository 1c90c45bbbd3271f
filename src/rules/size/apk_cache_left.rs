use super::{insert_at_end, nth};
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `apk add` without `--no-cache` in a stage that ends up in the image
    /// (unless `/var/cache/apk` is deleted in the same `RUN` or mounted as a cache).
    /// On an `apk add -U` whose index a later `RUN` (of the stage or one
    /// built on it) reads without refreshing it, the finding names that RUN
    /// and the fix waits for it to get `--no-cache` itself: before that, it
    /// would find no package, and `apk upgrade` would upgrade nothing.
    ///
    /// ## Why is this bad?
    /// apk keeps its index and downloaded packages in `/var/cache/apk`, inside the layer.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apk add curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apk add --no-cache curl
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the image changes on purpose (the cache no longer ships in the
    /// layer), even though nothing at run time should read it.
    code: "DO204",
    name: "apk-cache-left",
    family: Size,
    severity: Warning,
    hadolint: ["DL3019"],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::cleanup_apk,
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let mut read_later = super::index_read_later::ReadLater::apk();
    for (step, ins, cmds) in cx.shipped_runs() {
        let cleaned = cmds.iter().any(|c| {
            c.program() == "rm" && c.args().iter().any(|a| a.starts_with("/var/cache/apk"))
        }) || cx.mounts_over(step, "/var/cache/apk");
        if cleaned {
            continue;
        }
        let adds: Vec<_> = cmds.iter().filter(|c| c.is_apk_add()).collect();
        let updates = cmds.iter().any(|c| c.is(&["apk"], &["update"]));
        for (k, c) in adds.iter().enumerate() {
            // `--no-network` installs from what is already on disk: no index
            // is fetched, so none is left behind.
            if c.apk_add_gives("--no-cache") || c.apk_add_gives("--no-network") {
                continue;
            }
            // `apk add -U` saves the index it fetches, and a later `apk add`
            // without `-U` reads it: `--no-cache` here would leave that one
            // none (`apk update` in the RUN saves it anyway).
            let reader = (!updates && c.apk_add_gives("--update-cache"))
                .then(|| read_later.after(cx.df, cx.model, step.instruction))
                .flatten();
            let at = cx
                .subcommand_span(ins, c, 0, "add")
                .or_else(|| nth(cx, ins, "apk add", k, adds.len()));
            let Some(reader) = reader else {
                let mut f = cx.finding(
                    &RULE,
                    at.unwrap_or_else(|| cx.head_span(ins)),
                    "`apk add` without `--no-cache` leaves the package cache in the layer",
                );
                if let Some(span) = at {
                    f = f.with_fix(Fix::edit(
                        Applicability::Unsafe,
                        "add `--no-cache`",
                        vec![insert_at_end(span, " --no-cache")],
                    ));
                }
                out.push(f);
                continue;
            };
            let f = cx.finding(
                &RULE,
                at.unwrap_or_else(|| cx.head_span(ins)),
                format!(
                    "`apk add -U` leaves apk's index in the layer, and the RUN on line {} reads it: \
                     give that one `--no-cache` (or `-U`) first, then this one",
                    reader.start_line
                ),
            );
            out.push(f);
        }
    }
}
