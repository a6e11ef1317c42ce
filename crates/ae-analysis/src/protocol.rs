//! The five-class protocol of the seed report: digits {0,1,2,4,7}, a seeded per-class
//! train/val/test split, and PCA against one- and three-hidden-layer autoencoders and
//! denoising autoencoders, compared by reconstruction error and by how well the three
//! MLPs classify their codes, with the raw pixels as the baseline.

use std::path::Path;
use std::time::Instant;

use ae_data::{DatasetKind, ImageSet, Noise};
use ae_models::{ModelConfig, ReconstructionLoss};
use ae_train::{
    BackendKind, ProgressMode, TrainData, TrainingConfig, derive_seed, run_jobs_at_once,
    train_or_resume,
};
use burn::tensor::backend::AutodiffBackend;

use crate::classify::{
    ClassifierConfig, ClassifierKind, ClassifierReport, Features, train_classifier,
};
use crate::encode::{encode_set, reconstruct_set, reconstruct_values};
use crate::error::{AnalysisError, Result};
use crate::pca::{PcaParams, Samples};
use crate::weights::first_layer_weights;

/// The seed report's digits.
pub const FIVE_CLASSES: [u8; 5] = [0, 1, 2, 4, 7];
/// The seed report's images per class: train, validation, test.
pub const FIVE_CLASS_SPLIT: [usize; 3] = [2277, 759, 759];
/// The seed report's code sizes.
pub const FIVE_CLASS_CODES: [usize; 4] = [32, 64, 128, 256];

/// Settings of the protocol.
#[derive(Debug, Clone, PartialEq)]
pub struct FiveClassConfig {
    /// Digits kept (relabelled densely, in this order).
    pub classes: Vec<u8>,
    /// Images per class drawn for train, validation and test.
    pub per_class: [usize; 3],
    /// Code sizes of PCA and of the one- and three-hidden-layer autoencoders.
    pub code_sizes: Vec<usize>,
    /// Code size of the denoising autoencoders, and of the overall comparison.
    pub compare_code: usize,
    /// Gaussian noise standard deviations of the denoising autoencoders (the seed's
    /// "noise factor": `x + s * N(0, 1)`, clipped to `[0, 1]`).
    pub noise_levels: Vec<f32>,
    /// Autoencoder epochs.
    pub epochs: usize,
    /// Autoencoder batch size.
    pub batch_size: usize,
    /// Classifiers run on every representation.
    pub classifiers: Vec<ClassifierKind>,
    /// Most classifier epochs (early stopping on the validation split).
    pub classifier_epochs: usize,
    /// Classifier mini-batch size.
    pub classifier_batch: usize,
    /// Seed of the split, the initialisations and the shuffling.
    pub seed: u64,
    /// Backend of the autoencoder runs (recorded in their configs).
    pub backend: BackendKind,
}

impl FiveClassConfig {
    /// The protocol's seeded split of `pool` (labels relabelled 0..k in the order of
    /// [`FiveClassConfig::classes`]): train, validation and test, `per_class` images of
    /// each class.
    pub fn split(&self, pool: &ImageSet) -> Result<[ImageSet; 3]> {
        let parts = pool
            .filter_classes(&self.classes)?
            .relabel_dense(&self.classes)?;
        let dense: Vec<u8> = (0..self.classes.len() as u8).collect();
        let split = parts.stratified_split(&dense, &self.per_class, self.seed)?;
        <[ImageSet; 3]>::try_from(split).map_err(|_| AnalysisError::InvalidParameter {
            field: "per_class",
            reason: "expected three parts".into(),
        })
    }

    /// The seed report's settings with `epochs` autoencoder epochs.
    pub fn seed_protocol(epochs: usize, seed: u64) -> Self {
        FiveClassConfig {
            classes: FIVE_CLASSES.to_vec(),
            per_class: FIVE_CLASS_SPLIT,
            code_sizes: FIVE_CLASS_CODES.to_vec(),
            compare_code: 256,
            noise_levels: vec![0.2, 0.4],
            epochs,
            batch_size: 64,
            classifiers: ClassifierKind::seed_mlps().to_vec(),
            classifier_epochs: 50,
            // The seed report trains its classifiers with batch 32 at Adam's 1e-3.
            classifier_batch: 32,
            seed,
            backend: BackendKind::Flex,
        }
    }
}

/// How a representation of the five-class protocol is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// Principal components.
    Pca,
    /// An autoencoder with this many hidden layers (1: 784-d-784, 3: 784-400-d-400-784).
    Autoencoder {
        /// Hidden layers, the code included.
        hidden_layers: usize,
    },
    /// The one-hidden-layer autoencoder trained on inputs with Gaussian noise.
    Denoising {
        /// The noise's standard deviation, in percent of the pixel range.
        noise_percent: u32,
    },
    /// The images themselves: the baseline every representation is measured against.
    RawPixels,
}

impl Method {
    /// A name for file names: `pca`, `ae1layer`, `ae3layers`, `dae20`, `rawpixels`.
    pub fn slug(self) -> String {
        self.to_string()
            .to_lowercase()
            .replace([' ', '(', ')', '%'], "")
    }
}

impl std::fmt::Display for Method {
    /// The seed report's names: `PCA`, `AE (1 layer)`, `AE (3 layers)`, `DAE 20%`, and
    /// `raw pixels` for the baseline.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Method::Pca => f.write_str("PCA"),
            Method::Autoencoder { hidden_layers: 1 } => f.write_str("AE (1 layer)"),
            Method::Autoencoder { hidden_layers } => write!(f, "AE ({hidden_layers} layers)"),
            Method::Denoising { noise_percent } => write!(f, "DAE {noise_percent}%"),
            Method::RawPixels => f.write_str("raw pixels"),
        }
    }
}

/// One representation: how it was made, how well it reconstructs, how well its codes classify.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodResult {
    /// How it was made.
    pub method: Method,
    /// Code size.
    pub code_size: usize,
    /// Per-pixel reconstruction MSE on train, validation and test.
    pub mse: [f64; 3],
    /// One report per classifier, trained on the codes.
    pub classifiers: Vec<ClassifierReport>,
    /// Reconstructions of the shown train, validation and test images (row-major,
    /// `examples x pixels` each; the raw pixels' are the images themselves).
    pub examples: [Vec<f32>; 3],
    /// For a denoising autoencoder, the shown test images with its noise and its output
    /// from them.
    pub denoised: Option<Denoised>,
    /// First-layer weights of the first 12 units (autoencoders; PCA gives its components).
    pub weights: Vec<Vec<f32>>,
    /// Wall time of fitting or training, seconds.
    pub seconds: f64,
}

impl MethodResult {
    /// The classifier with the highest validation accuracy (the first on ties), as the
    /// seed chooses its model: the test split never takes part in the choice.
    pub fn chosen_classifier(&self) -> Option<&ClassifierReport> {
        choose_on_validation(&self.classifiers)
    }

    /// Test accuracy of [`Self::chosen_classifier`] (NaN without classifiers).
    pub fn chosen_test_accuracy(&self) -> f64 {
        self.chosen_classifier()
            .map_or(f64::NAN, |c| c.test_accuracy)
    }
}

/// The report with the highest validation accuracy (the first on ties): how the seed
/// chooses a model, never looking at test accuracy.
pub fn choose_on_validation<'a>(
    reports: impl IntoIterator<Item = &'a ClassifierReport>,
) -> Option<&'a ClassifierReport> {
    reports.into_iter().fold(None, |chosen, c| match chosen {
        Some(best) if best.val_accuracy >= c.val_accuracy => Some(best),
        _ => Some(c),
    })
}

/// A denoising autoencoder at work on the shown test images.
#[derive(Debug, Clone, PartialEq)]
pub struct Denoised {
    /// The shown test images with the noise the model was trained on (seeded).
    pub noisy: Vec<f32>,
    /// The model's output from `noisy`.
    pub output: Vec<f32>,
}

/// Everything the protocol measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FiveClassResult {
    /// Images in train, validation and test.
    pub sizes: [usize; 3],
    /// Train, validation and test images spread over the classes (the ones `examples`
    /// reconstruct), [`SHOWN_PER_SPLIT`] per split, row-major.
    pub originals: [Vec<f32>; 3],
    /// Results in order: raw pixels, PCA per size, AE (1 layer) per size, AE (3 layers)
    /// per size, DAEs.
    pub methods: Vec<MethodResult>,
}

/// Images shown per method and split.
pub const SHOWN_PER_SPLIT: usize = 10;
/// Seed stream of the noise put on the shown test images of the denoising models.
const SHOWN_NOISE_STREAM: u64 = 0x5407;
const WEIGHT_IMAGES: usize = 12;

/// Splits `pool` per class, then fits and trains every representation (runs in
/// `root/<method>`, finished runs reused) and classifies their codes.
pub fn five_class_protocol<B: AutodiffBackend>(
    config: &FiveClassConfig,
    pool: &ImageSet,
    kind: DatasetKind,
    root: &Path,
    progress: ProgressMode,
    device: &B::Device,
) -> Result<FiveClassResult> {
    let [train, val, test] = config.split(pool)?;
    let sets = [&train, &val, &test];
    // Spread the shown images over each part, which is ordered by class.
    let spread = |set: &ImageSet| {
        let count = SHOWN_PER_SPLIT.min(set.len());
        set.select(
            &(0..count)
                .map(|i| i * set.len() / count)
                .collect::<Vec<_>>(),
        )
    };
    let shown = [spread(&train)?, spread(&val)?, spread(&test)?];
    let shown_values = shown.each_ref().map(ImageSet::to_f32);
    let mut methods = Vec::new();
    let values = sets.map(ImageSet::to_f32);
    let pixels = train.pixels_per_image();
    // Each representation's codes, as classifier features; methods[m] owns features[m].
    // The classifiers train at the end, all at once.
    let mut features: Vec<[Features; 3]> = Vec::new();
    let to_features = |codes: [Vec<f32>; 3], cols: usize| -> Result<[Features; 3]> {
        let [ctrain, cval, ctest] = codes;
        let f =
            |values: Vec<f32>, set: &ImageSet| Features::new(values, cols, set.labels().to_vec());
        Ok([f(ctrain, &train)?, f(cval, &val)?, f(ctest, &test)?])
    };

    features.push(to_features(values.clone(), pixels)?);
    methods.push(MethodResult {
        method: Method::RawPixels,
        code_size: pixels,
        mse: [0.0; 3],
        classifiers: Vec::new(),
        examples: shown_values.clone(),
        denoised: None,
        weights: Vec::new(),
        seconds: 0.0,
    });
    let max_k = config
        .code_sizes
        .iter()
        .copied()
        .max()
        .unwrap_or(0)
        .min(pixels);
    let started = Instant::now();
    let full_pca = PcaParams::new(max_k).fit(&Samples::new(&values[0], train.len(), pixels)?)?;
    let pca_seconds = started.elapsed().as_secs_f64();
    for &k in &config.code_sizes {
        let pca = full_pca.truncated(k.min(max_k))?;
        let mut mse = [0.0; 3];
        let mut codes: [Vec<f32>; 3] = Default::default();
        for i in 0..3 {
            let s = Samples::new(&values[i], sets[i].len(), pixels)?;
            mse[i] = pca.reconstruction_mse(&s)?;
            codes[i] = pca.transform(&s)?;
        }
        // The same images as every other row (not the first codes, which are all of
        // the first class).
        let mut examples: [Vec<f32>; 3] = Default::default();
        for (i, images) in shown_values.iter().enumerate() {
            let n = shown[i].len();
            let codes = pca.transform(&Samples::new(images, n, pixels)?)?;
            examples[i] = pca.inverse_transform(&codes, n)?;
        }
        let weights = pca
            .components()
            .iter()
            .take(WEIGHT_IMAGES)
            .map(|c| c.iter().map(|&v| v as f32).collect())
            .collect();
        features.push(to_features(codes, k)?);
        methods.push(MethodResult {
            method: Method::Pca,
            code_size: k,
            mse,
            classifiers: Vec::new(),
            examples,
            denoised: None,
            weights,
            seconds: pca_seconds,
        });
    }

    let data = TrainData {
        train: train.clone(),
        val: val.clone(),
    };
    for run in config.autoencoder_runs(kind, train.rows(), train.cols())? {
        let AutoencoderRun {
            method,
            run,
            code_size: code,
            config: tc,
            ..
        } = run;
        let dir = root.join(run);
        let outcome = train_or_resume::<B>(&tc, &data, &dir, progress, device)?;
        let seconds =
            outcome.seconds_per_epoch().unwrap_or(f64::NAN) * outcome.history.len() as f64;
        let mut mse = [0.0; 3];
        let mut codes: [Vec<f32>; 3] = Default::default();
        for i in 0..3 {
            mse[i] = mean_squared_error(
                &reconstruct_set(&outcome.model, sets[i], device),
                &values[i],
            );
            codes[i] = encode_set(&outcome.model, sets[i], device);
        }
        let examples = [0, 1, 2].map(|i| reconstruct_set(&outcome.model, &shown[i], device));
        let denoised = (!tc.noise.is_none()).then(|| {
            let mut noisy = shown_values[2].clone();
            tc.noise
                .apply_seeded(&mut noisy, derive_seed(config.seed, 6, SHOWN_NOISE_STREAM));
            let output = reconstruct_values(&outcome.model, &noisy, pixels, device);
            Denoised { noisy, output }
        });
        let weights = first_layer_weights(&outcome.model, WEIGHT_IMAGES.min(code))?;
        features.push(to_features(codes, code)?);
        methods.push(MethodResult {
            method,
            code_size: code,
            mse,
            classifiers: Vec::new(),
            examples,
            denoised,
            weights,
            seconds,
        });
    }
    // Every (representation, classifier) pair is an independent, seeded training: they
    // run on all cores, each pair on one core, and land in their places in order.
    let jobs: Vec<(usize, &ClassifierKind)> = (0..features.len())
        .flat_map(|m| config.classifiers.iter().map(move |kind| (m, kind)))
        .collect();
    let reports = run_jobs_at_once(jobs.len(), |j| {
        let (m, kind) = jobs[j];
        let mut c = ClassifierConfig::new(kind.clone(), config.seed);
        c.max_epochs = config.classifier_epochs;
        c.batch_size = config.classifier_batch;
        let [ftrain, fval, ftest] = &features[m];
        train_classifier::<B>(&c, ftrain, fval, ftest, config.classes.len(), device)
    });
    for ((m, _), report) in jobs.iter().zip(reports) {
        methods[*m].classifiers.push(report?);
    }
    Ok(FiveClassResult {
        sizes: sets.map(ImageSet::len),
        originals: shown_values,
        methods,
    })
}

/// One autoencoder of the protocol: its row label, run folder and training settings.
#[derive(Debug, Clone)]
pub struct AutoencoderRun {
    /// How it makes its codes.
    pub method: Method,
    /// Run folder name under the protocol's root.
    pub run: String,
    /// Named model (`logistic` or `deep3`).
    pub model: &'static str,
    /// Code size.
    pub code_size: usize,
    /// Training settings.
    pub config: TrainingConfig,
}

impl FiveClassConfig {
    /// Every autoencoder the protocol trains, for `rows x cols` images of `kind`: the
    /// one- and three-hidden-layer models at each code size, then the denoising models
    /// at the compared code size.
    pub fn autoencoder_runs(
        &self,
        kind: DatasetKind,
        rows: usize,
        cols: usize,
    ) -> Result<Vec<AutoencoderRun>> {
        let mut planned: Vec<(Method, &'static str, usize, Noise)> = Vec::new();
        for (hidden_layers, model) in [(1, "logistic"), (3, "deep3")] {
            planned.extend(
                self.code_sizes
                    .iter()
                    .map(|&d| (Method::Autoencoder { hidden_layers }, model, d, Noise::None)),
            );
        }
        for &std in &self.noise_levels {
            planned.push((
                Method::Denoising {
                    noise_percent: (std * 100.0).round() as u32,
                },
                "logistic",
                self.compare_code,
                Noise::Gaussian { std },
            ));
        }
        let train_images = self.per_class[0] * self.classes.len();
        planned
            .into_iter()
            .map(|(method, model_name, code, noise)| {
                let model = ModelConfig::named(model_name, Some(code), rows, cols)?;
                let mut config = TrainingConfig::new(model, kind);
                config.data.classes = Some(self.classes.clone());
                config.epochs = self.epochs;
                config.batch_size = self.batch_size.min(train_images.max(1));
                config.seed = self.seed;
                config.backend = self.backend;
                config.noise = noise;
                config.objective.loss = ReconstructionLoss::Bce;
                let run = format!("{model_name}-{code}{}", noise_suffix(noise));
                Ok(AutoencoderRun {
                    method,
                    run,
                    model: model_name,
                    code_size: code,
                    config,
                })
            })
            .collect()
    }
}

fn noise_suffix(noise: Noise) -> String {
    match noise {
        Noise::Gaussian { std } => format!("-gaussian{}", (std * 100.0).round()),
        _ => String::new(),
    }
}

/// Mean of squared differences (0 for empty input).
pub fn mean_squared_error(a: &[f32], b: &[f32]) -> f64 {
    let sum: f64 = a.iter().zip(b).map(|(x, y)| f64::from(x - y).powi(2)).sum();
    sum / a.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(name: &str, val_accuracy: f64, test_accuracy: f64) -> ClassifierReport {
        ClassifierReport {
            classifier: name.into(),
            val_accuracy,
            test_accuracy,
            precision: Vec::new(),
            recall: Vec::new(),
            confusion: Vec::new(),
            best_epoch: 1,
        }
    }

    #[test]
    fn methods_keep_the_seed_report_names_and_file_slugs() {
        let names: Vec<(String, String)> = [
            Method::Pca,
            Method::Autoencoder { hidden_layers: 1 },
            Method::Autoencoder { hidden_layers: 3 },
            Method::Denoising { noise_percent: 20 },
        ]
        .iter()
        .map(|m| (m.to_string(), m.slug()))
        .collect();
        let expected = [
            ("PCA", "pca"),
            ("AE (1 layer)", "ae1layer"),
            ("AE (3 layers)", "ae3layers"),
            ("DAE 20%", "dae20"),
        ];
        for ((name, slug), (want_name, want_slug)) in names.iter().zip(expected) {
            assert_eq!((name.as_str(), slug.as_str()), (want_name, want_slug));
        }
    }

    #[test]
    fn the_classifier_is_chosen_on_validation_never_on_test() {
        let mut method = MethodResult {
            method: Method::Pca,
            code_size: 32,
            mse: [0.0; 3],
            classifiers: vec![
                report("a", 0.95, 0.99),
                report("b", 0.97, 0.90),
                report("c", 0.97, 0.98),
            ],
            examples: Default::default(),
            denoised: None,
            weights: Vec::new(),
            seconds: 0.0,
        };
        // The best validation accuracy wins, the first of a tie, whatever the test says.
        assert_eq!(method.chosen_classifier().unwrap().classifier, "b");
        assert_eq!(method.chosen_test_accuracy(), 0.90);
        method.classifiers.clear();
        assert!(method.chosen_classifier().is_none() && method.chosen_test_accuracy().is_nan());
    }
}
