//! PCA fit on the 60k x 784 MNIST training images (needs `AE_DATA_DIR`).
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use ae_analysis::{PcaParams, Samples};
use ae_data::{DatasetKind, Split, load_split};
use criterion::{Criterion, criterion_group, criterion_main};

fn bench(c: &mut Criterion) {
    let Some(dir) = benches::mnist_dir() else {
        return;
    };
    let train = load_split(&dir, DatasetKind::Mnist, Split::Train)
        .unwrap()
        .set;
    let values = train.to_f32();
    let samples = Samples::new(&values, train.len(), 784).unwrap();
    let mut group = c.benchmark_group("pca");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("fit_mnist_60k_x_784_k32", |b| {
        b.iter(|| PcaParams::new(32).fit(&samples).unwrap())
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
