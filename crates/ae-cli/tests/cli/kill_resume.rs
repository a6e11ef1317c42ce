//! SIGKILL, SIGINT and SIGTERM `ae train` at arbitrary moments, resume each time, and end
//! with the history and weights of an uninterrupted run.

use crate::common;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;

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
    let mut c = common::ae_command(data);
    c.stdout(Stdio::null()).stderr(Stdio::null());
    c
}

/// xorshift64: pseudo-random moments from a fixed seed.
fn next(seed: &mut u64) -> u64 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    *seed
}

/// The command that starts the run in `run`, or resumes it when it exists.
fn start_or_resume(data: &Path, run: &Path) -> Command {
    let mut cmd = ae(data);
    if run.join("config.json").is_file() {
        cmd.arg("train").arg("--resume").arg(run);
    } else {
        let _ = std::fs::remove_dir_all(run);
        cmd.arg("train").args(ARGS).arg("--out").arg(run);
    }
    cmd
}

/// Trains the reference run; returns its outcome and how long it took.
fn reference(data: &Path) -> ((String, Vec<f32>), Duration) {
    let reference = data.join("reference");
    let started = Instant::now();
    assert!(
        ae(data)
            .arg("train")
            .args(ARGS)
            .arg("--out")
            .arg(&reference)
            .status()
            .unwrap()
            .success()
    );
    (outcome(&reference), started.elapsed())
}

/// History and every final weight. (Checkpoint bytes are not comparable: parameter ids
/// and the optimizer's map order differ between processes.)
fn outcome(run: &Path) -> (String, Vec<f32>) {
    let history = std::fs::read_to_string(run.join("history.csv")).unwrap();
    let (_, model, _) =
        ae_train::load_run::<ae_train::DefaultBackend>(run, &Default::default()).unwrap();
    (history, common::parameters(&model))
}

#[test]
fn killed_runs_resume_to_the_uninterrupted_result() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 1500, 100, 8).unwrap();
    let (expected, full) = reference(d.path());

    let run = d.path().join("killed");
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let (mut kills, mut attempts) = (0, 0);
    // The machine's load changes while the test runs: when the run finishes before a
    // kill lands, it starts over with waits half as long.
    let mut scale = 1.0;
    loop {
        attempts += 1;
        assert!(attempts < 200, "did not finish after {kills} kills");
        let mut child = start_or_resume(d.path(), &run).spawn().unwrap();
        let wait = full.mul_f64(scale * (0.05 + (next(&mut seed) % 1000) as f64 / 1000.0 * 0.5));
        std::thread::sleep(wait.min(Duration::from_secs(10)));
        match child.try_wait().unwrap() {
            Some(status) => {
                assert!(status.success(), "attempt {attempts} failed");
                if kills >= 1 {
                    break;
                }
                start_over(&run, &mut scale);
            }
            None => {
                child.kill().unwrap(); // SIGKILL
                child.wait().unwrap();
                kills += 1;
            }
        }
    }
    let got = outcome(&run);
    assert_eq!(got.0, expected.0, "history after {kills} kills");
    assert!(got.1 == expected.1, "weights differ after {kills} kills");
    eprintln!("survived {kills} kills");
}

/// Removes a run that finished before enough signals landed, and shortens the waits.
fn start_over(run: &Path, scale: &mut f64) {
    assert!(*scale > 0.01, "the run finishes before any signal lands");
    std::fs::remove_dir_all(run).unwrap();
    *scale *= 0.5;
}

/// Sends `signal` (a name such as `INT`) to `pid` with the system's `kill`.
fn signal(pid: u32, signal: &str) {
    let _ = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status();
}

#[test]
fn interrupted_runs_checkpoint_mid_epoch_and_resume_to_the_uninterrupted_result() {
    use std::os::unix::process::ExitStatusExt;
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 1500, 100, 8).unwrap();
    let (expected, full) = reference(d.path());

    let run = d.path().join("interrupted");
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let (mut interrupts, mut mid_epoch, mut attempts) = (0, 0, 0);
    let mut scale = 1.0;
    loop {
        attempts += 1;
        assert!(
            attempts < 200,
            "did not finish after {interrupts} interrupts"
        );
        let child = start_or_resume(d.path(), &run)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let r = next(&mut seed);
        // Short waits, so that several interrupts land before the run completes.
        let wait = full.mul_f64(scale * (0.05 + (r % 1000) as f64 / 1000.0 * 0.2));
        std::thread::sleep(wait.min(Duration::from_secs(10)));
        eprintln!("attempt {attempts}: signal after {wait:?} of {full:?}");
        let (name, code) = if r.is_multiple_of(3) {
            ("TERM", 143)
        } else {
            ("INT", 130)
        };
        signal(child.id(), name);
        // Every fourth time a second Ctrl-C follows at once, while the checkpoint is
        // being written. The exit status is that of the last signal seen: 130 if the
        // Ctrl-C arrived before the process ended, else the first signal's.
        let double = r.is_multiple_of(4);
        if double {
            signal(child.id(), "INT");
        }
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            Some(0) if interrupts >= 3 && mid_epoch >= 1 => break,
            Some(0) => {
                start_over(&run, &mut scale);
                (interrupts, mid_epoch) = (0, 0);
            }
            Some(c) if c == code || (double && c == 130) => {
                interrupts += 1;
                let line = stderr.lines().last().unwrap_or_default();
                assert!(
                    line.starts_with("interrupted at epoch ")
                        && line.ends_with(&format!(
                            ": resume with ae train --resume {}",
                            run.display()
                        )),
                    "{stderr}"
                );
                if !line.contains(", batch 0:") {
                    mid_epoch += 1;
                }
            }
            // A signal that lands before the handler is installed ends the process as
            // the default action does: the run resumes from its last checkpoint.
            None if output.status.signal().is_some() => {}
            other => panic!("attempt {attempts}: exit {other:?} after SIG{name}: {stderr}"),
        }
    }
    let got = outcome(&run);
    assert_eq!(got.0, expected.0, "history after {interrupts} interrupts");
    assert!(
        got.1 == expected.1,
        "weights differ after {interrupts} interrupts"
    );
    eprintln!("survived {interrupts} interrupts, {mid_epoch} mid-epoch");
}
