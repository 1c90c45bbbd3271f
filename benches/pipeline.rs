//! The pipeline after parsing: model + graph over every Dockerfile (corpus/
//! and ../shared/corpus when present), and `simulate` on each corpus/ folder
//! with its real context, for a one-file edit.
//!
//! `check`'s hot path too: every rule and the fix labelling on each file's
//! text, without the context (what `check --no-context` and
//! bench/check-vs-hadolint.sh run, minus process start and output).
//!
//! cargo bench --bench pipeline -- --warm-up-time 1 --measurement-time 3

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dockopt::change::{self, ChangeKind, ChangeSpec};
use std::hint::black_box;
use std::path::{Path, PathBuf};

fn dockerfiles() -> Vec<dockopt::syntax::Dockerfile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root.join("corpus"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() == "Dockerfile")
        .map(|e| e.into_path())
        .collect();
    if let Ok(dir) = std::fs::read_dir(root.join("../shared/corpus")) {
        paths.extend(dir.flatten().map(|e| e.path().join("Dockerfile")));
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .filter_map(|t| dockopt::syntax::parse(&t).ok())
        .collect()
}

fn model_graph(c: &mut Criterion) {
    let dfs = dockerfiles();
    let mut g = c.benchmark_group("model+graph");
    g.throughput(Throughput::Elements(dfs.len() as u64));
    g.bench_function(format!("{} files", dfs.len()), |b| {
        b.iter(|| {
            for df in &dfs {
                if let Ok(m) = dockopt::model::build(df, &Default::default()) {
                    black_box(dockopt::graph::build(df, &m));
                }
            }
        })
    });
    g.finish();
}

fn simulate(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut prepared = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("Dockerfile").is_file())
        .collect();
    dirs.sort();
    for dir in dirs {
        // Edit the Dockerfile itself: every context has it.
        let spec = ChangeSpec {
            context: Some(dir.clone()),
            kind: ChangeKind::Paths(vec!["Dockerfile".into()]),
            ..Default::default()
        };
        if let Ok(p) = change::prepare(&spec) {
            prepared.push(p);
        }
    }
    let mut g = c.benchmark_group("simulate");
    g.throughput(Throughput::Elements(prepared.len() as u64));
    g.bench_function(format!("{} corpus folders", prepared.len()), |b| {
        b.iter(|| {
            for p in &prepared {
                black_box(dockopt::cache::simulate(&p.before, &p.after));
            }
        })
    });
    g.finish();
}

/// `check --no-context` on every file's text: rules, then fix labelling.
fn check(c: &mut Criterion) {
    let texts: Vec<String> = dockerfiles().into_iter().map(|df| df.source).collect();
    let settings = dockopt::rules::config::Settings::default();
    let opts = dockopt::rules::engine::CheckOptions {
        label: Some(dockopt::rewrite::label),
        measure_context: false,
        extras: false,
        context: None,
    };
    let mut g = c.benchmark_group("check");
    g.throughput(Throughput::Elements(texts.len() as u64));
    g.bench_function(format!("{} files, no context", texts.len()), |b| {
        b.iter(|| {
            for t in &texts {
                black_box(dockopt::rules::engine::check_dockerfile(
                    Path::new("Dockerfile"),
                    "Dockerfile",
                    t,
                    &settings,
                    &opts,
                ));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, model_graph, simulate, check);
criterion_main!(benches);
