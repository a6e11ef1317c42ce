//! `cargo xtask reproduce --plan [--json]`: every training run a profile performs, with its
//! settings, printed without training or loading data.

use ae_models::ModelConfig;
use ae_report::PlannedRun;
use ae_report::Table;
use serde_json::{Value, json};

/// Layer widths of a model (`784-400-200-100-200-400-784`), or its kind and code.
pub fn architecture(model: &ModelConfig) -> String {
    match model {
        ModelConfig::Dense(dense) => std::iter::once(dense.input)
            .chain(dense.encoder.iter().chain(&dense.decoder).map(|l| l.units))
            .map(|units| units.to_string())
            .collect::<Vec<_>>()
            .join("-"),
        ModelConfig::Conv(_) => "conv (code 8x7x7)".into(),
        ModelConfig::Vae(vae) => format!("vae (latent {})", vae.latent),
    }
}

/// How the weights start: Keras' default or a normal distribution.
fn initialisation(model: &ModelConfig) -> String {
    match model {
        ModelConfig::Dense(dense) => dense
            .init_std
            .map_or_else(|| "keras".into(), |std| format!("normal:{std}")),
        _ => "keras".into(),
    }
}

/// One planned run as a JSON object (one line of `--plan --json`).
pub fn to_json(planned: &PlannedRun) -> Value {
    let c = &planned.config;
    json!({
        "section": planned.section,
        "run": planned.run,
        "model": planned.model,
        "architecture": architecture(&c.model),
        "init": initialisation(&c.model),
        "dataset": c.data.dataset.name(),
        "classes": c.data.classes,
        "train_limit": c.data.train_limit,
        "epochs": c.epochs,
        "steps_per_epoch": c.steps_per_epoch,
        "iterations": c.iterations(),
        "batch": c.batch_size,
        "optimizer": c.optimizer.name(),
        "lr": c.learning_rate,
        "loss": c.objective.loss.name(),
        "sparse": c.objective.sparse,
        "contractive": c.objective.contractive,
        "noise": c.noise.to_string(),
        "seed": c.seed,
        "estimated_gflop": (planned.estimated_flops() / 1e9).round(),
        "source": planned.source,
    })
}

/// The plan as a Markdown table.
pub fn to_table(plan: &[PlannedRun]) -> Table {
    let mut table = Table::new([
        "section",
        "run",
        "model",
        "dataset",
        "length",
        "batch",
        "optimizer",
        "lr",
        "loss",
        "noise",
        "classes",
    ]);
    for p in plan {
        let c = &p.config;
        let length = match c.iterations() {
            Some(iterations) => format!("{iterations} iterations"),
            None => format!("{} epochs", c.epochs),
        };
        let classes = c.data.classes.as_ref().map_or_else(
            || "all".to_string(),
            |k| k.iter().map(u8::to_string).collect::<Vec<_>>().join(","),
        );
        table.push([
            p.section.to_string(),
            p.run.clone(),
            architecture(&c.model),
            c.data.dataset.name().to_string(),
            length,
            c.batch_size.to_string(),
            c.optimizer.name().to_string(),
            c.learning_rate.to_string(),
            c.objective.loss.name().to_string(),
            c.noise.to_string(),
            classes,
        ]);
    }
    table
}
