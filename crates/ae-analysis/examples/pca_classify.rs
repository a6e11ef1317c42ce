//! The PCA baseline on MNIST: fit 32 components on 10,000 training images, report the
//! test reconstruction MSE, then classify the test images' PCA codes with logistic
//! regression (early-stopped on the last 20% of the training codes).
//!
//! `cargo run --release -p ae-analysis --example pca_classify -- DATA_DIR`

use std::path::PathBuf;
use std::time::Instant;

use ae_analysis::{ClassifierConfig, ClassifierKind, Features, train_classifier};
use ae_analysis::{PcaParams, Samples};
use ae_data::{Dataset, DatasetKind, ImageSet, validation_split};
use ae_train::DefaultBackend;

const COMPONENTS: usize = 32;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(data_dir) = std::env::args().nth(1) else {
        return Err("usage: pca_classify DATA_DIR".into());
    };
    let mnist = Dataset::load(&PathBuf::from(data_dir), DatasetKind::Mnist)?;
    let train_set = mnist.train.first(10_000)?;
    let train = train_set.to_f32();
    let test = mnist.test.to_f32();

    let started = Instant::now();
    let pca = PcaParams::new(COMPONENTS).fit(&Samples::new(&train, train_set.len(), 784)?)?;
    let explained: f64 = pca.explained_variance_ratio().iter().sum();
    let mse = pca.reconstruction_mse(&Samples::new(&test, mnist.test.len(), 784)?)?;
    println!(
        "PCA, {COMPONENTS} components on {} images: fitted in {:.2} s, {:.1}% of the variance, test reconstruction MSE {mse:.5}",
        train_set.len(),
        started.elapsed().as_secs_f64(),
        100.0 * explained
    );

    let codes = |values: &[f32], set: &ImageSet| -> Result<Features, Box<dyn std::error::Error>> {
        let projected = pca.transform(&Samples::new(values, set.len(), 784)?)?;
        Ok(Features::new(projected, COMPONENTS, set.labels().to_vec())?)
    };
    let (fit, test) = (codes(&train, &train_set)?, codes(&test, &mnist.test)?);
    let (fit_rows, val_rows) = validation_split(fit.rows, 0.2);
    let report = train_classifier::<DefaultBackend>(
        &ClassifierConfig::new(ClassifierKind::Logistic, 0),
        &fit.select(&fit_rows.collect::<Vec<_>>()),
        &fit.select(&val_rows.collect::<Vec<_>>()),
        &test,
        10,
        &Default::default(),
    )?;
    println!(
        "logistic regression on the codes: validation accuracy {:.4}, test accuracy {:.4} (epoch {} kept)",
        report.val_accuracy, report.test_accuracy, report.best_epoch
    );
    Ok(())
}
