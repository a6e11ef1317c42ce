//! Direct 2-D convolution for stride 1 and dilation 1 (the seeds' 3x3 'same' layers),
//! without im2col.
//!
//! Each image's input planes are zero-padded once into rows of `wp` (padded width)
//! pixels. An output pixel `(y, x)` then sits at flat index `y * wp + x` of a grid with
//! the same row stride, and kernel tap `(i, j)` reads the padded input at that index
//! plus `i * wp + j`: every tap is one contiguous, unit-stride read. Blocks of [`VECTORS`]
//! vectors of outputs of [`OUT_BLOCK`] channels ([`OUT_BLOCK_WIDE`] where the instruction
//! set has 32 vector registers) stay in registers across all input channels and taps, so
//! each loaded input vector feeds one multiply-add per channel of the block; a single
//! channel takes [`SINGLE_VECTORS`] vectors at a time instead. The `wp - out_w`
//! columns past each output row are computed and dropped (2 of 30 at 28 pixels).
//!
//! Why: with im2col, the copies into and out of the column matrix took more time than
//! the matrix products, whose shapes (1 to 16 rows) suit a GEMM badly.
//!
//! The loops are written with `pulp`'s portable vectors and compiled for the CPU's
//! instruction set through its runtime dispatch (AVX2 + FMA or AVX-512 on x86-64, NEON
//! on aarch64; the autovectoriser left the weight gradient's accumulators scalar).
//! [`available`] is false on CPUs without them, and the caller keeps im2col.

use pulp::{Arch, Simd, WithSimd};
use rayon::prelude::*;

use super::conv::{
    BlockSums, ConvGeometry, IMAGES_PER_BLOCK, lane_sum, ordered_sum, transposed_geometry,
};
use super::pool::pool_2x2;
use super::upsample::sum_block_row;
use super::zeros::zeros;

/// Vectors of output pixels per register block of the forward pass.
const VECTORS: usize = 2;
/// Vectors of output pixels per register block of a single output channel, which has no
/// other channel to share its input loads: more pixels share the loop's overhead.
const SINGLE_VECTORS: usize = 8;
/// The output grid is computed in runs of this many pixels: a multiple of `VECTORS`
/// vectors of every instruction set (8 lanes with AVX2, 16 with AVX-512, 4 with NEON).
const GRID_STEP: usize = 32;
/// Output channels per register block of the forward pass with 16 vector registers
/// (AVX2), and with 32 (AVX-512, NEON).
const OUT_BLOCK: usize = 4;
const OUT_BLOCK_WIDE: usize = 8;
/// Output channels per register block of the weight gradient (8 with 32 registers was
/// slower: criterion, `cargo bench --workspace --bench kernels -- conv`).
const GRAD_OUT_BLOCK: usize = 4;
/// Kernel taps per register block of the weight gradient, and for a single output
/// channel (whose one gradient vector per pixel run would otherwise feed 3 multiply-adds).
const GRAD_TAP_BLOCK: usize = 3;
const GRAD_TAP_BLOCK_SINGLE: usize = 9;

/// Whether this CPU has the vector instructions (with fused multiply-add) the kernels
/// are compiled for.
pub(super) fn available() -> bool {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        !matches!(Arch::new(), Arch::Scalar)
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        false
    }
}

/// Whether the direct kernels compute `g`: those whose input gradient is itself a
/// convolution ([`transposed_geometry`]: stride 1, dilation 1, padding below the kernel
/// size), so that both passes run here.
pub(super) fn covers(g: &ConvGeometry) -> bool {
    super::choice() == super::KernelChoice::Fused && transposed_geometry(g).is_some() && available()
}

/// Where things sit in the padded, flattened planes of one convolution.
struct Layout {
    /// Padded row width: the row stride of the padded input and of the output grid.
    wp: usize,
    /// Floats per padded input plane, with room for the last block's reads.
    plane: usize,
    /// Output height and width.
    out: [usize; 2],
    /// Output grid entries computed per channel: `out_h * wp`, rounded up to [`GRID_STEP`].
    flat: usize,
    /// Read offset of each kernel tap, row-major over the kernel.
    taps: Vec<usize>,
}

impl Layout {
    fn new(g: &ConvGeometry) -> Self {
        let out = g.out_size().expect("geometry checked by covers()");
        let [ph, pw] = g.padding;
        let (hp, wp) = (g.in_size[0] + 2 * ph, g.in_size[1] + 2 * pw);
        let taps: Vec<usize> = (0..g.kernel[0])
            .flat_map(|i| (0..g.kernel[1]).map(move |j| i * wp + j))
            .collect();
        let flat = (out[0] * wp).next_multiple_of(GRID_STEP);
        let last_read = flat + taps.last().copied().unwrap_or(0);
        Layout {
            wp,
            plane: (hp * wp).max(last_read),
            out,
            flat,
            taps,
        }
    }

    /// One task's buffers, zeroed: padded input planes (`channels` of [`Layout::plane`])
    /// and the output grid (`out_channels` of [`Layout::flat`]). Zeroed once, not per
    /// image: [`Layout::pad`] and [`Layout::spread`] write the same interior positions
    /// every time, so the zeros around them stay.
    fn scratch(&self, g: &ConvGeometry) -> (Vec<f32>, Vec<f32>) {
        (
            vec![0.0; g.in_channels * self.plane],
            vec![0.0; g.out_channels * self.flat],
        )
    }

    /// Places image `image` of `x` (`in_channels` planes of `in_size`) into the interior
    /// of `padded` (planes from [`Layout::scratch`]).
    fn pad(&self, g: &ConvGeometry, x: Planes<'_>, image: usize, padded: &mut [f32]) {
        let origin = g.padding[0] * self.wp + g.padding[1];
        let rows = Rows {
            plane: self.plane,
            origin,
            stride: self.wp,
        };
        x.place(image, g.in_channels, g.in_size, padded, rows);
    }

    /// Places image `image` of `dy` (`out_channels` planes of the output size) onto the
    /// output grid (from [`Layout::scratch`], so zeros stay in the dropped columns and the
    /// tail).
    fn spread(&self, g: &ConvGeometry, dy: Planes<'_>, image: usize, grid: &mut [f32]) {
        let rows = Rows {
            plane: self.flat,
            origin: 0,
            stride: self.wp,
        };
        dy.place(image, g.out_channels, self.out, grid, rows);
    }
}

/// Where a destination's planes and rows sit: plane `c` starts at `c * plane + origin`,
/// its rows `stride` apart.
#[derive(Clone, Copy)]
struct Rows {
    plane: usize,
    origin: usize,
    stride: usize,
}

/// Where the direct kernels take an image's input planes (or output gradient) from.
#[derive(Clone, Copy)]
pub(super) enum Planes<'a> {
    /// `[batch, channels, h, w]` values; where `gate` (same shape) is not positive, zeros
    /// (a fused ReLU's backward step, applied while the gradient is copied anyway).
    Dense {
        values: &'a [f32],
        gate: Option<&'a [f32]>,
    },
    /// The gradient through a fused ReLU and 2x2 max pooling: from the pooling's output
    /// gradient `dy`, its output `pooled` (both `[batch, channels, h / 2, w / 2]`) and its
    /// winners `argmax` (indices into an `h x w` plane), `dy` at each winner whose output
    /// is positive and zeros elsewhere.
    Unpooled {
        dy: &'a [f32],
        pooled: &'a [f32],
        argmax: &'a [u32],
    },
    /// `[batch, channels, h / scale_h, w / scale_w]` values, nearest-neighbour upsampled
    /// by `scale` as they are placed (the upsampled planes are never stored).
    Upsampled {
        values: &'a [f32],
        scale: [usize; 2],
    },
}

impl<'a> Planes<'a> {
    /// Plain values.
    pub(super) fn dense(values: &'a [f32]) -> Self {
        Planes::Dense { values, gate: None }
    }

    /// Panics unless the planes hold `images x channels` planes of `size`.
    fn check(&self, images: usize, channels: usize, [h, w]: [usize; 2]) {
        let planes = images * channels;
        match *self {
            Planes::Dense { values, gate } => {
                assert_eq!(values.len(), planes * h * w, "input length");
                assert!(gate.is_none_or(|g| g.len() == values.len()), "gate length");
            }
            Planes::Unpooled { dy, pooled, argmax } => {
                let len = planes * (h / 2) * (w / 2);
                assert_eq!(dy.len(), len, "pooled gradient length");
                assert!(pooled.len() == len && argmax.len() == len, "pooling length");
            }
            Planes::Upsampled { values, scale } => {
                assert!(h % scale[0] == 0 && w % scale[1] == 0, "upsampling scale");
                let len = planes * (h / scale[0]) * (w / scale[1]);
                assert_eq!(values.len(), len, "input length");
            }
        }
    }

    /// Writes image `image`'s `channels` planes of `size` into `dst` at `rows`; only
    /// those positions are written.
    fn place(&self, image: usize, channels: usize, size: [usize; 2], dst: &mut [f32], rows: Rows) {
        let [h, w] = size;
        for c in 0..channels {
            let plane = &mut dst[c * rows.plane + rows.origin..];
            let row = |y: usize| y * rows.stride..y * rows.stride + w;
            match *self {
                Planes::Dense { values, gate } => {
                    let at = (image * channels + c) * h * w;
                    for y in 0..h {
                        let src = at + y * w..at + (y + 1) * w;
                        let gate_row = gate.map(|gate| &gate[src.clone()]);
                        copy_gated(&mut plane[row(y)], &values[src], gate_row);
                    }
                }
                Planes::Unpooled { dy, pooled, argmax } => {
                    for y in 0..h {
                        plane[row(y)].fill(0.0);
                    }
                    let pooled_w = w / 2;
                    let at = (image * channels + c) * (h / 2) * pooled_w;
                    for (py, window_row) in (at..at + (h / 2) * pooled_w)
                        .step_by(pooled_w.max(1))
                        .enumerate()
                    {
                        // The window row's two rows, in the dense plane and in `dst`.
                        let (dense_top, dst_top) = (2 * py * w, 2 * py * rows.stride);
                        for j in window_row..window_row + pooled_w {
                            // Without a division or a branch: the winner's offset from its
                            // window row's start is below `w` in the top row. Windows are
                            // disjoint, so writing the gated value (0 where the pooled
                            // output is not positive) over the zeros is safe.
                            let offset = argmax[j] as usize - dense_top;
                            let below = offset >= w;
                            let dst = dst_top + offset + if below { rows.stride - w } else { 0 };
                            // A bit mask, not a select: the compiler turned the select
                            // into a branch that mispredicts on activations.
                            let open = 0u32.wrapping_sub(u32::from(pooled[j] > 0.0));
                            plane[dst] = f32::from_bits(dy[j].to_bits() & open);
                        }
                    }
                }
                Planes::Upsampled { values, scale } => {
                    let [sh, sw] = scale;
                    let small_w = w / sw;
                    let at = (image * channels + c) * (h / sh) * small_w;
                    for (small_y, y) in (0..h).step_by(sh).enumerate() {
                        let src = &values[at + small_y * small_w..][..small_w];
                        repeat_each(&mut plane[row(y)], src, sw);
                        // The block row's other rows are copies of its first.
                        for copy in y + 1..y + sh {
                            plane.copy_within(row(y), copy * rows.stride);
                        }
                    }
                }
            }
        }
    }
}

/// `dst[i * times + j] = src[i]` for every `j < times`: a row upsampled across. Doubling,
/// the seeds' case, is written out so that it vectorises.
fn repeat_each(dst: &mut [f32], src: &[f32], times: usize) {
    if times == 2 {
        for (pair, &v) in dst.chunks_exact_mut(2).zip(src) {
            pair[0] = v;
            pair[1] = v;
        }
    } else {
        for (block, &v) in dst.chunks_exact_mut(times).zip(src) {
            block.fill(v);
        }
    }
}

/// `dst = src`, or where `gate` is given, `src` where the gate is positive and 0 elsewhere:
/// a fused ReLU's backward step, applied while the gradient is copied anyway.
fn copy_gated(dst: &mut [f32], src: &[f32], gate: Option<&[f32]>) {
    match gate {
        None => dst.copy_from_slice(src),
        Some(gate) => {
            // Runs of 8 vectorise; the seeds' rows (14 and 28 pixels) are too short for the
            // compiler's own vector loop, which left them all to its scalar remainder.
            const RUN: usize = 8;
            let gated = |(d, (&s, &open)): (&mut f32, (&f32, &f32))| {
                *d = if open > 0.0 { s } else { 0.0 };
            };
            let done = dst.len() - dst.len() % RUN;
            for ((d, s), open) in dst
                .chunks_exact_mut(RUN)
                .zip(src.chunks_exact(RUN))
                .zip(gate.chunks_exact(RUN))
            {
                d.iter_mut().zip(s.iter().zip(open)).for_each(gated);
            }
            dst[done..]
                .iter_mut()
                .zip(src[done..].iter().zip(&gate[done..]))
                .for_each(gated);
        }
    }
}

/// `weight` (`[out_channels, in_channels, taps]`) transposed to `[in_channels, taps,
/// out_channels]`, so that one tap's weights for any block of output channels are adjacent.
fn pack_weights(g: &ConvGeometry, taps: usize, weight: &[f32]) -> Vec<f32> {
    let (oc, ic) = (g.out_channels, g.in_channels);
    let mut packed = Vec::with_capacity(weight.len());
    for c in 0..ic {
        for t in 0..taps {
            packed.extend((0..oc).map(|o| weight[(o * ic + c) * taps + t]));
        }
    }
    packed
}

/// Forward pass with the semantics of `conv::forward` (which calls it when [`covers`]),
/// on `x` (gated planes: the input gradient of a fused ReLU).
pub(super) fn forward(
    g: &ConvGeometry,
    x: Planes<'_>,
    weight: &[f32],
    bias: Option<&[f32]>,
    relu: bool,
) -> (Vec<f32>, [usize; 2]) {
    let l = Layout::new(g);
    let [oh, ow] = l.out;
    let out_len = oh * ow;
    let mut y = zeros(g.batch * g.out_channels * out_len);
    let outputs = y.par_chunks_mut(g.out_channels * out_len);
    each_image(g, &l, x, weight, outputs, |grid, y_img| {
        for (o, (dst, src)) in y_img
            .chunks_exact_mut(out_len)
            .zip(grid.chunks_exact(l.flat))
            .enumerate()
        {
            let b = bias.map_or(0.0, |b| b[o]);
            let rows = dst.chunks_exact_mut(ow).zip(src.chunks(l.wp)).take(oh);
            // The fused ReLU's clamp, while the output is copied anyway.
            if relu {
                rows.for_each(|(d, s)| write_each(d, s, |v| (v + b).max(0.0)));
            } else {
                rows.for_each(|(d, s)| write_each(d, s, |v| v + b));
            }
        }
    });
    (y, l.out)
}

/// The convolution of `x` (no bias), each output plane then summed over blocks of
/// `scale` pixels: `[batch, out_channels, out_h / scale_h, out_w / scale_w]`. This is the
/// input gradient of a convolution on upsampled planes ([`Planes::Upsampled`]): the
/// upsampling's backward step applied to each image's output grid as it is copied out,
/// so the full-size gradient is never stored.
pub(super) fn forward_block_summed(
    g: &ConvGeometry,
    x: Planes<'_>,
    weight: &[f32],
    scale: [usize; 2],
) -> Vec<f32> {
    let l = Layout::new(g);
    let [sh, sw] = scale;
    let [oh, ow] = l.out;
    assert!(
        oh % sh == 0 && ow % sw == 0,
        "output size divisible by the scale"
    );
    let small_w = ow / sw;
    let small_len = (oh / sh) * small_w;
    let mut summed = zeros(g.batch * g.out_channels * small_len);
    let outputs = summed.par_chunks_mut(g.out_channels * small_len);
    each_image(g, &l, x, weight, outputs, |grid, summed_img| {
        let mut column_sums = vec![0.0f32; ow];
        for (dst, src) in summed_img
            .chunks_exact_mut(small_len)
            .zip(grid.chunks_exact(l.flat))
        {
            for (dst_row, block_rows) in dst.chunks_exact_mut(small_w).zip(src.chunks(sh * l.wp)) {
                sum_block_row(dst_row, block_rows, l.wp, scale, &mut column_sums);
            }
        }
    });
    summed
}

/// Convolution with bias, ReLU and 2x2 max pooling (stride 2, the last row or column of
/// an odd size dropped), pooled straight from each image's output grid: the convolution's
/// output is never stored. Returns the pooled values, the winners (indices into an
/// `out_h x out_w` plane) and the pooled size.
pub(super) fn forward_relu_pool(
    g: &ConvGeometry,
    x: &[f32],
    weight: &[f32],
    bias: &[f32],
) -> (Vec<f32>, Vec<u32>, [usize; 2]) {
    let l = Layout::new(g);
    let pooled_size = [l.out[0] / 2, l.out[1] / 2];
    let plane = pooled_size[0] * pooled_size[1];
    let len = g.batch * g.out_channels * plane;
    let (mut pooled, mut argmax) = (zeros(len), zeros(len));
    let outputs = pooled
        .par_chunks_mut(g.out_channels * plane)
        .zip(argmax.par_chunks_mut(g.out_channels * plane));
    each_image(
        g,
        &l,
        Planes::dense(x),
        weight,
        outputs,
        |grid, (values, winners)| {
            for (o, ((values, winners), channel)) in values
                .chunks_exact_mut(plane)
                .zip(winners.chunks_exact_mut(plane))
                .zip(grid.chunks_exact(l.flat))
                .enumerate()
            {
                // ReLU and the bias are monotonic: pool the raw sums, then apply them.
                let b = bias[o];
                pool_2x2(channel, l.wp, l.out[1], values, winners, |v| {
                    (v + b).max(0.0)
                });
            }
        },
    );
    (pooled, argmax, pooled_size)
}

/// Runs the forward kernel on every image of `x` in parallel, handing each image's output
/// grid (`out_channels` planes of [`Layout::flat`], bias not added) to `copy_out` with
/// that image's item of `outputs`.
fn each_image<O: Send>(
    g: &ConvGeometry,
    l: &Layout,
    x: Planes<'_>,
    weight: &[f32],
    outputs: impl IndexedParallelIterator<Item = O>,
    copy_out: impl Fn(&[f32], O) + Sync,
) {
    x.check(g.batch, g.in_channels, g.in_size);
    let (oc, ic) = (g.out_channels, g.in_channels);
    assert_eq!(weight.len(), oc * ic * l.taps.len(), "weight length");
    let packed = pack_weights(g, l.taps.len(), weight);
    let arch = Arch::new();
    outputs.enumerate().for_each_init(
        || l.scratch(g),
        |(padded, grid), (image, out)| {
            l.pad(g, x, image, padded);
            arch.dispatch(ForwardImage {
                image: PaddedImage { g, l, padded },
                packed: &packed,
                grid,
            });
            copy_out(grid, out);
        },
    );
}

/// `dst[i] = f(src[i])`.
#[inline(always)]
fn write_each(dst: &mut [f32], src: &[f32], f: impl Fn(f32) -> f32) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d = f(s);
    }
}

/// What both kernels read for one image: the convolution, its layout and the image's
/// padded input planes.
#[derive(Clone, Copy)]
struct PaddedImage<'a> {
    g: &'a ConvGeometry,
    l: &'a Layout,
    padded: &'a [f32],
}

impl PaddedImage<'_> {
    /// Output channels, input channels and kernel taps.
    fn sizes(&self) -> (usize, usize, usize) {
        (self.g.out_channels, self.g.in_channels, self.l.taps.len())
    }
}

/// One image's forward pass onto the output grid (bias not added).
struct ForwardImage<'a> {
    image: PaddedImage<'a>,
    packed: &'a [f32],
    grid: &'a mut [f32],
}

impl WithSimd for ForwardImage<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(self, simd: S) {
        let (oc, ic, _) = self.image.sizes();
        let PaddedImage { l, padded, .. } = self.image;
        let run = ForwardRun {
            l,
            channels: [ic, oc],
            padded,
            packed: self.packed,
        };
        let grid = self.grid;
        let wide = S::REGISTER_COUNT >= 32;
        let mut o0 = 0;
        while o0 < oc {
            if wide && o0 + OUT_BLOCK_WIDE <= oc {
                forward_block::<S, OUT_BLOCK_WIDE, VECTORS>(simd, run, o0, 0..l.flat, grid);
                o0 += OUT_BLOCK_WIDE;
            } else if o0 + OUT_BLOCK <= oc {
                forward_block::<S, OUT_BLOCK, VECTORS>(simd, run, o0, 0..l.flat, grid);
                o0 += OUT_BLOCK;
            } else {
                // Runs of SINGLE_VECTORS vectors, then VECTORS for what is left of the
                // grid (a multiple of GRID_STEP, so of VECTORS vectors).
                let main = l.flat - l.flat % (SINGLE_VECTORS * S::F32_LANES);
                forward_block::<S, 1, SINGLE_VECTORS>(simd, run, o0, 0..main, grid);
                forward_block::<S, 1, VECTORS>(simd, run, o0, main..l.flat, grid);
                o0 += 1;
            }
        }
    }
}

/// What every register block of one image's forward pass reads.
#[derive(Clone, Copy)]
struct ForwardRun<'a> {
    l: &'a Layout,
    /// Input and output channels.
    channels: [usize; 2],
    padded: &'a [f32],
    /// Weights from [`pack_weights`].
    packed: &'a [f32],
}

/// One unaligned vector from the start of `slice`.
#[inline(always)]
fn load<S: Simd>(slice: &[f32]) -> S::f32s {
    S::as_simd_f32s(&slice[..S::F32_LANES]).0[0]
}

/// Output channels `o0..o0 + BLOCK` of one image at the grid positions `pixels` (a
/// multiple of `VECS` vectors long). Each step computes `VECS` vectors of pixels for every
/// channel of the block, over all input channels and taps.
#[inline(always)]
fn forward_block<S: Simd, const BLOCK: usize, const VECS: usize>(
    simd: S,
    run: ForwardRun<'_>,
    o0: usize,
    pixels: std::ops::Range<usize>,
    grid: &mut [f32],
) {
    let ForwardRun {
        l,
        channels: [in_channels, oc],
        padded,
        packed,
    } = run;
    let (lanes, taps) = (S::F32_LANES, l.taps.len());
    let step = VECS * lanes;
    for start in pixels.step_by(step) {
        let mut acc = [[simd.splat_f32s(0.0); VECS]; BLOCK];
        for c in 0..in_channels {
            let plane = &padded[c * l.plane..(c + 1) * l.plane];
            let channel_weights = &packed[c * taps * oc..(c + 1) * taps * oc];
            for (&offset, tap_weights) in l.taps.iter().zip(channel_weights.chunks_exact(oc)) {
                let pixels = &plane[start + offset..start + offset + step];
                let x: [S::f32s; VECS] = std::array::from_fn(|v| load::<S>(&pixels[v * lanes..]));
                for (acc_o, &w_o) in acc.iter_mut().zip(&tap_weights[o0..o0 + BLOCK]) {
                    let w_o = simd.splat_f32s(w_o);
                    for (a, &x_v) in acc_o.iter_mut().zip(&x) {
                        *a = simd.mul_add_f32s(w_o, x_v, *a);
                    }
                }
            }
        }
        for (o, acc_o) in acc.iter().enumerate() {
            let out = &mut grid[(o0 + o) * l.flat + start..][..step];
            S::as_mut_simd_f32s(out).0.copy_from_slice(acc_o);
        }
    }
}

/// Weight and bias gradients (`[out_channels, in_channels, kh, kw]`, `[out_channels]`)
/// from the input planes `x` and the output gradient `dy`, summed over the batch in fixed blocks
/// of [`IMAGES_PER_BLOCK`] images in order (independent of the thread count).
pub(super) fn weight_gradients(
    g: &ConvGeometry,
    x: Planes<'_>,
    dy: Planes<'_>,
) -> (Vec<f32>, Vec<f32>) {
    let l = Layout::new(g);
    let (oc, ic) = (g.out_channels, g.in_channels);
    x.check(g.batch, ic, g.in_size);
    dy.check(g.batch, oc, l.out);
    let taps = l.taps.len();
    let arch = Arch::new();
    let partials: Vec<BlockSums> = (0..g.batch.div_ceil(IMAGES_PER_BLOCK))
        .into_par_iter()
        .map_init(
            || l.scratch(g),
            |(padded, grid), block| {
                let mut sums = BlockSums::zeros(oc * ic * taps, oc);
                let images =
                    block * IMAGES_PER_BLOCK..((block + 1) * IMAGES_PER_BLOCK).min(g.batch);
                for image in images {
                    l.pad(g, x, image, padded);
                    l.spread(g, dy, image, grid);
                    // The grid holds the (gated) gradient, zeros in its dropped columns.
                    for (b, channel) in sums.bias.iter_mut().zip(grid.chunks_exact(l.flat)) {
                        *b += lane_sum(channel);
                    }
                    arch.dispatch(WeightGradImage {
                        image: PaddedImage { g, l: &l, padded },
                        grid,
                        weight: &mut sums.weight,
                    });
                }
                sums
            },
        )
        .collect();
    ordered_sum(&partials, oc * ic * taps, oc)
}

/// One image's contribution to the weight gradient.
struct WeightGradImage<'a> {
    image: PaddedImage<'a>,
    grid: &'a [f32],
    weight: &'a mut [f32],
}

impl WithSimd for WeightGradImage<'_> {
    type Output = ();

    #[inline(always)]
    fn with_simd<S: Simd>(mut self, simd: S) {
        let (oc, ic, _) = self.image.sizes();
        for c in 0..ic {
            let mut o0 = 0;
            while o0 < oc {
                if o0 + GRAD_OUT_BLOCK <= oc {
                    self.taps::<S, GRAD_OUT_BLOCK, GRAD_TAP_BLOCK>(simd, c, o0);
                    o0 += GRAD_OUT_BLOCK;
                } else {
                    self.taps::<S, 1, GRAD_TAP_BLOCK_SINGLE>(simd, c, o0);
                    o0 += 1;
                }
            }
        }
    }
}

/// Which register block of the weight gradient: input channel, first output channel,
/// first tap.
#[derive(Clone, Copy)]
struct BlockAt {
    c: usize,
    o0: usize,
    t0: usize,
}

impl WeightGradImage<'_> {
    /// Every tap of input channel `c` for output channels `o0..o0 + OUTS`: blocks of
    /// `TAPS` taps, then of 3, then single taps.
    #[inline(always)]
    fn taps<S: Simd, const OUTS: usize, const TAPS: usize>(
        &mut self,
        simd: S,
        c: usize,
        o0: usize,
    ) {
        let taps = self.image.l.taps.len();
        let mut t0 = 0;
        while t0 < taps {
            let at = BlockAt { c, o0, t0 };
            if t0 + TAPS <= taps {
                self.block::<S, OUTS, TAPS>(simd, at);
                t0 += TAPS;
            } else if t0 + GRAD_TAP_BLOCK <= taps {
                self.block::<S, OUTS, GRAD_TAP_BLOCK>(simd, at);
                t0 += GRAD_TAP_BLOCK;
            } else {
                self.block::<S, OUTS, 1>(simd, at);
                t0 += 1;
            }
        }
    }

    /// Adds `sum_i grid[o][i] * padded[c][i + tap offset]` for `OUTS` output channels and
    /// `TAPS` taps, one vector of pixels at a time.
    #[inline(always)]
    fn block<S: Simd, const OUTS: usize, const TAPS: usize>(&mut self, simd: S, at: BlockAt) {
        let PaddedImage { l, padded, .. } = self.image;
        let lanes = S::F32_LANES;
        let plane = &padded[at.c * l.plane..(at.c + 1) * l.plane];
        let offsets: [usize; TAPS] = std::array::from_fn(|t| l.taps[at.t0 + t]);
        let mut acc = [[simd.splat_f32s(0.0); TAPS]; OUTS];
        for start in (0..l.flat).step_by(lanes) {
            let x: [S::f32s; TAPS] =
                std::array::from_fn(|t| load::<S>(&plane[start + offsets[t]..]));
            for (o, acc_o) in acc.iter_mut().enumerate() {
                let dy = load::<S>(&self.grid[(at.o0 + o) * l.flat + start..]);
                for (a, &x_t) in acc_o.iter_mut().zip(&x) {
                    *a = simd.mul_add_f32s(dy, x_t, *a);
                }
            }
        }
        let (_, ic, taps) = self.image.sizes();
        for (o, acc_o) in acc.iter().enumerate() {
            for (t, &lanes) in acc_o.iter().enumerate() {
                self.weight[((at.o0 + o) * ic + at.c) * taps + at.t0 + t] +=
                    simd.reduce_sum_f32s(lanes);
            }
        }
    }
}
