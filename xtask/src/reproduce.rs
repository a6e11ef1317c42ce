//! `cargo xtask reproduce`: regenerates the report under `reports/`.
//!
//! Each experiment's training runs live under `<out>/runs/`; finished runs are reused and
//! interrupted ones resumed, so a killed reproduction continues where it stopped. The
//! report folder is locked for the whole reproduction (`<out>/.lock`).

use std::path::PathBuf;
use std::time::Instant;

use ae_data::{Dataset, DatasetKind};
use ae_report::{Context, EXPERIMENTS, Experiment, Profile, Settings, backend_description};
use ae_report::{Report, Table};
use ae_train::ProgressMode;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// What a reproduction records about itself in its folder (read by `cargo xtask fidelity`).
pub const PROVENANCE_FILE: &str = "provenance.json";

/// Output of a command, trimmed; `None` when it cannot run or fails.
fn command_output(program: &str, args: &[&str]) -> Option<String> {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The checkout's commit and whether it had uncommitted changes, taken when the
/// reproduction starts (the tree may change while it runs).
struct Checkout {
    commit: Option<String>,
    dirty: Option<bool>,
}

impl Checkout {
    fn now() -> Self {
        Checkout {
            commit: command_output("git", &["rev-parse", "--short=12", "HEAD"]),
            dirty: command_output("git", &["status", "--porcelain", "--untracked-files=no"])
                .map(|s| !s.is_empty()),
        }
    }
}

/// The CPU model and core count, for the record of wall times.
fn machine() -> String {
    let model = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {cores} cores")
}

/// Appends this invocation to `provenance.json`: profile and seed, then one record per
/// invocation (commit, date, machine, sections run and their wall times), since a
/// reproduction that resumes spans several invocations. A file of another profile or
/// seed is replaced.
fn write_provenance(
    args: &ReproduceArgs,
    checkout: &Checkout,
    sections: &[(String, f64)],
    total_seconds: f64,
) -> anyhow::Result<()> {
    let invocation = serde_json::json!({
        "only": args.only,
        "commit": checkout.commit,
        "dirty": checkout.dirty,
        "finished": command_output("date", &["-u", "+%Y-%m-%d %H:%M UTC"]),
        "machine": machine(),
        "total_seconds": total_seconds,
        "sections": sections
            .iter()
            .map(|(id, seconds)| serde_json::json!({"id": id, "seconds": seconds}))
            .collect::<Vec<_>>(),
    });
    let path = args.out.join(PROVENANCE_FILE);
    let mut invocations = match crate::fidelity::read_provenance(&args.out) {
        Ok(previous)
            if previous["profile"] == args.profile.name() && previous["seed"] == args.seed =>
        {
            crate::fidelity::invocations(&previous)
        }
        _ => Vec::new(),
    };
    invocations.push(invocation);
    let value = serde_json::json!({
        "profile": args.profile.name(),
        "seed": args.seed,
        "invocations": invocations,
    });
    ae_data::write_atomic(&path, serde_json::to_string_pretty(&value)?.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))
}

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
    /// Print every training run the profile performs, with its settings, and stop
    /// (nothing is trained, no data is read, the folder is not touched).
    #[arg(long)]
    plan: bool,
    /// With `--plan`: one JSON object per line.
    #[arg(long, requires = "plan")]
    json: bool,
}

/// Prints the plan of the chosen experiments.
fn print_plan(args: &ReproduceArgs) -> anyhow::Result<()> {
    let settings = Settings {
        profile: args.profile,
        seed: args.seed,
    };
    let mut runs = Vec::new();
    for exp in chosen(args) {
        runs.extend((exp.runs)(&settings)?);
    }
    if args.json {
        for run in &runs {
            println!("{}", crate::plan::to_json(run));
        }
    } else {
        print!("{}", crate::plan::to_table(&runs).to_markdown());
        println!(
            "{} training runs ({} profile).",
            runs.len(),
            args.profile.name()
        );
    }
    Ok(())
}

/// The experiments that `--only` selects, in report order.
fn chosen(args: &ReproduceArgs) -> Vec<&'static Experiment> {
    EXPERIMENTS
        .iter()
        .filter(|e| args.only.as_deref().is_none_or(|o| e.id.contains(o)))
        .collect()
}

/// Builds the report.
pub fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    if args.plan {
        return print_plan(args);
    }
    let started = Instant::now();
    let checkout = Checkout::now();
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
        "backend: {}; profile: {}; seed: {}",
        backend_description(&Default::default()),
        profile.name(),
        args.seed
    ));
    report
        .sections
        .push(ae_report::data_section(&[&mnist, &fashion], &args.out)?);

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
    let chosen = chosen(args);
    let overall = ProgressBar::new(chosen.len() as u64);
    overall.set_style(
        ProgressStyle::with_template("[{pos}/{len}] {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut times = Table::new(["section", "wall seconds"]);
    let mut section_seconds = Vec::new();
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
        section_seconds.push((exp.id.to_string(), seconds));
        report.sections.push(section);
        overall.inc(1);
        // Write after every section: an interrupted reproduction leaves a consistent report.
        report.write()?;
    }
    overall.finish_and_clear();
    // The seeds' numbers beside ours, when every section they need has run.
    if args.only.is_none() {
        let rows = ae_report::measure(&args.out, &[]);
        let mut fidelity =
            ae_report::Section::new("fidelity", "Fidelity: the seeds' numbers beside ours");
        fidelity.text(if profile == Profile::Full {
            "From this full-profile run, at the seeds' own settings. docs/fidelity.md adds the spread over three seeds.".to_string()
        } else {
            format!("From this {} profile, which trains fewer epochs than the seeds: only the full profile compares like with like.", profile.name())
        });
        fidelity.styled_table(
            "seeds",
            ae_report::fidelity_table(&rows),
            ae_report::fidelity_cell_style,
        );
        // Fidelity first: the page opens on whether the reproduction holds.
        report.sections.insert(0, fidelity);
    }
    let mut summary = ae_report::Section::new("timing", "Wall time per experiment");
    summary.table("wall-time", times);
    report.sections.push(summary);
    report.provenance.push(format!(
        "total wall time: {:.1} s",
        started.elapsed().as_secs_f64()
    ));
    report.write()?;
    write_provenance(
        args,
        &checkout,
        &section_seconds,
        started.elapsed().as_secs_f64(),
    )?;
    println!(
        "report written to {}",
        args.out.join("index.html").display()
    );
    Ok(())
}
