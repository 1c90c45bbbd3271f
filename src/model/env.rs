//! The ordered environment list BuildKit keeps per stage: image env, ENV
//! and ARG values, in the order of each key's last assignment.

use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvList(Vec<(String, String)>);

impl EnvList {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Assigns `key`, moving it to the end: BuildKit's order is the order of
    /// last assignment, and the order is part of every RUN key.
    pub fn set(&mut self, key: &str, value: &str) {
        self.0.retain(|(k, _)| k != key);
        self.0.push((key.to_string(), value.to_string()));
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    pub fn entries(&self) -> &[(String, String)] {
        &self.0
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
