//! Running a trained model over a whole image set, in batches (bounded memory).

use ae_data::{BatchBuffer, ImageSet, flat_tensor};
use ae_models::{AnyAutoencoder, Autoencoder};
use burn::tensor::Tensor;
use burn::tensor::backend::Backend;

/// Default batch when streaming a set through a model.
pub const STREAM_BATCH: usize = 1000;

/// Row-major outputs of `f` over `set`, `STREAM_BATCH` images at a time.
fn stream<B: Backend>(
    set: &ImageSet,
    device: &B::Device,
    mut f: impl FnMut(Tensor<B, 2>) -> Tensor<B, 2>,
) -> Vec<f32> {
    let mut buffer = BatchBuffer::new();
    let mut out = Vec::new();
    let pixels = set.pixels_per_image();
    let mut start = 0;
    while start < set.len() {
        let end = (start + STREAM_BATCH).min(set.len());
        let x = flat_tensor::<B>(
            buffer.gather_range(set, start, end),
            end - start,
            pixels,
            device,
        );
        out.extend(f(x).into_data().iter::<f32>());
        start = end;
    }
    out
}

/// Codes of every image: `len x code_len`, row-major.
pub fn encode_set<B: Backend>(
    model: &AnyAutoencoder<B>,
    set: &ImageSet,
    device: &B::Device,
) -> Vec<f32> {
    stream(set, device, |x| model.encode(x))
}

/// Reconstructions of every image: `len x pixels`, row-major, in the model's output range.
pub fn reconstruct_set<B: Backend>(
    model: &AnyAutoencoder<B>,
    set: &ImageSet,
    device: &B::Device,
) -> Vec<f32> {
    stream(set, device, |x| model.reconstruct(x))
}

/// Decodes codes (`rows x code_len`, row-major) to images.
pub fn decode_codes<B: Backend>(
    model: &AnyAutoencoder<B>,
    codes: &[f32],
    rows: usize,
    device: &B::Device,
) -> Vec<f32> {
    if rows == 0 {
        return Vec::new();
    }
    let z = flat_tensor::<B>(codes, rows, codes.len() / rows, device);
    model.decode(z).into_data().iter::<f32>().collect()
}

/// Reconstructions of images given as floats (`n x pixels`, e.g. noisy copies), streamed
/// `STREAM_BATCH` at a time.
pub fn reconstruct_values<B: Backend>(
    model: &AnyAutoencoder<B>,
    values: &[f32],
    pixels: usize,
    device: &B::Device,
) -> Vec<f32> {
    let mut out = Vec::with_capacity(values.len());
    for chunk in values.chunks(STREAM_BATCH * pixels.max(1)) {
        let n = chunk.len() / pixels.max(1);
        out.extend(
            model
                .reconstruct(flat_tensor::<B>(chunk, n, pixels, device))
                .into_data()
                .iter::<f32>(),
        );
    }
    out
}
