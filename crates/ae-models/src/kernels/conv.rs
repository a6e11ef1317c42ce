//! 2-D convolution (groups = 1) on contiguous `f32` slices in NCHW layout: im2col and
//! one matrix product per image, images in parallel, for the forward pass and both
//! gradients.
//!
//! Why: burn-flex computes a convolution's input gradient as a general 3-D transposed
//! convolution and its weight/bias gradients through strided copies; for the small
//! channel counts of the seeds' models that made the backward pass ~5x slower than
//! PyTorch's. Here each image costs one im2col (or col2im) pass and two small GEMMs.
//!
//! Reductions over the batch (weight and bias gradients) run in fixed blocks of
//! [`IMAGES_PER_BLOCK`] images summed in order, so the result does not depend on the
//! number of threads.

use faer::linalg::matmul::matmul;
use faer::{Accum, MatMut, MatRef, Par};
use rayon::prelude::*;

use super::direct::{self, Planes};
use super::elementwise::map2;
use super::zeros::zeros;

/// Images whose weight/bias gradients one task sums before the ordered reduction.
pub const IMAGES_PER_BLOCK: usize = 4;

/// Sizes of one convolution: input `[batch, in_channels, in_size]`, kernel
/// `[out_channels, in_channels, kernel]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConvGeometry {
    /// Images.
    pub batch: usize,
    /// Input channels.
    pub in_channels: usize,
    /// Output channels.
    pub out_channels: usize,
    /// Input height and width.
    pub in_size: [usize; 2],
    /// Kernel height and width.
    pub kernel: [usize; 2],
    /// Stride per axis.
    pub stride: [usize; 2],
    /// Zero padding per axis (both sides).
    pub padding: [usize; 2],
    /// Dilation per axis.
    pub dilation: [usize; 2],
}

impl ConvGeometry {
    /// Output height and width, `None` when the kernel does not fit or a stride or
    /// dilation is zero.
    pub fn out_size(&self) -> Option<[usize; 2]> {
        let mut out = [0; 2];
        for (axis, slot) in out.iter_mut().enumerate() {
            let (stride, dilation, kernel) =
                (self.stride[axis], self.dilation[axis], self.kernel[axis]);
            if stride == 0 || dilation == 0 || kernel == 0 {
                return None;
            }
            let span = dilation * (kernel - 1) + 1;
            let padded = self.in_size[axis] + 2 * self.padding[axis];
            if padded < span {
                return None;
            }
            *slot = (padded - span) / stride + 1;
        }
        Some(out)
    }

    fn out_len(&self, out: [usize; 2]) -> usize {
        out[0] * out[1]
    }

    fn in_len(&self) -> usize {
        self.in_channels * self.in_size[0] * self.in_size[1]
    }

    fn patch_len(&self) -> usize {
        self.in_channels * self.kernel[0] * self.kernel[1]
    }

    /// Output positions `[lo, hi)` along `axis` whose input index for kernel tap `tap`
    /// lies inside the image, with that input index at `lo`.
    fn valid_range(&self, axis: usize, tap: usize, out_len: usize) -> (usize, usize, isize) {
        let (stride, size) = (self.stride[axis] as isize, self.in_size[axis] as isize);
        let offset = (tap * self.dilation[axis]) as isize - self.padding[axis] as isize;
        // input = out * stride + offset must satisfy 0 <= input < size
        let lo = if offset >= 0 {
            0
        } else {
            (-offset + stride - 1) / stride
        };
        let hi = if size - offset <= 0 {
            0
        } else {
            ((size - offset + stride - 1) / stride).min(out_len as isize)
        };
        let lo = lo.min(hi);
        (lo as usize, hi as usize, lo * stride + offset)
    }
}

/// Whether an output row is as wide as an input row and advances by one input row: then
/// the valid part of one kernel tap's image is a single contiguous run in both the input
/// and the column matrix (border columns excepted), so it moves with one copy instead of
/// one tiny copy per row (which dominated for 28-pixel rows).
fn rows_are_contiguous(g: &ConvGeometry, out: [usize; 2]) -> bool {
    g.stride == [1, 1] && out[1] == g.in_size[1]
}

/// One kernel tap of one channel: which output rows/columns see the image, and where.
struct Tap {
    y_lo: usize,
    y_hi: usize,
    iy0: isize,
    x_lo: usize,
    x_hi: usize,
    ix0: isize,
}

impl Tap {
    fn new(g: &ConvGeometry, out: [usize; 2], kh: usize, kw: usize) -> Self {
        let (y_lo, y_hi, iy0) = g.valid_range(0, kh, out[0]);
        let (x_lo, x_hi, ix0) = g.valid_range(1, kw, out[1]);
        Tap {
            y_lo,
            y_hi,
            iy0,
            x_lo,
            x_hi,
            ix0,
        }
    }

    /// For [`rows_are_contiguous`]: the column-matrix range `[lo, hi)` of the valid rows
    /// without the leading/trailing border columns, and the input index matching `lo`.
    fn run(&self, g: &ConvGeometry, out_w: usize) -> (usize, usize, usize) {
        let lo = self.y_lo * out_w + self.x_lo;
        let hi = (self.y_hi - 1) * out_w + self.x_hi;
        (lo, hi, self.iy0 as usize * g.in_size[1] + self.ix0 as usize)
    }

    fn has_pixels(&self) -> bool {
        self.y_lo < self.y_hi && self.x_lo < self.x_hi
    }
}

/// Copies one image's receptive fields into `cols` (`[patch_len, out_h * out_w]`).
fn im2col(g: &ConvGeometry, out: [usize; 2], image: &[f32], cols: &mut [f32]) {
    let [h, w] = g.in_size;
    let [kh_n, kw_n] = g.kernel;
    let len = g.out_len(out);
    let contiguous = rows_are_contiguous(g, out);
    for c in 0..g.in_channels {
        let plane = &image[c * h * w..(c + 1) * h * w];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let tap = Tap::new(g, out, kh, kw);
                let row = &mut cols[((c * kh_n + kh) * kw_n + kw) * len..][..len];
                if !tap.has_pixels() {
                    row.fill(0.0);
                    continue;
                }
                row[..tap.y_lo * out[1]].fill(0.0);
                row[tap.y_hi * out[1]..].fill(0.0);
                if contiguous {
                    let (lo, hi, src) = tap.run(g, out[1]);
                    row[lo..hi].copy_from_slice(&plane[src..src + (hi - lo)]);
                    // The run also copied wrapped-around pixels into the border columns.
                    for y in tap.y_lo..tap.y_hi {
                        let line = &mut row[y * out[1]..(y + 1) * out[1]];
                        for x in (0..tap.x_lo).chain(tap.x_hi..out[1]) {
                            line[x] = 0.0;
                        }
                    }
                    continue;
                }
                for y in tap.y_lo..tap.y_hi {
                    let iy = (tap.iy0 + ((y - tap.y_lo) * g.stride[0]) as isize) as usize;
                    let dst = &mut row[y * out[1]..(y + 1) * out[1]];
                    dst[..tap.x_lo].fill(0.0);
                    dst[tap.x_hi..].fill(0.0);
                    let src = &plane[iy * w..(iy + 1) * w];
                    for (i, d) in dst[tap.x_lo..tap.x_hi].iter_mut().enumerate() {
                        *d = src[tap.ix0 as usize + i * g.stride[1]];
                    }
                }
            }
        }
    }
}

/// Adds `cols` (`[patch_len, out_h * out_w]`) back onto the image positions it was
/// copied from: the adjoint of [`im2col`]. `cols` is scratch: its border entries are
/// zeroed on the way.
fn col2im(g: &ConvGeometry, out: [usize; 2], cols: &mut [f32], image: &mut [f32]) {
    let [h, w] = g.in_size;
    let [kh_n, kw_n] = g.kernel;
    let len = g.out_len(out);
    let contiguous = rows_are_contiguous(g, out);
    for c in 0..g.in_channels {
        let plane = &mut image[c * h * w..(c + 1) * h * w];
        for kh in 0..kh_n {
            for kw in 0..kw_n {
                let tap = Tap::new(g, out, kh, kw);
                if !tap.has_pixels() {
                    continue;
                }
                let row = &mut cols[((c * kh_n + kh) * kw_n + kw) * len..][..len];
                if contiguous {
                    // Border entries fall outside the image; zeroed, the run adds them
                    // harmlessly onto the wrapped-around neighbours.
                    for y in tap.y_lo..tap.y_hi {
                        let line = &mut row[y * out[1]..(y + 1) * out[1]];
                        for x in (0..tap.x_lo).chain(tap.x_hi..out[1]) {
                            line[x] = 0.0;
                        }
                    }
                    let (lo, hi, dst) = tap.run(g, out[1]);
                    for (d, s) in plane[dst..dst + (hi - lo)].iter_mut().zip(&row[lo..hi]) {
                        *d += s;
                    }
                    continue;
                }
                for y in tap.y_lo..tap.y_hi {
                    let iy = (tap.iy0 + ((y - tap.y_lo) * g.stride[0]) as isize) as usize;
                    let src = &row[y * out[1] + tap.x_lo..y * out[1] + tap.x_hi];
                    let dst = &mut plane[iy * w..(iy + 1) * w];
                    for (i, s) in src.iter().enumerate() {
                        dst[tap.ix0 as usize + i * g.stride[1]] += s;
                    }
                }
            }
        }
    }
}

/// Row-major `rows x cols` view of a slice.
pub(super) fn mat(data: &[f32], rows: usize, cols: usize) -> MatRef<'_, f32> {
    MatRef::from_row_major_slice(&data[..rows * cols], rows, cols)
}

pub(super) fn mat_mut(data: &mut [f32], rows: usize, cols: usize) -> MatMut<'_, f32> {
    MatMut::from_row_major_slice_mut(&mut data[..rows * cols], rows, cols)
}

/// Forward pass: `x` `[batch, in_channels, h, w]`, `weight`
/// `[out_channels, in_channels, kh, kw]`, `bias` `[out_channels]`, then a ReLU when
/// `relu`; returns `[batch, out_channels, out_h, out_w]` and the output size.
///
/// # Panics
/// When a slice length does not match `g` (callers check shapes first).
pub fn forward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
) -> (Vec<f32>, [usize; 2]) {
    if direct::covers(g) {
        return direct::forward(g, Planes::dense(x), weight, bias, relu);
    }
    im2col_forward(g, x, weight, bias, relu)
}

/// [`forward`] through im2col and one GEMM per image.
fn im2col_forward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
) -> (Vec<f32>, [usize; 2]) {
    let out = g
        .out_size()
        .expect("convolution geometry checked by the caller");
    let (len, patch, oc) = (g.out_len(out), g.patch_len(), g.out_channels);
    assert_eq!(x.len(), g.batch * g.in_len(), "input length");
    assert_eq!(weight.len(), oc * patch, "weight length");
    let mut y = zeros(g.batch * oc * len);
    if y.is_empty() {
        return (y, out);
    }
    let w = mat(weight, oc, patch);
    y.par_chunks_mut(oc * len)
        .zip(x.par_chunks(g.in_len()))
        .for_each_init(
            || vec![0.0f32; patch * len],
            |cols, (y_img, x_img)| {
                im2col(g, out, x_img, cols);
                let accum = match bias {
                    Some(b) => {
                        for (row, &b) in y_img.chunks_mut(len).zip(b) {
                            row.fill(b);
                        }
                        Accum::Add
                    }
                    None => Accum::Replace,
                };
                matmul(
                    mat_mut(y_img, oc, len),
                    accum,
                    w,
                    mat(cols, patch, len),
                    1.0,
                    Par::Seq,
                );
                if relu {
                    y_img.iter_mut().for_each(|v| *v = v.max(0.0));
                }
            },
        );
    (y, out)
}

/// Gradients of a convolution.
#[derive(Debug, Clone)]
pub struct ConvGrads {
    /// `[batch, in_channels, h, w]`, when asked for.
    pub x: Option<Vec<f32>>,
    /// `[out_channels, in_channels, kh, kw]`.
    pub weight: Vec<f32>,
    /// `[out_channels]`.
    pub bias: Vec<f32>,
}

/// Per-block sums of the weight and bias gradients.
pub(super) struct BlockSums {
    pub(super) weight: Vec<f32>,
    pub(super) bias: Vec<f32>,
}

impl BlockSums {
    pub(super) fn zeros(weight: usize, bias: usize) -> Self {
        BlockSums {
            weight: vec![0.0; weight],
            bias: vec![0.0; bias],
        }
    }
}

/// The blocks' sums added in block order: independent of how rayon scheduled them.
pub(super) fn ordered_sum(
    partials: &[BlockSums],
    weight: usize,
    bias: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut total = BlockSums::zeros(weight, bias);
    for sums in partials {
        for (a, b) in total.weight.iter_mut().zip(&sums.weight) {
            *a += b;
        }
        for (a, b) in total.bias.iter_mut().zip(&sums.bias) {
            *a += b;
        }
    }
    (total.weight, total.bias)
}

/// The sum of `values` in 16 interleaved partial sums, added in a fixed order: a single
/// running sum is one dependent addition per value (the bias gradient's sums over whole
/// output grids took several percent of a `conv` epoch); 16 independent lanes vectorise.
pub(super) fn lane_sum(values: &[f32]) -> f32 {
    const LANES: usize = 16;
    let mut lanes = [0.0f32; LANES];
    let blocks = values.chunks_exact(LANES);
    let rest: f32 = blocks.remainder().iter().sum();
    for block in blocks {
        for (lane, &v) in lanes.iter_mut().zip(block) {
            *lane += v;
        }
    }
    lanes.iter().sum::<f32>() + rest
}

/// Backward pass: `dy` is the gradient of the output (`[batch, out_channels, out_h, out_w]`);
/// `relu_output`, for a convolution run with `relu`, is its output, and `dy` passes only
/// where it is positive. The input gradient is computed only when `want_x`.
///
/// # Panics
/// When a slice length does not match `g`.
pub fn backward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    relu_output: Option<&[f32]>,
    want_x: bool,
) -> ConvGrads {
    if direct::covers(g) {
        // The direct kernels apply the ReLU's gate while they copy `dy` in.
        let dy = Planes::Dense {
            values: dy,
            gate: relu_output,
        };
        return direct_backward(g, Planes::dense(x), weight, dy, want_x, [1, 1]);
    }
    let gated = relu_output.map(|y| relu_gated(dy, y));
    let dy = gated.as_deref().unwrap_or(dy);
    if want_x && let Some(transposed) = cheaper_input_gradient_geometry(g) {
        let mut grads = im2col_backward(g, x, weight, dy, false);
        let flipped = flip_and_swap_channels(g, weight);
        grads.x = Some(im2col_forward(&transposed, dy, &flipped, None, false).0);
        return grads;
    }
    im2col_backward(g, x, weight, dy, want_x)
}

/// Both passes of the direct kernels, for any source of `x` and `dy`; where `x` is
/// upsampled by `scale`, the input gradient is summed back over its blocks.
fn direct_backward(
    g: &ConvGeometry,
    x: Planes<'_>,
    weight: &[f32],
    dy: Planes<'_>,
    want_x: bool,
    scale: [usize; 2],
) -> ConvGrads {
    let (weight_grad, bias_grad) = direct::weight_gradients(g, x, dy);
    let dx = want_x.then(|| {
        let transposed = transposed_geometry(g).expect("direct::covers() implies it exists");
        let flipped = flip_and_swap_channels(g, weight);
        if scale == [1, 1] {
            direct::forward(&transposed, dy, &flipped, None, false).0
        } else {
            direct::forward_block_summed(&transposed, dy, &flipped, scale)
        }
    });
    ConvGrads {
        x: dx,
        weight: weight_grad,
        bias: bias_grad,
    }
}

/// Whether [`forward_relu_pool`] computes `g` followed by a ReLU and 2x2 max pooling:
/// where the direct kernels run and the output has at least one 2x2 window.
pub fn fuses_relu_pool(g: &ConvGeometry) -> bool {
    direct::covers(g) && g.out_size().is_some_and(|[h, w]| h >= 2 && w >= 2)
}

/// Convolution with bias, ReLU and 2x2 max pooling in one pass (the convolution's
/// output is never stored): returns the pooled values `[batch, out_channels, out_h / 2,
/// out_w / 2]`, the winners (indices into an `out_h x out_w` plane; first maximum in
/// row-major order) and the pooled size.
///
/// # Panics
/// Unless [`fuses_relu_pool`], or when a slice length does not match `g`.
pub fn forward_relu_pool(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
) -> (Vec<f32>, Vec<u32>, [usize; 2]) {
    assert!(fuses_relu_pool(g), "checked by the caller");
    direct::forward_relu_pool(g, x, weight, bias)
}

/// Backward pass of [`forward_relu_pool`], from the pooled output's gradient `dy`, the
/// pooled output and the winners.
///
/// # Panics
/// Unless [`fuses_relu_pool`], or when a slice length does not match `g`.
pub fn relu_pool_backward(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    dy: &[f32],
    pooled: &[f32],
    argmax: &[u32],
    want_x: bool,
) -> ConvGrads {
    assert!(fuses_relu_pool(g), "checked by the caller");
    let dy = Planes::Unpooled { dy, pooled, argmax };
    direct_backward(g, Planes::dense(x), weight, dy, want_x, [1, 1])
}

/// Whether [`upsampled_forward`] computes `g` on upsampled planes: where the direct
/// kernels run (elsewhere the caller stores the upsampling and convolves it).
pub fn fuses_upsampling(g: &ConvGeometry) -> bool {
    direct::covers(g)
}

/// [`forward`] on `x` upsampled by whole factors `scale` (nearest neighbour): `x` holds
/// `[batch, in_channels, in_h / scale_h, in_w / scale_w]` and `g` is the convolution of
/// the upsampled planes. The direct kernels upsample each image while they pad it, so
/// the upsampled tensor is never stored. A scale of `[1, 1]` is [`forward`] itself.
///
/// # Panics
/// Unless the scale is `[1, 1]` or [`fuses_upsampling`], or when a slice length does not
/// match `g` and `scale`.
pub fn upsampled_forward(
    g: &ConvGeometry,
    x: &[f32],
    scale: [usize; 2],
    weight: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
) -> (Vec<f32>, [usize; 2]) {
    if scale == [1, 1] {
        return forward(g, x, weight, bias, relu);
    }
    assert!(fuses_upsampling(g), "checked by the caller");
    direct::forward(
        g,
        Planes::Upsampled { values: x, scale },
        weight,
        bias,
        relu,
    )
}

/// [`backward`] of [`upsampled_forward`]: the input gradient (when `want_x`) has `x`'s
/// size, each pixel's the sum over its block, summed as each image's gradient is
/// computed, so the full-size gradient is never stored either.
///
/// # Panics
/// As [`upsampled_forward`].
pub fn upsampled_backward(
    g: &ConvGeometry,
    x: &[f32],
    scale: [usize; 2],
    weight: &[f32],
    dy: &[f32],
    relu_output: Option<&[f32]>,
    want_x: bool,
) -> ConvGrads {
    if scale == [1, 1] {
        return backward(g, x, weight, dy, relu_output, want_x);
    }
    assert!(fuses_upsampling(g), "checked by the caller");
    let x = Planes::Upsampled { values: x, scale };
    let dy = Planes::Dense {
        values: dy,
        gate: relu_output,
    };
    direct_backward(g, x, weight, dy, want_x, scale)
}

/// The gradient through a ReLU whose output is `y`: `dy` where `y > 0`, else 0.
pub(super) fn relu_gated(dy: &[f32], y: &[f32]) -> Vec<f32> {
    map2(dy, y, |d, y| if y > 0.0 { d } else { 0.0 })
}

/// For stride 1 and dilation 1 the input gradient is itself a convolution: of `dy`, with
/// the kernel flipped and its channel axes swapped, padded by `k - 1 - p`. That reads an
/// im2col of `dy` (`out_channels` rows per tap) instead of scattering one of `x`
/// (`in_channels` rows per tap): returned when it is the smaller, e.g. 16x less for the
/// conv autoencoder's 16 -> 1 output layer.
fn cheaper_input_gradient_geometry(g: &ConvGeometry) -> Option<ConvGeometry> {
    transposed_geometry(g).filter(|_| g.out_channels < g.in_channels)
}

/// The geometry whose forward pass is `g`'s input gradient, for stride 1 and dilation 1.
pub(super) fn transposed_geometry(g: &ConvGeometry) -> Option<ConvGeometry> {
    let out = g.out_size()?;
    let fits =
        g.stride == [1, 1] && g.dilation == [1, 1] && (0..2).all(|a| g.padding[a] < g.kernel[a]);
    if !fits {
        return None;
    }
    let transposed = ConvGeometry {
        batch: g.batch,
        in_channels: g.out_channels,
        out_channels: g.in_channels,
        in_size: out,
        kernel: g.kernel,
        stride: [1, 1],
        padding: [
            g.kernel[0] - 1 - g.padding[0],
            g.kernel[1] - 1 - g.padding[1],
        ],
        dilation: [1, 1],
    };
    (transposed.out_size() == Some(g.in_size)).then_some(transposed)
}

/// `w'[c, o, i, j] = w[o, c, kh - 1 - i, kw - 1 - j]`.
fn flip_and_swap_channels(g: &ConvGeometry, weight: &[f32]) -> Vec<f32> {
    let [kh, kw] = g.kernel;
    let (oc, ic) = (g.out_channels, g.in_channels);
    let mut flipped = vec![0.0f32; weight.len()];
    for o in 0..oc {
        for c in 0..ic {
            for i in 0..kh {
                for j in 0..kw {
                    flipped[((c * oc + o) * kh + i) * kw + j] =
                        weight[((o * ic + c) * kh + (kh - 1 - i)) * kw + (kw - 1 - j)];
                }
            }
        }
    }
    flipped
}

/// Weight and bias gradients from an im2col of `x`; the input gradient, when wanted, by
/// GEMM and col2im.
fn im2col_backward(g: &ConvGeometry, x: &[f32], w: &[f32], dy: &[f32], want_x: bool) -> ConvGrads {
    let out = g
        .out_size()
        .expect("convolution geometry checked by the caller");
    let (len, patch, oc, in_len) = (g.out_len(out), g.patch_len(), g.out_channels, g.in_len());
    assert_eq!(x.len(), g.batch * in_len, "input length");
    assert_eq!(dy.len(), g.batch * oc * len, "output gradient length");
    let w = mat(w, oc, patch);

    // `cols` is a task's scratch buffer (`[patch, len]`), reused across its blocks.
    let image_grads =
        |sums: &mut BlockSums, cols: &mut [f32], image: usize, dx_img: Option<&mut [f32]>| {
            let dy_img = &dy[image * oc * len..(image + 1) * oc * len];
            for (b, row) in sums.bias.iter_mut().zip(dy_img.chunks(len)) {
                *b += lane_sum(row);
            }
            im2col(g, out, &x[image * in_len..(image + 1) * in_len], cols);
            // dW += dy_img [oc, len] . cols^T [len, patch]
            let cols_t = mat(cols, patch, len).transpose();
            matmul(
                mat_mut(&mut sums.weight, oc, patch),
                Accum::Add,
                mat(dy_img, oc, len),
                cols_t,
                1.0,
                Par::Seq,
            );
            if let Some(dx_img) = dx_img {
                // dcols [patch, len] = W^T [patch, oc] . dy_img [oc, len], then scattered back.
                matmul(
                    mat_mut(cols, patch, len),
                    Accum::Replace,
                    w.transpose(),
                    mat(dy_img, oc, len),
                    1.0,
                    Par::Seq,
                );
                col2im(g, out, cols, dx_img);
            }
        };
    let new_sums = || BlockSums::zeros(oc * patch, oc);
    let new_cols = || vec![0.0f32; patch * len];

    let blocks = g.batch.div_ceil(IMAGES_PER_BLOCK);
    let mut dx = want_x.then(|| zeros(g.batch * in_len));
    let partials: Vec<BlockSums> = match dx.as_mut() {
        Some(dx) if in_len > 0 => dx
            .par_chunks_mut(IMAGES_PER_BLOCK * in_len)
            .enumerate()
            .map_init(new_cols, |cols, (block, dx_block)| {
                let mut sums = new_sums();
                for (i, dx_img) in dx_block.chunks_mut(in_len).enumerate() {
                    image_grads(&mut sums, cols, block * IMAGES_PER_BLOCK + i, Some(dx_img));
                }
                sums
            })
            .collect(),
        _ => (0..blocks)
            .into_par_iter()
            .map_init(new_cols, |cols, block| {
                let mut sums = new_sums();
                for image in block * IMAGES_PER_BLOCK..((block + 1) * IMAGES_PER_BLOCK).min(g.batch)
                {
                    image_grads(&mut sums, cols, image, None);
                }
                sums
            })
            .collect(),
    };
    let (weight_grad, bias_grad) = ordered_sum(&partials, oc * patch, oc);
    ConvGrads {
        x: dx,
        weight: weight_grad,
        bias: bias_grad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn geometry(stride: usize, padding: usize, dilation: usize) -> ConvGeometry {
        ConvGeometry {
            batch: 1,
            in_channels: 1,
            out_channels: 1,
            in_size: [5, 6],
            kernel: [3, 2],
            stride: [stride; 2],
            padding: [padding; 2],
            dilation: [dilation; 2],
        }
    }

    /// The textbook definition, one output at a time.
    fn naive(g: &ConvGeometry, x: &[f32], w: &[f32]) -> Vec<f32> {
        let out = g.out_size().unwrap();
        let mut y = vec![0.0; out[0] * out[1]];
        for oy in 0..out[0] {
            for ox in 0..out[1] {
                for kh in 0..g.kernel[0] {
                    for kw in 0..g.kernel[1] {
                        let iy = (oy * g.stride[0] + kh * g.dilation[0]) as isize
                            - g.padding[0] as isize;
                        let ix = (ox * g.stride[1] + kw * g.dilation[1]) as isize
                            - g.padding[1] as isize;
                        if iy >= 0
                            && ix >= 0
                            && (iy as usize) < g.in_size[0]
                            && (ix as usize) < g.in_size[1]
                        {
                            y[oy * out[1] + ox] += w[kh * g.kernel[1] + kw]
                                * x[iy as usize * g.in_size[1] + ix as usize];
                        }
                    }
                }
            }
        }
        y
    }

    /// (stride, padding, dilation) triples the tests run through.
    const GEOMETRIES: [(usize, usize, usize); 9] = [
        (1, 0, 1),
        (1, 1, 1),
        (2, 1, 1),
        (1, 2, 2),
        (3, 2, 1),
        (3, 0, 1),
        (2, 0, 2),
        (1, 1, 2),
        (1, 2, 4),
    ];

    #[test]
    fn forward_matches_the_definition_for_strides_paddings_dilations() {
        let x: Vec<f32> = (0..30).map(|i| (i as f32 * 0.37).sin()).collect();
        let w = [0.5, -1.0, 0.25, 2.0, -0.75, 1.5];
        for (stride, padding, dilation) in GEOMETRIES {
            let g = geometry(stride, padding, dilation);
            let (y, _) = forward(&g, &x, &w, None, false);
            let expected = naive(&g, &x, &w);
            for (a, b) in y.iter().zip(&expected) {
                assert!(
                    (a - b).abs() < 1e-5,
                    "s{stride} p{padding} d{dilation}: {y:?} vs {expected:?}"
                );
            }
        }
    }

    #[test]
    fn the_cases_cover_both_copy_paths() {
        let [wide, strided] = [geometry(1, 1, 2), geometry(2, 1, 1)];
        assert!(rows_are_contiguous(&wide, wide.out_size().unwrap()));
        assert!(!rows_are_contiguous(&strided, strided.out_size().unwrap()));
    }

    #[test]
    fn both_input_gradient_methods_agree() {
        // 4 -> 2 channels: the transposed-convolution path; compare with col2im's.
        let g = ConvGeometry {
            batch: 3,
            in_channels: 4,
            out_channels: 2,
            in_size: [6, 5],
            kernel: [3, 3],
            stride: [1, 1],
            padding: [1, 0],
            dilation: [1, 1],
        };
        assert!(cheaper_input_gradient_geometry(&g).is_some());
        let x: Vec<f32> = (0..3 * 4 * 30).map(|i| (i as f32 * 0.13).sin()).collect();
        let w: Vec<f32> = (0..2 * 4 * 9).map(|i| (i as f32 * 0.71).cos()).collect();
        let out = g.out_size().unwrap();
        let dy: Vec<f32> = (0..3 * 2 * out[0] * out[1])
            .map(|i| (i as f32 * 0.29).sin())
            .collect();
        // The transposed path without the direct kernels, which would take over.
        let mut fast = im2col_backward(&g, &x, &w, &dy, false);
        let transposed = cheaper_input_gradient_geometry(&g).unwrap();
        fast.x = Some(
            im2col_forward(
                &transposed,
                &dy,
                &flip_and_swap_channels(&g, &w),
                None,
                false,
            )
            .0,
        );
        let reference = im2col_backward(&g, &x, &w, &dy, true);
        for (a, b) in fast.x.unwrap().iter().zip(reference.x.unwrap()) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        // More output than input channels, or a stride: col2im.
        assert!(
            cheaper_input_gradient_geometry(&ConvGeometry {
                in_channels: 2,
                out_channels: 4,
                ..g
            })
            .is_none()
        );
        assert!(
            cheaper_input_gradient_geometry(&ConvGeometry {
                stride: [2, 1],
                ..g
            })
            .is_none()
        );
    }

    fn sequence(len: usize, step: f32) -> Vec<f32> {
        (0..len).map(|i| (i as f32 * step).sin()).collect()
    }

    fn assert_close(what: &str, a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len(), "{what}: lengths");
        let scale = b.iter().fold(1e-30f32, |m, v| m.max(v.abs()));
        for (x, y) in a.iter().zip(b) {
            assert!(
                (x - y).abs() <= 1e-5 * scale,
                "{what}: {x} vs {y} (scale {scale})"
            );
        }
    }

    #[test]
    fn lane_sum_adds_every_value_whatever_the_remainder() {
        for len in 0..50 {
            let values: Vec<f32> = (0..len).map(|i| (i as f32 * 0.7).sin()).collect();
            let exact: f64 = values.iter().map(|&v| f64::from(v)).sum();
            assert!((f64::from(lane_sum(&values)) - exact).abs() < 1e-5, "{len}");
        }
    }

    #[test]
    fn the_direct_kernels_agree_with_im2col() {
        assert!(
            direct::available(),
            "this test needs a CPU with AVX2 + FMA or NEON"
        );
        // (channels in, out; size; kernel; padding): the autoencoder's layers, channel
        // counts that leave remainders of the register blocks, other kernels and paddings.
        type Case = ([usize; 2], [usize; 2], [usize; 2], [usize; 2]);
        let cases: [Case; 9] = [
            ([1, 16], [28, 28], [3, 3], [1, 1]),
            ([16, 8], [14, 14], [3, 3], [1, 1]),
            ([8, 8], [7, 7], [3, 3], [1, 1]),
            ([16, 1], [28, 28], [3, 3], [1, 1]),
            ([3, 6], [9, 13], [5, 3], [2, 0]),
            ([5, 7], [6, 5], [2, 2], [1, 1]),
            ([2, 3], [4, 4], [1, 1], [0, 0]),
            ([6, 5], [8, 3], [3, 1], [0, 0]),
            // 13 output channels: blocks of 8 (with 32 vector registers), 4 and 1.
            ([4, 13], [11, 10], [3, 3], [1, 1]),
        ];
        for (i, (channels, in_size, kernel, padding)) in cases.into_iter().enumerate() {
            let g = ConvGeometry {
                batch: 6,
                in_channels: channels[0],
                out_channels: channels[1],
                in_size,
                kernel,
                stride: [1, 1],
                padding,
                dilation: [1, 1],
            };
            assert!(direct::covers(&g), "case {i}");
            let out = g.out_size().unwrap();
            let x = sequence(g.batch * g.in_len(), 0.37);
            let w = sequence(channels[1] * g.patch_len(), 0.71);
            let bias = sequence(channels[1], 1.3);
            let dy = sequence(g.batch * channels[1] * out[0] * out[1], 0.29);
            for relu in [false, true] {
                let case = format!("case {i}, relu {relu}");
                let (y, y_out) = forward(&g, &x, &w, Some(&bias), relu);
                let (y_ref, _) = im2col_forward(&g, &x, &w, Some(&bias), relu);
                assert_eq!(y_out, out, "{case}: output size");
                assert_close(&format!("{case}: y"), &y, &y_ref);
                let relu_output = relu.then_some(y_ref.as_slice());
                let direct = backward(&g, &x, &w, &dy, relu_output, true);
                // The reference gates `dy` up front.
                let gated = relu_output.map_or_else(|| dy.clone(), |y| relu_gated(&dy, y));
                let reference = im2col_backward(&g, &x, &w, &gated, true);
                assert_close(
                    &format!("{case}: dx"),
                    &direct.x.unwrap(),
                    &reference.x.unwrap(),
                );
                assert_close(&format!("{case}: dw"), &direct.weight, &reference.weight);
                assert_close(&format!("{case}: db"), &direct.bias, &reference.bias);
            }
        }
    }

    #[test]
    fn col2im_is_the_adjoint_of_im2col() {
        // <im2col(x), c> == <x, col2im(c)> for any x, c.
        for (stride, padding, dilation) in GEOMETRIES {
            let g = geometry(stride, padding, dilation);
            let out = g.out_size().unwrap();
            let x: Vec<f32> = (0..30).map(|i| (i as f32 * 0.7).cos()).collect();
            let c: Vec<f32> = (0..g.patch_len() * out[0] * out[1])
                .map(|i| (i as f32 * 0.3).sin())
                .collect();
            let mut cols = vec![0.0; c.len()];
            im2col(&g, out, &x, &mut cols);
            let mut back = vec![0.0; 30];
            col2im(&g, out, &mut c.clone(), &mut back);
            let lhs: f32 = cols.iter().zip(&c).map(|(a, b)| a * b).sum();
            let rhs: f32 = x.iter().zip(&back).map(|(a, b)| a * b).sum();
            assert!(
                (lhs - rhs).abs() < 1e-4,
                "s{stride} p{padding} d{dilation}: {lhs} vs {rhs}"
            );
        }
    }

    #[test]
    fn a_kernel_larger_than_the_padded_input_has_no_output_size() {
        let mut g = geometry(1, 0, 1);
        g.kernel = [7, 2];
        assert_eq!(g.out_size(), None);
        g.stride = [0, 1];
        g.kernel = [3, 2];
        assert_eq!(g.out_size(), None);
    }
}
