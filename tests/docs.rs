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

/// The README's first screen quotes `dockopt check corpus/flask-notebook`: its summary line
/// and the fix diff's new lines must be what the binary prints today.
#[test]
fn readme_first_screen_matches_the_binary() {
    let readme = std::fs::read_to_string("README.md").unwrap_or_default();
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_dockopt"))
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let check = run(&["check", "corpus/flask-notebook"]);
    let summary = check.lines().last().unwrap_or_default();
    assert!(
        readme.contains(summary),
        "README's check example is stale: the binary now ends with {summary:?}"
    );
    let diff = run(&["fix", "--diff", "corpus/flask-notebook"]);
    let head = readme.split("## Set up").next().unwrap_or_default();
    for line in head
        .lines()
        .filter(|l| (l.starts_with('+') || l.starts_with('-')) && !l.starts_with("---"))
    {
        assert!(
            diff.lines().any(|d| d == line),
            "README's fix example has {line:?}, which `fix --diff` no longer prints"
        );
    }
}
