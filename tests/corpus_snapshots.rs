//! `parse` and `graph` outputs for every folder of corpus/, kept as insta
//! snapshots beside the Dockerfile (`corpus/<name>/expected/`), so a change
//! in what dockopt sees of a file shows up in review.

use std::path::Path;

fn folders() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut v: Vec<_> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    v.sort();
    v
}

#[test]
fn parse_and_graph_snapshots() {
    let dirs = folders();
    assert!(dirs.len() >= 40, "corpus/ has {} folders", dirs.len());
    for dir in dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let text = std::fs::read_to_string(dir.join("Dockerfile"))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let df =
            dockopt::syntax::parse(&text).unwrap_or_else(|e| panic!("{}", e.render(&name, &text)));
        let shown = format!("{name}/Dockerfile");
        let model = dockopt::model::build(&df, &Default::default())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let graph = dockopt::graph::build(&df, &model);
        insta::with_settings!({
            snapshot_path => dir.join("expected"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!("parse", dockopt::report::parse::to_text(&shown, &df));
            insta::assert_snapshot!("graph", dockopt::graph::to_mermaid(&graph));
        });
    }
}
