//! Fused kernels for the default backend, behind backend-generic functions.
//!
//! Each function has burn's semantics on every backend; on `Flex` and
//! `Autodiff<Flex>` with `f32` tensors it runs this module's kernels instead of
//! burn's composed operations (see `docs/performance.md` for what they save). The
//! tests in `tests/models/kernels.rs` hold them to burn's reference results within 1e-5.

pub(crate) mod adam;
pub(crate) mod bce;
pub(crate) mod conv;
pub(crate) mod curve;
pub(crate) mod dense;
mod direct;
mod elementwise;
mod flex;
pub(crate) mod pool;
mod recycle;
pub(crate) mod upsample;
mod zeros;

use crate::activation::Activation;
use burn::nn::Linear;
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2d;
use burn::nn::interpolate::{Interpolate2d, InterpolateMode};
use burn::nn::pool::{MaxPool2d, MaxPool2dConfig};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use burn::tensor::module;
use burn::tensor::ops::{ConvOptions, InterpolateOptions};

use self::conv::ConvGeometry;
use self::curve::Curve;
use self::dense::DenseGeometry;
use self::flex::{FlexAutodiff, all_f32, is_backend, moved};
use self::pool::PoolGeometry;
use self::upsample::UpsampleGeometry;
use burn::backend::Flex;

/// Environment variable that selects the kernels (read once per process): `AE_KERNELS=burn`
/// switches the fused kernels off, so that the default backend runs burn's own operations
/// like any other (a local run then compares like with like against a remote server, or a
/// kernel against burn's arithmetic); `AE_KERNELS=im2col` keeps them but computes every
/// convolution through im2col instead of the direct kernels (to measure one against the
/// other). Unset, or any other value: all fused kernels.
pub const KERNELS_ENV: &str = "AE_KERNELS";

/// The kernels [`KERNELS_ENV`] selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KernelChoice {
    Fused,
    Im2col,
    Burn,
}

fn choice() -> KernelChoice {
    static CHOICE: std::sync::OnceLock<KernelChoice> = std::sync::OnceLock::new();
    *CHOICE.get_or_init(|| match std::env::var(KERNELS_ENV).as_deref() {
        Ok("burn") => KernelChoice::Burn,
        Ok("im2col") => KernelChoice::Im2col,
        _ => KernelChoice::Fused,
    })
}

/// Mean binary cross-entropy from logits, `max(z, 0) - z t + ln(1 + e^-|z|)`.
pub fn bce_with_logits<B: Backend, const D: usize>(
    logits: Tensor<B, D>,
    target: Tensor<B, D>,
) -> Tensor<B, 1> {
    if all_f32(&[logits.dtype(), target.dtype()]) && logits.dims() == target.dims() {
        if is_backend::<B, FlexAutodiff>() {
            let (z, t) = (
                moved::<B, FlexAutodiff, D>(logits),
                moved::<B, FlexAutodiff, D>(target),
            );
            return moved(flex::bce_autodiff(z, t));
        }
        if is_backend::<B, Flex>() {
            let (z, t) = (moved::<B, Flex, D>(logits), moved::<B, Flex, D>(target));
            return moved(flex::bce_plain(z, t));
        }
    }
    composed_bce_with_logits(logits, target)
}

/// Hyperbolic tangent, element-wise (a fused kernel on the default backend).
pub fn tanh<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    curve(x, Curve::Tanh).unwrap_or_else(burn::tensor::activation::tanh)
}

/// Logistic sigmoid `1 / (1 + e^-x)`, element-wise (a fused kernel on the default
/// backend: one pass forward, one backward from the saved output).
pub fn sigmoid<B: Backend, const D: usize>(x: Tensor<B, D>) -> Tensor<B, D> {
    curve(x, Curve::Sigmoid).unwrap_or_else(burn::tensor::activation::sigmoid)
}

/// The fused curve on the default backend; the tensor back (`Err`) on any other.
fn curve<B: Backend, const D: usize>(
    x: Tensor<B, D>,
    curve: Curve,
) -> Result<Tensor<B, D>, Tensor<B, D>> {
    if all_f32(&[x.dtype()]) {
        if is_backend::<B, FlexAutodiff>() {
            return Ok(moved(flex::curve_autodiff(
                moved::<B, FlexAutodiff, D>(x),
                curve,
            )));
        }
        if is_backend::<B, Flex>() {
            return Ok(moved(flex::curve_plain(moved::<B, Flex, D>(x), curve)));
        }
    }
    Err(x)
}

/// A dense layer applied to a batch of rows: burn's [`Linear::forward`], on the default
/// backend as one node whose products are faer's, the bias the start value of the forward
/// product (`kernels::dense`); without a bias, or on any other backend, burn's own.
///
/// # Shapes
/// - `x`: `[rows, d_input]`
/// - output: `[rows, d_output]`
pub fn linear_layer<B: Backend>(layer: &Linear<B>, x: Tensor<B, 2>) -> Tensor<B, 2> {
    fused_linear_layer(layer, x, false).unwrap_or_else(|x| layer.forward(x))
}

/// [`linear_layer`] followed by `activation`. On the default backend a ReLU is part of the
/// layer's node: applied to the output just computed, and in the backward step to the
/// output gradient before the products, which saves burn's ReLU its own output and mask.
///
/// # Shapes
/// - `x`: `[rows, d_input]`
/// - output: `[rows, d_output]`
pub fn activated_linear_layer<B: Backend>(
    layer: &Linear<B>,
    activation: Activation,
    x: Tensor<B, 2>,
) -> Tensor<B, 2> {
    let relu = activation == Activation::Relu;
    match fused_linear_layer(layer, x, relu) {
        Ok(y) if relu => y,
        Ok(y) => activation.apply(y),
        Err(x) => activation.apply(layer.forward(x)),
    }
}

/// The dense kernel's layer, then a ReLU when `relu`; `Err(x)` where it does not apply
/// (no bias, another element type or backend, or the kernels turned off).
fn fused_linear_layer<B: Backend>(
    layer: &Linear<B>,
    x: Tensor<B, 2>,
    relu: bool,
) -> Result<Tensor<B, 2>, Tensor<B, 2>> {
    let Some(bias) = &layer.bias else {
        return Err(x);
    };
    let (weight, bias) = (layer.weight.val(), bias.val());
    let ([rows, d_in], [w_in, d_out]) = (x.dims(), weight.dims());
    if all_f32(&[x.dtype(), weight.dtype(), bias.dtype()]) && w_in == d_in {
        let g = DenseGeometry { rows, d_in, d_out };
        if is_backend::<B, FlexAutodiff>() {
            return Ok(moved(flex::dense_autodiff(
                g,
                moved(x),
                moved(weight),
                moved(bias),
                relu,
            )));
        }
        if is_backend::<B, Flex>() {
            return Ok(moved(flex::dense_plain(
                g,
                moved(x),
                moved(weight),
                moved(bias),
                relu,
            )));
        }
    }
    Err(x)
}

/// The same loss from burn's element-wise operations (the reference for the tests).
pub fn composed_bce_with_logits<B: Backend, const D: usize>(
    logits: Tensor<B, D>,
    target: Tensor<B, D>,
) -> Tensor<B, 1> {
    let softplus_neg_abs = logits.clone().abs().neg().exp().log1p();
    (logits.clone().clamp_min(0.0) - logits * target + softplus_neg_abs).mean()
}

/// `into + from`, element-wise (same shapes): on `Flex`, written in place into `into`'s
/// buffer when nothing else holds it, in parallel chunks for large tensors. Adding the
/// gradients of two data-parallel shards this way allocates nothing and keeps both cores
/// on it (burn's `add` writes a fresh tensor on the calling thread).
///
/// # Panics
/// When the shapes differ.
pub fn add_in_place<B: Backend, const D: usize>(
    into: Tensor<B, D>,
    from: Tensor<B, D>,
) -> Tensor<B, D> {
    assert_eq!(into.dims(), from.dims(), "add_in_place: operand shapes");
    if is_backend::<B, Flex>() && all_f32(&[into.dtype(), from.dtype()]) {
        return moved(flex::add_in_place(moved(into), moved(from)));
    }
    into + from
}

/// One Adam step of a parameter tensor on `Flex`, in place (the crate's fused Adam kernel),
/// for the gradient `grad`, or `grad + other` added in the same pass.
///
/// `moments` is `(time, moment_1, moment_2)` of the previous step, `None` on the first
/// (burn's Adam starts from zero moments); the new ones are returned.
///
/// # Panics
/// When [`fused_adam_applies`] is false for these tensors: callers check it first.
#[allow(clippy::type_complexity)]
pub(crate) fn adam_step<B: Backend, const D: usize>(
    constants: adam::AdamConstants,
    lr: f64,
    param: Tensor<B, D>,
    (grad, other): (Tensor<B, D>, Option<Tensor<B, D>>),
    moments: Option<(usize, Tensor<B, D>, Tensor<B, D>)>,
) -> (Tensor<B, D>, (usize, Tensor<B, D>, Tensor<B, D>)) {
    let (time, m, v) = match moments {
        Some((time, m, v)) => (time + 1, moved(m), moved(v)),
        None => (1, moved(grad.zeros_like()), moved(grad.zeros_like())),
    };
    let (param, m, v) = flex::adam_step(
        constants,
        lr as f32,
        time,
        moved(param),
        moved(grad),
        other.map(moved),
        m,
        v,
    );
    (moved(param), (time, moved(m), moved(v)))
}

/// Whether [`adam_step`] runs on backend `B` for these tensors.
pub(crate) fn fused_adam_applies<B: Backend, const D: usize>(
    param: &Tensor<B, D>,
    grad: &Tensor<B, D>,
) -> bool {
    is_backend::<B, Flex>()
        && all_f32(&[param.dtype(), grad.dtype()])
        && param.dims() == grad.dims()
}

/// 2-D convolution with bias, burn's [`module::conv2d`] semantics.
///
/// # Shapes
/// - `x`: `[batch, in_channels, h, w]`
/// - `weight`: `[out_channels, in_channels, kh, kw]`
/// - `bias`: `[out_channels]`
/// - output: `[batch, out_channels, out_h, out_w]`
pub fn conv2d<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    bias: Tensor<B, 1>,
    options: ConvOptions<2>,
) -> Tensor<B, 4> {
    conv2d_followed_by(x, weight, bias, options, FollowedBy::Nothing)
}

/// What [`conv2d_followed_by`] applies to the convolution's output, inside the same
/// operation on the default backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowedBy {
    /// Nothing: [`conv2d`].
    Nothing,
    /// A ReLU, clamped as the output is written; the backward step gates the gradient
    /// as it copies it in.
    Relu,
    /// A ReLU, then 2x2 max pooling (stride 2, no padding; an odd last row or column is
    /// dropped). Each image is pooled as it is computed, so the convolution's output is
    /// never stored, and the backward step hands the pooled gradient, routed to the
    /// winners, straight to the convolution's gradient kernels.
    ReluMaxPool2x2,
}

impl FollowedBy {
    /// Applies the pooling of `ReluMaxPool2x2` to a convolution already followed by its ReLU.
    fn pool<B: Backend>(self, y: Tensor<B, 4>) -> Tensor<B, 4> {
        if self == FollowedBy::ReluMaxPool2x2 {
            max_pool2d_layer(&MaxPool2dConfig::new([2, 2]).init(), y)
        } else {
            y
        }
    }

    /// Applies the ReLU and pooling to a plain convolution's output.
    fn apply<B: Backend>(self, y: Tensor<B, 4>) -> Tensor<B, 4> {
        match self {
            FollowedBy::Nothing => y,
            FollowedBy::Relu | FollowedBy::ReluMaxPool2x2 => {
                self.pool(burn::tensor::activation::relu(y))
            }
        }
    }
}

/// [`conv2d`] followed by `then`: one fused operation on the default backend (see
/// [`FollowedBy`]), burn's operations one after the other elsewhere.
///
/// # Shapes
/// - `x`: `[batch, in_channels, h, w]`
/// - output: `[batch, out_channels, out_h, out_w]`, halved per axis after pooling
pub fn conv2d_followed_by<B: Backend>(
    x: Tensor<B, 4>,
    weight: Tensor<B, 4>,
    bias: Tensor<B, 1>,
    options: ConvOptions<2>,
    then: FollowedBy,
) -> Tensor<B, 4> {
    let Some(geometry) = fused_geometry(&x, &weight, &bias, &options) else {
        return then.apply(module::conv2d(x, weight, Some(bias), options));
    };
    if then == FollowedBy::ReluMaxPool2x2 && conv::fuses_relu_pool(&geometry) {
        if is_backend::<B, FlexAutodiff>() {
            let (x, weight, bias) = (moved(x), moved(weight), moved(bias));
            return moved(flex::conv2d_relu_pool_autodiff(&geometry, x, weight, bias));
        }
        if is_backend::<B, Flex>() {
            let (x, weight, bias) = (moved(x), moved(weight), moved(bias));
            return moved(flex::conv2d_relu_pool_plain(&geometry, x, weight, bias));
        }
    }
    let relu = then != FollowedBy::Nothing;
    match fused_conv2d(&geometry, (x, [1, 1]), weight, bias, relu) {
        Ok(y) => then.pool(y),
        Err((x, weight, bias)) => then.apply(module::conv2d(x, weight, Some(bias), options)),
    }
}

/// [`conv2d_followed_by`] on `x` upsampled by whole factors `scale` (nearest neighbour,
/// as [`upsample_layer`]). On the default backend, with `then` `Nothing` or `Relu` and a
/// convolution that the direct kernels compute (stride 1, dilation 1), one fused
/// operation: each image is upsampled as the convolution pads it, and the input gradient
/// is summed back over the blocks as it is computed, so neither the upsampled tensor nor
/// its gradient is ever stored (for the seeds' decoder, 6.4 MB each per batch of 128).
/// Elsewhere the upsampling, then [`conv2d_followed_by`].
///
/// # Shapes
/// - `x`: `[batch, in_channels, h, w]`
/// - output: the convolution's output for `[batch, in_channels, h * scale_h, w * scale_w]`
pub fn upsampled_conv2d_followed_by<B: Backend>(
    x: Tensor<B, 4>,
    scale: [usize; 2],
    weight: Tensor<B, 4>,
    bias: Tensor<B, 1>,
    options: ConvOptions<2>,
    then: FollowedBy,
) -> Tensor<B, 4> {
    let geometry = fused_geometry(&x, &weight, &bias, &options).map(|g| ConvGeometry {
        in_size: [g.in_size[0] * scale[0], g.in_size[1] * scale[1]],
        ..g
    });
    let (x, weight, bias) = match geometry {
        Some(g)
            if then != FollowedBy::ReluMaxPool2x2
                && !scale.contains(&0)
                && conv::fuses_upsampling(&g) =>
        {
            match fused_conv2d(&g, (x, scale), weight, bias, then == FollowedBy::Relu) {
                Ok(y) => return y,
                Err(operands) => operands,
            }
        }
        _ => (x, weight, bias),
    };
    conv2d_followed_by(upsample(x, scale), weight, bias, options, then)
}

/// A convolution's input, weight and bias.
type ConvOperands<B> = (Tensor<B, 4>, Tensor<B, 4>, Tensor<B, 1>);

/// The fused convolution of `x` upsampled by `scale` on the default backend; the operands
/// back (`Err`) on any other.
fn fused_conv2d<B: Backend>(
    geometry: &ConvGeometry,
    (x, scale): (Tensor<B, 4>, [usize; 2]),
    weight: Tensor<B, 4>,
    bias: Tensor<B, 1>,
    relu: bool,
) -> Result<Tensor<B, 4>, ConvOperands<B>> {
    if is_backend::<B, FlexAutodiff>() {
        let (x, weight, bias) = (moved(x), moved(weight), moved(bias));
        return Ok(moved(flex::conv2d_autodiff(
            geometry,
            (x, scale),
            weight,
            bias,
            relu,
        )));
    }
    if is_backend::<B, Flex>() {
        let (x, weight, bias) = (moved(x), moved(weight), moved(bias));
        return Ok(moved(flex::conv2d_plain(
            geometry,
            (x, scale),
            weight,
            bias,
            relu,
        )));
    }
    Err((x, weight, bias))
}

/// A [`Conv2d`] layer's forward pass through [`conv2d`] (the layer's own padding rule;
/// layers without bias or with asymmetric padding use burn's implementation).
///
/// # Shapes
/// - `x`: `[batch, in_channels, h, w]`
/// - output: `[batch, out_channels, out_h, out_w]`
pub fn conv2d_layer<B: Backend>(layer: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    conv2d_layer_then(layer, x, FollowedBy::Nothing)
}

/// [`conv2d_layer`] followed by a ReLU, fused as in [`conv2d_followed_by`].
///
/// # Shapes
/// As [`conv2d_layer`].
pub fn conv2d_relu_layer<B: Backend>(layer: &Conv2d<B>, x: Tensor<B, 4>) -> Tensor<B, 4> {
    conv2d_layer_then(layer, x, FollowedBy::Relu)
}

/// [`conv2d_relu_layer`] followed by a [`MaxPool2d`] layer: fused as in
/// [`FollowedBy::ReluMaxPool2x2`] when the pool has 2x2 windows, stride 2 and no padding
/// (Keras' `MaxPooling2D()`), the two layers one after the other otherwise.
///
/// # Shapes
/// - `x`: `[batch, in_channels, h, w]`
/// - output: the pool's output for the convolution's output
pub fn conv2d_relu_pool_layer<B: Backend>(
    conv: &Conv2d<B>,
    pool: &MaxPool2d,
    x: Tensor<B, 4>,
) -> Tensor<B, 4> {
    if pool.kernel_size == [2, 2] && pool_is_plain(pool) {
        conv2d_layer_then(conv, x, FollowedBy::ReluMaxPool2x2)
    } else {
        max_pool2d_layer(pool, conv2d_relu_layer(conv, x))
    }
}

/// An [`Interpolate2d`] layer, then a [`Conv2d`] layer followed by `then`
/// ([`FollowedBy::Nothing`] or [`FollowedBy::Relu`] for the fused operation of
/// [`upsampled_conv2d_followed_by`]): fused on the default backend when the upsampling is
/// one that [`upsample_layer`] runs as a kernel; the layers one after the other otherwise.
///
/// # Shapes
/// - `x`: `[batch, in_channels, h, w]`
/// - output: the convolution's output for the upsampled `x`
pub fn upsample_conv2d_layer<B: Backend>(
    up: &Interpolate2d,
    conv: &Conv2d<B>,
    x: Tensor<B, 4>,
    then: FollowedBy,
) -> Tensor<B, 4> {
    match whole_scale(up) {
        Some(scale) if then != FollowedBy::ReluMaxPool2x2 => {
            conv2d_layer_on((x, scale), conv, then)
        }
        _ => conv2d_layer_then(conv, upsample_layer(up, x), then),
    }
}

fn conv2d_layer_then<B: Backend>(
    layer: &Conv2d<B>,
    x: Tensor<B, 4>,
    then: FollowedBy,
) -> Tensor<B, 4> {
    conv2d_layer_on((x, [1, 1]), layer, then)
}

/// A [`Conv2d`] layer on `x` upsampled by `scale` (`[1, 1]`: `x` itself), then `then`.
fn conv2d_layer_on<B: Backend>(
    (x, scale): (Tensor<B, 4>, [usize; 2]),
    layer: &Conv2d<B>,
    then: FollowedBy,
) -> Tensor<B, 4> {
    let [_, _, height, width] = x.dims();
    let [(top, bottom), (left, right)] = padding_pairs(
        &layer.padding,
        [height * scale[0], width * scale[1]],
        layer.kernel_size,
        layer.stride,
    );
    match &layer.bias {
        Some(bias) if top == bottom && left == right => {
            let options = ConvOptions::new(layer.stride, [top, left], layer.dilation, layer.groups);
            let (weight, bias) = (layer.weight.val(), bias.val());
            if scale == [1, 1] {
                conv2d_followed_by(x, weight, bias, options, then)
            } else {
                upsampled_conv2d_followed_by(x, scale, weight, bias, options, then)
            }
        }
        _ => then.apply(layer.forward(upsample(x, scale))),
    }
}

/// A [`MaxPool2d`] layer's forward pass: this module's kernel for non-overlapping
/// windows without padding or dilation (Keras' `MaxPooling2D` default), burn's otherwise.
///
/// # Shapes
/// - `x`: `[batch, channels, h, w]`
/// - output: `[batch, channels, h / window_h, w / window_w]`
pub fn max_pool2d_layer<B: Backend>(layer: &MaxPool2d, x: Tensor<B, 4>) -> Tensor<B, 4> {
    let [batch, channels, h, w] = x.dims();
    let geometry = PoolGeometry {
        planes: batch * channels,
        in_size: [h, w],
        window: layer.kernel_size,
    };
    if pool_is_plain(layer) && all_f32(&[x.dtype()]) && geometry.out_size().is_some() {
        if is_backend::<B, FlexAutodiff>() {
            return moved(flex::max_pool2d_autodiff(&geometry, moved(x)));
        }
        if is_backend::<B, Flex>() {
            return moved(flex::max_pool2d_plain(&geometry, moved(x)));
        }
    }
    layer.forward(x)
}

/// Whether a pool's windows do not overlap and it has no padding, dilation or ceil mode.
fn pool_is_plain(layer: &MaxPool2d) -> bool {
    layer.stride == layer.kernel_size
        && layer.dilation == [1, 1]
        && !layer.ceil_mode
        && layer.padding == PaddingConfig2d::Valid
}

/// An [`Interpolate2d`] layer's forward pass: this module's kernel for nearest-neighbour
/// upsampling by a scale factor of 1, 2, 4 or 8 per axis (exact in binary, so burn's
/// `floor(out / scale)` lookup is plain repetition), burn's otherwise.
///
/// # Shapes
/// - `x`: `[batch, channels, h, w]`
/// - output: `[batch, channels, h * scale_h, w * scale_w]`
pub fn upsample_layer<B: Backend>(layer: &Interpolate2d, x: Tensor<B, 4>) -> Tensor<B, 4> {
    match whole_scale(layer) {
        Some(scale) => upsample(x, scale),
        None => layer.forward(x),
    }
}

/// The scale of a nearest-neighbour upsampling by 1, 2, 4 or 8 per axis.
fn whole_scale(layer: &Interpolate2d) -> Option<[usize; 2]> {
    let whole = |f: f32| [1.0, 2.0, 4.0, 8.0].contains(&f).then_some(f as usize);
    match (layer.output_size, layer.scale_factor, &layer.mode) {
        (None, Some([sh, sw]), InterpolateMode::Nearest) => Some([whole(sh)?, whole(sw)?]),
        _ => None,
    }
}

/// Nearest-neighbour upsampling by whole factors: this module's kernel on the default
/// backend, burn's interpolation elsewhere.
fn upsample<B: Backend>(x: Tensor<B, 4>, scale: [usize; 2]) -> Tensor<B, 4> {
    let [batch, channels, h, w] = x.dims();
    if scale == [1, 1] {
        return x;
    }
    if all_f32(&[x.dtype()]) {
        let geometry = UpsampleGeometry {
            planes: batch * channels,
            in_size: [h, w],
            scale,
        };
        if is_backend::<B, FlexAutodiff>() {
            return moved(flex::upsample_autodiff(&geometry, moved(x)));
        }
        if is_backend::<B, Flex>() {
            return moved(flex::upsample_plain(&geometry, moved(x)));
        }
    }
    let size = [h * scale[0], w * scale[1]];
    module::interpolate(
        x,
        size,
        InterpolateOptions::new(InterpolateMode::Nearest.into()),
    )
}

/// `(start, end)` padding per axis, burn-nn's rule (its own helper is crate-private):
/// "same" puts the odd pixel at the end, as ONNX does.
fn padding_pairs(
    padding: &PaddingConfig2d,
    size: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
) -> [(usize, usize); 2] {
    match padding {
        PaddingConfig2d::Valid => [(0, 0); 2],
        PaddingConfig2d::Explicit(top, left, bottom, right) => [(*top, *bottom), (*left, *right)],
        PaddingConfig2d::Same => std::array::from_fn(|axis| {
            let out = size[axis].div_ceil(stride[axis].max(1));
            let total = if out > 0 {
                ((out - 1) * stride[axis] + kernel[axis]).saturating_sub(size[axis])
            } else {
                0
            };
            (total / 2, total - total / 2)
        }),
    }
}

/// The kernel's geometry when it handles these operands: `f32`, one group, shapes
/// consistent and an output of at least one pixel.
fn fused_geometry<B: Backend>(
    x: &Tensor<B, 4>,
    weight: &Tensor<B, 4>,
    bias: &Tensor<B, 1>,
    options: &ConvOptions<2>,
) -> Option<ConvGeometry> {
    let [batch, in_channels, h, w] = x.dims();
    let [out_channels, weight_in, kh, kw] = weight.dims();
    let consistent =
        options.groups == 1 && weight_in == in_channels && bias.dims() == [out_channels];
    if !consistent || !all_f32(&[x.dtype(), weight.dtype(), bias.dtype()]) {
        return None;
    }
    let geometry = ConvGeometry {
        batch,
        in_channels,
        out_channels,
        in_size: [h, w],
        kernel: [kh, kw],
        stride: options.stride,
        padding: options.padding,
        dilation: options.dilation,
    };
    geometry.out_size().map(|_| geometry)
}
