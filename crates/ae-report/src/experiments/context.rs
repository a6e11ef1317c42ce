//! What every experiment runs with, and the training and figure helpers they share.

use std::path::PathBuf;

use ae_analysis::{encode_set, reconstruct_set};
use ae_data::{Dataset, DatasetKind, GridLayout, render_grid, save_png};
use ae_train::{
    DefaultBackend, EpochRecord, ProgressMode, TrainData, TrainOutcome, TrainingConfig,
    train_or_resume,
};

use burn::tensor::backend::AutodiffBackend;

use super::{
    GRID_SCALE, Inner, PlannedRun, Reference, SeedRow, Settings, captions, codes_for_display,
    first, png, seed_table,
};
use crate::error::Result;
use crate::findings;
use crate::plot::{CHART_SIZE, Labels, Series, labelled_grid, line_chart};
use crate::report::Section;
use crate::table::Table;

/// What every experiment needs: the data, the settings, the folders and the backend `B`
/// (with its device) that trains and runs every model.
pub struct Context<'a, B: AutodiffBackend = DefaultBackend> {
    /// MNIST.
    pub mnist: &'a Dataset,
    /// Fashion-MNIST.
    pub fashion: &'a Dataset,
    /// Profile, seed and backend: every setting of the runs derives from them.
    pub settings: Settings,
    /// Report folder (figures are written here).
    pub report_dir: PathBuf,
    /// Folder of the training runs.
    pub runs_dir: PathBuf,
    /// Progress display of the training runs.
    pub progress: ProgressMode,
    /// Device of the backend.
    pub device: B::Device,
}

impl<B: AutodiffBackend> Context<'_, B> {
    /// The loaded dataset of `kind`.
    pub fn dataset(&self, kind: DatasetKind) -> &Dataset {
        match kind {
            DatasetKind::Mnist => self.mnist,
            DatasetKind::Fashion => self.fashion,
        }
    }

    /// The profile, seed and backend of this reproduction.
    pub fn settings(&self) -> Settings {
        self.settings
    }

    /// Trains a planned run (or reuses it) on the data its selection names.
    pub(crate) fn train_planned(
        &self,
        planned: &PlannedRun,
    ) -> Result<(TrainData, TrainOutcome<Inner<B>>)> {
        self.train(planned.section, &planned.run, &planned.config)
    }

    /// Opens the section of a one-run experiment: trains (or reuses) `planned` and
    /// states its settings, `architecture` first.
    pub(crate) fn open_section(
        &self,
        title: &str,
        planned: &PlannedRun,
        architecture: &str,
    ) -> Result<(Section, TrainData, TrainOutcome<Inner<B>>)> {
        let mut section = Section::new(planned.section, title);
        let (data, outcome) = self.train_planned(planned)?;
        section.text(run_text(architecture, planned, &data, &outcome));
        Ok((section, data, outcome))
    }

    /// Trains (or reuses) `config` in `runs/<section>/<run>` on the data its selection names.
    pub(crate) fn train(
        &self,
        section: &str,
        run: &str,
        config: &TrainingConfig,
    ) -> Result<(TrainData, TrainOutcome<Inner<B>>)> {
        let data = TrainData::select(config, self.dataset(config.data.dataset))?;
        let outcome = self.train_on(section, run, config, &data)?;
        Ok((data, outcome))
    }

    /// Trains (or reuses) `config` in `runs/<section>/<run>` on `data` (the batch is
    /// capped at the training set's size).
    pub(crate) fn train_on(
        &self,
        section: &str,
        run: &str,
        config: &TrainingConfig,
        data: &TrainData,
    ) -> Result<TrainOutcome<Inner<B>>> {
        let mut config = config.clone();
        config.batch_size = config.batch_size.min(data.train.len());
        Ok(train_or_resume::<B>(
            &config,
            data,
            &self.run_dir(section, run),
            self.progress,
            &self.device,
        )?)
    }

    pub(crate) fn run_dir(&self, section: &str, run: &str) -> PathBuf {
        self.runs_dir.join(section).join(run)
    }

    /// Writes a grid of dataset images (`rows x cols` each, as the datasets' images) as
    /// `<file>` in the report folder and returns the file name.
    pub(crate) fn image_grid(
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
    pub(crate) fn labelled_image_grid(
        &self,
        file: &str,
        values: &[f32],
        labels: &[String],
    ) -> Result<String> {
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
    pub(crate) fn grid(
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
    pub(crate) fn loss_figure(
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
pub(crate) struct CodeView<'a> {
    /// Rows and columns of one code image.
    pub(crate) shape: (usize, usize),
    /// Rearranges one display-scaled code into that image (identity for dense codes).
    pub(crate) layout: fn(&[f32]) -> Vec<f32>,
    /// Caption of the code figure.
    pub(crate) caption: &'a str,
}

impl<B: AutodiffBackend> Context<'_, B> {
    /// The figures every single-model section shows: loss curves, the first ten test
    /// images, their codes and their reconstructions; then a final-loss table whose
    /// validation row carries `seed_val` where a seed document gives one.
    pub(crate) fn model_figures(
        &self,
        section: &mut Section,
        chart_title: &str,
        data: &TrainData,
        outcome: &TrainOutcome<Inner<B>>,
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

/// The data a planned run trains on when its config's data selection says it all.
pub(crate) fn selected_data<B: AutodiffBackend>(
    ctx: &Context<'_, B>,
    planned: &PlannedRun,
) -> Result<TrainData> {
    let config = &planned.config;
    Ok(TrainData::select(config, ctx.dataset(config.data.dataset))?)
}

/// Text stating a run's settings and where they come from, so every figure's epochs are
/// on the page.
pub(crate) fn run_text<B: burn::tensor::backend::Backend>(
    what: &str,
    planned: &PlannedRun,
    data: &TrainData,
    outcome: &TrainOutcome<B>,
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
