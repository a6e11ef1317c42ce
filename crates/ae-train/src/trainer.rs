//! The training loop: seeded shuffling and noise, Keras-style loss reporting, a
//! validation pass per epoch (its batches in parallel; the conv model's while the next
//! epoch trains, in the cores' idle time), an atomic checkpoint per epoch
//! (written while the next epoch trains), exact resume.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ae_data::{BatchBuffer, Dataset, ImageSet, flat_tensor, shuffled_indices};
use ae_io::write_atomic;
use ae_models::AnyAutoencoder;
use burn::module::{AutodiffModule, Module};
use burn::optim::Optimizer;
use burn::tensor::ElementConversion;
use burn::tensor::backend::{AutodiffBackend, Backend};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::checkpoint::{self, CHECKPOINT_FILE, EpochPosition};
use crate::config::TrainingConfig;
use crate::error::{Result, TrainError};
use crate::history::{EpochRecord, history_csv};
use crate::idle::{Deferred, IdlePool};
use crate::interrupt::StopRequest;
use crate::progress::{Progress, ProgressMode};
use crate::run_dir::{CONFIG_FILE, HISTORY_FILE, RunDir, SUMMARY_FILE};
use crate::step::{
    BatchGradients, BatchImages, BatchSource, ShardGradients, Shards, on_a_pool_thread,
    on_shard_threads, shard_count, sharded_gradients, whole_source_gradients,
};
use crate::update::step_in_halves;
use crate::writer::BackgroundWriter;

/// Batches in one epoch of `n` training images.
fn batches_per_epoch(config: &TrainingConfig, n: usize) -> usize {
    config
        .steps_per_epoch
        .unwrap_or_else(|| n.div_ceil(config.batch_size))
}

/// The image indices of epoch `e`, batch after batch: a shuffled pass over the data, or
/// `steps_per_epoch` independent random batches (each drawn without replacement).
fn epoch_order(config: &TrainingConfig, n: usize, e: u64) -> Vec<usize> {
    let seed = derive_seed(config.seed, e, 1);
    match config.steps_per_epoch {
        None => shuffled_indices(n, seed),
        Some(steps) => (0..steps as u64)
            .flat_map(|b| {
                let mut rng = StdRng::seed_from_u64(derive_seed(seed, b, 0));
                rand::seq::index::sample(&mut rng, n, config.batch_size.min(n)).into_vec()
            })
            .collect(),
    }
}

/// Training and validation images of a run.
#[derive(Debug, Clone)]
pub struct TrainData {
    /// Training images.
    pub train: ImageSet,
    /// Validation images (the test split unless a protocol says otherwise).
    pub val: ImageSet,
}

impl TrainData {
    /// Applies the config's data selection (classes, limits) to a loaded dataset.
    pub fn select(config: &TrainingConfig, dataset: &Dataset) -> Result<Self> {
        let pick = |set: &ImageSet, limit: Option<usize>| -> Result<ImageSet> {
            let set = match &config.data.classes {
                Some(classes) => set.filter_classes(classes)?,
                None => set.clone(),
            };
            Ok(match limit {
                Some(n) if n < set.len() => set.first(n)?,
                _ => set,
            })
        };
        Ok(TrainData {
            train: pick(&dataset.train, config.data.train_limit)?,
            val: pick(&dataset.test, config.data.val_limit)?,
        })
    }
}

/// How to run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Progress display.
    pub progress: ProgressMode,
    /// Name the progress lines start with (none: plain `epoch 1/5: ...` lines).
    pub label: Option<String>,
    /// Polled between batches: when raised, the run writes a mid-epoch checkpoint and
    /// returns [`TrainError::Interrupted`].
    pub stop: StopRequest,
}

/// Timing figures of the epochs trained by one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Median wall time per epoch, seconds: its training, and any wait for its validation
    /// (which runs while the next epoch trains where it can).
    pub seconds_per_epoch: f64,
    /// Median training-only throughput, images per second.
    pub samples_per_second: f64,
    /// Epochs trained by this invocation (after any resume).
    pub epochs_run: usize,
    /// CPU time of the whole process over wall time, across the epochs this invocation
    /// trained (validation and checkpoint writes included, start-up and loading not): 2.0
    /// is two cores busy throughout. It counts every thread of the process, so a
    /// reproduction training two runs at once (`--jobs 2`) counts both. `None` where the
    /// process's CPU time cannot be read, and in summaries written before it was recorded.
    #[serde(default)]
    pub cpu_per_wall: Option<f64>,
}

/// What a finished run returns.
#[derive(Debug)]
pub struct TrainOutcome<B: Backend> {
    /// Full history (including epochs before a resume).
    pub history: Vec<EpochRecord>,
    /// The trained model, without autodiff.
    pub model: AnyAutoencoder<B>,
    /// Timing of the epochs this invocation trained; for a finished run that trained
    /// nothing, the timing its `summary.json` recorded (`None` when there is none).
    pub timing: Option<Timing>,
    /// Epoch the run resumed after (0 for a fresh run).
    pub resumed_from: usize,
}

impl<B: Backend> TrainOutcome<B> {
    /// Median seconds per epoch of the run, when known (see [`TrainOutcome::timing`]).
    pub fn seconds_per_epoch(&self) -> Option<f64> {
        self.timing.map(|t| t.seconds_per_epoch)
    }
}

/// SplitMix64 of `(seed, a, b)`: independent streams per epoch and purpose.
pub fn derive_seed(seed: u64, a: u64, b: u64) -> u64 {
    let mut z =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub(crate) type OptimOf<B> = burn::optim::adaptor::OptimizerAdaptor<
    ae_models::AnyOptimizer<<B as AutodiffBackend>::InnerBackend>,
    AnyAutoencoder<B>,
    B,
>;
type ModelRecord<B> = <AnyAutoencoder<B> as Module<B>>::Record;
type OptimRecord<B> = <OptimOf<B> as Optimizer<AnyAutoencoder<B>, B>>::Record;

/// Trains `config` on `data` in `run` (a locked run folder, see [`RunDir`]), from its
/// checkpoint when it has one: the end of an epoch, or the batch where an interrupt
/// stopped it. Same config, seed and machine give the same `history.csv` and weights,
/// however often the run was interrupted.
pub fn train<B: AutodiffBackend>(
    config: &TrainingConfig,
    data: &TrainData,
    run: &RunDir,
    opts: &RunOptions,
    device: &B::Device,
) -> Result<TrainOutcome<B::InnerBackend>> {
    config.validate()?;
    config.validate_against(&data.train)?;
    if data.val.pixels_per_image() != data.train.pixels_per_image() || data.val.is_empty() {
        return Err(TrainError::invalid(
            "data",
            "the validation split is empty or has another image size",
        ));
    }
    let run_dir = run.path();
    let mut model = init_model::<B>(config, device)?;
    let mut optim: OptimOf<B> = config.optimizer.init::<B, AnyAutoencoder<B>>();
    let checkpoint_path = run_dir.join(CHECKPOINT_FILE);
    let mut history = Vec::new();
    let mut position = None;
    if checkpoint_path.is_file() {
        let ck = checkpoint::load::<B, ModelRecord<B>, OptimRecord<B>>(&checkpoint_path, device)?;
        model = model.load_record(ck.model);
        optim = optim.load_record(ck.optimizer);
        history = ck.history;
        position = ck.position;
    }
    let resumed_from = history.len();
    write_history(run_dir, &history)?;

    let pixels = data.train.pixels_per_image();
    let batches = batches_per_epoch(config, data.train.len());
    let progress = Progress::new(opts.progress, config.epochs, batches, opts.label.as_deref());
    let skipped = position.map_or(0, |p| p.batches_done);
    progress.skip_to((resumed_from * batches + skipped) as u64);
    let threaded = config.backend.threads_share_tensors();
    let validation = Validation::<B::InnerBackend>::new(config, &data.val, device, threaded);
    let mut buffer = BatchBuffer::new();
    let mut noisy_values = Vec::new();
    let mut throughput = Vec::new();
    let mut books = Books {
        history,
        writer: BackgroundWriter::new(threaded),
        epoch_seconds: Vec::new(),
        checkpoint_path: &checkpoint_path,
        run_dir,
        progress: &progress,
    };
    let mut pending: Option<PendingEpoch<B>> = None;
    // Where full batches are split (then so is every batch but perhaps the last), the
    // epoch's batches run on the first shard pool's thread: the training thread would
    // otherwise hand each step over and wait for it.
    let epoch_on_shard_threads = threaded && shard_count(&config.objective, config.batch_size) == 2;
    let (loop_started, cpu_at_start) = (Instant::now(), crate::stats::process_cpu_seconds());

    for epoch in resumed_from + 1..=config.epochs {
        let started = Instant::now();
        let e = epoch as u64;
        // Every stream is derived from (seed, epoch, batch): a resumed run, even one
        // resumed mid-epoch, draws what an uninterrupted one would.
        let order = epoch_order(config, data.train.len(), e);
        let batch_rng = |purpose: u64, b: usize| {
            StdRng::seed_from_u64(derive_seed(
                derive_seed(config.seed, e, purpose),
                b as u64,
                0,
            ))
        };
        let start = position.take().unwrap_or(EpochPosition {
            epoch,
            batches_done: 0,
            loss_sum: 0.0,
            seen: 0,
            seconds: 0.0,
        });
        let (mut loss_sum, mut seen) = (start.loss_sum, start.seen);
        let elapsed = || start.seconds + started.elapsed().as_secs_f64();
        let train_batches = || -> Result<AnyAutoencoder<B>> {
            let mut model = model;
            for (b, indices) in order
                .chunks(config.batch_size)
                .enumerate()
                .skip(start.batches_done)
            {
                if let Some(signal) = opts.stop.requested() {
                    let here = EpochPosition {
                        epoch,
                        batches_done: b,
                        loss_sum,
                        seen,
                        seconds: elapsed(),
                    };
                    if let Some(previous) = pending.take() {
                        books.record(previous)?;
                    }
                    books.writer.finish()?;
                    checkpoint::save::<B, _, _>(
                        &checkpoint_path,
                        epoch - 1,
                        &books.history,
                        Some(here),
                        model.clone().into_record(),
                        optim.to_record(),
                    )?;
                    progress.finish();
                    return Err(TrainError::Interrupted {
                        epoch,
                        batch: b,
                        signal,
                    });
                }
                let n = indices.len();
                // Clean images are scaled by the shards that read them; corrupted ones here,
                // where the noise is drawn over the whole batch in order.
                let batch = if config.noise.is_none() {
                    BatchSource::Indexed {
                        set: &data.train,
                        indices,
                    }
                } else {
                    let clean: &[f32] = buffer.gather(&data.train, indices);
                    noisy_values.clear();
                    noisy_values.extend_from_slice(clean);
                    config.noise.apply(&mut noisy_values, &mut batch_rng(2, b));
                    BatchSource::Values(BatchImages {
                        clean,
                        noisy: Some(noisy_values.as_slice()),
                        pixels,
                    })
                };
                let rng = &mut batch_rng(0, b);
                let (value, stepped) =
                    step_batch(model, &mut optim, config, batch, rng, device, threaded);
                if !value.is_finite() {
                    progress.finish();
                    return Err(TrainError::NonFiniteLoss {
                        epoch,
                        batch: b + 1,
                        value: value as f32,
                        last_good_epoch: epoch - 1,
                    });
                }
                model = stepped;
                loss_sum += value * n as f64;
                seen += n;
                progress.batch(epoch, b + 1, batches, loss_sum / seen as f64);
                if let Some(previous) = pending.take_if(|p| p.scores.is_ready()) {
                    books.record(previous)?;
                }
            }
            Ok(model)
        };
        model = if epoch_on_shard_threads {
            on_shard_threads(train_batches)?
        } else {
            train_batches()?
        };
        let train_seconds = started.elapsed().as_secs_f64();
        let trained_here = seen - start.seen;
        if trained_here > 0 {
            throughput.push(trained_here as f64 / train_seconds);
        }
        if let Some(previous) = pending.take() {
            books.record(previous)?;
        }
        // Scored at once where the backend keeps tensors on one thread: that time is
        // the epoch's too.
        let scores = validation.score(&model);
        pending = Some(PendingEpoch {
            epoch,
            train_loss: loss_sum / seen as f64,
            earlier_seconds: start.seconds,
            trained: started.elapsed(),
            scores,
            // The records share the tensors' buffers; the next step's in-place update
            // copies a buffer that they still hold instead of changing it.
            model: model.clone().into_record(),
            optim: optim.to_record(),
        });
        // Scored at once: its row, line and checkpoint need not wait for the next step.
        if let Some(done) = pending.take_if(|p| p.scores.is_ready()) {
            books.record(done)?;
        }
    }
    if let Some(last) = pending.take() {
        books.record(last)?;
    }
    let Books {
        history,
        mut writer,
        epoch_seconds,
        ..
    } = books;
    writer.finish()?;
    let cpu_per_wall = cpu_at_start
        .zip(crate::stats::process_cpu_seconds())
        .map(|(start, end)| (end - start) / loop_started.elapsed().as_secs_f64().max(1e-9));
    progress.finish();
    // A resume of a finished run trains nothing: keep the timings of the run that did.
    let timing = if epoch_seconds.is_empty() {
        recorded_timing(run_dir)
    } else {
        let timing = Timing {
            seconds_per_epoch: crate::stats::median(&epoch_seconds),
            samples_per_second: crate::stats::median(&throughput),
            epochs_run: epoch_seconds.len(),
            cpu_per_wall,
        };
        let summary_path = run_dir.join(SUMMARY_FILE);
        let summary = serde_json::to_string_pretty(&timing).unwrap_or_default();
        write_atomic(&summary_path, summary.as_bytes())
            .map_err(|e| TrainError::io(&summary_path, e))?;
        Some(timing)
    };
    Ok(TrainOutcome {
        history,
        model: model.valid(),
        timing,
        resumed_from,
    })
}

/// One batch's mean loss and the model after the optimizer step for it (the model as it
/// was when the loss is not finite), split in two shards on the shard pools' threads
/// where `threaded` and the batch allow it. Where batches are split, the caller runs on
/// the first pool's thread already ([`on_shard_threads`]).
fn step_batch<B: AutodiffBackend>(
    model: AnyAutoencoder<B>,
    optim: &mut OptimOf<B>,
    config: &TrainingConfig,
    batch: BatchSource<'_>,
    rng: &mut StdRng,
    device: &B::Device,
    threaded: bool,
) -> (f64, AnyAutoencoder<B>) {
    let ShardGradients { loss, grads } = if threaded {
        sharded_gradients(&model, &config.objective, batch, rng, device)
    } else {
        let BatchGradients { loss, grads } =
            whole_source_gradients(&model, &config.objective, batch, rng, device);
        ShardGradients {
            loss,
            grads: Shards::One(grads),
        }
    };
    if !loss.is_finite() {
        return (loss, model);
    }
    let lr = config.learning_rate;
    let model = match grads {
        Shards::Two(first, second) => step_in_halves(optim, lr, model, first, second),
        Shards::One(grads) if threaded => on_a_pool_thread(|| optim.step(lr, model, grads)),
        Shards::One(grads) => optim.step(lr, model, grads),
    };
    (loss, model)
}

/// The timing that a run's `summary.json` recorded, if any.
fn recorded_timing(run_dir: &Path) -> Option<Timing> {
    let text = std::fs::read_to_string(run_dir.join(SUMMARY_FILE)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Trains `config` in `run_dir`, or continues the run already there: a finished run is
/// loaded without training, an interrupted one resumes from its last checkpoint, and a
/// run of the same config with fewer epochs is extended. A folder holding a run of
/// another config is refused rather than overwritten; so is a folder that another
/// process holds. Progress lines start with the folder's last two names.
pub fn train_or_resume<B: AutodiffBackend>(
    config: &TrainingConfig,
    data: &TrainData,
    run_dir: &Path,
    progress: ProgressMode,
    device: &B::Device,
) -> Result<TrainOutcome<B::InnerBackend>> {
    let run = if run_dir.join(CONFIG_FILE).is_file() {
        let run = RunDir::open(run_dir)?;
        let existing = run.config()?;
        if !existing.same_run_as(config) {
            return Err(TrainError::RunDir {
                path: run_dir.to_path_buf(),
                reason: "holds a run of another config: remove the folder to train this one".into(),
            });
        }
        if existing.epochs != config.epochs {
            run.extend_to(config.epochs)?;
        }
        run
    } else {
        RunDir::create(config, run_dir)?
    };
    let opts = RunOptions {
        progress,
        label: Some(run_label(run_dir)),
        ..RunOptions::default()
    };
    train::<B>(config, data, &run, &opts, device)
}

/// A run's folder and the folder above it (`convolutional/conv`, `mnist-sweep/code-5`):
/// the name its progress lines start with.
fn run_label(run_dir: &Path) -> String {
    let mut parts: Vec<String> = run_dir
        .components()
        .rev()
        .take(2)
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    parts.reverse();
    parts.join("/")
}

/// Loads a finished (or interrupted) run: its config, model and history.
pub fn load_run<B: AutodiffBackend>(
    run_dir: &Path,
    device: &B::Device,
) -> Result<(
    TrainingConfig,
    AnyAutoencoder<B::InnerBackend>,
    Vec<EpochRecord>,
)> {
    let config = TrainingConfig::load(&run_dir.join(CONFIG_FILE))?;
    let path = run_dir.join(CHECKPOINT_FILE);
    let ck = checkpoint::load::<B, ModelRecord<B>, OptimRecord<B>>(&path, device)?;
    let model = init_model::<B>(&config, device)?.load_record(ck.model);
    Ok((config, model.valid(), ck.history))
}

/// Serialises seeding and initialisation: burn's backend generator is process-wide, so
/// two models initialised at once on different threads would interleave their draws.
static INIT_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The model of `config`, initialised from its seed.
pub fn init_model<B: Backend>(
    config: &TrainingConfig,
    device: &B::Device,
) -> Result<AnyAutoencoder<B>> {
    init_seeded(device, config.seed, || config.model.init::<B>(device)).map_err(Into::into)
}

/// Runs `init` with the backend seeded by `seed` and draws every parameter at once, all
/// under one process-wide lock, so concurrent initialisations cannot interleave draws.
pub fn init_seeded<B: Backend, M: Module<B>, E>(
    device: &B::Device,
    seed: u64,
    init: impl FnOnce() -> Result<M, E>,
) -> Result<M, E> {
    let _guard = INIT_LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    B::seed(device, seed);
    let model = init()?;
    // burn initialises parameters lazily, on first access: draw them all now, under the lock.
    model.visit(&mut Materialize);
    Ok(model)
}

/// Touches every parameter so lazily initialised weights are drawn.
struct Materialize;

impl<B: Backend> burn::module::ModuleVisitor<B> for Materialize {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<B, D>>,
    ) {
        let _ = param.val();
    }
}

/// An epoch trained, its validation perhaps still running.
struct PendingEpoch<B: AutodiffBackend> {
    epoch: usize,
    train_loss: f64,
    /// Wall seconds of the epoch's part trained before a resume (0 for most).
    earlier_seconds: f64,
    /// Wall time of its training here.
    trained: Duration,
    /// Validation loss and reconstruction loss.
    scores: Deferred<(f64, f64)>,
    /// The model and optimizer after the epoch, for its checkpoint.
    model: ModelRecord<B>,
    optim: OptimRecord<B>,
}

/// The epochs completed so far: their history, checkpoint writes and wall times.
struct Books<'a> {
    history: Vec<EpochRecord>,
    writer: BackgroundWriter,
    epoch_seconds: Vec<f64>,
    checkpoint_path: &'a Path,
    run_dir: &'a Path,
    progress: &'a Progress,
}

impl Books<'_> {
    /// Completes `epoch` once its validation is done (waiting for it, the wait counted in
    /// the epoch's time): its history row, its checkpoint (written in the background) and
    /// its progress line.
    fn record<B: AutodiffBackend>(&mut self, epoch: PendingEpoch<B>) -> Result<()> {
        let waiting = Instant::now();
        let (val_loss, val_reconstruction) = epoch.scores.wait();
        let record = EpochRecord {
            epoch: epoch.epoch,
            train_loss: epoch.train_loss,
            val_loss,
            val_reconstruction,
            // One conversion of the summed durations, as `elapsed()` does: a sum of
            // seconds could end in a 17th digit that the checkpoint's JSON header does
            // not read back to the same bits.
            seconds: epoch.earlier_seconds + (epoch.trained + waiting.elapsed()).as_secs_f64(),
        };
        self.history.push(record);
        let (path, folder, written) = (
            self.checkpoint_path.to_path_buf(),
            self.run_dir.to_path_buf(),
            self.history.clone(),
        );
        let (model, optim, number) = (epoch.model, epoch.optim, epoch.epoch);
        self.writer.start(self.checkpoint_path, move || {
            checkpoint::save::<B, _, _>(&path, number, &written, None, model, optim)?;
            write_history(&folder, &written)
        })?;
        self.progress.epoch(&record);
        self.epoch_seconds.push(record.seconds);
        Ok(())
    }
}

/// Whether `config`'s validation runs in the cores' idle time (see [`Validation`]): for
/// the conv model, where it pays. `ae train --model conv --batch 128 --epochs 3`, eight
/// alternated pairs with it and without (2-core AMD EPYC, 2026-12-03): the whole run 0.93x
/// the time (median of the pairs' ratios), CPU/wall over the epochs 1.89 against 1.85,
/// `history.csv` the same bits. For the dense `fc` (batch 256, 4 epochs, five pairs) the
/// runs took 1.03x as long: the training itself ran slower beside the validation's
/// matrix products, which gained less idle time than they cost.
fn validates_in_idle_time(config: &TrainingConfig) -> bool {
    matches!(config.model, ae_models::ModelConfig::Conv(_))
}

/// Scores each epoch's model on the validation split. Where tensors may cross threads
/// and it pays ([`validates_in_idle_time`]), on an [`IdlePool`] while the next epoch
/// trains: its threads run when a core would otherwise idle (a step's shard that
/// finished first waiting for the other), and take whole cores only while the training
/// waits for the result, at the end of the next epoch or of the run. Elsewhere at once,
/// on the training thread.
struct Validation<B: Backend> {
    config: Arc<TrainingConfig>,
    inputs: Arc<[f32]>,
    targets: Arc<[f32]>,
    pixels: usize,
    device: B::Device,
    idle: Option<IdlePool>,
}

impl<B: Backend> Validation<B> {
    fn new(config: &TrainingConfig, val: &ImageSet, device: &B::Device, threaded: bool) -> Self {
        let targets: Arc<[f32]> = val.to_f32().into();
        let inputs = noisy_copy(config, &targets).map_or_else(|| Arc::clone(&targets), Arc::from);
        Validation {
            config: Arc::new(config.clone()),
            inputs,
            targets,
            pixels: val.pixels_per_image(),
            device: device.clone(),
            idle: (threaded && validates_in_idle_time(config))
                .then(|| IdlePool::new(rayon::current_num_threads()))
                .flatten(),
        }
    }

    /// The validation loss and reconstruction loss of `model` (see [`evaluate`]).
    fn score<A>(&self, model: &AnyAutoencoder<A>) -> Deferred<(f64, f64)>
    where
        A: AutodiffBackend<InnerBackend = B>,
    {
        let model = model.valid();
        let (config, inputs, targets) = (
            Arc::clone(&self.config),
            Arc::clone(&self.inputs),
            Arc::clone(&self.targets),
        );
        let (pixels, device) = (self.pixels, self.device.clone());
        let work = move || evaluate(&model, &config, &inputs, &targets, pixels, &device);
        match &self.idle {
            Some(idle) => idle.spawn(work),
            None => Deferred::Ready(work()),
        }
    }
}

/// Validation inputs when they differ from the clean `values`: a noisy copy drawn once
/// from the seed, so every epoch is scored on the same corrupted images.
fn noisy_copy(config: &TrainingConfig, values: &[f32]) -> Option<Vec<f32>> {
    if config.noise.is_none() {
        return None;
    }
    let mut noisy = values.to_vec();
    config.noise.apply(
        &mut noisy,
        &mut StdRng::seed_from_u64(derive_seed(config.seed, 0, 3)),
    );
    Some(noisy)
}

/// Mean total loss and mean reconstruction loss of `config`'s objective over `inputs`
/// (no gradients), in batches of its batch size. Batches are scored in parallel where the
/// backend allows it ([`crate::BackendKind::threads_share_tensors`]) and summed in
/// order, each with its own stream of VAE samples (fixed: every epoch's validation draws
/// the same ones), so the result does not depend on the thread count.
fn evaluate<B: Backend>(
    model: &AnyAutoencoder<B>,
    config: &TrainingConfig,
    inputs: &[f32],
    targets: &[f32],
    pixels: usize,
    device: &B::Device,
) -> (f64, f64) {
    let objective = &config.objective;
    let chunk = config.batch_size.max(1) * pixels;
    let score = |(b, (x, t)): (usize, (&[f32], &[f32]))| {
        let n = x.len() / pixels;
        let mut rng = StdRng::seed_from_u64(derive_seed(VALIDATION_SEED, b as u64, 0));
        let loss = objective.batch_loss(
            model,
            flat_tensor::<B>(x, n, pixels, device),
            flat_tensor::<B>(t, n, pixels, device),
            &mut rng,
        );
        let (total, recon): (f64, f64) = (
            loss.total.into_scalar().elem(),
            loss.reconstruction.into_scalar().elem(),
        );
        (total * n as f64, recon * n as f64, n)
    };
    let per_batch: Vec<(f64, f64, usize)> = if config.backend.threads_share_tensors() {
        let batches = inputs.par_chunks(chunk).zip(targets.par_chunks(chunk));
        batches.enumerate().map(score).collect()
    } else {
        let batches = inputs.chunks(chunk).zip(targets.chunks(chunk));
        batches.enumerate().map(score).collect()
    };
    let (total, recon, seen) = per_batch
        .iter()
        .fold((0.0, 0.0, 0), |(a, r, s), &(ba, br, bs)| {
            (a + ba, r + br, s + bs)
        });
    (total / seen.max(1) as f64, recon / seen.max(1) as f64)
}

/// Root of the validation batches' VAE sample streams.
const VALIDATION_SEED: u64 = 0x5eed;

fn write_history(run_dir: &Path, history: &[EpochRecord]) -> Result<()> {
    let path = run_dir.join(HISTORY_FILE);
    write_atomic(&path, history_csv(history).as_bytes()).map_err(|e| TrainError::io(&path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ae_models::ModelConfig;
    use burn::backend::Flex;

    #[test]
    fn validation_in_idle_time_scores_what_validation_at_once_does() {
        type B = burn::backend::Autodiff<Flex>;
        let device = Default::default();
        let model = ModelConfig::named("conv", None, 28, 28).expect("a named model");
        let mut config = TrainingConfig::new(model, ae_data::DatasetKind::Mnist);
        config.batch_size = 8;
        assert!(validates_in_idle_time(&config));
        // 21 images: three batches, the last one short.
        let bytes = (0..21 * 784).map(|i| (i * 13 % 256) as u8).collect();
        let val = ImageSet::new(bytes, vec![0; 21], 28, 28).expect("a valid image set");
        let model = init_model::<B>(&config, &device).expect("the conv model");
        let idle = Validation::<Flex>::new(&config, &val, &device, true);
        let at_once = Validation::<Flex>::new(&config, &val, &device, false);
        assert!(idle.idle.is_some() && at_once.idle.is_none());
        let (a, b) = (idle.score(&model).wait(), at_once.score(&model).wait());
        assert!(a.0 > 0.0 && a.0.is_finite());
        assert_eq!(
            (a.0.to_bits(), a.1.to_bits()),
            (b.0.to_bits(), b.1.to_bits())
        );

        let dense = ModelConfig::named("fc", None, 28, 28).expect("a named model");
        let dense = TrainingConfig::new(dense, ae_data::DatasetKind::Mnist);
        assert!(!validates_in_idle_time(&dense));
        assert!(
            Validation::<Flex>::new(&dense, &val, &device, true)
                .idle
                .is_none()
        );
    }

    #[test]
    fn runs_are_labelled_by_their_folder_and_the_one_above() {
        assert_eq!(
            run_label(Path::new(
                "reports/runs/mnist-vs-fashion/mnist-sweep/code-5"
            )),
            "mnist-sweep/code-5"
        );
        assert_eq!(run_label(Path::new("conv")), "conv");
    }

    #[test]
    fn iteration_epochs_draw_independent_batches_of_distinct_images() {
        let model = ModelConfig::named("shallow", None, 28, 28).expect("a named model");
        let mut config = TrainingConfig::new(model, ae_data::DatasetKind::Mnist);
        config.batch_size = 7;
        assert_eq!(batches_per_epoch(&config, 20), 3);
        assert_eq!(epoch_order(&config, 20, 1).len(), 20);

        config.steps_per_epoch = Some(5);
        assert_eq!(batches_per_epoch(&config, 20), 5);
        let order = epoch_order(&config, 20, 1);
        assert_eq!(order.len(), 35);
        for batch in order.chunks(7) {
            let mut sorted = batch.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            assert_eq!(sorted.len(), 7, "a batch repeats an image: {batch:?}");
        }
        // Five batches of 7 from 20 images: independent draws, so they differ and the
        // same image may come back in a later batch. The draw is seeded by the epoch.
        let batches: std::collections::HashSet<_> = order.chunks(7).collect();
        assert_eq!(batches.len(), 5);
        assert_eq!(order, epoch_order(&config, 20, 1));
        assert_ne!(order, epoch_order(&config, 20, 2));
        // Batches larger than the data take every image once.
        config.batch_size = 50;
        assert!(
            epoch_order(&config, 20, 1)
                .chunks(20)
                .all(|b| b.len() == 20)
        );
    }
}
