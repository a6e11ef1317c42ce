//! SIGKILL `ae train` at arbitrary moments, resume each time, and end with the history
//! and weights of an uninterrupted run.
#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ae_data::DatasetKind;
use ae_data::synthetic::write_synthetic_dataset;

const ARGS: [&str; 10] = [
    "--model",
    "deep",
    "--code-size",
    "16",
    "--epochs",
    "6",
    "--batch",
    "8",
    "--noise",
    "mask:0.2",
];

fn ae(data: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_ae"));
    c.arg("--data-dir")
        .arg(data)
        .env_remove("AE_DATA_DIR")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// History and every final weight. (Checkpoint bytes are not comparable: parameter ids
/// and the optimizer's map order differ between processes.)
fn outcome(run: &Path) -> (String, Vec<f32>) {
    use burn::module::Module;
    let history = std::fs::read_to_string(run.join("history.csv")).unwrap();
    let (_, model, _) =
        ae_train::load_run::<ae_train::DefaultBackend>(run, &Default::default()).unwrap();
    let mut weights = Vec::new();
    model.visit(&mut Collect(&mut weights));
    (history, weights)
}

/// Collects every float parameter's values.
struct Collect<'a>(&'a mut Vec<f32>);
impl<B: burn::tensor::backend::Backend> burn::module::ModuleVisitor<B> for Collect<'_> {
    fn visit_float<const D: usize>(
        &mut self,
        param: &burn::module::Param<burn::tensor::Tensor<B, D>>,
    ) {
        self.0.extend(param.val().into_data().iter::<f32>());
    }
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_result() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 1500, 100, 8).unwrap();
    let reference = d.path().join("reference");
    let started = Instant::now();
    assert!(
        ae(d.path())
            .arg("train")
            .args(ARGS)
            .arg("--out")
            .arg(&reference)
            .status()
            .unwrap()
            .success()
    );
    let full = started.elapsed();
    let expected = outcome(&reference);

    let run = d.path().join("killed");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let (mut kills, mut attempts) = (0, 0);
    loop {
        attempts += 1;
        assert!(attempts < 60, "did not finish after {kills} kills");
        let resume = run.join("config.json").is_file();
        let mut cmd = ae(d.path());
        if resume {
            cmd.arg("train").arg("--resume").arg(&run);
        } else {
            let _ = std::fs::remove_dir_all(&run);
            cmd.arg("train").args(ARGS).arg("--out").arg(&run);
        }
        let mut child = cmd.spawn().unwrap();
        // A pseudo-random moment within the run's length (xorshift, fixed seed).
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let wait = full.mul_f64(0.05 + (seed % 1000) as f64 / 1000.0 * 0.5);
        std::thread::sleep(wait.min(Duration::from_secs(10)));
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "attempt {attempts} failed");
                break;
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
            }
        }
    }
    assert!(
        kills >= 1,
        "no kill landed: the run is too short to interrupt"
    );
    let got = outcome(&run);
    assert_eq!(got.0, expected.0, "history after {kills} kills");
    assert!(got.1 == expected.1, "weights differ after {kills} kills");
    eprintln!("survived {kills} kills");
}
