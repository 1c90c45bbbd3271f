//! Fuzz target: `dockopt check` never panics — the rules, the safe-fix
//! preview and every output format run on arbitrary text. Same entry points
//! as tests/no_panic_pipeline.rs; `fuzz/shell.dict` steers libFuzzer towards
//! shell-level variety (wrappers, assignments, `&&` chains).
#![no_main]

use dockopt::report::check as report;
use dockopt::rules::config::Settings;
use dockopt::rules::engine::{check_dockerfile, CheckOptions};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let opts = CheckOptions {
        measure_context: false,
        extras: true,
    };
    let mut r = check_dockerfile(
        Path::new("Dockerfile"),
        "Dockerfile",
        &text,
        &Settings::default(),
        &opts,
    );
    report::attach_rewrite_fixes(&mut r);
    let files = [r];
    let _ = report::to_text(&files, false);
    let _ = report::to_json(&files);
    let _ = report::to_sarif(&files);
    let _ = report::to_github(&files);
    let _ = report::to_markdown(&files);
});
