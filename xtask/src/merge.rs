//! `cargo xtask merge SHARD... --out REPORT`: gathers the finished training runs of
//! shard folders (`reproduce --shard I/N`) into one report folder, so that the next
//! `reproduce --out REPORT` trains nothing and renders the report.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ae_train::{CONFIG_FILE, FolderLock, LOCK_FILE, RunDir};
use clap::Args;

/// Arguments of `cargo xtask merge`.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Shard folders (each the `--out` of a `reproduce --shard I/N`).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Report folder that receives the runs (under `runs/`).
    #[arg(long)]
    out: PathBuf,
}

/// One finished run found in a shard, held (locked) until it is copied.
struct FoundRun {
    /// Path below `runs/`, e.g. `deep-dense/fc`.
    relative: PathBuf,
    config: String,
    run: RunDir,
}

/// Every run folder (one holding `config.json`) below `dir`.
fn run_folders(dir: &Path, found: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if dir.join(CONFIG_FILE).is_file() {
        found.push(dir.to_path_buf());
        return Ok(());
    }
    for entry in std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            run_folders(&path, found)?;
        }
    }
    Ok(())
}

/// Copies the files of run folder `from` (not its lock) into a new folder `to`, through
/// a temporary sibling renamed at the end: `to` is absent or complete.
fn copy_run(from: &Path, to: &Path) -> anyhow::Result<()> {
    let name = to
        .file_name()
        .map_or_else(Default::default, |n| n.to_string_lossy().to_string());
    let partial = to.with_file_name(format!(".{name}.merging"));
    if partial.exists() {
        std::fs::remove_dir_all(&partial)?;
    }
    std::fs::create_dir_all(&partial)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if entry.file_name() != LOCK_FILE && entry.file_type()?.is_file() {
            std::fs::copy(entry.path(), partial.join(entry.file_name()))
                .map_err(|e| anyhow::anyhow!("{}: cannot copy: {e}", entry.path().display()))?;
        }
    }
    std::fs::rename(&partial, to)
        .map_err(|e| anyhow::anyhow!("{}: cannot move into place: {e}", to.display()))
}

/// Whether `dir` holds nothing but a lock file (a folder a refused run left behind).
fn holds_no_run(dir: &Path) -> anyhow::Result<bool> {
    Ok(std::fs::read_dir(dir)?
        .filter_map(std::result::Result::ok)
        .all(|e| e.file_name() == LOCK_FILE))
}

/// Merges the shards' finished runs into `--out`. Everything is checked before anything
/// is written: two folders holding the same run with different configs are refused.
pub fn run(args: &MergeArgs) -> anyhow::Result<()> {
    // The report folder's lock: no reproduction may render it meanwhile.
    let _lock = FolderLock::acquire(&args.out)?;
    let mut chosen: BTreeMap<PathBuf, FoundRun> = BTreeMap::new();
    let mut unfinished = Vec::new();
    for shard in &args.shards {
        let runs_dir = shard.join("runs");
        anyhow::ensure!(
            runs_dir.is_dir(),
            "{}: no runs/ folder (not the --out of a reproduce --shard)",
            shard.display()
        );
        let mut folders = Vec::new();
        run_folders(&runs_dir, &mut folders)?;
        for folder in folders {
            let run = RunDir::open(&folder)?;
            let config = run.config()?;
            if run.progress()?.epochs_done < config.epochs {
                unfinished.push(folder);
                continue;
            }
            let relative = folder.strip_prefix(&runs_dir)?.to_path_buf();
            let config = config.to_json();
            if let Some(earlier) = chosen.get(&relative) {
                anyhow::ensure!(
                    earlier.config == config,
                    "{} and {} hold the run {} with different configs: merge shards of one reproduction only",
                    earlier.run.path().display(),
                    folder.display(),
                    relative.display()
                );
                continue;
            }
            chosen.insert(
                relative.clone(),
                FoundRun {
                    relative,
                    config,
                    run,
                },
            );
        }
    }
    let target = args.out.join("runs");
    let mut copied = 0;
    let mut present = 0;
    // Checked in full before the first copy.
    for found in chosen.values() {
        let to = target.join(&found.relative);
        let existing = to.join(CONFIG_FILE);
        if existing.is_file() {
            let config = ae_train::TrainingConfig::load(&existing)?.to_json();
            anyhow::ensure!(
                config == found.config,
                "{} already holds the run {} with another config than {}",
                args.out.display(),
                found.relative.display(),
                found.run.path().display()
            );
        } else if to.exists() {
            anyhow::ensure!(
                holds_no_run(&to)?,
                "{}: exists and is not a run folder",
                to.display()
            );
        }
    }
    for found in chosen.values() {
        let to = target.join(&found.relative);
        if to.join(CONFIG_FILE).is_file() {
            present += 1;
            continue;
        }
        if to.exists() {
            std::fs::remove_dir_all(&to)?;
        }
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        copy_run(found.run.path(), &to)?;
        copied += 1;
    }
    for folder in &unfinished {
        eprintln!("left out (unfinished): {}", folder.display());
    }
    println!(
        "merged {} shard folder(s) into {}: {copied} runs copied, {present} already there, {} unfinished left out",
        args.shards.len(),
        target.display(),
        unfinished.len()
    );
    Ok(())
}
