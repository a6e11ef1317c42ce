//! `cargo xtask reproduce`: regenerates the report under `reports/`.
//!
//! Each experiment's training runs live under `<out>/runs/`; finished runs are reused and
//! interrupted ones resumed, so a killed reproduction continues where it stopped. The
//! report folder is locked for the whole reproduction (`<out>/.lock`).

use std::path::PathBuf;
use std::time::Instant;

use ae_data::{Dataset, DatasetKind};
use ae_report::experiments::{Context, EXPERIMENTS, Profile};
use ae_report::{Report, Table};
use ae_train::ProgressMode;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `cargo xtask reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Compute profile: smoke (tiny subsets, 1 epoch), quick (full data, fewer epochs) or full (the seeds' settings).
    #[arg(long, default_value = "quick")]
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
    /// Only the experiments whose id contains this text (e.g. `five-class`).
    #[arg(long)]
    only: Option<String>,
}

/// Builds the report.
pub fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    // One reproduction per report folder: a second one is refused before writing.
    let _lock = ae_train::FolderLock::acquire(&args.out)?;
    let profile = args.profile;
    let dir = ae_data::resolve_data_dir(args.data_dir.as_deref());
    let mnist = Dataset::load_or_fetch(&dir, DatasetKind::Mnist, &mut |line| eprintln!("{line}"))?;
    let fashion =
        Dataset::load_or_fetch(&dir, DatasetKind::Fashion, &mut |line| eprintln!("{line}"))?;
    let mut report = Report::new(&args.out, "autoencoders-rs: reproduced experiments");
    for ds in [&mnist, &fashion] {
        report
            .provenance
            .push(format!("{}: verified: {}", ds.kind, ds.verified()));
    }
    report.provenance.push(format!(
        "backend: flex (Autodiff<Flex>, CPU); profile: {}; seed: {}",
        profile.name(),
        args.seed
    ));
    report.sections.push(ae_report::data_section::data_section(
        &[&mnist, &fashion],
        &args.out,
    )?);

    let ctx = Context {
        mnist: &mnist,
        fashion: &fashion,
        profile,
        seed: args.seed,
        report_dir: args.out.clone(),
        runs_dir: args.out.join("runs"),
        progress: ProgressMode::Plain,
        device: Default::default(),
    };
    let chosen: Vec<_> = EXPERIMENTS
        .iter()
        .filter(|e| args.only.as_deref().is_none_or(|o| e.id.contains(o)))
        .collect();
    let overall = ProgressBar::new(chosen.len() as u64);
    overall.set_style(
        ProgressStyle::with_template("[{pos}/{len}] {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut times = Table::new(["section", "wall seconds"]);
    for exp in chosen {
        overall.set_message(exp.title);
        // A hidden bar (no terminal) drops println: log plainly then.
        if overall.is_hidden() {
            eprintln!("== {}", exp.title);
        } else {
            overall.println(format!("== {}", exp.title));
        }
        let t = Instant::now();
        let mut section = overall
            .suspend(|| (exp.run)(&ctx))
            .map_err(|e| anyhow::anyhow!("{}: {e}", exp.id))?;
        let seconds = t.elapsed().as_secs_f64();
        section.text(format!(
            "Wall time of this experiment: {seconds:.1} s ({} profile).",
            profile.name()
        ));
        times.push([exp.id.to_string(), format!("{seconds:.1}")]);
        report.sections.push(section);
        overall.inc(1);
        // Write after every section: an interrupted reproduction leaves a consistent report.
        report.write()?;
    }
    overall.finish_and_clear();
    let mut summary = ae_report::Section::new("timing", "Wall time per experiment");
    summary.table("wall-time", times);
    report.sections.push(summary);
    report.provenance.push(format!(
        "total wall time: {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    report.write()?;
    println!(
        "report written to {}",
        args.out.join("index.html").display()
    );
    Ok(())
}
