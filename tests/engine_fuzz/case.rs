//! A generated case: a Dockerfile and its build context, as data. Written to disk for the engine,
//! listed for a counterexample report, saved as a ready-to-commit regression app.

use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    File {
        content: String,
        mode: u32,
    },
    /// A symlink with this (relative) target.
    Link(String),
    /// An empty directory.
    Dir,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Case {
    pub dockerfile: String,
    /// Context paths (relative, `/`-separated) → entries. The Dockerfile is not among them.
    pub files: BTreeMap<String, Entry>,
}

impl Case {
    pub fn file(&mut self, path: &str, content: &str) {
        self.files.insert(
            path.to_string(),
            Entry::File {
                content: content.to_string(),
                mode: 0o644,
            },
        );
    }

    pub fn link(&mut self, path: &str, target: &str) {
        self.files
            .insert(path.to_string(), Entry::Link(target.to_string()));
    }

    pub fn has(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }

    /// Writes the context into `dir` (which must exist), with the Dockerfile as `Dockerfile`:
    /// where a user keeps it, so `fix` sees the context a user's run would see.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        use std::os::unix::fs::PermissionsExt;
        std::fs::write(dir.join("Dockerfile"), &self.dockerfile)?;
        for (rel, e) in &self.files {
            let p = dir.join(rel);
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent)?;
            }
            match e {
                Entry::File { content, mode } => {
                    std::fs::write(&p, content)?;
                    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode))?;
                }
                Entry::Link(target) => std::os::unix::fs::symlink(target, &p)?,
                Entry::Dir => std::fs::create_dir_all(&p)?,
            }
        }
        Ok(())
    }

    /// One line per context entry: `path  (mode) N bytes` / `path -> target` / `path/`.
    pub fn listing(&self) -> String {
        let mut out = String::new();
        for (rel, e) in &self.files {
            match e {
                Entry::File { content, mode } => {
                    out.push_str(&format!("{rel}  ({mode:o}) {:?}\n", content))
                }
                Entry::Link(t) => out.push_str(&format!("{rel} -> {t}\n")),
                Entry::Dir => out.push_str(&format!("{rel}/\n")),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_files_links_and_dirs() {
        let mut c = Case {
            dockerfile: "FROM x\n".into(),
            ..Case::default()
        };
        c.file("reqs/base.txt", "flask\n");
        c.link("requirements.txt", "reqs/base.txt");
        c.files.insert("data".into(), Entry::Dir);
        let t = tempfile::tempdir().unwrap();
        c.write_to(t.path()).unwrap();
        assert_eq!(
            std::fs::read_to_string(t.path().join("requirements.txt")).unwrap(),
            "flask\n"
        );
        assert!(std::fs::symlink_metadata(t.path().join("requirements.txt"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(t.path().join("data").is_dir());
        assert_eq!(
            std::fs::read_to_string(t.path().join("Dockerfile")).unwrap(),
            "FROM x\n"
        );
        assert_eq!(
            c.listing(),
            "data/\nreqs/base.txt  (644) \"flask\\n\"\nrequirements.txt -> reqs/base.txt\n"
        );
    }
}
