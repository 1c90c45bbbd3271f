//! BuildKit build-cache simulation (spec: shared/docs/buildkit-cache.md).
//!
//! Each op gets a symbolic key built from what BuildKit puts in its cache
//! key: the previous op (the chain), the op's own definition, and content
//! checksums of what it reads from the context, other stages or URLs. A
//! step of the second build is a hit when its key was recorded by the first.
//! Outputs of stages that re-run are unknowable statically, so the
//! simulation runs twice: once assuming they change (the verdict) and once
//! assuming they come out byte-identical (`if_outputs_identical`).

mod explain;
mod input;
mod keys;
mod progress;
mod simulate;
mod source;

pub use explain::{Cause, ChangedPath};
pub use input::{same_image as input_same_image, BuildInput};
pub use keys::{compute_keys, BuildKeys, OpRecord, TriggerRecord, TRIGGER_STEP};
pub use progress::{progress_labels, Progress};
pub use simulate::{simulate, verdicts, Simulation, StepResult, Summary, Verdict};
pub use source::{
    final_chain, simulate_with_source, CacheSource, ExportMode, SourceError, SourceVerdict,
};

#[cfg(test)]
mod tests;
