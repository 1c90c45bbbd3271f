//! dockopt: a build-cache-aware Dockerfile optimizer.
//!
//! The pipeline: `syntax` (bytes → lossless tree) → `model` (what each
//! instruction reads, writes and keys on) → `graph` → `cache` → `cli`.
pub mod syntax;
