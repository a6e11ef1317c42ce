//! Binary cross-entropy from logits on `f32` slices, fused: one pass for the loss,
//! one for its gradient (the composed version runs about ten element-wise passes and
//! keeps their outputs for autodiff).
//!
//! Per element, with `e = exp(-|z|)`:
//! `loss = max(z, 0) - z t + ln(1 + e)`, `d loss / d z = sigmoid(z) - t`,
//! `d loss / d t = -z`. Sums run in fixed chunks of [`CHUNK`] elements, accumulated in
//! `f64` and added in order, so the value does not depend on the number of threads.

use rayon::prelude::*;

/// Elements per parallel task.
pub const CHUNK: usize = 8192;

fn element_loss(z: f32, t: f32) -> f32 {
    z.max(0.0) - z * t + (-z.abs()).exp().ln_1p()
}

/// `sigmoid(z)` without overflow for any `z`.
fn sigmoid(z: f32) -> f32 {
    let e = (-z.abs()).exp();
    if z >= 0.0 { 1.0 / (1.0 + e) } else { e / (1.0 + e) }
}

/// Mean loss over all elements (0 for empty input).
///
/// # Panics
/// When the lengths differ.
pub fn mean_loss(logits: &[f32], target: &[f32]) -> f32 {
    assert_eq!(logits.len(), target.len(), "logits and target lengths");
    if logits.is_empty() {
        return 0.0;
    }
    let partial: Vec<f64> = logits
        .par_chunks(CHUNK)
        .zip(target.par_chunks(CHUNK))
        .map(|(z, t)| z.iter().zip(t).map(|(&z, &t)| f64::from(element_loss(z, t))).sum())
        .collect();
    (partial.iter().sum::<f64>() / logits.len() as f64) as f32
}

/// Gradient of `scale * sum(loss)` with respect to the logits: `scale * (sigmoid(z) - t)`.
pub fn logits_grad(logits: &[f32], target: &[f32], scale: f32) -> Vec<f32> {
    assert_eq!(logits.len(), target.len(), "logits and target lengths");
    let mut grad = vec![0.0f32; logits.len()];
    grad.par_chunks_mut(CHUNK).zip(logits.par_chunks(CHUNK).zip(target.par_chunks(CHUNK))).for_each(|(g, (z, t))| {
        for ((g, &z), &t) in g.iter_mut().zip(z).zip(t) {
            *g = scale * (sigmoid(z) - t);
        }
    });
    grad
}

/// Gradient of `scale * sum(loss)` with respect to the targets: `-scale * z`.
pub fn target_grad(logits: &[f32], scale: f32) -> Vec<f32> {
    logits.par_iter().map(|&z| -scale * z).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loss_and_gradient_match_the_definition() {
        let z = [-30.0f32, -2.0, -0.1, 0.0, 0.7, 5.0, 40.0];
        let t = [0.0f32, 1.0, 0.3, 0.5, 0.9, 0.0, 1.0];
        let expected: f64 = z
            .iter()
            .zip(&t)
            // -t ln p - (1 - t) ln(1 - p) with p = sigmoid(z) is ln(1 + e^-z) + (1 - t) z.
            .map(|(&z, &t)| (-f64::from(z)).exp().ln_1p() + (1.0 - f64::from(t)) * f64::from(z))
            .sum::<f64>()
            / z.len() as f64;
        let got = mean_loss(&z, &t);
        assert!((f64::from(got) - expected).abs() < 1e-5, "{got} vs {expected}");

        let grad = logits_grad(&z, &t, 0.5);
        for ((g, &z), &t) in grad.iter().zip(&z).zip(&t) {
            let p = 1.0 / (1.0 + (-f64::from(z)).exp());
            assert!((f64::from(*g) - 0.5 * (p - f64::from(t))).abs() < 1e-6, "{g} at z={z}");
        }
    }

    #[test]
    fn the_sum_does_not_depend_on_the_thread_count() {
        let z: Vec<f32> = (0..100_000).map(|i| ((i as f32) * 0.013).sin() * 8.0).collect();
        let t: Vec<f32> = (0..100_000).map(|i| ((i % 7) as f32) / 6.0).collect();
        let one = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| mean_loss(&z, &t));
        let three = rayon::ThreadPoolBuilder::new().num_threads(3).build().unwrap().install(|| mean_loss(&z, &t));
        assert_eq!(one.to_bits(), three.to_bits());
    }
}
