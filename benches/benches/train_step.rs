//! One training step (forward, backward, optimizer) of `fc` at batch 256, `conv` at batch
//! 128, and the small dense models at the seeds' small batches (`deep3` with a 256-unit
//! code at 64 as in the five-class protocol, `deep` at 32 as in the MNIST/Fashion section)
//! on random inputs, as the trainer runs it (`ae_train::step`); prints samples
//! per second from criterion's median.
#![allow(missing_docs, clippy::unwrap_used)]

use std::time::Duration;

use ae_models::{AnyAutoencoder, ModelConfig, Objective, OptimizerKind};
use ae_train::{BatchImages, batch_gradients};
use burn::optim::Optimizer;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::{Distribution, Tensor};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rand::SeedableRng;

/// The allocator of the `ae` binary, so the bench measures what training runs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench_step<B: AutodiffBackend>(
    c: &mut Criterion,
    backend: &str,
    model_name: &str,
    code: Option<usize>,
    batch: usize,
) {
    let device = B::Device::default();
    let mut model: AnyAutoencoder<B> = ModelConfig::named(model_name, code, 28, 28)
        .unwrap()
        .init(&device)
        .unwrap();
    let mut optim = OptimizerKind::Adam.init::<B, AnyAutoencoder<B>>();
    let x: Vec<f32> =
        Tensor::<B, 2>::random([batch, 784], Distribution::Uniform(0.0, 1.0), &device)
            .into_data()
            .to_vec()
            .unwrap();
    let images = BatchImages {
        clean: &x,
        noisy: None,
        pixels: 784,
    };
    let objective = Objective::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(0);
    let mut group = c.benchmark_group(format!("train_step/{backend}"));
    group.throughput(Throughput::Elements(batch as u64));
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(8));
    let code = code.map(|c| format!("-{c}")).unwrap_or_default();
    group.bench_function(format!("{model_name}{code}_b{batch}"), |b| {
        b.iter(|| {
            // The trainer's step: the batch split into shards where the model allows it.
            let step = batch_gradients(&model, &objective, images, &mut rng, &device);
            model = optim.step(1e-3, model.clone(), step.grads);
        })
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    type Flex = ae_train::DefaultBackend;
    bench_step::<Flex>(c, "flex", "fc", None, 256);
    bench_step::<Flex>(c, "flex", "conv", None, 128);
    bench_step::<Flex>(c, "flex", "deep3", Some(256), 64);
    bench_step::<Flex>(c, "flex", "deep", None, 32);
    #[cfg(feature = "ndarray")]
    {
        type Nd = burn::backend::Autodiff<burn::backend::NdArray>;
        bench_step::<Nd>(c, "ndarray", "fc", None, 256);
        bench_step::<Nd>(c, "ndarray", "conv", None, 128);
    }
}

criterion_group!(train, benches);
criterion_main!(train);
