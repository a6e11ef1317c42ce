//! The 2-D latent protocol: test points in latent space, decoding chosen points, and a
//! regular grid of decoded images (the "manifold").

use ae_data::ImageSet;
use ae_models::{AnyAutoencoder, Autoencoder};
use burn::tensor::backend::Backend;
use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::encode::{decode_codes, encode_set};
use crate::error::{AnalysisError, Result};

/// A labelled point in a 2-D latent space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatentPoint {
    /// First coordinate.
    pub x: f32,
    /// Second coordinate.
    pub y: f32,
    /// Class label of the image.
    pub label: u8,
}

/// A rectangle of latent space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LatentBox {
    /// Smallest first coordinate.
    pub x_min: f32,
    /// Largest first coordinate.
    pub x_max: f32,
    /// Smallest second coordinate.
    pub y_min: f32,
    /// Largest second coordinate.
    pub y_max: f32,
}

fn require_2d<B: Backend>(model: &AnyAutoencoder<B>) -> Result<()> {
    match model.code_len() {
        2 => Ok(()),
        n => Err(AnalysisError::InvalidParameter {
            field: "model",
            reason: format!(
                "the 2-D latent protocol needs a 2-D code, this model's has {n} values"
            ),
        }),
    }
}

impl LatentBox {
    /// The points' bounding box, padded by 5% per side (at least 1e-3, so a flat
    /// cloud still spans an area); the unit box around 0 when there are no points.
    pub fn around(points: &[LatentPoint]) -> LatentBox {
        if points.is_empty() {
            return LatentBox {
                x_min: -1.0,
                x_max: 1.0,
                y_min: -1.0,
                y_max: 1.0,
            };
        }
        let fold = |f: fn(&LatentPoint) -> f32| {
            points
                .iter()
                .map(f)
                .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(v), hi.max(v))
                })
        };
        let ((x0, x1), (y0, y1)) = (fold(|p| p.x), fold(|p| p.y));
        let pad = |lo: f32, hi: f32| ((hi - lo) * 0.05).max(1e-3);
        LatentBox {
            x_min: x0 - pad(x0, x1),
            x_max: x1 + pad(x0, x1),
            y_min: y0 - pad(y0, y1),
            y_max: y1 + pad(y0, y1),
        }
    }
}

/// The quantile whose box ([`LatentBox::quantiles`]) counts as the region the codes
/// occupy: the 1st to 99th percentiles.
pub const OCCUPIED_QUANTILE: f32 = 0.01;

impl LatentBox {
    /// The box between the `q` and `1 - q` quantiles of the points' coordinates (nearest
    /// rank), so that a few outlying codes do not stretch it over empty space: `q = 0.01`
    /// spans the 1st to 99th percentiles. A flat axis gets a width of 1e-3; no points,
    /// the unit box around 0.
    pub fn quantiles(points: &[LatentPoint], q: f32) -> LatentBox {
        let q = q.clamp(0.0, 0.5);
        let axis = |coordinate: fn(&LatentPoint) -> f32| -> Option<(f32, f32)> {
            let mut values: Vec<f32> = points
                .iter()
                .map(coordinate)
                .filter(|v| v.is_finite())
                .collect();
            values.sort_by(f32::total_cmp);
            let last = values.len().checked_sub(1)?;
            let at = |p: f32| values[(last as f32 * p).round() as usize];
            let (lo, hi) = (at(q), at(1.0 - q));
            Some(if hi - lo < 1e-3 {
                (lo - 5e-4, hi + 5e-4)
            } else {
                (lo, hi)
            })
        };
        let ((x_min, x_max), (y_min, y_max)) = (
            axis(|p| p.x).unwrap_or((-1.0, 1.0)),
            axis(|p| p.y).unwrap_or((-1.0, 1.0)),
        );
        LatentBox {
            x_min,
            x_max,
            y_min,
            y_max,
        }
    }
}

/// Latent coordinates of the first `n` images of `set` with their labels.
pub fn latent_points<B: Backend>(
    model: &AnyAutoencoder<B>,
    set: &ImageSet,
    n: usize,
    device: &B::Device,
) -> Result<Vec<LatentPoint>> {
    require_2d(model)?;
    let subset = set.first(n.min(set.len()))?;
    let codes = encode_set(model, &subset, device);
    Ok(codes
        .chunks_exact(2)
        .zip(subset.labels())
        .map(|(c, &label)| LatentPoint {
            x: c[0],
            y: c[1],
            label,
        })
        .collect())
}

/// The decoded image of one latent point.
pub fn decode_point<B: Backend>(
    model: &AnyAutoencoder<B>,
    x: f32,
    y: f32,
    device: &B::Device,
) -> Result<Vec<f32>> {
    require_2d(model)?;
    Ok(decode_codes(model, &[x, y], 1, device))
}

/// `steps x steps` decoded images over `area`, row by row from the top (largest `y`)
/// and left to right (smallest `x`), as the manifold figures are laid out.
pub fn manifold<B: Backend>(
    model: &AnyAutoencoder<B>,
    area: LatentBox,
    steps: usize,
    device: &B::Device,
) -> Result<Vec<f32>> {
    require_2d(model)?;
    if steps < 2 || !(area.x_min < area.x_max && area.y_min < area.y_max) {
        return Err(AnalysisError::InvalidParameter {
            field: "grid",
            reason: format!("need >= 2 steps and a non-empty box, got {steps} steps over {area:?}"),
        });
    }
    let lerp = |a: f32, b: f32, i: usize| a + (b - a) * i as f32 / (steps - 1) as f32;
    let mut codes = Vec::with_capacity(steps * steps * 2);
    for row in 0..steps {
        for col in 0..steps {
            codes.extend([
                lerp(area.x_min, area.x_max, col),
                lerp(area.y_max, area.y_min, row),
            ]);
        }
    }
    Ok(decode_codes(model, &codes, steps * steps, device))
}

/// `n` images decoded from codes drawn from a VAE's prior `N(0, I)`, seeded.
pub fn prior_samples<B: Backend>(
    model: &AnyAutoencoder<B>,
    n: usize,
    seed: u64,
    device: &B::Device,
) -> Result<Vec<f32>> {
    let AnyAutoencoder::Vae(vae) = model else {
        return Err(AnalysisError::InvalidParameter {
            field: "model",
            reason: "only a variational autoencoder has a prior to sample".into(),
        });
    };
    Ok(vae
        .sample_prior(n, &mut StdRng::seed_from_u64(seed), device)
        .into_data()
        .iter::<f32>()
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_quantile_box_ignores_outliers() {
        let mut points: Vec<LatentPoint> = (0..101)
            .map(|i| LatentPoint {
                x: i as f32,
                y: -(i as f32) / 10.0,
                label: 0,
            })
            .collect();
        points.push(LatentPoint {
            x: 1e4,
            y: 5.0,
            label: 1,
        });
        let area = LatentBox::quantiles(&points, 0.01);
        // 102 points: ranks 1 and 100 of 0..=101.
        assert_eq!((area.x_min, area.x_max), (1.0, 100.0));
        assert_eq!((area.y_min, area.y_max), (-9.9, 0.0));
        let flat = LatentBox::quantiles(&points[..1], 0.01);
        assert!((flat.x_max - flat.x_min - 1e-3).abs() < 1e-6);
        assert_eq!(LatentBox::quantiles(&[], 0.01).x_max, 1.0);
    }
}
