//! `cargo xtask reproduce`: regenerates the report under `reports/`.

use std::path::PathBuf;
use std::time::Instant;

use ae_data::{Dataset, DatasetKind};
use ae_report::Report;
use clap::{Args, ValueEnum};

/// How much compute the report may use.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Profile {
    /// Tiny subsets, 1-2 epochs: every section in minutes (used by the tests).
    Smoke,
    /// Full datasets, reduced epochs.
    Quick,
    /// The seeds' own settings.
    Full,
}

/// Arguments of `cargo xtask reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Compute profile.
    #[arg(long, value_enum, default_value = "quick")]
    profile: Profile,
    /// Folder holding `mnist/` and `fashion/` (default: $AE_DATA_DIR, else ./data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Report folder.
    #[arg(long, default_value = "reports")]
    out: PathBuf,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

/// Builds the report.
pub fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = ae_data::resolve_data_dir(args.data_dir.as_deref());
    let mut datasets = Vec::new();
    for kind in DatasetKind::ALL {
        datasets.push(Dataset::load_or_fetch(&dir, kind, &mut |line| eprintln!("{line}"))?);
    }
    let mut report = Report::new(&args.out, "autoencoders-rs: reproduced experiments");
    for ds in &datasets {
        report.provenance.push(format!("{}: verified: {}", ds.kind, ds.verified()));
    }
    report.provenance.push(format!("profile: {:?}, seed: {}", args.profile, args.seed));
    report.sections.push(ae_report::data_section::data_section(&datasets, &args.out)?);
    report.provenance.push(format!("wall time: {:.1} s", started.elapsed().as_secs_f64()));
    report.write()?;
    println!("report written to {}", args.out.join("index.html").display());
    Ok(())
}
