//! The seed experiments, one module per report section. Each takes a [`Context`]
//! (datasets, profile, folders, seed) and returns its [`Section`], having written its
//! figures. Training runs live under `runs/<section>/<run>` and are reused when
//! finished (or resumed when interrupted), so a re-run redoes no finished training.

mod convolutional;
mod deep_dense;
mod denoising;
mod family;
mod five_class;
mod latent_2d;
mod mnist_vs_fashion;
mod shallow_adadelta;

mod context;
mod figures;
mod profile;
mod seed_rows;

pub use context::Context;
use context::{CodeView, run_text};
pub use figures::GRID_SCALE;
use figures::{captions, codes_for_display, first, png};
pub use profile::{Profile, Settings};
use seed_rows::{Reference, SeedRow, seed_table};

pub(crate) use five_class::CHOSEN_TEST;

use ae_train::{DefaultBackend, TrainingConfig};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::report::Section;

/// Backend of every experiment.
pub type ExpBackend = DefaultBackend;
/// Backend of trained models (no autodiff).
pub type InferBackend = <ExpBackend as AutodiffBackend>::InnerBackend;
type Device = burn::backend::flex::FlexDevice;

/// The backend the experiments run on, as burn names it, and its device
/// (`autodiff<flex> on Cpu`).
pub fn backend_description(device: &Device) -> String {
    format!(
        "{} on {device:?}",
        <ExpBackend as burn::tensor::backend::Backend>::name(device)
    )
}
/// One experiment: id, title, the training runs it performs and the function producing
/// its section.
pub struct Experiment {
    /// File-name-safe id (`<id>.md`).
    pub id: &'static str,
    /// Title of the section.
    pub title: &'static str,
    /// The training runs of a profile, without training or loading data.
    pub runs: fn(&Settings) -> Result<Vec<PlannedRun>>,
    /// Runs the experiment.
    pub run: fn(&Context<'_>) -> Result<Section>,
}

/// Every experiment of the report, in order.
pub static EXPERIMENTS: [Experiment; 8] = [
    deep_dense::EXPERIMENT,
    convolutional::EXPERIMENT,
    denoising::EXPERIMENT,
    shallow_adadelta::EXPERIMENT,
    mnist_vs_fashion::EXPERIMENT,
    five_class::EXPERIMENT,
    latent_2d::EXPERIMENT,
    family::EXPERIMENT,
];

/// One training run of an experiment, as the profile sets it.
#[derive(Debug, Clone)]
pub struct PlannedRun {
    /// Section id; the run lives in `runs/<section>/<run>`.
    pub section: &'static str,
    /// Run folder inside the section's folder (may contain `/`).
    pub run: String,
    /// Named model (`ae train --model`).
    pub model: &'static str,
    /// Every training setting.
    pub config: TrainingConfig,
    /// Where the settings come from, and the choice made where the seed leaves one open.
    pub source: &'static str,
}

/// Every training run of the report under `settings`, in the order they run.
pub fn plan(settings: &Settings) -> Result<Vec<PlannedRun>> {
    let mut runs = Vec::new();
    for exp in &EXPERIMENTS {
        runs.extend((exp.runs)(settings)?);
    }
    Ok(runs)
}
