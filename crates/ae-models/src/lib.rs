#![doc = include_str!("../README.md")]
//!
//! ## Modules
//!
//! - [`Autoencoder`]: `encode`, `decode`, `reconstruct`, `code_shape`.
//! - [`dense`], [`conv`], [`vae`]: one file per architecture, each a `#[derive(Config)]`
//!   config with `init(&device)`; [`ModelConfig`] and [`AnyAutoencoder`] unify them.
//! - Denoising is a training option (noisy input, clean target), sparse and contractive
//!   autoencoders are penalties in [`objective`].
//! - [`losses`]: Keras-style MSE/BCE, penalties, the VAE ELBO; [`optim`]: Adam, SGD,
//!   RMSprop and an Adadelta for burn.
//! - [`kernels`]: fused convolution and BCE-from-logits kernels for the default backend.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod activation;
pub mod autoencoder;
pub mod conv;
pub mod dense;
pub mod error;
pub mod interop;
pub mod kernels;
pub mod losses;
pub mod model;
pub mod objective;
pub mod optim;
pub mod vae;

pub use activation::Activation;
pub use autoencoder::Autoencoder;
pub use error::{ModelError, Result};
pub use interop::WeightLayout;
pub use losses::ReconstructionLoss;
pub use model::{AnyAutoencoder, DenseStep, MODEL_NAMES, ModelConfig};
pub use objective::{Objective, Sparsity};
pub use optim::OptimizerKind;
