//! `ae-train`: one training loop for every autoencoder, with `config.json`,
//! `history.csv`, atomic per-epoch checkpoints, exact resume and progress display.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod backend;
pub mod checkpoint;
pub mod config;
pub mod error;
pub mod history;
pub mod progress;
pub mod step;
pub mod trainer;

pub use backend::{BackendKind, DefaultBackend, WithBackend, dispatch};
pub use config::{DataSelection, TrainingConfig};
pub use error::{Result, TrainError};
pub use history::EpochRecord;
pub use progress::ProgressMode;
pub use trainer::{
    RunOptions, TrainData, TrainOutcome, create_run_dir, load_run, train, train_or_resume,
};
