//! `--changed PATH`: a copy of a tree in which those paths' contents changed,
//! for "what if I edit these files" without a second tree on disk.

use super::dockerignore::DockerIgnore;
use super::entry::{Entry, EntryKind};
use super::hash::compute_dir_digests;
use super::path::ancestors;
use super::tree::ContextTree;
use sha2::{Digest, Sha256};

/// What happened to one `--changed` path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Perturbation {
    /// An existing file (or every file below a directory) gets new content.
    Edited(String),
    /// Not in the context yet: added as a new file.
    Added(String),
    /// Excluded by `.dockerignore`: BuildKit never sees it.
    Ignored(String),
}

impl ContextTree {
    /// This tree with `paths` (relative to the context root) given new content.
    pub fn with_changed(&self, paths: &[&str]) -> (ContextTree, Vec<Perturbation>) {
        let ignore = self
            .ignore
            .as_ref()
            .and_then(|s| DockerIgnore::parse(&s.text).ok());
        let mut tree = self.clone();
        let mut notes = Vec::new();
        for raw in paths {
            let rel = crate::model::path::context_relative(raw);
            if rel.is_empty() {
                continue;
            }
            if ignore.as_ref().is_some_and(|ig| ig.is_excluded(&rel)) {
                notes.push(Perturbation::Ignored(rel));
                continue;
            }
            let under: Vec<String> = tree
                .entries
                .iter()
                .filter(|(k, e)| {
                    (k.as_str() == rel || k.starts_with(&format!("{rel}/"))) && !e.is_dir()
                })
                .map(|(k, _)| k.clone())
                .collect();
            if under.is_empty() && !tree.entries.contains_key(&rel) {
                for a in ancestors(&rel) {
                    tree.entries
                        .entry(a.to_string())
                        .or_insert_with(|| Entry::new(EntryKind::Dir, 0o755, 0));
                }
                let mut e = Entry::new(EntryKind::File, 0o644, 1);
                e.digest = hex::encode(Sha256::digest(format!("added:{rel}")));
                tree.entries.insert(rel.clone(), e);
                notes.push(Perturbation::Added(rel));
                continue;
            }
            let targets = if under.is_empty() {
                // An empty directory: something is added inside it.
                let marker = format!("{rel}/.dockopt-changed");
                let mut e = Entry::new(EntryKind::File, 0o644, 1);
                e.digest = hex::encode(Sha256::digest(marker.as_bytes()));
                tree.entries.insert(marker, e);
                Vec::new()
            } else {
                under
            };
            for k in targets {
                if let Some(e) = tree.entries.get_mut(&k) {
                    e.digest = hex::encode(Sha256::digest(format!("changed:{}", e.digest)));
                }
            }
            notes.push(Perturbation::Edited(rel));
        }
        compute_dir_digests(&mut tree.entries);
        (tree, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_paths_change_digests_unless_ignored() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let p = dir.path();
        std::fs::create_dir_all(p.join("src")).unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p.join("src/app.py"), "x").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p.join("req.txt"), "y").unwrap_or_else(|e| panic!("{e}"));
        std::fs::write(p.join(".dockerignore"), "*.log\n").unwrap_or_else(|e| panic!("{e}"));
        let t = ContextTree::load(p, None).unwrap_or_else(|e| panic!("{e}"));
        let (t2, notes) = t.with_changed(&["src/app.py", "debug.log", "new.txt"]);
        assert_eq!(
            notes,
            vec![
                Perturbation::Edited("src/app.py".into()),
                Perturbation::Ignored("debug.log".into()),
                Perturbation::Added("new.txt".into()),
            ]
        );
        let d = |t: &ContextTree, s: &str| t.select(&[s]).map(|x| x.digest()).unwrap_or_default();
        assert_ne!(d(&t, "src"), d(&t2, "src"));
        assert_eq!(d(&t, "req.txt"), d(&t2, "req.txt"));
        assert_ne!(t.root_digest(), t2.root_digest());
    }
}
