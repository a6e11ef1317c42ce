//! The PCA accuracy bar on the real data (`AE_DATA_DIR` must name it, as the README's test
//! command does; without it the test fails rather than passing untested): fit on the
//! 60k training images in [0, 1], per-pixel test MSE within 1% of numpy's reference values.

use std::path::PathBuf;

use ae_analysis::{PcaParams, Samples};
use ae_data::{Dataset, DatasetKind};

fn check(kind: DatasetKind, reference: &[(usize, f64)]) {
    let dir = std::env::var_os("AE_DATA_DIR").map(PathBuf::from).expect(
        "AE_DATA_DIR must name the folder holding mnist/ and fashion/ (README's test command)",
    );
    let ds = Dataset::load(&dir, kind).unwrap();
    let (train, test) = (ds.train.to_f32(), ds.test.to_f32());
    let train = Samples::new(&train, ds.train.len(), 784).unwrap();
    let test = Samples::new(&test, ds.test.len(), 784).unwrap();
    let full = PcaParams::new(128).fit(&train).unwrap();
    for &(k, expected) in reference {
        let mse = full
            .truncated(k)
            .unwrap()
            .reconstruction_mse(&test)
            .unwrap();
        let rel = (mse - expected).abs() / expected;
        assert!(
            rel < 0.01,
            "{kind} k={k}: test MSE {mse:.6} vs reference {expected} ({:.2}% off)",
            rel * 100.0
        );
    }
}

#[test]
fn mnist_pca_meets_the_reference() {
    check(
        DatasetKind::Mnist,
        &[(2, 0.0557), (32, 0.0168), (64, 0.00905), (128, 0.00421)],
    );
}

#[test]
fn fashion_pca_meets_the_reference() {
    check(
        DatasetKind::Fashion,
        &[(2, 0.0464), (32, 0.0152), (64, 0.0104), (128, 0.00631)],
    );
}
