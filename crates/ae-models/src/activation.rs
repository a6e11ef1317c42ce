//! Element-wise activations selectable per layer.

use burn::tensor::Tensor;
use burn::tensor::activation;
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

/// An activation function, chosen per layer in configs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Activation {
    /// `max(0, x)`.
    #[default]
    Relu,
    /// Logistic `1 / (1 + e^-x)` (alias "logistic").
    #[serde(alias = "logistic")]
    Sigmoid,
    /// Hyperbolic tangent.
    Tanh,
    /// Identity.
    #[serde(alias = "identity")]
    Linear,
}

impl Activation {
    /// The name in configs (as serialised): relu, sigmoid, tanh or linear.
    pub fn name(self) -> &'static str {
        match self {
            Activation::Relu => "relu",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Linear => "linear",
        }
    }

    /// Applies the activation.
    pub fn apply<B: Backend, const D: usize>(self, x: Tensor<B, D>) -> Tensor<B, D> {
        match self {
            Activation::Relu => activation::relu(x),
            Activation::Sigmoid => crate::kernels::sigmoid(x),
            Activation::Tanh => crate::kernels::tanh(x),
            Activation::Linear => x,
        }
    }
}
