//! `cargo xtask`: project automation written in Rust (fetching data, reproducing the
//! report, checking it in a browser).

mod bench_peers;
mod check_report;
mod fetch;
mod fidelity;
mod lockstep;
mod merge;
mod plan;
mod provenance;
mod reproduce;
mod slurm;

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(name = "xtask", about = "autoencoders-rs automation")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    Mnist,
    Fashion,
    All,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Download the canonical dataset files into ./data (or --data-dir), checking digests.
    FetchData {
        /// Which dataset.
        #[arg(long, value_enum, default_value = "all")]
        dataset: Which,
        /// Destination folder (default ./data).
        #[arg(long, default_value = "data")]
        data_dir: PathBuf,
    },
    /// Regenerate the report under reports/.
    Reproduce(reproduce::ReproduceArgs),
    /// Gather the finished runs of shard folders (`reproduce --shard I/N`) into one report folder.
    Merge(merge::MergeArgs),
    /// Write docs/fidelity.md: the seeds' numbers beside ours from a full-profile report.
    Fidelity(fidelity::FidelityArgs),
    /// Train fc and conv here and with the PyTorch/Keras peers, alternately; write docs/performance.md.
    BenchPeers(bench_peers::BenchPeersArgs),
    /// Open a report's index.html in headless Chromium and fail on any broken image.
    CheckReport {
        /// Report folder.
        #[arg(long, default_value = "reports")]
        dir: PathBuf,
    },
}

/// mimalloc keeps freed blocks for reuse: with glibc's allocator every training step
/// returned its multi-megabyte activations to the kernel and faulted them back in
/// (page clearing and TLB shootdowns were 25% of a conv epoch).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::FetchData { dataset, data_dir } => {
            let kinds = match dataset {
                Which::Mnist => vec![ae_data::DatasetKind::Mnist],
                Which::Fashion => vec![ae_data::DatasetKind::Fashion],
                Which::All => ae_data::DatasetKind::ALL.to_vec(),
            };
            fetch::fetch(&data_dir, &kinds)
        }
        Command::Reproduce(args) => reproduce::run(&args),
        Command::Merge(args) => merge::run(&args),
        Command::BenchPeers(args) => bench_peers::run(&args),
        Command::Fidelity(args) => fidelity::run(&args),
        Command::CheckReport { dir } => check_report::check(&dir).map(|c| {
            println!(
                "{}: {} images loaded, {} verdicts classed, {} latent explorers decoded their point (largest difference from Rust {:.1e}); screenshot {}",
                dir.join("index.html").display(),
                c.images,
                c.verdicts,
                c.explorers,
                c.worst_decode,
                dir.join(check_report::SCREENSHOT_FILE).display()
            )
        }),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", ae_io::describe_error(e.as_ref()));
            std::process::ExitCode::FAILURE
        }
    }
}
