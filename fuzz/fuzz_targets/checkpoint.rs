//! The checkpoint reader on arbitrary bytes: header line, section lengths, digest and
//! burn's MessagePack records of any autoencoder and its optimizer. Every input must give
//! a checkpoint or an error, without panicking. Inputs whose digest does not match stop
//! at the digest check, so the target also feeds the payload behind a header it writes
//! itself with the right digest.
#![no_main]

use ae_models::AnyAutoencoder;
use ae_models::AnyOptimizer;
use burn::backend::{Autodiff, Flex};
use burn::module::Module;
use burn::optim::Optimizer;
use burn::optim::adaptor::OptimizerAdaptor;
use libfuzzer_sys::fuzz_target;

type B = Autodiff<Flex>;
type ModelRecord = <AnyAutoencoder<B> as Module<B>>::Record;
type Optim = OptimizerAdaptor<AnyOptimizer<Flex>, AnyAutoencoder<B>, B>;
type OptimRecord = <Optim as Optimizer<AnyAutoencoder<B>, B>>::Record;

fuzz_target!(|data: &[u8]| {
    let device = Default::default();
    let _ = ae_train::decode_checkpoint::<B, ModelRecord, OptimRecord>(data, &device);
    // The same bytes as a payload, split at a point they choose, behind a valid header.
    let split = data
        .first()
        .map_or(0, |&b| usize::from(b) * data.len() / 256);
    let header = serde_json::json!({
        "format": 2,
        "epoch": 0,
        "model_len": split,
        "optimizer_len": data.len() - split,
        "sha256": ae_data::sha256_hex(data),
        "history": [],
    });
    let mut bytes = header.to_string().into_bytes();
    bytes.push(b'\n');
    bytes.extend_from_slice(data);
    let _ = ae_train::decode_checkpoint::<B, ModelRecord, OptimRecord>(&bytes, &device);
});
