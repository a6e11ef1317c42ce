#![doc = include_str!("../README.md")]
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
