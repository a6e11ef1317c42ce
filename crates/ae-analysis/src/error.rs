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
    /// The linear-algebra backend failed (e.g. the eigensolver did not converge).
    #[error("linear algebra failed: {0}")]
    LinearAlgebra(String),
    /// A training run failed.
    #[error("training failed: {0}")]
    Training(String),
    /// A model config was refused.
    #[error(transparent)]
    Model(#[from] ae_models::ModelError),
    /// Data loading or selection failed.
    #[error(transparent)]
    Data(#[from] ae_data::DataError),
}

/// Result alias of this crate.
pub type Result<T, E = AnalysisError> = std::result::Result<T, E>;
