//! A dense layer `y = x w + b` and its gradients on row-major `f32` slices, with faer's
//! matrix products.
//!
//! burn-flex computes the same products with the `gemm` crate, but allocates each output
//! as a zeroed byte vector that it then copies into an aligned buffer; in a data-parallel
//! shard of `fc` (`perf record --call-graph dwarf`, 2026-12-02) that allocation, its
//! zeroing, the copy and the kernel's page clearing behind them took 13% of the shard
//! threads' time. At the `fc` shard's shapes on one thread, faer's products (allocation
//! included) ran at 142 to 160 GFLOP/s against burn-flex's 94 to 105 (the probe in
//! `docs/kernels.md`). Here the output starts as the bias rows and the product is added
//! to it, so neither a zeroed buffer nor a separate bias pass is needed.
//!
//! Parallelism: faer splits a product over the current rayon pool's threads by output
//! blocks, each output's sum over the inner dimension running in the same order as on one
//! thread, so the result does not depend on the thread count (tested). Inside a
//! data-parallel shard the pool has one thread, and the products run inline.

use super::conv::{mat, mat_mut, relu_gated};
use super::recycle::take_for_overwrite;
use faer::linalg::matmul::matmul;
use faer::{Accum, MatRef, Par};

/// Multiply-adds below which a product runs on the calling thread.
const PARALLEL_MIN: usize = 1 << 20;

/// Shape of a dense layer applied to a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DenseGeometry {
    /// Rows of the input (images in the batch).
    pub rows: usize,
    /// Input width.
    pub d_in: usize,
    /// Output width.
    pub d_out: usize,
}

impl DenseGeometry {
    /// The parallelism for a product of this layer's size.
    fn par(&self) -> Par {
        let threads = rayon::current_num_threads();
        if threads > 1 && self.rows * self.d_in * self.d_out >= PARALLEL_MIN {
            Par::rayon(threads)
        } else {
            Par::Seq
        }
    }
}

/// `x w + b`, then `max(0, .)` when `relu`: `x` `[rows, d_in]`, `w` `[d_in, d_out]`
/// (burn's `Linear` layout), `b` `[d_out]`; returns `[rows, d_out]`. The ReLU runs over
/// the output just written (a shard's layer output fits in the L2 cache) instead of as an
/// operation of its own with its own output; like burn's, it keeps a NaN.
///
/// # Panics
/// When a slice length does not match `g` (callers check shapes first).
pub fn forward(g: DenseGeometry, x: &[f32], w: &[f32], b: &[f32], relu: bool) -> Vec<f32> {
    assert_eq!(x.len(), g.rows * g.d_in, "dense input length");
    assert_eq!(w.len(), g.d_in * g.d_out, "dense weight length");
    assert_eq!(b.len(), g.d_out, "dense bias length");
    let mut y = Vec::with_capacity(g.rows * g.d_out);
    for _ in 0..g.rows {
        y.extend_from_slice(b);
    }
    if g.rows > 0 && g.d_in > 0 && g.d_out > 0 {
        matmul(
            mat_mut(&mut y, g.rows, g.d_out),
            Accum::Add,
            mat(x, g.rows, g.d_in),
            mat(w, g.d_in, g.d_out),
            1.0,
            g.par(),
        );
    }
    if relu {
        y.iter_mut()
            .for_each(|v| *v = if *v < 0.0 { 0.0 } else { *v });
    }
    y
}

/// Gradients of a dense layer.
#[derive(Debug, Clone)]
pub struct DenseGrads {
    /// `[rows, d_in]`, when asked for.
    pub x: Option<Vec<f32>>,
    /// `[d_in, d_out]`, when asked for.
    pub w: Option<Vec<f32>>,
    /// `[d_out]`, when asked for.
    pub b: Option<Vec<f32>>,
}

/// Which gradients [`backward`] computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wanted {
    /// The input's.
    pub x: bool,
    /// The weight's.
    pub w: bool,
    /// The bias's.
    pub b: bool,
}

/// The gradients of [`forward`] for the output gradient `dy` `[rows, d_out]`:
/// `dx = dy w^T`, `dw = x^T dy`, `db` the column sums of `dy` (rows added in order).
/// `relu_output`, for a layer run with `relu`, is its output: `dy` then passes only
/// where it is positive.
///
/// # Panics
/// When a slice length does not match `g`.
pub fn backward(
    g: DenseGeometry,
    x: &[f32],
    w: &[f32],
    dy: &[f32],
    relu_output: Option<&[f32]>,
    wanted: Wanted,
) -> DenseGrads {
    assert_eq!(x.len(), g.rows * g.d_in, "dense input length");
    assert_eq!(w.len(), g.d_in * g.d_out, "dense weight length");
    assert_eq!(dy.len(), g.rows * g.d_out, "dense output gradient length");
    let gated;
    let dy = match relu_output {
        Some(y) => {
            assert_eq!(y.len(), dy.len(), "dense ReLU output length");
            gated = relu_gated(dy, y);
            gated.as_slice()
        }
        None => dy,
    };
    // The gradients' buffers may come from the recycling pool with stale values: the
    // product overwrites every element (an empty inner dimension writes zeros).
    let product = |dst: &mut [f32], dst_rows, dst_cols, lhs: MatRef<'_, f32>, rhs| {
        if lhs.ncols() == 0 {
            dst.fill(0.0);
            return;
        }
        if dst.is_empty() {
            return;
        }
        matmul(
            mat_mut(dst, dst_rows, dst_cols),
            Accum::Replace,
            lhs,
            rhs,
            1.0,
            g.par(),
        );
    };
    let dy_mat = mat(dy, g.rows, g.d_out);
    let x_grad = wanted.x.then(|| {
        let mut dx = take_for_overwrite(g.rows * g.d_in);
        let w_t = mat(w, g.d_in, g.d_out).transpose();
        product(&mut dx, g.rows, g.d_in, dy_mat, w_t);
        dx
    });
    let w_grad = wanted.w.then(|| {
        let mut dw = take_for_overwrite(g.d_in * g.d_out);
        let x_t = mat(x, g.rows, g.d_in).transpose();
        product(&mut dw, g.d_in, g.d_out, x_t, dy_mat);
        dw
    });
    let b_grad = wanted.b.then(|| {
        let mut db = vec![0.0f32; g.d_out];
        for row in dy.chunks_exact(g.d_out.max(1)) {
            db.iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        db
    });
    DenseGrads {
        x: x_grad,
        w: w_grad,
        b: b_grad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(n: usize, seed: usize) -> Vec<f32> {
        (0..n)
            .map(|i| ((i * 7919 + seed * 104_729) % 1000) as f32 / 1000.0 - 0.5)
            .collect()
    }

    /// The textbook sums, in f64.
    fn naive(g: DenseGeometry, x: &[f32], w: &[f32], b: &[f32]) -> Vec<f64> {
        let mut y = vec![0.0; g.rows * g.d_out];
        for r in 0..g.rows {
            for o in 0..g.d_out {
                y[r * g.d_out + o] = f64::from(b[o])
                    + (0..g.d_in)
                        .map(|i| f64::from(x[r * g.d_in + i]) * f64::from(w[i * g.d_out + o]))
                        .sum::<f64>();
            }
        }
        y
    }

    #[test]
    fn the_forward_pass_is_the_textbook_product_plus_bias() {
        let g = DenseGeometry {
            rows: 7,
            d_in: 13,
            d_out: 5,
        };
        let (x, w, b) = (values(7 * 13, 1), values(13 * 5, 2), values(5, 3));
        let y = forward(g, &x, &w, &b, false);
        for (got, want) in y.iter().zip(naive(g, &x, &w, &b)) {
            assert!((f64::from(*got) - want).abs() < 1e-5, "{got} vs {want}");
        }
    }

    #[test]
    fn the_gradients_are_the_textbook_ones() {
        let g = DenseGeometry {
            rows: 6,
            d_in: 4,
            d_out: 3,
        };
        let (x, w, dy) = (values(24, 4), values(12, 5), values(18, 6));
        let all = Wanted {
            x: true,
            w: true,
            b: true,
        };
        let grads = backward(g, &x, &w, &dy, None, all);
        let (dx, dw, db) = (grads.x.unwrap(), grads.w.unwrap(), grads.b.unwrap());
        for r in 0..6 {
            for i in 0..4 {
                let want: f32 = (0..3).map(|o| dy[r * 3 + o] * w[i * 3 + o]).sum();
                assert!((dx[r * 4 + i] - want).abs() < 1e-6);
            }
        }
        for i in 0..4 {
            for o in 0..3 {
                let want: f32 = (0..6).map(|r| x[r * 4 + i] * dy[r * 3 + o]).sum();
                assert!((dw[i * 3 + o] - want).abs() < 1e-6);
            }
        }
        for o in 0..3 {
            let want: f32 = (0..6).map(|r| dy[r * 3 + o]).sum();
            assert!((db[o] - want).abs() < 1e-6);
        }
        let none = backward(
            g,
            &x,
            &w,
            &dy,
            None,
            Wanted {
                x: false,
                w: true,
                b: false,
            },
        );
        assert!(none.x.is_none() && none.b.is_none() && none.w.is_some());
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        // Large enough to run in parallel on a pool of two or more.
        let g = DenseGeometry {
            rows: 256,
            d_in: 784,
            d_out: 400,
        };
        let (x, w, b, dy) = (
            values(256 * 784, 7),
            values(784 * 400, 8),
            values(400, 9),
            values(256 * 400, 10),
        );
        let all = Wanted {
            x: true,
            w: true,
            b: true,
        };
        let run = |threads| {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            pool.install(|| {
                let y = forward(g, &x, &w, &b, true);
                let grads = backward(g, &x, &w, &dy, Some(&y), all);
                (y, grads.x.unwrap(), grads.w.unwrap())
            })
        };
        let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        let (one, three) = (run(1), run(3));
        assert_eq!(bits(&one.0), bits(&three.0), "forward");
        assert_eq!(bits(&one.1), bits(&three.1), "input gradient");
        assert_eq!(bits(&one.2), bits(&three.2), "weight gradient");
    }

    #[test]
    fn recycled_buffers_with_stale_values_give_the_same_gradients() {
        // Lengths above the pool's minimum, and unusual enough that only this test
        // gives buffers of them back.
        let g = DenseGeometry {
            rows: 67,
            d_in: 89,
            d_out: 71,
        };
        let (x, w, dy) = (
            values(67 * 89, 11),
            values(89 * 71, 12),
            values(67 * 71, 13),
        );
        let all = Wanted {
            x: true,
            w: true,
            b: true,
        };
        let bits = |v: Option<Vec<f32>>| {
            v.expect("wanted")
                .iter()
                .map(|x| x.to_bits())
                .collect::<Vec<_>>()
        };
        let fresh = backward(g, &x, &w, &dy, None, all);
        for len in [g.rows * g.d_in, g.d_in * g.d_out] {
            super::super::recycle::give_back(vec![f32::NAN; len]);
        }
        let recycled = backward(g, &x, &w, &dy, None, all);
        assert_eq!(bits(recycled.x), bits(fresh.x), "input gradient");
        assert_eq!(bits(recycled.w), bits(fresh.w), "weight gradient");
        // An empty inner dimension writes zeros over whatever the buffer held.
        let empty = DenseGeometry { d_out: 0, ..g };
        super::super::recycle::give_back(vec![f32::NAN; g.rows * g.d_in]);
        let zero = backward(empty, &x, &[], &[], None, all);
        assert!(zero.x.expect("wanted").iter().all(|&v| v == 0.0));
    }
}
