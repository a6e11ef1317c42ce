//! `cargo xtask reproduce --plan --json`: one JSON object per training run, printed
//! without data (the data folder does not exist here) and without touching `--out`.

use std::process::Command;

use serde_json::Value;

/// Runs `xtask ARGS...` with a data folder that does not exist; asserts success.
fn xtask(args: &[&str], out: &std::path::Path, data: &std::path::Path) -> std::process::Output {
    let result = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .arg(out)
        .env("AE_DATA_DIR", data)
        .output()
        .unwrap();
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    result
}

fn plan(profile: &str, extra: &[&str]) -> (Vec<Value>, tempfile::TempDir) {
    let out = tempfile::tempdir().unwrap();
    let mut args = vec!["reproduce", "--profile", profile, "--plan", "--json"];
    args.extend_from_slice(extra);
    args.push("--out");
    let result = xtask(
        &args,
        &out.path().join("reports"),
        &out.path().join("no-data-here"),
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

#[test]
fn the_slurm_script_submits_the_shards_then_a_dependent_render() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    xtask(
        &[
            "reproduce",
            "--profile",
            "full",
            "--emit",
            "slurm",
            "--shards",
            "4",
            "--out",
        ],
        &out,
        &dir.path().join("data"),
    );
    let script = out.join("submit-slurm.sh");
    // A stand-in sbatch records its arguments and answers with a job id.
    let bin = dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let log = dir.path().join("sbatch.log");
    std::fs::write(
        bin.join("sbatch"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nwc -l < '{}' | tr -d ' '\n",
            log.display(),
            log.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("sbatch"))
        .status()
        .unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let submitted = Command::new("bash")
        .arg(&script)
        .env("PATH", path)
        .env("SBATCH_EXTRA", "--partition=test")
        .output()
        .unwrap();
    assert!(
        submitted.status.success(),
        "{}",
        String::from_utf8_lossy(&submitted.stderr)
    );
    let calls = std::fs::read_to_string(&log).unwrap();
    let calls: Vec<&str> = calls.lines().collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(calls[0].contains("--partition=test") && calls[0].contains("--array=1-4"));
    assert!(
        calls[0].contains("--shard ${SLURM_ARRAY_TASK_ID}/4"),
        "{}",
        calls[0]
    );
    assert!(calls[0].contains("--profile full"), "{}", calls[0]);
    // The render waits for job 1, the array.
    assert!(calls[1].contains("--dependency=afterok:1"), "{}", calls[1]);
    assert!(
        calls[1].contains(" merge ") && calls[1].contains("/shards/shard-*"),
        "{}",
        calls[1]
    );
    assert!(out.join("shards").is_dir());
}
