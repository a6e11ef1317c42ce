//! `ae`: the autoencoder toolkit's command line.

mod data;
mod pca;
mod train;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Autoencoders on MNIST and Fashion-MNIST.
#[derive(Debug, Parser)]
#[command(name = "ae", version, about, propagate_version = true)]
struct Cli {
    /// Folder holding `mnist/` and `fashion/` (default: $AE_DATA_DIR, else ./data).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Inspect the datasets: verify digests, render image grids.
    #[command(subcommand)]
    Data(data::DataCommand),
    /// Train an autoencoder (or resume a run).
    Train(Box<train::TrainArgs>),
    /// PCA baseline: test reconstruction MSE, explained variance, fit time.
    Pca(pca::PcaArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = ae_data::resolve_data_dir(cli.data_dir.as_deref());
    let result = match cli.command {
        Command::Data(cmd) => data::run(cmd, &data_dir),
        Command::Train(args) => train::run(&args, &data_dir),
        Command::Pca(args) => pca::run(&args, &data_dir),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
