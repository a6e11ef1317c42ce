//! Checkpoints: model and optimizer state plus the history so far, in one file written
//! atomically, so a run killed at any moment resumes from its last checkpoint: the end of
//! an epoch, or the batch where an interrupt stopped it ([`EpochPosition`]).
//!
//! Layout: one JSON header line (format, epoch, position, section lengths, SHA-256 of
//! the payload), then the model record and the optimizer record (burn's named
//! MessagePack).

use std::path::Path;

use ae_data::{sha256_hex, sha256_hex_of_parts};
use ae_io::write_atomic_parts;
use burn::record::{BurnRecord, FullPrecisionSettings, NamedMpkBytesRecorder, Record, Recorder};
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TrainError};
use crate::history::EpochRecord;

/// Format written. Format 1 (no `position`) is still read.
const FORMAT: u32 = 2;

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
    #[serde(default)]
    position: Option<EpochPosition>,
}

/// Where inside an epoch a mid-epoch checkpoint was taken. Every random stream is
/// derived from (seed, epoch, batch), so this is all a resume needs to continue as an
/// uninterrupted run would.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EpochPosition {
    /// 1-based epoch in progress.
    pub epoch: usize,
    /// Batches of that epoch already trained.
    pub batches_done: usize,
    /// Sum of `batch loss x images` over those batches (the running Keras `loss`).
    pub loss_sum: f64,
    /// Images in those batches.
    pub seen: usize,
    /// Wall seconds spent on the epoch so far.
    pub seconds: f64,
}

/// A checkpoint read back from disk.
#[derive(Debug)]
pub struct Checkpoint<M, O> {
    /// History up to the last complete epoch (one row per epoch).
    pub history: Vec<EpochRecord>,
    /// Position inside the next epoch, for a mid-epoch checkpoint.
    pub position: Option<EpochPosition>,
    /// Model record.
    pub model: M,
    /// Optimizer record.
    pub optimizer: O,
}

type Rec = NamedMpkBytesRecorder<FullPrecisionSettings>;

/// Writes a checkpoint atomically (temporary file, fsync, rename). `epoch` is the last
/// complete epoch; `position`, when given, says how far the next one went.
pub fn save<B: Backend, M: Record<B>, O: Record<B>>(
    path: &Path,
    epoch: usize,
    history: &[EpochRecord],
    position: Option<EpochPosition>,
    model: M,
    optimizer: O,
) -> Result<()> {
    let bad = |reason: String| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    };
    let model = encode::<B, _>(model).map_err(|e| bad(format!("model: {e}")))?;
    let optimizer = encode::<B, _>(optimizer).map_err(|e| bad(format!("optimizer: {e}")))?;
    // The file is the header line, then the model's and the optimizer's bytes; written
    // and digested chunk by chunk, so the megabytes of state are never copied again.
    let payload: Vec<&[u8]> = model.parts().chain(optimizer.parts()).collect();
    let header = Header {
        format: FORMAT,
        epoch,
        model_len: model.len(),
        optimizer_len: optimizer.len(),
        sha256: sha256_hex_of_parts(&payload),
        history: history.to_vec(),
        position,
    };
    let mut header_line = serde_json::to_vec(&header).map_err(|e| bad(e.to_string()))?;
    header_line.push(b'\n');
    let parts: Vec<&[u8]> = std::iter::once(header_line.as_slice())
        .chain(payload)
        .collect();
    write_atomic_parts(path, &parts).map_err(|e| TrainError::io(path, e))
}

/// The bytes `Rec` records `record` as (burn's named MessagePack, with its metadata),
/// encoded into [`Chunks`].
fn encode<B: Backend, R: Record<B>>(record: R) -> std::result::Result<Chunks, String> {
    let item = BurnRecord::<_, B>::new::<Rec>(record.into_item::<FullPrecisionSettings>());
    let mut bytes = Chunks::default();
    rmp_serde::encode::write_named(&mut bytes, &item).map_err(|e| e.to_string())?;
    Ok(bytes)
}

/// Bytes written into chunks, each allocated once: each as large as all before it, from
/// [`Chunks::FIRST`] up to [`Chunks::LARGEST`], so a small record takes little more
/// memory than its bytes and a large one about 1 MiB more.
///
/// burn's recorder encodes into one vector that doubles as it grows, so a record of *n*
/// bytes passes through fresh vectors of about *2n* bytes in all, each filled with a copy
/// of the last. Fresh memory is costly on a virtual machine whose host takes back the
/// pages its guest frees: the checkpoint writer of `fc` (10 MB) spent three quarters of
/// its time in the kernel's page clearing under `Vec` growth (`perf record`, 2026-12-03;
/// `docs/kernels.md`).
#[derive(Default)]
struct Chunks(Vec<Vec<u8>>);

impl Chunks {
    /// Bytes of the first chunk.
    const FIRST: usize = 64 << 10;
    /// Bytes of the largest chunks.
    const LARGEST: usize = 1 << 20;

    fn len(&self) -> usize {
        self.0.iter().map(Vec::len).sum()
    }

    fn parts(&self) -> impl Iterator<Item = &[u8]> {
        self.0.iter().map(Vec::as_slice)
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, mut bytes: &[u8]) -> std::io::Result<usize> {
        let written = bytes.len();
        while !bytes.is_empty() {
            let chunk = match self.0.last_mut() {
                Some(chunk) if chunk.len() < chunk.capacity() => chunk,
                _ => {
                    let size = self.len().clamp(Self::FIRST, Self::LARGEST);
                    self.0.push(Vec::with_capacity(size));
                    self.0.last_mut().expect("a chunk was just pushed")
                }
            };
            let (now, rest) = bytes.split_at(bytes.len().min(chunk.capacity() - chunk.len()));
            chunk.extend_from_slice(now);
            bytes = rest;
        }
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Reads a checkpoint, checking its digest before decoding anything.
pub fn load<B: Backend, M: Record<B>, O: Record<B>>(
    path: &Path,
    device: &B::Device,
) -> Result<Checkpoint<M, O>> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
    decode_checkpoint(&bytes, device).map_err(|reason| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    })
}

/// How far the checkpoint at `path` went: the complete epochs and the position inside
/// the next one. Reads only the header (no model is decoded).
pub fn progress(path: &Path) -> Result<(usize, Option<EpochPosition>)> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
    let (header, _) = split_header(&bytes).map_err(|reason| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    })?;
    Ok((header.epoch, header.position))
}

/// The per-epoch history a checkpoint holds (its header only is read and checked).
pub fn history(path: &Path) -> Result<Vec<EpochRecord>> {
    let bytes = std::fs::read(path).map_err(|e| TrainError::io(path, e))?;
    let (header, _) = split_header(&bytes).map_err(|reason| TrainError::Checkpoint {
        path: path.to_path_buf(),
        reason,
    })?;
    Ok(header.history)
}

/// Decodes checkpoint bytes; the error is the reason, without the file name. Any input
/// gives a value or an error, never a panic (the `checkpoint` fuzz target holds that).
pub fn decode_checkpoint<B: Backend, M: Record<B>, O: Record<B>>(
    bytes: &[u8],
    device: &B::Device,
) -> std::result::Result<Checkpoint<M, O>, String> {
    let (header, payload) = split_header(bytes)?;
    let (model, optimizer) = payload.split_at(header.model_len);
    let model = Recorder::<B>::load(&Rec::default(), model.to_vec(), device)
        .map_err(|e| format!("model: {e}"))?;
    let optimizer = Recorder::<B>::load(&Rec::default(), optimizer.to_vec(), device)
        .map_err(|e| format!("optimizer: {e}"))?;
    Ok(Checkpoint {
        history: header.history,
        position: header.position,
        model,
        optimizer,
    })
}

/// The checked header and the payload it describes.
fn split_header(bytes: &[u8]) -> std::result::Result<(Header, &[u8]), String> {
    let newline = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("no header line")?;
    let header: Header =
        serde_json::from_slice(&bytes[..newline]).map_err(|e| format!("header: {e}"))?;
    if !(1..=FORMAT).contains(&header.format) {
        return Err(format!(
            "format {} (this build reads 1 to {FORMAT})",
            header.format
        ));
    }
    if header.history.len() != header.epoch
        || header.position.is_some_and(|p| p.epoch != header.epoch + 1)
    {
        return Err(format!(
            "header is inconsistent: epoch {}, {} history rows, position {:?}",
            header.epoch,
            header.history.len(),
            header.position.map(|p| p.epoch)
        ));
    }
    let payload = &bytes[newline + 1..];
    if header.model_len.checked_add(header.optimizer_len) != Some(payload.len())
        || sha256_hex(payload) != header.sha256
    {
        return Err("payload does not match its length or SHA-256 (corrupt file)".into());
    }
    Ok((header, payload))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn chunked_encoding_writes_the_bytes_of_burns_recorder() {
        use burn::module::Module;
        type B = burn::backend::Flex;
        // `fc`: 3.3 MB of parameters, so the bytes cross several chunk boundaries.
        let model = ae_models::ModelConfig::named("fc", None, 28, 28)
            .and_then(|config| config.init::<B>(&Default::default()))
            .expect("the named fc model builds");
        // Parameters are initialised lazily, each clone on its own: initialise them once.
        let model = model.clone().load_record(model.into_record());
        let burns = Recorder::<B>::record(&Rec::default(), model.clone().into_record(), ())
            .expect("burn records the model");
        let chunks = encode::<B, _>(model.into_record()).expect("the model encodes");
        assert!(chunks.0.len() > 3, "{} chunks", chunks.0.len());
        assert_eq!(chunks.len(), burns.len());
        let ours = chunks.parts().collect::<Vec<_>>().concat();
        let first_difference = ours.iter().zip(&burns).position(|(a, b)| a != b);
        assert_eq!(
            first_difference, None,
            "the bytes differ from this offset on"
        );
    }

    #[test]
    fn the_header_reads_back_every_float_to_the_same_bits() {
        // Sums of seconds and running loss sums need all 17 digits; serde_json's default
        // float parser read 0.023569866000000002 back as 0.023569866.
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let mut values: Vec<f64> = vec![0.023569866000000002, 0.6579050570726395];
        values.extend((0..4000).map(|i| rng.random::<f64>() * 10f64.powi(i % 9 - 3)));
        let history: Vec<EpochRecord> = values
            .chunks_exact(2)
            .enumerate()
            .map(|(i, pair)| EpochRecord {
                epoch: i + 1,
                train_loss: pair[1],
                val_loss: pair[0] * 3.0,
                val_reconstruction: pair[1] / 7.0,
                seconds: pair[0],
            })
            .collect();
        let header = Header {
            format: FORMAT,
            epoch: history.len(),
            model_len: 0,
            optimizer_len: 0,
            sha256: String::new(),
            history,
            position: Some(EpochPosition {
                epoch: values.len() / 2 + 1,
                batches_done: 3,
                loss_sum: values[1] * 1e3 + values[0],
                seen: 3,
                seconds: values[0] + values[1],
            }),
        };
        let line = serde_json::to_vec(&header).expect("a header serialises");
        let back: Header = serde_json::from_slice(&line).expect("and parses");
        let floats = |h: &Header| {
            let mut floats: Vec<f64> = h
                .history
                .iter()
                .flat_map(|r| [r.train_loss, r.val_loss, r.val_reconstruction, r.seconds])
                .collect();
            let p = h.position.expect("a position");
            floats.extend([p.loss_sum, p.seconds]);
            floats
        };
        let (written, read) = (floats(&header), floats(&back));
        assert_eq!(written.len(), read.len());
        let changed: Vec<(f64, f64)> = written
            .into_iter()
            .zip(read)
            .filter(|(w, r)| w.to_bits() != r.to_bits())
            .collect();
        assert!(
            changed.is_empty(),
            "{} floats read back changed, first {:?}",
            changed.len(),
            changed[..changed.len().min(3)].to_vec()
        );
    }
}
