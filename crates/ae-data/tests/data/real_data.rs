//! Loads the real datasets from `$AE_DATA_DIR`, which must name them (the README's test
//! command sets it): an unset variable fails the tests rather than skipping them.

use std::path::PathBuf;

use ae_data::{Dataset, DatasetKind, FileRole};

fn data_dir() -> PathBuf {
    std::env::var_os("AE_DATA_DIR").map(PathBuf::from).expect(
        "AE_DATA_DIR must name the folder holding mnist/ and fashion/ (README's test command)",
    )
}

#[test]
fn mnist_loads_and_verifies() {
    let ds = Dataset::load(&data_dir(), DatasetKind::Mnist).unwrap();
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
fn fashion_loads_with_balanced_classes_and_canonical_statistics() {
    let ds = Dataset::load(&data_dir(), DatasetKind::Fashion).unwrap();
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
    // The genuine images verify; a close copy (as in the shared folder) does not, and
    // the dataset as a whole then reports itself unverified.
    let images = verified(FileRole::TrainImages) && verified(FileRole::TestImages);
    assert_eq!(ds.verified(), images);
    // Any correct copy has the canonical train pixel mean, 0.28604, to within 1e-3.
    let mean = ds.train.pixels().iter().map(|&p| f64::from(p)).sum::<f64>()
        / (ds.train.pixels().len() as f64 * 255.0);
    assert!((mean - 0.28604).abs() < 1e-3, "{mean}");
}
