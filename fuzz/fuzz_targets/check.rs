//! Fuzz target: `dockopt check` never panics — the rules with fix labelling, the
//! safe-fix preview and every output format run on arbitrary text. The body is
//! tests/common/pipeline.rs (a `#[path]` module, also run by tests/no_panic_pipeline.rs, so `cargo
//! test` keeps it compiling); `fuzz/shell.dict` steers libFuzzer towards
//! shell-level variety (wrappers, assignments, `&&` chains).
#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/pipeline.rs"]
mod pipeline;

fuzz_target!(|data: &[u8]| {
    pipeline::exercise_check(&String::from_utf8_lossy(data));
});
