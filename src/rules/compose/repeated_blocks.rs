use super::{entries, items, ComposeCtx, Node};
use crate::rules::{Applicability, Finding, Fix};
use saphyr::YamlDataOwned;

declare_rule! {
    /// ## What it does
    /// Finds the same block (`environment`, `logging`, `healthcheck`, `deploy`,
    /// `env_file`, ...) written out in several services. What a block takes
    /// from an anchor (`<<: *env`, `*env`) is stated once and does not count:
    /// one setting added to a shared anchor is no copy.
    ///
    /// ## Why is this bad?
    /// Copies drift: one gets the new setting, the other does not. An `x-`
    /// extension field with a YAML anchor states it once.
    ///
    /// ## Example
    /// ```yaml
    /// services:
    ///   api:
    ///     logging: {driver: json-file, options: {max-size: 10m}}
    ///   worker:
    ///     logging: {driver: json-file, options: {max-size: 10m}}
    /// ```
    ///
    /// Use instead:
    /// ```yaml
    /// x-logging: &logging
    ///   driver: json-file
    ///   options: {max-size: 10m}
    /// services:
    ///   api:
    ///     logging: *logging
    ///   worker:
    ///     logging: *logging
    /// ```
    ///
    /// ## Fix safety
    /// Display-only.
    code: "DO504",
    name: "repeated-blocks",
    family: Compose,
    severity: Info,
    hadolint: [],
    fix: Some(Applicability::DisplayOnly),
    check: Compose(check),
}

/// How much of a block is written out where it stands: what an alias
/// (`*name`) or a merge key (`<<: *name`) brings is stated once, at the
/// anchor, and does not count.
fn size(cx: &ComposeCtx, n: &Node) -> usize {
    if cx.is_alias(n) {
        return 0;
    }
    match &n.data {
        YamlDataOwned::Mapping(_) => entries(n)
            .iter()
            .filter(|(k, _)| super::scalar(k).as_deref() != Some("<<"))
            .map(|(_, v)| 1 + size(cx, v))
            .sum(),
        YamlDataOwned::Sequence(_) => items(n)
            .iter()
            .map(|i| size(cx, i))
            .sum::<usize>()
            .max(items(n).iter().filter(|i| !cx.is_alias(i)).count()),
        _ => 0,
    }
}

pub fn check(cx: &ComposeCtx, out: &mut Vec<Finding>) {
    // (service, key text, key node, value)
    let mut seen: Vec<(&str, String, &Node, &Node)> = Vec::new();
    for svc in &cx.services {
        for (k, v) in entries(svc.node) {
            let Some(key) = super::scalar(k) else {
                continue;
            };
            if matches!(
                key.as_str(),
                "image" | "build" | "container_name" | "ports" | "command" | "depends_on"
            ) || size(cx, v) < 2
            {
                continue;
            }
            // an alias (`*name`) is a copy of the anchored node: shared, not repeated
            if cx.is_alias(v) {
                continue;
            }
            if let Some((other, _, okey, _)) =
                seen.iter().find(|(_, kk, _, vv)| *kk == key && *vv == v)
            {
                out.push(
                    cx.finding(&RULE, k, format!("`{key}` of `{}` repeats the one in `{other}` (line {})", svc.name, okey.span.start.line()))
                        .with_fix(Fix::display(format!("define it once as `x-{key}: &{key}` and use `{key}: *{key}` in both services"))),
                );
                continue;
            }
            seen.push((svc.name.as_str(), key, k, v));
        }
    }
}
