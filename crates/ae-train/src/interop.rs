//! Run folders to and from safetensors files: [`export_run`] writes a run's trained
//! weights (with its config in the file's metadata), [`import_run`] makes a run folder
//! from weights trained elsewhere, so that every analysis that reads a run reads it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ae_data::sha256_hex;
use ae_io::write_atomic;
use ae_models::WeightLayout;
use ae_models::{LAYOUT_KEY, load_safetensors, safetensors_metadata, to_safetensors};
use burn::module::Module;
use burn::optim::Optimizer;
use burn::tensor::backend::AutodiffBackend;
use serde::Serialize;

use crate::checkpoint::{self, CHECKPOINT_FILE};
use crate::config::TrainingConfig;
use crate::error::{Result, TrainError};
use crate::run_dir::RunDir;
use crate::trainer::{OptimOf, init_model, load_run};

/// Metadata key holding the model's [`ModelConfig`](ae_models::ModelConfig) as JSON.
pub const MODEL_KEY: &str = "model_config";
/// Metadata key holding the whole [`TrainingConfig`] as JSON.
pub const TRAINING_KEY: &str = "training_config";
/// Metadata key holding the dataset's name.
pub const DATASET_KEY: &str = "dataset";
/// Metadata key holding the training seed.
pub const SEED_KEY: &str = "seed";
/// Metadata key holding the epochs the weights were trained for.
pub const EPOCHS_KEY: &str = "epochs_trained";

/// File in an imported run folder that says where its weights came from.
pub const IMPORTED_FILE: &str = "imported.json";

/// What [`export_run`] wrote.
#[derive(Debug, Clone, Serialize)]
pub struct ExportSummary {
    /// The safetensors file.
    pub out: PathBuf,
    /// Its layout.
    pub layout: String,
    /// Tensors written, with their shapes in the file, sorted by name.
    pub tensors: Vec<(String, Vec<usize>)>,
    /// Epochs the exported weights were trained for.
    pub epochs_trained: usize,
    /// Size of the file in bytes.
    pub bytes: usize,
}

/// Writes the weights of the run in `run_dir` to `out` (atomically) in `layout`, with
/// the model config, the dataset, the seed and the training config in the metadata.
pub fn export_run<B: AutodiffBackend>(
    run_dir: &Path,
    out: &Path,
    layout: WeightLayout,
    device: &B::Device,
) -> Result<ExportSummary> {
    let (config, model, history) = load_run::<B>(run_dir, device)?;
    let model_json = serde_json::to_string(&config.model).map_err(|e| TrainError::RunDir {
        path: run_dir.to_path_buf(),
        reason: format!("cannot write the model config as JSON: {e}"),
    })?;
    let metadata = BTreeMap::from([
        (MODEL_KEY.to_string(), model_json),
        (TRAINING_KEY.to_string(), config.to_compact_json()),
        (DATASET_KEY.to_string(), config.data.dataset.to_string()),
        (SEED_KEY.to_string(), config.seed.to_string()),
        (EPOCHS_KEY.to_string(), history.len().to_string()),
    ]);
    let bytes = to_safetensors(&model, layout, &metadata)?;
    write_atomic(out, &bytes).map_err(|e| TrainError::io(out, e))?;
    Ok(ExportSummary {
        out: out.to_path_buf(),
        layout: layout.name().to_string(),
        tensors: ae_models::tensor_shapes(&bytes)?,
        epochs_trained: history.len(),
        bytes: bytes.len(),
    })
}

/// Where the config of an import comes from.
#[derive(Debug, Clone)]
pub enum ImportConfig {
    /// Given by the caller (a `config.json`, or a named model).
    Given(Box<TrainingConfig>),
    /// The `training_config` in the file's metadata (files that `ae export` wrote).
    FromFile,
}

/// What [`import_run`] made, also written to the run's `imported.json`.
#[derive(Debug, Clone, Serialize)]
pub struct ImportRecord {
    /// The safetensors file read.
    pub source: PathBuf,
    /// Its SHA-256.
    pub sha256: String,
    /// The layout it was read in.
    pub layout: String,
    /// Parameters loaded.
    pub parameters: usize,
    /// The file's metadata.
    pub metadata: BTreeMap<String, String>,
}

/// Makes the run folder `out` from the safetensors `file`: its `config.json` and a
/// checkpoint holding the weights (at epoch 0: no epoch was trained here, so `ae train`
/// on the folder fine-tunes from the imported weights) and `imported.json`. `layout`
/// defaults to the one recorded in the file, else PyTorch's. Nothing is written unless
/// every tensor of the model is found with its shape, and no other tensor is in the file.
pub fn import_run<B: AutodiffBackend>(
    file: &Path,
    config: ImportConfig,
    layout: Option<WeightLayout>,
    out: &Path,
    device: &B::Device,
) -> Result<ImportRecord> {
    let bytes = std::fs::read(file).map_err(|e| TrainError::io(file, e))?;
    let in_file = |e: ae_models::ModelError| TrainError::Weights {
        path: file.to_path_buf(),
        source: e,
    };
    let metadata = safetensors_metadata(&bytes).map_err(in_file)?;
    let layout = match (layout, metadata.get(LAYOUT_KEY)) {
        (Some(layout), _) => layout,
        (None, Some(recorded)) => recorded.parse().map_err(in_file)?,
        (None, None) => WeightLayout::PyTorch,
    };
    let config = match config {
        ImportConfig::Given(config) => *config,
        ImportConfig::FromFile => {
            let text = metadata
                .get(TRAINING_KEY)
                .ok_or_else(|| TrainError::RunDir {
                    path: file.to_path_buf(),
                    reason: format!(
                        "has no `{TRAINING_KEY}` in its metadata: pass --config or --model"
                    ),
                })?;
            TrainingConfig::from_json(text).map_err(|reason| TrainError::ConfigFile {
                path: file.to_path_buf(),
                reason: format!("metadata `{TRAINING_KEY}`: {reason}"),
            })?
        }
    };
    config.validate()?;
    let sha256 = sha256_hex(&bytes);
    let model = init_model::<B>(&config, device)?;
    let model = load_safetensors(model, bytes, layout).map_err(in_file)?;
    let record = ImportRecord {
        source: file.to_path_buf(),
        sha256,
        layout: layout.name().to_string(),
        parameters: model.num_params(),
        metadata,
    };
    let run = RunDir::create(&config, out)?;
    let optimizer: OptimOf<B> = config.optimizer.init::<B, _>();
    checkpoint::save::<B, _, _>(
        &run.path().join(CHECKPOINT_FILE),
        0,
        &[],
        None,
        model.into_record(),
        optimizer.to_record(),
    )?;
    let path = run.path().join(IMPORTED_FILE);
    let text = serde_json::to_string_pretty(&record).unwrap_or_default();
    write_atomic(&path, text.as_bytes()).map_err(|e| TrainError::io(&path, e))?;
    Ok(record)
}
