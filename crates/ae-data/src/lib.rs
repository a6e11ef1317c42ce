#![doc = include_str!("../README.md")]
//!
//! ## Contents
//!
//! - Validated IDX reading (raw or `.gz`): [`read_images`], [`parse_images`]; bad input
//!   is a typed [`DataError`] naming the file.
//! - The two datasets, data-folder resolution and SHA-256 verification: [`Dataset`],
//!   [`DatasetKind`], [`resolve_data_dir`].
//! - [`ImageSet`] with class subsets, first-N and seeded stratified splits.
//! - [`Noise`]: seeded Gaussian, masking and salt-and-pepper corruption.
//! - [`BatchBuffer`], [`shuffled_indices`] and [`validation_split`] for batching.
//!
//! ## Features
//!
//! The IDX reader and everything above need none. `burn`: batches as burn tensors
//! (`flat_tensor`, `image_tensor`). `grid`: PNG image grids (`render_grid`). `download`:
//! downloads from the canonical mirrors (`fetch_dataset`, `Dataset::load_or_fetch`).
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod batch;
mod dataset;
mod digest;
mod error;
#[cfg(feature = "download")]
mod fetch;
#[cfg(feature = "grid")]
mod grid;
mod idx;
mod images;
mod noise;
mod synthetic;
#[cfg(feature = "burn")]
mod tensor;

pub use batch::{BatchBuffer, gathered, shuffled_indices, validation_split};
pub use dataset::{
    Dataset, DatasetKind, FileReport, FileRole, IMAGE_SIDE, LoadedSplit, Split, file_path,
    files_present, load_split, resolve_data_dir,
};
pub use digest::{Verification, canonical_sha256, sha256_hex, sha256_hex_of_parts};
pub use error::{DataError, Result};
#[cfg(feature = "download")]
pub use fetch::{fetch_dataset, mirrors};
#[cfg(feature = "grid")]
pub use grid::{GridLayout, render_grid, save_png};
pub use idx::{
    IdxImages, IdxLabels, encode_images, encode_labels, gunzip, parse_images, parse_images_owned,
    parse_labels, read_bytes, read_images, read_labels,
};
pub use images::ImageSet;
pub use noise::Noise;
pub use synthetic::{write_gz, write_synthetic_dataset};
#[cfg(feature = "burn")]
pub use tensor::{flat_tensor, image_tensor};
