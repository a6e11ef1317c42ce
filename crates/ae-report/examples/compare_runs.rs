//! A report comparing run folders of `ae train`: their validation loss curves in one
//! chart and a table of each run's model, epochs and losses.
//!
//! `cargo run --release -p ae-report --example compare_runs -- OUT_DIR RUN_DIR...`

use std::path::PathBuf;

use ae_report::{Labels, Series, line_chart};
use ae_report::{Report, Section, Table};
use ae_train::{DefaultBackend, load_run};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).map(PathBuf::from);
    let Some(out) = args.next() else {
        return Err("usage: compare_runs OUT_DIR RUN_DIR...".into());
    };
    let runs: Vec<PathBuf> = args.collect();
    if runs.is_empty() {
        return Err("give at least one run folder".into());
    }
    let mut table = Table::new(["run", "model", "epochs", "train loss", "val loss"]);
    let mut series = Vec::new();
    for run in &runs {
        let (config, _, history) = load_run::<DefaultBackend>(run, &Default::default())?;
        let name = run
            .file_name()
            .map_or_else(|| run.display().to_string(), |n| n.to_string_lossy().into());
        let last = history
            .last()
            .ok_or(format!("{}: no epoch trained", run.display()))?;
        table.push([
            name.clone(),
            config.model.kind().to_string(),
            history.len().to_string(),
            Table::num(last.train_loss, 4),
            Table::num(last.val_loss, 4),
        ]);
        series.push(Series {
            name,
            points: history
                .iter()
                .map(|r| (r.epoch as f64, r.val_loss))
                .collect(),
        });
    }
    std::fs::create_dir_all(&out)?;
    let labels = Labels {
        title: "Validation loss per epoch",
        x: "epoch",
        y: "validation loss",
    };
    line_chart(&out.join("val-loss.png"), labels, &series)?;
    let mut section = Section::new("runs", "Runs compared");
    section
        .table("runs", table)
        .figure("val-loss.png", "Validation loss of each run, per epoch.");
    let mut report = Report::new(&out, "Runs compared");
    report.sections.push(section);
    report.write()?;
    println!("wrote {}", out.join("index.html").display());
    Ok(())
}
