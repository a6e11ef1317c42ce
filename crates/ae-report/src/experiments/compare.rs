//! Section 5: shallow, deep and denoising autoencoders on MNIST and on Fashion-MNIST,
//! with first-layer weight images and the bottleneck-size sweep.

use ae_analysis::encode::reconstruct_set;
use ae_analysis::sweep::{SEED_CODE_SIZES, bottleneck_sweep};
use ae_analysis::weights::{first_layer_weights, normalise_for_display};
use ae_data::{DatasetKind, Noise};
use ae_train::TrainData;

use super::{Context, ExpBackend, first, png, seed_table};
use crate::error::Result;
use crate::plot::{Labels, Series, line_chart};
use crate::report::Section;
use crate::table::Table;

const ID: &str = "mnist-vs-fashion";

/// A model of this section: name, run name, epochs in the seeds, noise.
struct Variant {
    label: &'static str,
    model: &'static str,
    epochs: usize,
    noise: Noise,
}

const VARIANTS: [Variant; 3] = [
    Variant {
        label: "shallow 784-32",
        model: "shallow",
        epochs: 5,
        noise: Noise::None,
    },
    Variant {
        label: "deep 784-128-32",
        model: "deep",
        epochs: 10,
        noise: Noise::None,
    },
    Variant {
        label: "denoising 784-32 (Gaussian 0.2)",
        model: "shallow",
        epochs: 10,
        noise: Noise::Gaussian { std: 0.2 },
    },
];

/// The seeds' train BCE after their epochs (Adam, batch 32): a published Keras run for
/// shallow MNIST, the seed notebook for Fashion-MNIST.
fn seed_loss(kind: DatasetKind, variant: usize) -> Option<f64> {
    match (kind, variant) {
        (DatasetKind::Mnist, 0) => Some(0.0944),
        (DatasetKind::Fashion, 0) => Some(0.2835),
        (DatasetKind::Fashion, 1) => Some(0.2729),
        _ => None,
    }
}

/// Originals against reconstructions, weight images, final losses, the sweep.
pub fn run(ctx: &Context<'_>) -> Result<Section> {
    let mut section = Section::new(ID, super::EXPERIMENTS[4].title);
    section.text("Adam, BCE, batch 32, the seeds' epochs (shallow 5, deep and denoising 10) in the quick and full profiles. Train loss is Keras' figure: the mean of the batch losses over the last epoch.");
    let mut rows = Vec::new();
    for kind in [DatasetKind::Mnist, DatasetKind::Fashion] {
        for (v, variant) in VARIANTS.iter().enumerate() {
            let epochs = variant.epochs;
            let mut config = ctx.config(variant.model, None, kind, (1, epochs, epochs), 32)?;
            config.noise = variant.noise;
            let run = format!(
                "{}-{}{}",
                kind.name(),
                variant.model,
                if variant.noise.is_none() {
                    ""
                } else {
                    "-gaussian-0.2"
                }
            );
            let (data, outcome) = ctx.train(ID, &run, &config)?;
            let last = outcome.history.last().copied().unwrap_or_default();
            let what = format!("{kind}, {}", variant.label);
            rows.push((
                format!("{what}: train BCE after {} epochs", outcome.history.len()),
                seed_loss(kind, v),
                last.train_loss,
            ));
            rows.push((format!("{what}: validation BCE"), None, last.val_loss));
            let shown = first(&data.val, 15)?;
            let mut both = shown.to_f32();
            both.extend(reconstruct_set(&outcome.model, &shown, &ctx.device));
            section.figure(
                ctx.grid(
                    &png(ID, &format!("{run}-reconstructions")),
                    &both,
                    28,
                    28,
                    None,
                    15,
                )?,
                format!("{what}: 15 test images (top) and their reconstructions (bottom)"),
            );
            let weights: Vec<f32> = first_layer_weights(&outcome.model, 12)?
                .iter()
                .flat_map(|w| normalise_for_display(w))
                .collect();
            section.figure(
                ctx.grid(
                    &png(ID, &format!("{run}-weights")),
                    &weights,
                    28,
                    28,
                    None,
                    12,
                )?,
                format!("{what}: first-layer weights of 12 units as 28x28 images"),
            );
        }
    }
    section.table("losses", seed_table(&rows));

    let sizes: Vec<usize> = if ctx.profile == super::Profile::Smoke {
        vec![5, 50]
    } else {
        SEED_CODE_SIZES.to_vec()
    };
    let mut table = Table::new(["dataset", "code size", "train BCE", "test BCE"]);
    for kind in [DatasetKind::Mnist, DatasetKind::Fashion] {
        let base = ctx.config("shallow", None, kind, (1, 3, 10), 32)?;
        let data = TrainData::select(&base, ctx.dataset(kind))?;
        let points = bottleneck_sweep::<ExpBackend>(
            &base,
            &sizes,
            &data,
            &ctx.runs_dir.join(ID).join(format!("{}-sweep", kind.name())),
            ctx.progress,
            &ctx.device,
        )?;
        for p in &points {
            table.push([
                kind.name().to_string(),
                p.code_size.to_string(),
                Table::num(p.train_loss, 4),
                Table::num(p.test_loss, 4),
            ]);
        }
        let series = |name: &str, f: fn(&ae_analysis::sweep::SweepPoint) -> f64| Series {
            name: name.into(),
            points: points.iter().map(|p| (p.code_size as f64, f(p))).collect(),
        };
        let title = format!("Bottleneck sweep, {kind} ({} epochs each)", base.epochs);
        let file = png(ID, &format!("{}-sweep", kind.name()));
        line_chart(
            &ctx.report_dir.join(&file),
            Labels {
                title: &title,
                x: "code size",
                y: "BCE after the last epoch",
            },
            &[
                series("train", |p| p.train_loss),
                series("test", |p| p.test_loss),
            ],
        )?;
        section.figure(
            file,
            format!(
                "{kind}: final train and test BCE of the shallow autoencoder against its code size"
            ),
        );
    }
    section.table("sweep", table);
    Ok(section)
}
