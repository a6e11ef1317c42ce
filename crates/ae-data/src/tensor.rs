//! Batches as burn tensors (feature `burn`): `[batch, features]` for dense models,
//! `[batch, 1, rows, cols]` for convolutional ones.

use burn::tensor::backend::Backend;
use burn::tensor::{Tensor, TensorData};

/// `[batch, features]` tensor from flat values.
///
/// # Shapes
/// - `values`: `batch * features`
/// - output: `[batch, features]`
pub fn flat_tensor<B: Backend>(
    values: &[f32],
    batch: usize,
    features: usize,
    device: &B::Device,
) -> Tensor<B, 2> {
    Tensor::from_data(TensorData::new(values.to_vec(), [batch, features]), device)
}

/// `[batch, 1, rows, cols]` tensor from flat values (one channel).
///
/// # Shapes
/// - `values`: `batch * rows * cols`
/// - output: `[batch, 1, rows, cols]`
pub fn image_tensor<B: Backend>(
    values: &[f32],
    batch: usize,
    rows: usize,
    cols: usize,
    device: &B::Device,
) -> Tensor<B, 4> {
    Tensor::from_data(
        TensorData::new(values.to_vec(), [batch, 1, rows, cols]),
        device,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;

    #[test]
    fn tensors_have_the_documented_shapes() {
        let device = Default::default();
        let values = vec![0.5f32; 2 * 6];
        assert_eq!(flat_tensor::<Flex>(&values, 2, 6, &device).dims(), [2, 6]);
        assert_eq!(
            image_tensor::<Flex>(&values, 2, 2, 3, &device).dims(),
            [2, 1, 2, 3]
        );
    }
}
