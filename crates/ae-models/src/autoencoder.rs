//! The [`Autoencoder`] trait every model implements.

use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// An autoencoder on flat images: `[batch, pixels]` in, `[batch, pixels]` out.
///
/// Convolutional models reshape internally; their code is flattened channel-major and
/// [`Autoencoder::code_shape`] says how to view it (e.g. `[8, 7, 7]`).
pub trait Autoencoder<B: Backend> {
    /// The code (for a VAE: the posterior mean).
    ///
    /// # Shapes
    /// - `x`: `[batch, pixels]`
    /// - output: `[batch, code_len]`
    fn encode(&self, x: Tensor<B, 2>) -> Tensor<B, 2>;

    /// The reconstruction of a code.
    ///
    /// # Shapes
    /// - `code`: `[batch, code_len]`
    /// - output: `[batch, pixels]`
    fn decode(&self, code: Tensor<B, 2>) -> Tensor<B, 2>;

    /// The output layer's pre-activation when the model ends in a sigmoid, else `None`.
    /// Lets BCE be computed from logits, as Keras does for sigmoid outputs (exact and
    /// with non-vanishing gradients where the sigmoid saturates).
    ///
    /// # Shapes
    /// - `code`: `[batch, code_len]`
    /// - output: `[batch, pixels]`
    fn decode_logits(&self, code: Tensor<B, 2>) -> Option<Tensor<B, 2>> {
        let _ = code;
        None
    }

    /// Reconstruction of `x` (deterministic; a VAE decodes its mean).
    ///
    /// # Shapes
    /// - `x`: `[batch, pixels]`
    /// - output: `[batch, pixels]`
    fn reconstruct(&self, x: Tensor<B, 2>) -> Tensor<B, 2> {
        self.decode(self.encode(x))
    }

    /// Shape of one code, e.g. `[32]` or `[8, 7, 7]`.
    fn code_shape(&self) -> Vec<usize>;

    /// Number of values in one code.
    fn code_len(&self) -> usize {
        self.code_shape().iter().product()
    }
}
