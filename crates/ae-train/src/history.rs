//! Per-epoch history, written as `history.csv`.

use serde::{Deserialize, Serialize};

/// One epoch's figures.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct EpochRecord {
    /// 1-based epoch.
    pub epoch: usize,
    /// Mean of the batch losses over the epoch, as Keras reports `loss`
    /// (the weights change while it is averaged).
    pub train_loss: f64,
    /// Loss on the validation split after the epoch (Keras' `val_loss`).
    pub val_loss: f64,
    /// Reconstruction part of `val_loss` alone (no penalty, no KL).
    pub val_reconstruction: f64,
    /// Wall time of the epoch, seconds: its training, and any wait for its validation
    /// (which runs while the next epoch trains where it can).
    pub seconds: f64,
}

/// CSV header of `history.csv`.
pub const HISTORY_HEADER: &str = "epoch,train_loss,val_loss,val_reconstruction";

/// The history as CSV. Times are left out so two runs with the same seed give
/// identical files; they are in `summary.json`.
pub fn history_csv(records: &[EpochRecord]) -> String {
    let mut out = format!("{HISTORY_HEADER}\n");
    for r in records {
        out.push_str(&format!(
            "{},{:.9e},{:.9e},{:.9e}\n",
            r.epoch, r.train_loss, r.val_loss, r.val_reconstruction
        ));
    }
    out
}
