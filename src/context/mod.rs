//! The build-context model: what BuildKit sees of the context directory after `.dockerignore`,
//! with content digests that follow the equalities of BuildKit's `contenthash`
//! (buildkit-cache.md §6.2, §6.3, §9).
//!
//! Known gap: extended attributes are not read, so an xattr-only change is invisible here
//! (20.10 misses it too, see §9.4, but a fresh transfer would notice `user.*` xattrs).

mod archive;
mod diff;
mod dockerignore;
mod entry;
mod filter;
mod glob;
mod hash;
mod path;
mod perturb;
mod select;
mod snapshot;
mod tree;
mod walk;
mod warning;

#[cfg(test)]
pub(crate) mod testutil;

pub use archive::{file_may_be_archive, may_be_archive};
pub use diff::{Change, ChangeReason};
pub use dockerignore::{DockerIgnore, IgnoreError, IgnorePattern};
pub use entry::{Entry, EntryKind};
pub use glob::GlobError;
pub use perturb::Perturbation;
pub use select::{Matched, SelectError, Selection, SourceSelection};
pub use snapshot::SnapshotError;
pub(crate) use tree::read_ignore;
pub use tree::{
    default_root, ContextError, ContextStats, ContextTree, IgnoreSource, SNAPSHOT_VERSION,
};
pub use warning::{ContextWarning, WarningKind};
