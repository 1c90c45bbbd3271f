//! Throughput of `ContextTree::load` on a generated context: 5k files, ~100 MB, in nested
//! directories with a `.dockerignore` that prunes one subtree.

use std::fs;
use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use dockopt::context::ContextTree;

const FILES: usize = 5_000;
const FILE_SIZE: usize = 20 * 1024;

fn generate(root: &Path) -> u64 {
    let mut total = 0u64;
    for i in 0..FILES {
        let dir = root.join(format!("pkg{:02}/mod{:02}", i % 50, (i / 50) % 10));
        fs::create_dir_all(&dir).expect("bench setup: create dir");
        // Distinct content per file so nothing can be deduplicated by accident.
        let byte = (i % 251) as u8;
        let body = vec![byte; FILE_SIZE];
        fs::write(dir.join(format!("f{i}.bin")), body).expect("bench setup: write file");
        total += FILE_SIZE as u64;
    }
    fs::create_dir_all(root.join(".git/objects")).expect("bench setup: create .git");
    fs::write(root.join(".git/objects/pack"), vec![0u8; 1 << 20]).expect("bench setup");
    fs::write(root.join(".dockerignore"), ".git\n").expect("bench setup");
    total
}

fn bench_load(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("bench setup: tempdir");
    let bytes = generate(dir.path());
    let mut group = c.benchmark_group("context_hash");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes));
    group.bench_function("load_5k_files_100MB", |b| {
        b.iter(|| {
            let tree = ContextTree::load(dir.path(), None).expect("load");
            assert_eq!(tree.file_count(), FILES + 1);
            tree
        })
    });
    group.finish();
}

criterion_group!(benches, bench_load);
criterion_main!(benches);
