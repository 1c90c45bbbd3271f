//! `package-lock.json` / `npm-shrinkwrap.json`. Lockfile v2/v3: `packages` keyed by install
//! path (`""` is the project, `node_modules/a/node_modules/b` a nested copy, which npm also
//! fetches); workspace links (`"link": true`) fetch nothing. v1: nested `dependencies`.

use super::{err, json_err, Count, LockError};
use serde_json::{Map, Value};

pub fn count(text: &str) -> Result<Count, LockError> {
    let v: Value = serde_json::from_str(text).map_err(|e| json_err("package-lock.json", &e))?;
    let flag = |p: &Value, k: &str| p.get(k).and_then(Value::as_bool).unwrap_or(false);
    if let Some(pkgs) = v.get("packages").and_then(Value::as_object) {
        let mut c = Count::default();
        for (path, p) in pkgs {
            if path.is_empty() || flag(p, "link") || !path.contains("node_modules/") {
                continue;
            }
            if flag(p, "dev") {
                c.dev += 1;
            } else {
                c.packages += 1;
            }
        }
        return Ok(c);
    }
    if let Some(deps) = v.get("dependencies").and_then(Value::as_object) {
        let mut c = Count::default();
        v1(deps, &mut c);
        return Ok(c);
    }
    if v.get("lockfileVersion").is_some() {
        return Ok(Count::default());
    }
    Err(err("package-lock.json", "no `packages` or `dependencies`"))
}

fn v1(deps: &Map<String, Value>, c: &mut Count) {
    for d in deps.values() {
        if d.get("dev").and_then(Value::as_bool).unwrap_or(false) {
            c.dev += 1;
        } else {
            c.packages += 1;
        }
        if let Some(inner) = d.get("dependencies").and_then(Value::as_object) {
            v1(inner, c);
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn v3_paths_and_v1_tree() {
        let v3 = r#"{"lockfileVersion":3,"packages":{"":{"name":"app"},
            "node_modules/express":{"version":"4.19.2"},
            "node_modules/express/node_modules/debug":{"version":"2.6.9"},
            "node_modules/jest":{"dev":true},
            "node_modules/ws-pkg":{"link":true},
            "packages/ws-pkg":{"version":"1.0.0"}}}"#;
        let c = super::count(v3).unwrap();
        assert_eq!((c.packages, c.dev), (2, 1));
        let v1 = r#"{"lockfileVersion":1,"dependencies":{"a":{"version":"1","dependencies":{"b":{"version":"2"}}},"c":{"dev":true}}}"#;
        let c = super::count(v1).unwrap();
        assert_eq!((c.packages, c.dev), (2, 1));
        assert!(super::count("{}").is_err());
    }
}
