//! `ae five-class`: the seed report's five-class protocol (digits 0, 1, 2, 4, 7).

use std::path::Path;
use std::process::ExitCode;

use ae_analysis::{FiveClassConfig, five_class_protocol};
use ae_data::DatasetKind;
use ae_train::{DefaultBackend, ProgressMode};
use clap::Args;

/// Arguments of `ae five-class`.
#[derive(Debug, Args)]
pub struct FiveClassArgs {
    /// Autoencoder epochs.
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Most classifier epochs (early stopping on the validation split).
    #[arg(long, default_value_t = 50)]
    classifier_epochs: usize,
    /// Images per class for train, validation and test.
    #[arg(long, value_delimiter = ',', default_value = "2277,759,759")]
    split: Vec<usize>,
    #[command(flatten)]
    runs: crate::analysis::RunsArgs,
}

/// Runs the protocol on MNIST and prints one row per representation.
pub fn run(args: &FiveClassArgs, data_dir: &Path) -> anyhow::Result<ExitCode> {
    let &[train, val, test] = args.split.as_slice() else {
        anyhow::bail!("--split: expected three counts TRAIN,VAL,TEST per class");
    };
    let mut config = FiveClassConfig::seed_protocol(args.epochs, args.runs.seed);
    config.per_class = [train, val, test];
    config.classifier_epochs = args.classifier_epochs;
    let ds = crate::data::load_dataset(data_dir, DatasetKind::Mnist)?;
    let pool = ds.train.concat(&ds.test)?;
    let result = five_class_protocol::<DefaultBackend>(
        &config,
        &pool,
        DatasetKind::Mnist,
        &args.runs.out,
        ProgressMode::Auto,
        &Default::default(),
    )?;
    if args.runs.json {
        let rows: Vec<_> = result
            .methods
            .iter()
            .map(|m| {
                let accuracies: Vec<_> = m.classifiers.iter().map(|c| serde_json::json!({"classifier": c.classifier, "val_accuracy": c.val_accuracy, "test_accuracy": c.test_accuracy})).collect();
                serde_json::json!({"method": m.method.to_string(), "code_size": m.code_size, "mse_train": m.mse[0], "mse_val": m.mse[1], "mse_test": m.mse[2], "classifiers": accuracies, "seconds": m.seconds})
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({"sizes": result.sizes, "methods": rows, "verified": ds.verified()})
        );
    } else {
        println!(
            "{:<14} {:>5} {:>10} {:>10} {:>10} {:>9}",
            "method", "code", "mse_train", "mse_val", "mse_test", "test_acc*"
        );
        for m in &result.methods {
            println!(
                "{:<14} {:>5} {:>10.5} {:>10.5} {:>10.5} {:>9.4}",
                m.method,
                m.code_size,
                m.mse[0],
                m.mse[1],
                m.mse[2],
                m.chosen_test_accuracy()
            );
        }
        println!("* of the classifier with the best validation accuracy");
    }
    Ok(ExitCode::SUCCESS)
}
