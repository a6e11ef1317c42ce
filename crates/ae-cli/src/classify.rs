//! `ae classify`: a classifier on raw pixels, PCA components, an autoencoder's codes,
//! its reconstructions, or its outputs on noisy images (the CNN-on-outputs protocol).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_analysis::classify::{ClassifierConfig, ClassifierKind, Features, train_classifier};
use ae_analysis::encode::{encode_set, reconstruct_set, reconstruct_values};
use ae_analysis::{PcaParams, Samples};
use ae_data::{Dataset, DatasetKind, ImageSet};
use ae_train::{DefaultBackend, load_run};
use anyhow::Context;
use clap::Args;
use rand::SeedableRng;
use rand::rngs::StdRng;

/// Arguments of `ae classify`.
#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Features: `pixels`, `pca:K`, `run:RUN_DIR` (the codes of a trained autoencoder),
    /// `recon:RUN_DIR` (its reconstructions) or `denoised:RUN_DIR` (its outputs on copies
    /// corrupted with the run's own noise, seeded by --seed).
    #[arg(long, default_value = "pixels")]
    features: String,
    /// `logistic`, `mlp-W1-W2-...` (the seeds': mlp-512-256-256, mlp-512-512-512,
    /// mlp-512-256-128-64) or `cnn` (for image features: pixels, recon:, denoised:).
    #[arg(long, default_value = "logistic")]
    classifier: String,
    /// mnist or fashion (for `run:`, the run's own dataset is used).
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// Fraction of the training images held out for early stopping.
    #[arg(long, default_value_t = 0.1)]
    val_fraction: f64,
    /// Most epochs.
    #[arg(long, default_value_t = 50)]
    max_epochs: usize,
    /// Early-stopping patience in epochs.
    #[arg(long, default_value_t = 5)]
    patience: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

enum Source {
    Pixels,
    Pca(usize),
    Run(PathBuf, RunFeatures),
}

/// What a trained run contributes.
#[derive(Clone, Copy)]
enum RunFeatures {
    Codes,
    Reconstructions,
    Denoised,
}

fn parse_source(spec: &str) -> anyhow::Result<Source> {
    if spec == "pixels" {
        return Ok(Source::Pixels);
    }
    if let Some(k) = spec.strip_prefix("pca:") {
        return Ok(Source::Pca(k.parse().with_context(|| {
            format!("--features: `{k}` is not a component count")
        })?));
    }
    for (prefix, what) in [
        ("run:", RunFeatures::Codes),
        ("recon:", RunFeatures::Reconstructions),
        ("denoised:", RunFeatures::Denoised),
    ] {
        if let Some(dir) = spec.strip_prefix(prefix) {
            return Ok(Source::Run(PathBuf::from(dir), what));
        }
    }
    anyhow::bail!(
        "--features: expected pixels, pca:K, run:RUN_DIR, recon:RUN_DIR or denoised:RUN_DIR, got `{spec}`"
    )
}

/// Trains and evaluates the classifier; the test split is the dataset's test split.
pub fn run(args: &ClassifyArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let kind = ClassifierKind::parse(&args.classifier)
        .with_context(|| format!("--classifier: unknown classifier `{}`", args.classifier))?;
    if !(args.val_fraction > 0.0 && args.val_fraction < 1.0) {
        anyhow::bail!("--val-fraction: must be in (0, 1)");
    }
    let source = parse_source(&args.features)?;
    let device = Default::default();
    let run = match &source {
        Source::Run(dir, _) => Some(load_run::<DefaultBackend>(dir, &device)?),
        _ => None,
    };
    let dataset_kind = run
        .as_ref()
        .map_or(args.dataset, |(c, _, _)| c.data.dataset);
    let ds: Dataset = crate::data::load_dataset(data_dir, dataset_kind)?;
    let to_features = |set: &ImageSet, values: Vec<f32>, cols: usize| {
        Features::new(values, cols, set.labels().to_vec())
    };
    let pixels = ds.train.pixels_per_image();
    let (train, test) = match (&source, &run) {
        (Source::Pixels, _) => (
            to_features(&ds.train, ds.train.to_f32(), pixels)?,
            to_features(&ds.test, ds.test.to_f32(), pixels)?,
        ),
        (Source::Pca(k), _) => {
            let (tr, te) = (ds.train.to_f32(), ds.test.to_f32());
            let (tr_samples, te_samples) = (
                Samples::new(&tr, ds.train.len(), pixels)?,
                Samples::new(&te, ds.test.len(), pixels)?,
            );
            let pca = PcaParams::new(*k).fit(&tr_samples)?;
            (
                to_features(&ds.train, pca.transform(&tr_samples)?, *k)?,
                to_features(&ds.test, pca.transform(&te_samples)?, *k)?,
            )
        }
        (Source::Run(_, what), Some((config, model, _))) => {
            use ae_models::Autoencoder;
            let features = |set: &ImageSet, stream: u64| -> Vec<f32> {
                match what {
                    RunFeatures::Codes => encode_set(model, set, &device),
                    RunFeatures::Reconstructions => reconstruct_set(model, set, &device),
                    RunFeatures::Denoised => {
                        let mut noisy = set.to_f32();
                        config.noise.apply(
                            &mut noisy,
                            &mut StdRng::seed_from_u64(args.seed.wrapping_add(stream)),
                        );
                        reconstruct_values(model, &noisy, pixels, &device)
                    }
                }
            };
            let cols = if matches!(what, RunFeatures::Codes) {
                model.code_len()
            } else {
                pixels
            };
            (
                to_features(&ds.train, features(&ds.train, 1), cols)?,
                to_features(&ds.test, features(&ds.test, 2), cols)?,
            )
        }
        (Source::Run(..), None) => unreachable!("run loaded above"),
    };
    let order = ae_data::shuffled_indices(train.rows, args.seed);
    let n_val = ((train.rows as f64) * args.val_fraction).round().max(1.0) as usize;
    let (val_idx, train_idx) = order.split_at(n_val);
    let (fit, val) = (train.select(train_idx), train.select(val_idx));
    let mut config = ClassifierConfig::new(kind, args.seed);
    config.max_epochs = args.max_epochs;
    config.patience = args.patience.max(1);
    let report = train_classifier::<DefaultBackend>(
        &config,
        &fit,
        &val,
        &test,
        dataset_kind.num_classes(),
        &device,
    )?;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "features": args.features, "classifier": report.classifier, "dataset": dataset_kind.name(),
                "val_accuracy": report.val_accuracy, "test_accuracy": report.test_accuracy, "best_epoch": report.best_epoch,
                "precision": report.precision, "recall": report.recall, "confusion": report.confusion, "verified": ds.verified(),
            })
        );
    } else {
        println!(
            "{} on {} ({}): val accuracy {:.4}, test accuracy {:.4} (best epoch {})",
            report.classifier,
            args.features,
            dataset_kind,
            report.val_accuracy,
            report.test_accuracy,
            report.best_epoch
        );
    }
    Ok(ExitCode::SUCCESS)
}
