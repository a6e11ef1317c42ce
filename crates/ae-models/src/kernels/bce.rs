//! Binary cross-entropy from logits on `f32` slices, fused: one pass for the loss,
//! one for its gradient (the composed version runs about ten element-wise passes and
//! keeps their outputs for autodiff).
//!
//! Per element, with `e = exp(-|z|)`:
//! `loss = max(z, 0) - z t + ln(1 + e)`, `d loss / d z = sigmoid(z) - t`,
//! `d loss / d t = -z`. Sums run in fixed chunks of [`CHUNK`] elements, accumulated in
//! `f64` and added in order, so the value does not depend on the number of threads.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use super::elementwise::{PARALLEL_MIN, map, map2};

/// Elements per parallel task.
pub const CHUNK: usize = 8192;

/// `exp(x)` for `x <= 0` (Cephes' single-precision polynomial, relative error about
/// 2e-7), written without branches or library calls so the loops vectorise; inputs
/// below -87 give `exp(-87)`, which is below the loss's resolution.
#[inline]
pub(super) fn exp_nonpositive(x: f32) -> f32 {
    const LOG2_E: f32 = std::f32::consts::LOG2_E;
    // ln 2 split in two so that n * LN2_HI is exact.
    const LN2_HI: f32 = 0.693_359_4;
    const LN2_LO: f32 = -2.121_944_4e-4;
    // Adding and subtracting 1.5 * 2^23 rounds to the nearest integer.
    const ROUND: f32 = 12_582_912.0;
    // ROUND's bits, whose low mantissa bits hold the integer added to it.
    const ROUND_BITS: u32 = 0x4B40_0000;
    let x = x.max(-87.0);
    let shifted = x * LOG2_E + ROUND;
    let n = shifted - ROUND;
    // n's integer value, read from the mantissa instead of a saturating cast (whose NaN
    // check keeps loops of this function from vectorising).
    let n_int = shifted.to_bits().wrapping_sub(ROUND_BITS);
    let r = x - n * LN2_HI - n * LN2_LO;
    let mut p = 1.987_569_2e-4_f32;
    for c in [
        1.398_199_9e-3,
        8.333_452e-3,
        4.166_579_6e-2,
        0.166_666_65,
        0.5,
    ] {
        p = p * r + c;
    }
    let poly = p * r * r + r + 1.0;
    poly * f32::from_bits(n_int.wrapping_add(127) << 23)
}

/// `ln(1 + u)` for `u` in `[0, 1]`: `2 atanh(s)` with `s = u / (2 + u) <= 1/3`, whose odd
/// series converges to f32 precision in eight terms (and stays exact for tiny `u`).
fn ln_1p_unit(u: f32) -> f32 {
    let s = u / (2.0 + u);
    let s2 = s * s;
    let mut p = 1.0 / 15.0;
    for c in [
        1.0 / 13.0,
        1.0 / 11.0,
        1.0 / 9.0,
        1.0 / 7.0,
        1.0 / 5.0,
        1.0 / 3.0,
        1.0,
    ] {
        p = p * s2 + c;
    }
    2.0 * s * p
}

fn element_loss(z: f32, t: f32) -> f32 {
    z.max(0.0) - z * t + ln_1p_unit(exp_nonpositive(-z.abs()))
}

/// `sigmoid(z)` without overflow for any `z`; NaN stays NaN (a diverging run must still
/// be caught by the loss check). Both halves are computed and one selected, so loops of
/// it vectorise.
#[inline]
pub(super) fn sigmoid(z: f32) -> f32 {
    let e = exp_nonpositive(-z.abs());
    let below_half = e / (1.0 + e);
    let mirrored = if z >= 0.0 {
        1.0 - below_half
    } else {
        below_half
    };
    if z.is_nan() { z } else { mirrored }
}

/// Sum of the element losses of one chunk: eight f32 lanes per block of
/// [`BLOCK`] elements (so the loop vectorises), blocks added in f64.
#[inline(always)]
fn chunk_loss(z: &[f32], t: &[f32]) -> f64 {
    const BLOCK: usize = 256;
    let mut total = 0.0f64;
    for (zb, tb) in z.chunks(BLOCK).zip(t.chunks(BLOCK)) {
        let mut lanes = [0.0f32; 8];
        let (z8, t8) = (zb.chunks_exact(8), tb.chunks_exact(8));
        let (z_rest, t_rest) = (z8.remainder(), t8.remainder());
        for (z, t) in z8.zip(t8) {
            for i in 0..8 {
                lanes[i] += element_loss(z[i], t[i]);
            }
        }
        let rest: f32 = z_rest
            .iter()
            .zip(t_rest)
            .map(|(&z, &t)| element_loss(z, t))
            .sum();
        total += f64::from(lanes.iter().sum::<f32>() + rest);
    }
    total
}

/// [`chunk_loss`] compiled for the CPU's widest vectors (the same sums in the same order
/// on every instruction set).
struct ChunkLoss<'a> {
    z: &'a [f32],
    t: &'a [f32],
}

impl WithSimd for ChunkLoss<'_> {
    type Output = f64;

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) -> f64 {
        chunk_loss(self.z, self.t)
    }
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
    let arch = Arch::new();
    let chunk = |(z, t)| arch.dispatch(ChunkLoss { z, t });
    // The same chunks, summed in the same order, on the calling thread or the pool.
    let partial: Vec<f64> = if logits.len() < PARALLEL_MIN {
        logits
            .chunks(CHUNK)
            .zip(target.chunks(CHUNK))
            .map(chunk)
            .collect()
    } else {
        logits
            .par_chunks(CHUNK)
            .zip(target.par_chunks(CHUNK))
            .map(chunk)
            .collect()
    };
    (partial.iter().sum::<f64>() / logits.len() as f64) as f32
}

/// Gradient of `scale * sum(loss)` with respect to the logits: `scale * (sigmoid(z) - t)`.
pub fn logits_grad(logits: &[f32], target: &[f32], scale: f32) -> Vec<f32> {
    assert_eq!(logits.len(), target.len(), "logits and target lengths");
    map2(logits, target, move |z, t| scale * (sigmoid(z) - t))
}

/// Gradient of `scale * sum(loss)` with respect to the targets: `-scale * z`.
pub fn target_grad(logits: &[f32], scale: f32) -> Vec<f32> {
    map(logits, move |z| -scale * z)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fast_exp_and_log_are_accurate_to_f32_precision() {
        for i in 0..=200_000 {
            let x = -(i as f32) * 87.0 / 200_000.0;
            let (got, want) = (f64::from(exp_nonpositive(x)), f64::from(x).exp());
            assert!(
                (got - want).abs() <= 3e-7 * want,
                "exp({x}) = {got}, want {want}"
            );
        }
        for i in 0..=100_000 {
            let u = i as f32 / 100_000.0;
            let (got, want) = (f64::from(ln_1p_unit(u)), f64::from(u).ln_1p());
            assert!(
                (got - want).abs() <= 4e-7 * want.max(1e-30),
                "ln_1p({u}) = {got}, want {want}"
            );
        }
        assert!((ln_1p_unit(1e-30) - 1e-30).abs() < 1e-36);
    }

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
        assert!(
            (f64::from(got) - expected).abs() < 1e-5,
            "{got} vs {expected}"
        );

        let grad = logits_grad(&z, &t, 0.5);
        for ((g, &z), &t) in grad.iter().zip(&z).zip(&t) {
            let p = 1.0 / (1.0 + (-f64::from(z)).exp());
            assert!(
                (f64::from(*g) - 0.5 * (p - f64::from(t))).abs() < 1e-6,
                "{g} at z={z}"
            );
        }
    }

    #[test]
    fn the_sum_does_not_depend_on_the_thread_count() {
        let z: Vec<f32> = (0..100_000)
            .map(|i| ((i as f32) * 0.013).sin() * 8.0)
            .collect();
        let t: Vec<f32> = (0..100_000).map(|i| ((i % 7) as f32) / 6.0).collect();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| mean_loss(&z, &t));
        let three = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap()
            .install(|| mean_loss(&z, &t));
        assert_eq!(one.to_bits(), three.to_bits());
    }
}
