//! Synthetic MNIST-shaped datasets for tests and fixtures: never copies of the real data.
//!
//! Class `c` draws a bright bar at a class-specific position plus seeded speckle, so
//! the images are learnable (autoencoders and classifiers make progress on them)
//! while being obviously artificial.

use std::io::Write;
use std::path::Path;

use flate2::Compression;
use flate2::write::GzEncoder;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::dataset::{DatasetKind, FileRole, file_path};
use crate::error::{DataError, Result};
use crate::idx::{IdxImages, encode_images, encode_labels};

/// Image side of the synthetic images (as MNIST).
pub const SIDE: usize = crate::IMAGE_SIDE;

/// `n` synthetic 28x28 images with labels cycling through `0..10`.
pub fn synthetic_images(n: usize, seed: u64) -> (IdxImages, Vec<u8>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut pixels = vec![0u8; n * SIDE * SIDE];
    let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
    for (img, &label) in pixels.chunks_exact_mut(SIDE * SIDE).zip(&labels) {
        let row = 3 + 2 * usize::from(label);
        let jitter = rng.random_range(0..3usize);
        for r in row + jitter..(row + jitter + 3).min(SIDE) {
            for c in 4..24 {
                img[r * SIDE + c] = rng.random_range(180..=255u8);
            }
        }
        for _ in 0..20 {
            let p = rng.random_range(0..SIDE * SIDE);
            img[p] = img[p].saturating_add(rng.random_range(0..120u8));
        }
    }
    (
        IdxImages {
            count: n,
            rows: SIDE,
            cols: SIDE,
            pixels,
        },
        labels,
    )
}

/// Writes a complete synthetic dataset (`<dir>/<kind>/*.gz`) with `train` and `test` images.
pub fn write_synthetic_dataset(
    dir: &Path,
    kind: DatasetKind,
    train: usize,
    test: usize,
    seed: u64,
) -> Result<()> {
    let folder = dir.join(kind.name());
    std::fs::create_dir_all(&folder).map_err(|e| DataError::io(&folder, e))?;
    for (n, images_role, labels_role, s) in [
        (train, FileRole::TrainImages, FileRole::TrainLabels, seed),
        (
            test,
            FileRole::TestImages,
            FileRole::TestLabels,
            seed.wrapping_add(1),
        ),
    ] {
        let (images, labels) = synthetic_images(n, s);
        write_gz(&file_path(dir, kind, images_role), &encode_images(&images))?;
        write_gz(&file_path(dir, kind, labels_role), &encode_labels(&labels))?;
    }
    Ok(())
}

/// Gzip-compresses `bytes` into `path`.
pub fn write_gz(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
    enc.write_all(bytes).map_err(|e| DataError::io(path, e))?;
    let gz = enc.finish().map_err(|e| DataError::io(path, e))?;
    ae_io::write_atomic(path, &gz).map_err(|e| DataError::io(path, e))
}
