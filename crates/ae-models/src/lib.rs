#![doc = include_str!("../README.md")]
//!
//! ## Contents
//!
//! - [`Autoencoder`]: `encode`, `decode`, `reconstruct`, `code_shape`.
//! - [`DenseAutoencoderConfig`], [`ConvAutoencoderConfig`], [`VaeConfig`]: one file per
//!   architecture, each a `#[derive(Config)]` config with `init(&device)`;
//!   [`ModelConfig`] and [`AnyAutoencoder`] unify them.
//! - Denoising is a training option (noisy input, clean target), sparse and contractive
//!   autoencoders are penalties of an [`Objective`].
//! - [`ReconstructionLoss`]: Keras-style MSE/BCE; [`OptimizerKind`]: Adam, SGD, RMSprop
//!   and an [`Adadelta`] for burn.
//! - [`kernels`]: fused convolution, dense-layer and BCE-from-logits kernels (and more) for
//!   the default backend.
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod activation;
mod autoencoder;
mod conv;
mod dense;
mod error;
mod interop;
pub mod kernels;
mod losses;
mod model;
mod objective;
mod optim;
mod vae;

pub use activation::Activation;
pub use autoencoder::Autoencoder;
pub use conv::{ConvAutoencoder, ConvAutoencoderConfig, same_conv};
pub use dense::{DenseAutoencoder, DenseAutoencoderConfig, DenseLayer, glorot_linear};
pub use error::{ModelError, Result};
pub use interop::{
    LAYOUT_KEY, WeightLayout, load_safetensors, safetensors_metadata, tensor_shapes, to_safetensors,
};
pub use losses::{ElboTerms, ReconstructionLoss, mse, vae_elbo};
pub use model::{AnyAutoencoder, DenseStep, MODEL_NAMES, ModelConfig};
pub use objective::{BatchLoss, Objective, Sparsity};
pub use optim::{
    Adadelta, AdadeltaState, AnyOptimizer, AnyOptimizerState, KerasAdam, OptimizerKind, SummedStep,
};
pub use vae::{LOGVAR_RANGE, Likelihood, Vae, VaeConfig, VaeOutput};
