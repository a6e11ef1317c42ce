//! The kernels of [`super::conv`], [`super::dense`], [`super::pool`], [`super::bce`], [`super::curve`] and
//! [`super::adam`]
//! as operations of the default backend: forward on `Flex`, forward plus a registered
//! backward step on `Autodiff<Flex>` (burn-autodiff's `Backward` extension point).
//!
//! Generic model code reaches them through [`moved`]: when the generic backend *is* one
//! of these two types ([`is_backend`], a `TypeId` comparison, no `unsafe`), the tensors
//! are moved across unchanged; any other backend keeps burn's own operations.

use std::any::Any;
use std::sync::Arc;

use burn::backend::Autodiff;
use burn::backend::Flex;
use burn::backend::autodiff::NodeId;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::NoCheckpointing;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind};
use burn::tensor::backend::Backend;
use burn::tensor::ops::FloatTensor;
use burn::tensor::{DType, Shape, Tensor, TensorData, TensorPrimitive};
use burn_flex::FlexTensor;

use super::adam::{self, AdamConstants};
use super::bce;
use super::conv::{self, ConvGeometry};
use super::curve::{self, Curve};
use super::dense::{self, DenseGeometry};
use super::elementwise;
use super::pool::{self, PoolGeometry};
use super::recycle;
use super::upsample::{self, UpsampleGeometry};

/// `Autodiff<Flex>`, the training backend these kernels serve.
pub(super) type FlexAutodiff = Autodiff<Flex>;

/// The tensor as a tensor of backend `C`.
///
/// # Panics
/// When `B` is not `C`: callers check [`is_backend`] first.
pub(super) fn moved<B: Backend, C: Backend, const D: usize>(t: Tensor<B, D>) -> Tensor<C, D> {
    let mut slot = Some(t);
    match (&mut slot as &mut dyn Any).downcast_mut::<Option<Tensor<C, D>>>() {
        Some(moved) => moved.take().expect("slot was just filled"),
        None => unreachable!("callers check is_backend::<B, C>() first"),
    }
}

/// Whether backend `B` is `C` and the fused kernels are on (see [`super::KERNELS_ENV`]).
pub(super) fn is_backend<B: Backend, C: Backend>() -> bool {
    super::choice() != super::KernelChoice::Burn
        && std::any::TypeId::of::<B>() == std::any::TypeId::of::<C>()
}

/// Records `output` in the autodiff graph as the result of `op` on `parents`; `state`
/// (what the backward step needs) is built only when some parent is tracked.
fn record<O: Backward<Flex, N>, const N: usize>(
    op: O,
    parents: [&FloatTensor<FlexAutodiff>; N],
    state: impl FnOnce() -> O::State,
    output: FlexTensor,
) -> FloatTensor<FlexAutodiff> {
    match op
        .prepare::<NoCheckpointing>(parents.map(|p| p.node.clone()))
        .compute_bound()
        .stateful()
    {
        OpsKind::Tracked(prep) => prep.finish(state(), output),
        OpsKind::UnTracked(prep) => prep.finish(output),
    }
}

fn float<B: Backend, const D: usize>(t: Tensor<B, D>) -> B::FloatTensorPrimitive {
    t.into_primitive().tensor()
}

fn from_float<B: Backend, const D: usize>(t: B::FloatTensorPrimitive) -> Tensor<B, D> {
    Tensor::from_primitive(TensorPrimitive::Float(t))
}

/// A contiguous copy (or the tensor itself when already contiguous).
fn contiguous(t: &FlexTensor) -> FlexTensor {
    t.to_contiguous()
}

/// The values of a contiguous `f32` tensor.
fn values(t: &FlexTensor) -> &[f32] {
    t.as_slice::<f32>()
        .expect("contiguous f32 tensor (dtype checked before dispatch)")
}

fn flex_tensor(values: Vec<f32>, shape: impl Into<Shape>) -> FlexTensor {
    FlexTensor::from_data(TensorData::new(values, shape.into()))
}

/// Whether every tensor is `f32` (the kernels' only element type).
pub(super) fn all_f32(dtypes: &[DType]) -> bool {
    dtypes.iter().all(|d| *d == DType::F32)
}

// ---------------------------------------------------------------- convolution

/// Saved for the backward step: the contiguous input (before its upsampling by `scale`)
/// and weight, and for a fused ReLU its output (which shares the output's buffer).
#[derive(Debug, Clone)]
struct ConvState {
    x: FlexTensor,
    scale: [usize; 2],
    weight: FlexTensor,
    geometry: ConvGeometry,
    relu_output: Option<FlexTensor>,
}

#[derive(Debug)]
struct ConvBackward;

impl Backward<Flex, 3> for ConvBackward {
    type State = ConvState;

    fn backward(
        self,
        ops: Ops<ConvState, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let parents = ops.parents.map(|node| node.map(|node| node.id));
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        let ConvState {
            x,
            scale,
            weight,
            geometry,
            relu_output,
        } = ops.state;
        let g = conv::upsampled_backward(
            &geometry,
            values(&x),
            scale,
            values(&weight),
            values(&dy),
            relu_output.as_ref().map(values),
            parents[0].is_some(),
        );
        register_conv_grads(grads, parents, g, &x, &weight, &geometry);
    }
}

/// Registers a convolution's gradients for the parents that track them.
fn register_conv_grads(
    grads: &mut Gradients,
    [node_x, node_weight, node_bias]: [Option<NodeId>; 3],
    g: conv::ConvGrads,
    x: &FlexTensor,
    weight: &FlexTensor,
    geometry: &ConvGeometry,
) {
    if let (Some(node), Some(dx)) = (node_x, g.x) {
        grads.register::<Flex>(node, flex_tensor(dx, x.layout().shape().clone()));
    }
    if let Some(node) = node_weight {
        grads.register::<Flex>(node, flex_tensor(g.weight, weight.layout().shape().clone()));
    }
    if let Some(node) = node_bias {
        grads.register::<Flex>(node, flex_tensor(g.bias, [geometry.out_channels]));
    }
}

/// The convolution of `x` upsampled by `scale` (see [`conv::upsampled_forward`]).
fn conv_forward(
    geometry: &ConvGeometry,
    (x, scale): (&FlexTensor, [usize; 2]),
    weight: &FlexTensor,
    bias: &FlexTensor,
    relu: bool,
) -> FlexTensor {
    let (y, out) = conv::upsampled_forward(
        geometry,
        values(x),
        scale,
        values(weight),
        Some(values(bias)),
        relu,
    );
    flex_tensor(y, [geometry.batch, geometry.out_channels, out[0], out[1]])
}

/// Convolution with bias of `x` upsampled by `scale` (`[1, 1]`: `x` itself), then a ReLU
/// when `relu`, on `Autodiff<Flex>`: one graph node.
pub(super) fn conv2d_autodiff(
    geometry: &ConvGeometry,
    (x, scale): (Tensor<FlexAutodiff, 4>, [usize; 2]),
    weight: Tensor<FlexAutodiff, 4>,
    bias: Tensor<FlexAutodiff, 1>,
    relu: bool,
) -> Tensor<FlexAutodiff, 4> {
    let (x, weight, bias) = (float(x), float(weight), float(bias));
    let (x_values, w_values) = (contiguous(&x.primitive), contiguous(&weight.primitive));
    let y = conv_forward(
        geometry,
        (&x_values, scale),
        &w_values,
        &contiguous(&bias.primitive),
        relu,
    );
    let relu_output = relu.then(|| y.clone());
    let state = || ConvState {
        x: x_values,
        scale,
        weight: w_values,
        geometry: *geometry,
        relu_output,
    };
    from_float(record(ConvBackward, [&x, &weight, &bias], state, y))
}

/// [`conv2d_autodiff`] on `Flex` (inference).
pub(super) fn conv2d_plain(
    geometry: &ConvGeometry,
    (x, scale): (Tensor<Flex, 4>, [usize; 2]),
    weight: Tensor<Flex, 4>,
    bias: Tensor<Flex, 1>,
    relu: bool,
) -> Tensor<Flex, 4> {
    let (x, weight, bias) = (float(x), float(weight), float(bias));
    from_float(conv_forward(
        geometry,
        (&contiguous(&x), scale),
        &contiguous(&weight),
        &contiguous(&bias),
        relu,
    ))
}

// ---------------------------------------------------------------- dense layer

/// Saved for the backward step: the contiguous input and weight, and for a fused ReLU
/// its output (which shares the output's buffer).
#[derive(Debug, Clone)]
struct DenseState {
    x: FlexTensor,
    weight: FlexTensor,
    geometry: DenseGeometry,
    relu_output: Option<FlexTensor>,
}

#[derive(Debug)]
struct DenseBackward;

impl Backward<Flex, 3> for DenseBackward {
    type State = DenseState;

    fn backward(
        self,
        ops: Ops<DenseState, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x, node_weight, node_bias] = ops.parents.map(|node| node.map(|node| node.id));
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        let DenseState {
            x,
            weight,
            geometry: g,
            relu_output,
        } = ops.state;
        let wanted = dense::Wanted {
            x: node_x.is_some(),
            w: node_weight.is_some(),
            b: node_bias.is_some(),
        };
        let computed = dense::backward(
            g,
            values(&x),
            values(&weight),
            values(&dy),
            relu_output.as_ref().map(values),
            wanted,
        );
        for (node, grad, shape) in [
            (node_x, computed.x, [g.rows, g.d_in]),
            (node_weight, computed.w, [g.d_in, g.d_out]),
        ] {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<Flex>(node, flex_tensor(grad, shape));
            }
        }
        if let (Some(node), Some(grad)) = (node_bias, computed.b) {
            grads.register::<Flex>(node, flex_tensor(grad, [g.d_out]));
        }
    }
}

/// `x w + b`, then a ReLU when `relu`, on contiguous tensors.
fn dense_forward(
    g: DenseGeometry,
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
    relu: bool,
) -> FlexTensor {
    let y = dense::forward(g, values(x), values(weight), values(bias), relu);
    flex_tensor(y, [g.rows, g.d_out])
}

/// A dense layer `x w + b`, then a ReLU when `relu`, on `Autodiff<Flex>`: one graph node.
pub(super) fn dense_autodiff(
    g: DenseGeometry,
    x: Tensor<FlexAutodiff, 2>,
    weight: Tensor<FlexAutodiff, 2>,
    bias: Tensor<FlexAutodiff, 1>,
    relu: bool,
) -> Tensor<FlexAutodiff, 2> {
    let (x, weight, bias) = (float(x), float(weight), float(bias));
    let (x_values, w_values) = (contiguous(&x.primitive), contiguous(&weight.primitive));
    let y = dense_forward(g, &x_values, &w_values, &contiguous(&bias.primitive), relu);
    let relu_output = relu.then(|| y.clone());
    let state = || DenseState {
        x: x_values,
        weight: w_values,
        geometry: g,
        relu_output,
    };
    from_float(record(DenseBackward, [&x, &weight, &bias], state, y))
}

/// [`dense_autodiff`] on `Flex` (inference).
pub(super) fn dense_plain(
    g: DenseGeometry,
    x: Tensor<Flex, 2>,
    weight: Tensor<Flex, 2>,
    bias: Tensor<Flex, 1>,
    relu: bool,
) -> Tensor<Flex, 2> {
    let (x, weight, bias) = (float(x), float(weight), float(bias));
    from_float(dense_forward(
        g,
        &contiguous(&x),
        &contiguous(&weight),
        &contiguous(&bias),
        relu,
    ))
}

// ------------------------------------------- convolution, ReLU and max pooling

/// Saved for the backward step: the contiguous input and weight, the pooled output (the
/// ReLU's gate at each winner) and the winners.
#[derive(Debug, Clone)]
struct ConvPoolState {
    x: FlexTensor,
    weight: FlexTensor,
    geometry: ConvGeometry,
    pooled: FlexTensor,
    argmax: Arc<Vec<u32>>,
}

#[derive(Debug)]
struct ConvReluPoolBackward;

impl Backward<Flex, 3> for ConvReluPoolBackward {
    type State = ConvPoolState;

    fn backward(
        self,
        ops: Ops<ConvPoolState, 3>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let parents = ops.parents.map(|node| node.map(|node| node.id));
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        let ConvPoolState {
            x,
            weight,
            geometry,
            pooled,
            argmax,
        } = ops.state;
        let g = conv::relu_pool_backward(
            &geometry,
            values(&x),
            values(&weight),
            values(&dy),
            values(&pooled),
            &argmax,
            parents[0].is_some(),
        );
        register_conv_grads(grads, parents, g, &x, &weight, &geometry);
    }
}

/// [`conv::forward_relu_pool`] as a tensor, with its winners.
fn conv_relu_pool_forward(
    geometry: &ConvGeometry,
    x: &FlexTensor,
    weight: &FlexTensor,
    bias: &FlexTensor,
) -> (FlexTensor, Vec<u32>) {
    let (pooled, argmax, [ph, pw]) =
        conv::forward_relu_pool(geometry, values(x), values(weight), values(bias));
    let shape = [geometry.batch, geometry.out_channels, ph, pw];
    (flex_tensor(pooled, shape), argmax)
}

/// Convolution with bias, ReLU and 2x2 max pooling on `Autodiff<Flex>`: one graph node.
pub(super) fn conv2d_relu_pool_autodiff(
    geometry: &ConvGeometry,
    x: Tensor<FlexAutodiff, 4>,
    weight: Tensor<FlexAutodiff, 4>,
    bias: Tensor<FlexAutodiff, 1>,
) -> Tensor<FlexAutodiff, 4> {
    let (x, weight, bias) = (float(x), float(weight), float(bias));
    let (x_values, w_values) = (contiguous(&x.primitive), contiguous(&weight.primitive));
    let (y, argmax) =
        conv_relu_pool_forward(geometry, &x_values, &w_values, &contiguous(&bias.primitive));
    let pooled = y.clone();
    let state = || ConvPoolState {
        x: x_values,
        weight: w_values,
        geometry: *geometry,
        pooled,
        argmax: Arc::new(argmax),
    };
    from_float(record(ConvReluPoolBackward, [&x, &weight, &bias], state, y))
}

/// Convolution with bias, ReLU and 2x2 max pooling on `Flex` (inference).
pub(super) fn conv2d_relu_pool_plain(
    geometry: &ConvGeometry,
    x: Tensor<Flex, 4>,
    weight: Tensor<Flex, 4>,
    bias: Tensor<Flex, 1>,
) -> Tensor<Flex, 4> {
    let (x, weight, bias) = (float(x), float(weight), float(bias));
    let (y, _) = conv_relu_pool_forward(
        geometry,
        &contiguous(&x),
        &contiguous(&weight),
        &contiguous(&bias),
    );
    from_float(y)
}

// ---------------------------------------------------------------- max pooling

#[derive(Debug, Clone)]
struct PoolState {
    argmax: Arc<Vec<u32>>,
    geometry: PoolGeometry,
    input_shape: Shape,
}

#[derive(Debug)]
struct PoolBackward;

impl Backward<Flex, 1> for PoolBackward {
    type State = PoolState;

    fn backward(
        self,
        ops: Ops<PoolState, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x] = ops.parents;
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        if let Some(node) = node_x {
            let PoolState {
                argmax,
                geometry,
                input_shape,
            } = ops.state;
            grads.register::<Flex>(
                node.id,
                flex_tensor(pool::backward(&geometry, &argmax, values(&dy)), input_shape),
            );
        }
    }
}

fn pool_output(geometry: &PoolGeometry, x: &FlexTensor, out: Vec<f32>) -> FlexTensor {
    let dims = x.layout().shape().clone();
    let [oh, ow] = geometry
        .out_size()
        .expect("pool geometry checked by the caller");
    flex_tensor(out, [dims[0], dims[1], oh, ow])
}

/// Max pooling on `Autodiff<Flex>`.
pub(super) fn max_pool2d_autodiff(
    geometry: &PoolGeometry,
    x: Tensor<FlexAutodiff, 4>,
) -> Tensor<FlexAutodiff, 4> {
    let x = float(x);
    let input = contiguous(&x.primitive);
    let (out, argmax) = pool::forward(geometry, values(&input));
    let y = pool_output(geometry, &input, out);
    let state = || PoolState {
        argmax: Arc::new(argmax),
        geometry: *geometry,
        input_shape: input.layout().shape().clone(),
    };
    from_float(record(PoolBackward, [&x], state, y))
}

/// Max pooling on `Flex` (inference).
pub(super) fn max_pool2d_plain(geometry: &PoolGeometry, x: Tensor<Flex, 4>) -> Tensor<Flex, 4> {
    let input = contiguous(&float(x));
    let (out, _) = pool::forward(geometry, values(&input));
    from_float(pool_output(geometry, &input, out))
}

// ----------------------------------------------------------------- upsampling

#[derive(Debug)]
struct UpsampleBackward;

impl Backward<Flex, 1> for UpsampleBackward {
    type State = UpsampleGeometry;

    fn backward(
        self,
        ops: Ops<UpsampleGeometry, 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x] = ops.parents;
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        if let Some(node) = node_x {
            let g = ops.state;
            let dims = dy.layout().shape().clone();
            let shape = [dims[0], dims[1], g.in_size[0], g.in_size[1]];
            grads.register::<Flex>(
                node.id,
                flex_tensor(upsample::backward(&g, values(&dy)), shape),
            );
        }
    }
}

fn upsample_forward(geometry: &UpsampleGeometry, x: &FlexTensor) -> FlexTensor {
    let x = contiguous(x);
    let dims = x.layout().shape().clone();
    let [oh, ow] = geometry.out_size();
    flex_tensor(
        upsample::forward(geometry, values(&x)),
        [dims[0], dims[1], oh, ow],
    )
}

/// Nearest upsampling on `Autodiff<Flex>`.
pub(super) fn upsample_autodiff(
    geometry: &UpsampleGeometry,
    x: Tensor<FlexAutodiff, 4>,
) -> Tensor<FlexAutodiff, 4> {
    let x = float(x);
    let y = upsample_forward(geometry, &x.primitive);
    from_float(record(UpsampleBackward, [&x], || *geometry, y))
}

/// Nearest upsampling on `Flex` (inference).
pub(super) fn upsample_plain(geometry: &UpsampleGeometry, x: Tensor<Flex, 4>) -> Tensor<Flex, 4> {
    from_float(upsample_forward(geometry, &float(x)))
}

// ------------------------------------------------------ binary cross-entropy

#[derive(Debug, Clone)]
struct BceState {
    logits: FlexTensor,
    target: FlexTensor,
}

#[derive(Debug)]
struct BceBackward;

impl Backward<Flex, 2> for BceBackward {
    type State = BceState;

    fn backward(
        self,
        ops: Ops<BceState, 2>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_logits, node_target] = ops.parents;
        let upstream = contiguous(&grads.consume::<Flex>(&ops.node));
        let BceState { logits, target } = ops.state;
        let (z, t) = (values(&logits), values(&target));
        // d mean / d element = upstream / n
        let scale = values(&upstream).first().copied().unwrap_or(0.0) / z.len().max(1) as f32;
        if let Some(node) = node_logits {
            grads.register::<Flex>(
                node.id,
                flex_tensor(
                    bce::logits_grad(z, t, scale),
                    logits.layout().shape().clone(),
                ),
            );
        }
        if let Some(node) = node_target {
            grads.register::<Flex>(
                node.id,
                flex_tensor(bce::target_grad(z, scale), target.layout().shape().clone()),
            );
        }
    }
}

/// Mean BCE from logits on `Autodiff<Flex>`.
pub(super) fn bce_autodiff<const D: usize>(
    logits: Tensor<FlexAutodiff, D>,
    target: Tensor<FlexAutodiff, D>,
) -> Tensor<FlexAutodiff, 1> {
    let (logits, target) = (float(logits), float(target));
    let (z, t) = (contiguous(&logits.primitive), contiguous(&target.primitive));
    let loss = bce_loss(&z, &t);
    from_float(record(
        BceBackward,
        [&logits, &target],
        || BceState {
            logits: z,
            target: t,
        },
        loss,
    ))
}

/// Mean BCE from logits on `Flex` (evaluation).
pub(super) fn bce_plain<const D: usize>(
    logits: Tensor<Flex, D>,
    target: Tensor<Flex, D>,
) -> Tensor<Flex, 1> {
    let (z, t) = (contiguous(&float(logits)), contiguous(&float(target)));
    from_float(bce_loss(&z, &t))
}

/// The mean loss as a one-element tensor.
fn bce_loss(logits: &FlexTensor, target: &FlexTensor) -> FlexTensor {
    flex_tensor(vec![bce::mean_loss(values(logits), values(target))], [1])
}

// ------------------------------------------------------------- tanh, sigmoid

#[derive(Debug)]
struct CurveBackward;

impl Backward<Flex, 1> for CurveBackward {
    /// The forward output and the curve.
    type State = (FlexTensor, Curve);

    fn backward(
        self,
        ops: Ops<(FlexTensor, Curve), 1>,
        grads: &mut Gradients,
        _checkpointer: &mut Checkpointer,
    ) {
        let [node_x] = ops.parents;
        let dy = contiguous(&grads.consume::<Flex>(&ops.node));
        if let Some(node) = node_x {
            let (y, curve) = ops.state;
            grads.register::<Flex>(
                node.id,
                flex_tensor(
                    curve::backward(values(&y), values(&dy), curve),
                    y.layout().shape().clone(),
                ),
            );
        }
    }
}

fn curve_forward(x: &FlexTensor, curve: Curve) -> FlexTensor {
    let x = contiguous(x);
    flex_tensor(
        curve::forward(values(&x), curve),
        x.layout().shape().clone(),
    )
}

/// `tanh` or `sigmoid` on `Autodiff<Flex>`.
pub(super) fn curve_autodiff<const D: usize>(
    x: Tensor<FlexAutodiff, D>,
    curve: Curve,
) -> Tensor<FlexAutodiff, D> {
    let x = float(x);
    let y = curve_forward(&x.primitive, curve);
    // The state shares the output's buffer (a reference count, no copy).
    let state = (y.clone(), curve);
    from_float(record(CurveBackward, [&x], || state, y))
}

/// `tanh` or `sigmoid` on `Flex` (inference).
pub(super) fn curve_plain<const D: usize>(x: Tensor<Flex, D>, curve: Curve) -> Tensor<Flex, D> {
    from_float(curve_forward(&float(x), curve))
}

// ----------------------------------------------------------------------- Adam

/// The tensor's values, contiguous and owned by it alone, for in-place updates.
fn unique_contiguous(t: FlexTensor) -> FlexTensor {
    // `to_contiguous` returns another handle to the same buffer when `t` is contiguous
    // already: drop `t`'s own handle, or the buffer always looks shared (every Adam step
    // copied every parameter and both moments).
    let mut t = {
        let contiguous = t.to_contiguous();
        drop(t);
        contiguous
    };
    if t.try_storage_mut::<f32>().is_none() {
        // Shared buffer: copy once so the update does not touch another tensor.
        t = flex_tensor(values(&t).to_vec(), t.layout().shape().clone());
    }
    t
}

/// `into + from`, written into `into`'s buffer when `into` holds it alone.
pub(super) fn add_in_place<const D: usize>(
    into: Tensor<Flex, D>,
    from: Tensor<Flex, D>,
) -> Tensor<Flex, D> {
    let from = contiguous(&float(from));
    let mut into = unique_contiguous(float(into));
    elementwise::add_assign(into.storage_mut::<f32>(), values(&from));
    give_back(from);
    from_float(into)
}

/// Hands a used gradient's buffer to [`recycle`] when no other tensor holds it and it
/// can be taken out without a copy.
fn give_back(grad: FlexTensor) {
    let whole = grad.is_contiguous()
        && grad.layout().start_offset() == 0
        && grad.bytes().len() == grad.layout().num_elements() * size_of::<f32>();
    if grad.dtype() != DType::F32 || !grad.is_unique() || !whole {
        return;
    }
    if let Ok(buffer) = grad.into_data().bytes.try_into_vec::<f32>() {
        recycle::give_back(buffer);
    }
}

/// One in-place Adam step on `Flex` tensors for the gradient `grad` (plus `other`, when
/// given, added in the same pass); returns the parameter and the moments.
#[allow(clippy::too_many_arguments)]
pub(super) fn adam_step<const D: usize>(
    constants: AdamConstants,
    lr: f32,
    time: usize,
    param: Tensor<Flex, D>,
    grad: Tensor<Flex, D>,
    other: Option<Tensor<Flex, D>>,
    moment_1: Tensor<Flex, D>,
    moment_2: Tensor<Flex, D>,
) -> (Tensor<Flex, D>, Tensor<Flex, D>, Tensor<Flex, D>) {
    let grad = contiguous(&float(grad));
    let other = other.map(|other| contiguous(&float(other)));
    let (mut x, mut m, mut v) = (
        unique_contiguous(float(param)),
        unique_contiguous(float(moment_1)),
        unique_contiguous(float(moment_2)),
    );
    let time = i32::try_from(time).unwrap_or(i32::MAX);
    adam::step(
        constants,
        lr,
        time,
        [
            x.storage_mut::<f32>(),
            m.storage_mut::<f32>(),
            v.storage_mut::<f32>(),
        ],
        values(&grad),
        other.as_ref().map(values),
    );
    give_back(grad);
    if let Some(other) = other {
        give_back(other);
    }
    (from_float(x), from_float(m), from_float(v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tensor(value: f32) -> (Tensor<Flex, 1>, *const u8) {
        let t = flex_tensor(vec![value; 64], [64]);
        let at = t.bytes().as_ptr();
        (from_float(t), at)
    }

    fn buffer(t: Tensor<Flex, 1>) -> *const u8 {
        float(t).bytes().as_ptr()
    }

    #[test]
    fn the_adam_step_updates_unshared_buffers_in_place() {
        let constants = AdamConstants {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        };
        let ((param, p_at), (m, m_at), (v, v_at)) = (tensor(1.0), tensor(0.0), tensor(0.0));
        let (grad, _) = tensor(0.5);
        let (param, m, v) = adam_step(constants, 1e-3, 1, param, grad, None, m, v);
        assert_eq!([buffer(param), buffer(m), buffer(v)], [p_at, m_at, v_at]);
    }

    #[test]
    fn gradients_are_added_in_place_unless_the_buffer_is_shared() {
        let ((into, into_at), (from, _)) = (tensor(1.5), tensor(0.25));
        let sum = add_in_place(into, from.clone());
        assert_eq!(float(sum.clone()).bytes().as_ptr(), into_at);
        assert_eq!(sum.into_data().to_vec::<f32>().ok(), Some(vec![1.75; 64]));

        let (shared, _) = tensor(1.0);
        let sum = add_in_place(shared.clone(), from);
        assert_eq!(sum.into_data().to_vec::<f32>().ok(), Some(vec![1.25; 64]));
        assert_eq!(shared.into_data().to_vec::<f32>().ok(), Some(vec![1.0; 64]));
    }
}
