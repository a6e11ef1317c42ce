//! The one error type of `ae-models`: invalid configurations, named by field.

/// Errors raised when a model configuration cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A configuration field has an unusable value.
    #[error("invalid model config: `{field}`: {reason}")]
    InvalidConfig {
        /// The offending field (dotted path, e.g. `encoder[1].units`).
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// Weights could not be written or read as safetensors, or do not fit the model.
    #[error("{}{reason}", .tensor.as_ref().map_or_else(String::new, |t| format!("tensor `{t}` ")))]
    Weights {
        /// The tensor at fault, when one is.
        tensor: Option<String>,
        /// What is wrong.
        reason: String,
    },
}

impl ModelError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        ModelError::InvalidConfig {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn weights(reason: impl Into<String>) -> Self {
        ModelError::Weights {
            tensor: None,
            reason: reason.into(),
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = ModelError> = std::result::Result<T, E>;
