//! `ae train`: train any named model, or resume a run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_data::{DatasetKind, IMAGE_SIDE, Noise};
use ae_models::{ModelConfig, Objective, OptimizerKind, ReconstructionLoss, Sparsity};
use ae_train::Timing;
use ae_train::{
    BackendKind, DataSelection, EpochRecord, Placement, ProgressMode, RunDir, RunOptions,
    StopRequest, TrainData, TrainError, TrainingConfig, WithBackend,
};
use anyhow::Context;
use burn::tensor::backend::AutodiffBackend;
use clap::Args;

/// Epochs of a new run when `--epochs` is not given.
const DEFAULT_EPOCHS: usize = 5;

/// Arguments of `ae train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Named model: fc, shallow, deep, conv, latent2, logistic, deep3, vae.
    #[arg(long, required_unless_present = "resume")]
    model: Option<String>,
    /// mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// Epochs (default 5). With --resume: train on to this many epochs.
    #[arg(long)]
    epochs: Option<usize>,
    /// Mini-batch size.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Count iterations: each epoch is N batches drawn at random instead of one pass
    /// over the data (so the run takes epochs x N optimizer steps).
    #[arg(long, value_name = "N")]
    steps_per_epoch: Option<usize>,
    /// Reconstruction loss: bce or mse (a VAE uses its likelihood).
    #[arg(long, default_value = "bce")]
    loss: ReconstructionLoss,
    /// adam, adadelta, sgd (momentum 0.9) or rmsprop.
    #[arg(long, default_value = "adam")]
    optimizer: OptimizerKind,
    /// Learning rate (default: the optimizer's; 1.0 for Adadelta as in Keras 2).
    #[arg(long)]
    lr: Option<f64>,
    /// Input noise for denoising: gaussian:S, mask:P or saltpepper:P.
    #[arg(long)]
    noise: Option<Noise>,
    /// Sparsity penalty: l1:LAMBDA or kl:RHO:BETA.
    #[arg(long)]
    sparse: Option<Sparsity>,
    /// Contractive penalty weight lambda.
    #[arg(long)]
    contractive: Option<f64>,
    /// Code size (overrides the model's default).
    #[arg(long)]
    code_size: Option<usize>,
    /// Keep only these classes, e.g. 1,5,6.
    #[arg(long, value_delimiter = ',')]
    classes: Option<Vec<u8>>,
    /// Train on the first N training images only.
    #[arg(long)]
    limit: Option<usize>,
    /// Validate on the first N test images only.
    #[arg(long)]
    val_limit: Option<usize>,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// flex (default), ndarray, cuda or remote (with --remote).
    #[arg(long, default_value = "flex")]
    backend: BackendKind,
    /// With `--backend remote` (or when resuming a remote run): the burn server's
    /// address, `ws://HOST:PORT` (see `ae serve`). Data, checkpoints and history stay here.
    #[arg(long, value_name = "ws://HOST:PORT")]
    remote: Option<String>,
    /// Run folder to create.
    #[arg(long, required_unless_present = "resume", conflicts_with = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in this folder from its last checkpoint (with --epochs N: extend
    /// it to N epochs). Every other setting comes from the run's config.json.
    #[arg(long, value_name = "RUN_DIR", conflicts_with_all = [
        "model", "dataset", "batch", "steps_per_epoch", "loss", "optimizer", "lr", "noise", "sparse",
        "contractive", "code_size", "classes", "limit", "val_limit", "seed", "backend",
    ])]
    resume: Option<PathBuf>,
    /// Print one JSON object as the last stdout line.
    #[arg(long)]
    json: bool,
    /// One plain line per epoch instead of a progress bar.
    #[arg(long)]
    plain: bool,
}

impl TrainArgs {
    fn to_config(&self) -> anyhow::Result<TrainingConfig> {
        let name = self.model.as_deref().unwrap_or_default();
        let model = ModelConfig::named(name, self.code_size, IMAGE_SIDE, IMAGE_SIDE)?;
        let (loss, optimizer, sparse) = (self.loss, self.optimizer, self.sparse);
        Ok(TrainingConfig {
            model,
            objective: Objective {
                loss,
                sparse,
                contractive: self.contractive,
            },
            optimizer,
            learning_rate: self.lr.unwrap_or_else(|| optimizer.default_learning_rate()),
            epochs: self.epochs.unwrap_or(DEFAULT_EPOCHS),
            batch_size: self.batch,
            steps_per_epoch: self.steps_per_epoch,
            seed: self.seed,
            noise: self.noise.unwrap_or_default(),
            data: DataSelection {
                dataset: self.dataset,
                classes: self.classes.clone(),
                train_limit: self.limit,
                val_limit: self.val_limit,
            },
            backend: self.backend,
        })
    }
}

struct TrainJob<'a> {
    config: &'a TrainingConfig,
    data: &'a TrainData,
    run: &'a RunDir,
    opts: &'a RunOptions,
}

impl WithBackend for TrainJob<'_> {
    type Output = ae_train::Result<(Vec<EpochRecord>, Option<Timing>)>;
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        let outcome = ae_train::train::<B>(self.config, self.data, self.run, self.opts, &device)?;
        Ok((outcome.history, outcome.timing))
    }
}

/// SIGINT and SIGTERM raise `stop` (which records the signal) instead of killing the
/// process: the trainer stops at the next batch boundary and checkpoints. A second
/// signal while the checkpoint is written only raises the flag again.
fn stop_on_signals() -> anyhow::Result<StopRequest> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let stop = StopRequest::new();
    for signal in [SIGINT, SIGTERM] {
        signal_hook::flag::register_usize(signal, stop.shared(), signal as usize)
            .with_context(|| format!("cannot install the handler of signal {signal}"))?;
    }
    Ok(stop)
}

/// Where the run's tensors live, checked (a remote server must answer) before anything
/// is written.
fn placement(args: &TrainArgs, config: &TrainingConfig) -> anyhow::Result<Placement> {
    let placement = Placement {
        backend: config.backend,
        gpu: 0,
        remote: args.remote.clone(),
    };
    placement.check()?;
    Ok(placement)
}

/// Runs `ae train`.
pub fn run(args: &TrainArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let (run, config, dataset, placement) = match &args.resume {
        Some(dir) => {
            // The lock comes first: a second process is refused before reading anything.
            let run = RunDir::open(dir)?;
            // A run killed after its last checkpoint may have an older history.csv.
            let done = run.recover()?;
            let wanted = args.epochs.unwrap_or(run.config()?.epochs);
            if wanted <= done.epochs_done {
                let message = format!("{} already has {} epochs", dir.display(), done.epochs_done);
                if args.json {
                    // stdout's last line stays JSON; the sentence goes to stderr.
                    eprintln!("{message}");
                    let json = serde_json::json!({
                        "epochs": done.epochs_done,
                        "epochs_trained": 0,
                        "run_dir": dir.display().to_string(),
                    });
                    println!("{json}");
                } else {
                    println!("{message}");
                }
                return Ok(ExitCode::SUCCESS);
            }
            let config = run.extend_to(wanted)?;
            let placement = placement(args, &config)?;
            let dataset = crate::data::load_dataset(data_dir, config.data.dataset)?;
            (run, config, dataset, placement)
        }
        None => {
            let config = args.to_config()?;
            config.validate()?;
            let dataset = crate::data::load_dataset(data_dir, config.data.dataset)?;
            // Everything is checked before the run folder is created.
            config.validate_against(&TrainData::select(&config, &dataset)?.train)?;
            let placement = placement(args, &config)?;
            let out = args.out.clone().context("--out is required")?;
            (RunDir::create(&config, &out)?, config, dataset, placement)
        }
    };
    let run_dir = run.path().to_path_buf();
    let data = TrainData::select(&config, &dataset)?;
    config.validate_against(&data.train)?;
    let opts = RunOptions {
        progress: if args.plain || args.json {
            ProgressMode::Plain
        } else {
            ProgressMode::Auto
        },
        label: None,
        stop: stop_on_signals()?,
    };
    let job = TrainJob {
        config: &config,
        data: &data,
        run: &run,
        opts: &opts,
    };
    if let Some(address) = &placement.remote {
        let advice = format!(
            "the last checkpoint is intact: resume with ae train --resume {} --remote ADDRESS",
            run_dir.display()
        );
        ae_train::exit_when_server_lost(address, &advice)?;
    }
    let (history, timing) = match placement.dispatch(job)? {
        Err(TrainError::Interrupted {
            epoch,
            batch,
            signal,
        }) => {
            eprintln!(
                "interrupted at epoch {epoch}, batch {batch}: resume with ae train --resume {}",
                run_dir.display()
            );
            return Ok(ExitCode::from(
                128u8.saturating_add(signal.clamp(0, 127) as u8),
            ));
        }
        other => other?,
    };
    let last = history.last().context("no epoch was trained")?;
    let verified = dataset.verified();
    if args.json {
        let json = serde_json::json!({
            "train_loss": last.train_loss,
            "val_loss": last.val_loss,
            "epochs": history.len(),
            "seconds_per_epoch": timing.map(|t| t.seconds_per_epoch),
            "samples_per_second": timing.map(|t| t.samples_per_second),
            "cpu_per_wall": timing.and_then(|t| t.cpu_per_wall),
            "backend": config.backend.name(),
            "model": args.model.as_deref().unwrap_or("resumed"),
            "dataset": config.data.dataset.name(),
            "verified": verified,
            "run_dir": run_dir.display().to_string(),
        });
        println!("{json}");
    } else {
        let speed = timing.map_or_else(String::new, |t| {
            format!(
                "; {:.2} s/epoch, {:.0} samples/s",
                t.seconds_per_epoch, t.samples_per_second
            )
        });
        let epochs = match history.len() {
            1 => "1 epoch".to_string(),
            n => format!("{n} epochs"),
        };
        println!(
            "trained {epochs}: loss {:.5}, val_loss {:.5}{speed} on {} (run folder {}, dataset verified: {verified})",
            last.train_loss,
            last.val_loss,
            config.backend,
            run_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
