//! One Adam step on `f32` slices, in place: the moments and the parameter are updated in
//! a single pass (burn's Adam makes about twelve tensor passes, each allocating).
//!
//! The arithmetic is burn-optim 0.21's, operation for operation:
//! `m = m b1 + g (1 - b1)`, `v = v b2 + g^2 (1 - b2)`,
//! `x = x - lr * (m c) / (sqrt(v) + eps s)` with `s = sqrt(1 - b2^t)`, `c = s / (1 - b1^t)`,
//! except that a moment below `f32::MIN_POSITIVE` (1.2e-38, a subnormal) is stored as 0.
//!
//! Why the flush: a weight whose gradient is always zero (a first-layer weight from an
//! MNIST border pixel, which is 0 in every image) has moments that decay geometrically
//! into the subnormal range, where every multiplication, square root and division takes a
//! microcode assist on x86 (about a hundred cycles). After a few thousand steps that made
//! the Adam step over half of a `deep` epoch at batch 32. TensorFlow's CPU threads flush
//! subnormals for the same reason. A flushed moment changes the update by less than
//! `1e-30 * lr`, below the last bit of any parameter of normal size, so the parameters stay
//! equal to burn's bit for bit in practice (tested on normal-sized values).

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

// Below the element-wise kernels' threshold a step runs on the calling thread: handing it
// to the pool costs a wake-up round trip, more than a small layer's update.
use super::elementwise::PARALLEL_MIN;

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

/// `x`, or 0 where `x` is subnormal (a select: the loop still vectorises).
#[inline(always)]
fn flush_subnormal(x: f32) -> f32 {
    if x.abs() < f32::MIN_POSITIVE { 0.0 } else { x }
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
    let rule = Rule {
        c,
        lr,
        combined: bias_correction_2_sqrt / (1.0 - c.beta_1.powi(time)),
        eps: c.epsilon * bias_correction_2_sqrt,
    };
    let arch = Arch::new();
    if n < PARALLEL_MIN {
        arch.dispatch(Update {
            rule,
            x: param,
            m: moment_1,
            v: moment_2,
            g: grad,
        });
        return;
    }
    param
        .par_chunks_mut(CHUNK)
        .zip(moment_1.par_chunks_mut(CHUNK))
        .zip(moment_2.par_chunks_mut(CHUNK))
        .zip(grad.par_chunks(CHUNK))
        .for_each(|(((x, m), v), g)| arch.dispatch(Update { rule, x, m, v, g }));
}

/// The constants of one step, held by value so the loop reads them from registers.
#[derive(Clone, Copy)]
struct Rule {
    c: AdamConstants,
    lr: f32,
    /// `s / (1 - b1^t)`.
    combined: f32,
    /// `eps s`.
    eps: f32,
}

/// One chunk of a step, compiled for the CPU's widest vectors (the same bits on every
/// instruction set: no reductions, no fused multiply-adds).
struct Update<'a> {
    rule: Rule,
    x: &'a mut [f32],
    m: &'a mut [f32],
    v: &'a mut [f32],
    g: &'a [f32],
}

impl WithSimd for Update<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, _: S) {
        let Rule {
            c,
            lr,
            combined,
            eps,
        } = self.rule;
        let (f1, f2) = (1.0 - c.beta_1, 1.0 - c.beta_2);
        for (((x, m), v), &g) in self.x.iter_mut().zip(self.m).zip(self.v).zip(self.g) {
            *m = flush_subnormal(*m * c.beta_1 + g * f1);
            *v = flush_subnormal(*v * c.beta_2 + (g * g) * f2);
            *x -= (*m * combined) / (v.sqrt() + eps) * lr;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moments_decaying_into_subnormals_become_zero() {
        let c = AdamConstants {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        };
        // One gradient, then zeros: m decays by 0.9 and v by 0.999 per step.
        let (mut x, mut m, mut v) = ([0.5f32], [0.0f32], [0.0f32]);
        step(c, 1e-3, 1, &mut x, &mut m, &mut v, &[1.0]);
        let mut m_zero_at = None;
        for t in 2..=2000 {
            step(c, 1e-3, t, &mut x, &mut m, &mut v, &[0.0]);
            assert!(m[0] == 0.0 || m[0].is_normal(), "step {t}: m = {:e}", m[0]);
            assert!(v[0] == 0.0 || v[0].is_normal(), "step {t}: v = {:e}", v[0]);
            if m[0] == 0.0 && m_zero_at.is_none() {
                m_zero_at = Some(t);
            }
        }
        // 0.1 * 0.9^n falls below 1.2e-38 near n = 820: flushed there, not earlier.
        let at = m_zero_at.expect("m reached zero");
        assert!((800..850).contains(&at), "m flushed at step {at}");
        assert!(x[0].is_finite() && x[0] < 0.5);
    }
}
