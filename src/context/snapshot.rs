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
