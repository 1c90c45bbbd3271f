//! For the rules' own tests: a file's findings of one code, as `check` on
//! the text alone (no context, no fix labelling) gives them.

use crate::rules::Finding;

pub(crate) fn findings(text: &str, code: &str) -> Vec<Finding> {
    let opts = crate::rules::engine::CheckOptions {
        label: None,
        measure_context: false,
        extras: false,
        context: None,
    };
    crate::rules::engine::check_dockerfile(
        std::path::Path::new("Dockerfile"),
        "Dockerfile",
        text,
        &crate::rules::config::Settings::default(),
        &opts,
    )
    .findings
    .into_iter()
    .filter(|f| f.code == code)
    .collect()
}
