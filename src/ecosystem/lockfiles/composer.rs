//! `composer.lock`: JSON arrays `packages` and `packages-dev`.

use super::{err, json_err, Count, LockError};
use serde_json::Value;

pub fn count(text: &str) -> Result<Count, LockError> {
    let v: Value = serde_json::from_str(text).map_err(|e| json_err("composer.lock", &e))?;
    let n = |k: &str| v.get(k).and_then(Value::as_array).map(Vec::len);
    match (n("packages"), n("packages-dev")) {
        (None, None) => Err(err("composer.lock", "no `packages`")),
        (p, d) => Ok(Count {
            packages: p.unwrap_or(0),
            dev: d.unwrap_or(0),
        }),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn packages_and_dev() {
        let t = r#"{"content-hash":"x","packages":[{"name":"monolog/monolog"},{"name":"psr/log"}],"packages-dev":[{"name":"phpunit/phpunit"}]}"#;
        let c = super::count(t).unwrap();
        assert_eq!((c.packages, c.dev), (2, 1));
    }
}
