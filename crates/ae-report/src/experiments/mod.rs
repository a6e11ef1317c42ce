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

pub(crate) use five_class::CHOSEN_TEST;

use std::path::PathBuf;

use ae_analysis::encode::{encode_set, reconstruct_set};
use ae_data::grid::{GridLayout, render_grid, save_png};
use ae_data::{Dataset, DatasetKind, IMAGE_SIDE, ImageSet};
use ae_models::ModelConfig;
use ae_train::{
    DefaultBackend, EpochRecord, ProgressMode, TrainData, TrainOutcome, TrainingConfig,
    train_or_resume,
};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::findings;
use crate::plot::{CHART_SIZE, Labels, Series, labelled_grid, line_chart};
use crate::report::Section;
use crate::table::Table;

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

/// Screen pixels per image pixel in every grid: a 28-px digit is 84 px wide, and a code's
/// cells are as large as the pixels of the digits they encode. The page shows grids at
/// their natural size, pixelated.
pub const GRID_SCALE: u32 = 3;

/// What every experiment needs.
pub struct Context<'a> {
    /// MNIST.
    pub mnist: &'a Dataset,
    /// Fashion-MNIST.
    pub fashion: &'a Dataset,
    /// Compute profile.
    pub profile: Profile,
    /// Seed of every random choice.
    pub seed: u64,
    /// Report folder (figures are written here).
    pub report_dir: PathBuf,
    /// Folder of the training runs.
    pub runs_dir: PathBuf,
    /// Progress display of the training runs.
    pub progress: ProgressMode,
    /// Device of the backend.
    pub device: Device,
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

/// What decides every setting of a reproduction: the profile and the seed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Compute profile.
    pub profile: Profile,
    /// Seed of every random choice.
    pub seed: u64,
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

impl Settings {
    /// A training config of a named model with this profile's epochs, seed and data limits.
    fn config(
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
        config.data.train_limit = self.profile.train_limit();
        config.data.val_limit = self.profile.test_limit();
        Ok(config)
    }

    /// A planned run of a named model (see [`Settings::config`]).
    #[allow(clippy::too_many_arguments)]
    fn planned(
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
            source,
        })
    }
}

impl Context<'_> {
    /// The loaded dataset of `kind`.
    pub fn dataset(&self, kind: DatasetKind) -> &Dataset {
        match kind {
            DatasetKind::Mnist => self.mnist,
            DatasetKind::Fashion => self.fashion,
        }
    }

    /// The profile and seed of this reproduction.
    pub fn settings(&self) -> Settings {
        Settings {
            profile: self.profile,
            seed: self.seed,
        }
    }

    /// Trains a planned run (or reuses it) on the data its selection names.
    fn train_planned(
        &self,
        planned: &PlannedRun,
    ) -> Result<(TrainData, TrainOutcome<InferBackend>)> {
        self.train(planned.section, &planned.run, &planned.config)
    }

    /// Trains (or reuses) `config` in `runs/<section>/<run>` on the data its selection names.
    fn train(
        &self,
        section: &str,
        run: &str,
        config: &TrainingConfig,
    ) -> Result<(TrainData, TrainOutcome<InferBackend>)> {
        let mut config = config.clone();
        let data = TrainData::select(&config, self.dataset(config.data.dataset))?;
        config.batch_size = config.batch_size.min(data.train.len());
        let outcome = train_or_resume::<ExpBackend>(
            &config,
            &data,
            &self.run_dir(section, run),
            self.progress,
            &self.device,
        )?;
        Ok((data, outcome))
    }

    fn run_dir(&self, section: &str, run: &str) -> PathBuf {
        self.runs_dir.join(section).join(run)
    }

    /// Writes a grid of dataset images (`rows x cols` each, as the datasets' images) as
    /// `<file>` in the report folder and returns the file name.
    fn image_grid(
        &self,
        file: &str,
        values: &[f32],
        captions: Option<&[String]>,
        columns: usize,
    ) -> Result<String> {
        let (rows, cols) = (self.mnist.train.rows(), self.mnist.train.cols());
        self.grid(file, values, rows, cols, captions, columns)
    }

    /// Writes dataset images as a grid with one row per label, the labels drawn to the
    /// left of their rows, as `<file>` in the report folder, and returns the file name.
    fn labelled_image_grid(&self, file: &str, values: &[f32], labels: &[String]) -> Result<String> {
        let (rows, cols) = (self.mnist.train.rows(), self.mnist.train.cols());
        let images = values.len() / (rows * cols).max(1);
        let img = render_grid(
            values,
            rows,
            cols,
            None,
            GridLayout {
                columns: images.div_ceil(labels.len().max(1)).max(1),
                scale: GRID_SCALE,
                gap: 2,
            },
        );
        labelled_grid(&self.report_dir.join(file), &img, labels)?;
        Ok(file.to_string())
    }

    /// Writes a grid of `rows x cols` tiles (images or codes) as `<file>` in the report
    /// folder, at [`GRID_SCALE`], and returns the file name.
    fn grid(
        &self,
        file: &str,
        values: &[f32],
        rows: usize,
        cols: usize,
        captions: Option<&[String]>,
        columns: usize,
    ) -> Result<String> {
        let img = render_grid(
            values,
            rows,
            cols,
            captions,
            GridLayout {
                columns,
                scale: GRID_SCALE,
                gap: 2,
            },
        );
        save_png(&img, &self.report_dir.join(file))?;
        Ok(file.to_string())
    }

    /// Shows train and validation loss per epoch: a chart (`<file>.png`), or a table
    /// (`<file>`) when one epoch gives too few points for a curve.
    fn loss_figure(
        &self,
        section: &mut Section,
        file: &str,
        title: &str,
        loss: &str,
        history: &[EpochRecord],
    ) -> Result<()> {
        if history.len() < 2 {
            let mut table = Table::new([
                "epoch",
                &format!("train {loss}"),
                &format!("validation {loss}"),
            ]);
            for r in history {
                table.push([
                    r.epoch.to_string(),
                    Table::num(r.train_loss, 4),
                    Table::num(r.val_loss, 4),
                ]);
            }
            section.text(format!(
                "{title}: one epoch, so its losses are a table, not a chart."
            ));
            section.table(file, table);
            return Ok(());
        }
        let series = |name: &str, f: fn(&EpochRecord) -> f64| Series {
            name: name.into(),
            points: history.iter().map(|r| (r.epoch as f64, f(r))).collect(),
        };
        let labels = Labels {
            title,
            x: "epoch",
            y: loss,
        };
        let png_file = png(&section.id, file);
        line_chart(
            &self.report_dir.join(&png_file),
            labels,
            &[
                series("train", |r| r.train_loss),
                series("validation", |r| r.val_loss),
            ],
        )?;
        section.chart(
            png_file,
            format!("Training and validation {loss} per epoch"),
            CHART_SIZE,
        );
        Ok(())
    }
}

/// How a section shows its model's codes.
struct CodeView<'a> {
    /// Rows and columns of one code image.
    shape: (usize, usize),
    /// Rearranges one display-scaled code into that image (identity for dense codes).
    layout: fn(&[f32]) -> Vec<f32>,
    /// Caption of the code figure.
    caption: &'a str,
}

impl Context<'_> {
    /// The figures every single-model section shows: loss curves, the first ten test
    /// images, their codes and their reconstructions; then a final-loss table whose
    /// validation row carries `seed_val` where a seed document gives one.
    fn model_figures(
        &self,
        section: &mut Section,
        chart_title: &str,
        data: &TrainData,
        outcome: &TrainOutcome<InferBackend>,
        codes: CodeView<'_>,
        seed_val: Option<Reference>,
    ) -> Result<()> {
        let id = section.id.clone();
        let id = id.as_str();
        let epochs = outcome.history.len();
        self.loss_figure(
            section,
            "loss",
            &format!("{chart_title} ({})", findings::epochs(epochs)),
            "BCE",
            &outcome.history,
        )?;
        let shown = first(&data.val, 10)?;
        section.figure(
            self.image_grid(
                &png(id, "originals"),
                &shown.to_f32(),
                Some(&captions(&shown)),
                10,
            )?,
            "The first ten test images",
        );
        let code_len = codes.shape.0 * codes.shape.1;
        let scaled = codes_for_display(&encode_set(&outcome.model, &shown, &self.device), code_len);
        let images: Vec<f32> = scaled
            .chunks(code_len.max(1))
            .flat_map(codes.layout)
            .collect();
        section.figure(
            self.grid(
                &png(id, "codes"),
                &images,
                codes.shape.0,
                codes.shape.1,
                None,
                10,
            )?,
            codes.caption,
        );
        section.figure(
            self.image_grid(
                &png(id, "reconstructions"),
                &reconstruct_set(&outcome.model, &shown, &self.device),
                None,
                10,
            )?,
            format!("Their reconstructions after {}", findings::epochs(epochs)),
        );
        let last = outcome.history.last().copied().unwrap_or_default();
        section.table(
            "losses",
            seed_table(&[
                SeedRow {
                    quantity: "train BCE (last epoch)".into(),
                    reference: None,
                    ours: last.train_loss,
                    epochs,
                },
                SeedRow {
                    quantity: "validation BCE".into(),
                    reference: seed_val,
                    ours: last.val_loss,
                    epochs,
                },
            ]),
        );
        let validation: Vec<f64> = outcome.history.iter().map(|r| r.val_loss).collect();
        section.findings(findings::training(&findings::RunEnd {
            name: chart_title,
            loss: "BCE",
            train: last.train_loss,
            validation: &validation,
        }));
        Ok(())
    }
}

/// Text stating a run's settings and where they come from, so every figure's epochs are
/// on the page.
fn run_text(
    what: &str,
    planned: &PlannedRun,
    data: &TrainData,
    outcome: &TrainOutcome<InferBackend>,
) -> String {
    let config = &planned.config;
    let reused = if outcome.timing.is_none_or(|t| t.epochs_run == 0)
        || outcome.resumed_from == config.epochs
    {
        " (finished run reused)"
    } else {
        ""
    };
    let length = match (config.iterations(), config.steps_per_epoch) {
        (Some(iterations), Some(steps)) => format!(
            "{iterations} iterations of randomly drawn batches of {} ({} epochs of {steps})",
            config.batch_size, config.epochs
        ),
        _ => format!("{} epochs, batch {}", config.epochs, config.batch_size),
    };
    format!(
        "{what}: {length}, {} at learning rate {}, {} loss, {} training and {} validation images of {}; {} s per epoch{reused}. Settings: {}.",
        config.optimizer.name(),
        config.learning_rate,
        config.objective.loss.name().to_uppercase(),
        data.train.len(),
        data.val.len(),
        config.data.dataset,
        outcome
            .seconds_per_epoch()
            .map_or_else(|| "unknown".to_string(), |s| format!("{s:.2}")),
        planned.source,
    )
}

/// A number from a seed document (or another named source) to set beside ours.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Reference {
    value: f64,
    /// Where it comes from ("seed 002 notebook", "Keras blog").
    source: &'static str,
    /// The epochs it was measured after, where the source states them.
    epochs: Option<usize>,
}

/// One row of a seed table: a quantity of ours, after `epochs`, and its reference if any.
struct SeedRow {
    quantity: String,
    reference: Option<Reference>,
    ours: f64,
    epochs: usize,
}

/// Ours beside the references: a difference only where the epochs match (or the
/// source does not state them); otherwise the row says the two are not alike.
fn seed_table(rows: &[SeedRow]) -> Table {
    let mut table = Table::new(["quantity", "reference", "source", "ours", "difference"]);
    for row in rows {
        let (value, source, difference) = match row.reference {
            Some(r) => (
                Table::num(r.value, 4),
                match r.epochs {
                    Some(e) => format!("{} ({e} epochs)", r.source),
                    None => format!("{} (epochs not stated)", r.source),
                },
                match r.epochs {
                    Some(e) if e != row.epochs => {
                        format!(
                            "not like with like: {} against {e}",
                            findings::epochs(row.epochs)
                        )
                    }
                    _ => Table::num(row.ours - r.value, 3),
                },
            ),
            None => (String::new(), String::new(), String::new()),
        };
        table.push([
            row.quantity.clone(),
            value,
            source,
            Table::num(row.ours, 4),
            difference,
        ]);
    }
    table
}

/// The first `n` images of `set`.
fn first(set: &ImageSet, n: usize) -> Result<ImageSet> {
    Ok(set.first(n.min(set.len()))?)
}

/// Label captions of a set.
fn captions(set: &ImageSet) -> Vec<String> {
    set.labels().iter().map(u8::to_string).collect()
}

/// Scales each code to `[0, 1]` by its own maximum, for display (codes are not images).
fn codes_for_display(codes: &[f32], len: usize) -> Vec<f32> {
    codes
        .chunks(len.max(1))
        .flat_map(|c| {
            let (lo, hi) = c
                .iter()
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &v| {
                    (l.min(v), h.max(v))
                });
            let span = if hi > lo { hi - lo } else { 1.0 };
            c.iter().map(move |&v| (v - lo) / span)
        })
        .collect()
}

/// A file name `<section>-<name>.png`.
fn png(section: &str, name: &str) -> String {
    format!("{section}-{name}.png")
}
