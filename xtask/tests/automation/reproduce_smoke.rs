//! `cargo xtask reproduce --profile smoke` on synthetic data: every section is written,
//! every figure decodes as PNG of the expected size, the tables match their snapshots,
//! and a second run reuses the finished training runs.

use std::path::Path;
use std::process::Command;

use ae_data::DatasetKind;
use ae_data::write_synthetic_dataset;

/// Figures drawn as charts (the rest are image grids).
const CHART_MARKERS: [&str; 3] = ["loss", "sweep", "scatter"];

pub(crate) fn reproduce_command(data: &Path, out: &Path, extra: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command
        .args(["reproduce", "--profile", "smoke", "--data-dir"])
        .arg(data)
        .arg("--out")
        .arg(out)
        .args(extra);
    command
}

fn reproduce(data: &Path, out: &Path) -> std::process::Output {
    reproduce_command(data, out, &[]).output().unwrap()
}

pub(crate) fn succeeded(output: &std::process::Output) -> bool {
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
    }
    output.status.success()
}

/// A reproduction into `out`, whose runs are all finished, trains nothing.
fn assert_renders_without_training(data: &Path, out: &Path) {
    let rendered = reproduce(data, out);
    assert!(succeeded(&rendered));
    let log = String::from_utf8_lossy(&rendered.stderr);
    assert!(
        !log.contains("epoch 1/"),
        "the render trained a run:\n{log}"
    );
}

/// Section Markdown files in report order (as linked from index.html).
fn sections(out: &Path) -> Vec<String> {
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    html.split("<li><a href=\"#")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_string())
        .collect()
}

/// Table lines of a section, without columns that hold wall times (which vary).
fn stable_tables(markdown: &str) -> String {
    let mut out = String::new();
    let mut timed: Vec<usize> = Vec::new();
    for line in markdown.lines() {
        if !line.starts_with('|') {
            timed.clear();
            continue;
        }
        let cells: Vec<&str> = line.trim_matches('|').split(" | ").map(str::trim).collect();
        if timed.is_empty()
            && !line.starts_with("|---")
            && cells.iter().any(|c| c.contains("seconds"))
        {
            timed = cells
                .iter()
                .enumerate()
                .filter(|(_, c)| c.contains("seconds"))
                .map(|(i, _)| i)
                .collect();
        }
        let kept: Vec<&str> = cells
            .iter()
            .enumerate()
            .filter(|(i, _)| !timed.contains(i))
            .map(|(_, c)| *c)
            .collect();
        out.push_str(&format!("| {} |\n", kept.join(" | ")));
    }
    out
}

fn figures(markdown: &str) -> Vec<String> {
    markdown
        .lines()
        .filter_map(|l| l.strip_prefix("!["))
        .filter_map(|l| l.rsplit_once("]("))
        .map(|(_, f)| f.trim_end_matches(')').to_string())
        .collect()
}

pub(crate) fn synthetic_data() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    for kind in DatasetKind::ALL {
        write_synthetic_dataset(data.path(), kind, 1000, 200, 7).unwrap();
    }
    data
}

/// Stable tables of every section but the timing summary.
pub(crate) fn all_tables(report: &Path) -> String {
    sections(report)
        .iter()
        .filter(|id| *id != "timing")
        .map(|id| {
            format!(
                "## {id}\n{}",
                stable_tables(&std::fs::read_to_string(report.join(format!("{id}.md"))).unwrap())
            )
        })
        .collect()
}

#[test]
fn smoke_profile_writes_every_section_with_valid_figures_and_stable_tables() {
    let data = synthetic_data();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("reports");
    let first = reproduce(data.path(), &report);
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );

    let ids = sections(&report);
    let mut inventory = String::new();
    for id in &ids {
        let md = std::fs::read_to_string(report.join(format!("{id}.md"))).unwrap();
        let title = md.lines().find(|l| l.starts_with("# ")).unwrap();
        inventory.push_str(&format!("{id}: {title}\n"));
        for file in figures(&md) {
            let img = image::open(report.join(&file)).unwrap_or_else(|e| panic!("{file}: {e}"));
            let density = ae_report::CHART_DENSITY;
            if CHART_MARKERS.iter().any(|m| file.contains(m)) {
                let (w, h) = ae_report::CHART_SIZE;
                assert_eq!(
                    (img.width(), img.height()),
                    (w * density, h * density),
                    "{file}"
                );
            } else if file.contains("confusion") {
                // Whole panels, drawn at the charts' density.
                let (w, h) = ae_report::CONFUSION_PANEL;
                assert!(
                    img.width().is_multiple_of(w * density)
                        && img.height().is_multiple_of(h * density),
                    "{file}: {}x{}",
                    img.width(),
                    img.height()
                );
            } else {
                assert!(
                    img.width() >= 28 && img.height() >= 28,
                    "{file}: {}x{}",
                    img.width(),
                    img.height()
                );
            }
            inventory.push_str(&format!("  {file}\n"));
        }
    }
    assert_eq!(
        ids.len(),
        11,
        "datasets, eight experiments, the fidelity table and the timing summary: {ids:?}"
    );
    insta::assert_snapshot!("inventory", inventory);
    let tables = all_tables(&report);
    insta::assert_snapshot!("tables", tables);

    // A second run trains nothing: every run is finished and reused, and the tables agree.
    let again = reproduce(data.path(), &report);
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let log = String::from_utf8_lossy(&again.stderr);
    assert!(
        !log.contains("epoch 1/"),
        "a finished run was trained again:\n{log}"
    );
    assert_eq!(tables, all_tables(&report));

    // Both invocations are on record, each with its sections and wall times.
    let provenance: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("provenance.json")).unwrap())
            .unwrap();
    assert_eq!(provenance["profile"], "smoke");
    let invocations = provenance["invocations"].as_array().unwrap();
    assert_eq!(invocations.len(), 2);
    for inv in invocations {
        assert_eq!(inv["sections"].as_array().unwrap().len(), 8, "{inv}");
        assert!(inv["total_seconds"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn a_killed_reproduction_continues_to_the_same_report() {
    let data = synthetic_data();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("reports");
    // SIGKILL at several moments; each attempt continues from the runs already on disk.
    let mut kills = 0;
    for delay_ms in [1200, 2500, 4000] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["reproduce", "--profile", "smoke", "--data-dir"])
            .arg(data.path())
            .arg("--out")
            .arg(&report)
            .stderr(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();
    }
    assert!(
        kills >= 1,
        "the reproduction finished before any kill: nothing was tested"
    );
    let last = reproduce(data.path(), &report);
    assert!(
        last.status.success(),
        "{}",
        String::from_utf8_lossy(&last.stderr)
    );
    // The same tables as an uninterrupted run (the snapshot of the test above).
    insta::assert_snapshot!("tables", all_tables(&report));
}

#[test]
fn a_report_folder_in_use_is_refused_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("reports");
    let held = ae_train::FolderLock::acquire(&out).unwrap();
    let r = reproduce(dir.path(), &out);
    assert_eq!(r.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&r.stderr),
        format!(
            "error: {} is in use by another process (pid {})\n",
            out.display(),
            std::process::id()
        )
    );
    let written: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(written, [".lock"], "the refused reproduction wrote files");
    drop(held);
}

#[test]
fn two_shards_at_once_merge_into_the_report_of_one_run() {
    let data = synthetic_data();
    let out = tempfile::tempdir().unwrap();
    let shard = |i: usize| out.path().join(format!("shard-{i}"));
    let children: Vec<_> = (1..=2)
        .map(|i| {
            reproduce_command(data.path(), &shard(i), &["--shard", &format!("{i}/2")])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        assert!(succeeded(&child.wait_with_output().unwrap()));
    }
    // Disjoint slices, each recorded.
    let runs = |i: usize| -> Vec<String> {
        let record: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(shard(i).join("shard.json")).unwrap())
                .unwrap();
        serde_json::from_value(record["runs"].clone()).unwrap()
    };
    let (first, second) = (runs(1), runs(2));
    assert!(!first.is_empty() && !second.is_empty());
    assert!(
        first.iter().all(|r| !second.contains(r)),
        "{first:?} {second:?}"
    );

    let report = out.path().join("reports");
    let merge = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("merge")
        .args([shard(1), shard(2)])
        .arg("--out")
        .arg(&report)
        .output()
        .unwrap();
    assert!(succeeded(&merge));
    assert_renders_without_training(data.path(), &report);
    insta::assert_snapshot!("tables", all_tables(&report));

    // A shard of another seed holds the same runs with other configs: refused, and
    // nothing is copied.
    let other = out.path().join("other-seed");
    assert!(succeeded(
        &reproduce_command(
            data.path(),
            &other,
            &["--shard", "1/2", "--seed", "1", "--only", "deep-dense"]
        )
        .output()
        .unwrap()
    ));
    let target = out.path().join("refused");
    let refused = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("merge")
        .args([shard(1), shard(2), other])
        .arg("--out")
        .arg(&target)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let message = String::from_utf8_lossy(&refused.stderr);
    assert!(message.contains("with different configs"), "{message}");
    assert!(!target.join("runs").exists(), "a refused merge copied runs");
}

#[test]
fn jobs_train_the_plan_at_once_into_the_report_of_one_run() {
    let data = synthetic_data();
    let out = tempfile::tempdir().unwrap();
    let report = out.path().join("reports");
    let jobs = reproduce_command(data.path(), &report, &["--jobs", "2"])
        .output()
        .unwrap();
    assert!(succeeded(&jobs));
    // The same tables as one run at a time: the runs do not depend on their company.
    insta::assert_snapshot!("tables", all_tables(&report));
    let index = std::fs::read_to_string(report.join("index.html")).unwrap();
    assert!(index.contains("training runs, 2 at once"), "no timing row");
    // Every run was trained before the sections: rendering again trains nothing.
    assert_renders_without_training(data.path(), &report);
}
