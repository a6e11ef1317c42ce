//! Nearest-neighbour upsampling by whole factors on `f32` slices in NCHW layout: each
//! pixel becomes a `scale_h x scale_w` block; the backward pass sums each block.
//!
//! Why: burn-flex's general interpolation (coordinate lookup tables, any ratio) took 9% of
//! a `conv` training epoch for the seeds' two 2x upsamplings, more than the work itself
//! (one copy forward, one addition per pixel backward).

use rayon::prelude::*;

use super::zeros::zeros;

/// Planes (image x channel) per parallel task.
const PLANES_PER_TASK: usize = 8;

/// Sizes of one upsampling: `planes` planes of `in_size`, each pixel repeated
/// `scale[0]` times down and `scale[1]` times across.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpsampleGeometry {
    /// Batch times channels.
    pub planes: usize,
    /// Input height and width.
    pub in_size: [usize; 2],
    /// Whole scale factors (at least 1).
    pub scale: [usize; 2],
}

impl UpsampleGeometry {
    /// Output height and width.
    pub fn out_size(&self) -> [usize; 2] {
        [
            self.in_size[0] * self.scale[0],
            self.in_size[1] * self.scale[1],
        ]
    }

    fn lens(&self) -> (usize, usize) {
        let [oh, ow] = self.out_size();
        (self.in_size[0] * self.in_size[1], oh * ow)
    }
}

/// Forward pass: `[planes, h * scale_h, w * scale_w]`.
///
/// # Panics
/// When `x` does not hold `planes` planes of `in_size`.
pub fn forward(g: &UpsampleGeometry, x: &[f32]) -> Vec<f32> {
    let (in_len, out_len) = g.lens();
    assert_eq!(x.len(), g.planes * in_len, "input length");
    let mut y = zeros(g.planes * out_len);
    if y.is_empty() {
        return y;
    }
    let [sh, sw] = g.scale;
    let (w, ow) = (g.in_size[1], g.out_size()[1]);
    y.par_chunks_mut(PLANES_PER_TASK * out_len)
        .zip(x.par_chunks(PLANES_PER_TASK * in_len))
        .for_each(|(y, x)| {
            for (out_row_block, row) in y.chunks_exact_mut(sh * ow).zip(x.chunks_exact(w)) {
                let (first, rest) = out_row_block.split_at_mut(ow);
                for (block, &v) in first.chunks_exact_mut(sw).zip(row) {
                    block.fill(v);
                }
                for copy in rest.chunks_exact_mut(ow) {
                    copy.copy_from_slice(first);
                }
            }
        });
    y
}

/// Backward pass: each input pixel's gradient is the sum of its block of `dy`; returns
/// `[planes, h, w]`.
///
/// # Panics
/// When `dy` does not hold `planes` planes of the output size.
pub fn backward(g: &UpsampleGeometry, dy: &[f32]) -> Vec<f32> {
    let (in_len, out_len) = g.lens();
    assert_eq!(dy.len(), g.planes * out_len, "output gradient length");
    let mut dx = zeros(g.planes * in_len);
    if dx.is_empty() {
        return dx;
    }
    let [sh, _] = g.scale;
    let (w, ow) = (g.in_size[1], g.out_size()[1]);
    dx.par_chunks_mut(PLANES_PER_TASK * in_len)
        .zip(dy.par_chunks(PLANES_PER_TASK * out_len))
        .for_each_init(
            || vec![0.0f32; ow],
            |column_sums, (dx, dy)| {
                for (row, out_row_block) in dx.chunks_exact_mut(w).zip(dy.chunks_exact(sh * ow)) {
                    sum_block_row(row, out_row_block, ow, g.scale, column_sums);
                }
            },
        );
    dx
}

/// One row of the backward pass: `dst[i]` is the sum of the `scale_h x scale_w` block
/// `i` of `rows`, which holds the block row's `scale_h` rows `stride` values apart, each
/// `column_sums.len()` values wide (`column_sums` is scratch space).
///
/// The rows are added column by column first (whole rows: vectorised), then each run of
/// `scale_w` columns is summed: a per-block sum left the vector units idle, and this pass
/// took 4.5% of a `conv` epoch. The 2x2 case is written out in the same order (a loop over
/// each 2-pixel run took 6%).
pub(super) fn sum_block_row(
    dst: &mut [f32],
    rows: &[f32],
    stride: usize,
    [sh, sw]: [usize; 2],
    column_sums: &mut [f32],
) {
    let width = column_sums.len();
    if [sh, sw] == [2, 2] {
        let (top, bottom) = (&rows[..width], &rows[stride..stride + width]);
        for ((d, t), b) in dst
            .iter_mut()
            .zip(top.chunks_exact(2))
            .zip(bottom.chunks_exact(2))
        {
            *d = (t[0] + b[0]) + (t[1] + b[1]);
        }
        return;
    }
    column_sums.copy_from_slice(&rows[..width]);
    for r in 1..sh {
        for (sum, &d) in column_sums.iter_mut().zip(&rows[r * stride..][..width]) {
            *sum += d;
        }
    }
    for (d, block) in dst.iter_mut().zip(column_sums.chunks_exact(sw)) {
        *d = block.iter().sum::<f32>();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeats_each_pixel_and_sums_each_block_back() {
        let g = UpsampleGeometry {
            planes: 2,
            in_size: [2, 3],
            scale: [2, 3],
        };
        let x: Vec<f32> = (0..12).map(|v| v as f32).collect();
        let y = forward(&g, &x);
        assert_eq!(y.len(), 2 * 4 * 9);
        // Plane 1, output (3, 7) comes from input (1, 2).
        assert_eq!(y[36 + 3 * 9 + 7], x[6 + 5]);
        assert_eq!(&y[..9], &[0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0]);
        assert_eq!(&y[9..18], &y[..9]);
        // The adjoint: <up(x), d> == <x, up^T(d)>.
        let d: Vec<f32> = (0..72).map(|v| (v as f32 * 0.37).sin()).collect();
        let back = backward(&g, &d);
        let lhs: f32 = y.iter().zip(&d).map(|(a, b)| a * b).sum();
        let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
        assert!((lhs - rhs).abs() < 1e-4, "{lhs} vs {rhs}");
    }
}
