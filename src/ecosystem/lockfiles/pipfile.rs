//! `Pipfile.lock`: JSON; `default` holds the packages `pipenv install --deploy` installs,
//! `develop` the `--dev` ones.

use super::{err, json_err, Count, LockError};
use serde_json::Value;

pub fn count(text: &str) -> Result<Count, LockError> {
    let v: Value = serde_json::from_str(text).map_err(|e| json_err("Pipfile.lock", &e))?;
    let n = |k: &str| v.get(k).and_then(Value::as_object).map_or(0, |o| o.len());
    if v.get("default").is_none() && v.get("_meta").is_none() {
        return Err(err("Pipfile.lock", "no `default` or `_meta` section"));
    }
    Ok(Count {
        packages: n("default"),
        dev: n("develop"),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn default_and_develop() {
        let t = r#"{"_meta":{"hash":{"sha256":"x"}},"default":{"flask":{"version":"==3.0.3","hashes":["sha256:a","sha256:b"]},"click":{}},"develop":{"pytest":{}}}"#;
        let c = super::count(t).unwrap();
        assert_eq!((c.packages, c.dev), (2, 1));
        assert!(super::count("[]").is_err());
    }
}
