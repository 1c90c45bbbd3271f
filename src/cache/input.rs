//! One build as the simulator sees it.

use crate::context::ContextTree;
use crate::model::strip_hub_prefixes;
use crate::model::Model;
use crate::syntax::Dockerfile;
use std::sync::Arc;

pub struct BuildInput {
    /// How to name the Dockerfile in messages.
    pub name: String,
    /// Shared: the two sides of a simulation often read the same file and
    /// model (a rule's one-line-edit simulation), and each copy of a long
    /// file's parse and model costs ~2 KB per instruction.
    pub dockerfile: Arc<Dockerfile>,
    pub model: Arc<Model>,
    pub context: ContextTree,
    /// Base images that moved to new content in this build (`--base-changed`).
    pub moved_images: Vec<String>,
}

impl BuildInput {
    /// Whether `reference` (as written in FROM, expanded) names a moved image.
    pub fn image_moved(&self, reference: &str) -> bool {
        self.moved_images.iter().any(|m| same_image(m, reference))
    }
}

/// `python` matches any tag of python; `python:3.9` matches `docker.io/library/python:3.9`.
pub fn same_image(pattern: &str, reference: &str) -> bool {
    let (p, r) = (strip_hub_prefixes(pattern), strip_hub_prefixes(reference));
    if p == r {
        return true;
    }
    let repo = |s: &str| -> String {
        let no_digest = s.split('@').next().unwrap_or(s);
        match no_digest.rfind(':') {
            Some(i) if !no_digest[i..].contains('/') => no_digest[..i].to_string(),
            _ => no_digest.to_string(),
        }
    };
    let pattern_has_tag = repo(&p) != p;
    !pattern_has_tag && repo(&r) == p
}

#[cfg(test)]
mod tests {
    use super::same_image;

    #[test]
    fn image_matching() {
        assert!(same_image("python", "python:3.9-buster"));
        assert!(same_image("python:3.9", "docker.io/library/python:3.9"));
        assert!(!same_image("python:3.10", "python:3.9"));
        assert!(!same_image("node", "python:3.9"));
        assert!(same_image("localhost:5000/x", "localhost:5000/x:1"));
    }
}
