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
    /// Loading or rendering data failed.
    #[error(transparent)]
    Data(#[from] ae_data::DataError),
}

/// Result alias of this crate.
pub type Result<T, E = ReportError> = std::result::Result<T, E>;
