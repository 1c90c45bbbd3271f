//! The ordered environment list BuildKit keeps per stage: image env, ENV
//! and ARG values, in the order of each key's last assignment.

use serde::{Serialize, Serializer};
use std::sync::Arc;

/// One variable: name and value, shared strings (a copy of a list copies
/// pointers, not every string).
pub type Entry = (Arc<str>, Arc<str>);

/// The entries, shared: every RUN op holds the env it runs with, and a
/// stage of n steps used to hold n copies of a growing list (10k
/// instructions took 2.5 GB). Cloning is a reference count.
///
/// A list is a shared `base` with the assignments made since on `top`:
/// an `ENV` after a RUN that holds the list copies only `top` (at most
/// [`MAX_TOP`] entries) and a bit per base entry, not the whole list (a
/// whole copy per `ENV`/`ARG` block was ~48 MB per model of 100k
/// instructions, and several models are alive at once in `check`).
#[derive(Clone, Default)]
pub struct Entries(Arc<Layered>);

#[derive(Clone, Default)]
struct Layered {
    base: Arc<Vec<Entry>>,
    /// Base entries assigned again since (their place is now on `top`).
    hidden: Vec<u64>,
    top: Vec<Entry>,
}

/// Assignments kept on top before the list is made one base again.
const MAX_TOP: usize = 16;

impl Layered {
    fn is_hidden(&self, i: usize) -> bool {
        self.hidden
            .get(i / 64)
            .is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    fn hide(&mut self, i: usize) {
        if self.hidden.len() <= i / 64 {
            self.hidden.resize(i / 64 + 1, 0);
        }
        self.hidden[i / 64] |= 1 << (i % 64);
    }
}

impl Entries {
    /// The entries in order (the order of last assignment).
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> + Clone + '_ {
        let l = &*self.0;
        l.base
            .iter()
            .enumerate()
            .filter(move |(i, _)| !l.is_hidden(*i))
            .map(|(_, e)| e)
            .chain(l.top.iter())
    }

    pub fn len(&self) -> usize {
        let hidden: u32 = self.0.hidden.iter().map(|w| w.count_ones()).sum();
        self.0.base.len() - hidden as usize + self.0.top.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn last(&self) -> Option<&Entry> {
        self.iter().next_back()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.iter()
            .rev()
            .find(|(k, _)| **k == *key)
            .map(|(_, v)| &**v)
    }

    pub fn to_vec(&self) -> Vec<Entry> {
        self.iter().cloned().collect()
    }

    /// An identity of this list while it is alive (equal for clones).
    pub fn address(&self) -> usize {
        Arc::as_ptr(&self.0) as usize
    }

    fn set(&mut self, key: &str, value: &str) {
        let l = Arc::make_mut(&mut self.0);
        if let Some(i) = l.top.iter().position(|(k, _)| **k == *key) {
            l.top.remove(i);
        } else if let Some(i) = l.base.iter().position(|(k, _)| **k == *key) {
            // Not on top: the base entry is the visible one.
            l.hide(i);
        }
        l.top.push((key.into(), value.into()));
        if l.top.len() > MAX_TOP {
            let all: Vec<Entry> = Entries(Arc::new(std::mem::take(l))).to_vec();
            *l = Layered {
                base: Arc::new(all),
                ..Layered::default()
            };
        }
    }
}

impl From<Vec<Entry>> for Entries {
    fn from(v: Vec<Entry>) -> Self {
        Entries(Arc::new(Layered {
            base: Arc::new(v),
            ..Layered::default()
        }))
    }
}

impl PartialEq for Entries {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.iter().eq(other.iter())
    }
}

impl Eq for Entries {}

impl std::fmt::Debug for Entries {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl Serialize for Entries {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.iter())
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct EnvList(Entries);

impl EnvList {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key)
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
        self.0.set(key, value);
    }

    pub fn contains(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| **k == *key)
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &Entry> + Clone + '_ {
        self.0.iter()
    }

    /// The entries, shared with this list (no copy).
    pub fn shared(&self) -> Entries {
        self.0.clone()
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

    /// The layered list against a plain one (remove the key, push it) over
    /// many assignments, with snapshots taken along the way (a RUN holding
    /// the list): every snapshot keeps the entries it had, in order.
    #[test]
    fn layers_keep_the_order_of_last_assignment() {
        let mut e = EnvList::default();
        let mut plain: Vec<(String, String)> = Vec::new();
        let mut snaps: Vec<(Entries, Vec<(String, String)>)> = Vec::new();
        let mut x: u64 = 7;
        for i in 0..2000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = format!("K{}", (x >> 33) % 70);
            let value = format!("v{}", (x >> 20) % 3);
            e.set(&key, &value);
            if plain.last() != Some(&(key.clone(), value.clone())) {
                plain.retain(|(k, _)| *k != key);
                plain.push((key.clone(), value.clone()));
            }
            if i % 7 == 0 {
                snaps.push((e.shared(), plain.clone()));
            }
            assert_eq!(e.get(&key), Some(value.as_str()));
        }
        for (s, p) in snaps {
            let got: Vec<(String, String)> = s
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            assert_eq!(got, p);
            assert_eq!(s.len(), p.len());
            assert_eq!(s, Entries::from(s.to_vec()));
            let rev: Vec<_> = s.iter().rev().map(|(k, _)| k.to_string()).collect();
            assert_eq!(
                rev,
                p.iter().rev().map(|(k, _)| k.clone()).collect::<Vec<_>>()
            );
        }
    }
}
