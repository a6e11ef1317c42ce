//! The fused kernels against burn's reference implementations: values and every
//! gradient within 1e-5 of the largest reference magnitude (sums of thousands of terms
//! differ in their last bits), on `Autodiff<Flex>` (training) and `Flex` (inference).

use ae_models::kernels::{self, FollowedBy, composed_bce_with_logits};
use burn::backend::{Autodiff, Flex};
use burn::nn::PaddingConfig2d;
use burn::nn::conv::Conv2dConfig;
use burn::nn::interpolate::{Interpolate2dConfig, InterpolateMode as NnInterpolateMode};
use burn::nn::pool::MaxPool2dConfig;
use burn::tensor::activation::relu;
use burn::tensor::backend::Backend;
use burn::tensor::module::{conv2d as reference_conv2d, interpolate, max_pool2d};
use burn::tensor::ops::{ConvOptions, InterpolateMode, InterpolateOptions};
use burn::tensor::{Distribution, Tensor, TensorData};

type Ad = Autodiff<Flex>;

fn random<const D: usize>(shape: [usize; D], seed: u64) -> Tensor<Ad, D> {
    <Flex as Backend>::seed(&Default::default(), seed);
    Tensor::random(shape, Distribution::Uniform(-1.0, 1.0), &Default::default())
}

fn values<B: Backend, const D: usize>(t: Tensor<B, D>) -> Vec<f32> {
    t.into_data().convert::<f32>().to_vec().unwrap()
}

/// The largest difference and `max |b|`.
fn difference(a: &[f32], b: &[f32]) -> (f32, f32) {
    let scale = b.iter().fold(f32::MIN_POSITIVE, |m, v| m.max(v.abs()));
    let worst = a
        .iter()
        .zip(b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0f32, f32::max);
    (worst, scale)
}

/// `max |a - b| <= 1e-5 * max |b|`.
fn assert_close(what: &str, a: &[f32], b: &[f32]) {
    assert_eq!(a.len(), b.len(), "{what}: lengths");
    let (worst, scale) = difference(a, b);
    assert!(
        worst <= 1e-5 * scale,
        "{what}: max difference {worst} (scale {scale})"
    );
}

struct Case {
    batch: usize,
    channels: [usize; 2],
    size: [usize; 2],
    kernel: [usize; 2],
    stride: [usize; 2],
    padding: [usize; 2],
    dilation: [usize; 2],
}

/// A convolution's input, weight and bias (all tracking gradients) and options.
type Operands = (Tensor<Ad, 4>, Tensor<Ad, 4>, Tensor<Ad, 1>, ConvOptions<2>);

impl Case {
    /// Random operands for this case, drawn from `seed`, `seed + 1` and `seed + 2`.
    fn operands(&self, seed: u64) -> Operands {
        let [c_in, c_out] = self.channels;
        let x = random([self.batch, c_in, self.size[0], self.size[1]], seed);
        let w = random([c_out, c_in, self.kernel[0], self.kernel[1]], seed + 1);
        let b = random([c_out], seed + 2);
        let options = ConvOptions::new(self.stride, self.padding, self.dilation, 1);
        (
            x.require_grad(),
            w.require_grad(),
            b.require_grad(),
            options,
        )
    }

    /// A same-padded 3x3 convolution, stride 1: the conv autoencoder's layers.
    const fn same_3x3(batch: usize, channels: [usize; 2], side: usize) -> Case {
        Case {
            batch,
            channels,
            size: [side, side],
            kernel: [3, 3],
            stride: [1, 1],
            padding: [1, 1],
            dilation: [1, 1],
        }
    }
}

const CASES: [Case; 7] = [
    // the conv autoencoder's layers
    Case::same_3x3(3, [1, 16], 28),
    Case::same_3x3(2, [16, 8], 14),
    Case::same_3x3(5, [8, 8], 7),
    Case::same_3x3(2, [16, 1], 28),
    // beyond them: strides, valid padding, dilation, rectangular kernels
    Case {
        batch: 3,
        channels: [3, 4],
        size: [11, 9],
        kernel: [3, 2],
        stride: [2, 3],
        padding: [1, 0],
        dilation: [1, 1],
    },
    Case {
        batch: 6,
        channels: [2, 5],
        size: [10, 12],
        kernel: [3, 3],
        stride: [1, 2],
        padding: [2, 1],
        dilation: [2, 1],
    },
    // the direct kernels' remainders: 6 output channels (a block of 4, then 2 single
    // ones), a 5x3 kernel, padding on one axis only
    Case {
        batch: 3,
        channels: [3, 6],
        size: [9, 13],
        kernel: [5, 3],
        stride: [1, 1],
        padding: [2, 0],
        dilation: [1, 1],
    },
];

/// The tolerance tells a correct kernel from a slightly wrong one: 1e-3 of the output's
/// scale added to one value of the fused convolution's output is caught.
#[test]
fn a_perturbation_of_1e_3_fails_the_comparison() {
    for (i, c) in CASES.iter().enumerate() {
        let x = random([c.batch, c.channels[0], c.size[0], c.size[1]], 7);
        let w = random([c.channels[1], c.channels[0], c.kernel[0], c.kernel[1]], 8);
        let options = ConvOptions::new(c.stride, c.padding, c.dilation, 1);
        let b = random([c.channels[1]], 9);
        let mut fused = values(kernels::conv2d(
            x.clone(),
            w.clone(),
            b.clone(),
            options.clone(),
        ));
        let reference = values(reference_conv2d(x, w, Some(b), options));
        let (worst, scale) = difference(&fused, &reference);
        assert!(worst <= 1e-5 * scale, "case {i}: {worst} (scale {scale})");
        let middle = fused.len() / 2;
        fused[middle] += 1e-3 * scale;
        let (worst, scale) = difference(&fused, &reference);
        assert!(
            worst > 1e-5 * scale,
            "case {i}: the perturbation went unnoticed"
        );
    }
}

#[test]
fn convolution_values_and_gradients_match_burn() {
    for then in [
        FollowedBy::Nothing,
        FollowedBy::Relu,
        FollowedBy::ReluMaxPool2x2,
    ] {
        convolutions_match_burn(then);
    }
}

/// Every case through [`kernels::conv2d_followed_by`] against burn's convolution, ReLU
/// and max pooling.
fn convolutions_match_burn(then: FollowedBy) {
    for (index, c) in CASES.iter().enumerate() {
        let seed = 10 * index as u64;
        let i = format!("{index} ({then:?})");
        let (x, w, b, options) = c.operands(seed);
        let (x_, w_, b_, o_) = (x.clone(), w.clone(), b.clone(), options.clone());
        let fused = kernels::conv2d_followed_by(x_, w_, b_, o_, then);
        let conv = reference_conv2d(x.clone(), w.clone(), Some(b.clone()), options);
        let reference = match then {
            FollowedBy::Nothing => conv,
            FollowedBy::Relu => relu(conv),
            FollowedBy::ReluMaxPool2x2 => {
                max_pool2d(relu(conv), [2, 2], [2, 2], [0, 0], [1, 1], false)
            }
        };
        assert_eq!(fused.dims(), reference.dims(), "case {i}: output shape");
        assert_close(
            &format!("case {i}: output"),
            &values(fused.clone()),
            &values(reference.clone()),
        );

        let operands = (&x, &w, &b);
        assert_gradients_match(&i, (fused, reference), operands, seed + 3, assert_close);
    }
}

/// The gradients of a convolution's input, weight and bias through `fused` and through
/// `reference` (the same operands), under a non-uniform upstream gradient (the loss
/// weighs every output differently), held to each other by `compare`.
fn assert_gradients_match(
    what: &str,
    (fused, reference): (Tensor<Ad, 4>, Tensor<Ad, 4>),
    (x, w, b): (&Tensor<Ad, 4>, &Tensor<Ad, 4>, &Tensor<Ad, 1>),
    seed: u64,
    compare: fn(&str, &[f32], &[f32]),
) {
    let upstream = random(fused.dims(), seed);
    let grads_fused = (fused * upstream.clone()).sum().backward();
    let grads_reference = (reference * upstream).sum().backward();
    for (name, fused, reference) in [
        (
            "x",
            values(x.grad(&grads_fused).unwrap()),
            values(x.grad(&grads_reference).unwrap()),
        ),
        (
            "weight",
            values(w.grad(&grads_fused).unwrap()),
            values(w.grad(&grads_reference).unwrap()),
        ),
        (
            "bias",
            values(b.grad(&grads_fused).unwrap()),
            values(b.grad(&grads_reference).unwrap()),
        ),
    ] {
        compare(&format!("case {what}: d{name}"), &fused, &reference);
    }
}

/// An upsampling by `scale` followed by the convolution `conv`, whose `size` is the
/// input's before the upsampling.
struct UpsampledCase {
    conv: Case,
    scale: [usize; 2],
}

const UPSAMPLED_CASES: [UpsampledCase; 4] = [
    // the conv autoencoder's two upsampled decoder layers
    UpsampledCase {
        conv: Case::same_3x3(3, [8, 16], 7),
        scale: [2, 2],
    },
    UpsampledCase {
        conv: Case::same_3x3(2, [16, 1], 14),
        scale: [2, 2],
    },
    // unequal scales, a 5x3 kernel, padding on one axis, 13 output channels
    UpsampledCase {
        conv: Case {
            batch: 2,
            channels: [3, 13],
            size: [5, 4],
            kernel: [5, 3],
            stride: [1, 1],
            padding: [2, 0],
            dilation: [1, 1],
        },
        scale: [3, 2],
    },
    // strided: not a direct kernel, so the upsampling is stored and im2col runs
    UpsampledCase {
        conv: Case {
            stride: [2, 1],
            ..Case::same_3x3(2, [2, 3], 4)
        },
        scale: [2, 2],
    },
];

/// `max |a - b| <= 1e-5 * max |b|`, and no longer so once one value of `a` moves by 1e-3
/// of that scale (the comparison can fail).
fn assert_close_and_sensitive(what: &str, a: &[f32], b: &[f32]) {
    assert_close(what, a, b);
    let mut moved = a.to_vec();
    let (_, scale) = difference(a, b);
    moved[a.len() / 2] += 1e-3 * scale;
    let (worst, scale) = difference(&moved, b);
    assert!(
        worst > 1e-5 * scale,
        "{what}: a perturbation went unnoticed"
    );
}

/// [`kernels::upsampled_conv2d_followed_by`] against burn's nearest interpolation, then
/// its convolution (and ReLU): the output, the gradients of the small input, the weight
/// and the bias, on `Autodiff<Flex>`; the output on `Flex`.
#[test]
fn upsampled_convolutions_match_burn() {
    for then in [FollowedBy::Nothing, FollowedBy::Relu] {
        for (index, c) in UPSAMPLED_CASES.iter().enumerate() {
            let seed = 100 + 10 * index as u64;
            let i = format!("{index} ({then:?})");
            let (x, w, b, options) = c.conv.operands(seed);
            let fused = kernels::upsampled_conv2d_followed_by(
                x.clone(),
                c.scale,
                w.clone(),
                b.clone(),
                options.clone(),
                then,
            );
            let size = [c.conv.size[0] * c.scale[0], c.conv.size[1] * c.scale[1]];
            let nearest = InterpolateOptions::new(InterpolateMode::Nearest);
            let up = interpolate(x.clone(), size, nearest);
            let conv = reference_conv2d(up, w.clone(), Some(b.clone()), options.clone());
            let reference = if then == FollowedBy::Relu {
                relu(conv)
            } else {
                conv
            };
            assert_eq!(fused.dims(), reference.dims(), "case {i}: output shape");
            assert_close_and_sensitive(
                &format!("case {i}: output"),
                &values(fused.clone()),
                &values(reference.clone()),
            );
            let plain = kernels::upsampled_conv2d_followed_by(
                x.clone().inner(),
                c.scale,
                w.clone().inner(),
                b.clone().inner(),
                options,
                then,
            );
            assert_close(
                &format!("case {i}: output on Flex"),
                &values(plain),
                &values(reference.clone()),
            );

            let operands = (&x, &w, &b);
            let compare = assert_close_and_sensitive;
            assert_gradients_match(&i, (fused, reference), operands, seed + 3, compare);
        }
    }
}

/// [`kernels::upsample_conv2d_layer`] gives the two layers' output, fused or not.
#[test]
fn upsample_conv_layer_matches_the_two_layers() {
    let device = Default::default();
    let conv = Conv2dConfig::new([4, 3], [3, 3])
        .with_padding(PaddingConfig2d::Same)
        .init::<Ad>(&device);
    let x = random([2, 4, 6, 5], 21);
    for (scale, mode) in [
        ([2.0, 2.0], NnInterpolateMode::Nearest),
        ([4.0, 1.0], NnInterpolateMode::Nearest),
        ([1.5, 2.0], NnInterpolateMode::Nearest),
        ([2.0, 2.0], NnInterpolateMode::Linear),
    ] {
        let up = Interpolate2dConfig::new()
            .with_scale_factor(Some(scale))
            .with_mode(mode.clone())
            .init();
        for then in [FollowedBy::Nothing, FollowedBy::Relu] {
            let fused = kernels::upsample_conv2d_layer(&up, &conv, x.clone(), then);
            let y = conv.forward(up.forward(x.clone()));
            let reference = if then == FollowedBy::Relu { relu(y) } else { y };
            assert_close(
                &format!("{scale:?} {mode:?} {then:?}"),
                &values(fused),
                &values(reference),
            );
        }
    }
}

#[test]
fn an_input_without_gradient_gets_none_and_parameters_still_do() {
    let x = random([2, 1, 8, 8], 1);
    let w = random([4, 1, 3, 3], 2).require_grad();
    let b = random([4], 3).require_grad();
    let y = kernels::conv2d(
        x.clone(),
        w.clone(),
        b.clone(),
        ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
    );
    let grads = y.sum().backward();
    assert!(x.grad(&grads).is_none());
    let expected_bias = 2.0 * 8.0 * 8.0;
    for v in values(b.grad(&grads).unwrap()) {
        assert!((v - expected_bias).abs() < 1e-3, "{v}");
    }
    assert!(w.grad(&grads).is_some());
}

#[test]
fn inference_backend_gives_the_same_convolution() {
    let c = &CASES[1];
    let x = random([c.batch, c.channels[0], c.size[0], c.size[1]], 7);
    let w = random([c.channels[1], c.channels[0], 3, 3], 8);
    let b = random([c.channels[1]], 9);
    let options = ConvOptions::new([1, 1], [1, 1], [1, 1], 1);
    let plain = kernels::conv2d(
        x.clone().inner(),
        w.clone().inner(),
        b.clone().inner(),
        options.clone(),
    );
    let pooled = kernels::conv2d_followed_by(
        x.clone().inner(),
        w.clone().inner(),
        b.clone().inner(),
        options.clone(),
        FollowedBy::ReluMaxPool2x2,
    );
    let reference = reference_conv2d(x.inner(), w.inner(), Some(b.inner()), options);
    assert_close("flex output", &values(plain), &values(reference.clone()));
    let reference_pooled = max_pool2d(relu(reference), [2, 2], [2, 2], [0, 0], [1, 1], false);
    assert_close(
        "flex output, ReLU and pooling",
        &values(pooled),
        &values(reference_pooled),
    );
}

#[test]
fn layer_forward_matches_the_layer_for_each_padding_rule() {
    let device = Default::default();
    for padding in [
        PaddingConfig2d::Same,
        PaddingConfig2d::Valid,
        PaddingConfig2d::Explicit(2, 1, 2, 1),
    ] {
        let layer = Conv2dConfig::new([3, 5], [3, 3])
            .with_padding(padding.clone())
            .init::<Ad>(&device);
        let x = random([2, 3, 9, 10], 4);
        assert_close(
            &format!("{padding:?}"),
            &values(kernels::conv2d_layer(&layer, x.clone())),
            &values(layer.forward(x)),
        );
    }
    // Even kernel with "same": asymmetric padding, handled by burn's own path.
    let layer = Conv2dConfig::new([2, 2], [2, 2])
        .with_padding(PaddingConfig2d::Same)
        .init::<Ad>(&device);
    let x = random([1, 2, 5, 5], 5);
    assert_close(
        "even same",
        &values(kernels::conv2d_layer(&layer, x.clone())),
        &values(layer.forward(x)),
    );
}

#[test]
fn bce_value_and_gradients_match_the_composed_loss() {
    let logits = (random([64, 784], 11) * 12.0).require_grad();
    let target = (random([64, 784], 12) * 0.5 + 0.5).require_grad();
    let fused = kernels::bce_with_logits(logits.clone(), target.clone());
    let reference = composed_bce_with_logits(logits.clone(), target.clone());
    assert_close("loss", &values(fused.clone()), &values(reference.clone()));
    let (gf, gr) = ((fused * 3.0).backward(), (reference * 3.0).backward());
    assert_close(
        "dlogits",
        &values(logits.grad(&gf).unwrap()),
        &values(logits.grad(&gr).unwrap()),
    );
    assert_close(
        "dtarget",
        &values(target.grad(&gf).unwrap()),
        &values(target.grad(&gr).unwrap()),
    );
    // Inference backend, and saturated logits stay finite and exact.
    let z = Tensor::<Flex, 2>::from_data(
        TensorData::new(vec![-80.0f32, 0.0, 90.0, 3.0], [2, 2]),
        &Default::default(),
    );
    let t = Tensor::<Flex, 2>::from_data(
        TensorData::new(vec![1.0f32, 0.5, 0.0, 1.0], [2, 2]),
        &Default::default(),
    );
    assert_close(
        "flex loss",
        &values(kernels::bce_with_logits(z.clone(), t.clone())),
        &values(composed_bce_with_logits(z, t)),
    );
}

/// A fused element-wise curve and burn's, both backends.
type CurveFn = fn(Tensor<Ad, 2>) -> Tensor<Ad, 2>;
type PlainCurveFn = fn(Tensor<Flex, 1>) -> Tensor<Flex, 1>;

#[test]
fn tanh_and_sigmoid_values_and_gradients_match_burn() {
    let curves: [(&str, [CurveFn; 2], [PlainCurveFn; 2]); 2] = [
        (
            "tanh",
            [kernels::tanh, burn::tensor::activation::tanh],
            [kernels::tanh, burn::tensor::activation::tanh],
        ),
        (
            "sigmoid",
            [kernels::sigmoid, burn::tensor::activation::sigmoid],
            [kernels::sigmoid, burn::tensor::activation::sigmoid],
        ),
    ];
    for (name, [fused_curve, reference_curve], [fused_plain, reference_plain]) in curves {
        // Wide enough to cover tanh's polynomial (|x| < 0.625), the exponential and
        // saturation; a non-contiguous (transposed) input; a weighted sum so the
        // upstream gradient varies.
        let x = (random([96, 130], 13) * 6.0).require_grad();
        let weights = random([130, 96], 14);
        let fused = fused_curve(x.clone().transpose());
        let reference = reference_curve(x.clone().transpose());
        assert_close(name, &values(fused.clone()), &values(reference.clone()));
        let (gf, gr) = (
            (fused * weights.clone()).sum().backward(),
            (reference * weights).sum().backward(),
        );
        assert_close(
            &format!("{name}: dx"),
            &values(x.grad(&gf).unwrap()),
            &values(x.grad(&gr).unwrap()),
        );
        let plain = Tensor::<Flex, 1>::from_data(
            TensorData::new(vec![-40.0f32, -0.3, 0.0, 1e-6, 0.7, 9.0], [6]),
            &Default::default(),
        );
        assert_close(
            &format!("flex {name}"),
            &values(fused_plain(plain.clone())),
            &values(reference_plain(plain)),
        );
    }
}

#[test]
fn max_pooling_values_and_gradients_match_burn() {
    for (i, (shape, window)) in [
        ([3, 16, 28, 28], [2, 2]),
        ([2, 8, 14, 14], [2, 2]),
        ([2, 3, 9, 11], [3, 2]),
        ([1, 2, 5, 5], [5, 5]),
    ]
    .into_iter()
    .enumerate()
    {
        let layer = MaxPool2dConfig::new(window).init();
        let x = random(shape, 100 + i as u64).require_grad();
        let (fused, reference) = (
            kernels::max_pool2d_layer(&layer, x.clone()),
            layer.forward(x.clone()),
        );
        assert_eq!(fused.dims(), reference.dims(), "case {i}");
        assert_close(
            &format!("pool case {i}: output"),
            &values(fused.clone()),
            &values(reference.clone()),
        );
        let upstream = random(fused.dims(), 200 + i as u64);
        let (gf, gr) = (
            (fused * upstream.clone()).sum().backward(),
            (reference * upstream).sum().backward(),
        );
        assert_close(
            &format!("pool case {i}: dx"),
            &values(x.grad(&gf).unwrap()),
            &values(x.grad(&gr).unwrap()),
        );
        let plain = kernels::max_pool2d_layer(&layer, x.clone().inner());
        assert_close(
            &format!("pool case {i}: flex"),
            &values(plain),
            &values(layer.forward(x.inner())),
        );
    }
    // Overlapping windows (stride 1) take burn's path and still agree.
    let layer = MaxPool2dConfig::new([2, 2]).with_strides([1, 1]).init();
    let x = random([1, 1, 6, 6], 300);
    assert_eq!(
        kernels::max_pool2d_layer(&layer, x.clone()).dims(),
        [1, 1, 5, 5]
    );
    assert_close(
        "overlapping",
        &values(kernels::max_pool2d_layer(&layer, x.clone())),
        &values(layer.forward(x)),
    );
}

#[test]
fn nearest_upsampling_values_and_gradients_match_burn() {
    for (i, (shape, scale)) in [
        ([3, 8, 7, 7], [2.0, 2.0]),
        ([2, 16, 14, 14], [2.0, 2.0]),
        ([2, 3, 5, 6], [4.0, 1.0]),
        // A factor of 3 takes burn's path and still agrees.
        ([1, 2, 4, 5], [3.0, 3.0]),
    ]
    .into_iter()
    .enumerate()
    {
        let layer = Interpolate2dConfig::new()
            .with_scale_factor(Some(scale))
            .with_mode(NnInterpolateMode::Nearest)
            .init();
        let x = random(shape, 300 + i as u64).require_grad();
        let (fused, reference) = (
            kernels::upsample_layer(&layer, x.clone()),
            layer.forward(x.clone()),
        );
        assert_eq!(fused.dims(), reference.dims(), "upsample case {i}");
        assert_close(
            &format!("upsample case {i}: output"),
            &values(fused.clone()),
            &values(reference.clone()),
        );
        let upstream = random(fused.dims(), 400 + i as u64);
        let (gf, gr) = (
            (fused * upstream.clone()).sum().backward(),
            (reference * upstream).sum().backward(),
        );
        assert_close(
            &format!("upsample case {i}: dx"),
            &values(x.grad(&gf).unwrap()),
            &values(x.grad(&gr).unwrap()),
        );
        assert_close(
            &format!("upsample case {i}: flex"),
            &values(kernels::upsample_layer(&layer, x.clone().inner())),
            &values(layer.forward(x.inner())),
        );
    }
}

/// [`kernels::add_in_place`] against burn's `+` on `Flex`, below and above the size from
/// which it runs in parallel chunks (the data-parallel step's gradient sums).
#[test]
fn in_place_addition_matches_burn() {
    for (len, seed) in [(1000, 31), (400 * 784 + 13, 32)] {
        let a = random([len], seed).inner();
        let b = random([len], seed + 100).inner();
        let expected = values(a.clone() + b.clone());
        let sum = values(kernels::add_in_place(a.clone(), b));
        assert_close_and_sensitive(&format!("{len} elements"), &sum, &expected);
        assert_eq!(
            sum, expected,
            "{len} elements: one addition each, the same bits"
        );
    }
}

/// [`kernels::linear_layer`] against burn's `Linear::forward`, and
/// [`kernels::activated_linear_layer`] with a ReLU against burn's `relu` of it: the output,
/// the gradients of the input, weight and bias on `Autodiff<Flex>` (each comparison shown
/// able to fail), an input that tracks no gradient, and the output on `Flex`; at the `fc`
/// model's widest layer shape and a ragged small one, with a non-contiguous (transposed)
/// input.
#[test]
fn dense_layer_values_and_gradients_match_burn() {
    use ae_models::Activation;
    use burn::module::{AutodiffModule, Module};
    use burn::nn::{Linear, LinearConfig};
    fn ours<B: Backend>(layer: &Linear<B>, relu: bool, x: Tensor<B, 2>) -> Tensor<B, 2> {
        if relu {
            kernels::activated_linear_layer(layer, Activation::Relu, x)
        } else {
            kernels::linear_layer(layer, x)
        }
    }
    fn burns<B: Backend>(layer: &Linear<B>, relu: bool, x: Tensor<B, 2>) -> Tensor<B, 2> {
        let y = layer.forward(x);
        if relu {
            burn::tensor::activation::relu(y)
        } else {
            y
        }
    }
    for ((rows, d_in, d_out), relu) in [(128, 784, 400), (7, 13, 5)]
        .into_iter()
        .flat_map(|shape| [(shape, false), (shape, true)])
    {
        let what = |part: &str| format!("dense {rows}x{d_in}x{d_out}, relu {relu}: {part}");
        let layer = LinearConfig::new(d_in, d_out).init::<Ad>(&Default::default());
        // A bias that is not zero, so a dropped bias shows.
        let layer = layer.map(&mut RandomBias);
        let x = random([d_in, rows], 21).require_grad();
        let weights = random([rows, d_out], 22);
        let fused = ours(&layer, relu, x.clone().transpose());
        let reference = burns(&layer, relu, x.clone().transpose());
        let (fused_values, reference_values) = (values(fused.clone()), values(reference.clone()));
        assert_close_and_sensitive(&what("y"), &fused_values, &reference_values);
        if relu {
            let zeros = fused_values.iter().filter(|v| **v == 0.0).count();
            assert!(
                zeros > 0 && zeros < fused_values.len(),
                "{}: the ReLU clips some outputs and not all ({zeros})",
                what("y")
            );
        }
        let (gf, gr) = (
            (fused * weights.clone()).sum().backward(),
            (reference * weights).sum().backward(),
        );
        let grad = |g: &_, t: &Tensor<Ad, 2>| values(t.grad(g).unwrap());
        assert_close_and_sensitive(&what("dx"), &grad(&gf, &x), &grad(&gr, &x));
        let weight = layer.weight.val();
        assert_close_and_sensitive(&what("dw"), &grad(&gf, &weight), &grad(&gr, &weight));
        let bias = layer.bias.as_ref().unwrap().val();
        assert_close_and_sensitive(
            &what("db"),
            &values(bias.grad(&gf).unwrap()),
            &values(bias.grad(&gr).unwrap()),
        );
        // An input without gradient (the data) gets none; the parameters still do.
        let untracked = random([rows, d_in], 23);
        let grads = ours(&layer, relu, untracked.clone()).sum().backward();
        assert!(untracked.grad(&grads).is_none());
        assert!(layer.weight.val().grad(&grads).is_some());
        let plain = layer.valid();
        let x_plain = x.inner().transpose();
        assert_close(
            &what("flex"),
            &values(ours(&plain, relu, x_plain.clone())),
            &values(burns(&plain, relu, x_plain)),
        );
    }
}

/// Gives every bias of a module values drawn uniformly from [-1, 1).
struct RandomBias;

impl burn::module::ModuleMapper<Ad> for RandomBias {
    fn map_float<const D: usize>(
        &mut self,
        param: burn::module::Param<Tensor<Ad, D>>,
    ) -> burn::module::Param<Tensor<Ad, D>> {
        if D != 1 {
            return param;
        }
        param.map(|b| {
            let drawn = random(b.dims(), 24).detach().require_grad();
            Tensor::from_data(drawn.into_data(), &b.device()).require_grad()
        })
    }
}
