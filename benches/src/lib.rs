//! Every criterion benchmark of the workspace in one package, so that `cargo bench -p
//! benches` runs them all (`cargo bench -p benches --bench kernels` runs one):
//!
//! - `read_idx`: reading and decoding the MNIST training images, beside `gzip -dc`;
//! - `pca_fit`: the PCA baseline's fit on 60,000 x 784 images;
//! - `train_step`: one training step of `fc` (batch 256) and `conv` (batch 128);
//! - `kernels`: the fused conv, max-pool and BCE-from-logits kernels, forward and
//!   backward, beside burn's own operations on the same backend.
//!
//! The benchmarks that read MNIST need `AE_DATA_DIR` ([`mnist_dir`]).

use std::path::PathBuf;

use ae_data::{DatasetKind, FileRole, file_path};

/// The data folder of `AE_DATA_DIR` when it holds the MNIST training images; `None`
/// (and a line on stderr saying why the benchmark does not run) otherwise.
pub fn mnist_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AE_DATA_DIR").map(PathBuf::from);
    match dir {
        Some(dir) if file_path(&dir, DatasetKind::Mnist, FileRole::TrainImages).is_file() => {
            Some(dir)
        }
        _ => {
            eprintln!(
                "AE_DATA_DIR is not set or lacks mnist/train-images-idx3-ubyte.gz: this benchmark does not run"
            );
            None
        }
    }
}
