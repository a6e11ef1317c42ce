//! `cargo xtask bench-peers`: trains `fc` and `conv` with our `ae train --json` and with
//! the PyTorch and Keras peers of `../shared/peers`, alternately (ours, PyTorch, Keras,
//! ours, ...) so all see the same machine state, and writes `docs/performance.md`.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, bail};
use clap::Args;
use serde_json::Value;

use crate::{lockstep, provenance};

/// Arguments of `cargo xtask bench-peers`.
#[derive(Debug, Args)]
pub struct BenchPeersArgs {
    /// Alternation rounds (each runs every framework once per case).
    #[arg(long, default_value_t = 2)]
    rounds: usize,
    /// Folder of the peer scripts.
    #[arg(long, default_value = "../shared/peers")]
    peers: PathBuf,
    /// Virtual environment of the peers (created with torch and tensorflow-cpu when missing).
    #[arg(long)]
    venv: Option<PathBuf>,
    /// Folder holding `mnist/` (default: $AE_DATA_DIR, else ./data).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Only the cases whose name contains this text (`fc`, `conv`).
    #[arg(long)]
    only: Option<String>,
    /// Our backends to measure, comma-separated: `flex` (the reference of the ratio
    /// column) and optionally `ndarray` or `cuda` (built with the feature `ae-cli/cuda`).
    #[arg(long, value_delimiter = ',', default_value = "flex")]
    backends: Vec<String>,
    /// Output Markdown.
    #[arg(long, default_value = "docs/performance.md")]
    out: PathBuf,
}

/// One benchmark case: the same settings for every framework.
struct Case {
    model: &'static str,
    batch: usize,
    epochs: usize,
}

impl Case {
    /// Training FLOPs per image: forward + backward = 3x the forward pass, 2 FLOPs per
    /// multiply-accumulate.
    fn flops_per_image(&self) -> anyhow::Result<f64> {
        let config = ae_models::ModelConfig::named(self.model, None, 28, 28)?;
        Ok(6.0 * config.forward_macs() as f64)
    }

    /// The options ours and the peers' scripts take alike: model, dataset, loss, optimizer.
    fn shared_args(&self) -> [&str; 8] {
        [
            "--model",
            self.model,
            "--dataset",
            "mnist",
            "--loss",
            "bce",
            "--optimizer",
            "adam",
        ]
    }
}

const CASES: [Case; 2] = [
    Case {
        model: "fc",
        batch: 256,
        epochs: 3,
    },
    Case {
        model: "conv",
        batch: 128,
        epochs: 2,
    },
];
const TRAIN_IMAGES: f64 = 60_000.0;

/// Side of the square fp32 matrices whose product measures the machine's GEMM rate.
const GEMM_SIZE: usize = 1024;
/// Timed products per measurement (after three untimed ones); the median is kept.
const GEMM_REPS: usize = 20;

/// The peers' GEMM rate: PyTorch's `a @ b` on 2 threads, printed as one JSON line.
const TORCH_GEMM: &str = "
import json, statistics, time, torch
torch.set_num_threads(2)
n, reps = int(__import__('sys').argv[1]), int(__import__('sys').argv[2])
a, b = torch.rand(n, n), torch.rand(n, n)
for _ in range(3): a @ b
times = []
for _ in range(reps):
    t = time.perf_counter(); a @ b; times.append(time.perf_counter() - t)
print(json.dumps({'gflops': 2 * n**3 / statistics.median(times) / 1e9, 'version': torch.__version__}))
";

/// GFLOP/s of our dense layers' product (`ae_models::kernels::linear_layer`: faer's
/// `matmul`, the bias as its start value) on a `GEMM_SIZE` square input and layer, median
/// of `GEMM_REPS` products on this process's thread pool.
fn our_gemm_rate() -> f64 {
    use burn::backend::Flex;
    use burn::nn::LinearConfig;
    use burn::tensor::{Distribution, Tensor};
    let device = Default::default();
    let layer = LinearConfig::new(GEMM_SIZE, GEMM_SIZE).init::<Flex>(&device);
    let x = Tensor::<Flex, 2>::random([GEMM_SIZE; 2], Distribution::Uniform(0.0, 1.0), &device);
    let mut seconds = Vec::with_capacity(GEMM_REPS);
    for rep in 0..GEMM_REPS + 3 {
        let start = std::time::Instant::now();
        let product = ae_models::kernels::linear_layer(&layer, x.clone());
        // Flex is eager; reading one value makes sure the product exists.
        let _ = product.slice([0..1, 0..1]).into_scalar();
        if rep >= 3 {
            seconds.push(start.elapsed().as_secs_f64());
        }
    }
    2.0 * (GEMM_SIZE as f64).powi(3) / ae_train::median(&seconds) / 1e9
}

/// PyTorch's rate measured by [`TORCH_GEMM`], with its version.
fn torch_gemm_rate(python: &Path) -> anyhow::Result<(f64, String)> {
    let out = Command::new(python)
        .args([
            "-c",
            TORCH_GEMM,
            &GEMM_SIZE.to_string(),
            &GEMM_REPS.to_string(),
        ])
        .output()
        .context("running the PyTorch GEMM measurement")?;
    let line = String::from_utf8_lossy(&out.stdout);
    let v: Value = serde_json::from_str(line.trim())
        .with_context(|| format!("the PyTorch GEMM measurement printed no JSON: {line}"))?;
    Ok((
        field(&v, "gflops"),
        v["version"].as_str().unwrap_or("").to_string(),
    ))
}

/// GEMM rates measured once per round: ours, and PyTorch's when the peers run.
#[derive(Debug, Default)]
struct GemmRates {
    ours: Vec<f64>,
    torch: Vec<f64>,
    torch_version: String,
}

/// One measured run.
#[derive(Debug, Clone)]
struct Measurement {
    framework: String,
    seconds_per_epoch: f64,
    train_seconds_per_epoch: f64,
    train_loss: f64,
    val_loss: f64,
    cpu_over_wall: f64,
    /// CPU/wall over the training epochs alone, as the process itself measured it (ours
    /// only: NaN for the peers, whose scripts do not report it).
    train_cpu_over_wall: f64,
    /// The share of the CPUs' time that the host took during the run (steal).
    steal_share: f64,
}

/// A case's runs, and the lock-step ceiling measured just before each of our runs.
struct CaseRuns<'a> {
    case: &'a Case,
    runs: Vec<Measurement>,
    ceiling: Vec<lockstep::Reading>,
}

/// The CPUs this process may use (the threads of the lock-step measurement).
fn usable_cpus() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

fn venv_python(venv: &Path) -> PathBuf {
    venv.join("bin").join("python")
}

/// Makes sure the peers' environment imports torch and tensorflow; creates it when missing.
fn ensure_peers(venv: &Path) -> Result<(), String> {
    let python = venv_python(venv);
    let imports = |p: &Path| {
        Command::new(p)
            .args(["-c", "import torch, tensorflow"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    if python.is_file() && imports(&python) {
        return Ok(());
    }
    eprintln!(
        "setting up the peers' environment in {} (torch, tensorflow-cpu: several GB)",
        venv.display()
    );
    let step = |cmd: &mut Command| -> Result<(), String> {
        let status = cmd.status().map_err(|e| format!("{cmd:?}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{cmd:?} failed ({status})"))
        }
    };
    step(Command::new("python3").arg("-m").arg("venv").arg(venv))?;
    step(Command::new(&python).args(["-m", "pip", "install", "-q", "torch", "tensorflow-cpu"]))?;
    if imports(&python) {
        Ok(())
    } else {
        Err("torch or tensorflow still does not import".into())
    }
}

/// Runs `cmd` under `/usr/bin/time`, returning its last stdout line, its (user+sys)/wall
/// and the host's share of the CPUs meanwhile.
fn timed(cmd: Command) -> anyhow::Result<(String, f64, f64)> {
    let times = tempfile_path("bench-time");
    let program = cmd.get_program().to_owned();
    let args: Vec<_> = cmd.get_args().map(ToOwned::to_owned).collect();
    let mut wrapped = Command::new("/usr/bin/time");
    wrapped
        .args(["-f", "%U %S %e", "-o"])
        .arg(&times)
        .arg(program)
        .args(args);
    for (k, v) in cmd.get_envs() {
        if let Some(v) = v {
            wrapped.env(k, v);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        wrapped.current_dir(dir);
    }
    let window = lockstep::Window::open();
    let out = wrapped.output().context("running /usr/bin/time")?;
    let steal_share = window.close(usable_cpus()).steal_share;
    if !out.status.success() {
        bail!(
            "{:?} failed: {}",
            cmd,
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        );
    }
    let t = std::fs::read_to_string(&times).unwrap_or_default();
    let _ = std::fs::remove_file(&times);
    let v: Vec<f64> = t
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let ratio = if let [u, s, e] = v[..] {
        (u + s) / e.max(1e-9)
    } else {
        f64::NAN
    };
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    Ok((line, ratio, steal_share))
}

fn tempfile_path(stem: &str) -> PathBuf {
    std::env::temp_dir().join(format!("{stem}-{}", std::process::id()))
}

fn field(v: &Value, name: &str) -> f64 {
    v[name].as_f64().unwrap_or(f64::NAN)
}

fn ours(ae: &Path, data_dir: &Path, case: &Case, backend: &str) -> anyhow::Result<Measurement> {
    let run = tempfile_path(&format!("bench-{}", case.model));
    let _ = std::fs::remove_dir_all(&run);
    let mut cmd = Command::new(ae);
    cmd.arg("train")
        .args(case.shared_args())
        .args(["--plain", "--json"])
        .args([
            "--epochs",
            &case.epochs.to_string(),
            "--batch",
            &case.batch.to_string(),
            "--backend",
            backend,
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--out")
        .arg(&run);
    let (line, cpu, steal_share) = timed(cmd)?;
    let _ = std::fs::remove_dir_all(&run);
    let v: Value =
        serde_json::from_str(&line).with_context(|| format!("ae train printed no JSON: {line}"))?;
    Ok(Measurement {
        framework: format!(
            "autoencoders-rs ({})",
            v["backend"].as_str().unwrap_or("flex")
        ),
        seconds_per_epoch: field(&v, "seconds_per_epoch"),
        train_seconds_per_epoch: TRAIN_IMAGES / field(&v, "samples_per_second"),
        train_loss: field(&v, "train_loss"),
        val_loss: field(&v, "val_loss"),
        cpu_over_wall: cpu,
        train_cpu_over_wall: field(&v, "cpu_per_wall"),
        steal_share,
    })
}

fn peer(python: &Path, script: &Path, data_dir: &Path, case: &Case) -> anyhow::Result<Measurement> {
    let mut cmd = Command::new(python);
    cmd.arg(script)
        .args(case.shared_args())
        .args(["--threads", "2"])
        .args([
            "--epochs",
            &case.epochs.to_string(),
            "--batch",
            &case.batch.to_string(),
        ])
        .env("PEERS_DATA_ROOT", data_dir)
        .env("TF_CPP_MIN_LOG_LEVEL", "3");
    let (line, cpu, steal_share) = timed(cmd)?;
    let v: Value = serde_json::from_str(&line)
        .with_context(|| format!("{} printed no JSON: {line}", script.display()))?;
    Ok(Measurement {
        framework: format!(
            "{} {}",
            v["framework"].as_str().unwrap_or("?"),
            v["version"].as_str().unwrap_or("")
        ),
        seconds_per_epoch: field(&v, "seconds_per_epoch_median"),
        train_seconds_per_epoch: field(&v, "train_seconds_per_epoch_median"),
        train_loss: field(&v, "train_loss"),
        val_loss: field(&v, "val_loss"),
        cpu_over_wall: cpu,
        train_cpu_over_wall: f64::NAN,
        steal_share,
    })
}

/// Runs the alternation and writes the Markdown.
pub fn run(args: &BenchPeersArgs) -> anyhow::Result<()> {
    let data_dir = std::fs::canonicalize(ae_data::resolve_data_dir(args.data_dir.as_deref()))
        .context("data folder")?;
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let checkout = provenance::Checkout::now();
    if !args.backends.iter().any(|b| b == "flex") {
        bail!("--backends must include flex (the reference of the ratios)");
    }
    // The test command's selection and features, so nothing already built for the tests
    // is compiled again; backends other than flex add theirs.
    let features: Vec<String> = args
        .backends
        .iter()
        .filter(|b| b.as_str() != "flex")
        .map(|b| format!("ae-cli/{b}"))
        .collect();
    let status = Command::new(cargo)
        .args([
            "build",
            "--release",
            "--quiet",
            "--workspace",
            "--all-targets",
            "--features",
            &features.join(","),
        ])
        .status()?;
    if !status.success() {
        bail!("building ae failed");
    }
    let ae = std::env::current_exe()?.with_file_name("ae");
    let venv = args.venv.clone().unwrap_or_else(|| {
        PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/peers-venv")
    });
    let peers_note = ensure_peers(&venv).err();
    if let Some(why) = &peers_note {
        eprintln!("warning: peers unavailable ({why}); measuring ours only");
    }
    let python = venv_python(&venv);
    let scripts = [
        args.peers.join("torch_ae.py"),
        args.peers.join("keras_ae.py"),
    ];
    let mut gemm = GemmRates::default();
    for round in 1..=args.rounds {
        eprintln!("GEMM round {round}/{}", args.rounds);
        gemm.ours.push(our_gemm_rate());
        if peers_note.is_none() {
            let (rate, version) = torch_gemm_rate(&python)?;
            gemm.torch.push(rate);
            gemm.torch_version = version;
        }
    }
    let mut results: Vec<CaseRuns<'_>> = Vec::new();
    for case in CASES
        .iter()
        .filter(|c| args.only.as_deref().is_none_or(|o| c.model.contains(o)))
    {
        let (mut runs, mut ceiling) = (Vec::new(), Vec::new());
        for round in 1..=args.rounds {
            eprintln!(
                "{} round {round}/{}: lock-step ceiling",
                case.model, args.rounds
            );
            ceiling.push(lockstep::measure(
                usable_cpus(),
                lockstep::PHASE,
                lockstep::LENGTH,
            ));
            for backend in &args.backends {
                eprintln!(
                    "{} round {round}/{}: ours ({backend})",
                    case.model, args.rounds
                );
                runs.push(ours(&ae, &data_dir, case, backend)?);
            }
            if peers_note.is_none() {
                for script in &scripts {
                    eprintln!(
                        "{} round {round}/{}: {}",
                        case.model,
                        args.rounds,
                        script.display()
                    );
                    runs.push(peer(&python, script, &data_dir, case)?);
                }
            }
        }
        results.push(CaseRuns {
            case,
            runs,
            ceiling,
        });
    }
    let measured_on = format!(
        "Measured on {} at {}, finished {}.",
        provenance::machine(),
        checkout.describe(),
        provenance::utc_now().unwrap_or_else(|| "at an unknown time".into()),
    );
    let markdown = render(
        &results,
        &gemm,
        args.rounds,
        peers_note.as_deref(),
        &measured_on,
    );
    ae_io::write_atomic(&args.out, markdown.as_bytes())
        .with_context(|| format!("{}: cannot write", args.out.display()))?;
    println!("{markdown}");
    Ok(())
}

fn render(
    results: &[CaseRuns<'_>],
    gemm: &GemmRates,
    rounds: usize,
    peers_note: Option<&str>,
    measured_on: &str,
) -> String {
    let mut table = ae_report::Table::new([
        "model",
        "framework",
        "s/epoch (train + val)",
        "train s/epoch",
        "samples/s",
        "effective GFLOP/s",
        "CPU/wall",
        "training CPU/wall",
        "train loss",
        "val loss",
        "s/epoch ratio ours/this",
    ]);
    let best_gemm = gemm_medians(gemm)
        .into_iter()
        .flatten()
        .fold(f64::NAN, f64::max);
    let mut goals = ae_report::Table::new([
        "model",
        "s/epoch, ours / best peer",
        "train s/epoch, ours / best peer",
        "effective GFLOP/s / best GEMM rate",
        "our CPU/wall: training (whole process)",
        "lock-step ceiling: CPU/wall (steal)",
        "steal during our runs",
    ]);
    for CaseRuns {
        case,
        runs,
        ceiling,
    } in results
    {
        let mut frameworks: Vec<String> = runs.iter().map(|m| m.framework.clone()).collect();
        frameworks.sort();
        frameworks.dedup();
        let summary = |name: &str| {
            let of: Vec<&Measurement> = runs.iter().filter(|m| m.framework == name).collect();
            let med = |f: fn(&Measurement) -> f64| {
                ae_train::median(&of.iter().map(|m| f(m)).collect::<Vec<_>>())
            };
            // The medians over rounds, field by field.
            Measurement {
                framework: name.to_string(),
                seconds_per_epoch: med(|m| m.seconds_per_epoch),
                train_seconds_per_epoch: med(|m| m.train_seconds_per_epoch),
                train_loss: med(|m| m.train_loss),
                val_loss: med(|m| m.val_loss),
                cpu_over_wall: med(|m| m.cpu_over_wall),
                train_cpu_over_wall: med(|m| m.train_cpu_over_wall),
                steal_share: med(|m| m.steal_share),
            }
        };
        let percent = |share: f64| format!("{:.1}%", 100.0 * share);
        let ceiling_cell = if ceiling.is_empty() {
            "not measured".to_string()
        } else {
            let med = |f: fn(&lockstep::Reading) -> f64| {
                ae_train::median(&ceiling.iter().map(f).collect::<Vec<_>>())
            };
            format!(
                "{} ({})",
                ae_report::Table::num(med(|r| r.cpu_per_wall), 3),
                percent(med(|r| r.steal_share))
            )
        };
        let ours_name = frameworks
            .iter()
            .find(|f| f.as_str() == "autoencoders-rs (flex)")
            .cloned()
            .unwrap_or_default();
        let ours = summary(&ours_name);
        let peers: Vec<_> = frameworks
            .iter()
            .filter(|f| !f.starts_with("autoencoders-rs"))
            .map(|f| summary(f))
            .collect();
        let best_peer = |f: fn(&Measurement) -> f64| peers.iter().map(f).fold(f64::NAN, f64::min);
        let gflops =
            |train: f64| case.flops_per_image().unwrap_or(f64::NAN) * TRAIN_IMAGES / train / 1e9;
        let n = ae_report::Table::num;
        goals.push([
            case.model.to_string(),
            n(
                ours.seconds_per_epoch / best_peer(|p| p.seconds_per_epoch),
                3,
            ),
            n(
                ours.train_seconds_per_epoch / best_peer(|p| p.train_seconds_per_epoch),
                3,
            ),
            format!(
                "{:.0}%",
                100.0 * gflops(ours.train_seconds_per_epoch) / best_gemm
            ),
            format!(
                "{} ({})",
                n(ours.train_cpu_over_wall, 3),
                n(ours.cpu_over_wall, 3)
            ),
            ceiling_cell,
            percent(ours.steal_share),
        ]);
        for name in &frameworks {
            let m = summary(name);
            let train = m.train_seconds_per_epoch;
            table.push([
                case.model.to_string(),
                name.clone(),
                n(m.seconds_per_epoch, 3),
                n(train, 3),
                format!("{:.0}", TRAIN_IMAGES / train),
                n(gflops(train), 3),
                n(m.cpu_over_wall, 2),
                if m.train_cpu_over_wall.is_finite() {
                    n(m.train_cpu_over_wall, 2)
                } else {
                    "not reported".to_string()
                },
                n(m.train_loss, 4),
                n(m.val_loss, 4),
                n(ours.seconds_per_epoch / m.seconds_per_epoch, 3),
            ]);
        }
    }
    // What this run measured on a GPU, from the rows themselves.
    let mut gpu_rows: Vec<&str> = results
        .iter()
        .flat_map(|case| case.runs.iter().map(|m| m.framework.as_str()))
        .filter(|f| f.contains("cuda"))
        .collect();
    gpu_rows.sort_unstable();
    gpu_rows.dedup();
    let gpu = if gpu_rows.is_empty() {
        "This run measured no GPU backend: `--backends flex,cuda` on a machine with a CUDA GPU adds the rows (the `cuda` feature builds anywhere: `cargo check --features cuda`).".to_string()
    } else {
        format!("GPU rows above: {}.", gpu_rows.join(", "))
    };
    let peers = match peers_note {
        None => String::new(),
        Some(why) => {
            format!("\n**The peers could not be run here** ({why}); only our figures are shown.\n")
        }
    };
    let [ours_gemm, torch_gemm] = gemm_medians(gemm);
    let rate = |r: Option<f64>| r.map_or("not measured".to_string(), |r| format!("{r:.0} GFLOP/s"));
    let gemm_text = format!(
        "fp32 product of two {GEMM_SIZE}x{GEMM_SIZE} matrices, median of {GEMM_REPS} products after 3 untimed ones, once per round (the median over rounds shown): PyTorch {} `a @ b` on 2 threads: **{}**; our dense layers' product (`kernels::linear_layer`: faer's `matmul`) on this process's 2-thread pool: **{}**.",
        gemm.torch_version,
        rate(torch_gemm),
        rate(ours_gemm),
    );
    let ceiling_text = format!(
        "What CPU/wall this machine gives work done in lock step, measured for {} s before each of our runs (the median over rounds shown): one thread pinned to each CPU, each doing the same register-only arithmetic for {} ms, then all meeting at a barrier, as the two shards of a training step meet at its two joins. The work is split exactly evenly and touches no memory, so what keeps it below the CPU count is the machine's own: the host taking a virtual CPU for a while (steal time, which holds every other thread up at the next barrier), kernel threads, and the barrier's wake-ups (its threads sleep there at once; rayon's threads spin a little first, which counts as CPU time). A training step in lock step meets the same losses; the distance between its CPU/wall and this one is its own (serial work, shards that end at different times).",
        lockstep::LENGTH.as_secs(),
        lockstep::PHASE.as_millis(),
    );
    format!(
        "# Performance\n\n{measured_on}\n\nGenerated by `cargo xtask bench-peers` (do not edit by hand). {rounds} alternation round(s): for each model, our `ae train --json` (Flex backend with the fused kernels of `docs/kernels.md`, every model with the two-shard data-parallel step of `docs/training.md`; other backends where listed, burn's own operations), then `../shared/peers/torch_ae.py`, then `keras_ae.py` (2 threads each), repeated, so all see the same machine state; each cell is the median over rounds. Real MNIST, 60k training and 10k validation images per epoch, Adam, BCE: `fc` (784-400-200-100-200-400-784) at batch 256 for 3 epochs, `conv` at batch 128 for 2 epochs. Our s/epoch is the median over all epochs, the peers' over epochs 2..N; an epoch of ours is its training plus any wait for its validation, which for `conv` runs in the cores' idle time while the next epoch trains (`docs/training.md`): only its last epoch waits for the whole of its validation. Effective GFLOP/s = 6 x forward multiply-accumulates x 60k / train seconds. CPU/wall = (user + sys) / wall of the whole process (2.0 = both cores busy), start-up and data loading included; training CPU/wall = the same over the training epochs alone (validation and checkpoint writes included), as `ae train --json` measures it from `/proc/self/stat` (the peers' scripts do not report it). The last column is our Flex s/epoch over this row's (below 1 = we are faster).\n{peers}\n{}\n## Against the goals\n\nOur Flex figures over the best peer's in the same run (below 1 = we are faster), our effective GFLOP/s over the best GEMM rate measured below, and our CPU/wall beside the lock-step ceiling measured before each of our runs (below), with the share of the CPUs' time that the host took (steal, from `/proc/stat`) during our runs.\n\n{}\n## The machine's lock-step ceiling\n\n{ceiling_text}\n\n## The machine's GEMM rate\n\n{gemm_text}\n\n## Backends\n\n`flex` (default) runs the fused kernels; `ndarray` (`--backends flex,ndarray`, when listed above) runs burn's generic operations with burn-ndarray's matrix products. burn's CubeCL `cpu` backend does not build here: its `tracel-llvm-bundler` build script downloads LLVM, and these machines have no internet (`cargo check -p ae-models --features burn/cpu` shows it).\n\n## GPU\n\n{gpu}\n",
        table.to_markdown(),
        goals.to_markdown()
    )
}

/// Median GEMM rates, `[ours, PyTorch]`, `None` where not measured.
fn gemm_medians(gemm: &GemmRates) -> [Option<f64>; 2] {
    [&gemm.ours, &gemm.torch].map(|rates| (!rates.is_empty()).then(|| ae_train::median(rates)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured(framework: &str, epoch: f64, cpu: f64, train_cpu: f64) -> Measurement {
        Measurement {
            framework: framework.to_string(),
            seconds_per_epoch: epoch,
            train_seconds_per_epoch: epoch - 0.1,
            train_loss: 0.1,
            val_loss: 0.09,
            cpu_over_wall: cpu,
            train_cpu_over_wall: train_cpu,
            steal_share: 0.01,
        }
    }

    #[test]
    fn goals_take_medians_over_rounds_and_the_faster_peer() {
        let runs = vec![
            measured("autoencoders-rs (flex)", 3.0, 1.80, 1.90),
            measured("autoencoders-rs (flex)", 3.4, 1.84, 1.86),
            measured("autoencoders-rs (flex)", 9.0, 1.70, 1.20),
            measured("pytorch torch 2", 10.0, 1.8, f64::NAN),
            measured("keras-tensorflow keras 3", 12.0, 1.4, f64::NAN),
        ];
        let gemm = GemmRates {
            ours: vec![300.0],
            torch: vec![350.0],
            torch_version: "2".into(),
        };
        let ceiling = [1.95, 1.90, 1.70].map(|cpu_per_wall| lockstep::Reading {
            cpu_per_wall,
            steal_share: 0.002,
        });
        let case = CaseRuns {
            case: &CASES[1],
            runs,
            ceiling: ceiling.to_vec(),
        };
        let text = render(&[case], &gemm, 3, None, "Measured on a test machine.");
        // Ours: medians 3.4 s (train 3.3), CPU/wall 1.80, training 1.86; the faster peer
        // is PyTorch's 10.0 s (train 9.9).
        assert!(
            text.contains("| conv | 0.340 | 0.333 |"),
            "ratios to the faster peer:\n{text}"
        );
        assert!(
            text.contains("| 1.86 (1.80) | 1.90 (0.2%) | 1.0% |"),
            "CPU/wall goal cells:\n{text}"
        );
        assert!(
            text.contains("not reported"),
            "peers' training CPU/wall:\n{text}"
        );
        assert!(text.contains("**350 GFLOP/s**"), "GEMM rate:\n{text}");
        assert!(
            text.starts_with("# Performance\n\nMeasured on a test machine.\n\n"),
            "where it was measured:\n{text}"
        );
    }
}
