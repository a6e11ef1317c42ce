//! Every subcommand, given missing, unknown or malformed arguments, exits non-zero with
//! clap's usage (or a clear error naming the argument), never a panic backtrace.

use std::process::Command;

/// (arguments, a text the error must contain)
const CASES: &[(&[&str], &str)] = &[
    (&[], "Usage"),
    (&["no-such-command"], "Usage"),
    (&["data"], "Usage"),
    (&["data", "verify", "--bogus"], "Usage"),
    (&["data", "show", "--dataset", "cifar"], "cifar"),
    (&["data", "show", "--first", "-3"], "Usage"),
    (
        &["train", "--model", "fc", "--epochs", "many", "--out", "x"],
        "--epochs",
    ),
    (
        &[
            "train", "--model", "fc", "--noise", "pink:0.2", "--out", "x",
        ],
        "--noise",
    ),
    (&["train", "--model", "fc", "--batch"], "--batch"),
    (&["pca", "--bogus"], "Usage"),
    (&["pca", "--components", "k"], "--components"),
    (&["classify", "--classifier", "svm"], "--classifier"),
    (&["classify", "--val-fraction", "half"], "--val-fraction"),
    (&["sweep"], "--out"),
    (&["sweep", "--sizes", "a,b", "--out", "x"], "--sizes"),
    (&["latent"], "Usage"),
    (&["latent", "run", "--points", "-1"], "Usage"),
    (&["weights"], "Usage"),
    (&["weights", "run"], "--out"),
    (&["encode"], "Usage"),
    (
        &[
            "encode",
            "run",
            "--split",
            "validation",
            "--out",
            "x.parquet",
        ],
        "--split",
    ),
    (&["five-class"], "--out"),
    (&["five-class", "--epochs", "-1", "--out", "x"], "Usage"),
];

#[test]
fn every_subcommand_refuses_bad_arguments_without_panicking() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in CASES {
        let out = Command::new(env!("CARGO_BIN_EXE_ae"))
            .args(*args)
            .current_dir(dir.path())
            .env("AE_DATA_DIR", dir.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
            "{args:?} panicked: {stderr}"
        );
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in: {stderr}"
        );
        // Nothing was written by a refused command.
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{args:?} wrote into the working folder"
        );
    }
}
