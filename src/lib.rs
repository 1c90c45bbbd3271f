//! dockopt: a build-cache-aware Dockerfile optimizer.
//!
//! The pipeline: `source` (files) → `syntax` (bytes → lossless tree) →
//! `model` (what each instruction reads, writes and keys on) → `graph` →
//! `context` (the build context as BuildKit sees it) → `cache` (simulation)
//! → `report`; `cost` turns a simulation into seconds and bytes.
pub mod cache;
pub mod change;
pub mod ci;
pub mod context;
pub mod cost;
pub mod ecosystem;
pub mod effects;
pub mod fix;
pub mod frame;
// The fix functions stay in src/rewrite/fixes/ (their history) but sit below
// `rules`, which names them: see `fix`'s module doc.
#[path = "rewrite/fixes/mod.rs"]
pub mod fixes;
pub mod graph;
pub mod http;
pub mod model;
pub mod multistage;
pub mod report;
pub mod rewrite;
pub mod rules;
pub mod shell;
pub mod source;
pub mod syntax;
