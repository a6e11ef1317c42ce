#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod backend;
pub mod checkpoint;
pub mod config;
pub mod early_stopping;
pub mod error;
pub mod history;
pub mod interop;
pub mod interrupt;
pub mod lock;
pub mod progress;
pub mod run_dir;
pub mod stats;
pub mod step;
pub mod trainer;

pub use backend::{BackendKind, DefaultBackend, WithBackend, dispatch};
pub use config::{DataSelection, TrainingConfig};
pub use early_stopping::{EarlyStopping, Verdict};
pub use error::{Result, TrainError};
pub use history::EpochRecord;
pub use interop::{ExportSummary, ImportConfig, ImportRecord, export_run, import_run};
pub use interrupt::StopRequest;
pub use lock::FolderLock;
pub use progress::ProgressMode;
pub use run_dir::{RunDir, RunProgress};
pub use trainer::{
    RunOptions, TrainData, TrainOutcome, derive_seed, load_run, train, train_or_resume,
};
