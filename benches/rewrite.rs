//! Fix throughput: each corpus/ Dockerfile with its context, and the whole shared corpus.

use criterion::{criterion_group, criterion_main, Criterion};
use dockopt::rewrite::{self, Settings};
use std::path::{Path, PathBuf};

fn dockerfiles(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() == "Dockerfile")
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

fn bench(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let settings = Settings::default();
    let mut g = c.benchmark_group("rewrite_corpus");
    for df in dockerfiles(&root.join("corpus")) {
        let name = df
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let text = std::fs::read_to_string(&df).unwrap();
        g.bench_function(&name, |b| {
            b.iter(|| rewrite::fix_file(&text, &df, None, &settings).ok())
        });
    }
    g.finish();
    let shared = root.join("../shared/corpus");
    if shared.is_dir() {
        let files: Vec<(String, PathBuf)> = dockerfiles(&shared)
            .into_iter()
            .filter_map(|p| Some((std::fs::read_to_string(&p).ok()?, p)))
            .collect();
        let unsafe_settings = Settings {
            unsafe_fixes: true,
            ..Settings::default()
        };
        let mut g = c.benchmark_group("rewrite_shared");
        g.sample_size(10);
        g.bench_function("all_safe", |b| {
            b.iter(|| {
                for (t, p) in &files {
                    let _ = rewrite::fix_file(t, p, None, &settings);
                }
            })
        });
        g.bench_function("all_unsafe", |b| {
            b.iter(|| {
                for (t, p) in &files {
                    let _ = rewrite::fix_file(t, p, None, &unsafe_settings);
                }
            })
        });
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
