//! First-layer encoder weights of dense models, one image per hidden unit.

use ae_models::AnyAutoencoder;
use burn::tensor::backend::Backend;

use crate::error::{AnalysisError, Result};

/// The first `units` first-layer weight vectors (`input` values each, viewable as 28x28).
pub fn first_layer_weights<B: Backend>(
    model: &AnyAutoencoder<B>,
    units: usize,
) -> Result<Vec<Vec<f32>>> {
    let AnyAutoencoder::Dense(dense) = model else {
        return Err(AnalysisError::InvalidParameter {
            field: "model",
            reason: "first-layer weight images need a dense encoder".into(),
        });
    };
    let w = dense
        .first_layer_weights()
        .ok_or_else(|| AnalysisError::InvalidParameter {
            field: "model",
            reason: "the encoder has no layer".into(),
        })?;
    let [hidden, input] = w.dims();
    let values: Vec<f32> = w.into_data().iter::<f32>().collect();
    Ok(values
        .chunks_exact(input)
        .take(units.min(hidden))
        .map(<[f32]>::to_vec)
        .collect())
}

/// Scales one weight vector to `[0, 1]` (min to 0, max to 1) for display.
pub fn normalise_for_display(weights: &[f32]) -> Vec<f32> {
    let (lo, hi) = weights
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(l, h), &w| {
            (l.min(w), h.max(w))
        });
    let span = if hi > lo { hi - lo } else { 1.0 };
    weights.iter().map(|w| (w - lo) / span).collect()
}
