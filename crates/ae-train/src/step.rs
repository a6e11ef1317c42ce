//! Loss and gradients of one training batch, computed on two shards in parallel where
//! the objective allows it.
//!
//! burn's CPU operations parallelise inside each matrix product (and the conv model's
//! kernels over a batch's images), but the seeds' models are small: a batch of 64 to 256
//! spends much of its time in element-wise work, small products and autodiff bookkeeping
//! that run on one core, and each parallel kernel ends in a join of the cores (`fc` kept
//! 1.4 of 2 cores busy, `conv` 1.8). Splitting the batch into two shards, each with its own autodiff graph on its
//! own core, and adding their gradients keeps both cores busy, as data-parallel training
//! does across devices. The split depends only on the batch size, never on the thread
//! count, so results stay the same on one core and on many.

use ae_data::{ImageSet, flat_tensor, gathered};
use ae_models::{AnyAutoencoder, Objective};
use burn::module::{AutodiffModule, Module, ModuleVisitor, Param};
use burn::optim::GradientsParams;
use burn::tensor::backend::AutodiffBackend;
use burn::tensor::backend::Backend;
use burn::tensor::{ElementConversion, Tensor, TensorData};
use rand::rngs::StdRng;
use std::cell::RefCell;
use std::sync::Arc;

/// Smallest shard given its own graph: batches of 64 and more are split. Each shard
/// copies the parameters and builds a graph of its own; since each shard runs on a pool
/// of its own (see `in_parallel`), that pays from shards of 32 up.
/// Criterion medians of `cargo bench --bench train_step` (2026-12-01, 2-core Xeon, whole
/// against split, alternated): `deep3-256` b64 5.37, 5.68, 5.14, 5.53, 6.02 ms against
/// 4.61, 3.93, 4.24, 3.93, 5.06; `deep` b32, split in shards of 16, 1.45, 1.48, 1.48, 1.63
/// against 1.30, 1.40, 1.57, 1.94 (no gain, so it stays whole). Before the pools, both
/// shards fanned their kernels out to the one global pool and the split paid only from
/// batch 256 on.
pub const MIN_SHARD_IMAGES: usize = 32;

/// Images of one batch: the clean targets and, when denoising, the corrupted inputs.
#[derive(Debug, Clone, Copy)]
pub struct BatchImages<'a> {
    /// Targets, `images x pixels` values.
    pub clean: &'a [f32],
    /// Inputs when they differ from the targets (denoising), same length as `clean`.
    pub noisy: Option<&'a [f32]>,
    /// Pixels per image.
    pub pixels: usize,
}

impl<'a> BatchImages<'a> {
    /// Images in the batch.
    pub fn len(&self) -> usize {
        self.clean.len() / self.pixels.max(1)
    }

    /// Whether the batch holds no image.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first `images` images and the rest.
    fn split_at(self, images: usize) -> (Self, Self) {
        let at = images * self.pixels;
        let (a, b) = self.clean.split_at(at);
        let (na, nb) = self.noisy.map(|x| x.split_at(at)).unzip();
        (
            BatchImages {
                clean: a,
                noisy: na,
                ..self
            },
            BatchImages {
                clean: b,
                noisy: nb,
                ..self
            },
        )
    }
}

/// A batch's images as its shards read them: values already scaled (and corrupted, when
/// denoising), or the dataset and the batch's indices, which each shard scales for itself
/// on its own thread, straight into its input tensor's buffer. Gathered on the training
/// thread, the scaling of 256 `fc` images kept both shard threads waiting for it at every
/// step (`perf sched timehist`, 2026-12-02).
#[derive(Debug, Clone, Copy)]
pub(crate) enum BatchSource<'a> {
    /// Scaled values.
    Values(BatchImages<'a>),
    /// The images of `set` at `indices` (inputs and targets alike).
    Indexed {
        set: &'a ImageSet,
        indices: &'a [usize],
    },
}

impl<'a> BatchSource<'a> {
    /// Images in the batch.
    pub(crate) fn len(&self) -> usize {
        match self {
            BatchSource::Values(images) => images.len(),
            BatchSource::Indexed { indices, .. } => indices.len(),
        }
    }

    /// The first `images` images and the rest.
    fn split_at(self, images: usize) -> (Self, Self) {
        match self {
            BatchSource::Values(values) => {
                let (a, b) = values.split_at(images);
                (BatchSource::Values(a), BatchSource::Values(b))
            }
            BatchSource::Indexed { set, indices } => {
                let (a, b) = indices.split_at(images);
                (
                    BatchSource::Indexed { set, indices: a },
                    BatchSource::Indexed { set, indices: b },
                )
            }
        }
    }

    /// The `[images, pixels]` input and target tensors (one tensor when they are equal).
    fn tensors<B: Backend>(&self, device: &B::Device) -> (Tensor<B, 2>, Tensor<B, 2>) {
        match *self {
            BatchSource::Values(images) => {
                let (n, pixels) = (images.len(), images.pixels);
                let target = flat_tensor::<B>(images.clean, n, pixels, device);
                let input = match images.noisy {
                    Some(noisy) => flat_tensor::<B>(noisy, n, pixels, device),
                    None => target.clone(),
                };
                (input, target)
            }
            BatchSource::Indexed { set, indices } => {
                let shape = [indices.len(), set.pixels_per_image()];
                let values = TensorData::new(gathered(set, indices), shape);
                let target = Tensor::<B, 2>::from_data(values, device);
                (target.clone(), target)
            }
        }
    }
}

impl<'a> From<BatchImages<'a>> for BatchSource<'a> {
    fn from(images: BatchImages<'a>) -> Self {
        BatchSource::Values(images)
    }
}

/// The batch's mean loss and the gradients of every parameter.
pub struct BatchGradients {
    /// Mean total loss over the batch's images.
    pub loss: f64,
    /// Gradients keyed by parameter, ready for `Optimizer::step`.
    pub grads: GradientsParams,
}

/// How many shards a batch of `images` is split into (1 or 2): two when the objective is a
/// mean over images, for every model. The conv model's kernels parallelise over a batch's
/// images too, but then every kernel ends in a join of both cores and the autodiff graph's
/// serial bookkeeping leaves the other core idle; two shards, each with its kernels inline
/// on its own core, took 3.3 s per epoch instead of 4.0 (`ae train --model conv --batch
/// 128 --epochs 2 --json`, 2026-12-02, alternated: 4.00, 3.99 against 3.42, 3.31; CPU/wall
/// over the epochs 1.8 against 1.9).
pub fn shard_count(objective: &Objective, images: usize) -> usize {
    if objective.is_mean_over_images() && images >= 2 * MIN_SHARD_IMAGES {
        2
    } else {
        1
    }
}

/// Loss and gradients of `model` on the whole of `batch` at once, on the calling thread.
pub fn whole_batch_gradients<B: AutodiffBackend>(
    model: &AnyAutoencoder<B>,
    objective: &Objective,
    batch: BatchImages<'_>,
    rng: &mut StdRng,
    device: &B::Device,
) -> BatchGradients {
    whole_source_gradients(model, objective, batch.into(), rng, device)
}

/// [`whole_batch_gradients`] of a [`BatchSource`].
pub(crate) fn whole_source_gradients<B: AutodiffBackend>(
    model: &AnyAutoencoder<B>,
    objective: &Objective,
    batch: BatchSource<'_>,
    rng: &mut StdRng,
    device: &B::Device,
) -> BatchGradients {
    let noise = objective.draw_noise(model, batch.len(), rng);
    shard_gradients(model, objective, batch, 1.0, noise, device)
}

/// Loss and gradients of `model` on `batch`, split over two threads where the objective
/// and batch allow it (a loss that is a mean over images, batches of `2 x`
/// [`MIN_SHARD_IMAGES`] and more); `rng` draws the VAE's samples.
pub fn batch_gradients<B: AutodiffBackend>(
    model: &AnyAutoencoder<B>,
    objective: &Objective,
    batch: BatchImages<'_>,
    rng: &mut StdRng,
    device: &B::Device,
) -> BatchGradients {
    let ShardGradients { loss, grads } =
        sharded_gradients(model, objective, batch.into(), rng, device);
    let grads = match grads {
        Shards::One(grads) => grads,
        Shards::Two(mut into, mut from) => {
            on_a_pool_thread(|| {
                model.visit(&mut AddGradients::<B> {
                    into: &mut into,
                    from: &mut from,
                    backend: std::marker::PhantomData,
                })
            });
            into
        }
    };
    BatchGradients { loss, grads }
}

/// A batch's mean loss and its gradients as the shards left them, not yet added.
pub(crate) struct ShardGradients {
    /// Mean total loss over the batch's images.
    pub loss: f64,
    /// The gradients of one or two shards.
    pub grads: Shards,
}

/// Gradients of a whole batch, or of its two shards (each scaled by its share).
pub(crate) enum Shards {
    One(GradientsParams),
    Two(GradientsParams, GradientsParams),
}

/// [`batch_gradients`] without the sum of the two shards' gradients, which
/// [`crate::update::step_in_halves`] does on the shard threads.
pub(crate) fn sharded_gradients<'a, B: AutodiffBackend>(
    model: &AnyAutoencoder<B>,
    objective: &Objective,
    batch: BatchSource<'a>,
    rng: &mut StdRng,
    device: &B::Device,
) -> ShardGradients {
    let images = batch.len();
    if shard_count(objective, images) == 1 {
        let BatchGradients { loss, grads } =
            whole_source_gradients(model, objective, batch, rng, device);
        return ShardGradients {
            loss,
            grads: Shards::One(grads),
        };
    }
    let (a, b) = batch.split_at(images.div_ceil(2));
    // The random numbers (a VAE's noise) are drawn for the whole batch, image after
    // image, and each shard gets its images' share: the same draws as the whole batch.
    let mut noise_a = objective.draw_noise(model, images, rng);
    let noise_b = noise_a
        .as_mut()
        .map(|noise| noise.split_off(noise.len() / images * a.len()));
    // Each shard gets fresh leaves (`from_inner`), so the two graphs share no node and
    // backpropagate without a common lock.
    let job = |shard: BatchSource<'a>, noise: Option<Vec<f32>>| {
        let replica = AnyAutoencoder::<B>::from_inner(model.valid());
        let (share, device) = (shard.len() as f64 / images as f64, device.clone());
        move || shard_gradients(&replica, objective, shard, share, noise, &device)
    };
    let (first, second) = (job(a, noise_a), job(b, noise_b));
    let (ga, gb) = in_parallel(first, second);
    ShardGradients {
        loss: ga.loss + gb.loss,
        grads: Shards::Two(ga.grads, gb.grads),
    }
}

/// Runs `work` on a thread of the current rayon pool (in place when called from one).
///
/// Each parallel kernel called from outside the pool is injected into it and wakes a
/// sleeping worker, and the caller sleeps until it is done: one futex round trip per
/// kernel. The gradient sums and the optimizer step run one large kernel per parameter
/// tensor; run from a worker, they push their chunks onto its own queue, where the other
/// worker, still spinning from the last chunk, steals them without being woken.
pub fn on_a_pool_thread<T: Send>(work: impl FnOnce() -> T + Send) -> T {
    rayon::scope(|_| work())
}

/// Runs `first` and `second` at once, each on a pool of its own with half the calling
/// pool's threads (one each on two cores), so each shard's kernels (which fan out to the
/// current rayon pool) run on its own cores instead of both shards queueing small kernels
/// on one shared pool. Without the pools (they could not be built), on the calling thread
/// and a scoped one.
///
/// The pools belong to the calling thread, so trainings running at once never share
/// them. burn's autodiff holds a graph's lock through its backward pass, and every
/// backward ends by locking each live graph to clean it up. Were a backward to run on a
/// pool that another graph's kernels need, it could wait for that graph's lock while the
/// graph's holder waited for the pool: with two trainings' shards on the global pool,
/// both workers blocked and the process hung. A shard pool only ever runs its shard's
/// job and that job's kernels, then its half of the optimizer step
/// ([`crate::update::step_in_halves`]), which runs no backward pass.
///
/// Called from the first pool's thread while it runs a step for [`on_shard_threads`],
/// `first` runs there in place and only `second` goes to the other pool.
///
/// On a pool of one thread (a job of [`crate::run_jobs_on`], which gives each training
/// a core of its own, or a one-core machine), both run on the calling thread, one after
/// the other: each shard's results do not depend on the thread it runs on, so the bits
/// are the same, and no second thread crowds a core another job owns.
pub(crate) fn in_parallel<T, F, G>(first: F, second: G) -> (T, T)
where
    T: Send,
    F: FnOnce() -> T + Send,
    G: FnOnce() -> T + Send,
{
    if let Some(pools) = DRIVING_PAIR.with(|pair| pair.borrow().clone()) {
        return alongside(&pools[1], first, second);
    }
    if rayon::current_num_threads() == 1 {
        let first = first();
        return (first, second());
    }
    let Some(pools) = shard_pools() else {
        return std::thread::scope(|scope| {
            let second = scope.spawn(second);
            let first = first();
            let second = second
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (first, second)
        });
    };
    let [pool_a, pool_b] = &*pools;
    alongside(pool_b, || pool_a.install(first), second)
}

/// Runs `first` on the calling thread while `second` runs on `pool`.
fn alongside<T, F, G>(pool: &rayon::ThreadPool, first: F, second: G) -> (T, T)
where
    T: Send,
    F: FnOnce() -> T + Send,
    G: FnOnce() -> T + Send,
{
    let mut second_result = None;
    let first_result = pool.in_place_scope(|scope| {
        scope.spawn(|_| second_result = Some(second()));
        first()
    });
    let second_result = second_result.expect("a rayon scope waits for the jobs it spawned");
    (first_result, second_result)
}

/// Shard pools of the calling thread, each holding this many threads.
type ShardPools = (usize, Arc<[rayon::ThreadPool; 2]>);

thread_local! {
    static SHARD_POOLS: RefCell<Option<ShardPools>> = const { RefCell::new(None) };
    /// Set on the first shard pool's thread while it runs a step for [`on_shard_threads`]:
    /// the pools of the thread that called it.
    static DRIVING_PAIR: RefCell<Option<Arc<[rayon::ThreadPool; 2]>>> = const { RefCell::new(None) };
}

/// Runs `step` (an epoch's batches: their sharded gradients and optimizer steps) on the
/// first shard pool's thread, where [`in_parallel`] runs its first job in place and sends
/// only the second to the other pool; on the calling thread where [`in_parallel`] would
/// run both there, or where that thread already runs such a job (a nested call).
///
/// Called from the training thread, each [`in_parallel`] sends a job to each pool and puts
/// the training thread to sleep until both are done: two wake-ups of the training thread
/// per batch, each leaving both cores without work while it is scheduled.
pub(crate) fn on_shard_threads<T: Send>(step: impl FnOnce() -> T + Send) -> T {
    let driving = DRIVING_PAIR.with(|pair| pair.borrow().is_some());
    if driving || rayon::current_num_threads() == 1 {
        return step();
    }
    let Some(pools) = shard_pools() else {
        return step();
    };
    let pair = Arc::clone(&pools);
    pools[0].install(move || {
        /// Clears the pair when the step ends, even by a panic.
        struct Driving;
        impl Drop for Driving {
            fn drop(&mut self) {
                DRIVING_PAIR.with(|pair| pair.borrow_mut().take());
            }
        }
        DRIVING_PAIR.with(|slot| *slot.borrow_mut() = Some(pair));
        let _driving = Driving;
        step()
    })
}

/// The calling thread's two shard pools, each with half the current pool's threads (at
/// least one), built on first use and rebuilt when that count changes; each pinned to
/// CPUs of its own where the process has enough (see [`crate::affinity`]).
fn shard_pools() -> Option<Arc<[rayon::ThreadPool; 2]>> {
    let threads = (rayon::current_num_threads() / 2).max(1);
    SHARD_POOLS.with(|cell| {
        if let Some((size, pools)) = &*cell.borrow()
            && *size == threads
        {
            return Some(Arc::clone(pools));
        }
        let cpus = crate::affinity::pool_cpus(2, threads);
        let pool = |shard: usize| {
            let builder = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .thread_name(move |i| format!("ae-shard-{shard}-{i}"));
            let cpus = cpus.as_ref().map(|cpus| cpus[shard].clone());
            crate::affinity::pinned(builder, cpus).build().ok()
        };
        let pools = Arc::new([pool(0)?, pool(1)?]);
        *cell.borrow_mut() = Some((threads, Arc::clone(&pools)));
        Some(pools)
    })
}

/// Loss of one shard, scaled by its `share` of the batch, and its gradients.
fn shard_gradients<B: AutodiffBackend>(
    model: &AnyAutoencoder<B>,
    objective: &Objective,
    shard: BatchSource<'_>,
    share: f64,
    noise: Option<Vec<f32>>,
    device: &B::Device,
) -> BatchGradients {
    let (input, target) = shard.tensors::<B>(device);
    let loss: Tensor<B, 1> = objective
        .batch_loss_with_noise(model, input, target, noise)
        .total;
    let value: f64 = loss.clone().into_scalar().elem();
    let loss = if share == 1.0 {
        loss
    } else {
        loss.mul_scalar(share)
    };
    BatchGradients {
        loss: value * share,
        grads: GradientsParams::from_grads(loss.backward(), model),
    }
}

/// Adds each parameter's gradient in `from` to the one in `into`.
pub(crate) struct AddGradients<'a, B> {
    pub into: &'a mut GradientsParams,
    pub from: &'a mut GradientsParams,
    pub backend: std::marker::PhantomData<B>,
}

impl<B: AutodiffBackend> ModuleVisitor<B> for AddGradients<'_, B> {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
        let Some(from) = self.from.remove::<B::InnerBackend, D>(param.id) else {
            return;
        };
        let sum = match self.into.remove::<B::InnerBackend, D>(param.id) {
            Some(into) => ae_models::kernels::add_in_place(into, from),
            None => from,
        };
        self.into.register(param.id, sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ae_models::{ModelConfig, ReconstructionLoss, Sparsity};
    use burn::backend::{Autodiff, Flex};
    use rand::{RngExt, SeedableRng};

    type B = Autodiff<Flex>;

    /// Every parameter's gradient, flattened, in visiting order.
    struct Collect<'a>(&'a GradientsParams, Vec<Vec<f32>>);

    impl ModuleVisitor<B> for Collect<'_> {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<B, D>>) {
            let grad = self
                .0
                .get::<Flex, D>(param.id)
                .expect("every parameter has a gradient");
            self.1
                .push(grad.into_data().to_vec::<f32>().expect("f32 gradient"));
        }
    }

    fn model(name: &str) -> AnyAutoencoder<B> {
        // The conv model's code size is fixed.
        let code = (name != "conv").then_some(8);
        ModelConfig::named(name, code, 28, 28)
            .unwrap()
            .init(&Default::default())
            .unwrap()
    }

    fn images(n: usize, phase: f32) -> Vec<f32> {
        (0..n * 784)
            .map(|i| ((i as f32 * 0.37 + phase).sin() * 0.5 + 0.5).clamp(0.0, 1.0))
            .collect()
    }

    fn grads_of(model: &AnyAutoencoder<B>, g: &GradientsParams) -> Vec<Vec<f32>> {
        let mut c = Collect(g, Vec::new());
        model.visit(&mut c);
        c.1
    }

    #[test]
    fn shards_that_scale_their_own_images_give_the_gathered_batch_bits() {
        // Odd, so the two shards differ in size; indices out of order and repeated.
        let n = 2 * MIN_SHARD_IMAGES + 3;
        let bytes: Vec<u8> = (0..n * 784).map(|i| (i * 7 % 256) as u8).collect();
        let set = ImageSet::new(bytes, vec![0; n], 28, 28).expect("a valid image set");
        let indices: Vec<usize> = (0..n).map(|i| (i * 5 + 3) % n).chain([0]).collect();
        let mut buffer = ae_data::BatchBuffer::new();
        let clean = buffer.gather(&set, &indices).to_vec();
        for name in ["fc", "conv"] {
            let model = model(name);
            let gradients = |batch: BatchSource<'_>| {
                let rng = &mut StdRng::seed_from_u64(0);
                let sharded = sharded_gradients(
                    &model,
                    &Objective::default(),
                    batch,
                    rng,
                    &Default::default(),
                );
                let Shards::Two(first, second) = sharded.grads else {
                    panic!("{name}: a batch of {} images is split", indices.len());
                };
                (
                    sharded.loss,
                    grads_of(&model, &first),
                    grads_of(&model, &second),
                )
            };
            let gathered = gradients(BatchSource::Values(BatchImages {
                clean: &clean,
                noisy: None,
                pixels: 784,
            }));
            let indexed = gradients(BatchSource::Indexed {
                set: &set,
                indices: &indices,
            });
            assert_eq!(gathered.0.to_bits(), indexed.0.to_bits(), "{name}: loss");
            assert_eq!(gathered.1, indexed.1, "{name}: first shard's gradients");
            assert_eq!(gathered.2, indexed.2, "{name}: second shard's gradients");
        }
    }

    #[test]
    fn two_shards_give_the_whole_batch_loss_and_gradients() {
        let l1 = Objective {
            sparse: Some(Sparsity::L1 { lambda: 1e-3 }),
            ..Objective::default()
        };
        let contractive = Objective {
            contractive: Some(1e-2),
            ..Objective::default()
        };
        let mse = Objective {
            loss: ReconstructionLoss::Mse,
            ..Objective::default()
        };
        // Odd, so the two shards differ in size.
        let n = 2 * MIN_SHARD_IMAGES + 3;
        let (clean, noisy) = (images(n, 0.0), images(n, 1.3));
        let cases = [
            ("deep", Objective::default(), None),
            ("shallow", l1, None),
            ("logistic", contractive, None),
            ("deep", mse, Some(noisy.as_slice())),
            ("vae", Objective::default(), None),
            ("conv", Objective::default(), None),
        ];
        for (name, objective, noisy) in cases {
            let model = model(name);
            let batch = BatchImages {
                clean: &clean,
                noisy,
                pixels: 784,
            };
            assert_eq!(shard_count(&objective, batch.len()), 2, "{name}");
            let (mut rng_whole, mut rng_sharded) =
                (StdRng::seed_from_u64(0), StdRng::seed_from_u64(0));
            let whole = whole_batch_gradients(
                &model,
                &objective,
                batch,
                &mut rng_whole,
                &Default::default(),
            );
            let sharded = batch_gradients(
                &model,
                &objective,
                batch,
                &mut rng_sharded,
                &Default::default(),
            );
            assert_eq!(
                rng_whole.random::<u64>(),
                rng_sharded.random::<u64>(),
                "{name}: the split batch leaves its generator where the whole batch does"
            );
            assert!(
                (whole.loss - sharded.loss).abs() <= 1e-6 * whole.loss.abs(),
                "{name}: {} vs {}",
                whole.loss,
                sharded.loss
            );
            let (w, s) = (
                grads_of(&model, &whole.grads),
                grads_of(&model, &sharded.grads),
            );
            assert_eq!(w.len(), s.len());
            for (i, (w, s)) in w.iter().zip(&s).enumerate() {
                let scale = w.iter().fold(0.0f32, |m, x| m.max(x.abs()));
                let diff = w
                    .iter()
                    .zip(s)
                    .fold(0.0f32, |m, (a, b)| m.max((a - b).abs()));
                assert!(
                    scale > 0.0 && diff <= 1e-5 * scale,
                    "{name} parameter {i}: max diff {diff} of {scale}"
                );
            }
        }
    }

    #[test]
    fn per_image_objectives_of_two_minimum_shards_split() {
        let kl = Objective {
            sparse: Some(Sparsity::Kl {
                rho: 0.05,
                beta: 1.0,
            }),
            ..Objective::default()
        };
        let plain = Objective::default();
        assert_eq!(shard_count(&plain, 256), 2);
        assert_eq!(shard_count(&plain, 2 * MIN_SHARD_IMAGES), 2);
        assert_eq!(shard_count(&plain, 2 * MIN_SHARD_IMAGES - 1), 1);
        assert_eq!(
            shard_count(&kl, 256),
            1,
            "the KL penalty couples the batch's images"
        );
    }

    /// A pool of `threads` threads, for the shard pools built from inside it.
    fn pool_of(threads: usize) -> rayon::ThreadPool {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .expect("a thread pool")
    }

    /// The calling thread's name.
    fn thread_name() -> String {
        std::thread::current()
            .name()
            .unwrap_or("unnamed")
            .to_string()
    }

    #[test]
    fn a_step_on_the_shard_threads_runs_each_shard_on_its_own_pool() {
        let pool = pool_of(2);
        let (outside, step) = pool.install(|| {
            let outside = in_parallel(thread_name, thread_name);
            let step = on_shard_threads(|| {
                let first_round = in_parallel(thread_name, thread_name);
                let second_round = in_parallel(thread_name, thread_name);
                (first_round, second_round)
            });
            (outside, step)
        });
        let shards = ("ae-shard-0-0".to_string(), "ae-shard-1-0".to_string());
        assert_eq!(outside, shards);
        assert_eq!(step, (shards.clone(), shards));
    }

    #[test]
    fn steps_inside_a_job_on_the_shard_threads_run_in_place_and_still_split() {
        // Two threads give shard pools of one, four give pools of two.
        for threads in [2, 4] {
            let pool = pool_of(threads);
            let where_it_ran = || (std::thread::current().id(), thread_name());
            let (epoch_thread, steps, after_the_steps) = pool.install(|| {
                on_shard_threads(|| {
                    let steps: Vec<_> = (0..2)
                        .map(|_| {
                            on_shard_threads(|| {
                                (where_it_ran(), in_parallel(thread_name, thread_name))
                            })
                        })
                        .collect();
                    (where_it_ran(), steps, in_parallel(thread_name, thread_name))
                })
            });
            let split_over_both = |(first, second): &(String, String)| {
                first.starts_with("ae-shard-0-") && second.starts_with("ae-shard-1-")
            };
            assert!(
                epoch_thread.1.starts_with("ae-shard-0-"),
                "{threads}: {epoch_thread:?}"
            );
            for (step_thread, split) in &steps {
                assert_eq!(step_thread.0, epoch_thread.0, "{threads}: {steps:?}");
                assert!(split_over_both(split), "{threads}: {steps:?}");
            }
            // The steps' end does not end the job that holds them.
            assert!(
                split_over_both(&after_the_steps),
                "{threads}: {after_the_steps:?}"
            );
        }
    }

    #[test]
    fn a_step_that_panics_leaves_its_thread_as_it_found_it() {
        let pool = pool_of(2);
        pool.install(|| {
            let panicked = std::panic::catch_unwind(|| on_shard_threads(|| panic!("a step")));
            assert!(panicked.is_err());
            let pools = shard_pools().expect("the shard pools");
            let driving = pools[0].install(|| DRIVING_PAIR.with(|pair| pair.borrow().is_some()));
            assert!(!driving, "the first shard's thread still runs a step");
            // The next step runs as before.
            let step = on_shard_threads(|| in_parallel(thread_name, thread_name));
            assert_eq!(step.1, "ae-shard-1-0");
        });
    }
}
