//! Max pooling with non-overlapping windows (stride = window, no padding) on `f32`
//! slices in NCHW layout, with the winners' positions kept for the backward pass.
//!
//! Why: burn-flex's general 3-D pooling with indices (padding, dilation and `i64`
//! indices for every case) took 17% of a `conv` training epoch for the seeds' 2x2 pools.
//! Ties go to the first maximum in row-major order, as in burn-flex, so both route
//! gradients to the same pixel.

use rayon::prelude::*;

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
    let (mut out, mut argmax) = (
        vec![0.0f32; g.planes * out_len],
        vec![0u32; g.planes * out_len],
    );
    if out.is_empty() {
        return (out, argmax);
    }
    let w = g.in_size[1];
    let [wh, ww] = g.window;
    out.par_chunks_mut(PLANES_PER_TASK * out_len)
        .zip(argmax.par_chunks_mut(PLANES_PER_TASK * out_len))
        .zip(x.par_chunks(PLANES_PER_TASK * in_len))
        .for_each(|((out, argmax), x)| {
            for ((out, argmax), plane) in out
                .chunks_mut(out_len)
                .zip(argmax.chunks_mut(out_len))
                .zip(x.chunks(in_len))
            {
                for oy in 0..oh {
                    for ox in 0..ow {
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
                        out[oy * ow + ox] = best;
                        argmax[oy * ow + ox] = best_at as u32;
                    }
                }
            }
        });
    (out, argmax)
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
    let mut dx = vec![0.0f32; g.planes * in_len];
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
