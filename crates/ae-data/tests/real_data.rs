//! Loads the real datasets from `$AE_DATA_DIR` (skipped with a notice when unset).
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;

use ae_data::{Dataset, DatasetKind, FileRole};

fn data_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("AE_DATA_DIR").map(PathBuf::from);
    if dir.is_none() {
        eprintln!("AE_DATA_DIR not set: skipping the real-data test");
    }
    dir
}

#[test]
fn mnist_loads_and_verifies() {
    let Some(dir) = data_dir() else { return };
    let ds = Dataset::load(&dir, DatasetKind::Mnist).unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    assert_eq!((ds.train.rows(), ds.train.cols()), (28, 28));
    assert!(
        ds.verified(),
        "MNIST must match the canonical digests: {:?}",
        ds.files
    );
    // MNIST's train set is not balanced; the published histogram starts 5923, 6742.
    let hist = ds.train.class_histogram();
    assert_eq!(&hist[..2], &[5923, 6742]);
    assert_eq!(hist.iter().sum::<usize>(), 60_000);
}

#[test]
fn fashion_loads_with_balanced_classes_and_unverified_images() {
    let Some(dir) = data_dir() else { return };
    let ds = Dataset::load(&dir, DatasetKind::Fashion).unwrap();
    assert_eq!((ds.train.len(), ds.test.len()), (60_000, 10_000));
    assert_eq!(ds.train.class_histogram(), vec![6000; 10]);
    assert_eq!(ds.test.class_histogram(), vec![1000; 10]);
    let verified = |role| {
        ds.files
            .iter()
            .find(|f| f.role == role)
            .unwrap()
            .verification
            .verified
    };
    assert!(verified(FileRole::TrainLabels) && verified(FileRole::TestLabels));
    assert!(!verified(FileRole::TrainImages) && !verified(FileRole::TestImages));
    assert!(!ds.verified());
    // The shared copy's documented pixel mean is 0.28611.
    let mean = ds.train.pixels().iter().map(|&p| f64::from(p)).sum::<f64>()
        / (ds.train.pixels().len() as f64 * 255.0);
    assert!((mean - 0.28611).abs() < 5e-5, "{mean}");
}
