//! `ae export` and `ae import`: a run's weights to a safetensors file that PyTorch and
//! numpy load, and a run folder from weights trained elsewhere (see `docs/interop.md`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_data::{DatasetKind, IMAGE_SIDE};
use ae_models::{ModelConfig, WeightLayout};
use ae_train::{DefaultBackend, ImportConfig, TrainingConfig, export_run, import_run};
use anyhow::{Context, bail};
use clap::Args;

/// Arguments of `ae export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// Run folder of a trained model.
    run: PathBuf,
    /// The safetensors file to write.
    #[arg(long)]
    out: PathBuf,
    /// pytorch (names and shapes of PyTorch's state dict) or burn (burn's module paths).
    #[arg(long, default_value = "pytorch")]
    layout: WeightLayout,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Arguments of `ae import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The safetensors file to read.
    file: PathBuf,
    /// Run folder to create.
    #[arg(long)]
    out: PathBuf,
    /// The model's config: a run's `config.json`, or a model config alone (`{"kind":
    /// "dense", ...}`). Default: the config that `ae export` put in the file.
    #[arg(long, conflicts_with = "model")]
    config: Option<PathBuf>,
    /// A named model instead of a config: fc, shallow, deep, conv, latent2, logistic,
    /// deep3, vae.
    #[arg(long)]
    model: Option<String>,
    /// Code size of the named model.
    #[arg(long, requires = "model")]
    code_size: Option<usize>,
    /// Dataset the weights were trained on, with --model or a model config alone.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// pytorch or burn (default: the layout recorded in the file, else pytorch).
    #[arg(long)]
    layout: Option<WeightLayout>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs `ae export`.
pub fn export(args: &ExportArgs) -> anyhow::Result<ExitCode> {
    let summary =
        export_run::<DefaultBackend>(&args.run, &args.out, args.layout, &Default::default())?;
    if args.json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        println!(
            "wrote {} tensors ({} layout, {} bytes, {} epochs trained) to {}",
            summary.tensors.len(),
            summary.layout,
            summary.bytes,
            summary.epochs_trained,
            summary.out.display()
        );
        for (name, shape) in &summary.tensors {
            println!("  {name} {shape:?}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `ae import`.
pub fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let config = match (&args.config, &args.model) {
        (Some(path), _) => ImportConfig::Given(Box::new(read_config(path, args.dataset)?)),
        (None, Some(name)) => {
            let model = ModelConfig::named(name, args.code_size, IMAGE_SIDE, IMAGE_SIDE)?;
            ImportConfig::Given(Box::new(TrainingConfig::new(model, args.dataset)))
        }
        (None, None) => ImportConfig::FromFile,
    };
    let record = import_run::<DefaultBackend>(
        &args.file,
        config,
        args.layout,
        &args.out,
        &Default::default(),
    )?;
    if args.json {
        println!("{}", serde_json::to_string(&record)?);
    } else {
        println!(
            "imported {} parameters ({} layout) from {} into the run {}",
            record.parameters,
            record.layout,
            args.file.display(),
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// A run's `config.json`, or a model config alone (then trained on `dataset` with the
/// defaults of [`TrainingConfig::new`]).
fn read_config(path: &Path, dataset: DatasetKind) -> anyhow::Result<TrainingConfig> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let as_run = match TrainingConfig::from_json(&text) {
        Ok(config) => return Ok(config),
        Err(reason) => reason,
    };
    match serde_json::from_str::<ModelConfig>(&text) {
        Ok(model) => {
            model
                .validate()
                .with_context(|| format!("{}: invalid model config", path.display()))?;
            Ok(TrainingConfig::new(model, dataset))
        }
        Err(as_model) => bail!(
            "{}: neither a run's config.json ({as_run}) nor a model config ({as_model})",
            path.display()
        ),
    }
}
