//! Early stopping on a validation loss, as Keras' `EarlyStopping(patience=...,
//! restore_best_weights=True)` does it: track the best epoch, stop after `patience`
//! epochs without improvement, and tell the caller when to keep the weights.

/// What the caller should do after an epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The loss improved on the best so far: keep these weights.
    Improved,
    /// No improvement, but patience is not yet spent.
    Continue,
    /// `patience` epochs without improvement: stop (and restore the best weights).
    Stop,
}

/// Tracks the best validation loss over the epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct EarlyStopping {
    patience: usize,
    best_loss: f64,
    best_epoch: usize,
}

impl EarlyStopping {
    /// Stops after `patience` epochs (at least 1) without a lower loss.
    pub fn new(patience: usize) -> Self {
        Self {
            patience: patience.max(1),
            best_loss: f64::INFINITY,
            best_epoch: 0,
        }
    }

    /// Records epoch `epoch` (1-based, increasing) with validation loss `loss`. A NaN
    /// loss never counts as an improvement.
    pub fn update(&mut self, epoch: usize, loss: f64) -> Verdict {
        if loss < self.best_loss {
            (self.best_loss, self.best_epoch) = (loss, epoch);
            Verdict::Improved
        } else if epoch.saturating_sub(self.best_epoch) >= self.patience {
            Verdict::Stop
        } else {
            Verdict::Continue
        }
    }

    /// The epoch whose loss was lowest (0 before any improvement).
    pub fn best_epoch(&self) -> usize {
        self.best_epoch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Verdict::{Continue, Improved, Stop};

    #[test]
    fn verdicts_follow_the_losses() {
        // (patience, losses, verdicts, best epoch at the end)
        let cases: [(usize, &[f64], &[Verdict], usize); 5] = [
            (2, &[1.0, 0.9, 0.8], &[Improved, Improved, Improved], 3),
            (2, &[1.0, 1.1, 1.2], &[Improved, Continue, Stop], 1),
            (
                2,
                &[1.0, 1.1, 0.5, 0.6],
                &[Improved, Continue, Improved, Continue],
                3,
            ),
            // Equal is not better.
            (1, &[1.0, 1.0], &[Improved, Stop], 1),
            // NaN never improves; patience 0 acts as 1.
            (0, &[f64::NAN, 1.0, f64::NAN], &[Stop, Improved, Stop], 2),
        ];
        for (patience, losses, verdicts, best) in cases {
            let mut stopping = EarlyStopping::new(patience);
            let got: Vec<Verdict> = losses
                .iter()
                .enumerate()
                .map(|(i, &l)| stopping.update(i + 1, l))
                .collect();
            assert_eq!(got, verdicts, "patience {patience}, losses {losses:?}");
            assert_eq!(stopping.best_epoch(), best, "losses {losses:?}");
        }
    }
}
