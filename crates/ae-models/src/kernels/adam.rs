//! One Adam step on `f32` slices, in place: the moments and the parameter are updated in
//! a single pass (burn's Adam makes about twelve tensor passes, each allocating).
//!
//! The arithmetic is burn-optim 0.21's, operation for operation, so results equal
//! burn's Adam bit for bit:
//! `m = m b1 + g (1 - b1)`, `v = v b2 + g^2 (1 - b2)`,
//! `x = x - lr * (m c) / (sqrt(v) + eps s)` with `s = sqrt(1 - b2^t)`, `c = s / (1 - b1^t)`.

use rayon::prelude::*;

/// Elements per parallel task.
const CHUNK: usize = 16_384;

/// Adam's constants.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdamConstants {
    /// First-moment decay.
    pub beta_1: f32,
    /// Second-moment decay.
    pub beta_2: f32,
    /// Conditioning constant.
    pub epsilon: f32,
}

/// Updates `param`, `moment_1` and `moment_2` for gradient `grad` at step `time`
/// (1 for the first step, when the moments must be zero).
///
/// # Panics
/// When the lengths differ.
pub fn step(
    c: AdamConstants,
    lr: f32,
    time: i32,
    param: &mut [f32],
    moment_1: &mut [f32],
    moment_2: &mut [f32],
    grad: &[f32],
) {
    let n = param.len();
    assert!(
        moment_1.len() == n && moment_2.len() == n && grad.len() == n,
        "Adam slices differ in length"
    );
    let bias_correction_2_sqrt = (1.0 - c.beta_2.powi(time)).sqrt();
    let combined = bias_correction_2_sqrt / (1.0 - c.beta_1.powi(time));
    let eps = c.epsilon * bias_correction_2_sqrt;
    let (f1, f2) = (1.0 - c.beta_1, 1.0 - c.beta_2);
    param
        .par_chunks_mut(CHUNK)
        .zip(moment_1.par_chunks_mut(CHUNK))
        .zip(moment_2.par_chunks_mut(CHUNK))
        .zip(grad.par_chunks(CHUNK))
        .for_each(|(((x, m), v), g)| {
            for (((x, m), v), &g) in x.iter_mut().zip(m).zip(v).zip(g) {
                *m = *m * c.beta_1 + g * f1;
                *v = *v * c.beta_2 + (g * g) * f2;
                *x -= (*m * combined) / (v.sqrt() + eps) * lr;
            }
        });
}
