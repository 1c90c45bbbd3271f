//! dockopt: a build-cache-aware Dockerfile optimizer.
//!
//! The pipeline: `syntax` (bytes → lossless tree) → `model` (what each
//! instruction reads, writes and keys on) → `graph` → `cache` → `cli`.
pub mod graph;
pub mod model;
pub mod report;
pub mod source;
pub mod syntax;
