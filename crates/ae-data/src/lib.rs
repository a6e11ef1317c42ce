#![doc = include_str!("../README.md")]
//!
//! ## Modules
//!
//! - [`idx`]: validated IDX reading (raw or `.gz`); bad input is a typed [`DataError`] naming the file.
//! - [`dataset`]: the two datasets, data-folder resolution, SHA-256 verification.
//! - [`images`]: [`ImageSet`] with class subsets, first-N and seeded stratified splits.
//! - [`noise`]: seeded Gaussian, masking and salt-and-pepper corruption.
//! - [`batch`]: batches as burn tensors `[batch, 784]` or `[batch, 1, 28, 28]` in `[0, 1]`.
//! - [`grid`]: PNG image grids; [`fetch`]: downloads from the canonical mirrors.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod atomic;
pub mod batch;
pub mod dataset;
pub mod digest;
pub mod error;
pub mod fetch;
pub mod grid;
pub mod idx;
pub mod images;
pub mod noise;
pub mod synthetic;

pub use batch::{BatchBuffer, flat_tensor, image_tensor, shuffled_indices, validation_split};
pub use dataset::{
    Dataset, DatasetKind, FileReport, FileRole, IMAGE_SIDE, LoadedSplit, Split, load_split,
    resolve_data_dir,
};
pub use error::{DataError, Result};
pub use images::ImageSet;
pub use noise::Noise;
