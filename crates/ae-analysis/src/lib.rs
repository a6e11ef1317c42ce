#![doc = include_str!("../README.md")]
#![cfg_attr(test, allow(clippy::unwrap_used))]

mod classify;
mod encode;
mod error;
mod latent;
mod pca;
mod protocol;
mod sweep;
mod weights;

pub use classify::{
    ClassifierConfig, ClassifierKind, ClassifierReport, Features, train_classifier,
};
pub use encode::{encode_set, reconstruct_set, reconstruct_values};
pub use error::{AnalysisError, Result};
pub use latent::{
    LatentBox, LatentPoint, OCCUPIED_QUANTILE, decode_point, latent_points, manifold, prior_samples,
};
pub use pca::{Pca, PcaParams, Samples};
pub use protocol::{
    AutoencoderRun, Denoised, FIVE_CLASS_CODES, FIVE_CLASS_SPLIT, FIVE_CLASSES, FiveClassConfig,
    FiveClassResult, Method, MethodResult, SHOWN_PER_SPLIT, choose_on_validation,
    five_class_protocol, mean_squared_error,
};
pub use sweep::{SEED_CODE_SIZES, SweepPoint, bottleneck_sweep, sweep_configs};
pub use weights::{first_layer_weights, neighbour_correlation, normalise_for_display};
