//! `ae train`: train any named model, or resume a run.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_data::{Dataset, DatasetKind, Noise};
use ae_models::{ModelConfig, Objective, OptimizerKind, ReconstructionLoss, Sparsity};
use ae_train::trainer::Timing;
use ae_train::{
    BackendKind, DataSelection, EpochRecord, ProgressMode, RunOptions, TrainData, TrainingConfig,
    WithBackend,
};
use anyhow::Context;
use burn::tensor::backend::AutodiffBackend;
use clap::Args;

/// Arguments of `ae train`.
#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Named model: fc, shallow, deep, conv, latent2, logistic, deep3, vae.
    #[arg(long, required_unless_present = "resume")]
    model: Option<String>,
    /// mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// Epochs.
    #[arg(long, default_value_t = 5)]
    epochs: usize,
    /// Mini-batch size.
    #[arg(long, default_value_t = 256)]
    batch: usize,
    /// Reconstruction loss: bce or mse (a VAE uses its likelihood).
    #[arg(long, default_value = "bce")]
    loss: String,
    /// adam, adadelta, sgd (momentum 0.9) or rmsprop.
    #[arg(long, default_value = "adam")]
    optimizer: String,
    /// Learning rate (default: the optimizer's; 1.0 for Adadelta as in Keras 2).
    #[arg(long)]
    lr: Option<f64>,
    /// Input noise for denoising: gaussian:S, mask:P or saltpepper:P.
    #[arg(long)]
    noise: Option<Noise>,
    /// Sparsity penalty: l1:LAMBDA or kl:RHO:BETA.
    #[arg(long)]
    sparse: Option<String>,
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
    /// flex (default), ndarray or cuda.
    #[arg(long, default_value = "flex")]
    backend: BackendKind,
    /// Run folder to create.
    #[arg(long, required_unless_present = "resume", conflicts_with = "resume")]
    out: Option<PathBuf>,
    /// Continue the run in this folder from its last complete epoch.
    #[arg(long, value_name = "RUN_DIR")]
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
        let model = ModelConfig::named(name, self.code_size, 28, 28)?;
        let loss = match self.loss.to_ascii_lowercase().as_str() {
            "bce" => ReconstructionLoss::Bce,
            "mse" => ReconstructionLoss::Mse,
            other => anyhow::bail!("--loss: unknown loss `{other}` (expected bce or mse)"),
        };
        let optimizer = OptimizerKind::parse(&self.optimizer).with_context(|| {
            format!(
                "--optimizer: unknown optimizer `{}` (expected adam, adadelta, sgd or rmsprop)",
                self.optimizer
            )
        })?;
        let sparse = self.sparse.as_deref().map(Sparsity::parse).transpose()?;
        Ok(TrainingConfig {
            model,
            objective: Objective {
                loss,
                sparse,
                contractive: self.contractive,
            },
            optimizer,
            learning_rate: self.lr.unwrap_or_else(|| optimizer.default_learning_rate()),
            epochs: self.epochs,
            batch_size: self.batch,
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
    opts: &'a RunOptions,
}

impl WithBackend for TrainJob<'_> {
    type Output = ae_train::Result<(Vec<EpochRecord>, Timing)>;
    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        let outcome = ae_train::train::<B>(self.config, self.data, self.opts, &device)?;
        Ok((outcome.history, outcome.timing))
    }
}

/// Runs `ae train`.
pub fn run(args: &TrainArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let (config, run_dir, resume) = match &args.resume {
        Some(dir) => (
            TrainingConfig::load(&dir.join(ae_train::trainer::CONFIG_FILE))?,
            dir.clone(),
            true,
        ),
        None => {
            let config = args.to_config()?;
            config.validate()?;
            (
                config,
                args.out.clone().context("--out is required")?,
                false,
            )
        }
    };
    let dataset: Dataset = crate::data::load_dataset(data_dir, config.data.dataset)?;
    let data = TrainData::select(&config, &dataset)?;
    // Everything is checked before the run folder is created.
    config.validate_against(&data.train)?;
    if !resume {
        ae_train::create_run_dir(&config, &run_dir)?;
    }
    let opts = RunOptions {
        run_dir: run_dir.clone(),
        resume,
        progress: if args.plain || args.json {
            ProgressMode::Plain
        } else {
            ProgressMode::Auto
        },
    };
    let (history, timing) = ae_train::dispatch(
        config.backend,
        TrainJob {
            config: &config,
            data: &data,
            opts: &opts,
        },
    )??;
    let last = history.last().context("no epoch was trained")?;
    let verified = dataset.verified();
    if args.json {
        let json = serde_json::json!({
            "train_loss": last.train_loss,
            "val_loss": last.val_loss,
            "epochs": history.len(),
            "seconds_per_epoch": timing.seconds_per_epoch,
            "samples_per_second": timing.samples_per_second,
            "backend": config.backend.name(),
            "model": args.model.as_deref().unwrap_or("resumed"),
            "dataset": config.data.dataset.name(),
            "verified": verified,
            "run_dir": run_dir.display().to_string(),
        });
        println!("{json}");
    } else {
        println!(
            "trained {} epochs: loss {:.5}, val_loss {:.5}; {:.2} s/epoch, {:.0} samples/s on {} (run folder {}, dataset verified: {verified})",
            history.len(),
            last.train_loss,
            last.val_loss,
            timing.seconds_per_epoch,
            timing.samples_per_second,
            config.backend,
            run_dir.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}
