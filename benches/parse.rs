//! Parse speed: ours vs `parse-dockerfile` vs `dockerfile-parser` (the
//! baseline it replaces), files held in memory, one iteration = parse every
//! file of the set once. Throughput is in files, so criterion's `elem/s` is
//! files per second; time / files is µs per file.
//!
//! Sets: `all` = corpus/ plus ../shared/corpus when present; `dp-subset` =
//! the files `dockerfile-parser` parses (it fails on heredocs, BOM, escape=`
//! and more), so the three can be compared on equal input.
//!
//! cargo bench --bench parse -- --warm-up-time 1 --measurement-time 3

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

fn files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut paths: Vec<PathBuf> = walkdir::WalkDir::new(root.join("corpus"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() == "Dockerfile")
        .map(|e| e.into_path())
        .collect();
    let shared = root.join("../shared/corpus");
    if let Ok(dir) = std::fs::read_dir(&shared) {
        paths.extend(dir.flatten().map(|e| e.path().join("Dockerfile")));
    }
    paths.sort();
    paths
        .into_iter()
        .filter_map(|p| std::fs::read_to_string(p).ok())
        .collect()
}

fn bench(c: &mut Criterion) {
    let all = files();
    let dp: Vec<&String> = all
        .iter()
        .filter(|t| dockerfile_parser::Dockerfile::parse(t).is_ok())
        .collect();
    let ours_ok = all
        .iter()
        .filter(|t| dockopt::syntax::parse(t).is_ok())
        .count();
    let pd_ok = all
        .iter()
        .filter(|t| parse_dockerfile::parse(t).is_ok())
        .count();
    let bytes: usize = all.iter().map(|t| t.len()).sum();
    eprintln!(
        "parse bench: {} files ({} KB); parse without error: dockopt {ours_ok}, parse-dockerfile {pd_ok}, dockerfile-parser {}",
        all.len(),
        bytes / 1024,
        dp.len()
    );

    let mut g = c.benchmark_group("all");
    g.throughput(Throughput::Elements(all.len() as u64));
    g.bench_function("dockopt", |b| {
        b.iter(|| {
            for t in &all {
                let _ = black_box(dockopt::syntax::parse(black_box(t)));
            }
        })
    });
    g.bench_function("parse-dockerfile", |b| {
        b.iter(|| {
            for t in &all {
                let _ = black_box(parse_dockerfile::parse(black_box(t)));
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group("dp-subset");
    g.throughput(Throughput::Elements(dp.len() as u64));
    g.bench_function("dockopt", |b| {
        b.iter(|| {
            for t in &dp {
                let _ = black_box(dockopt::syntax::parse(black_box(t)));
            }
        })
    });
    g.bench_function("parse-dockerfile", |b| {
        b.iter(|| {
            for t in &dp {
                let _ = black_box(parse_dockerfile::parse(black_box(t)));
            }
        })
    });
    g.bench_function("dockerfile-parser", |b| {
        b.iter(|| {
            for t in &dp {
                let _ = black_box(dockerfile_parser::Dockerfile::parse(black_box(t)));
            }
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
