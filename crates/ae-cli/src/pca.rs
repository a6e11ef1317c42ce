//! `ae pca`: the PCA baseline on a dataset.

use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use ae_analysis::{PcaParams, Samples};
use ae_data::DatasetKind;
use clap::Args;

/// Arguments of `ae pca`.
#[derive(Debug, Args)]
pub struct PcaArgs {
    /// mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// Number of components.
    #[arg(long, default_value_t = 32)]
    components: usize,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
}

/// Fits on the training split, reports the per-pixel reconstruction MSE on both splits.
pub fn run(args: &PcaArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let ds = crate::data::load_dataset(data_dir, args.dataset)?;
    let pixels = ds.train.pixels_per_image();
    let (train, test) = (ds.train.to_f32(), ds.test.to_f32());
    let train = Samples::new(&train, ds.train.len(), pixels)?;
    let test = Samples::new(&test, ds.test.len(), pixels)?;
    let started = Instant::now();
    let pca = PcaParams::new(args.components).fit(&train)?;
    let fit_seconds = started.elapsed().as_secs_f64();
    let (train_mse, test_mse) = (
        pca.reconstruction_mse(&train)?,
        pca.reconstruction_mse(&test)?,
    );
    let ratio = pca.explained_variance_ratio();
    let explained: f64 = ratio.iter().sum();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "dataset": args.dataset.name(), "components": args.components, "train_mse": train_mse, "test_mse": test_mse,
                "explained_variance": explained, "explained_variance_ratio": ratio, "fit_seconds": fit_seconds,
                "verified": ds.verified(),
            })
        );
    } else {
        println!(
            "PCA-{} on {}: test MSE {test_mse:.5}, train MSE {train_mse:.5}, explained variance {:.2}%, fit {fit_seconds:.2} s",
            args.components,
            args.dataset,
            explained * 100.0
        );
    }
    Ok(ExitCode::SUCCESS)
}
