//! The training objective: reconstruction loss plus optional penalties (sparse,
//! contractive), or the negative ELBO for a VAE.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::autoencoder::Autoencoder;
use crate::error::{ModelError, Result};
use crate::losses::{
    ReconstructionLoss, bce_with_logits, contractive, kl_sparsity, l1_activity, vae_elbo,
};
use crate::model::AnyAutoencoder;

/// Sparsity penalty on the code.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Sparsity {
    /// `lambda * sum |h| / batch` (Keras' `activity_regularizer=l1(lambda)`).
    L1 {
        /// Weight.
        lambda: f64,
    },
    /// `beta * sum_j KL(rho || mean_batch h_j)` (Ng's sparse autoencoder).
    Kl {
        /// Target mean activation.
        rho: f64,
        /// Weight.
        beta: f64,
    },
}

impl std::str::FromStr for Sparsity {
    type Err = ModelError;

    /// `l1:LAMBDA` or `kl:RHO:BETA`.
    fn from_str(spec: &str) -> Result<Self> {
        Sparsity::parse(spec)
    }
}

impl Sparsity {
    /// Parses `l1:LAMBDA` or `kl:RHO:BETA`.
    pub fn parse(spec: &str) -> Result<Self> {
        let bad = |r: &str| ModelError::invalid("sparse", format!("`{spec}`: {r}"));
        let parts: Vec<&str> = spec.split(':').collect();
        let num = |s: &str| s.trim().parse::<f64>().map_err(|_| bad("not a number"));
        let s = match parts.as_slice() {
            ["l1", l] => Sparsity::L1 { lambda: num(l)? },
            ["kl", rho, beta] => Sparsity::Kl {
                rho: num(rho)?,
                beta: num(beta)?,
            },
            _ => return Err(bad("expected l1:LAMBDA or kl:RHO:BETA")),
        };
        s.validate()?;
        Ok(s)
    }

    /// Range checks.
    pub fn validate(&self) -> Result<()> {
        match *self {
            Sparsity::L1 { lambda } if !(lambda.is_finite() && lambda >= 0.0) => Err(
                ModelError::invalid("sparse.lambda", "must be finite and >= 0"),
            ),
            Sparsity::Kl { rho, .. } if !(rho > 0.0 && rho < 1.0) => {
                Err(ModelError::invalid("sparse.rho", "must be in (0, 1)"))
            }
            Sparsity::Kl { beta, .. } if !(beta.is_finite() && beta >= 0.0) => Err(
                ModelError::invalid("sparse.beta", "must be finite and >= 0"),
            ),
            _ => Ok(()),
        }
    }
}

/// What the optimizer minimises.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    /// Reconstruction loss (ignored by a VAE, which uses its likelihood).
    pub loss: ReconstructionLoss,
    /// Optional sparsity penalty on the code.
    #[serde(default)]
    pub sparse: Option<Sparsity>,
    /// Optional contractive weight `lambda`.
    #[serde(default)]
    pub contractive: Option<f64>,
}

/// Loss of one batch: the total minimised and the reconstruction part alone.
#[derive(Debug, Clone)]
pub struct BatchLoss<B: Backend> {
    /// Total objective (what Keras reports as `loss`).
    pub total: Tensor<B, 1>,
    /// Reconstruction term alone.
    pub reconstruction: Tensor<B, 1>,
}

impl Objective {
    /// Checks penalty ranges and that penalties fit the model.
    pub fn validate_for(&self, model: &crate::model::ModelConfig) -> Result<()> {
        if let Some(s) = &self.sparse {
            s.validate()?;
        }
        if let Some(l) = self.contractive {
            if !(l.is_finite() && l >= 0.0) {
                return Err(ModelError::invalid(
                    "contractive",
                    "must be finite and >= 0",
                ));
            }
            if !matches!(model, crate::model::ModelConfig::Dense(_)) {
                return Err(ModelError::invalid(
                    "contractive",
                    "the closed-form penalty needs a dense encoder",
                ));
            }
        }
        if matches!(model, crate::model::ModelConfig::Vae(_))
            && (self.sparse.is_some() || self.contractive.is_some())
        {
            return Err(ModelError::invalid(
                "sparse/contractive",
                "not combined with a VAE, whose KL term already regularises the code",
            ));
        }
        Ok(())
    }

    /// Whether the loss of a batch is the mean of per-image terms, so that shards of the
    /// batch, their losses weighted by their share of the images, add up to the batch's
    /// loss and gradient. A VAE's noise is drawn image after image
    /// ([`Objective::draw_noise`]), so each shard can be given its images' draws. False
    /// for the KL sparsity penalty (it compares the batch's mean activation to `rho`).
    pub fn is_mean_over_images(&self) -> bool {
        !matches!(self.sparse, Some(Sparsity::Kl { .. }))
    }

    /// The random numbers [`Objective::batch_loss`] draws for a batch of `images`
    /// images, image after image: a VAE's noise, `None` for other models.
    pub fn draw_noise<B: Backend>(
        &self,
        model: &AnyAutoencoder<B>,
        images: usize,
        rng: &mut StdRng,
    ) -> Option<Vec<f32>> {
        match model {
            AnyAutoencoder::Vae(vae) => Some(vae.draw_noise(images, rng)),
            _ => None,
        }
    }

    /// Loss of `model` reconstructing `target` from `input` (equal unless denoising);
    /// `rng` draws the VAE's reparameterisation noise (unused by other models).
    pub fn batch_loss<B: Backend>(
        &self,
        model: &AnyAutoencoder<B>,
        input: Tensor<B, 2>,
        target: Tensor<B, 2>,
        rng: &mut StdRng,
    ) -> BatchLoss<B> {
        let noise = self.draw_noise(model, input.dims()[0], rng);
        self.batch_loss_with_noise(model, input, target, noise)
    }

    /// [`Objective::batch_loss`] with its random numbers given: the rows of `input`'s
    /// images in what [`Objective::draw_noise`] drew for a batch. A VAE given `None`
    /// decodes its posterior means.
    pub fn batch_loss_with_noise<B: Backend>(
        &self,
        model: &AnyAutoencoder<B>,
        input: Tensor<B, 2>,
        target: Tensor<B, 2>,
        noise: Option<Vec<f32>>,
    ) -> BatchLoss<B> {
        if let AnyAutoencoder::Vae(vae) = model {
            let terms = vae_elbo(
                vae.forward_with_noise(input, noise),
                target,
                vae.likelihood(),
                vae.beta(),
            );
            return BatchLoss {
                total: terms.loss,
                reconstruction: terms.reconstruction,
            };
        }
        let code = model.encode(input.clone());
        // Only BCE uses logits; asking for them otherwise would run the decoder twice.
        let logits = match self.loss {
            ReconstructionLoss::Bce => model.decode_logits(code.clone()),
            ReconstructionLoss::Mse => None,
        };
        let reconstruction = match logits {
            Some(logits) => bce_with_logits(logits, target),
            None => self.loss.compute(model.decode(code.clone()), target),
        };
        let mut total = reconstruction.clone();
        match self.sparse {
            Some(Sparsity::L1 { lambda }) => total = total + l1_activity(code.clone(), lambda),
            Some(Sparsity::Kl { rho, beta }) => {
                total = total + kl_sparsity(code.clone(), rho, beta)
            }
            None => {}
        }
        if let (Some(lambda), AnyAutoencoder::Dense(dense)) = (self.contractive, model) {
            // The closed form is for the first encoder layer; for a one-layer encoder that is the code.
            if let (Some(first), Some(&act)) =
                (dense.encoder.first(), dense.encoder_activations().first())
            {
                let hidden = if dense.encoder.len() == 1 {
                    code
                } else {
                    act.apply(first.forward(input))
                };
                total = total + contractive(hidden, first.weight.val(), act, lambda);
            }
        }
        BatchLoss {
            total,
            reconstruction,
        }
    }
}
