//! `ae train` end to end on synthetic data: JSON output, resume, refusals.

use std::path::Path;
use std::process::{Command, Output};

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;

use crate::common::ae;

fn data() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write_synthetic_dataset(dir.path(), DatasetKind::Mnist, 64, 16, 2).unwrap();
    dir
}

/// `ae train` of a named model for one epoch of batch 16 into `out`.
fn train_one_epoch(data: &Path, model: &str, code_size: &str, out: &Path) -> Output {
    let out = out.to_str().unwrap();
    ae(
        data,
        &[
            "train",
            "--model",
            model,
            "--code-size",
            code_size,
            "--epochs",
            "1",
            "--batch",
            "16",
            "--out",
            out,
        ],
    )
}

/// Edits a finished run's config to ask for two epochs, so that `--resume` trains on.
fn ask_for_two_epochs(run: &Path) {
    let mut config: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("config.json")).unwrap()).unwrap();
    config["epochs"] = 2.into();
    std::fs::write(run.join("config.json"), config.to_string()).unwrap();
}

/// `ae train --resume RUN` succeeds and reports two epochs.
fn assert_resumes_to_two_epochs(data: &Path, run: &str) {
    let resumed = ae(data, &["train", "--resume", run, "--json"]);
    assert!(
        resumed.status.success(),
        "{}",
        String::from_utf8_lossy(&resumed.stderr)
    );
    assert_eq!(last_json(&resumed)["epochs"], 2);
}

fn last_json(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn json_output_resume_and_refusals() {
    let d = data();
    let run = d.path().join("run");
    let run_s = run.to_str().unwrap();
    let out = ae(
        d.path(),
        &[
            "train",
            "--model",
            "deep",
            "--epochs",
            "2",
            "--batch",
            "16",
            "--code-size",
            "8",
            "--noise",
            "gaussian:0.25",
            "--out",
            run_s,
            "--json",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = last_json(&out);
    for key in [
        "train_loss",
        "val_loss",
        "epochs",
        "seconds_per_epoch",
        "samples_per_second",
        "backend",
    ] {
        assert!(json.get(key).is_some(), "missing {key}: {json}");
    }
    assert_eq!(json["epochs"], 2);
    assert_eq!(json["backend"], "flex");
    for f in [
        "config.json",
        "history.csv",
        "checkpoint.bin",
        "summary.json",
    ] {
        assert!(run.join(f).is_file(), "{f}");
    }

    // The same folder again is refused; --resume of a finished run trains nothing more.
    let again = ae(
        d.path(),
        &["train", "--model", "deep", "--batch", "16", "--out", run_s],
    );
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("--resume"));
    assert_resumes_to_two_epochs(d.path(), run_s);
}

#[test]
fn invalid_settings_name_the_field_and_write_nothing() {
    let d = data();
    for (args, needle) in [
        (&["--model", "shallow", "--batch", "0"][..], "batch_size"),
        (&["--model", "shallow", "--epochs", "0"], "epochs"),
        (&["--model", "shallow", "--code-size", "0"], "code size"),
        (&["--model", "shallow", "--lr=-1"], "learning_rate"),
        (&["--model", "shallow", "--batch", "1000"], "batch_size"),
        (&["--model", "transformer"], "unknown model"),
        (&["--model", "conv", "--code-size", "16"], "code_size"),
        (&["--model", "shallow", "--noise", "gaussian:-1"], "noise"),
    ] {
        let run = d.path().join("refused");
        let mut full = vec!["train"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["--out", run.to_str().unwrap()]);
        let out = ae(d.path(), &full);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} should fail");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(needle),
            "{args:?}: expected `{needle}` in: {stderr}"
        );
        assert!(
            !run.exists(),
            "{args:?}: run folder written before the config was accepted"
        );
    }
}

#[test]
fn missing_arguments_are_usage_errors() {
    let d = data();
    for args in [
        &["train"][..],
        &["train", "--model", "fc"],
        &["train", "--resume"],
        &["train", "--model", "fc", "--out", "x", "--resume", "y"],
    ] {
        let out = ae(d.path(), args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        // clap's usage errors exit with 2 and say what is wrong.
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with("error:"), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
}

#[test]
fn an_unwritable_output_is_a_clear_error_and_the_last_checkpoint_survives() {
    let d = data();
    // Root ignores permission bits, so "unwritable" is a folder whose parent is a file.
    let blocker = d.path().join("not-a-folder");
    std::fs::write(&blocker, b"x").unwrap();
    let out = blocker.join("run");
    let r = train_one_epoch(d.path(), "shallow", "4", &out);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        !r.status.success() && stderr.contains("not-a-folder") && !stderr.contains("panicked"),
        "{stderr}"
    );

    // A finished run whose history can no longer be replaced: resuming for more epochs
    // fails naming the file, and the checkpoint on disk is the intact one of epoch 1.
    let run = d.path().join("run");
    let run_s = run.to_str().unwrap();
    assert!(
        train_one_epoch(d.path(), "shallow", "4", &run)
            .status
            .success()
    );
    let checkpoint = std::fs::read(run.join("checkpoint.bin")).unwrap();
    ask_for_two_epochs(&run);
    // The atomic writer renames a temp file over history.csv: a folder in its place blocks it.
    std::fs::remove_file(run.join("history.csv")).unwrap();
    std::fs::create_dir(run.join("history.csv")).unwrap();
    std::fs::write(run.join("history.csv").join("keep"), b"x").unwrap();
    let r = ae(d.path(), &["train", "--resume", run_s]);
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(
        !r.status.success() && stderr.contains("history.csv") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(run.join("checkpoint.bin")).unwrap(),
        checkpoint,
        "the last good checkpoint was changed"
    );
}

/// A disk that fills up mid-run. Unprivileged stand-in for a full filesystem: a file-size
/// limit (`ulimit -f`, with SIGXFSZ ignored so the write fails with EFBIG instead of
/// killing the process) makes the kernel refuse the checkpoint's bytes part-way through,
/// exactly where ENOSPC would strike.
#[test]
fn a_disk_full_during_a_checkpoint_is_a_clear_error_and_the_last_checkpoint_survives() {
    let d = data();
    let run = d.path().join("run");
    let run_s = run.to_str().unwrap();
    let first = train_one_epoch(d.path(), "deep", "8", &run);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let checkpoint = std::fs::read(run.join("checkpoint.bin")).unwrap();
    let history = std::fs::read(run.join("history.csv")).unwrap();
    // 16 blocks is 8 KiB (dash, 512-byte blocks) or 16 KiB (bash): either way far below
    // the checkpoint and above every small file.
    assert!(
        checkpoint.len() > 64 * 1024,
        "checkpoint too small for this test: {}",
        checkpoint.len()
    );
    ask_for_two_epochs(&run);

    let r = Command::new("sh")
        .arg("-c")
        .arg("trap '' XFSZ; ulimit -f 16; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_ae"))
        .args([
            "--data-dir",
            d.path().to_str().unwrap(),
            "train",
            "--resume",
            run_s,
            "--plain",
        ])
        .env_remove("AE_DATA_DIR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&r.stderr);
    assert!(!r.status.success(), "the run should fail: {stderr}");
    assert_eq!(
        r.status.code(),
        Some(1),
        "an error exit, not a signal: {stderr}"
    );
    assert!(
        stderr.contains("checkpoint.bin") && stderr.contains("too large"),
        "{stderr}"
    );
    assert_eq!(
        stderr.matches("too large").count(),
        1,
        "the cause is said once: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(
        std::fs::read(run.join("checkpoint.bin")).unwrap(),
        checkpoint,
        "the last good checkpoint was changed"
    );
    assert_eq!(
        std::fs::read(run.join("history.csv")).unwrap(),
        history,
        "history of the failed epoch was recorded"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&run)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .filter(|n| n.to_string_lossy().contains(".tmp-"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary files left behind: {leftovers:?}"
    );

    // With space again, the same command resumes from epoch 1 and finishes.
    assert_resumes_to_two_epochs(d.path(), run_s);
}
