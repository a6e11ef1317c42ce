//! The one error type of `ae-report`.

use std::path::PathBuf;

/// Errors raised while producing a report.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Writing a report file failed.
    #[error("{path}: cannot write: {source}")]
    Write {
        /// Destination.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// Reading a report's file (a run history, a table) failed.
    #[error("{path}: cannot read: {reason}")]
    Read {
        /// File read.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// A planned run names a section that no experiment has.
    #[error("no experiment has the section `{0}`")]
    UnknownSection(String),
    /// Drawing or encoding a figure failed.
    #[error("{path}: cannot draw the figure: {reason}")]
    Figure {
        /// Destination.
        path: PathBuf,
        /// What failed.
        reason: String,
    },
    /// Building a table's data frame or CSV failed.
    #[error("table `{name}`: {reason}")]
    Table {
        /// Table name.
        name: String,
        /// What failed.
        reason: String,
    },
    /// An experiment's analysis failed.
    #[error(transparent)]
    Analysis(#[from] ae_analysis::AnalysisError),
    /// An experiment's training run failed.
    #[error(transparent)]
    Training(#[from] ae_train::TrainError),
    /// A model config was refused.
    #[error(transparent)]
    Model(#[from] ae_models::ModelError),
    /// Loading or rendering data failed.
    #[error(transparent)]
    Data(#[from] ae_data::DataError),
}

/// Result alias of this crate.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
