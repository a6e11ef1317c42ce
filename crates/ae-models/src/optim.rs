//! Optimizers: Adam, SGD with momentum and RMSprop from burn, plus Adadelta (which
//! burn lacks), all behind one [`OptimizerKind`] so the training loop has one type.

use burn::module::AutodiffModule;
use burn::optim::adaptor::OptimizerAdaptor;
use burn::optim::momentum::MomentumConfig;
use burn::optim::{
    Adam, AdamConfig, AdamState, AdaptiveMomentumState, LearningRate, RmsProp, RmsPropConfig,
    RmsPropState, Sgd, SgdConfig, SgdState, SimpleOptimizer,
};
use burn::record::Record;
use burn::tensor::backend::{AutodiffBackend, Backend};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

use crate::kernels::{self, adam::AdamConstants};

/// The optimizers the toolkit offers, with their hyper-parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "name", rename_all = "lowercase")]
pub enum OptimizerKind {
    /// Adam (Keras defaults: beta1 0.9, beta2 0.999, epsilon 1e-7).
    Adam,
    /// SGD with (optional) momentum.
    Sgd {
        /// Momentum factor (0 = plain SGD).
        momentum: f64,
    },
    /// RMSprop (Keras defaults: rho 0.9, epsilon 1e-7).
    RmsProp,
    /// Adadelta (Keras 2 defaults: rho 0.95, epsilon 1e-7).
    Adadelta,
}

impl std::str::FromStr for OptimizerKind {
    type Err = crate::error::ModelError;

    /// `adam`, `adadelta`, `sgd` or `rmsprop`, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        OptimizerKind::parse(name).ok_or_else(|| {
            crate::error::ModelError::invalid(
                "optimizer",
                format!("unknown optimizer `{name}` (expected adam, adadelta, sgd or rmsprop)"),
            )
        })
    }
}

impl OptimizerKind {
    /// Parses `adam`, `sgd`, `rmsprop`, `adadelta`.
    pub fn parse(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "adam" => Some(OptimizerKind::Adam),
            "sgd" => Some(OptimizerKind::Sgd { momentum: 0.9 }),
            "rmsprop" => Some(OptimizerKind::RmsProp),
            "adadelta" => Some(OptimizerKind::Adadelta),
            _ => None,
        }
    }

    /// Name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            OptimizerKind::Adam => "adam",
            OptimizerKind::Sgd { .. } => "sgd",
            OptimizerKind::RmsProp => "rmsprop",
            OptimizerKind::Adadelta => "adadelta",
        }
    }

    /// Default learning rate. Adadelta's is 1.0, as in Keras 2 which the seeds used
    /// (Keras 3 changed it to 0.001, under which Adadelta barely moves in 50 epochs).
    pub fn default_learning_rate(self) -> f64 {
        match self {
            OptimizerKind::Adam | OptimizerKind::RmsProp => 1e-3,
            OptimizerKind::Sgd { .. } => 1e-2,
            OptimizerKind::Adadelta => 1.0,
        }
    }

    /// The optimizer, on the inner (non-autodiff) backend of `B`.
    pub fn build<B: Backend>(self) -> AnyOptimizer<B> {
        match self {
            OptimizerKind::Adam => AnyOptimizer::Adam(KerasAdam::default()),
            OptimizerKind::Sgd { momentum } => {
                let momentum = (momentum > 0.0).then(|| {
                    MomentumConfig::new()
                        .with_momentum(momentum)
                        .with_dampening(0.0)
                });
                AnyOptimizer::Sgd(SgdConfig::new().with_momentum(momentum).build())
            }
            OptimizerKind::RmsProp => AnyOptimizer::RmsProp(
                RmsPropConfig::new()
                    .with_alpha(0.9)
                    .with_epsilon(1e-7)
                    .with_momentum(0.0)
                    .build(),
            ),
            OptimizerKind::Adadelta => AnyOptimizer::Adadelta(Adadelta::default()),
        }
    }

    /// The optimizer adapted to module `M` (what the training loop steps).
    pub fn init<B: AutodiffBackend, M: AutodiffModule<B>>(
        self,
    ) -> OptimizerAdaptor<AnyOptimizer<B::InnerBackend>, M, B> {
        OptimizerAdaptor::from(self.build::<B::InnerBackend>())
    }
}

/// Adadelta (Zeiler 2012) as Keras 2 implements it:
/// `E[g^2] = rho E[g^2] + (1 - rho) g^2`,
/// `dx = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g`,
/// `E[dx^2] = rho E[dx^2] + (1 - rho) dx^2`, `x = x - lr * dx`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Adadelta {
    /// Decay of the running averages.
    pub rho: f64,
    /// Conditioning constant.
    pub epsilon: f64,
}

impl Default for Adadelta {
    fn default() -> Self {
        Adadelta {
            rho: 0.95,
            epsilon: 1e-7,
        }
    }
}

/// Running averages of Adadelta for one parameter tensor.
#[derive(Record, Clone)]
pub struct AdadeltaState<B: Backend, const D: usize> {
    /// `E[g^2]`.
    pub square_grad: Tensor<B, D>,
    /// `E[dx^2]`.
    pub square_update: Tensor<B, D>,
}

impl<B: Backend> SimpleOptimizer<B> for Adadelta {
    type State<const D: usize> = AdadeltaState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let (square_grad, square_update) = match state {
            Some(s) => (s.square_grad, s.square_update),
            None => (grad.zeros_like(), grad.zeros_like()),
        };
        let square_grad = square_grad * self.rho + grad.clone().square() * (1.0 - self.rho);
        let update = (square_update.clone() + self.epsilon).sqrt()
            / (square_grad.clone() + self.epsilon).sqrt()
            * grad;
        let square_update = square_update * self.rho + update.clone().square() * (1.0 - self.rho);
        (
            tensor - update * lr,
            Some(AdadeltaState {
                square_grad,
                square_update,
            }),
        )
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device<B>) -> Self::State<D> {
        AdadeltaState {
            square_grad: state.square_grad.to_device(device),
            square_update: state.square_update.to_device(device),
        }
    }
}

/// Adam with Keras' defaults (beta1 0.9, beta2 0.999, epsilon 1e-7): burn's Adam, whose
/// state (and so checkpoint) it shares, with the whole step fused into one in-place pass
/// on the Flex backend (the crate's fused Adam kernel: burn's arithmetic bit for bit,
/// except that subnormal moments are stored as zero).
#[derive(Clone)]
pub struct KerasAdam {
    constants: AdamConstants,
    reference: Adam,
}

impl Default for KerasAdam {
    fn default() -> Self {
        let constants = AdamConstants {
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-7,
        };
        let reference = AdamConfig::new()
            .with_beta_1(constants.beta_1)
            .with_beta_2(constants.beta_2)
            .with_epsilon(constants.epsilon)
            .build();
        KerasAdam {
            constants,
            reference,
        }
    }
}

impl KerasAdam {
    /// The step for `grad` (plus `other`, added inside the pass): fused on Flex, burn's
    /// Adam otherwise.
    fn step_fused<B: Backend, const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        (grad, other): (Tensor<B, D>, Option<Tensor<B, D>>),
        state: Option<AdamState<B, D>>,
    ) -> (Tensor<B, D>, Option<AdamState<B, D>>) {
        // AMSGrad state (never created here) would need burn's path.
        let plain_state = state
            .as_ref()
            .is_none_or(|s| s.momentum.max_moment_2.is_none());
        let fused = plain_state
            && kernels::fused_adam_applies(&tensor, &grad)
            && other
                .as_ref()
                .is_none_or(|other| kernels::fused_adam_applies(&tensor, other));
        if !fused {
            let grad = match other {
                Some(other) => kernels::add_in_place(grad, other),
                None => grad,
            };
            return self.reference.step(lr, tensor, grad, state);
        }
        let moments = state.map(|s| (s.momentum.time, s.momentum.moment_1, s.momentum.moment_2));
        let (tensor, (time, moment_1, moment_2)) =
            kernels::adam_step(self.constants, lr, tensor, (grad, other), moments);
        let momentum = AdaptiveMomentumState {
            time,
            moment_1,
            moment_2,
            max_moment_2: None,
        };
        (tensor, Some(AdamState { momentum }))
    }
}

impl<B: Backend> SimpleOptimizer<B> for KerasAdam {
    type State<const D: usize> = AdamState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        self.step_fused(lr, tensor, (grad, None), state)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device<B>) -> Self::State<D> {
        <Adam as SimpleOptimizer<B>>::to_device(state, device)
    }
}

/// A simple optimizer that can step a parameter with the sum of two gradients (two
/// data-parallel shards'), as stepping with `grad + other` would.
pub trait SummedStep<B: Backend>: SimpleOptimizer<B> {
    /// [`SimpleOptimizer::step`] with the gradient `grad + other`; by default the two are
    /// added in place first.
    fn step_summed<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        (grad, other): (Tensor<B, D>, Tensor<B, D>),
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        self.step(lr, tensor, kernels::add_in_place(grad, other), state)
    }
}

impl<B: Backend> SummedStep<B> for Adadelta {}

impl<B: Backend> SummedStep<B> for KerasAdam {
    /// On Flex, the sum is added inside the fused Adam pass, so it is never written out:
    /// the same bits as adding first.
    fn step_summed<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        (grad, other): (Tensor<B, D>, Tensor<B, D>),
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        self.step_fused(lr, tensor, (grad, Some(other)), state)
    }
}

/// One optimizer type for the training loop, whichever the config picks.
#[derive(Clone)]
pub enum AnyOptimizer<B: Backend> {
    /// Adam (burn's, fused on Flex).
    Adam(KerasAdam),
    /// burn's SGD.
    Sgd(Sgd<B>),
    /// burn's RMSprop.
    RmsProp(RmsProp),
    /// Our Adadelta.
    Adadelta(Adadelta),
}

/// State of [`AnyOptimizer`] for one parameter tensor.
#[derive(Record, Clone)]
pub enum AnyOptimizerState<B: Backend, const D: usize> {
    /// Adam's moments.
    Adam(AdamState<B, D>),
    /// SGD's momentum.
    Sgd(SgdState<B, D>),
    /// RMSprop's averages.
    RmsProp(RmsPropState<B, D>),
    /// Adadelta's averages.
    Adadelta(AdadeltaState<B, D>),
}

macro_rules! dispatch_step {
    ($self:ident, $lr:ident, $tensor:ident, $grad:ident, $state:ident; $($variant:ident),*) => {
        match $self {
            $(AnyOptimizer::$variant(o) => {
                let state = match $state {
                    Some(AnyOptimizerState::$variant(s)) => Some(s),
                    _ => None,
                };
                let (t, s) = o.step($lr, $tensor, $grad, state);
                (t, s.map(AnyOptimizerState::$variant))
            })*
        }
    };
}

impl<B: Backend> SimpleOptimizer<B> for AnyOptimizer<B> {
    type State<const D: usize> = AnyOptimizerState<B, D>;

    fn step<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grad: Tensor<B, D>,
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        dispatch_step!(self, lr, tensor, grad, state; Adam, Sgd, RmsProp, Adadelta)
    }

    fn to_device<const D: usize>(state: Self::State<D>, device: &Device<B>) -> Self::State<D> {
        match state {
            AnyOptimizerState::Adam(s) => {
                AnyOptimizerState::Adam(<KerasAdam as SimpleOptimizer<B>>::to_device(s, device))
            }
            AnyOptimizerState::Sgd(s) => {
                AnyOptimizerState::Sgd(<Sgd<B> as SimpleOptimizer<B>>::to_device(s, device))
            }
            AnyOptimizerState::RmsProp(s) => {
                AnyOptimizerState::RmsProp(<RmsProp as SimpleOptimizer<B>>::to_device(s, device))
            }
            AnyOptimizerState::Adadelta(s) => {
                AnyOptimizerState::Adadelta(<Adadelta as SimpleOptimizer<B>>::to_device(s, device))
            }
        }
    }
}

impl<B: Backend> SummedStep<B> for AnyOptimizer<B> {
    fn step_summed<const D: usize>(
        &self,
        lr: LearningRate,
        tensor: Tensor<B, D>,
        grads: (Tensor<B, D>, Tensor<B, D>),
        state: Option<Self::State<D>>,
    ) -> (Tensor<B, D>, Option<Self::State<D>>) {
        let AnyOptimizer::Adam(adam) = self else {
            let (grad, other) = grads;
            return self.step(lr, tensor, kernels::add_in_place(grad, other), state);
        };
        // Another kind's state starts Adam afresh, as `step` does.
        let state = match state {
            Some(AnyOptimizerState::Adam(state)) => Some(state),
            _ => None,
        };
        let (tensor, state) = adam.step_summed(lr, tensor, grads, state);
        (tensor, state.map(AnyOptimizerState::Adam))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::tensor::TensorData;

    fn t(v: &[f32]) -> Tensor<Flex, 1> {
        Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), &Default::default())
    }

    fn values(x: Tensor<Flex, 1>) -> Vec<f32> {
        x.into_data().to_vec::<f32>().unwrap()
    }

    #[test]
    fn adadelta_matches_hand_computed_steps() {
        let opt = Adadelta::default();
        let (rho, eps, lr) = (0.95f64, 1e-7f64, 1.0f64);
        // Reference computed step by step in f64.
        let (mut x, mut eg, mut edx) = (1.0f64, 0.0f64, 0.0f64);
        let grads = [0.5f64, -0.25, 0.125];
        // First step: sqrt(eps) / sqrt((1 - rho) g^2) * g ~ 1.41e-3 (Adadelta starts slow).
        let first = eps.sqrt() / ((1.0 - rho) * 0.25f64).sqrt() * 0.5;
        assert!((first - 1.414e-3).abs() < 1e-5);
        let mut tensor = t(&[1.0]);
        let mut state = None;
        for g in grads {
            eg = rho * eg + (1.0 - rho) * g * g;
            let dx = (edx + eps).sqrt() / (eg + eps).sqrt() * g;
            edx = rho * edx + (1.0 - rho) * dx * dx;
            x -= lr * dx;
            let (next, s) = opt.step(lr, tensor, t(&[g as f32]), state);
            tensor = next;
            state = s;
            let got = values(tensor.clone())[0] as f64;
            assert!((got - x).abs() < 1e-6, "got {got}, expected {x}");
        }
    }

    #[test]
    fn fused_adam_equals_burns_adam_bit_for_bit() {
        // One layer small enough for the calling thread, one of several parallel chunks.
        for n in [1_000, 40_000] {
            let fused = KerasAdam::default();
            let reference = AdamConfig::new().with_epsilon(1e-7).build();
            let wave = |k: f32| t(&(0..n).map(|i| ((i as f32) * k).sin()).collect::<Vec<_>>());
            let (mut x_fused, mut x_ref) = (wave(0.37), wave(0.37));
            assert!(
                kernels::fused_adam_applies(&x_fused, &wave(0.1)),
                "the test must exercise the fused path"
            );
            let (mut s_fused, mut s_ref) = (None, None);
            for step in 1..=3 {
                let grad = wave(0.11 * step as f32);
                let (x, s) = fused.step(1e-3, x_fused, grad.clone(), s_fused);
                (x_fused, s_fused) = (x, s);
                let (x, s) = reference.step(1e-3, x_ref, grad, s_ref);
                (x_ref, s_ref) = (x, s);
                assert_eq!(
                    values(x_fused.clone()),
                    values(x_ref.clone()),
                    "parameters after step {step}"
                );
            }
            let (a, b) = (s_fused.unwrap().momentum, s_ref.unwrap().momentum);
            assert_eq!(a.time, b.time);
            assert_eq!(values(a.moment_1), values(b.moment_1));
            assert_eq!(values(a.moment_2), values(b.moment_2));
        }
    }

    #[test]
    fn fused_adam_leaves_a_shared_parameter_buffer_alone() {
        let x = t(&[1.0, 2.0]);
        let alias = x.clone();
        let (updated, _) = KerasAdam::default().step(0.1, x, t(&[1.0, -1.0]), None);
        assert_eq!(values(alias), [1.0, 2.0]);
        assert_ne!(values(updated), [1.0, 2.0]);
    }

    #[test]
    fn any_optimizer_dispatches_to_each_kind() {
        for kind in [
            OptimizerKind::Adam,
            OptimizerKind::Sgd { momentum: 0.9 },
            OptimizerKind::RmsProp,
            OptimizerKind::Adadelta,
        ] {
            let opt = kind.build::<Flex>();
            let (x1, s) = opt.step(0.1, t(&[1.0, 2.0]), t(&[1.0, -1.0]), None);
            let (x2, _) = opt.step(0.1, x1.clone(), t(&[1.0, -1.0]), s);
            let (a, b) = (values(x1), values(x2));
            assert!(
                a[0] < 1.0 && a[1] > 2.0 && b[0] < a[0],
                "{kind:?}: {a:?} {b:?}"
            );
        }
    }
}
