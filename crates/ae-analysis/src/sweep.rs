//! Bottleneck sweep: the same autoencoder trained at several code sizes.

use std::path::Path;

use ae_models::ModelConfig;
use ae_train::train_or_resume;
use ae_train::{ProgressMode, TrainData, TrainingConfig};
use burn::tensor::backend::AutodiffBackend;

use crate::error::{AnalysisError, Result};

/// The seeds' code sizes: 5 to 95 in steps of 15.
pub const SEED_CODE_SIZES: [usize; 7] = [5, 20, 35, 50, 65, 80, 95];

/// Final losses at one code size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SweepPoint {
    /// Code size.
    pub code_size: usize,
    /// Train loss of the last epoch (Keras' `loss`).
    pub train_loss: f64,
    /// Validation (test) loss after the last epoch.
    pub test_loss: f64,
}

/// The sweep's runs: for each size, the run folder's name (`code-<size>`), the size and
/// `base` with its code layer resized. `base` must be a dense model.
pub fn sweep_configs(
    base: &TrainingConfig,
    sizes: &[usize],
) -> Result<Vec<(String, usize, TrainingConfig)>> {
    sizes
        .iter()
        .map(|&size| {
            let mut config = base.clone();
            let ModelConfig::Dense(dense) = &mut config.model else {
                return Err(AnalysisError::InvalidParameter {
                    field: "model",
                    reason: "the bottleneck sweep resizes a dense code layer".into(),
                });
            };
            if let Some(code) = dense.encoder.last_mut() {
                code.units = size;
            }
            Ok((format!("code-{size}"), size, config))
        })
        .collect()
}

/// Trains `base` (a dense model; its code layer is resized) once per code size, each run
/// in `root/code-<size>`; finished runs on disk are resumed, not redone.
pub fn bottleneck_sweep<B: AutodiffBackend>(
    base: &TrainingConfig,
    sizes: &[usize],
    data: &TrainData,
    root: &Path,
    progress: ProgressMode,
    device: &B::Device,
) -> Result<Vec<SweepPoint>> {
    let mut points = Vec::with_capacity(sizes.len());
    for (run, size, config) in sweep_configs(base, sizes)? {
        let dir = root.join(run);
        let outcome = train_or_resume::<B>(&config, data, &dir, progress, device)?;
        let last = outcome
            .history
            .last()
            .ok_or_else(|| AnalysisError::InvalidParameter {
                field: "epochs",
                reason: "no epoch trained".into(),
            })?;
        points.push(SweepPoint {
            code_size: size,
            train_loss: last.train_loss,
            test_loss: last.val_loss,
        });
    }
    Ok(points)
}
