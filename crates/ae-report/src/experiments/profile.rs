//! Compute profiles and the settings every experiment derives its runs from.

use ae_data::{DatasetKind, IMAGE_SIDE};
use ae_models::ModelConfig;
use ae_train::{BackendKind, TrainingConfig};

use super::PlannedRun;
use crate::error::Result;

/// How much compute the report may use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Tiny subsets and one epoch: every section in minutes (used by the tests).
    Smoke,
    /// Full datasets, reduced epochs.
    Quick,
    /// The seeds' own settings.
    Full,
}

impl std::str::FromStr for Profile {
    type Err = String;

    fn from_str(name: &str) -> std::result::Result<Self, String> {
        match name {
            "smoke" => Ok(Profile::Smoke),
            "quick" => Ok(Profile::Quick),
            "full" => Ok(Profile::Full),
            other => Err(format!(
                "unknown profile `{other}` (expected smoke, quick or full)"
            )),
        }
    }
}

impl Profile {
    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Profile::Smoke => "smoke",
            Profile::Quick => "quick",
            Profile::Full => "full",
        }
    }

    /// The value for this profile.
    pub fn pick<T>(self, smoke: T, quick: T, full: T) -> T {
        match self {
            Profile::Smoke => smoke,
            Profile::Quick => quick,
            Profile::Full => full,
        }
    }

    /// Training images per run (smoke profile: a small subset).
    pub fn train_limit(self) -> Option<usize> {
        self.pick(Some(600), None, None)
    }

    /// Test images per run.
    pub fn test_limit(self) -> Option<usize> {
        self.pick(Some(200), None, None)
    }
}

/// What decides every setting of a reproduction: the profile, the seed and the backend
/// (recorded in every run's config, so runs of different backends are never mixed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Compute profile.
    pub profile: Profile,
    /// Seed of every random choice.
    pub seed: u64,
    /// Backend of every training run.
    pub backend: BackendKind,
}

impl Settings {
    /// A training config of a named model with this profile's epochs, seed and data limits.
    pub(crate) fn config(
        &self,
        model: &str,
        code: Option<usize>,
        kind: DatasetKind,
        epochs: (usize, usize, usize),
        batch_size: usize,
    ) -> Result<TrainingConfig> {
        let mut config = TrainingConfig::new(
            ModelConfig::named(model, code, IMAGE_SIDE, IMAGE_SIDE)?,
            kind,
        );
        config.epochs = self.profile.pick(epochs.0, epochs.1, epochs.2);
        config.batch_size = batch_size;
        config.seed = self.seed;
        config.backend = self.backend;
        config.data.train_limit = self.profile.train_limit();
        config.data.val_limit = self.profile.test_limit();
        Ok(config)
    }

    /// A planned run of a named model (see [`Settings::config`]).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn planned(
        &self,
        section: &'static str,
        run: impl Into<String>,
        model: &'static str,
        kind: DatasetKind,
        epochs: (usize, usize, usize),
        batch_size: usize,
        source: &'static str,
    ) -> Result<PlannedRun> {
        Ok(PlannedRun {
            section,
            run: run.into(),
            model,
            config: self.config(model, None, kind, epochs, batch_size)?,
            train_images: None,
            source,
        })
    }
}
