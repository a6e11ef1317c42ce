//! The fidelity table: every number that a seed document reports, next to ours as read
//! from report folders, with the difference and a verdict.
//!
//! Ours come from a report folder's run histories (`runs/<section>/<run>/history.csv`)
//! and tables (`<section>-<table>.csv`). The first folder is the reference run; further
//! folders (the same profile at other seeds) give the spread that a `within noise`
//! verdict needs.

use std::path::{Path, PathBuf};

use crate::error::{ReportError, Result};
use crate::plateau::LossCurve;
use crate::table::{CellStyle, Table};

/// How close ours must be to count as `met`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// `|ours - seed| <= r * |seed|`.
    Relative(f64),
    /// `|ours - seed| <= a`.
    Absolute(f64),
}

impl Tolerance {
    fn holds(self, seed: f64, ours: f64) -> bool {
        let gap = (ours - seed).abs();
        match self {
            Tolerance::Relative(r) => gap <= r * seed.abs(),
            Tolerance::Absolute(a) => gap <= a,
        }
    }

    fn describe(self) -> String {
        match self {
            Tolerance::Relative(r) => format!("{}%", r * 100.0),
            Tolerance::Absolute(a) => format!("±{a}"),
        }
    }
}

/// Which column of a run's `history.csv`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HistoryColumn {
    /// Mean batch loss over the epoch (Keras' `loss`).
    Train,
    /// Validation loss after the epoch (Keras' `val_loss`).
    Validation,
}

/// `(column, value)` pairs selecting one row of a table.
pub type RowKey = &'static [(&'static str, &'static str)];

/// Where our number is read from, inside a report folder.
#[derive(Debug, Clone, PartialEq)]
pub enum Measure {
    /// A run's history: `runs/<run>/history.csv`, at `epoch` (1-based) or the last one.
    History {
        /// `<section>/<run>`.
        run: &'static str,
        /// Epoch; `None` for the last.
        epoch: Option<usize>,
        /// Column.
        column: HistoryColumn,
    },
    /// A report table `<file>`: the row whose columns equal `key`, column `column`.
    Table {
        /// CSV file name (`five-class-reconstruction.csv`).
        file: &'static str,
        /// The row.
        key: RowKey,
        /// Column holding the number.
        column: &'static str,
    },
}

/// A number a seed document reports, and where ours is.
#[derive(Debug, Clone, PartialEq)]
pub struct SeedFigure {
    /// Document (and place in it).
    pub source: &'static str,
    /// What is measured, in words.
    pub quantity: &'static str,
    /// The document's number; `None` where this repository does not hold it (the
    /// document asks for the figure, or its number was not transcribed), so that ours
    /// is still listed.
    pub value: Option<f64>,
    /// Where ours is read.
    pub ours: Measure,
    /// How close counts as `met`.
    pub tolerance: Tolerance,
    /// The run (`<section>/<run>`) that produced ours, whose history explains a
    /// deviation (is it still improving?); `None` when ours is chosen among several.
    pub trained_by: Option<&'static str>,
}

const HISTORY_BCE_TOLERANCE: Tolerance = Tolerance::Relative(0.01);
const ACCURACY_TOLERANCE: Tolerance = Tolerance::Absolute(0.005);

/// Every seed figure the report can compare with.
pub fn seed_figures() -> Vec<SeedFigure> {
    use HistoryColumn::{Train, Validation};
    let history = |run, epoch, column| Measure::History { run, epoch, column };
    let mut figures = vec![
        SeedFigure {
            source: "Keras blog, convolutional autoencoder",
            quantity: "conv: validation BCE after 50 epochs (batch 128)",
            value: Some(0.094),
            ours: history("convolutional/conv", Some(50), Validation),
            tolerance: HISTORY_BCE_TOLERANCE,
            trained_by: Some("convolutional/conv"),
        },
        SeedFigure {
            source: "seed 002 (a published Keras run of its notebook)",
            quantity: "MNIST, shallow 784-32: train BCE after 5 epochs",
            value: Some(0.0944),
            ours: history("mnist-vs-fashion/mnist-shallow", None, Train),
            tolerance: HISTORY_BCE_TOLERANCE,
            trained_by: Some("mnist-vs-fashion/mnist-shallow"),
        },
        SeedFigure {
            source: "seed 002 notebook",
            quantity: "Fashion, shallow 784-32: train BCE after 5 epochs",
            value: Some(0.2835),
            ours: history("mnist-vs-fashion/fashion-shallow", None, Train),
            tolerance: HISTORY_BCE_TOLERANCE,
            trained_by: Some("mnist-vs-fashion/fashion-shallow"),
        },
        SeedFigure {
            source: "seed 002 notebook",
            quantity: "Fashion, deep 784-128-32: train BCE after 10 epochs",
            value: Some(0.2729),
            ours: history("mnist-vs-fashion/fashion-deep", None, Train),
            tolerance: HISTORY_BCE_TOLERANCE,
            trained_by: Some("mnist-vs-fashion/fashion-deep"),
        },
    ];
    // One-hidden-layer autoencoder rows: the tables' key, the run, then the report's numbers.
    const AE64: RowKey = &[("method", "AE (1 layer)"), ("code size", "64")];
    const AE256: RowKey = &[("method", "AE (1 layer)"), ("code size", "256")];
    for (key, run, mse, accuracy, mse_quantity, accuracy_quantity) in [
        (
            AE32,
            LOGISTIC_32_RUN,
            0.0367,
            0.9365,
            "five-class, 1-layer logistic AE 32-d: test MSE",
            "five-class, 1-layer logistic AE 32-d: test accuracy of the codes (MLP chosen on validation)",
        ),
        (
            AE64,
            "five-class/logistic-64",
            0.0048,
            0.9813,
            "five-class, 1-layer logistic AE 64-d: test MSE",
            "five-class, 1-layer logistic AE 64-d: test accuracy of the codes (MLP chosen on validation)",
        ),
        (
            AE256,
            "five-class/logistic-256",
            0.0019,
            0.9874,
            "five-class, 1-layer logistic AE 256-d: test MSE",
            "five-class, 1-layer logistic AE 256-d: test accuracy of the codes (MLP chosen on validation)",
        ),
    ] {
        figures.push(SeedFigure {
            source: "seed 003 (CS671 report), reconstruction table",
            quantity: mse_quantity,
            value: Some(mse),
            ours: Measure::Table {
                file: "five-class-reconstruction.csv",
                key,
                column: "test MSE",
            },
            tolerance: Tolerance::Relative(0.05),
            trained_by: Some(run),
        });
        figures.push(SeedFigure {
            source: "seed 003 (CS671 report), classification table",
            quantity: accuracy_quantity,
            value: Some(accuracy),
            ours: Measure::Table {
                file: "five-class-accuracy.csv",
                key,
                column: crate::experiments::CHOSEN_TEST,
            },
            tolerance: ACCURACY_TOLERANCE,
            trained_by: Some(run),
        });
    }
    figures.push(SeedFigure {
        source: "seed 003 (CS671 report)",
        quantity: "five-class: test accuracy of the method and classifier chosen on validation",
        value: Some(0.9874),
        ours: Measure::Table {
            file: "five-class-seed.csv",
            key: &[(
                "quantity",
                "test accuracy of the method and classifier chosen on validation",
            )],
            column: "ours",
        },
        tolerance: ACCURACY_TOLERANCE,
        trained_by: None,
    });
    figures.extend(ours_only_figures());
    figures
}

/// Figures the seeds ask for whose numbers this repository does not hold: ours are
/// listed so that the table covers every seed.
fn ours_only_figures() -> Vec<SeedFigure> {
    use HistoryColumn::{Train, Validation};
    let history = |source, quantity, run, column| SeedFigure {
        source,
        quantity,
        value: None,
        ours: Measure::History {
            run,
            epoch: None,
            column,
        },
        tolerance: HISTORY_BCE_TOLERANCE,
        trained_by: Some(run),
    };
    let table = |source, quantity, file, key, column, run| SeedFigure {
        source,
        quantity,
        value: None,
        ours: Measure::Table { file, key, column },
        tolerance: ACCURACY_TOLERANCE,
        trained_by: Some(run),
    };
    const PROJECT_2: &str = "seed 000 (Project 2)";
    const SEED_001: &str = "seed 001 notebook";
    vec![
        history(
            PROJECT_2,
            "dense 784-400-200-100: train BCE at the end (150 epochs in the full profile)",
            "deep-dense/fc",
            Train,
        ),
        history(
            PROJECT_2,
            "dense 784-400-200-100: validation BCE at the end (150 epochs in the full profile)",
            "deep-dense/fc",
            Validation,
        ),
        history(
            PROJECT_2,
            "conv: train BCE at the end (150 epochs in the full profile)",
            "convolutional/conv",
            Train,
        ),
        history(
            PROJECT_2,
            "conv: validation BCE at the end (150 epochs in the full profile)",
            "convolutional/conv",
            Validation,
        ),
        history(
            PROJECT_2,
            "denoising conv: validation BCE against clean images at the end (100 epochs in the full profile)",
            "denoising/conv-gaussian-0.25",
            Validation,
        ),
        history(
            SEED_001,
            "shallow 784-32, Adadelta: train BCE at the end (50 epochs in the full profile)",
            "shallow-adadelta/shallow",
            Train,
        ),
        table(
            SEED_001,
            "CNN test accuracy on the original images",
            "shallow-adadelta-cnn.csv",
            &[("CNN trained and tested on", "original images")],
            "test accuracy",
            "shallow-adadelta/shallow",
        ),
        table(
            SEED_001,
            "CNN test accuracy on the shallow autoencoder's reconstructions",
            "shallow-adadelta-cnn.csv",
            &[(
                "CNN trained and tested on",
                "shallow autoencoder reconstructions",
            )],
            "test accuracy",
            "shallow-adadelta/shallow",
        ),
        table(
            "seed 004 (UNIST tutorial)",
            "784-500-300-2: validation MSE at the end (2500 iterations in every profile)",
            "latent-2d-points.csv",
            &[("model", "784-500-300-2 tanh autoencoder")],
            "final validation loss",
            "latent-2d/latent2",
        ),
    ]
}

/// Reads our number for `measure` from the report folder `dir`.
pub fn read_measure(dir: &Path, measure: &Measure) -> Result<f64> {
    match measure {
        Measure::History { run, epoch, column } => {
            let path = dir.join("runs").join(run).join("history.csv");
            let rows = read_csv(&path)?;
            let row = match epoch {
                Some(e) => rows.rows.get(e.saturating_sub(1)),
                None => rows.rows.last(),
            }
            .ok_or_else(|| {
                read_error(
                    &path,
                    format!(
                        "the run has {} epochs, not {}",
                        rows.rows.len(),
                        epoch.unwrap_or(1)
                    ),
                )
            })?;
            let name = match column {
                HistoryColumn::Train => "train_loss",
                HistoryColumn::Validation => "val_loss",
            };
            rows.number(&path, row, name)
        }
        Measure::Table { file, key, column } => {
            let path = dir.join(file);
            let table = read_csv(&path)?;
            let row = table
                .rows
                .iter()
                .find(|row| {
                    key.iter()
                        .all(|(col, want)| table.cell(row, col) == Some(*want))
                })
                .ok_or_else(|| read_error(&path, format!("no row with {key:?}")))?;
            table.number(&path, row, column)
        }
    }
}

/// The run behind the five-class 32-d one-layer logistic autoencoder rows, whose plateau
/// the fidelity document examines.
pub const LOGISTIC_32_RUN: &str = "five-class/logistic-32";

/// Where the 32-d logistic autoencoder's test MSE is, in a report folder.
pub const LOGISTIC_32_TEST_MSE: Measure = Measure::Table {
    file: "five-class-reconstruction.csv",
    key: AE32,
    column: "test MSE",
};

const AE32: RowKey = &[("method", "AE (1 layer)"), ("code size", "32")];

/// A run's loss curve from `runs/<run>/history.csv` in the report folder `dir`, with the
/// test MSE read from `test_mse` when the folder holds it.
pub fn read_loss_curve(dir: &Path, run: &str, seed: u64, test_mse: &Measure) -> Result<LossCurve> {
    let (train, validation) = read_history(dir, run)?;
    Ok(LossCurve {
        framework: "ours".into(),
        seed,
        train,
        validation,
        test_mse: read_measure(dir, test_mse).ok(),
    })
}

/// A run's training and validation loss per epoch, from `runs/<run>/history.csv`.
fn read_history(dir: &Path, run: &str) -> Result<(Vec<f64>, Vec<f64>)> {
    let path = dir.join("runs").join(run).join("history.csv");
    let csv = read_csv(&path)?;
    let column = |name: &str| -> Result<Vec<f64>> {
        csv.rows
            .iter()
            .map(|row| csv.number(&path, row, name))
            .collect()
    };
    Ok((column("train_loss")?, column("val_loss")?))
}

/// One row of the fidelity table, measured.
#[derive(Debug, Clone, PartialEq)]
pub struct FidelityRow {
    /// The seed figure.
    pub figure: SeedFigure,
    /// Ours in each report folder that holds it (the reference folder first).
    pub ours: Vec<f64>,
    /// Why the reference folder does not hold it (too few epochs, a section not run).
    pub missing: Option<String>,
    /// How much the producing run's validation loss fell over its last tenth of epochs
    /// (relative; positive when still improving), from the reference folder.
    pub late_improvement: Option<f64>,
}

impl FidelityRow {
    /// `met`, `within noise (...)` or `deviates (...)`, from the numbers.
    pub fn verdict(&self) -> String {
        let f = &self.figure;
        let (Some(&ours), None) = (self.ours.first(), &self.missing) else {
            return format!(
                "not measured: {}",
                self.missing
                    .as_deref()
                    .unwrap_or("no report folder holds it")
            );
        };
        let Some(value) = f.value else {
            return "ours only: the seed's number is not in this repository".into();
        };
        if f.tolerance.holds(value, ours) {
            return format!("met (within {})", f.tolerance.describe());
        }
        let (lo, hi) = spread(&self.ours);
        if self.ours.len() >= 3 && lo <= value && value <= hi {
            return format!(
                "within noise: {} seeds of ours span {} to {}",
                self.ours.len(),
                Table::num(lo, 4),
                Table::num(hi, 4)
            );
        }
        let direction = if ours > value { "above" } else { "below" };
        let relative = (ours - value).abs() / value.abs().max(f64::MIN_POSITIVE) * 100.0;
        let mut text = format!("deviates: ours {relative:.1}% {direction} the seed");
        if self.ours.len() >= 2 {
            text.push_str(&format!(
                " (spread over {} seeds: {} to {})",
                self.ours.len(),
                Table::num(lo, 4),
                Table::num(hi, 4)
            ));
        }
        match self.late_improvement {
            Some(drop) if drop > 0.005 => text.push_str(&format!(
                "; the run was still improving: validation loss fell {:.1}% over its last tenth of epochs",
                drop * 100.0
            )),
            Some(_) => text.push_str("; the run had converged (validation loss flat over its last tenth of epochs)"),
            None => {}
        }
        text
    }
}

fn spread(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// Measures every seed figure in `reference` (and in `others`, where present). A figure
/// the reference folder lacks is kept, with the reason, as `not measured`.
pub fn measure(reference: &Path, others: &[PathBuf]) -> Vec<FidelityRow> {
    seed_figures()
        .into_iter()
        .map(|figure| match read_measure(reference, &figure.ours) {
            Ok(first) => {
                let mut ours = vec![first];
                ours.extend(
                    others
                        .iter()
                        .filter_map(|dir| read_measure(dir, &figure.ours).ok()),
                );
                let late_improvement = figure
                    .trained_by
                    .and_then(|run| late_improvement(reference, run));
                FidelityRow {
                    figure,
                    ours,
                    missing: None,
                    late_improvement,
                }
            }
            Err(e) => FidelityRow {
                figure,
                ours: Vec::new(),
                late_improvement: None,
                // Relative to the folder, so the text does not depend on where it lies.
                missing: Some(
                    e.to_string()
                        .replace(&format!("{}/", reference.display()), ""),
                ),
            },
        })
        .collect()
}

/// The relative fall of a run's validation loss over its last tenth of epochs (at least
/// one epoch), or `None` when its history cannot be read or is too short.
fn late_improvement(dir: &Path, run: &str) -> Option<f64> {
    let (_, validation) = read_history(dir, run).ok()?;
    crate::findings::late_improvement(&validation)
}

impl Measure {
    /// The report section that holds ours: a run's `<section>/`, or the section id
    /// that a table file's name starts with.
    pub fn section(&self) -> &str {
        match self {
            Measure::History { run, .. } => run.split('/').next().unwrap_or(run),
            Measure::Table { file, .. } => crate::experiments::EXPERIMENTS
                .iter()
                .map(|e| e.id)
                .filter(|id| file.starts_with(&format!("{id}-")))
                .max_by_key(|id| id.len())
                .unwrap_or(""),
        }
    }
}

/// The verdict's CSS class: `verdict-met`, `-noise`, `-deviates`, `-missing`, `-ours`.
pub fn verdict_class(verdict: &str) -> &'static str {
    if verdict.starts_with("met") {
        "verdict-met"
    } else if verdict.starts_with("within noise") {
        "verdict-noise"
    } else if verdict.starts_with("deviates") {
        "verdict-deviates"
    } else if verdict.starts_with("ours only") {
        "verdict-ours"
    } else {
        "verdict-missing"
    }
}

/// HTML styling of the fidelity table: verdicts coloured by class, sections linked.
pub fn fidelity_cell_style(column: &str, cell: &str) -> CellStyle {
    match column {
        "verdict" => CellStyle {
            class: Some(verdict_class(cell)),
            href: None,
        },
        "section" if !cell.is_empty() => CellStyle {
            class: None,
            href: Some(format!("#{cell}")),
        },
        _ => CellStyle::default(),
    }
}

/// The rows as a table: section, source, quantity, seed, ours, difference, seeds of
/// ours, their range, verdict.
pub fn fidelity_table(rows: &[FidelityRow]) -> Table {
    let mut table = Table::new([
        "section",
        "source",
        "quantity",
        "seed",
        "ours",
        "difference",
        "seeds of ours",
        "range over our seeds",
        "verdict",
    ]);
    for row in rows {
        let (ours, difference) = match (row.ours.first(), &row.missing) {
            (Some(&ours), None) => (
                Table::num(ours, 4),
                row.figure
                    .value
                    .map_or_else(|| "-".to_string(), |v| Table::num(ours - v, 3)),
            ),
            _ => ("-".to_string(), "-".to_string()),
        };
        table.push([
            row.figure.ours.section().to_string(),
            row.figure.source.to_string(),
            row.figure.quantity.to_string(),
            row.figure
                .value
                .map_or_else(|| "-".to_string(), |v| Table::num(v, 4)),
            ours,
            difference,
            row.ours.len().to_string(),
            if row.ours.len() >= 2 {
                let (lo, hi) = spread(&row.ours);
                format!("{} to {}", Table::num(lo, 4), Table::num(hi, 4))
            } else {
                String::new()
            },
            row.verdict(),
        ]);
    }
    table
}

/// A parsed CSV file: header and rows of cells.
struct Csv {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Csv {
    fn cell<'a>(&self, row: &'a [String], column: &str) -> Option<&'a str> {
        let i = self.header.iter().position(|h| h == column)?;
        row.get(i).map(String::as_str)
    }

    fn number(&self, path: &Path, row: &[String], column: &str) -> Result<f64> {
        let cell = self
            .cell(row, column)
            .ok_or_else(|| read_error(path, format!("no column `{column}`")))?;
        cell.parse()
            .map_err(|_| read_error(path, format!("`{column}` is not a number: `{cell}`")))
    }
}

/// Reads a CSV written by this crate or the trainer (no commas inside cells; quotes
/// around a cell are dropped).
fn read_csv(path: &Path) -> Result<Csv> {
    let text = std::fs::read_to_string(path).map_err(|e| read_error(path, e.to_string()))?;
    let split = |line: &str| -> Vec<String> {
        line.split(',')
            .map(|c| c.trim().trim_matches('"').to_string())
            .collect()
    };
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = split(
        lines
            .next()
            .ok_or_else(|| read_error(path, "empty file".into()))?,
    );
    Ok(Csv {
        header,
        rows: lines.map(split).collect(),
    })
}

fn read_error(path: &Path, reason: String) -> ReportError {
    ReportError::Read {
        path: path.to_path_buf(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(value: f64, ours: &[f64]) -> FidelityRow {
        FidelityRow {
            figure: SeedFigure {
                source: "s",
                quantity: "q",
                value: Some(value),
                ours: Measure::History {
                    run: "a/b",
                    epoch: None,
                    column: HistoryColumn::Train,
                },
                tolerance: Tolerance::Relative(0.01),
                trained_by: Some("a/b"),
            },
            ours: ours.to_vec(),
            missing: None,
            late_improvement: Some(0.02),
        }
    }

    #[test]
    fn verdicts_follow_the_numbers() {
        assert!(row(0.1, &[0.1005]).verdict().starts_with("met"));
        assert!(
            row(0.1, &[0.105, 0.095, 0.1])
                .verdict()
                .starts_with("within noise: 3 seeds")
        );
        let far = row(0.1, &[0.12, 0.121, 0.119]).verdict();
        assert!(far.starts_with("deviates: ours 20.0% above"), "{far}");
        assert!(
            far.ends_with("validation loss fell 2.0% over its last tenth of epochs"),
            "{far}"
        );
        assert!(row(0.1, &[0.05]).verdict().contains("below"));
        let mut unknown = row(0.1, &[0.05]);
        unknown.figure.value = None;
        assert!(unknown.verdict().starts_with("ours only"));
        let table = fidelity_table(&[unknown]);
        assert_eq!(
            (table.rows[0][3].as_str(), table.rows[0][5].as_str()),
            ("-", "-")
        );
        assert_eq!(table.rows[0][0], "a");
    }

    #[test]
    fn rows_name_their_section_and_verdicts_their_class() {
        let table = |file| Measure::Table {
            file,
            key: &[],
            column: "x",
        };
        assert_eq!(
            table("mnist-vs-fashion-losses.csv").section(),
            "mnist-vs-fashion"
        );
        assert_eq!(table("latent-2d-points.csv").section(), "latent-2d");
        assert_eq!(table("unknown.csv").section(), "");
        let history = Measure::History {
            run: "five-class/logistic-32",
            epoch: None,
            column: HistoryColumn::Train,
        };
        assert_eq!(history.section(), "five-class");
        for (verdict, class) in [
            ("met (within 1%)", "verdict-met"),
            ("within noise: 3 seeds", "verdict-noise"),
            ("deviates: ours", "verdict-deviates"),
            ("not measured: x", "verdict-missing"),
            ("ours only: y", "verdict-ours"),
        ] {
            assert_eq!(verdict_class(verdict), class);
            assert_eq!(fidelity_cell_style("verdict", verdict).class, Some(class));
        }
        assert_eq!(
            fidelity_cell_style("section", "five-class").href.as_deref(),
            Some("#five-class")
        );
    }

    #[test]
    fn reads_histories_and_tables_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let run = dir.path().join("runs/a/b");
        std::fs::create_dir_all(&run).unwrap();
        std::fs::write(
            run.join("history.csv"),
            "epoch,train_loss,val_loss,val_reconstruction\n1,0.5,0.4,0.4\n2,0.3,0.2,0.2\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("t.csv"),
            "method,code size,test MSE\n\"PCA\",32,0.01\nAE (1 layer),32,0.02\n",
        )
        .unwrap();
        let h = |epoch, column| Measure::History {
            run: "a/b",
            epoch,
            column,
        };
        assert_eq!(
            read_measure(dir.path(), &h(None, HistoryColumn::Train)).unwrap(),
            0.3
        );
        assert_eq!(
            read_measure(dir.path(), &h(Some(1), HistoryColumn::Validation)).unwrap(),
            0.4
        );
        let t = Measure::Table {
            file: "t.csv",
            key: &[("method", "AE (1 layer)"), ("code size", "32")],
            column: "test MSE",
        };
        assert_eq!(read_measure(dir.path(), &t).unwrap(), 0.02);
        // Validation loss 0.4 then 0.2: it fell by half over the last epoch.
        assert_eq!(late_improvement(dir.path(), "a/b"), Some(0.5));
        assert_eq!(late_improvement(dir.path(), "a/missing"), None);
        let missing = read_measure(dir.path(), &h(Some(9), HistoryColumn::Train)).unwrap_err();
        assert!(missing.to_string().contains("history.csv"), "{missing}");
    }
}
