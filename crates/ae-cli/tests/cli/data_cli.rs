//! `ae data ...` end to end, on synthetic data folders.

use std::process::{Command, Output};

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;

fn ae(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ae"))
        .args(args)
        .env_remove("AE_DATA_DIR")
        .output()
        .unwrap()
}

fn synthetic_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for kind in DatasetKind::ALL {
        write_synthetic_dataset(dir.path(), kind, 40, 20, 1).unwrap();
    }
    dir
}

#[test]
fn verify_lists_eight_unverified_synthetic_files() {
    let dir = synthetic_dir();
    let out = ae(&["data", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 8, "{stdout}");
    assert!(stdout.lines().all(|l| l.contains("UNVERIFIED")));
}

#[test]
fn truncated_file_gives_one_line_error_naming_it() {
    let dir = synthetic_dir();
    let p = dir.path().join("mnist").join("t10k-images-idx3-ubyte.gz");
    let bytes = std::fs::read(&p).unwrap();
    std::fs::write(&p, &bytes[..bytes.len() / 3]).unwrap();
    let out = ae(&["data", "verify", "--data-dir", dir.path().to_str().unwrap()]);
    assert!(!out.status.success());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    let error_lines: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(error_lines.len(), 1, "{stderr}");
    assert!(
        error_lines[0].contains(&p.display().to_string()),
        "{stderr}"
    );
}

#[test]
fn show_writes_a_png_of_the_requested_size() {
    let dir = synthetic_dir();
    let png = dir.path().join("grid.png");
    let out = ae(&[
        "data",
        "show",
        "--data-dir",
        dir.path().to_str().unwrap(),
        "--dataset",
        "fashion",
        "--first",
        "12",
        "--columns",
        "6",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let img = image::open(&png).unwrap();
    // 6 columns of (28*2 + 2) px plus the outer gap; 2 rows of (28*2 + caption 14 + 2).
    assert_eq!((img.width(), img.height()), (6 * 58 + 2, 2 * 72 + 2));
}

#[test]
fn bad_arguments_are_usage_errors_not_panics() {
    for args in [
        &["data"][..],
        &["data", "show"],
        &["data", "show", "--out", "x.png", "--dataset", "cifar"],
        &["data", "show", "--out", "x.png", "--first", "-3"],
        &["data", "verify", "--dataset"],
        &["nonsense"],
    ] {
        let out = ae(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            stderr.contains("Usage") || stderr.contains("error"),
            "{args:?}: {stderr}"
        );
    }
}
