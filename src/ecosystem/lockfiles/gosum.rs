//! `go.sum`: `module version hash` lines; `version/go.mod` lines only checksum a module's
//! go.mod (fetched for the build list), the others a module zip that is downloaded. Counts
//! distinct `module@version` with a zip hash.

use super::{err_at, Count, LockError};
use std::collections::BTreeSet;

pub fn count(text: &str) -> Result<Count, LockError> {
    let mut zips = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let w: Vec<&str> = line.split_whitespace().collect();
        match w.as_slice() {
            [] => {}
            [m, v, h] if h.contains(':') => {
                if !v.ends_with("/go.mod") {
                    zips.insert((*m, *v));
                }
            }
            _ => return Err(err_at("go.sum", i + 1, 1, "not `module version hash`")),
        }
    }
    Ok(Count {
        packages: zips.len(),
        dev: 0,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn module_zips_not_go_mod_lines() {
        let t = "github.com/a/b v1.0.0 h1:xx=\ngithub.com/a/b v1.0.0/go.mod h1:yy=\ngithub.com/c/d v0.2.0/go.mod h1:zz=\n";
        assert_eq!(super::count(t).unwrap().packages, 1);
        assert!(super::count("what\n").is_err());
    }
}
