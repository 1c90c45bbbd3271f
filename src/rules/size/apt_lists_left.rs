use super::append;
use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};

declare_rule! {
    /// ## What it does
    /// Finds `apt-get update` in a layer of the final image that does not delete
    /// `/var/lib/apt/lists` in the same `RUN` (and mounts no cache there).
    /// When a later `RUN` of the stage, or of a stage built on it, reads the
    /// lists without `apt-get update` (`apt-get install`, `apt-cache`), the
    /// finding names it and offers no fix: deleting the lists here would make
    /// it fail; they go after the last install, once the RUNs are merged.
    ///
    /// ## Why is this bad?
    /// The package lists (often 20-50 MB) stay in the layer. Deleting them in a
    /// later `RUN` does not help: the earlier layer still ships them.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN apt-get update && apt-get install -y --no-install-recommends curl \
    ///  && rm -rf /var/lib/apt/lists/*
    /// ```
    ///
    /// ## Fix safety
    /// Unsafe: the image changes on purpose (the cache no longer ships in the
    /// layer), even though nothing at run time should read it.
    code: "DO202",
    name: "apt-lists-left",
    family: Size,
    severity: Warning,
    hadolint: ["DL3009"],
    fix: Some(Applicability::Unsafe),
    fixer: crate::fixes::cleanup_apt,
    check: Dockerfile(check),
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let mut read_later = super::index_read_later::ReadLater::apt();
    for (step, ins, cmds) in cx.shipped_runs() {
        let Some(update) = cmds.iter().find(|c| c.is_apt_update()) else {
            continue;
        };
        let cleaned = cmds.iter().any(|c| {
            c.program() == "rm" && c.args().iter().any(|a| a.starts_with("/var/lib/apt/lists"))
        }) || cx.mounts_over(step, "/var/lib/apt");
        if cleaned {
            continue;
        }
        let needle = format!("{} update", update.program());
        let at = cx
            .subcommand_span(ins, update, 0, "update")
            .unwrap_or_else(|| cx.find_in(ins, &needle));
        // A later RUN that installs without `apt-get update` reads these
        // lists: deleting them here would break it. That holds for a lone
        // update too (the advice to append the delete to it broke the
        // install below; DO104 merges the two, and the delete goes there).
        let reader = read_later.after(cx.df, cx.model, step.instruction);
        if let Some(reader) = reader {
            out.push(cx.finding(
                &RULE,
                at,
                format!(
                    "apt package lists stay in this layer, and the RUN on line {} installs from them \
                     without `apt-get update`: delete them after the last install (merge the RUNs), not here",
                    reader.start_line
                ),
            ));
            continue;
        }
        let mut f = cx.finding(
            &RULE,
            at,
            "apt package lists stay in this layer: delete /var/lib/apt/lists in the same RUN",
        );
        if let Some(e) = append(cx.df, ins, "rm -rf /var/lib/apt/lists/*") {
            f = f.with_fix(Fix::edit(
                Applicability::Unsafe,
                "append `&& rm -rf /var/lib/apt/lists/*`",
                vec![e],
            ));
        }
        out.push(f);
    }
}
