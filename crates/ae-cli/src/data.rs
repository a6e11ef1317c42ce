//! `ae data ...`: digest verification and image grids.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ae_data::{Dataset, DatasetKind, Split};
use ae_data::{GridLayout, render_grid, save_png};
use anyhow::Context;
use clap::{Args, Subcommand};

/// Dataset inspection commands.
#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// One line per file: name, item count, verified or not. Exit 0 when all files load.
    Verify {
        /// Only this dataset (default: both).
        #[arg(long)]
        dataset: Option<DatasetKind>,
    },
    /// Write a PNG grid of the first N images of a split, labels under them.
    Show(ShowArgs),
}

/// Arguments of `ae data show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// mnist or fashion.
    #[arg(long, default_value = "mnist")]
    dataset: DatasetKind,
    /// train or test.
    #[arg(long, default_value = "test")]
    split: Split,
    /// How many images, from the start of the split.
    #[arg(long, default_value_t = 10)]
    first: usize,
    /// Images per grid row.
    #[arg(long, default_value_t = 10)]
    columns: usize,
    /// Output PNG file.
    #[arg(long)]
    out: PathBuf,
}

/// Loads `kind` from `dir`, downloading it there first when absent, telling the user where from.
pub fn load_dataset(dir: &Path, kind: DatasetKind) -> anyhow::Result<Dataset> {
    let ds = Dataset::load_or_fetch(dir, kind, &mut |line| eprintln!("{line}"))?;
    if !ds.verified() {
        eprintln!(
            "warning: {kind} files in {} do not all match the canonical SHA-256 (verified: false)",
            dir.display()
        );
    }
    Ok(ds)
}

/// Runs a `data` subcommand.
pub fn run(cmd: DataCommand, dir: &Path) -> anyhow::Result<ExitCode> {
    match cmd {
        DataCommand::Verify { dataset } => verify(dir, dataset),
        DataCommand::Show(args) => show(dir, &args),
    }
}

fn verify(dir: &Path, only: Option<DatasetKind>) -> anyhow::Result<ExitCode> {
    let kinds: Vec<DatasetKind> = only.map_or_else(|| DatasetKind::ALL.to_vec(), |k| vec![k]);
    for kind in kinds {
        let ds = Dataset::load_or_fetch(dir, kind, &mut |line| eprintln!("{line}"))?;
        for f in &ds.files {
            let status = if f.verification.verified {
                "verified".to_string()
            } else {
                format!("UNVERIFIED sha256={}", f.verification.sha256)
            };
            println!(
                "{:<40} {:>6}  {status}",
                format!("{kind}/{}", f.role.file_name()),
                f.count
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn show(dir: &Path, args: &ShowArgs) -> anyhow::Result<ExitCode> {
    if args.first == 0 {
        anyhow::bail!("--first must be at least 1");
    }
    let ds = load_dataset(dir, args.dataset)?;
    let set = ds.split(args.split).first(args.first).context("--first")?;
    let captions: Vec<String> = set.labels().iter().map(|l| l.to_string()).collect();
    let layout = GridLayout {
        columns: args.columns.max(1),
        ..GridLayout::default()
    };
    let img = render_grid(
        &set.to_f32(),
        set.rows(),
        set.cols(),
        Some(&captions),
        layout,
    );
    save_png(&img, &args.out)?;
    println!(
        "wrote {} ({} images, {}x{} px)",
        args.out.display(),
        set.len(),
        img.width(),
        img.height()
    );
    Ok(ExitCode::SUCCESS)
}
