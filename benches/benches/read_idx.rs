//! Reading and decoding the MNIST training images from `.gz`, next to `gzip -dc`
//! on the same file (decompression is the floor). Needs `AE_DATA_DIR`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use ae_data::file_path;
use ae_data::{DatasetKind, FileRole};
use criterion::{Criterion, criterion_group, criterion_main};

fn gzip_dc_median(path: &PathBuf, runs: usize) -> Option<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let out = Command::new("gzip").arg("-dc").arg(path).output().ok()?;
        if !out.status.success() {
            return None;
        }
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Some(times[times.len() / 2])
}

fn bench(c: &mut Criterion) {
    let Some(dir) = benches::mnist_dir() else {
        return;
    };
    let path = file_path(&dir, DatasetKind::Mnist, FileRole::TrainImages);
    let mut group = c.benchmark_group("idx");
    group.sample_size(20);
    group.bench_function("read_mnist_train_images_gz", |b| {
        b.iter(|| ae_data::read_images(&path).unwrap())
    });
    group.finish();
    if let Some(floor) = gzip_dc_median(&path, 11) {
        println!(
            "gzip -dc {} : median {:.1} ms over 11 runs (the floor)",
            path.display(),
            floor * 1e3
        );
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
