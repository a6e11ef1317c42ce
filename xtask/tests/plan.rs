//! `cargo xtask reproduce --plan --json`: one JSON object per training run, printed
//! without data (the data folder does not exist here) and without touching `--out`.
#![allow(clippy::unwrap_used)]

use std::process::Command;

use serde_json::Value;

fn plan(profile: &str, extra: &[&str]) -> (Vec<Value>, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let result = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args([
            "reproduce",
            "--profile",
            profile,
            "--plan",
            "--json",
            "--out",
        ])
        .arg(out.path().join("reports"))
        .args(extra)
        .env("AE_DATA_DIR", out.path().join("no-data-here"))
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let lines = String::from_utf8(result.stdout).unwrap();
    let runs = lines
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (runs, out)
}

fn run<'a>(runs: &'a [Value], section: &str, name: &str) -> &'a Value {
    runs.iter()
        .find(|r| r["section"] == section && r["run"] == name)
        .unwrap_or_else(|| panic!("no run {section}/{name}"))
}

#[test]
fn full_plan_has_the_seeds_lengths_and_every_field() {
    let (runs, out) = plan("full", &[]);
    let fields =
        "section run model dataset epochs iterations batch optimizer lr loss noise classes";
    for field in fields.split(' ') {
        assert!(runs.iter().all(|r| r.get(field).is_some()), "{field}");
    }
    assert_eq!(run(&runs, "deep-dense", "fc")["epochs"], 150);
    assert_eq!(
        run(&runs, "deep-dense", "fc")["architecture"],
        "784-400-200-100-200-400-784"
    );
    assert_eq!(run(&runs, "convolutional", "conv")["epochs"], 150);
    let latent = run(&runs, "latent-2d", "latent2");
    assert_eq!(latent["iterations"], 2500);
    assert_eq!(latent["batch"], 50);
    assert_eq!(latent["lr"], 1e-4);
    assert_eq!(latent["init"], "normal:0.1");
    assert_eq!(latent["classes"], serde_json::json!([1, 5, 6]));
    assert!(
        !out.path().join("reports").exists(),
        "--plan does not create the report folder"
    );
}

#[test]
fn only_filters_the_plan() {
    let (runs, _out) = plan("quick", &["--only", "latent"]);
    let names: Vec<&str> = runs.iter().map(|r| r["run"].as_str().unwrap()).collect();
    assert_eq!(names, ["latent2", "vae"]);
}
