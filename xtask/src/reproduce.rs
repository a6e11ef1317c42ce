//! `cargo xtask reproduce`: regenerates the report under `reports/`.
//!
//! Each experiment's training runs live under `<out>/runs/`; finished runs are reused and
//! interrupted ones resumed, so a killed reproduction continues where it stopped. The
//! report folder is locked for the whole reproduction (`<out>/.lock`).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use crate::provenance::{Checkout, machine, utc_now};
use ae_data::{Dataset, DatasetKind};
use ae_report::{
    Context, ExperimentInfo, Profile, Settings, Shard, backend_description, costliest_first,
    experiments, shard_runs, train_runs,
};
use ae_report::{Report, Table};
use ae_train::{BackendKind, Placement, ProgressMode, WithBackend};
use burn::tensor::backend::AutodiffBackend;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

/// What a reproduction records about itself in its folder (read by `cargo xtask fidelity`).
pub const PROVENANCE_FILE: &str = "provenance.json";

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
        "finished": utc_now(),
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
    ae_io::write_atomic(&path, serde_json::to_string_pretty(&value)?.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))
}

/// Arguments of `cargo xtask reproduce`.
#[derive(Debug, Args)]
pub struct ReproduceArgs {
    /// Compute profile: smoke (tiny subsets, 1 epoch), quick (full data, fewer epochs) or full (the seeds' settings).
    #[arg(long, default_value = "quick")]
    pub(crate) profile: Profile,
    /// Folder holding `mnist/` and `fashion/` (default: $AE_DATA_DIR, else ./data).
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Report folder.
    #[arg(long, default_value = "reports")]
    pub(crate) out: PathBuf,
    /// Seed of every random choice.
    #[arg(long, default_value_t = 0)]
    pub(crate) seed: u64,
    /// Only the experiments whose id contains this text (e.g. `five-class`).
    #[arg(long)]
    pub(crate) only: Option<String>,
    /// Print every training run the profile performs, with its settings, and stop
    /// (nothing is trained, no data is read, the folder is not touched).
    #[arg(long)]
    plan: bool,
    /// With `--plan`: one JSON object per line.
    #[arg(long, requires = "plan")]
    json: bool,
    /// Backend that trains and runs every model: flex (default), ndarray, cuda (when
    /// compiled in) or remote (a burn server started by `ae serve`, see --remote).
    #[arg(long, default_value = "flex")]
    pub(crate) backend: BackendKind,
    /// Device index of a GPU backend.
    #[arg(long, default_value_t = 0)]
    device: usize,
    /// With `--backend remote`: the server's address, `ws://HOST:PORT`.
    #[arg(long)]
    pub(crate) remote: Option<String>,
    /// Train only slice I of N of the plan (balanced by estimated cost), render nothing;
    /// `cargo xtask merge` gathers the slices' runs into one report folder.
    #[arg(long, value_name = "I/N", conflicts_with_all = ["plan", "emit"])]
    shard: Option<Shard>,
    /// Write a cluster script that runs the reproduction as `--shards` jobs, then a
    /// dependent merge-and-render job, and stop (nothing is trained).
    #[arg(long, value_enum, requires = "shards", conflicts_with = "plan")]
    emit: Option<crate::slurm::Scheduler>,
    /// With `--emit`: the number of shards.
    #[arg(long, requires = "emit")]
    pub(crate) shards: Option<usize>,
    /// Train the plan's runs first, this many at once, then render the report from the
    /// finished runs. Each job is a process on its share of the cores that takes the
    /// costliest run no job has started yet. Two on two cores keep both busy all the
    /// time: a training has a core of its own and never waits for its other shard. Each
    /// run's seconds per epoch are then those of its share of the cores.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..), conflicts_with_all = ["plan", "emit", "shard"])]
    pub(crate) jobs: u16,
    /// Internal: run as job K of `--jobs` (started by the reproduction itself).
    #[arg(long, hide = true, value_name = "K", value_parser = clap::value_parser!(u16).range(1..))]
    job_worker: Option<u16>,
}

impl ReproduceArgs {
    /// The settings every run derives from.
    fn settings(&self) -> Settings {
        Settings {
            profile: self.profile,
            seed: self.seed,
            backend: self.backend,
        }
    }

    /// What the experiments run with on backend `B`.
    fn context<'a, B: AutodiffBackend>(
        &self,
        mnist: &'a Dataset,
        fashion: &'a Dataset,
        device: B::Device,
    ) -> Context<'a, B> {
        Context {
            mnist,
            fashion,
            settings: self.settings(),
            report_dir: self.out.clone(),
            runs_dir: self.out.join("runs"),
            progress: ProgressMode::Plain,
            device,
        }
    }

    /// Where the tensors live.
    fn placement(&self) -> Placement {
        Placement {
            backend: self.backend,
            gpu: self.device,
            remote: self.remote.clone(),
        }
    }
}

/// Prints the plan of the chosen experiments.
fn print_plan(args: &ReproduceArgs) -> anyhow::Result<()> {
    let runs = planned_runs(args)?;
    let text = if args.json {
        runs.iter()
            .map(|run| format!("{}\n", crate::plan::to_json(run)))
            .collect()
    } else {
        let flops = ae_report::estimated_flops(&runs);
        format!(
            "{}{} training runs ({} profile), about {:.1} TFLOP of training (6 per forward multiply-accumulate and image seen).\n",
            crate::plan::to_table(&runs).to_markdown(),
            runs.len(),
            args.profile.name(),
            flops / 1e12
        )
    };
    // A reader that stops early (`--plan --json | head`) is not an error.
    match std::io::stdout().lock().write_all(text.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

/// The training runs of the experiments that `--only` selects, in report order.
fn planned_runs(args: &ReproduceArgs) -> anyhow::Result<Vec<ae_report::PlannedRun>> {
    let settings = args.settings();
    let mut runs = Vec::new();
    for info in ae_report::EXPERIMENTS.iter().filter(|i| is_chosen(i, args)) {
        runs.extend((info.runs)(&settings)?);
    }
    Ok(runs)
}

/// One shard's training runs on the backend it names.
struct ShardTraining<'a> {
    args: &'a ReproduceArgs,
    mnist: &'a Dataset,
    fashion: &'a Dataset,
    runs: Vec<ae_report::PlannedRun>,
}

impl ShardTraining<'_> {
    /// Trains the runs on the backend `--backend` names.
    fn train(self) -> anyhow::Result<()> {
        let placement = self.args.placement();
        placement.dispatch(self)??;
        Ok(())
    }
}

impl WithBackend for ShardTraining<'_> {
    type Output = ae_report::Result<()>;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        let ctx = self.args.context::<B>(self.mnist, self.fashion, device);
        train_runs(&ctx, &experiments::<B>(), &self.runs)
    }
}

/// Trains the runs of one shard into `--out`, and records which (`shard.json`).
fn train_shard(
    args: &ReproduceArgs,
    shard: Shard,
    mnist: &Dataset,
    fashion: &Dataset,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let runs = shard_runs(&planned_runs(args)?, shard);
    let estimated = ae_report::estimated_flops(&runs);
    eprintln!(
        "shard {shard}: {} training runs, about {:.0} TFLOP",
        runs.len(),
        estimated / 1e12
    );
    let names: Vec<String> = runs
        .iter()
        .map(|r| format!("{}/{}", r.section, r.run))
        .collect();
    let training = ShardTraining {
        args,
        mnist,
        fashion,
        runs,
    };
    training.train()?;
    let record = serde_json::json!({
        "shard": shard.to_string(),
        "profile": args.profile.name(),
        "seed": args.seed,
        "backend": args.backend.name(),
        "runs": names,
        "estimated_flops": estimated,
        "wall_seconds": started.elapsed().as_secs_f64(),
    });
    let path = args.out.join(SHARD_FILE);
    ae_io::write_atomic(&path, serde_json::to_string_pretty(&record)?.as_bytes())
        .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    println!(
        "shard {shard}: {} runs trained in {:.1} s into {}",
        names.len(),
        started.elapsed().as_secs_f64(),
        args.out.join("runs").display()
    );
    Ok(())
}

/// Folder of `--jobs`' claims: `<index>/.lock` for each run of the costliest-first plan
/// that a job process has taken (removed when the jobs end).
const JOB_CLAIMS_DIR: &str = ".jobs";

/// Trains every run of the plan, `--jobs` at once, each job a process of this program
/// (`--job-worker K`) on its share of the cores, then returns; the report rendered next
/// reuses the runs.
///
/// Processes rather than threads: burn's autodiff keeps every graph of a process in one
/// registry, and each backward pass ends by locking all of them to clean up, so a job's
/// every step waited for the other job's backward pass to finish (`perf record -e
/// sched:sched_switch --call-graph dwarf`, 2026-12-03: `GraphCleaner::cleanup_orphaned_entries`
/// in `parking_lot`'s slow lock).
fn train_in_jobs(args: &ReproduceArgs) -> anyhow::Result<()> {
    let claims = args.out.join(JOB_CLAIMS_DIR);
    remove_claims(&claims)?;
    let program = std::env::current_exe()?;
    let count = usize::from(args.jobs);
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let mut children = Vec::new();
    for worker in 1..=count {
        let child = std::process::Command::new(&program)
            .args(std::env::args_os().skip(1))
            .args(["--job-worker", &worker.to_string()])
            // One core each where pinning is off (`AE_SHARD_AFFINITY=off`) too.
            .env("RAYON_NUM_THREADS", (cpus / count).max(1).to_string())
            .spawn()
            .map_err(|e| {
                anyhow::anyhow!("{}: cannot start job {worker}: {e}", program.display())
            })?;
        children.push((worker, child));
    }
    let mut failed = Vec::new();
    for (worker, mut child) in children {
        let status = child.wait()?;
        if !status.success() {
            failed.push(format!("job {worker} ({status})"));
        }
    }
    anyhow::ensure!(
        failed.is_empty(),
        "training failed in {}; finished runs are kept: run the same command again to continue",
        failed.join(", ")
    );
    remove_claims(&claims)
}

/// Removes the claims folder of earlier jobs, if any.
fn remove_claims(claims: &std::path::Path) -> anyhow::Result<()> {
    match std::fs::remove_dir_all(claims) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(anyhow::anyhow!("{}: cannot remove: {e}", claims.display()))
        }
        _ => Ok(()),
    }
}

/// One job of `--jobs`, in a process already pinned to its share of the cores: goes down
/// the plan costliest run first, training each run no other job has claimed, so the jobs
/// take runs as they free up and end on short ones, close together.
fn work_as_job(
    args: &ReproduceArgs,
    worker: u16,
    mnist: &Dataset,
    fashion: &Dataset,
) -> anyhow::Result<()> {
    let plan = planned_runs(args)?;
    let runs: Vec<_> = costliest_first(&plan)
        .into_iter()
        .map(|i| plan[i].clone())
        .collect();
    let training = JobTraining {
        args,
        mnist,
        fashion,
        runs: &runs,
        worker,
    };
    // On the (one-thread, pinned) global pool's thread, where every kernel runs inline:
    // called from this thread instead, each kernel was handed to the pool's thread and
    // back, 4000 switches a second between two threads on one core (`perf sched`,
    // 2026-12-03).
    ae_train::on_a_pool_thread(|| args.placement().dispatch(training))??;
    Ok(())
}

/// The plan's runs, costliest first, for one job process to claim and train.
struct JobTraining<'a> {
    args: &'a ReproduceArgs,
    mnist: &'a Dataset,
    fashion: &'a Dataset,
    runs: &'a [ae_report::PlannedRun],
    worker: u16,
}

impl WithBackend for JobTraining<'_> {
    type Output = anyhow::Result<()>;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        let ctx = self.args.context::<B>(self.mnist, self.fashion, device);
        let experiments = experiments::<B>();
        let claims = self.args.out.join(JOB_CLAIMS_DIR);
        // Held until this job ends: a run another job finished stays claimed.
        let mut held = Vec::new();
        for (index, run) in self.runs.iter().enumerate() {
            match ae_train::FolderLock::acquire(&claims.join(index.to_string())) {
                Ok(claim) => held.push(claim),
                Err(ae_train::TrainError::InUse { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
            eprintln!("job {}: {}/{}", self.worker, run.section, run.run);
            train_runs(&ctx, &experiments, std::slice::from_ref(run))?;
        }
        Ok(())
    }
}

/// What a shard records about itself in its folder.
pub const SHARD_FILE: &str = "shard.json";

/// Whether `--only` selects the experiment `info` describes.
fn is_chosen(info: &ExperimentInfo, args: &ReproduceArgs) -> bool {
    args.only.as_deref().is_none_or(|o| info.id.contains(o))
}

/// The experiments of a reproduction on the backend it names: the report grows one
/// section per experiment (written after each), and the wall time of each is returned.
struct Reproduction<'a> {
    args: &'a ReproduceArgs,
    mnist: &'a Dataset,
    fashion: &'a Dataset,
    report: Report,
}

impl WithBackend for Reproduction<'_> {
    type Output = anyhow::Result<(Report, Vec<(String, f64)>)>;

    fn run<B: AutodiffBackend>(self, device: B::Device) -> Self::Output {
        let Reproduction {
            args,
            mnist,
            fashion,
            mut report,
        } = self;
        let profile = args.profile;
        report.provenance.push(format!(
            "backend: {}; profile: {}; seed: {}",
            backend_description::<B>(&device),
            profile.name(),
            args.seed
        ));
        report
            .sections
            .push(ae_report::data_section(&[mnist, fashion], &args.out)?);
        let ctx = args.context::<B>(mnist, fashion, device);
        let experiments = experiments::<B>();
        let chosen: Vec<_> = experiments
            .iter()
            .filter(|e| is_chosen(&e.info, args))
            .collect();
        let overall = ProgressBar::new(chosen.len() as u64);
        overall.set_style(
            ProgressStyle::with_template("[{pos}/{len}] {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let mut section_seconds = Vec::new();
        for exp in chosen {
            overall.set_message(exp.info.title);
            // A hidden bar (no terminal) drops println: log plainly then.
            if overall.is_hidden() {
                eprintln!("== {}", exp.info.title);
            } else {
                overall.println(format!("== {}", exp.info.title));
            }
            let t = Instant::now();
            let mut section = overall
                .suspend(|| (exp.run)(&ctx))
                .map_err(|e| anyhow::anyhow!("{}: {e}", exp.info.id))?;
            let seconds = t.elapsed().as_secs_f64();
            section.text(format!(
                "Wall time of this experiment: {seconds:.1} s ({} profile).",
                profile.name()
            ));
            section_seconds.push((exp.info.id.to_string(), seconds));
            report.sections.push(section);
            overall.inc(1);
            // Write after every section: an interrupted reproduction leaves a consistent report.
            report.write()?;
        }
        overall.finish_and_clear();
        Ok((report, section_seconds))
    }
}

/// MNIST and Fashion-MNIST from `--data-dir`, fetched when missing.
fn load_datasets(args: &ReproduceArgs) -> anyhow::Result<(Dataset, Dataset)> {
    let dir = ae_data::resolve_data_dir(args.data_dir.as_deref());
    let mnist = Dataset::load_or_fetch(&dir, DatasetKind::Mnist, &mut |line| eprintln!("{line}"))?;
    let fashion =
        Dataset::load_or_fetch(&dir, DatasetKind::Fashion, &mut |line| eprintln!("{line}"))?;
    Ok((mnist, fashion))
}

/// Builds the report.
pub fn run(args: &ReproduceArgs) -> anyhow::Result<()> {
    if args.plan {
        return print_plan(args);
    }
    if let Some(scheduler) = args.emit {
        return crate::slurm::emit(scheduler, args);
    }
    if let Some(worker) = args.job_worker {
        // Before anything starts a thread: they inherit the share. The reproduction that
        // started this job holds the folder's lock.
        ae_train::pin_process_to_share(usize::from(worker - 1), usize::from(args.jobs));
        let (mnist, fashion) = load_datasets(args)?;
        return work_as_job(args, worker, &mnist, &fashion);
    }
    let started = Instant::now();
    let checkout = Checkout::now();
    // One reproduction per report folder: a second one is refused before writing.
    let _lock = ae_train::FolderLock::acquire(&args.out)?;
    args.placement().check()?;
    if let Some(address) = &args.remote {
        ae_train::exit_when_server_lost(
            address,
            "finished runs are kept: run the same command again to continue",
        )?;
    }
    let profile = args.profile;
    // Fetched (when missing) before any job starts, so no two jobs download at once.
    let (mnist, fashion) = load_datasets(args)?;
    if let Some(shard) = args.shard {
        return train_shard(args, shard, &mnist, &fashion);
    }
    let mut trained_in_jobs = None;
    if args.jobs > 1 {
        let training = Instant::now();
        train_in_jobs(args)?;
        trained_in_jobs = Some(training.elapsed().as_secs_f64());
    }
    let mut report = Report::new(&args.out, "autoencoders-rs: reproduced experiments");
    for ds in [&mnist, &fashion] {
        report
            .provenance
            .push(format!("{}: verified: {}", ds.kind, ds.verified()));
    }
    let reproduction = Reproduction {
        args,
        mnist: &mnist,
        fashion: &fashion,
        report,
    };
    let (mut report, section_seconds) = args.placement().dispatch(reproduction)??;
    let mut times = Table::new(["section", "wall seconds"]);
    if let Some(seconds) = trained_in_jobs {
        let id = format!(
            "training runs, {} at once (the sections reuse them)",
            args.jobs
        );
        times.push([id, format!("{seconds:.1}")]);
    }
    for (id, seconds) in &section_seconds {
        times.push([id.clone(), format!("{seconds:.1}")]);
    }
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
