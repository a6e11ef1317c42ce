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
/// With `other`, the gradient is `grad + other`, added in the same pass: the same bits
/// as adding the two first and stepping with the sum, without writing the sum out and
/// reading it back (two data-parallel shards' gradients).
///
/// # Panics
/// When the lengths differ.
pub fn step(
    c: AdamConstants,
    lr: f32,
    time: i32,
    [param, moment_1, moment_2]: [&mut [f32]; 3],
    grad: &[f32],
    other: Option<&[f32]>,
) {
    let n = param.len();
    assert!(
        moment_1.len() == n
            && moment_2.len() == n
            && grad.len() == n
            && other.is_none_or(|other| other.len() == n),
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
            other,
        });
        return;
    }
    param
        .par_chunks_mut(CHUNK)
        .zip(moment_1.par_chunks_mut(CHUNK))
        .zip(moment_2.par_chunks_mut(CHUNK))
        .zip(grad.par_chunks(CHUNK))
        .enumerate()
        .for_each(|(chunk, (((x, m), v), g))| {
            let other = other.map(|o| &o[chunk * CHUNK..chunk * CHUNK + g.len()]);
            arch.dispatch(Update {
                rule,
                x,
                m,
                v,
                g,
                other,
            })
        });
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
    /// A second gradient added to `g` element by element.
    other: Option<&'a [f32]>,
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
        let update = |x: &mut f32, m: &mut f32, v: &mut f32, g: f32| {
            *m = flush_subnormal(*m * c.beta_1 + g * f1);
            *v = flush_subnormal(*v * c.beta_2 + (g * g) * f2);
            *x -= (*m * combined) / (v.sqrt() + eps) * lr;
        };
        let moments = self.x.iter_mut().zip(self.m).zip(self.v);
        match self.other {
            None => moments
                .zip(self.g)
                .for_each(|(((x, m), v), &g)| update(x, m, v, g)),
            Some(other) => moments
                .zip(self.g)
                .zip(other)
                .for_each(|((((x, m), v), &g), &o)| update(x, m, v, g + o)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summed_step_is_the_step_of_the_sum_bit_for_bit() {
        let c = AdamConstants {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        };
        // Below and above the parallel threshold, with a partial last chunk.
        for n in [37, PARALLEL_MIN + 3 * CHUNK + 5] {
            let value =
                |i: usize, k: usize| ((i * 7919 + k * 104_729) % 2001) as f32 / 1000.0 - 1.0;
            let (a, b): (Vec<f32>, Vec<f32>) =
                (0..n).map(|i| (value(i, 1), value(i, 2) * 1e-3)).unzip();
            let start: Vec<f32> = (0..n).map(|i| value(i, 3)).collect();
            let (mut x1, mut m1, mut v1) = (start.clone(), vec![0.01; n], vec![0.02; n]);
            let (mut x2, mut m2, mut v2) = (x1.clone(), m1.clone(), v1.clone());
            let sum: Vec<f32> = a.iter().zip(&b).map(|(a, b)| a + b).collect();
            for time in 1..=3 {
                step(c, 1e-3, time, [&mut x1, &mut m1, &mut v1], &sum, None);
                step(c, 1e-3, time, [&mut x2, &mut m2, &mut v2], &a, Some(&b));
            }
            let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&x2), bits(&x1), "parameters, n = {n}");
            assert_eq!(bits(&m2), bits(&m1), "first moments, n = {n}");
            assert_eq!(bits(&v2), bits(&v1), "second moments, n = {n}");
            assert_ne!(bits(&x2), bits(&start), "the step moved the parameters");
        }
    }

    #[test]
    fn moments_decaying_into_subnormals_become_zero() {
        let c = AdamConstants {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        };
        // One gradient, then zeros: m decays by 0.9 and v by 0.999 per step.
        let (mut x, mut m, mut v) = ([0.5f32], [0.0f32], [0.0f32]);
        step(c, 1e-3, 1, [&mut x, &mut m, &mut v], &[1.0], None);
        let mut m_zero_at = None;
        for t in 2..=2000 {
            step(c, 1e-3, t, [&mut x, &mut m, &mut v], &[0.0], None);
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
