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

/// How smooth one unit's weights are as a `rows x cols` image: the correlation between
/// the weights of horizontally and vertically adjacent pixels, pooled. Near 1 for
/// strokes and blobs, near 0 for pixel noise such as a random initialisation; 0 where
/// the weights are constant.
pub fn neighbour_correlation(weights: &[f32], rows: usize, cols: usize) -> f64 {
    let at = |r: usize, c: usize| f64::from(weights[r * cols + c]);
    let mut pairs = Vec::new();
    for r in 0..rows {
        for c in 0..cols {
            if c + 1 < cols {
                pairs.push((at(r, c), at(r, c + 1)));
            }
            if r + 1 < rows {
                pairs.push((at(r, c), at(r + 1, c)));
            }
        }
    }
    let n = pairs.len().max(1) as f64;
    let (sa, sb) = pairs
        .iter()
        .fold((0.0, 0.0), |(a, b), p| (a + p.0, b + p.1));
    let (ma, mb) = (sa / n, sb / n);
    let (mut cov, mut va, mut vb) = (0.0, 0.0, 0.0);
    for (a, b) in &pairs {
        cov += (a - ma) * (b - mb);
        va += (a - ma).powi(2);
        vb += (b - mb).powi(2);
    }
    if va <= 0.0 || vb <= 0.0 {
        0.0
    } else {
        cov / (va * vb).sqrt()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smooth_images_correlate_and_noise_does_not() {
        let (rows, cols) = (28, 28);
        let blob: Vec<f32> = (0..rows * cols)
            .map(|i| {
                let (r, c) = ((i / cols) as f32 - 14.0, (i % cols) as f32 - 14.0);
                (-(r * r + c * c) / 40.0).exp()
            })
            .collect();
        assert!(neighbour_correlation(&blob, rows, cols) > 0.9);
        // A checkerboard anticorrelates; seeded hash noise hardly correlates.
        let checker: Vec<f32> = (0..rows * cols)
            .map(|i| ((i / cols + i % cols) % 2) as f32)
            .collect();
        assert!(neighbour_correlation(&checker, rows, cols) < -0.9);
        let splitmix = |i: u64| {
            let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        };
        let noise: Vec<f32> = (0..rows * cols)
            .map(|i| (splitmix(i as u64) >> 40) as f32)
            .collect();
        assert!(neighbour_correlation(&noise, rows, cols).abs() < 0.15);
        assert_eq!(neighbour_correlation(&[1.0; 784], rows, cols), 0.0);
    }
}
