//! dockopt: a build-cache-aware Dockerfile optimizer.
pub mod context;
pub mod syntax;
