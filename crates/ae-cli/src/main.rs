//! `ae`: the autoencoder toolkit's command line.

mod analysis;
mod classify;
mod data;
mod encode;
mod interop;
mod output;
mod pca;
mod protocol;
#[cfg(feature = "server")]
mod serve;
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
    /// Classifier (logistic regression or MLP) on pixels, PCA components or codes.
    Classify(classify::ClassifyArgs),
    /// Bottleneck sweep: the shallow autoencoder at several code sizes.
    Sweep(analysis::SweepArgs),
    /// 2-D latent protocol: test points, decoded points, the manifold grid.
    Latent(analysis::LatentArgs),
    /// First-layer encoder weights of a dense model as 28x28 images.
    Weights(analysis::WeightsArgs),
    /// Codes of a trained model for a split, as a Parquet or CSV table.
    Encode(encode::EncodeArgs),
    /// The five-class protocol: PCA vs autoencoders on digits 0, 1, 2, 4, 7.
    FiveClass(protocol::FiveClassArgs),
    /// A run's weights as a safetensors file (PyTorch's state-dict layout by default).
    Export(interop::ExportArgs),
    /// A run folder from a safetensors file of weights trained elsewhere.
    Import(interop::ImportArgs),
    /// burn's websocket server: runs the tensors of `--backend remote` clients here.
    #[cfg(feature = "server")]
    Serve(serve::ServeArgs),
}

/// mimalloc keeps freed blocks for reuse: with glibc's allocator every training step
/// returned its multi-megabyte activations to the kernel and faulted them back in
/// (page clearing and TLB shootdowns were 25% of a conv epoch).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let data_dir = ae_data::resolve_data_dir(cli.data_dir.as_deref());
    let result = match cli.command {
        Command::Data(cmd) => data::run(cmd, &data_dir),
        Command::Train(args) => train::run(&args, &data_dir),
        Command::Pca(args) => pca::run(&args, &data_dir),
        Command::Classify(args) => classify::run(&args, &data_dir),
        Command::Sweep(args) => analysis::sweep(&args, &data_dir),
        Command::Latent(args) => analysis::latent(&args, &data_dir),
        Command::Weights(args) => analysis::weights(&args),
        Command::Encode(args) => encode::run(&args, &data_dir),
        Command::FiveClass(args) => protocol::run(&args, &data_dir),
        Command::Export(args) => interop::export(&args),
        Command::Import(args) => interop::import(&args),
        #[cfg(feature = "server")]
        Command::Serve(args) => serve::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", ae_io::describe_error(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}
