//! dockopt: a build-cache-aware Dockerfile optimizer.
pub mod syntax;
