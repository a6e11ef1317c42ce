//! One writer per run folder, and runs extended with `--resume RUN --epochs N`.

use crate::common;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;

use crate::common::ae as run_ae;
use crate::common::ae_command as ae;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SMALL: [&str; 8] = [
    "--model",
    "shallow",
    "--code-size",
    "8",
    "--batch",
    "16",
    "--seed",
    "3",
];

/// Starts a run long enough to be caught holding its lock, and waits until the lock
/// file names it.
fn start_long_run(data: &Path, run: &Path) -> Child {
    let child = ae(data)
        .args([
            "train", "--model", "deep", "--epochs", "500", "--batch", "8", "--out",
        ])
        .arg(run)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let lock = run.join(".lock");
    while std::fs::read_to_string(&lock).unwrap_or_default().trim() != child.id().to_string() {
        assert!(Instant::now() < deadline, "the run never took its lock");
        std::thread::sleep(Duration::from_millis(20));
    }
    child
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_second_writer_is_refused_at_once_and_a_killed_holder_blocks_nothing() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 400, 50, 5).unwrap();
    let run = d.path().join("run");
    let run_s = run.to_str().unwrap();
    let mut holder = start_long_run(d.path(), &run);
    let config = std::fs::read(run.join("config.json")).unwrap();

    let expected = format!(
        "error: {run_s} is in use by another process (pid {})\n",
        holder.id()
    );
    let resumed = run_ae(d.path(), &["train", "--resume", run_s, "--epochs", "900"]);
    assert_eq!(resumed.status.code(), Some(1));
    assert_eq!(text(&resumed.stderr), expected);
    // Nothing of the refused process is in the folder: no temporary file with its name,
    // and the config it would have extended is the holder's.
    assert!(
        listing(&run)
            .iter()
            .all(|n| !n.contains(".tmp-") || n.contains(&holder.id().to_string())),
        "{:?}",
        listing(&run)
    );
    assert_eq!(std::fs::read(run.join("config.json")).unwrap(), config);

    // SIGKILL: the kernel drops the lock with the process; the next resume takes it.
    holder.kill().unwrap();
    holder.wait().unwrap();
    let after = run_ae(
        d.path(),
        &["train", "--resume", run_s, "--epochs", "1", "--json"],
    );
    assert!(after.status.success(), "{}", text(&after.stderr));
}

#[test]
fn a_run_extended_with_more_epochs_equals_one_trained_that_long() {
    let d = tempfile::tempdir().unwrap();
    write_synthetic_dataset(d.path(), DatasetKind::Mnist, 64, 16, 2).unwrap();
    let (short, long) = (d.path().join("short"), d.path().join("long"));
    let train = |epochs: &str, out: &Path| {
        let mut args = vec!["train", "--epochs", epochs, "--out", out.to_str().unwrap()];
        args.extend(SMALL);
        let r = run_ae(d.path(), &args);
        assert!(r.status.success(), "{}", text(&r.stderr));
    };
    train("1", &short);
    train("3", &long);
    let short_s = short.to_str().unwrap();

    let extended = run_ae(d.path(), &["train", "--resume", short_s, "--epochs", "3"]);
    let stdout = text(&extended.stdout);
    assert!(extended.status.success(), "{}", text(&extended.stderr));
    assert!(
        stdout.starts_with("trained 3 epochs") && !stdout.contains("NaN"),
        "{stdout}"
    );
    for file in ["history.csv", "config.json"] {
        assert_eq!(
            std::fs::read_to_string(short.join(file)).unwrap(),
            std::fs::read_to_string(long.join(file)).unwrap(),
            "{file}"
        );
    }
    let weights = |run: &Path| {
        let (_, model, _) =
            ae_train::load_run::<ae_train::DefaultBackend>(run, &Default::default()).unwrap();
        common::parameters(&model)
    };
    assert!(weights(&short) == weights(&long), "weights differ");

    // At or below what is done: a sentence, exit 0, nothing trained.
    let checkpoint = std::fs::read(short.join("checkpoint.bin")).unwrap();
    for epochs in [None, Some("3"), Some("2")] {
        let mut args = vec!["train", "--resume", short_s];
        args.extend(epochs.map(|e| ["--epochs", e]).into_iter().flatten());
        let r = run_ae(d.path(), &args);
        assert!(r.status.success(), "{}", text(&r.stderr));
        assert_eq!(text(&r.stdout), format!("{short_s} already has 3 epochs\n"));
    }
    assert_eq!(
        std::fs::read(short.join("checkpoint.bin")).unwrap(),
        checkpoint
    );

    // Any other setting with --resume is refused, naming it.
    for (flag, value) in [
        ("--batch", "8"),
        ("--lr", "0.1"),
        ("--seed", "1"),
        ("--dataset", "fashion"),
    ] {
        let r = run_ae(d.path(), &["train", "--resume", short_s, flag, value]);
        let stderr = text(&r.stderr);
        assert_eq!(r.status.code(), Some(2), "{flag}: {stderr}");
        assert!(
            stderr.contains(flag) && stderr.contains("--resume"),
            "{flag}: {stderr}"
        );
    }
}
