//! [`TrainingConfig`]: everything that determines a run, saved as `config.json`.

use std::path::Path;

use ae_data::{DatasetKind, ImageSet, Noise};
use ae_models::{ModelConfig, Objective, OptimizerKind};
use serde::{Deserialize, Serialize};

use crate::backend::BackendKind;
use crate::error::{Result, TrainError};

/// Which images a run trains and validates on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSelection {
    /// mnist or fashion.
    #[serde(with = "as_string")]
    pub dataset: DatasetKind,
    /// Keep only these classes (e.g. `[1, 5, 6]`); all when absent.
    #[serde(default)]
    pub classes: Option<Vec<u8>>,
    /// Use only the first N training images (after class filtering).
    #[serde(default)]
    pub train_limit: Option<usize>,
    /// Use only the first N test images for validation.
    #[serde(default)]
    pub val_limit: Option<usize>,
}

/// A complete, reproducible description of a training run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingConfig {
    /// Architecture.
    pub model: ModelConfig,
    /// Loss and penalties.
    pub objective: Objective,
    /// Optimizer.
    pub optimizer: OptimizerKind,
    /// Learning rate (see [`OptimizerKind::default_learning_rate`]).
    pub learning_rate: f64,
    /// Number of epochs.
    pub epochs: usize,
    /// Mini-batch size.
    pub batch_size: usize,
    /// When set, an epoch is this many batches drawn at random (each without
    /// replacement, independent of the others), as scripts that count iterations train;
    /// when absent, an epoch is one pass over the shuffled training images.
    #[serde(default)]
    pub steps_per_epoch: Option<usize>,
    /// Seed of initialisation, shuffling, noise and sampling.
    pub seed: u64,
    /// Input corruption (denoising when not `none`).
    #[serde(with = "as_string", default)]
    pub noise: Noise,
    /// Data used.
    pub data: DataSelection,
    /// Backend that trained the run.
    pub backend: BackendKind,
}

impl TrainingConfig {
    /// `model` on `dataset` with Keras-like defaults: BCE, Adam at 0.001, 10 epochs of
    /// batch 32, seed 0, no noise, no penalties, all data, the Flex backend.
    pub fn new(model: ModelConfig, dataset: DatasetKind) -> Self {
        TrainingConfig {
            model,
            objective: Objective::default(),
            optimizer: OptimizerKind::Adam,
            learning_rate: OptimizerKind::Adam.default_learning_rate(),
            epochs: 10,
            batch_size: 32,
            steps_per_epoch: None,
            seed: 0,
            noise: Noise::None,
            data: DataSelection {
                dataset,
                classes: None,
                train_limit: None,
                val_limit: None,
            },
            backend: BackendKind::Flex,
        }
    }

    /// Checks every field that can be checked without data.
    pub fn validate(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(TrainError::invalid("epochs", "must be at least 1"));
        }
        if self.batch_size == 0 {
            return Err(TrainError::invalid("batch_size", "must be at least 1"));
        }
        if self.steps_per_epoch == Some(0) {
            return Err(TrainError::invalid(
                "steps_per_epoch",
                "must be at least 1 when given",
            ));
        }
        if !(self.learning_rate.is_finite() && self.learning_rate > 0.0) {
            return Err(TrainError::invalid(
                "learning_rate",
                format!("{} is not a finite number > 0", self.learning_rate),
            ));
        }
        if let Err(e) = self.noise.validate() {
            return Err(TrainError::invalid("noise", e.to_string()));
        }
        if let Some(classes) = &self.data.classes
            && (classes.is_empty()
                || classes
                    .iter()
                    .any(|&c| usize::from(c) >= self.data.dataset.num_classes()))
        {
            return Err(TrainError::invalid(
                "data.classes",
                format!("{classes:?} is not a non-empty list of classes 0..9"),
            ));
        }
        if self.data.train_limit == Some(0) || self.data.val_limit == Some(0) {
            return Err(TrainError::invalid(
                "data.train_limit/val_limit",
                "must be at least 1 when given",
            ));
        }
        if let OptimizerKind::Sgd { momentum } = self.optimizer
            && !(0.0..1.0).contains(&momentum)
        {
            return Err(TrainError::invalid(
                "optimizer.momentum",
                "must be in [0, 1)",
            ));
        }
        self.model.validate()?;
        self.objective.validate_for(&self.model)?;
        Ok(())
    }

    /// Checks the config against the data it will see.
    pub fn validate_against(&self, train: &ImageSet) -> Result<()> {
        let pixels = train.pixels_per_image();
        if self.model.input_len() != pixels {
            return Err(TrainError::invalid(
                "model",
                format!(
                    "expects {} inputs, the images have {pixels}",
                    self.model.input_len()
                ),
            ));
        }
        if let ModelConfig::Conv(c) = &self.model
            && (c.height, c.width) != (train.rows(), train.cols())
        {
            return Err(TrainError::invalid(
                "model",
                format!(
                    "the conv model needs {}x{} images, the data is {}x{} (a 1-D input cannot feed it)",
                    c.height,
                    c.width,
                    train.rows(),
                    train.cols()
                ),
            ));
        }
        if self.batch_size > train.len() {
            return Err(TrainError::invalid(
                "batch_size",
                format!(
                    "{} is larger than the {} training images",
                    self.batch_size,
                    train.len()
                ),
            ));
        }
        Ok(())
    }

    /// Reads and validates a `config.json`; errors name the file and the field.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| TrainError::io(path, e))?;
        Self::from_json(&text).map_err(|reason| TrainError::ConfigFile {
            path: path.to_path_buf(),
            reason,
        })
    }

    /// Parses and validates the text of a `config.json`; the error names the field.
    ///
    /// # Example
    /// ```
    /// use ae_data::DatasetKind;
    /// use ae_models::ModelConfig;
    /// use ae_train::TrainingConfig;
    ///
    /// let config = TrainingConfig::new(ModelConfig::named("shallow", None, 28, 28)?, DatasetKind::Mnist);
    /// let back = TrainingConfig::from_json(&config.to_json())?;
    /// assert!(back.same_run_as(&config));
    /// let err = TrainingConfig::from_json(&config.to_json().replace("\"epochs\": 10", "\"epochs\": \"ten\""));
    /// assert!(err.unwrap_err().starts_with("field `epochs`"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    /// Any text gives a config or an error, never a panic (the `config` fuzz target
    /// holds that).
    pub fn from_json(text: &str) -> std::result::Result<Self, String> {
        // serde_path_to_error names the field of a type error (`epochs: invalid type ...`).
        let config: TrainingConfig =
            serde_path_to_error::deserialize(&mut serde_json::Deserializer::from_str(text))
                .map_err(|e| {
                    let field = e.path().to_string();
                    if field == "." {
                        e.inner().to_string()
                    } else {
                        format!("field `{field}`: {}", e.inner())
                    }
                })?;
        config.validate().map_err(|e| e.to_string())?;
        Ok(config)
    }

    /// Whether `other` describes this run, up to the number of epochs (a run extended
    /// to more epochs stays the same run: see [`crate::RunDir::extend_to`]).
    pub fn same_run_as(&self, other: &TrainingConfig) -> bool {
        let other = TrainingConfig {
            epochs: self.epochs,
            ..other.clone()
        };
        self.to_json() == other.to_json()
    }

    /// Optimizer steps in the whole run, when it counts iterations rather than passes.
    pub fn iterations(&self) -> Option<usize> {
        self.steps_per_epoch.map(|s| s * self.epochs)
    }

    /// Pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }

    /// JSON on one line (for file metadata).
    pub fn to_compact_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}

/// Serialises a type through its `Display` / `FromStr` (e.g. `"gaussian:0.25"`).
mod as_string {
    use std::fmt::Display;
    use std::str::FromStr;

    use serde::{Deserialize, Deserializer, Serializer, de::Error};

    pub fn serialize<T: Display, S: Serializer>(value: &T, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    pub fn deserialize<'de, T, D>(d: D) -> Result<T, D::Error>
    where
        T: FromStr,
        T::Err: Display,
        D: Deserializer<'de>,
    {
        let text = String::deserialize(d)?;
        text.parse().map_err(D::Error::custom)
    }
}
