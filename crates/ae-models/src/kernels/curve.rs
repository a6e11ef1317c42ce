//! The hyperbolic tangent and the logistic sigmoid on `f32` slices, vectorisable:
//! burn-flex computes `tanh` through the C library's scalar `tanhf` per element (a fifth of
//! a `latent2` epoch), and `sigmoid` as several element-wise passes around the scalar
//! `expf` (over a third of the five-class protocol's logistic-unit classifiers).
//!
//! `tanh x` is Cephes' odd polynomial for `|x| < 0.625` and `1 - 2 / (e^{2|x|} + 1)`,
//! with the sign of `x`, above; both are computed and one selected, so the loop has no
//! branch. `sigmoid z` is `e / (1 + e)` with `e = exp(-|z|)`, mirrored for `z >= 0`. Both
//! backward steps use the saved output `y`: `dx = dy (1 - y^2)` and `dx = dy y (1 - y)`.

use super::bce::{exp_nonpositive, sigmoid};
use super::elementwise::{map, map2};

/// An S-shaped activation with a fused kernel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    /// `tanh x`.
    Tanh,
    /// `1 / (1 + e^-x)`.
    Sigmoid,
}

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

/// The curve of every element.
pub fn forward(x: &[f32], curve: Curve) -> Vec<f32> {
    match curve {
        Curve::Tanh => map(x, tanh),
        Curve::Sigmoid => map(x, sigmoid),
    }
}

/// Input gradient from the forward output `y`: `dy (1 - y^2)` for tanh, `dy y (1 - y)`
/// for the sigmoid.
///
/// # Panics
/// When the lengths differ.
pub fn backward(y: &[f32], dy: &[f32], curve: Curve) -> Vec<f32> {
    assert_eq!(y.len(), dy.len(), "output and gradient lengths");
    match curve {
        Curve::Tanh => map2(y, dy, |y, dy| dy * (1.0 - y * y)),
        Curve::Sigmoid => map2(y, dy, |y, dy| dy * (y * (1.0 - y))),
    }
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
    fn sigmoid_is_accurate_to_f32_precision_over_its_whole_range() {
        for i in -400_000..=400_000 {
            let x = i as f32 * 2e-4;
            let want = 1.0 / (1.0 + (-f64::from(x)).exp());
            let got = f64::from(forward(&[x], Curve::Sigmoid)[0]);
            assert!(
                (got - want).abs() <= 5e-7 * want,
                "sigmoid({x}) = {got}, want {want}"
            );
        }
        let ends = forward(
            &[f32::NEG_INFINITY, f32::INFINITY, f32::NAN],
            Curve::Sigmoid,
        );
        assert!(
            ends[0] < 1e-37 && ends[1] == 1.0 && ends[2].is_nan(),
            "{ends:?}"
        );
    }

    #[test]
    fn backward_is_the_derivative_at_the_output() {
        type Slope = fn(f64) -> f64;
        let x = [-3.0f32, -0.5, 0.0, 0.2, 4.0];
        let slopes: [(Curve, Slope); 2] = [
            (Curve::Tanh, |x| 1.0 / x.cosh().powi(2)),
            (Curve::Sigmoid, |x| {
                let s = 1.0 / (1.0 + (-x).exp());
                s * (1.0 - s)
            }),
        ];
        for (curve, slope) in slopes {
            let y = forward(&x, curve);
            let dx = backward(&y, &[2.0; 5], curve);
            for (&x, &g) in x.iter().zip(&dx) {
                let want = 2.0 * slope(f64::from(x));
                assert!(
                    (f64::from(g) - want).abs() < 1e-6,
                    "{curve:?} at {x}: {g} vs {want}"
                );
            }
        }
    }
}
