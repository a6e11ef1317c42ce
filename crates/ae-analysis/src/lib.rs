//! `ae-analysis`: analyses on data and trained autoencoders, returning plain result
//! structs (no plotting): the PCA baseline, streaming encoding, the 2-D latent protocol,
//! first-layer weight images, the bottleneck sweep and the five-class protocol.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod classify;
pub mod encode;
pub mod error;
pub mod latent;
pub mod pca;
pub mod protocol;
pub mod sweep;
pub mod weights;

pub use error::{AnalysisError, Result};
pub use pca::{Pca, PcaParams, Samples};
