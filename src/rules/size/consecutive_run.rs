use crate::rules::{Applicability, DockerfileCtx, Finding, Fix};
use crate::syntax::{Instruction, Keyword};

declare_rule! {
    /// ## What it does
    /// Finds two `RUN` instructions in a row, in the same stage, with the same flags,
    /// in a stage that ends up in the image (a builder stage's layers do not ship,
    /// and separate RUNs there only make the cache finer).
    ///
    /// ## Why is this bad?
    /// Each `RUN` is a layer: files one creates and the next deletes still ship,
    /// and every layer costs a snapshot. Related commands belong together.
    ///
    /// ## Example
    /// ```dockerfile
    /// RUN pip install --no-cache-dir -r requirements.txt
    /// RUN chmod +x entrypoint.sh
    /// ```
    ///
    /// Use instead:
    /// ```dockerfile
    /// RUN pip install --no-cache-dir -r requirements.txt \
    ///  && chmod +x entrypoint.sh
    /// ```
    /// (better still: `COPY --chmod=755 entrypoint.sh .`)
    ///
    /// ## Fix safety
    /// Display-only: merging can hurt caching when one of the steps changes often.
    code: "DO208",
    name: "consecutive-run",
    family: Size,
    severity: Info,
    hadolint: ["DL3059"],
    fix: Some(Applicability::DisplayOnly),
    check: Dockerfile(check),
}

/// Whether RUN `b`, standing right after instruction `a` in stage `stage`,
/// makes the pair this rule reports: both RUNs, with the same flags, in a
/// stage whose layers ship (`shipped`, see [`crate::rules::shipped_stages`]).
/// Fixes that move a RUN ask it of the place they put it (a rewrite must
/// not create what `check` flags).
pub fn pairs(a: &Instruction, b: &Instruction, stage: usize, shipped: &[bool]) -> bool {
    shipped.get(stage).copied().unwrap_or(true)
        && a.keyword == Keyword::Run
        && b.keyword == Keyword::Run
        && a.flags.len() == b.flags.len()
        && a.flags
            .iter()
            .zip(&b.flags)
            .all(|(x, y)| x.name == y.name && x.value == y.value)
}

pub fn check(cx: &DockerfileCtx, out: &mut Vec<Finding>) {
    let steps = &cx.model.steps;
    for w in steps.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        if a.stage != b.stage || b.instruction != a.instruction + 1 {
            continue;
        }
        let (ia, ib) = (cx.ins(a.instruction), cx.ins(b.instruction));
        if !pairs(ia, ib, a.stage, &cx.shipped) {
            continue;
        }
        out.push(
            cx.finding(
                &RULE,
                cx.head_span(ib),
                format!(
                    "RUN follows the RUN on line {} directly: each is a layer",
                    ia.start_line
                ),
            )
            .with_fix(Fix::display("join them with `&&` in one RUN")),
        );
    }
}
