//! The one error type of `ae-train`.

use std::path::PathBuf;

/// Errors raised while configuring, running, checkpointing or resuming training.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A configuration field is out of range or inconsistent; nothing was written.
    #[error("invalid training config: `{field}`: {reason}")]
    InvalidConfig {
        /// The offending field.
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// A config file could not be parsed (unknown field, wrong type, ...).
    #[error("{path}: invalid config: {reason}")]
    ConfigFile {
        /// The file.
        path: PathBuf,
        /// serde's message (names the field, line and column).
        reason: String,
    },
    /// The model configuration was refused.
    #[error(transparent)]
    Model(#[from] ae_models::ModelError),
    /// Data loading or selection failed.
    #[error(transparent)]
    Data(#[from] ae_data::DataError),
    /// The loss became NaN or infinite; the last good checkpoint was kept.
    #[error(
        "loss is {value} at epoch {epoch}, batch {batch}: training stopped (the checkpoint of epoch {last_good_epoch} is kept); try a lower learning rate"
    )]
    NonFiniteLoss {
        /// 1-based epoch.
        epoch: usize,
        /// 1-based batch within the epoch.
        batch: usize,
        /// The offending value.
        value: f32,
        /// Last epoch whose checkpoint is on disk (0 = none).
        last_good_epoch: usize,
    },
    /// Reading or writing a run file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Underlying error.
        source: std::io::Error,
    },
    /// A checkpoint is corrupt or does not fit the configured model.
    #[error("{path}: bad checkpoint: {reason}")]
    Checkpoint {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The run folder is in a state that forbids the request.
    #[error("{path}: {reason}")]
    RunDir {
        /// The folder.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Another process holds the folder's lock (see [`crate::FolderLock`]).
    #[error("{path} is in use by another process ({})", .pid.map_or_else(|| "pid unknown".to_string(), |p| format!("pid {p}")))]
    InUse {
        /// The locked folder.
        path: PathBuf,
        /// The holder's pid, when its lock file could be read.
        pid: Option<u32>,
    },
    /// Training stopped on request (SIGINT, SIGTERM) at a batch boundary, after a
    /// checkpoint of the position was written.
    #[error("interrupted at epoch {epoch}, batch {batch}")]
    Interrupted {
        /// 1-based epoch in progress.
        epoch: usize,
        /// Batches of that epoch already trained (the next to train is `batch + 1`).
        batch: usize,
        /// The signal number that asked for the stop.
        signal: i32,
    },
    /// A weights file could not be read, or does not fit the model.
    #[error("{path}: {source}")]
    Weights {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the tensor.
        source: ae_models::ModelError,
    },
    /// The requested backend was not compiled in.
    #[error(
        "backend `{0}` is not available in this build (rebuild with the `{0}` feature: \
         `cargo build --release --workspace --features ae-cli/{0}` for `ae`, \
         `cargo run --release -p xtask --features {0} -- ...` for the xtask commands)"
    )]
    BackendUnavailable(String),
    /// No burn server answers at a remote backend's address.
    #[error("no burn server answers at {address} ({reason}); start one with `ae serve`")]
    RemoteUnreachable {
        /// The `ws://HOST:PORT` address.
        address: String,
        /// What the connection attempt said.
        reason: String,
    },
}

impl TrainError {
    pub(crate) fn invalid(field: impl Into<String>, reason: impl Into<String>) -> Self {
        TrainError::InvalidConfig {
            field: field.into(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        TrainError::Io {
            path: path.into(),
            source,
        }
    }
}

/// Result alias of this crate.
pub type Result<T, E = TrainError> = std::result::Result<T, E>;
