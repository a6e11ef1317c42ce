//! The fused kernels of `ae_models::kernels` against burn's own operations on the same
//! backend (`Autodiff<Flex>`), forward and backward, at the conv model's shapes:
//! - conv, the conv autoencoder's five 3x3 layers at batch 128: `enc1` (1 -> 16 channels,
//!   28x28), `enc2` (16 -> 8, 14x14), `dec1` (8 -> 8, 7x7), `dec2` (8 -> 16, 14x14), `dec3`
//!   (16 -> 1, 28x28);
//! - max-pool 2x2 of `[128, 16, 28, 28]`;
//! - BCE from logits of `[256, 784]`.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use ae_models::kernels::{bce_with_logits, composed_bce_with_logits, conv2d};
use ae_train::DefaultBackend;
use burn::tensor::module::{conv2d as burn_conv2d, max_pool2d as burn_max_pool2d};
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Distribution, Tensor};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};

type B = DefaultBackend;

/// The allocator of the `ae` binary, so the kernels run as in training.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn random<const D: usize>(shape: [usize; D]) -> Tensor<B, D> {
    Tensor::random(shape, Distribution::Uniform(-1.0, 1.0), &Default::default())
}

fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5));
    group
}

fn conv(c: &mut Criterion) {
    let mut group = group(c, "kernels/conv2d_forward_backward");
    let layers = [
        ("enc1", 1, 16, 28),
        ("enc2", 16, 8, 14),
        ("dec1", 8, 8, 7),
        ("dec2", 8, 16, 14),
        ("dec3", 16, 1, 28),
    ];
    for (name, c_in, c_out, side) in layers {
        let batch = 128;
        let x = random([batch, c_in, side, side]).require_grad();
        let w = random([c_out, c_in, 3, 3]).require_grad();
        let b = random([c_out]).require_grad();
        let options = || ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
        group.bench_function(format!("{name}/fused"), |bench| {
            bench.iter(|| {
                let y = conv2d(x.clone(), w.clone(), b.clone(), options());
                y.sum().backward()
            })
        });
        group.bench_function(format!("{name}/burn"), |bench| {
            bench.iter(|| {
                let y = burn_conv2d(x.clone(), w.clone(), Some(b.clone()), options());
                y.sum().backward()
            })
        });
    }
    group.finish();
}

fn pool(c: &mut Criterion) {
    let mut group = group(c, "kernels/max_pool2x2_forward_backward");
    let x = random([128, 16, 28, 28]).require_grad();
    let layer = burn::nn::pool::MaxPool2dConfig::new([2, 2]).init();
    group.bench_function("fused", |bench| {
        bench.iter(|| {
            ae_models::kernels::max_pool2d_layer(&layer, x.clone())
                .sum()
                .backward()
        })
    });
    group.bench_function("burn", |bench| {
        bench.iter(|| {
            burn_max_pool2d(x.clone(), [2, 2], [2, 2], [0, 0], [1, 1], false)
                .sum()
                .backward()
        })
    });
    group.finish();
}

fn bce(c: &mut Criterion) {
    let mut group = group(c, "kernels/bce_with_logits_forward_backward");
    let z = random([256, 784]).require_grad();
    let t = random([256, 784]).abs();
    group.bench_function("fused", |bench| {
        bench.iter(|| bce_with_logits(z.clone(), t.clone()).backward())
    });
    group.bench_function("burn", |bench| {
        bench.iter(|| composed_bce_with_logits(z.clone(), t.clone()).backward())
    });
    group.finish();
}

criterion_group!(kernels, conv, pool, bce);
criterion_main!(kernels);
