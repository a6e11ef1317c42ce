//! The seed experiments, one module per report section. Each takes a [`Context`]
//! (datasets, profile, folders, seed) and returns its [`Section`], having written its
//! figures. Training runs live under `runs/<section>/<run>` and are reused when
//! finished (or resumed when interrupted), so a re-run redoes no finished training.

/// Defines a section module's `INFO` (from its `ID`, `TITLE` and the function listing its
/// runs) and its `experiment::<B>()`, which adds the function giving a run its training
/// data and the section's `run`.
macro_rules! define_experiment {
    ($runs:expr, $data:ident) => {
        pub(super) const INFO: super::ExperimentInfo = super::ExperimentInfo {
            id: ID,
            title: TITLE,
            runs: $runs,
        };

        pub(super) const fn experiment<B: burn::tensor::backend::AutodiffBackend>()
        -> super::Experiment<B> {
            super::Experiment {
                info: INFO,
                data: $data::<B>,
                run: run::<B>,
            }
        }
    };
}

/// Lists the sections in report order, once, as [`EXPERIMENTS`] and [`experiments`].
macro_rules! in_report_order {
    ($($section:ident),+ $(,)?) => {
        /// Every experiment of the report, in order, run on backend `B`.
        pub const fn experiments<B: AutodiffBackend>() -> [Experiment<B>; SECTIONS] {
            [$($section::experiment()),+]
        }

        /// Every experiment of the report, in order, as far as it does not depend on the
        /// backend: ids, titles and plans. It names no backend, so that this crate does
        /// not compile the experiments for one that its users compile them for again.
        pub static EXPERIMENTS: [ExperimentInfo; SECTIONS] = [$($section::INFO),+];
    };
}

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
mod shard;

pub use context::Context;
use context::{CodeView, run_text, selected_data};
pub use figures::GRID_SCALE;
use figures::{captions, codes_for_display, first, png};
pub use profile::{Profile, Settings};
use seed_rows::{Reference, SeedRow, seed_table};
pub use shard::{Shard, costliest_first, estimated_flops, shard_runs, train_runs};

pub(crate) use five_class::CHOSEN_TEST;

use ae_train::{TrainData, TrainingConfig};
use burn::tensor::backend::{AutodiffBackend, Backend};

use crate::error::Result;
use crate::report::Section;

/// Backend of trained models: the experiment backend `B` without autodiff.
pub(crate) type Inner<B> = <B as AutodiffBackend>::InnerBackend;

/// The backend `B` as burn names it, and its device (`autodiff<flex> on Cpu`).
pub fn backend_description<B: Backend>(device: &B::Device) -> String {
    format!("{} on {device:?}", B::name(device))
}

/// The number of report sections.
const SECTIONS: usize = 8;

in_report_order!(
    deep_dense,
    convolutional,
    denoising,
    shallow_adadelta,
    mnist_vs_fashion,
    five_class,
    latent_2d,
    family,
);

/// What an experiment is on any backend: its id, title and training runs.
#[derive(Debug, Clone, Copy)]
pub struct ExperimentInfo {
    /// File-name-safe id (`<id>.md`).
    pub id: &'static str,
    /// Title of the section.
    pub title: &'static str,
    /// The training runs of a profile, without training or loading data.
    pub runs: fn(&Settings) -> Result<Vec<PlannedRun>>,
}

/// One experiment on backend `B`: what it is, the data of its runs and the function
/// producing its section.
pub struct Experiment<B: AutodiffBackend> {
    /// Id, title and training runs.
    pub info: ExperimentInfo,
    /// The data one of its planned runs trains on (to train a run alone, in a shard).
    pub data: fn(&Context<'_, B>, &PlannedRun) -> Result<TrainData>,
    /// Runs the experiment.
    pub run: fn(&Context<'_, B>) -> Result<Section>,
}

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
    /// Training images per epoch where the data selection of `config` does not say it
    /// (the five-class protocol's own split); used to estimate the run's cost.
    pub train_images: Option<usize>,
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
