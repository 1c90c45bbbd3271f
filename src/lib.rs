//! dockopt: a build-cache-aware Dockerfile optimizer.
//!
//! The pipeline: `source` (files) → `syntax` (bytes → lossless tree) →
//! `model` (what each instruction reads, writes and keys on) → `graph` →
//! `context` (the build context as BuildKit sees it) → `cache` (simulation)
//! → `report`.
pub mod cache;
pub mod change;
pub mod context;
pub mod graph;
pub mod model;
pub mod report;
pub mod rules;
pub mod source;
pub mod syntax;
