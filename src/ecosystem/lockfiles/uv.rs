//! `uv.lock`: TOML, one `[[package]]` per package, including the project itself (its
//! `source` is `{ editable = "." }` or `{ virtual = "." }`), which `uv sync` does not download.

use super::{toml_err, Count, LockError};

#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    #[serde(default)]
    source: Option<toml::Table>,
}

pub fn count(text: &str) -> Result<Count, LockError> {
    let l: Lock = toml::from_str(text).map_err(|e| toml_err("uv.lock", text, &e))?;
    let local = |p: &Package| {
        p.source
            .as_ref()
            .is_some_and(|s| s.contains_key("editable") || s.contains_key("virtual"))
    };
    Ok(Count {
        packages: l.package.iter().filter(|p| !local(p)).count(),
        dev: 0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_project_itself_is_not_a_download() {
        let text = r#"
version = 1
requires-python = ">=3.11"

[[package]]
name = "uv-api"
version = "0.1.0"
source = { editable = "." }
dependencies = [{ name = "waitress" }]

[[package]]
name = "waitress"
version = "3.0.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://x/waitress-3.0.0.tar.gz", hash = "sha256:00", size = 1 }
wheels = [{ url = "https://x/waitress-3.0.0-py3-none-any.whl", hash = "sha256:11", size = 1 }]
"#;
        assert_eq!(super::count(text).unwrap().packages, 1);
    }
}
