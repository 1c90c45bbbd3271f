//! Package ecosystems. (The lead merges this with the manifest engineer's table.)

pub mod lockfiles;
