//! `pnpm-lock.yaml`: the `packages` mapping has one key per resolved package (`/a@1.0.0`
//! in lockfile v6, `a@1.0.0` in v9); `importers` are the workspace's own projects.

use super::{err, err_at, Count, LockError};
use saphyr::{LoadableYamlNode, YamlOwned};

/// Deeper than any real lockfile (pnpm's nest about 6 levels): the YAML
/// loader recurses per level, and 2,000 nested block mappings overflowed
/// the stack.
const MAX_DEPTH: usize = 256;

/// An upper bound on the YAML nesting: the deepest indentation (a block
/// level takes at least one column) and the most brackets open at once
/// (quotes ignored, so it can only overcount).
fn depth_bound(text: &str) -> usize {
    let mut deepest = 0;
    let mut open: usize = 0;
    for line in text.lines() {
        let indent = line.len() - line.trim_start_matches([' ', '\t', '-']).len();
        deepest = deepest.max(indent);
        for b in line.bytes() {
            match b {
                b'[' | b'{' => open += 1,
                b']' | b'}' => open = open.saturating_sub(1),
                _ => {}
            }
            deepest = deepest.max(open);
        }
    }
    deepest
}

pub fn count(text: &str) -> Result<Count, LockError> {
    if depth_bound(text) > MAX_DEPTH {
        return Err(err(
            "pnpm-lock.yaml",
            format!("nested deeper than {MAX_DEPTH} levels: not a lockfile"),
        ));
    }
    let docs = YamlOwned::load_from_str(text).map_err(|e| {
        // saphyr's marker: 1-based line, 0-based column.
        err_at(
            "pnpm-lock.yaml",
            e.marker().line(),
            e.marker().col() + 1,
            e.info(),
        )
    })?;
    let doc = docs
        .first()
        .filter(|d| d.is_mapping())
        .ok_or_else(|| err("pnpm-lock.yaml", "not a YAML mapping"))?;
    if doc.as_mapping_get("lockfileVersion").is_none() {
        return Err(err("pnpm-lock.yaml", "no `lockfileVersion`"));
    }
    let mut c = Count::default();
    if let Some(pkgs) = doc.as_mapping_get("packages").and_then(|p| p.as_mapping()) {
        for (_, p) in pkgs.iter() {
            let dev = p
                .as_mapping_get("dev")
                .and_then(|d| d.as_bool())
                .unwrap_or(false);
            if dev {
                c.dev += 1;
            } else {
                c.packages += 1;
            }
        }
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    #[test]
    fn v6_and_v9() {
        let v6 = "lockfileVersion: '6.0'\ndependencies:\n  fastify:\n    specifier: ^4.28.1\n    version: 4.28.1\npackages:\n  /fastify@4.28.1:\n    resolution: {integrity: sha512-x}\n    dev: false\n  /vitest@1.0.0:\n    dev: true\n  /avvio@8.3.2:\n    resolution: {integrity: sha512-y}\n";
        let c = super::count(v6).unwrap();
        assert_eq!((c.packages, c.dev), (2, 1));
        let v9 = "lockfileVersion: '9.0'\nimporters:\n  .:\n    dependencies: {}\npackages:\n  fastify@4.28.1:\n    resolution: {integrity: sha512-x}\nsnapshots:\n  fastify@4.28.1: {}\n";
        assert_eq!(super::count(v9).unwrap().packages, 1);
        assert!(super::count("- a\n- b\n").is_err());
    }
}
