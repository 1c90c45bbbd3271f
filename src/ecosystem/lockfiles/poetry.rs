//! `poetry.lock`: TOML, one `[[package]]` table per locked package (the project itself is not
//! listed). Poetry 1.x marks development packages with `category = "dev"`; 2.x with `groups`.

use super::{toml_err, Count, LockError};

#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    #[serde(default)]
    category: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
}

pub fn count(text: &str) -> Result<Count, LockError> {
    let l: Lock = toml::from_str(text).map_err(|e| toml_err("poetry.lock", text, &e))?;
    let dev = l
        .package
        .iter()
        .filter(|p| {
            p.category.as_deref() == Some("dev")
                || p.groups
                    .as_ref()
                    .is_some_and(|g| !g.is_empty() && !g.iter().any(|g| g == "main"))
        })
        .count();
    Ok(Count {
        packages: l.package.len() - dev,
        dev,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_packages_not_hashes() {
        let text = r#"
[[package]]
name = "flask"
version = "3.0.3"
files = [
    {file = "flask-3.0.3-py3-none-any.whl", hash = "sha256:aa"},
    {file = "flask-3.0.3.tar.gz", hash = "sha256:bb"},
]
[package.dependencies]
click = ">=8.1.3"

[[package]]
name = "click"
version = "8.1.7"
category = "main"

[[package]]
name = "pytest"
version = "8.0.0"
category = "dev"

[metadata]
lock-version = "2.0"
content-hash = "abc"
[metadata.files]
flask = []
"#;
        let c = super::count(text).unwrap();
        assert_eq!((c.packages, c.dev), (2, 1));
    }
}
