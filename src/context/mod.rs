//! The build-context model: what BuildKit sees of the context directory after `.dockerignore`,
//! with content digests that follow the equalities of BuildKit's `contenthash`
//! (buildkit-cache.md §6.2, §6.3, §9).

mod dockerignore;
mod glob;
mod path;

pub use dockerignore::{DockerIgnore, IgnoreError, IgnorePattern};
pub use glob::GlobError;
