//! `Cargo.lock`: TOML, one `[[package]]` per crate; the workspace's own crates have no
//! `source` and are compiled, not downloaded.

use super::{toml_err, Count, LockError};

#[derive(serde::Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<Package>,
}

#[derive(serde::Deserialize)]
struct Package {
    #[serde(default)]
    source: Option<String>,
}

pub fn count(text: &str) -> Result<Count, LockError> {
    let l: Lock = toml::from_str(text).map_err(|e| toml_err("Cargo.lock", text, &e))?;
    Ok(Count {
        packages: l.package.iter().filter(|p| p.source.is_some()).count(),
        dev: 0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn registry_crates_only() {
        let t = "version = 3\n\n[[package]]\nname = \"tiny-service\"\nversion = \"0.1.0\"\ndependencies = [\"tiny_http\"]\n\n[[package]]\nname = \"tiny_http\"\nversion = \"0.12.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"ab\"\n";
        assert_eq!(super::count(t).unwrap().packages, 1);
    }
}
