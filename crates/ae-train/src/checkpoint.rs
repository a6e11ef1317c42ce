//! Checkpoints: model and optimizer state plus the history so far, in one file written
//! atomically, so a run killed at any moment resumes from its last complete epoch.
//!
//! Layout: one JSON header line (format, epoch, section lengths, SHA-256 of the payload),
//! then the model record and the optimizer record (burn's named MessagePack).

use std::path::Path;

use ae_data::atomic::write_atomic;
use ae_data::digest::sha256_hex;
use burn::record::{FullPrecisionSettings, NamedMpkBytesRecorder, Record, Recorder};
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::history::EpochRecord;

const FORMAT: u32 = 1;

/// File name of the checkpoint inside a run folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.bin";

#[derive(Debug, Serialize, Deserialize)]
struct Header {
    format: u32,
    epoch: usize,
    model_len: usize,
    optimizer_len: usize,
    sha256: String,
    history: Vec<EpochRecord>,
}

/// A checkpoint read back from disk.
#[derive(Debug)]
pub struct Checkpoint<M, O> {
    /// Last complete epoch.
    pub epoch: usize,
    /// History up to that epoch.
    pub history: Vec<EpochRecord>,
    /// Model record.
    pub model: M,
    /// Optimizer record.
    pub optimizer: O,
}

type Rec = NamedMpkBytesRecorder<FullPrecisionSettings>;

/// Writes a checkpoint atomically (temporary file, fsync, rename).
pub fn save<B: Backend, M: Record<B>, O: Record<B>>(
    path: &Path,
    epoch: usize,
    history: &[EpochRecord],
    model: M,
    optimizer: O,
) -> Result<()> {
    let bad = |reason: String| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let model =
        Recorder::<B>::record(&Rec::default(), model, ()).map_err(|e| bad(e.to_string()))?;
    let optimizer =
        Recorder::<B>::record(&Rec::default(), optimizer, ()).map_err(|e| bad(e.to_string()))?;
    let mut payload = model;
    let model_len = payload.len();
    payload.extend_from_slice(&optimizer);
    let header = Header {
        format: FORMAT,
        epoch,
        model_len,
        optimizer_len: optimizer.len(),
        sha256: sha256_hex(&payload),
        history: history.to_vec(),
    };
    let mut bytes = serde_json::to_vec(&header).map_err(|e| bad(e.to_string()))?;
    bytes.push(b'\n');
    bytes.extend_from_slice(&payload);
    write_atomic(path, &bytes).map_err(|e| TrainError::io(path, e))
}

/// Reads a checkpoint, checking its digest before decoding anything.
pub fn load<B: Backend, M: Record<B>, O: Record<B>>(
    path: &Path,
    device: &B::Device,
) -> Result<Checkpoint<M, O>> {
    let bad = |reason: String| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or_else(|| bad("no header line".into()))?;
    let header: Header =
        serde_json::from_slice(&bytes[..newline]).map_err(|e| bad(format!("header: {e}")))?;
    if header.format != FORMAT {
        return Err(bad(format!(
            "format {} (this build reads {FORMAT})",
            header.format
        )));
    }
    let payload = &bytes[newline + 1..];
    if payload.len() != header.model_len + header.optimizer_len
        || sha256_hex(payload) != header.sha256
    {
        return Err(bad(
            "payload does not match its length or SHA-256 (corrupt file)".into(),
        ));
    }
    let (model, optimizer) = payload.split_at(header.model_len);
    let model = Recorder::<B>::load(&Rec::default(), model.to_vec(), device)
        .map_err(|e| bad(format!("model: {e}")))?;
    let optimizer = Recorder::<B>::load(&Rec::default(), optimizer.to_vec(), device)
        .map_err(|e| bad(format!("optimizer: {e}")))?;
    Ok(Checkpoint {
        epoch: header.epoch,
        history: header.history,
        model,
        optimizer,
    })
}
