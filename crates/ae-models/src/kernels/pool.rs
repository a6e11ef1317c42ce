//! Max pooling with non-overlapping windows (stride = window, no padding) on `f32`
//! slices in NCHW layout, with the winners' positions kept for the backward pass.
//!
//! Why: burn-flex's general 3-D pooling with indices (padding, dilation and `i64`
//! indices for every case) took 17% of a `conv` training epoch for the seeds' 2x2 pools.
//! Ties go to the first maximum in row-major order, as in burn-flex, so both route
//! gradients to the same pixel.

use rayon::prelude::*;

use super::zeros::zeros;

/// Planes (image x channel) per parallel task.
const PLANES_PER_TASK: usize = 8;

/// Sizes of one pooling: `planes` (batch x channels) planes of `in_size`, windows of
/// `window` pixels moved by `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolGeometry {
    /// Batch times channels.
    pub planes: usize,
    /// Input height and width.
    pub in_size: [usize; 2],
    /// Window (and stride) height and width.
    pub window: [usize; 2],
}

impl PoolGeometry {
    /// Output height and width (partial windows at the bottom/right are dropped);
    /// `None` for an empty window or one larger than the input.
    pub fn out_size(&self) -> Option<[usize; 2]> {
        let [h, w] = self.in_size;
        let [wh, ww] = self.window;
        (wh > 0 && ww > 0 && wh <= h && ww <= w).then(|| [h / wh, w / ww])
    }

    fn in_len(&self) -> usize {
        self.in_size[0] * self.in_size[1]
    }
}

/// Forward pass: the maxima (`[planes, out_h, out_w]`) and, for each, the index of the
/// winning pixel inside its plane.
///
/// # Panics
/// When `x` does not hold `planes` planes, or the geometry has no output (checked by callers).
pub fn forward(g: &PoolGeometry, x: &[f32]) -> (Vec<f32>, Vec<u32>) {
    let [oh, ow] = g.out_size().expect("pool geometry checked by the caller");
    let (in_len, out_len) = (g.in_len(), oh * ow);
    assert_eq!(x.len(), g.planes * in_len, "input length");
    assert!(
        u32::try_from(in_len).is_ok(),
        "plane too large for u32 indices"
    );
    let (mut out, mut argmax) = (zeros(g.planes * out_len), zeros(g.planes * out_len));
    if out.is_empty() {
        return (out, argmax);
    }
    let w = g.in_size[1];
    let pool_plane = if g.window == [2, 2] {
        pool_plane_2x2
    } else {
        pool_plane_any
    };
    out.par_chunks_mut(PLANES_PER_TASK * out_len)
        .zip(argmax.par_chunks_mut(PLANES_PER_TASK * out_len))
        .zip(x.par_chunks(PLANES_PER_TASK * in_len))
        .for_each(|((out, argmax), x)| {
            for ((out, argmax), plane) in out
                .chunks_mut(out_len)
                .zip(argmax.chunks_mut(out_len))
                .zip(x.chunks(in_len))
            {
                pool_plane(g.window, w, plane, out, argmax);
            }
        });
    (out, argmax)
}

/// Pools one plane of `w` pixels per row with any window into `out` and `argmax`
/// (the plane's outputs, row by row).
fn pool_plane_any(
    window: [usize; 2],
    w: usize,
    plane: &[f32],
    out: &mut [f32],
    argmax: &mut [u32],
) {
    let [wh, ww] = window;
    let ow = w / ww;
    for (oy, (out, argmax)) in out
        .chunks_exact_mut(ow)
        .zip(argmax.chunks_exact_mut(ow))
        .enumerate()
    {
        for (ox, (out, argmax)) in out.iter_mut().zip(argmax.iter_mut()).enumerate() {
            let first = oy * wh * w + ox * ww;
            let (mut best, mut best_at) = (plane[first], first);
            for dy in 0..wh {
                for dx in 0..ww {
                    let at = first + dy * w + dx;
                    if plane[at] > best {
                        (best, best_at) = (plane[at], at);
                    }
                }
            }
            (*out, *argmax) = (best, best_at as u32);
        }
    }
}

/// [`pool_plane_any`] for 2x2 windows, without branches: see [`pool_2x2`].
fn pool_plane_2x2(_: [usize; 2], w: usize, plane: &[f32], out: &mut [f32], argmax: &mut [u32]) {
    pool_2x2(plane, w, w, out, argmax, |v| v);
}

/// 2x2 max pooling (stride 2) of one plane whose rows hold `width` pixels `stride`
/// values apart; `out` gets `f(maximum)` row by row, `argmax` the winner's index in a
/// dense plane of `width` columns. `f` must be non-decreasing (a bias, a ReLU).
///
/// Without branches: the seeds' pools see noisy activations, where the general loop's
/// data-dependent branches mispredicted half the time (the pool forward pass was 14% of
/// a `conv` epoch). The pairwise selection keeps the first maximum in row-major order,
/// as the general loop does (NaNs aside).
pub(super) fn pool_2x2(
    plane: &[f32],
    stride: usize,
    width: usize,
    out: &mut [f32],
    argmax: &mut [u32],
    f: impl Fn(f32) -> f32,
) {
    let ow = width / 2;
    for (oy, (out, argmax)) in out
        .chunks_exact_mut(ow)
        .zip(argmax.chunks_exact_mut(ow))
        .enumerate()
    {
        let (top_row, bottom_row) = (2 * oy * stride, (2 * oy + 1) * stride);
        let (top, bottom) = (&plane[top_row..][..width], &plane[bottom_row..][..width]);
        let first = 2 * oy * width;
        for (ox, (out, argmax)) in out.iter_mut().zip(argmax.iter_mut()).enumerate() {
            let x = 2 * ox;
            let (upper, upper_at) = select_first_max((top[x], x), (top[x + 1], x + 1));
            let (lower, lower_at) =
                select_first_max((bottom[x], width + x), (bottom[x + 1], width + x + 1));
            let (best, best_at) = select_first_max((upper, upper_at), (lower, lower_at));
            (*out, *argmax) = (f(best), (first + best_at) as u32);
        }
    }
}

/// The later candidate only when strictly greater: ties keep the earlier pixel.
#[inline(always)]
fn select_first_max(earlier: (f32, usize), later: (f32, usize)) -> (f32, usize) {
    if later.0 > earlier.0 { later } else { earlier }
}

/// Backward pass: each output's gradient goes to its winning pixel; returns
/// `[planes, h, w]`.
///
/// # Panics
/// When the lengths do not match `g`.
pub fn backward(g: &PoolGeometry, argmax: &[u32], dy: &[f32]) -> Vec<f32> {
    let [oh, ow] = g.out_size().expect("pool geometry checked by the caller");
    let (in_len, out_len) = (g.in_len(), oh * ow);
    assert_eq!(dy.len(), g.planes * out_len, "output gradient length");
    assert_eq!(argmax.len(), dy.len(), "winner indices length");
    let mut dx = zeros(g.planes * in_len);
    if dx.is_empty() || out_len == 0 {
        return dx;
    }
    dx.par_chunks_mut(in_len)
        .zip(argmax.par_chunks(out_len).zip(dy.par_chunks(out_len)))
        .for_each(|(dx, (argmax, dy))| {
            // Windows do not overlap: each pixel receives at most one gradient.
            for (&at, &d) in argmax.iter().zip(dy) {
                dx[at as usize] = d;
            }
        });
    dx
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_first_maximum_and_routes_the_gradient_to_it() {
        // One 4x5 plane, 2x2 windows: the last column is dropped.
        #[rustfmt::skip]
        let x = [
            1.0, 3.0, 0.0, 0.0, 9.0,
            2.0, 3.0, 0.0, -1.0, 9.0,
            5.0, 4.0, 7.0, 8.0, 9.0,
            6.0, 6.0, 8.0, 2.0, 9.0,
        ];
        let g = PoolGeometry {
            planes: 1,
            in_size: [4, 5],
            window: [2, 2],
        };
        let (out, argmax) = forward(&g, &x);
        assert_eq!(out, [3.0, 0.0, 6.0, 8.0]);
        assert_eq!(argmax, [1, 2, 15, 13]);
        let dx = backward(&g, &argmax, &[1.0, 2.0, 3.0, 4.0]);
        let mut expected = [0.0f32; 20];
        for (at, v) in [(1, 1.0), (2, 2.0), (15, 3.0), (13, 4.0)] {
            expected[at] = v;
        }
        assert_eq!(dx, expected);
    }

    #[test]
    fn the_2x2_path_agrees_with_the_general_loop_ties_included() {
        // Values on a coarse grid, so windows often hold equal maxima; odd sizes drop
        // the last row and column.
        let (h, w) = (9, 11);
        let plane: Vec<f32> = (0..h * w).map(|i| ((i * 7919) % 5) as f32).collect();
        let (oh, ow) = (h / 2, w / 2);
        let mut fast = (vec![0.0; oh * ow], vec![0u32; oh * ow]);
        let mut general = fast.clone();
        pool_plane_2x2([2, 2], w, &plane, &mut fast.0, &mut fast.1);
        pool_plane_any([2, 2], w, &plane, &mut general.0, &mut general.1);
        assert_eq!(fast, general);
        assert!(
            general.1.iter().any(|&at| at as usize % w % 2 == 1),
            "every winner is its window's first pixel"
        );
    }

    #[test]
    fn a_window_larger_than_the_input_has_no_output() {
        assert_eq!(
            PoolGeometry {
                planes: 1,
                in_size: [1, 4],
                window: [2, 2]
            }
            .out_size(),
            None
        );
        assert_eq!(
            PoolGeometry {
                planes: 1,
                in_size: [4, 4],
                window: [0, 2]
            }
            .out_size(),
            None
        );
    }
}
