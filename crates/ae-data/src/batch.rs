//! Batches of images scaled to `[0, 1]` in one reused host buffer, seeded shuffling,
//! and the project's validation split.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;

use crate::images::{ImageSet, scale_into};

/// A host-side staging buffer for batches, grown once and reused, so a training
/// epoch does not allocate per batch on the host side (the tensor itself still owns
/// its storage, as burn requires).
#[derive(Debug, Default, Clone)]
pub struct BatchBuffer {
    values: Vec<f32>,
}

impl BatchBuffer {
    /// An empty buffer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Scales the images at `indices` into the buffer and returns them, flat
    /// (`indices.len() * pixels_per_image` values).
    pub fn gather(&mut self, set: &ImageSet, indices: &[usize]) -> &mut [f32] {
        self.values
            .resize(indices.len() * set.pixels_per_image(), 0.0);
        scale_images_into(set, indices, &mut self.values);
        &mut self.values
    }

    /// Scales a contiguous range of images (no index list needed).
    pub fn gather_range(&mut self, set: &ImageSet, start: usize, end: usize) -> &mut [f32] {
        let per = set.pixels_per_image();
        let bytes = &set.pixels()[start * per..end * per];
        self.values.resize(bytes.len(), 0.0);
        scale_into(bytes, &mut self.values);
        &mut self.values
    }
}

/// The images at `indices`, scaled to `[0, 1]`, flat (`indices.len() * pixels_per_image`
/// values) in a vector of their own: for a tensor that takes ownership of its values,
/// with no staging copy.
pub fn gathered(set: &ImageSet, indices: &[usize]) -> Vec<f32> {
    let mut values = vec![0.0; indices.len() * set.pixels_per_image()];
    scale_images_into(set, indices, &mut values);
    values
}

/// Scales the images at `indices` into `out`, one image after the other (`out` holds
/// `indices.len() * pixels_per_image` values; an `ImageSet` has at least one pixel per
/// image).
fn scale_images_into(set: &ImageSet, indices: &[usize], out: &mut [f32]) {
    for (chunk, &i) in out.chunks_exact_mut(set.pixels_per_image()).zip(indices) {
        scale_into(set.image(i), chunk);
    }
}

/// The one validation rule of this project, Keras' `validation_split`: the *last*
/// `fraction` of the `n` samples validate, the rest train, before any shuffling
/// (`split_at = floor(n * (1 - fraction))`). Returns the training and validation index
/// ranges; the validation range keeps at least one sample when `n >= 2`.
pub fn validation_split(
    n: usize,
    fraction: f64,
) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
    let fraction = if fraction.is_finite() {
        fraction.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let mut split_at = (n as f64 * (1.0 - fraction)).floor() as usize;
    if fraction > 0.0 && n >= 2 {
        split_at = split_at.min(n - 1);
    }
    (0..split_at.min(n), split_at.min(n)..n)
}

/// A permutation of `0..n` drawn from `seed` (the epoch's shuffling order).
pub fn shuffled_indices(n: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_split_takes_the_last_fraction_as_keras_does() {
        assert_eq!(validation_split(60_000, 0.1), (0..54_000, 54_000..60_000));
        // floor(11 * 0.9) = 9, as Keras' int(11 * 0.9).
        assert_eq!(validation_split(11, 0.1), (0..9, 9..11));
        // A tiny set keeps one validation sample; no fraction, none.
        assert_eq!(validation_split(3, 0.1), (0..2, 2..3));
        assert_eq!(validation_split(5, 0.0), (0..5, 5..5));
        assert_eq!(validation_split(0, 0.1), (0..0, 0..0));
    }

    #[test]
    fn gather_scales_and_keeps_order() {
        let set = ImageSet::new(vec![0, 255, 51, 102, 255, 0], vec![0, 1, 2], 1, 2).unwrap();
        let mut buf = BatchBuffer::new();
        assert_eq!(buf.gather(&set, &[2, 0]), &[1.0, 0.0, 0.0, 1.0]);
        assert_eq!(buf.gather_range(&set, 1, 2), &[0.2, 0.4]);
        assert_eq!(gathered(&set, &[2, 0]), [1.0, 0.0, 0.0, 1.0]);
    }

    #[test]
    fn shuffling_is_a_seeded_permutation() {
        let a = shuffled_indices(100, 1);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_eq!(a, shuffled_indices(100, 1));
        assert_ne!(a, shuffled_indices(100, 2));
    }
}
