//! Dense (fully connected) autoencoders of any depth, with per-layer activations.

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

use crate::activation::Activation;
use crate::autoencoder::Autoencoder;
use crate::error::{ModelError, Result};
use crate::kernels::{activated_linear_layer, linear_layer};

/// One dense layer: output width and activation.
#[derive(Config, Debug, Copy, PartialEq)]
pub struct DenseLayer {
    /// Output units.
    pub units: usize,
    /// Activation applied after the affine map.
    pub activation: Activation,
    /// Whether the layer has a bias.
    #[config(default = true)]
    pub bias: bool,
}

/// A dense autoencoder: `input -> encoder layers (last = code) -> decoder layers (last = input)`.
#[derive(Config, Debug)]
pub struct DenseAutoencoderConfig {
    /// Input width (784 for MNIST).
    pub input: usize,
    /// Encoder layers; the last one's units are the code size.
    pub encoder: Vec<DenseLayer>,
    /// Decoder layers; the last one's units must equal `input`.
    pub decoder: Vec<DenseLayer>,
    /// When set, every weight and bias is drawn from N(0, std²), as TensorFlow tutorials
    /// initialise with `tf.random_normal(stddev=...)`; when absent, Keras' default
    /// (Glorot-uniform weights, zero biases).
    pub init_std: Option<f64>,
}

/// A fitted-or-not dense autoencoder.
#[derive(Module, Debug)]
pub struct DenseAutoencoder<B: Backend> {
    /// Encoder layers.
    pub encoder: Vec<Linear<B>>,
    /// Decoder layers.
    pub decoder: Vec<Linear<B>>,
    encoder_activations: Vec<Activation>,
    decoder_activations: Vec<Activation>,
}

impl DenseAutoencoderConfig {
    /// A symmetric autoencoder: `hidden` widths down to `code`, mirrored back up;
    /// `hidden_act` on hidden layers, `code_act` on the code, `output_act` on the output.
    pub fn symmetric(
        input: usize,
        hidden: &[usize],
        code: usize,
        hidden_act: Activation,
        code_act: Activation,
        output_act: Activation,
    ) -> Self {
        let layer = |units, activation| DenseLayer {
            units,
            activation,
            bias: true,
        };
        let mut encoder: Vec<DenseLayer> = hidden.iter().map(|&u| layer(u, hidden_act)).collect();
        encoder.push(layer(code, code_act));
        let mut decoder: Vec<DenseLayer> =
            hidden.iter().rev().map(|&u| layer(u, hidden_act)).collect();
        decoder.push(layer(input, output_act));
        DenseAutoencoderConfig {
            input,
            encoder,
            decoder,
            init_std: None,
        }
    }

    /// Code size (units of the last encoder layer).
    pub fn code_size(&self) -> usize {
        self.encoder.last().map_or(0, |l| l.units)
    }

    /// Checks widths: non-empty stacks, no zero-width layer, output width = input.
    pub fn validate(&self) -> Result<()> {
        if self.input == 0 {
            return Err(ModelError::invalid("input", "must be at least 1"));
        }
        for (name, layers) in [("encoder", &self.encoder), ("decoder", &self.decoder)] {
            if layers.is_empty() {
                return Err(ModelError::invalid(name, "needs at least one layer"));
            }
            if let Some(i) = layers.iter().position(|l| l.units == 0) {
                let what = if name == "encoder" && i + 1 == layers.len() {
                    " (the code size)"
                } else {
                    ""
                };
                return Err(ModelError::invalid(
                    format!("{name}[{i}].units"),
                    format!("must be at least 1{what}"),
                ));
            }
        }
        if let Some(std) = self.init_std
            && !(std.is_finite() && std > 0.0)
        {
            return Err(ModelError::invalid(
                "init_std",
                format!("{std} is not a finite number > 0"),
            ));
        }
        let out = self.decoder.last().map_or(0, |l| l.units);
        if out != self.input {
            return Err(ModelError::invalid(
                "decoder",
                format!("last layer has {out} units, the input has {}", self.input),
            ));
        }
        Ok(())
    }

    /// Builds the model with Keras' default initialisation (Glorot-uniform weights, zero
    /// biases), so losses are comparable with the seeds' Keras runs, or with normal
    /// weights and biases when `init_std` is set.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<DenseAutoencoder<B>> {
        self.validate()?;
        let stack = |input: usize, layers: &[DenseLayer]| {
            let mut width = input;
            layers
                .iter()
                .map(|l| {
                    let linear = match self.init_std {
                        None => glorot_linear(width, l.units, l.bias, device),
                        Some(std) => LinearConfig::new(width, l.units)
                            .with_bias(l.bias)
                            .with_initializer(Initializer::Normal { mean: 0.0, std })
                            .init(device),
                    };
                    width = l.units;
                    linear
                })
                .collect::<Vec<_>>()
        };
        Ok(DenseAutoencoder {
            encoder: stack(self.input, &self.encoder),
            decoder: stack(self.code_size(), &self.decoder),
            encoder_activations: self.encoder.iter().map(|l| l.activation).collect(),
            decoder_activations: self.decoder.iter().map(|l| l.activation).collect(),
        })
    }
}

/// A linear layer with Glorot-uniform weights and a zero bias (Keras' `Dense` default).
pub fn glorot_linear<B: Backend>(
    d_in: usize,
    d_out: usize,
    bias: bool,
    device: &B::Device,
) -> Linear<B> {
    let mut linear = LinearConfig::new(d_in, d_out)
        .with_bias(bias)
        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
        .init(device);
    if bias {
        linear.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
    }
    linear
}

fn run_stack<B: Backend>(
    layers: &[Linear<B>],
    activations: &[Activation],
    mut x: Tensor<B, 2>,
) -> Tensor<B, 2> {
    for (layer, act) in layers.iter().zip(activations) {
        x = activated_linear_layer(layer, *act, x);
    }
    x
}

impl<B: Backend> DenseAutoencoder<B> {
    /// Activations of every encoder layer, the last being the code (used by the
    /// contractive penalty, which needs the first layer's pre-image).
    pub fn encoder_activations(&self) -> &[Activation] {
        &self.encoder_activations
    }

    /// Activations of every decoder layer, the last being the output's.
    pub fn decoder_activations(&self) -> &[Activation] {
        &self.decoder_activations
    }

    /// First-layer encoder weights, one row per hidden unit: `[units, input]`.
    pub fn first_layer_weights(&self) -> Option<Tensor<B, 2>> {
        self.encoder.first().map(|l| l.weight.val().transpose())
    }
}

impl<B: Backend> Autoencoder<B> for DenseAutoencoder<B> {
    fn encode(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        run_stack(&self.encoder, &self.encoder_activations, x)
    }

    fn decode(&self, code: Tensor<B, 2>) -> Tensor<B, 2> {
        run_stack(&self.decoder, &self.decoder_activations, code)
    }

    fn decode_logits(&self, code: Tensor<B, 2>) -> Option<Tensor<B, 2>> {
        let (last, hidden) = self.decoder.split_last()?;
        if self.decoder_activations.last() != Some(&Activation::Sigmoid) {
            return None;
        }
        let h = run_stack(hidden, &self.decoder_activations, code);
        Some(linear_layer(last, h))
    }

    fn code_shape(&self) -> Vec<usize> {
        vec![self.encoder.last().map_or(0, |l| l.weight.dims()[1])]
    }
}
