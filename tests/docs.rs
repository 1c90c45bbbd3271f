//! docs/rules.md is generated from the rules' doc comments; this keeps it current.

#[test]
fn rules_md_is_up_to_date() {
    let generated = dockopt::rules::registry::markdown_catalogue();
    if std::env::var_os("DOCKOPT_UPDATE_DOCS").is_some() {
        std::fs::write("docs/rules.md", &generated).unwrap_or_else(|e| panic!("{e}"));
    }
    let current = std::fs::read_to_string("docs/rules.md").unwrap_or_default();
    assert!(
        current == generated,
        "docs/rules.md is stale: run DOCKOPT_UPDATE_DOCS=1 cargo test --test docs"
    );
}
