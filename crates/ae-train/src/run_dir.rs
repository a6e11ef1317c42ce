//! [`RunDir`]: a run folder held by this process, from creation (or opening) to the
//! last checkpoint. Holding one is holding the folder's lock, so two processes can never
//! train, or write, the same run.

use std::path::Path;

use ae_io::write_atomic;

use crate::checkpoint::{self, CHECKPOINT_FILE, EpochPosition};
use crate::config::TrainingConfig;
use crate::error::{Result, TrainError};
use crate::history::history_csv;
use crate::lock::FolderLock;

/// File names inside a run folder.
pub const CONFIG_FILE: &str = "config.json";
/// History of a run.
pub const HISTORY_FILE: &str = "history.csv";
/// Timing summary of a run.
pub const SUMMARY_FILE: &str = "summary.json";

/// A locked run folder.
#[derive(Debug)]
pub struct RunDir {
    lock: FolderLock,
}

/// How far a run folder's checkpoint went.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct RunProgress {
    /// Complete epochs.
    pub epochs_done: usize,
    /// Position inside the next epoch, after an interrupt.
    pub position: Option<EpochPosition>,
}

impl RunDir {
    /// Creates a run folder for `config` (after validating it) and writes its
    /// `config.json`. Refuses a folder that already holds a run, or that another process
    /// holds; then nothing is written.
    pub fn create(config: &TrainingConfig, path: &Path) -> Result<Self> {
        config.validate()?;
        let config_path = path.join(CONFIG_FILE);
        // Checked before and after taking the lock: a folder holding a run gets no lock
        // file, and a run created by a process that held the lock a moment ago is seen.
        let refuse = || TrainError::RunDir {
            path: path.to_path_buf(),
            reason: "already holds a run: pass --resume to continue it, or choose another --out"
                .into(),
        };
        if config_path.exists() {
            return Err(refuse());
        }
        let lock = FolderLock::acquire(path)?;
        if config_path.exists() {
            return Err(refuse());
        }
        let run = RunDir { lock };
        run.write_config(config)?;
        Ok(run)
    }

    /// Opens and locks an existing run folder (one holding a `config.json`).
    pub fn open(path: &Path) -> Result<Self> {
        if !path.join(CONFIG_FILE).is_file() {
            return Err(TrainError::RunDir {
                path: path.to_path_buf(),
                reason: format!("has no {CONFIG_FILE} (not a run folder)"),
            });
        }
        Ok(RunDir {
            lock: FolderLock::acquire(path)?,
        })
    }

    /// The folder.
    pub fn path(&self) -> &Path {
        self.lock.folder()
    }

    /// The run's `config.json`.
    pub fn config(&self) -> Result<TrainingConfig> {
        TrainingConfig::load(&self.path().join(CONFIG_FILE))
    }

    /// Replaces the run's `config.json` (atomically).
    pub fn write_config(&self, config: &TrainingConfig) -> Result<()> {
        let path = self.path().join(CONFIG_FILE);
        write_atomic(&path, config.to_json().as_bytes()).map_err(|e| TrainError::io(&path, e))
    }

    /// How far the run went: nothing when it has no checkpoint yet.
    pub fn progress(&self) -> Result<RunProgress> {
        let path = self.path().join(CHECKPOINT_FILE);
        if !path.is_file() {
            return Ok(RunProgress::default());
        }
        let (epochs_done, position) = checkpoint::progress(&path)?;
        Ok(RunProgress {
            epochs_done,
            position,
        })
    }

    /// How far the run went, after bringing `history.csv` up to date with the checkpoint.
    /// The checkpoint is written first and the history after it, so a process killed
    /// between the two writes leaves the history one epoch behind; the checkpoint is the
    /// record, the CSV is derived from it.
    pub fn recover(&self) -> Result<RunProgress> {
        let progress = self.progress()?;
        let checkpoint_path = self.path().join(CHECKPOINT_FILE);
        if checkpoint_path.is_file() {
            let csv = history_csv(&checkpoint::history(&checkpoint_path)?);
            let path = self.path().join(HISTORY_FILE);
            if std::fs::read_to_string(&path).ok().as_deref() != Some(csv.as_str()) {
                write_atomic(&path, csv.as_bytes()).map_err(|e| TrainError::io(&path, e))?;
            }
        }
        Ok(progress)
    }

    /// Sets the run's epoch count to `epochs`, so that training goes on to that epoch.
    /// Every random stream depends on (seed, epoch, batch) alone, so the extended run
    /// equals one configured with `epochs` from the start. Refuses to shorten a run
    /// below the epochs it has done.
    pub fn extend_to(&self, epochs: usize) -> Result<TrainingConfig> {
        let mut config = self.config()?;
        let done = self.progress()?.epochs_done;
        if epochs < done {
            return Err(TrainError::RunDir {
                path: self.path().to_path_buf(),
                reason: format!("already has {done} epochs, more than the {epochs} asked for"),
            });
        }
        if config.epochs != epochs {
            config.epochs = epochs;
            config.validate()?;
            self.write_config(&config)?;
        }
        Ok(config)
    }
}

#[cfg(test)]
mod tests {
    use ae_data::DatasetKind;
    use ae_models::ModelConfig;

    use super::*;

    fn config() -> TrainingConfig {
        let model = ModelConfig::named("shallow", Some(4), 28, 28).unwrap();
        TrainingConfig::new(model, DatasetKind::Mnist)
    }

    #[test]
    fn a_held_run_cannot_be_created_or_opened_twice() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let run = RunDir::create(&config(), &path).unwrap();
        let again = RunDir::create(&config(), &path).unwrap_err().to_string();
        assert!(again.contains("already holds a run"), "{again}");
        let busy = RunDir::open(&path).unwrap_err().to_string();
        assert!(busy.contains("is in use by another process (pid"), "{busy}");
        drop(run);
        let reopened = RunDir::open(&path).unwrap();
        assert_eq!(reopened.config().unwrap().to_json(), config().to_json());
        assert_eq!(reopened.progress().unwrap(), RunProgress::default());
    }

    #[test]
    fn extending_rewrites_the_epoch_count_only() {
        let dir = tempfile::tempdir().unwrap();
        let run = RunDir::create(&config(), dir.path()).unwrap();
        let extended = run.extend_to(25).unwrap();
        let mut expected = config();
        expected.epochs = 25;
        assert_eq!(extended.to_json(), expected.to_json());
        assert_eq!(run.config().unwrap().to_json(), expected.to_json());
    }

    #[test]
    fn opening_a_folder_without_a_run_names_the_missing_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = RunDir::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("has no config.json"), "{err}");
        assert!(!dir.path().join(crate::lock::LOCK_FILE).exists());
    }
}
