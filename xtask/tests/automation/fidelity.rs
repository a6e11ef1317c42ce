//! `cargo xtask fidelity`: the generated file follows the report folder's numbers, names
//! what is missing, refuses a profile other than full, and `--check` detects staleness.

use std::path::Path;
use std::process::{Command, Output};

fn fidelity(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("fidelity")
        .args(args)
        .output()
        .unwrap()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A full-profile folder holding only the five-class tables and one sweep run.
fn report(dir: &Path, profile: &str, test_mse_64: &str) {
    write(
        &dir.join("provenance.json"),
        &format!(
            r#"{{"profile": "{profile}", "seed": 0, "invocations": [{{"only": "five-class", "commit": "abc", "dirty": false, "finished": "2026-11-30 19:00 UTC", "machine": "test", "total_seconds": 600, "sections": [{{"id": "five-class", "seconds": 600}}]}}]}}"#
        ),
    );
    write(
        &dir.join("five-class-reconstruction.csv"),
        &format!(
            "method,code size,train MSE,validation MSE,test MSE,fit seconds\nAE (1 layer),32,0.04,0.04,0.0368,1\nAE (1 layer),64,0.005,0.005,{test_mse_64},1\nAE (1 layer),256,0.002,0.002,0.0019,1\n"
        ),
    );
    write(
        &dir.join("five-class-accuracy.csv"),
        "method,code size,test accuracy of the chosen\nAE (1 layer),32,0.2\nAE (1 layer),64,0.98\nAE (1 layer),256,0.99\n",
    );
}

#[test]
fn the_table_follows_the_numbers_and_check_detects_a_stale_file() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("reports");
    let out = dir.path().join("fidelity.md");
    report(&from, "full", "0.0048");
    let args = [
        "--from",
        from.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    assert!(fidelity(&args).status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    let row = |what: &str| {
        text.lines()
            .find(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no row {what}:\n{text}"))
            .to_string()
    };
    assert!(
        row("64-d: test MSE").ends_with("| met (within 5%) |"),
        "{text}"
    );
    assert!(row("32-d: test accuracy").contains("deviates: ours 78.6% below"));
    assert!(
        row("conv: validation BCE").contains("not measured: runs/convolutional/conv/history.csv")
    );
    assert!(text.contains("| 2026-11-30 19:00 UTC | abc | test | 10.0 | five-class 10.0 |"));
    assert!(
        fidelity(&[&args[..], &["--check"]].concat())
            .status
            .success()
    );

    // Another number: the verdict changes and --check sees the file is stale.
    report(&from, "full", "0.0096");
    let check = fidelity(&[&args[..], &["--check"]].concat());
    assert!(!check.status.success());
    assert!(String::from_utf8_lossy(&check.stderr).contains("out of date"));
    assert!(fidelity(&args).status.success());
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("deviates: ours 100.0% above the seed"),
        "{text}"
    );
}

#[test]
fn a_report_of_another_profile_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("reports");
    report(&from, "quick", "0.0048");
    let result = fidelity(&[
        "--from",
        from.to_str().unwrap(),
        "--out",
        dir.path().join("f.md").to_str().unwrap(),
    ]);
    assert!(!result.status.success());
    let stderr = String::from_utf8_lossy(&result.stderr);
    assert!(stderr.contains("not full"), "{stderr}");
    assert!(!dir.path().join("f.md").exists());
}

#[test]
fn the_plateau_section_follows_our_curve_and_the_peer_file() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("reports");
    report(&from, "full", "0.0048");
    // Ours: on the plateau (0.262) for epochs 2 to 11, below 0.25 at epoch 13.
    let mut history =
        String::from("epoch,train_loss,val_loss,val_reconstruction\n1,0.36,0.28,0.28\n");
    for epoch in 2..=11 {
        history.push_str(&format!("{epoch},0.2625,0.262,0.262\n"));
    }
    history.push_str("12,0.255,0.25,0.25\n13,0.24,0.23,0.23\n");
    write(
        &from.join("runs/five-class/logistic-32/history.csv"),
        &history,
    );
    let peer = dir.path().join("peer.jsonl");
    let epochs = |v: &str, n: usize| vec![v; n].join(", ");
    write(
        &peer,
        &format!(
            "{{\"framework\": \"pytorch\", \"version\": \"9.9\", \"code\": 32, \"seed\": 4, \
             \"train_bce_per_epoch\": [0.36, {}], \"val_bce_per_epoch\": [0.27, {}], \
             \"mean_image_val_bce\": 0.262, \"test_mse\": 0.06, \"codes_at_probe\": \
             {{\"epoch\": 10, \"code_mean\": 0.999, \"code_std_over_images\": 0.002, \
             \"fraction_above_0.99\": 0.97}}}}\n\
             {{\"framework\": \"pytorch\", \"code\": 64, \"seed\": 0, \"train_bce_per_epoch\": [0.1], \
             \"val_bce_per_epoch\": [0.1]}}\n",
            epochs("0.262", 11),
            epochs("0.262", 11)
        ),
    );
    let out = dir.path().join("fidelity.md");
    let with_peer = || {
        fidelity(&[
            "--from",
            from.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--peer-curves",
            peer.to_str().unwrap(),
        ])
    };
    let result = with_peer();
    assert!(result.status.success(), "{result:?}");
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains("## The one-layer logistic autoencoder's plateau"),
        "{text}"
    );
    // framework, seed, epochs, epoch 1, epoch 10, on the plateau, below 0.25/0.2/0.15, final, test MSE
    assert!(
        text.contains(
            "| ours | 0 | 13 | 0.3600 | 0.2625 | 10 | 13 | never | never | 0.2300 | 0.03680 |"
        ),
        "{text}"
    );
    assert!(
        text.contains("| pytorch 9.9 | 4 | 12 | 0.3600 | 0.2620 | 11 | never | never | never | 0.2620 | 0.06000 |"),
        "{text}"
    );
    assert!(
        text.contains(
            "After 10 epochs (the quick profile's length), 2 of 2 runs are within 1% of it."
        ),
        "{text}"
    );
    assert!(
        text.contains("97.0% exceed 0.99: most codes are saturated"),
        "{text}"
    );
    assert!(
        text.contains("1 of 2 runs fall below 0.25 within their epochs, at epoch 13."),
        "{text}"
    );
    // The 64-d peer line is not a 32-d curve: no row.
    assert_eq!(text.matches("| pytorch").count(), 1, "{text}");

    // A broken peer file names itself and its line.
    write(&peer, "{\"code\": 32, \"train_bce_per_epoch\": \"x\"}\n");
    let broken = with_peer();
    assert!(!broken.status.success());
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(
        stderr.contains("peer.jsonl:1: `train_bce_per_epoch`"),
        "{stderr}"
    );
}
