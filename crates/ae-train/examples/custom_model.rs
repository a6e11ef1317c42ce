//! Trains a custom dense architecture (784-256-64-16 with tanh code, sigmoid output) on
//! MNIST with MSE and Adam, then prints the history. Run it again to see the resume: a
//! finished run trains nothing more.
//!
//! `cargo run --release -p ae-train --example custom_model -- DATA_DIR RUN_DIR [EPOCHS]`

use std::path::PathBuf;

use ae_data::{Dataset, DatasetKind};
use ae_models::DenseAutoencoderConfig;
use ae_models::{Activation, ModelConfig, ReconstructionLoss};
use ae_train::{DefaultBackend, ProgressMode, TrainData, TrainingConfig, train_or_resume};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let (Some(data_dir), Some(run_dir)) = (args.next(), args.next()) else {
        return Err("usage: custom_model DATA_DIR RUN_DIR [EPOCHS]".into());
    };
    let epochs = args.next().map(|e| e.parse()).transpose()?.unwrap_or(3);
    let mnist = Dataset::load(&PathBuf::from(data_dir), DatasetKind::Mnist)?;

    let model = DenseAutoencoderConfig::symmetric(
        784,
        &[256, 64],
        16,
        Activation::Relu,
        Activation::Tanh,
        Activation::Sigmoid,
    );
    let mut config = TrainingConfig::new(ModelConfig::Dense(model), DatasetKind::Mnist);
    config.objective.loss = ReconstructionLoss::Mse;
    (config.epochs, config.batch_size) = (epochs, 256);
    let data = TrainData::select(&config, &mnist)?;
    let outcome = train_or_resume::<DefaultBackend>(
        &config,
        &data,
        &PathBuf::from(&run_dir),
        ProgressMode::Plain,
        &Default::default(),
    )?;
    println!("epoch  train MSE  val MSE  seconds");
    for r in &outcome.history {
        println!(
            "{:>5}  {:>9.5}  {:>7.5}  {:>7.2}",
            r.epoch, r.train_loss, r.val_loss, r.seconds
        );
    }
    println!(
        "run folder {run_dir}: resumed after epoch {}, {} epochs in all",
        outcome.resumed_from,
        outcome.history.len()
    );
    Ok(())
}
