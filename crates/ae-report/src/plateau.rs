//! Where a loss curve sits on a plateau and when it leaves it: milestones that compare
//! the training dynamics of one model across seeds and frameworks (the one-hidden-layer
//! logistic autoencoder's long stop at the mean image, for example).

use crate::table::Table;

/// One training run's per-epoch losses.
#[derive(Debug, Clone, PartialEq)]
pub struct LossCurve {
    /// Who trained it (`ours`, `pytorch 2.15.0`).
    pub framework: String,
    /// The run's seed.
    pub seed: u64,
    /// Mean training loss of each epoch (epoch 1 first).
    pub train: Vec<f64>,
    /// Validation loss after each epoch.
    pub validation: Vec<f64>,
    /// Per-pixel test MSE after the last epoch, where known.
    pub test_mse: Option<f64>,
}

impl LossCurve {
    /// The first epoch (1-based) whose training loss is below `level`.
    pub fn first_epoch_below(&self, level: f64) -> Option<usize> {
        self.train.iter().position(|&l| l < level).map(|i| i + 1)
    }

    /// How many epochs' training loss lies within `relative` of `level`.
    pub fn epochs_near(&self, level: f64, relative: f64) -> usize {
        self.train
            .iter()
            .filter(|&&l| (l - level).abs() <= relative * level)
            .count()
    }
}

/// What the milestones table shows: the loss levels to cross and the epoch to probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestones {
    /// Training-loss levels; one column "first epoch below" each.
    pub levels: Vec<f64>,
    /// An epoch whose training loss gets its own column.
    pub probe_epoch: usize,
    /// The plateau's reference loss (predicting the mean image), where known, with
    /// the relative band that counts as "on it".
    pub plateau: Option<(f64, f64)>,
}

impl Milestones {
    /// One row per curve: framework, seed, epochs, loss after epoch 1 and at the probe,
    /// epochs on the plateau, the first epoch below each level, final validation loss
    /// and test MSE.
    pub fn table(&self, curves: &[LossCurve]) -> Table {
        let mut header = vec![
            "framework".to_string(),
            "seed".into(),
            "epochs".into(),
            "train loss, epoch 1".into(),
            format!("train loss, epoch {}", self.probe_epoch),
        ];
        if let Some((level, band)) = self.plateau {
            header.push(format!(
                "epochs within {}% of {}",
                band * 100.0,
                Table::num(level, 4)
            ));
        }
        header.extend(
            self.levels
                .iter()
                .map(|l| format!("first epoch below {}", Table::num(*l, 2))),
        );
        header.extend(["final validation loss".into(), "test MSE".into()]);
        let mut table = Table::new(header);
        let loss = |v: Option<&f64>| v.map_or("-".to_string(), |&v| Table::num(v, 4));
        for curve in curves {
            let mut row = vec![
                curve.framework.clone(),
                curve.seed.to_string(),
                curve.train.len().to_string(),
                loss(curve.train.first()),
                loss(curve.train.get(self.probe_epoch.saturating_sub(1))),
            ];
            if let Some((level, band)) = self.plateau {
                row.push(curve.epochs_near(level, band).to_string());
            }
            row.extend(self.levels.iter().map(|&l| {
                curve
                    .first_epoch_below(l)
                    .map_or("never".to_string(), |e| e.to_string())
            }));
            row.push(loss(curve.validation.last()));
            row.push(loss(curve.test_mse.as_ref()));
            table.push(row);
        }
        table
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(train: &[f64]) -> LossCurve {
        LossCurve {
            framework: "ours".into(),
            seed: 3,
            train: train.to_vec(),
            validation: vec![0.3, 0.2],
            test_mse: None,
        }
    }

    #[test]
    fn milestones_follow_the_curve() {
        let c = curve(&[0.36, 0.27, 0.262, 0.261, 0.24, 0.19]);
        assert_eq!(c.first_epoch_below(0.25), Some(5));
        assert_eq!(c.first_epoch_below(0.1), None);
        assert_eq!(c.epochs_near(0.2619, 0.01), 2);
        let table = Milestones {
            levels: vec![0.25, 0.2, 0.1],
            probe_epoch: 4,
            plateau: Some((0.2619, 0.01)),
        }
        .table(&[c]);
        assert_eq!(table.header[5], "epochs within 1% of 0.2619");
        assert_eq!(
            table.rows[0],
            [
                "ours", "3", "6", "0.3600", "0.2610", "2", "5", "6", "never", "0.2000", "-"
            ]
        );
    }
}
