//! The one error type of `ae-analysis`.

/// Errors raised by analyses.
#[derive(Debug, thiserror::Error)]
pub enum AnalysisError {
    /// A parameter is out of range for the data.
    #[error("invalid parameter `{field}`: {reason}")]
    InvalidParameter {
        /// The parameter.
        field: &'static str,
        /// Why it was refused.
        reason: String,
    },
    /// The eigensolver did not converge. (faer's error type does not implement
    /// `std::error::Error`, so it is kept as it is rather than as a source.)
    #[error("linear algebra failed: the eigensolver returned {0:?}")]
    LinearAlgebra(faer::linalg::evd::EvdError),
    /// A training run failed.
    #[error(transparent)]
    Training(#[from] ae_train::TrainError),
    /// A model config was refused.
    #[error(transparent)]
    Model(#[from] ae_models::ModelError),
    /// Data loading or selection failed.
    #[error(transparent)]
    Data(#[from] ae_data::DataError),
}

/// Result alias of this crate.
pub type Result<T, E = AnalysisError> = std::result::Result<T, E>;
