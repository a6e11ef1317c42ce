//! [`ModelConfig`] (any architecture, serialisable) and [`AnyAutoencoder`] (one module
//! type for the training loop), plus the named models of the seeds.

use burn::module::Module;
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::autoencoder::Autoencoder;
use crate::conv::{ConvAutoencoder, ConvAutoencoderConfig};
use crate::dense::{DenseAutoencoder, DenseAutoencoderConfig};
use crate::error::{ModelError, Result};
use crate::vae::{Vae, VaeConfig};

/// Any architecture's configuration, tagged by `kind` in JSON.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum ModelConfig {
    /// Dense autoencoder.
    Dense(DenseAutoencoderConfig),
    /// Convolutional autoencoder.
    Conv(ConvAutoencoderConfig),
    /// Variational autoencoder.
    Vae(VaeConfig),
}

/// The named models of the seeds, selectable with `ae train --model`.
pub const MODEL_NAMES: [&str; 8] = [
    "fc", "shallow", "deep", "conv", "latent2", "logistic", "deep3", "vae",
];

impl ModelConfig {
    /// Multiply-accumulates of one image's forward pass, weights only (biases and
    /// activations are not counted); a training step costs about three times this.
    ///
    /// # Example
    /// ```
    /// use ae_models::ModelConfig;
    ///
    /// let shallow = ModelConfig::named("shallow", None, 28, 28)?;
    /// assert_eq!(shallow.forward_macs(), 2 * 784 * 32);
    /// # Ok::<(), ae_models::ModelError>(())
    /// ```
    pub fn forward_macs(&self) -> u64 {
        /// A chain of dense layers from `input` through `widths`.
        fn chain(input: usize, widths: impl IntoIterator<Item = usize>) -> u64 {
            let mut previous = input;
            widths
                .into_iter()
                .map(|w| (std::mem::replace(&mut previous, w) * w) as u64)
                .sum()
        }
        match self {
            ModelConfig::Dense(d) => {
                chain(d.input, d.encoder.iter().chain(&d.decoder).map(|l| l.units))
            }
            ModelConfig::Vae(v) => {
                let encoder = chain(v.input, v.hidden.iter().copied().chain([2 * v.latent]));
                let decoder = chain(v.latent, v.hidden.iter().rev().copied().chain([v.input]));
                encoder + decoder
            }
            ModelConfig::Conv(c) => {
                // 3x3 'same' convolutions: 1 -> c1 at full size, c1 -> c2 at half, c2 -> c2
                // at a quarter, c2 -> c1 at half, c1 -> 1 at full.
                let (c1, c2) = (c.outer_channels, c.code_channels);
                let full = c.height * c.width;
                let half = (c.height / 2) * (c.width / 2);
                let quarter = (c.height / 4) * (c.width / 4);
                (9 * (full * c1 + half * c1 * c2 + quarter * c2 * c2 + half * c2 * c1 + full * c1))
                    as u64
            }
        }
    }

    /// A named model for `input`-pixel images of `height x width`; `code_size` overrides
    /// the model's default code size (not allowed for `conv`, whose code is 8x7x7).
    ///
    /// # Example
    /// ```
    /// use ae_models::{Autoencoder, ModelConfig};
    /// use burn::backend::Flex;
    ///
    /// let config = ModelConfig::named("deep", Some(16), 28, 28)?;
    /// let model = config.init::<Flex>(&Default::default())?;
    /// assert_eq!(model.code_shape(), vec![16]);
    /// assert!(ModelConfig::named("conv", Some(16), 28, 28).is_err()); // fixed 8x7x7 code
    /// # Ok::<(), ae_models::ModelError>(())
    /// ```
    pub fn named(
        name: &str,
        code_size: Option<usize>,
        height: usize,
        width: usize,
    ) -> Result<Self> {
        use Activation::{Linear, Relu, Sigmoid, Tanh};
        let input = height * width;
        let code = |default: usize| code_size.unwrap_or(default);
        let dense = |hidden: &[usize], c, h, ca, o| {
            ModelConfig::Dense(DenseAutoencoderConfig::symmetric(
                input, hidden, c, h, ca, o,
            ))
        };
        let config = match name {
            "fc" => dense(&[400, 200], code(100), Relu, Relu, Sigmoid),
            "shallow" => dense(&[], code(32), Relu, Relu, Sigmoid),
            "deep" => dense(&[128], code(32), Relu, Relu, Sigmoid),
            "latent2" => dense(&[500, 300], code(2), Tanh, Linear, Linear),
            "logistic" => dense(&[], code(32), Sigmoid, Sigmoid, Sigmoid),
            "deep3" => dense(&[400], code(32), Sigmoid, Sigmoid, Sigmoid),
            "conv" => {
                if code_size.is_some() {
                    return Err(ModelError::invalid(
                        "code_size",
                        "the conv model's code is fixed at 8x7x7; do not pass --code-size",
                    ));
                }
                ModelConfig::Conv(
                    ConvAutoencoderConfig::new()
                        .with_height(height)
                        .with_width(width),
                )
            }
            "vae" => ModelConfig::Vae(VaeConfig::new().with_input(input).with_latent(code(2))),
            other => {
                return Err(ModelError::invalid(
                    "model",
                    format!(
                        "unknown model `{other}` (expected one of {})",
                        MODEL_NAMES.join(", ")
                    ),
                ));
            }
        };
        config.validate()?;
        Ok(config)
    }

    /// Validates the architecture.
    pub fn validate(&self) -> Result<()> {
        match self {
            ModelConfig::Dense(c) => c.validate(),
            ModelConfig::Conv(c) => c.validate(),
            ModelConfig::Vae(c) => c.validate(),
        }
    }

    /// The architecture's `kind` tag: dense, conv or vae.
    pub fn kind(&self) -> &'static str {
        match self {
            ModelConfig::Dense(_) => "dense",
            ModelConfig::Conv(_) => "conv",
            ModelConfig::Vae(_) => "vae",
        }
    }

    /// Input width the model expects.
    pub fn input_len(&self) -> usize {
        match self {
            ModelConfig::Dense(c) => c.input,
            ModelConfig::Conv(c) => c.height * c.width,
            ModelConfig::Vae(c) => c.input,
        }
    }

    /// Builds the model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<AnyAutoencoder<B>> {
        Ok(match self {
            ModelConfig::Dense(c) => AnyAutoencoder::Dense(c.init(device)?),
            ModelConfig::Conv(c) => AnyAutoencoder::Conv(c.init(device)?),
            ModelConfig::Vae(c) => AnyAutoencoder::Vae(c.init(device)?),
        })
    }
}

/// One dense layer of a decoder, as plain numbers: `y = activation(x W + b)`, for code
/// that runs a decoder outside burn (the report's latent explorer runs it in a browser).
#[derive(Debug, Clone, PartialEq)]
pub struct DenseStep {
    /// Input width.
    pub inputs: usize,
    /// Output width.
    pub outputs: usize,
    /// `inputs x outputs`, row-major (burn's layout: row `i` holds input `i`'s weights).
    pub weight: Vec<f32>,
    /// `outputs` biases (zeros for a layer without bias).
    pub bias: Vec<f32>,
    /// The activation after the affine map.
    pub activation: Activation,
}

impl DenseStep {
    /// The layer on one input vector, in plain Rust (`f64` sums): the reference for code
    /// that runs a decoder elsewhere.
    pub fn apply(&self, x: &[f32]) -> Vec<f32> {
        (0..self.outputs)
            .map(|j| {
                let sum: f64 = x
                    .iter()
                    .enumerate()
                    .map(|(i, &xi)| f64::from(xi) * f64::from(self.weight[i * self.outputs + j]))
                    .sum::<f64>()
                    + f64::from(self.bias[j]);
                match self.activation {
                    Activation::Relu => sum.max(0.0),
                    Activation::Sigmoid => 1.0 / (1.0 + (-sum).exp()),
                    Activation::Tanh => sum.tanh(),
                    Activation::Linear => sum,
                }
            })
            .map(|v| v as f32)
            .collect()
    }

    pub(crate) fn of<B: Backend>(
        layer: &burn::nn::Linear<B>,
        activation: Activation,
    ) -> Option<Self> {
        let [inputs, outputs] = layer.weight.dims();
        let weight = layer.weight.val().into_data().to_vec::<f32>().ok()?;
        let bias = match &layer.bias {
            Some(b) => b.val().into_data().to_vec::<f32>().ok()?,
            None => vec![0.0; outputs],
        };
        Some(DenseStep {
            inputs,
            outputs,
            weight,
            bias,
            activation,
        })
    }
}

/// Any autoencoder as one burn module.
// The variants differ in size, but a model exists once per run: boxing buys nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Module, Debug)]
pub enum AnyAutoencoder<B: Backend> {
    /// Dense.
    Dense(DenseAutoencoder<B>),
    /// Convolutional.
    Conv(ConvAutoencoder<B>),
    /// Variational.
    Vae(Vae<B>),
}

impl<B: Backend> AnyAutoencoder<B> {
    /// The decoder as a chain of dense layers, when it is one (dense models and the VAE;
    /// `None` for the convolutional model).
    pub fn dense_decoder(&self) -> Option<Vec<DenseStep>> {
        match self {
            AnyAutoencoder::Dense(m) => m
                .decoder
                .iter()
                .zip(m.decoder_activations())
                .map(|(layer, &act)| DenseStep::of(layer, act))
                .collect(),
            AnyAutoencoder::Vae(m) => m.dense_decoder(),
            AnyAutoencoder::Conv(_) => None,
        }
    }
}

impl<B: Backend> Autoencoder<B> for AnyAutoencoder<B> {
    fn encode(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        match self {
            AnyAutoencoder::Dense(m) => m.encode(x),
            AnyAutoencoder::Conv(m) => m.encode(x),
            AnyAutoencoder::Vae(m) => m.encode(x),
        }
    }

    fn decode(&self, code: Tensor<B, 2>) -> Tensor<B, 2> {
        match self {
            AnyAutoencoder::Dense(m) => m.decode(code),
            AnyAutoencoder::Conv(m) => m.decode(code),
            AnyAutoencoder::Vae(m) => m.decode(code),
        }
    }

    fn decode_logits(&self, code: Tensor<B, 2>) -> Option<Tensor<B, 2>> {
        match self {
            AnyAutoencoder::Dense(m) => m.decode_logits(code),
            AnyAutoencoder::Conv(m) => m.decode_logits(code),
            AnyAutoencoder::Vae(m) => m.decode_logits(code),
        }
    }

    fn code_shape(&self) -> Vec<usize> {
        match self {
            AnyAutoencoder::Dense(m) => m.code_shape(),
            AnyAutoencoder::Conv(m) => m.code_shape(),
            AnyAutoencoder::Vae(m) => m.code_shape(),
        }
    }
}

#[cfg(test)]
mod tests {
    use burn::backend::Flex;
    use burn::tensor::TensorData;

    use super::*;

    #[test]
    fn the_dense_decoder_in_plain_rust_decodes_as_the_model() {
        let device = Default::default();
        for name in ["latent2", "vae", "deep"] {
            let model = ModelConfig::named(name, None, 28, 28)
                .unwrap()
                .init::<Flex>(&device)
                .unwrap();
            let steps = model.dense_decoder().unwrap();
            let code: Vec<f32> = (0..model.code_len())
                .map(|i| 0.3 - 0.2 * i as f32)
                .collect();
            let expected: Vec<f32> = model
                .decode(Tensor::from_data(
                    TensorData::new(code.clone(), [1, code.len()]),
                    &device,
                ))
                .into_data()
                .to_vec()
                .unwrap();
            let ours = steps.iter().fold(code, |x, step| step.apply(&x));
            let worst = ours
                .iter()
                .zip(&expected)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst < 1e-5, "{name}: {worst}");
        }
        let conv = ModelConfig::named("conv", None, 28, 28).unwrap();
        assert!(
            conv.init::<Flex>(&device)
                .unwrap()
                .dense_decoder()
                .is_none()
        );
    }
}
