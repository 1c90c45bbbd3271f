//! Fuzz target: `dockopt fix` never panics, safe or unsafe fixes, and a result it
//! returns re-parses (the library refuses anything else). The body is
//! tests/common/pipeline.rs, shared with tests/no_panic_pipeline.rs.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

fuzz_target!(|data: &[u8]| {
    pipeline::exercise_fix(&String::from_utf8_lossy(data));
});
