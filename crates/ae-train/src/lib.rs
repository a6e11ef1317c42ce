#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod affinity;
mod backend;
mod checkpoint;
mod config;
mod early_stopping;
mod error;
mod history;
mod idle;
mod interop;
mod interrupt;
mod jobs;
mod lock;
mod progress;
mod run_dir;
mod stats;
mod step;
mod trainer;
mod update;
mod writer;

pub use affinity::{SHARD_AFFINITY_ENV, pin_process_to_share};
pub use backend::{
    BackendKind, DefaultBackend, Placement, REMOTE_CONNECT_TIMEOUT, WithBackend, check_server,
    dispatch, exit_when_server_lost, remote_socket,
};
pub use checkpoint::{EpochPosition, decode_checkpoint};
pub use config::{DataSelection, TrainingConfig};
pub use early_stopping::{EarlyStopping, Verdict};
pub use error::{Result, TrainError};
pub use history::EpochRecord;
pub use interop::{ExportSummary, ImportConfig, ImportRecord, export_run, import_run};
pub use interrupt::StopRequest;
pub use jobs::{run_jobs_at_once, run_jobs_on};
pub use lock::{FolderLock, LOCK_FILE};
pub use progress::ProgressMode;
pub use run_dir::{CONFIG_FILE, HISTORY_FILE, RunDir, RunProgress};
pub use stats::{median, process_cpu_seconds};
pub use step::{
    BatchGradients, BatchImages, MIN_SHARD_IMAGES, batch_gradients, on_a_pool_thread,
    whole_batch_gradients,
};
pub use trainer::{
    RunOptions, Timing, TrainData, TrainOutcome, derive_seed, init_seeded, load_run, train,
    train_or_resume,
};
