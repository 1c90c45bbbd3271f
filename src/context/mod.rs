//! The build-context model: what BuildKit sees of the context directory after `.dockerignore`,
//! with content digests that follow the equalities of BuildKit's `contenthash`
//! (buildkit-cache.md §6.2, §6.3, §9).

mod dockerignore;
mod glob;
mod path;

pub use dockerignore::{DockerIgnore, IgnoreError, IgnorePattern};
pub use glob::GlobError;
mod entry;
mod filter;
mod hash;
mod select;
mod tree;
mod walk;
mod warning;

pub use entry::{Entry, EntryKind};
pub use select::{Matched, SelectError, Selection, SourceSelection};
pub use tree::{ContextError, ContextStats, ContextTree, IgnoreSource, SNAPSHOT_VERSION};
pub use warning::{ContextWarning, WarningKind};
