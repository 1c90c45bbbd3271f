//! `dockopt snapshot`: the last build's context digests and Dockerfile,
//! so CI can compare with it without keeping the old tree.

use super::ChangeError;
use crate::context::ContextTree;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const SNAPSHOT_FORMAT: &str = "dockopt-snapshot/1";

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    /// The Dockerfile's path as given when the snapshot was taken.
    pub dockerfile: String,
    pub dockerfile_text: String,
    pub context: ContextTree,
}

impl Snapshot {
    pub fn new(dockerfile: &str, text: &str, context: ContextTree) -> Self {
        Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            dockerfile: dockerfile.to_string(),
            dockerfile_text: text.to_string(),
            context,
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    pub fn read(path: &Path) -> Result<Snapshot, ChangeError> {
        let err = |message: String| ChangeError::Snapshot {
            path: path.to_path_buf(),
            message,
        };
        let text = crate::source::read_text(path, crate::source::MAX_INPUT_BYTES)
            .map_err(|e| err(e.to_string()))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
        match value.get("format").and_then(|f| f.as_str()) {
            Some(SNAPSHOT_FORMAT) => {}
            Some(other) => {
                return Err(err(format!(
                    "unsupported format `{other}` (expected {SNAPSHOT_FORMAT})"
                )))
            }
            None => return Err(err("not a dockopt snapshot (no `format` field)".into())),
        }
        let context_json = value
            .get("context")
            .map(|c| c.to_string())
            .ok_or_else(|| err("no `context`".into()))?;
        let context = ContextTree::from_json(&context_json).map_err(|e| err(e.to_string()))?;
        let field = |name: &str| {
            value
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
                .ok_or_else(|| err(format!("no `{name}`")))
        };
        Ok(Snapshot {
            format: SNAPSHOT_FORMAT.to_string(),
            dockerfile: field("dockerfile")?,
            dockerfile_text: field("dockerfile_text")?,
            context,
        })
    }
}
