//! Renderings of the pipeline's results for people and machines.

pub mod check;
pub mod ci;
pub mod estimate;
pub mod mask;
pub mod parse;
pub mod simulate;

/// Input text made safe to print on a terminal (see [`crate::frame`]).
pub use crate::frame::escape_controls;
