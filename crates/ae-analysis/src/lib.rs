//! `ae-analysis`: analyses on data and trained autoencoders, returning plain result
//! structs (no plotting): the PCA baseline so far.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod error;
pub mod pca;

pub use error::{AnalysisError, Result};
pub use pca::{Pca, PcaParams, Samples};
