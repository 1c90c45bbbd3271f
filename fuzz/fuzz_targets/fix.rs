//! Fuzz target: `dockopt fix` never panics, safe or unsafe fixes, and a
//! result it returns re-parses (the library refuses anything else).
#![no_main]

use dockopt::rewrite::{self, Input, Settings};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for unsafe_fixes in [false, true] {
        let input = Input {
            text: &text,
            context: None,
            root: None,
            has_dockerignore: unsafe_fixes,
        };
        let settings = Settings {
            unsafe_fixes,
            ..Settings::default()
        };
        if let Ok(out) = rewrite::fix(&input, &settings) {
            assert!(
                dockopt::syntax::parse(&out.output).is_ok(),
                "fix returned a file that does not parse"
            );
        }
    }
});
