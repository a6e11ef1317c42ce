//! `ae classify`: a classifier on raw pixels, PCA components, an autoencoder's codes,
//! its reconstructions, or its outputs on noisy images (the CNN-on-outputs protocol).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_analysis::{ClassifierConfig, ClassifierKind, Features, train_classifier};
use ae_analysis::{PcaParams, Samples};
use ae_analysis::{encode_set, reconstruct_set, reconstruct_values};
use ae_data::{Dataset, DatasetKind, ImageSet};
use ae_train::{DefaultBackend, TrainingConfig, load_run};
use burn::tensor::backend::AutodiffBackend;
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
    features: FeatureSource,
    /// `logistic`, `mlp-W1-W2-...` (the seeds': mlp-512-256-256, mlp-512-512-512,
    /// mlp-512-256-128-64) or `cnn` (for image features: pixels, recon:, denoised:).
    #[arg(long, default_value = "logistic", value_parser = parse_classifier)]
    classifier: ClassifierKind,
    /// mnist or fashion (for `run:`, the run's own dataset is used).
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// Fraction of the training images held out for early stopping: the last ones, as
    /// Keras' `validation_split` takes them.
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

/// Where the classifier's features come from (`--features`).
#[derive(Debug, Clone)]
enum FeatureSource {
    Pixels,
    Pca(usize),
    Run(PathBuf, RunFeatures),
}

/// What a trained run contributes.
#[derive(Debug, Clone, Copy)]
enum RunFeatures {
    Codes,
    Reconstructions,
    Denoised,
}

impl RunFeatures {
    const ALL: [RunFeatures; 3] = [
        RunFeatures::Codes,
        RunFeatures::Reconstructions,
        RunFeatures::Denoised,
    ];

    /// The `--features` prefix that selects it.
    fn prefix(self) -> &'static str {
        match self {
            RunFeatures::Codes => "run:",
            RunFeatures::Reconstructions => "recon:",
            RunFeatures::Denoised => "denoised:",
        }
    }
}

impl std::str::FromStr for FeatureSource {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        if spec == "pixels" {
            return Ok(FeatureSource::Pixels);
        }
        if let Some(k) = spec.strip_prefix("pca:") {
            return k
                .parse()
                .map(FeatureSource::Pca)
                .map_err(|_| format!("`{k}` is not a component count"));
        }
        RunFeatures::ALL
            .into_iter()
            .find_map(|what| {
                spec.strip_prefix(what.prefix())
                    .map(|dir| FeatureSource::Run(PathBuf::from(dir), what))
            })
            .ok_or_else(|| {
                format!(
                    "expected pixels, pca:K, run:RUN_DIR, recon:RUN_DIR or denoised:RUN_DIR, got `{spec}`"
                )
            })
    }
}

impl std::fmt::Display for FeatureSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FeatureSource::Pixels => f.write_str("pixels"),
            FeatureSource::Pca(k) => write!(f, "pca:{k}"),
            FeatureSource::Run(dir, what) => write!(f, "{}{}", what.prefix(), dir.display()),
        }
    }
}

fn parse_classifier(name: &str) -> Result<ClassifierKind, String> {
    ClassifierKind::parse(name).ok_or_else(|| {
        format!("unknown classifier `{name}` (expected logistic, cnn or mlp-W1-W2-...)")
    })
}

/// A feature source made ready: a run's model loaded.
enum Prepared {
    Pixels,
    Pca(usize),
    Run {
        config: Box<TrainingConfig>,
        model: Box<ae_models::AnyAutoencoder<<DefaultBackend as AutodiffBackend>::InnerBackend>>,
        what: RunFeatures,
    },
}

/// Trains and evaluates the classifier; the test split is the dataset's test split.
pub fn run(args: &ClassifyArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    if !(args.val_fraction > 0.0 && args.val_fraction < 1.0) {
        anyhow::bail!("--val-fraction: must be in (0, 1)");
    }
    let device = Default::default();
    let prepared = match &args.features {
        FeatureSource::Pixels => Prepared::Pixels,
        FeatureSource::Pca(k) => Prepared::Pca(*k),
        FeatureSource::Run(dir, what) => {
            let (config, model, _) = load_run::<DefaultBackend>(dir, &device)?;
            Prepared::Run {
                config: Box::new(config),
                model: Box::new(model),
                what: *what,
            }
        }
    };
    let dataset_kind = match &prepared {
        Prepared::Run { config, .. } => config.data.dataset,
        _ => args.dataset,
    };
    let ds: Dataset = crate::data::load_dataset(data_dir, dataset_kind)?;
    let to_features = |set: &ImageSet, values: Vec<f32>, cols: usize| {
        Features::new(values, cols, set.labels().to_vec())
    };
    let pixels = ds.train.pixels_per_image();
    let (train, test) = match &prepared {
        Prepared::Pixels => (
            to_features(&ds.train, ds.train.to_f32(), pixels)?,
            to_features(&ds.test, ds.test.to_f32(), pixels)?,
        ),
        Prepared::Pca(k) => {
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
        Prepared::Run {
            config,
            model,
            what,
        } => {
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
    };
    let (fit_rows, val_rows) = ae_data::validation_split(train.rows, args.val_fraction);
    let (fit, val) = (
        train.select(&fit_rows.collect::<Vec<_>>()),
        train.select(&val_rows.collect::<Vec<_>>()),
    );
    let mut config = ClassifierConfig::new(args.classifier.clone(), args.seed);
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
                "features": args.features.to_string(), "classifier": report.classifier, "dataset": dataset_kind.name(),
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
