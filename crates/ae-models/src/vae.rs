//! Variational autoencoder (Kingma & Welling): Gaussian encoder `q(z|x) = N(mu, diag(exp(logvar)))`,
//! reparameterised sampling, Bernoulli or unit-variance Gaussian decoder.

use burn::config::Config;
use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};
use rand::rngs::StdRng;
use rand_distr::{Distribution as _, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::autoencoder::Autoencoder;
use crate::dense::glorot_linear;
use crate::error::{ModelError, Result};
use crate::kernels::{activated_linear_layer, linear_layer};

/// Bounds of the log-variance: keeps `exp(logvar)` and the KL term finite.
pub const LOGVAR_RANGE: (f32, f32) = (-10.0, 10.0);

/// Likelihood of the decoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Likelihood {
    /// Pixels are Bernoulli; the decoder ends in a sigmoid; reconstruction term = BCE summed over pixels.
    #[default]
    Bernoulli,
    /// Pixels are `N(x^, 1)`; linear output; reconstruction term = half the squared error summed over pixels.
    Gaussian,
}

/// Configuration of the VAE.
#[derive(Config, Debug)]
pub struct VaeConfig {
    /// Input width.
    #[config(default = 784)]
    pub input: usize,
    /// Hidden widths of the encoder (mirrored in the decoder).
    #[config(default = "vec![512]")]
    pub hidden: Vec<usize>,
    /// Latent size (2 for manifold plots).
    #[config(default = 2)]
    pub latent: usize,
    /// Activation of hidden layers.
    #[config(default = "Activation::Relu")]
    pub hidden_activation: Activation,
    /// Decoder likelihood.
    #[config(default = "Likelihood::Bernoulli")]
    pub likelihood: Likelihood,
    /// Weight of the KL term (beta-VAE; 1 = the ELBO).
    #[config(default = 1.0)]
    pub beta: f64,
}

/// The VAE.
#[derive(Module, Debug)]
pub struct Vae<B: Backend> {
    encoder: Vec<Linear<B>>,
    mean: Linear<B>,
    logvar: Linear<B>,
    decoder: Vec<Linear<B>>,
    output: Linear<B>,
    hidden_activation: Activation,
    likelihood: Likelihood,
    latent: usize,
    beta: f64,
}

impl VaeConfig {
    /// Checks sizes and beta.
    pub fn validate(&self) -> Result<()> {
        if self.input == 0 {
            return Err(ModelError::invalid("input", "must be at least 1"));
        }
        if self.latent == 0 {
            return Err(ModelError::invalid(
                "latent",
                "the code size must be at least 1",
            ));
        }
        if let Some(i) = self.hidden.iter().position(|&h| h == 0) {
            return Err(ModelError::invalid(
                format!("hidden[{i}]"),
                "must be at least 1",
            ));
        }
        if !self.beta.is_finite() || self.beta < 0.0 {
            return Err(ModelError::invalid("beta", "must be finite and >= 0"));
        }
        Ok(())
    }

    /// Builds the model.
    pub fn init<B: Backend>(&self, device: &B::Device) -> Result<Vae<B>> {
        self.validate()?;
        let chain = |widths: Vec<usize>| {
            widths
                .windows(2)
                .map(|w| glorot_linear(w[0], w[1], true, device))
                .collect::<Vec<_>>()
        };
        let mut enc_widths = vec![self.input];
        enc_widths.extend(&self.hidden);
        let last_hidden = *enc_widths.last().unwrap_or(&self.input);
        let mut dec_widths = vec![self.latent];
        dec_widths.extend(self.hidden.iter().rev());
        let dec_last = *dec_widths.last().unwrap_or(&self.latent);
        Ok(Vae {
            encoder: chain(enc_widths),
            mean: glorot_linear(last_hidden, self.latent, true, device),
            logvar: glorot_linear(last_hidden, self.latent, true, device),
            decoder: chain(dec_widths),
            output: glorot_linear(dec_last, self.input, true, device),
            hidden_activation: self.hidden_activation,
            likelihood: self.likelihood,
            latent: self.latent,
            beta: self.beta,
        })
    }
}

/// What one VAE pass produces during training.
#[derive(Debug, Clone)]
pub struct VaeOutput<B: Backend> {
    /// Posterior means `[batch, latent]`.
    pub mean: Tensor<B, 2>,
    /// Posterior log-variances `[batch, latent]`, clamped to [`LOGVAR_RANGE`].
    pub logvar: Tensor<B, 2>,
    /// Decoder output of the sampled codes `[batch, pixels]` (probabilities or means).
    pub reconstruction: Tensor<B, 2>,
}

impl<B: Backend> Vae<B> {
    /// Posterior parameters.
    ///
    /// # Shapes
    /// - `x`: `[batch, input]`
    /// - output: (`[batch, latent]`, `[batch, latent]`)
    pub fn encode_distribution(&self, x: Tensor<B, 2>) -> (Tensor<B, 2>, Tensor<B, 2>) {
        let mut h = x;
        for layer in &self.encoder {
            h = activated_linear_layer(layer, self.hidden_activation, h);
        }
        let logvar = linear_layer(&self.logvar, h.clone()).clamp(LOGVAR_RANGE.0, LOGVAR_RANGE.1);
        (linear_layer(&self.mean, h), logvar)
    }

    /// Training pass: encode, sample `z = mu + exp(logvar / 2) * eps` with `eps ~ N(0, I)`
    /// drawn from `rng` (a host generator, so runs do not depend on the backend's
    /// process-wide random state), decode.
    pub fn forward_sampled(&self, x: Tensor<B, 2>, rng: &mut StdRng) -> VaeOutput<B> {
        let noise = self.draw_noise(x.dims()[0], rng);
        self.forward_with_noise(x, Some(noise))
    }

    /// The noise [`Vae::forward_sampled`] draws for `images` images: `images x latent`
    /// values from `N(0, 1)`, image after image.
    pub fn draw_noise(&self, images: usize, rng: &mut StdRng) -> Vec<f32> {
        standard_normals(images * self.latent, rng)
    }

    /// [`Vae::forward_sampled`] with its noise given (from [`Vae::draw_noise`]), so the
    /// images of a batch can be split and still see the draws of the whole batch. With
    /// `None`, the codes are the posterior means.
    ///
    /// # Panics
    /// When `noise` does not hold `batch x latent` values.
    pub fn forward_with_noise(&self, x: Tensor<B, 2>, noise: Option<Vec<f32>>) -> VaeOutput<B> {
        let (mean, logvar) = self.encode_distribution(x);
        let z = match noise {
            Some(noise) => {
                let eps = Tensor::from_data(TensorData::new(noise, mean.dims()), &mean.device());
                mean.clone() + (logvar.clone() * 0.5).exp() * eps
            }
            None => mean.clone(),
        };
        VaeOutput {
            reconstruction: self.decode(z),
            mean,
            logvar,
        }
    }

    /// Decodes `n` codes drawn from the prior `N(0, I)` with `rng` (seeded by the caller,
    /// so samples are reproducible).
    pub fn sample_prior(&self, n: usize, rng: &mut StdRng, device: &B::Device) -> Tensor<B, 2> {
        let z = standard_normals(n * self.latent, rng);
        self.decode(Tensor::from_data(
            TensorData::new(z, [n, self.latent]),
            device,
        ))
    }

    /// The decoder's layers as plain numbers, the output's activation being the
    /// likelihood's mean (sigmoid for Bernoulli, identity for Gaussian).
    pub fn dense_decoder(&self) -> Option<Vec<crate::model::DenseStep>> {
        let output = match self.likelihood {
            Likelihood::Bernoulli => Activation::Sigmoid,
            Likelihood::Gaussian => Activation::Linear,
        };
        self.decoder
            .iter()
            .map(|layer| (layer, self.hidden_activation))
            .chain(std::iter::once((&self.output, output)))
            .map(|(layer, act)| crate::model::DenseStep::of(layer, act))
            .collect()
    }

    /// The decoder's likelihood.
    pub fn likelihood(&self) -> Likelihood {
        self.likelihood
    }

    /// Weight of the KL term.
    pub fn beta(&self) -> f64 {
        self.beta
    }
}

impl<B: Backend> Autoencoder<B> for Vae<B> {
    fn encode(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.encode_distribution(x).0
    }

    fn decode(&self, code: Tensor<B, 2>) -> Tensor<B, 2> {
        let mut h = code;
        for layer in &self.decoder {
            h = activated_linear_layer(layer, self.hidden_activation, h);
        }
        let out = linear_layer(&self.output, h);
        match self.likelihood {
            Likelihood::Bernoulli => crate::kernels::sigmoid(out),
            Likelihood::Gaussian => out,
        }
    }

    fn code_shape(&self) -> Vec<usize> {
        vec![self.latent]
    }
}

/// `count` draws from `N(0, 1)`.
fn standard_normals(count: usize, rng: &mut StdRng) -> Vec<f32> {
    (0..count).map(|_| StandardNormal.sample(rng)).collect()
}
