//! Renderings of the pipeline's results for people and machines.

pub mod check;
pub mod ci;
pub mod estimate;
pub mod parse;
pub mod simulate;
