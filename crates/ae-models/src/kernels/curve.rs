//! The hyperbolic tangent on `f32` slices, vectorisable: burn-flex calls the C library's
//! scalar `tanhf` (and through it `expm1f`) per element, a fifth of a `latent2` epoch.
//!
//! `tanh x` is Cephes' odd polynomial for `|x| < 0.625` and `1 - 2 / (e^{2|x|} + 1)`,
//! with the sign of `x`, above; both are computed and one selected, so the loop has no
//! branch. The backward step is `dx = dy (1 - y^2)` from the saved output `y`.

use rayon::prelude::*;

use super::zeros::zeros;

use super::bce::exp_nonpositive;

/// Elements per parallel task.
const CHUNK: usize = 8192;

/// `tanh(x)`, within 3e-7 of the exact value relative to it (tested over [-40, 40]).
/// NaN stays NaN (a diverging run must still be caught by the loss check).
pub fn tanh(x: f32) -> f32 {
    let a = x.abs();
    let s = x * x;
    let mut p = -5.704_988_7e-3_f32;
    for c in [2.063_909e-2, -5.373_971_6e-2, 1.333_144_2e-1, -3.333_328e-1] {
        p = p * s + c;
    }
    let small = p * s * x + x;
    let e = exp_nonpositive(-2.0 * a);
    let large = ((1.0 - e) / (1.0 + e)).copysign(x);
    // NaN fails the comparison and takes the polynomial, which keeps it NaN.
    if a >= 0.625 { large } else { small }
}

/// `tanh` of every element.
pub fn forward(x: &[f32]) -> Vec<f32> {
    let mut y = zeros(x.len());
    y.par_chunks_mut(CHUNK)
        .zip(x.par_chunks(CHUNK))
        .for_each(|(y, x)| {
            for (y, &x) in y.iter_mut().zip(x) {
                *y = tanh(x);
            }
        });
    y
}

/// Input gradient `dy (1 - y^2)` from the forward output `y`.
///
/// # Panics
/// When the lengths differ.
pub fn backward(y: &[f32], dy: &[f32]) -> Vec<f32> {
    assert_eq!(y.len(), dy.len(), "tanh output and gradient lengths");
    let mut dx = zeros(y.len());
    dx.par_chunks_mut(CHUNK)
        .zip(y.par_chunks(CHUNK).zip(dy.par_chunks(CHUNK)))
        .for_each(|(dx, (y, dy))| {
            for ((dx, &y), &dy) in dx.iter_mut().zip(y).zip(dy) {
                *dx = dy * (1.0 - y * y);
            }
        });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tanh_is_accurate_to_f32_precision_over_its_whole_range() {
        for i in -400_000..=400_000 {
            let x = i as f32 * 1e-4;
            let (got, want) = (f64::from(tanh(x)), f64::from(x).tanh());
            assert!(
                (got - want).abs() <= 3e-7 * want.abs() + 1e-9,
                "tanh({x}) = {got}, want {want}"
            );
        }
        for x in [
            1e-30f32,
            -1e-12,
            1e-6,
            100.0,
            -1e6,
            f32::INFINITY,
            f32::NEG_INFINITY,
        ] {
            let want = f64::from(x).tanh();
            assert!(
                (f64::from(tanh(x)) - want).abs() <= 3e-7 * want.abs(),
                "tanh({x})"
            );
        }
        assert!(tanh(f32::NAN).is_nan());
    }

    #[test]
    fn backward_is_the_derivative_at_the_output() {
        let x = [-3.0f32, -0.5, 0.0, 0.2, 4.0];
        let y = forward(&x);
        let dx = backward(&y, &[2.0; 5]);
        for (&x, &g) in x.iter().zip(&dx) {
            let want = 2.0 / f64::from(x).cosh().powi(2);
            assert!((f64::from(g) - want).abs() < 1e-6, "at {x}: {g} vs {want}");
        }
    }
}
