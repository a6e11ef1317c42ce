#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod data_section;
mod error;
mod experiments;
mod explorer;
mod fidelity;
mod findings;
mod plateau;
mod plot;
mod report;
mod table;

pub use data_section::data_section;
pub use error::{ReportError, Result};
pub use experiments::{
    Context, EXPERIMENTS, Experiment, ExperimentInfo, PlannedRun, Profile, Settings, Shard,
    backend_description, costliest_first, estimated_flops, experiments, plan, shard_runs,
    train_runs,
};
pub use fidelity::{
    FidelityRow, HistoryColumn, LOGISTIC_32_RUN, LOGISTIC_32_TEST_MSE, Measure, SeedFigure,
    Tolerance, fidelity_cell_style, fidelity_table, measure, read_loss_curve,
};
pub use plateau::{LossCurve, Milestones};
pub use plot::{
    CHART_DENSITY, CHART_SIZE, CONFUSION_PANEL, ConfusionPanel, Labels, Series, confusion_grid,
    labelled_grid, line_chart, scatter, spans_a_decade,
};
pub use report::{Block, FigureKind, Report, Section};
pub use table::{CellStyle, Table};
