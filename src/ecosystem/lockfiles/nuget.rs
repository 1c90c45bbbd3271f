//! NuGet `packages.lock.json`: `dependencies` per target framework, each package by name with
//! a `type` (`Direct`, `Transitive`, `CentralTransitive`, or `Project` for the solution's own
//! projects). A package locked for several frameworks is fetched once.

use super::{err, json_err, Count, LockError};
use serde_json::Value;
use std::collections::BTreeSet;

pub fn count(text: &str) -> Result<Count, LockError> {
    let v: Value = serde_json::from_str(text).map_err(|e| json_err("packages.lock.json", &e))?;
    let fws = v
        .get("dependencies")
        .and_then(Value::as_object)
        .ok_or_else(|| err("packages.lock.json", "no `dependencies`"))?;
    let mut names = BTreeSet::new();
    for fw in fws.values().filter_map(Value::as_object) {
        for (name, p) in fw {
            if p.get("type").and_then(Value::as_str) != Some("Project") {
                let version = p.get("resolved").and_then(Value::as_str).unwrap_or("");
                names.insert((name.to_ascii_lowercase(), version.to_string()));
            }
        }
    }
    Ok(Count {
        packages: names.len(),
        dev: 0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn unique_across_frameworks() {
        let t = r#"{"version":1,"dependencies":{
            "net6.0":{"Newtonsoft.Json":{"type":"Direct","resolved":"13.0.3"},"Lib":{"type":"Project"}},
            "net8.0":{"Newtonsoft.Json":{"type":"Direct","resolved":"13.0.3"},"System.Memory":{"type":"Transitive","resolved":"4.5.5"}}}}"#;
        assert_eq!(super::count(t).unwrap().packages, 2);
    }
}
