//! Saving a `ContextTree` as JSON so CI can compare against an old context without its files.
//! Every entry keeps its digest (directories included), so `select` works unchanged on a
//! loaded snapshot.

use std::collections::BTreeMap;

use super::hash::compute_dir_digests;
use super::path::parent;
use super::tree::{ContextTree, SNAPSHOT_VERSION};

#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("malformed context snapshot: {0}")]
    Json(#[from] serde_json::Error),
    #[error("context snapshot version {found} is not supported (expected {expected})")]
    Version { found: u64, expected: u32 },
    #[error("inconsistent context snapshot: {0}")]
    Invalid(String),
}

impl ContextTree {
    /// Pretty JSON with a `"version"` field.
    pub fn to_json(&self) -> String {
        // Cannot fail: every map key is a string and no type has a fallible Serialize.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Loads a snapshot written by `to_json`, rejecting other versions and trees whose
    /// directory digests do not follow from their children.
    pub fn from_json(json: &str) -> Result<ContextTree, SnapshotError> {
        // Check the version before the shape, so a future format gets the clearer error.
        let value: serde_json::Value = serde_json::from_str(json)?;
        let found = value.get("version").and_then(serde_json::Value::as_u64);
        if found != Some(u64::from(SNAPSHOT_VERSION)) {
            return Err(SnapshotError::Version {
                found: found.unwrap_or(0),
                expected: SNAPSHOT_VERSION,
            });
        }
        let tree: ContextTree = serde_json::from_value(value)?;
        tree.validate()?;
        Ok(tree)
    }

    fn validate(&self) -> Result<(), SnapshotError> {
        match self.entries.get("") {
            Some(root) if root.is_dir() => {}
            _ => return Err(SnapshotError::Invalid("no root directory".into())),
        }
        for key in self.entries.keys().filter(|k| !k.is_empty()) {
            if super::path::to_context_key(key) != *key {
                return Err(SnapshotError::Invalid(format!("unclean path {key:?}")));
            }
            let dir = parent(key).unwrap_or("");
            if !self.entries.get(dir).is_some_and(|e| e.is_dir()) {
                return Err(SnapshotError::Invalid(format!("{key:?} has no parent dir")));
            }
        }
        let mut recomputed: BTreeMap<String, _> = self.entries.clone();
        compute_dir_digests(&mut recomputed);
        if let Some((k, _)) = recomputed
            .iter()
            .find(|(k, e)| self.entries.get(*k).map(|o| &o.digest) != Some(&e.digest))
        {
            return Err(SnapshotError::Invalid(format!("digest mismatch at {k:?}")));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::testutil::*;
    use super::*;

    #[test]
    fn round_trip_keeps_every_digest() {
        let dir = tree_with(&[(".dockerignore", "*.log"), ("a.txt", "a"), ("d/b", "b")]);
        symlink(dir.path(), "d/l", "../a.txt");
        let t = load(dir.path());
        let json = t.to_json();
        assert!(json.contains("\"version\": 1"));
        let back = ContextTree::from_json(&json).unwrap();
        assert_eq!(back, t);
        assert_eq!(back.ignore_source().unwrap().text, "*.log");
        for srcs in [&["d"][..], &["*.txt"], &["a.txt", "d/l"], &["."]] {
            assert_eq!(
                back.select(srcs).unwrap().digest(),
                t.select(srcs).unwrap().digest()
            );
        }
    }

    #[test]
    fn wrong_version_and_garbage_are_errors() {
        let t = load(tree_with(&[("a", "a")]).path());
        let v2 = t.to_json().replace("\"version\": 1", "\"version\": 2");
        assert!(matches!(
            ContextTree::from_json(&v2),
            Err(SnapshotError::Version { found: 2, .. })
        ));
        assert!(matches!(
            ContextTree::from_json("{\"entries\": {}}"),
            Err(SnapshotError::Version { found: 0, .. })
        ));
        assert!(matches!(
            ContextTree::from_json("not json"),
            Err(SnapshotError::Json(_))
        ));
        assert!(matches!(
            ContextTree::from_json("{\"version\": 1}"),
            Err(SnapshotError::Json(_))
        ));
    }

    #[test]
    fn tampered_snapshots_are_rejected() {
        let t = load(tree_with(&[("d/a", "a")]).path());
        let a = t.get("d/a").unwrap().digest.clone();
        let bad = t.to_json().replace(&a, &"0".repeat(64));
        assert!(matches!(
            ContextTree::from_json(&bad),
            Err(SnapshotError::Invalid(_))
        ));
        let orphan = t.to_json().replace("\"d/a\"", "\"x/a\"");
        assert!(matches!(
            ContextTree::from_json(&orphan),
            Err(SnapshotError::Invalid(_))
        ));
    }
}
