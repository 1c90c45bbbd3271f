//! The ordered environment list BuildKit keeps per stage: image env, ENV
//! and ARG values, in the order of each key's last assignment.

use serde::Serialize;
use std::sync::Arc;

/// The entries, shared: every RUN op holds the env it runs with, and a
/// stage of n steps used to hold n copies of a growing list (10k
/// instructions took 2.5 GB). Cloning is now a reference count; a copy is
/// made only when an `ENV`/`ARG` changes a list a step still holds.
/// Names and values are shared strings: copying a list for a changed entry
/// copies pointers, not every string (a copy was one allocation per name
/// and value, most of the model's allocations on long files).
pub type Entries = Arc<Vec<(Arc<str>, Arc<str>)>>;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvList(Entries);

impl EnvList {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| **k == *key).map(|(_, v)| &**v)
    }

    /// Assigns `key`, moving it to the end: BuildKit's order is the order of
    /// last assignment, and the order is part of every RUN key.
    pub fn set(&mut self, key: &str, value: &str) {
        // Re-setting the last key to its value changes nothing: no copy.
        if self
            .0
            .last()
            .is_some_and(|(k, v)| **k == *key && **v == *value)
        {
            return;
        }
        let v = Arc::make_mut(&mut self.0);
        v.retain(|(k, _)| **k != *key);
        v.push((key.into(), value.into()));
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| **k == *key)
    }

    pub fn entries(&self) -> &[(Arc<str>, Arc<str>)] {
        &self.0
    }

    /// The entries, shared with this list (no copy).
    pub fn shared(&self) -> Entries {
        Arc::clone(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reassigning_moves_to_end() {
        let mut e = EnvList::default();
        e.set("A", "1");
        e.set("B", "2");
        let before = e.clone();
        e.set("B", "2");
        assert_eq!(e, before, "re-setting the last key changes nothing");
        e.set("A", "1");
        assert_ne!(e, before, "re-setting an earlier key moves it");
    }
}
