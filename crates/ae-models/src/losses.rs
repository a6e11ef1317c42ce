//! Reconstruction losses and regularisation penalties.
//!
//! Reductions follow Keras so reported numbers compare with the seeds:
//! - [`mse`], [`bce`]: mean over pixels and batch (Keras' `binary_crossentropy` clips
//!   predictions to `[1e-7, 1 - 1e-7]`; so does [`bce`], which keeps it finite when
//!   outputs saturate at 0 or 1);
//! - penalties are per image (summed over units, averaged over the batch), as Keras
//!   divides activity-regularisation losses by the batch size;
//! - [`vae_elbo`]: the negative ELBO per image, i.e. summed over pixels and latent
//!   dimensions, averaged over the batch.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use serde::{Deserialize, Serialize};

use crate::activation::Activation;
use crate::vae::{Likelihood, VaeOutput};

/// Keras' `epsilon()`: the clipping margin of BCE.
pub const BCE_EPSILON: f32 = 1e-7;

/// Reconstruction loss of a deterministic autoencoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ReconstructionLoss {
    /// Binary cross-entropy, mean over pixels and batch.
    #[default]
    Bce,
    /// Mean squared error, mean over pixels and batch.
    Mse,
}

impl std::str::FromStr for ReconstructionLoss {
    type Err = crate::error::ModelError;

    /// `bce` or `mse`, in any case.
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        match name.to_ascii_lowercase().as_str() {
            "bce" => Ok(ReconstructionLoss::Bce),
            "mse" => Ok(ReconstructionLoss::Mse),
            _ => Err(crate::error::ModelError::invalid(
                "loss",
                format!("unknown loss `{name}` (expected bce or mse)"),
            )),
        }
    }
}

impl ReconstructionLoss {
    /// The loss value (a one-element tensor).
    pub fn compute<B: Backend>(
        self,
        prediction: Tensor<B, 2>,
        target: Tensor<B, 2>,
    ) -> Tensor<B, 1> {
        match self {
            ReconstructionLoss::Bce => bce(prediction, target),
            ReconstructionLoss::Mse => mse(prediction, target),
        }
    }

    /// Name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ReconstructionLoss::Bce => "bce",
            ReconstructionLoss::Mse => "mse",
        }
    }
}

/// Mean squared error over all elements.
pub fn mse<B: Backend, const D: usize>(
    prediction: Tensor<B, D>,
    target: Tensor<B, D>,
) -> Tensor<B, 1> {
    (prediction - target).square().mean()
}

/// Element-wise binary cross-entropy with Keras' clipping, not reduced.
pub fn bce_elementwise<B: Backend, const D: usize>(
    prediction: Tensor<B, D>,
    target: Tensor<B, D>,
) -> Tensor<B, D> {
    let p = prediction.clamp(BCE_EPSILON, 1.0 - BCE_EPSILON);
    let one_minus_p = p.clone().neg() + 1.0;
    let one_minus_t = target.clone().neg() + 1.0;
    (target * p.log() + one_minus_t * one_minus_p.log()).neg()
}

/// Binary cross-entropy, mean over all elements.
pub fn bce<B: Backend, const D: usize>(
    prediction: Tensor<B, D>,
    target: Tensor<B, D>,
) -> Tensor<B, 1> {
    bce_elementwise(prediction, target).mean()
}

/// Binary cross-entropy from logits `z` (the sigmoid's input), mean over all elements:
/// `max(z, 0) - z t + ln(1 + e^-|z|)`, exact and stable for any `z`. This is what Keras
/// computes when `binary_crossentropy` follows a sigmoid layer.
pub fn bce_with_logits<B: Backend, const D: usize>(
    logits: Tensor<B, D>,
    target: Tensor<B, D>,
) -> Tensor<B, 1> {
    // One fused pass (and one for the gradient) on the default backend.
    crate::kernels::bce_with_logits(logits, target)
}

/// L1 activity penalty `lambda * sum |h| / batch`.
pub fn l1_activity<B: Backend>(code: Tensor<B, 2>, lambda: f64) -> Tensor<B, 1> {
    let batch = code.dims()[0] as f64;
    code.abs().sum() * (lambda / batch)
}

/// KL sparsity penalty `beta * sum_j KL(rho || rho_hat_j)`, where `rho_hat_j` is unit
/// `j`'s mean activation over the batch (meaningful for sigmoid codes in `(0, 1)`).
pub fn kl_sparsity<B: Backend>(code: Tensor<B, 2>, rho: f64, beta: f64) -> Tensor<B, 1> {
    let eps = f64::from(BCE_EPSILON);
    let rho_hat = code.mean_dim(0).clamp(eps, 1.0 - eps);
    let one_minus = rho_hat.clone().neg() + 1.0;
    let kl = (rho_hat.clone().recip() * rho).log() * rho
        + (one_minus.recip() * (1.0 - rho)).log() * (1.0 - rho);
    kl.sum() * beta
}

/// Contractive penalty `lambda * ||dh/dx||_F^2` of one dense layer `h = f(W x + b)`,
/// in closed form: `sum_j f'(a_j)^2 * sum_i W_ij^2`, averaged over the batch.
/// `f'` from the layer's output `h`: sigmoid `h (1 - h)`, tanh `1 - h^2`,
/// relu `1[h > 0]`, linear `1`. `weight` is burn's `[inputs, units]` layout.
pub fn contractive<B: Backend>(
    hidden: Tensor<B, 2>,
    weight: Tensor<B, 2>,
    activation: Activation,
    lambda: f64,
) -> Tensor<B, 1> {
    let batch = hidden.dims()[0] as f64;
    let col_norms = weight.square().sum_dim(0); // [1, units]
    let slope = match activation {
        Activation::Sigmoid => hidden.clone() * (hidden.neg() + 1.0),
        Activation::Tanh => hidden.square().neg() + 1.0,
        Activation::Relu => hidden.greater_elem(0.0).float(),
        Activation::Linear => hidden.ones_like(),
    };
    (slope.square() * col_norms).sum() * (lambda / batch)
}

/// Terms of the VAE objective, each per image.
#[derive(Debug, Clone)]
pub struct ElboTerms<B: Backend> {
    /// Reconstruction term (negative log-likelihood, up to a constant for Gaussian).
    pub reconstruction: Tensor<B, 1>,
    /// `KL(q(z|x) || N(0, I))`.
    pub kl: Tensor<B, 1>,
    /// `reconstruction + beta * kl`: the loss minimised.
    pub loss: Tensor<B, 1>,
}

/// Negative ELBO per image: pixel terms summed, batch averaged.
pub fn vae_elbo<B: Backend>(
    out: VaeOutput<B>,
    target: Tensor<B, 2>,
    likelihood: Likelihood,
    beta: f64,
) -> ElboTerms<B> {
    let batch = target.dims()[0] as f64;
    let reconstruction = match likelihood {
        Likelihood::Bernoulli => bce_elementwise(out.reconstruction, target).sum(),
        Likelihood::Gaussian => (out.reconstruction - target).square().sum() * 0.5,
    } / batch;
    // KL(N(mu, s^2) || N(0, 1)) = -1/2 sum (1 + log s^2 - mu^2 - s^2)
    let kl =
        (out.logvar.clone() + 1.0 - out.mean.square() - out.logvar.exp()).sum() * (-0.5 / batch);
    let loss = reconstruction.clone() + kl.clone() * beta;
    ElboTerms {
        reconstruction,
        kl,
        loss,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use burn::tensor::TensorData;

    fn t(values: &[f32], shape: [usize; 2]) -> Tensor<Flex, 2> {
        Tensor::from_data(TensorData::new(values.to_vec(), shape), &Default::default())
    }

    fn scalar(x: Tensor<Flex, 1>) -> f32 {
        x.into_scalar()
    }

    #[test]
    fn bce_matches_hand_computation_and_stays_finite_when_saturated() {
        let v = scalar(bce(t(&[0.9, 0.2], [1, 2]), t(&[1.0, 0.0], [1, 2])));
        let expected = -(0.9f32.ln() + 0.8f32.ln()) / 2.0;
        assert!((v - expected).abs() < 1e-6, "{v} {expected}");
        let saturated = scalar(bce(t(&[0.0, 1.0], [1, 2]), t(&[1.0, 0.0], [1, 2])));
        assert!(saturated.is_finite());
        // Both terms are clipped: -ln(1e-7) ~ 16.12 and, as 1 - 1e-7 rounds to 1 - 2^-23 in
        // f32 (as in Keras), -ln(2^-23) ~ 15.94.
        let expected = (-(1e-7f32).ln() - (f32::EPSILON).ln()) / 2.0;
        assert!(
            (saturated - expected).abs() < 0.01,
            "{saturated} vs {expected}"
        );
    }

    #[test]
    fn bce_with_logits_equals_bce_of_the_sigmoid_where_unsaturated() {
        let z = t(&[-3.0, -0.5, 0.0, 2.0], [2, 2]);
        let target = t(&[0.0, 1.0, 0.3, 0.9], [2, 2]);
        let from_logits = scalar(bce_with_logits(z.clone(), target.clone()));
        let from_probs = scalar(bce(burn::tensor::activation::sigmoid(z), target));
        assert!(
            (from_logits - from_probs).abs() < 1e-6,
            "{from_logits} {from_probs}"
        );
        // Saturated: exact (~40 + ln 2 / 2), not clipped at -ln(1e-7).
        let far = scalar(bce_with_logits(
            t(&[-80.0, 0.0], [1, 2]),
            t(&[1.0, 0.5], [1, 2]),
        ));
        assert!((far - (80.0 + 2f32.ln()) / 2.0).abs() < 1e-3, "{far}");
    }

    #[test]
    fn mse_and_l1() {
        assert!((scalar(mse(t(&[1.0, 3.0], [1, 2]), t(&[0.0, 0.0], [1, 2]))) - 5.0).abs() < 1e-6);
        assert!((scalar(l1_activity(t(&[1.0, -3.0, 2.0, 0.0], [2, 2]), 0.5)) - 1.5).abs() < 1e-6);
    }

    #[test]
    fn kl_sparsity_is_zero_at_target() {
        assert!(scalar(kl_sparsity(t(&[0.05, 0.05, 0.05, 0.05], [2, 2]), 0.05, 3.0)).abs() < 1e-5);
        assert!(scalar(kl_sparsity(t(&[0.5, 0.5, 0.5, 0.5], [2, 2]), 0.05, 1.0)) > 0.1);
    }

    #[test]
    fn contractive_sigmoid_closed_form() {
        // One image, units h = [0.5, 0.25]; W = [[1, 2], [3, 4]] (inputs x units).
        let h = t(&[0.5, 0.25], [1, 2]);
        let w = t(&[1.0, 2.0, 3.0, 4.0], [2, 2]);
        let v = scalar(contractive(h, w, Activation::Sigmoid, 1.0));
        let expected = (0.25f32).powi(2) * (1.0 + 9.0) + (0.1875f32).powi(2) * (4.0 + 16.0);
        assert!((v - expected).abs() < 1e-5, "{v} {expected}");
    }

    #[test]
    fn elbo_kl_is_zero_for_the_prior() {
        let out = VaeOutput {
            mean: t(&[0.0, 0.0], [1, 2]),
            logvar: t(&[0.0, 0.0], [1, 2]),
            reconstruction: t(&[0.5; 4], [1, 4]),
        };
        let terms = vae_elbo(
            out,
            t(&[1.0, 0.0, 1.0, 0.0], [1, 4]),
            Likelihood::Bernoulli,
            1.0,
        );
        assert!(scalar(terms.kl).abs() < 1e-6);
        assert!((scalar(terms.reconstruction) - 4.0 * 2f32.ln()).abs() < 1e-4);
    }
}
