//! Section 5: shallow, deep and denoising autoencoders on MNIST and on Fashion-MNIST,
//! with first-layer weight images and the bottleneck-size sweep.

use ae_analysis::{SEED_CODE_SIZES, bottleneck_sweep, sweep_configs};
use ae_analysis::{first_layer_weights, neighbour_correlation, normalise_for_display};
use ae_analysis::{reconstruct_set, reconstruct_values};
use ae_data::{DatasetKind, Noise};
use ae_train::derive_seed;
use ae_train::{TrainData, TrainingConfig};

use super::{
    Context, PlannedRun, Profile, Reference, SeedRow, Settings, first, png, seed_table,
    selected_data,
};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::findings;
use crate::plot::{CHART_SIZE, Labels, Series, line_chart};
use crate::report::Section;
use crate::table::Table;

const ID: &str = "mnist-vs-fashion";
const TITLE: &str = "5. Shallow, deep and denoising autoencoders on MNIST and Fashion-MNIST";

define_experiment!(runs, selected_data);
const DATASETS: [DatasetKind; 2] = [DatasetKind::Mnist, DatasetKind::Fashion];
const SOURCE: &str = "seed 002: Adam, BCE, batch 32 (Keras' default), shallow 5 epochs, deep and denoising 10, the sweep 5 per code size";

/// A model of this section: name, run name, epochs in the seeds (and in the quick
/// profile), noise.
struct Variant {
    label: &'static str,
    model: &'static str,
    epochs: usize,
    quick_epochs: usize,
    noise: Noise,
}

const VARIANTS: [Variant; 3] = [
    Variant {
        label: "shallow 784-32",
        model: "shallow",
        epochs: 5,
        quick_epochs: 1,
        noise: Noise::None,
    },
    Variant {
        label: "deep 784-128-32",
        model: "deep",
        epochs: 10,
        quick_epochs: 2,
        noise: Noise::None,
    },
    Variant {
        label: "denoising 784-128-32 (Gaussian 0.2)",
        model: "deep",
        epochs: 10,
        quick_epochs: 2,
        noise: Noise::Gaussian { std: 0.2 },
    },
];

/// How a variant's run ended: its epochs and last train and validation BCE.
#[derive(Debug, Clone, Copy)]
struct VariantEnd {
    epochs: usize,
    train: f64,
    val: f64,
}

/// The seeds' train BCE after their epochs (Adam, batch 32): a published Keras run for
/// shallow MNIST, the seed notebook for Fashion-MNIST.
fn seed_loss(kind: DatasetKind, variant: &Variant) -> Option<Reference> {
    let reference = |value, source| {
        Some(Reference {
            value,
            source,
            epochs: Some(variant.epochs),
        })
    };
    match (kind, variant.model, variant.noise.is_none()) {
        (DatasetKind::Mnist, "shallow", true) => {
            reference(0.0944, "a published Keras run of seed 002's notebook")
        }
        (DatasetKind::Fashion, "shallow", true) => reference(0.2835, "seed 002 notebook"),
        (DatasetKind::Fashion, "deep", true) => reference(0.2729, "seed 002 notebook"),
        _ => None,
    }
}

/// The three models on one dataset.
fn variant_runs(settings: &Settings, kind: DatasetKind) -> Result<Vec<PlannedRun>> {
    VARIANTS
        .iter()
        .map(|variant| {
            // `gaussian:0.2` runs in `<dataset>-deep-gaussian-0.2`.
            let noise = if variant.noise.is_none() {
                String::new()
            } else {
                format!("-{}", variant.noise.to_string().replace(':', "-"))
            };
            let run = format!("{}-{}{noise}", kind.name(), variant.model);
            let mut planned = settings.planned(
                ID,
                run,
                variant.model,
                kind,
                (1, variant.quick_epochs, variant.epochs),
                32,
                SOURCE,
            )?;
            planned.config.noise = variant.noise;
            Ok(planned)
        })
        .collect()
}

/// Epochs per code size of the quick profile's sweep (the seed's 5 in the full profile).
const QUICK_SWEEP_EPOCHS: usize = 1;

/// The sweep's code sizes (two in the smoke profile).
fn sweep_sizes(settings: &Settings) -> Vec<usize> {
    if settings.profile == Profile::Smoke {
        vec![5, 50]
    } else {
        SEED_CODE_SIZES.to_vec()
    }
}

/// The shallow model the sweep resizes.
fn sweep_base(settings: &Settings, kind: DatasetKind) -> Result<TrainingConfig> {
    settings.config("shallow", None, kind, (1, QUICK_SWEEP_EPOCHS, 5), 32)
}

fn sweep_folder(kind: DatasetKind) -> String {
    format!("{}-sweep", kind.name())
}

fn runs(settings: &Settings) -> Result<Vec<PlannedRun>> {
    let mut runs = Vec::new();
    for kind in DATASETS {
        runs.extend(variant_runs(settings, kind)?);
    }
    for kind in DATASETS {
        for (run, _, config) in sweep_configs(&sweep_base(settings, kind)?, &sweep_sizes(settings))?
        {
            runs.push(PlannedRun {
                section: ID,
                run: format!("{}/{run}", sweep_folder(kind)),
                model: "shallow",
                config,
                train_images: None,
                source: SOURCE,
            });
        }
    }
    Ok(runs)
}

/// Originals against reconstructions, weight images, final losses, the sweep.
/// Seed 002(a): the gradients of the one-hidden-layer ReLU autoencoder, derived by hand,
/// and the problem with that architecture. `crates/ae-models/tests/models/gradients.rs` checks
/// the same formulas against burn's autodiff and finite differences.
const GRADIENT_DERIVATION: [&str; 5] = [
    "Seed 002(a), the gradients of the one-hidden-layer ReLU autoencoder. For a batch X of n images (n x 784, one per row): a1 = X W1 + b1, H = relu(a1), a2 = H W2 + b2, X^ = relu(a2), and the loss L = 1/(n 784) * sum over all entries of (X^ - X)^2.",
    "Backward, with 1[a > 0] the 0/1 derivative of relu and * the entrywise product: delta2 = dL/da2 = 2/(n 784) * (X^ - X) * 1[a2 > 0]; dL/dW2 = H^T delta2; dL/db2 = the column sums of delta2. Then delta1 = dL/da1 = (delta2 W2^T) * 1[a1 > 0]; dL/dW1 = X^T delta1; dL/db1 = the column sums of delta1.",
    "The problem with this architecture is in the two indicator factors. An output pixel whose pre-activation a2 is negative outputs 0 and gets no gradient, whatever its target: once that holds for every image, the pixel can never learn to light up again. A hidden unit that is negative on every input is dead in the same way, and its weights stop changing. The output relu is also unbounded above, while pixels lie in [0, 1].",
    "A sigmoid output with BCE, the choice of the models in this section, has neither problem: there dL/da2 = (X^ - X)/(n 784), which is zero only where the reconstruction is exact.",
    "crates/ae-models/tests/models/gradients.rs checks these formulas, entry by entry, against burn's autodiff and against finite differences.",
];

fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let mut section = Section::new(ID, TITLE);
    let quick = VARIANTS
        .iter()
        .map(|v| format!("{} {}", v.label, findings::epochs(v.quick_epochs)))
        .collect::<Vec<_>>()
        .join(", ");
    section.text(format!("Settings: {SOURCE}; the quick profile trains {quick} and the sweep {} per code size, so its numbers are not the seeds' (the full profile's are). Train loss is Keras' figure: the mean of the batch losses over the last epoch.", findings::epochs(QUICK_SWEEP_EPOCHS)));
    let settings = ctx.settings();
    let mut rows = Vec::new();
    let mut smoothness = Vec::new();
    // Per dataset: how each variant ended, in VARIANTS order.
    let mut ends: Vec<(DatasetKind, Vec<VariantEnd>)> = Vec::new();
    for kind in DATASETS {
        ends.push((kind, Vec::new()));
        for (v, (variant, planned)) in VARIANTS
            .iter()
            .zip(variant_runs(&settings, kind)?)
            .enumerate()
        {
            let run = planned.run.clone();
            let (data, outcome) = ctx.train_planned(&planned)?;
            let last = outcome.history.last().copied().unwrap_or_default();
            if let Some((_, list)) = ends.last_mut() {
                list.push(VariantEnd {
                    epochs: outcome.history.len(),
                    train: last.train_loss,
                    val: last.val_loss,
                });
            }
            let what = format!("{kind}, {}", variant.label);
            let epochs = outcome.history.len();
            rows.push(SeedRow {
                quantity: format!("{what}: train BCE after {}", findings::epochs(epochs)),
                reference: seed_loss(kind, variant),
                ours: last.train_loss,
                epochs,
            });
            rows.push(SeedRow {
                quantity: format!("{what}: validation BCE"),
                reference: None,
                ours: last.val_loss,
                epochs,
            });
            let shown = first(&data.val, 15)?;
            let mut rows = shown.to_f32();
            let (caption, labels) = if variant.noise.is_none() {
                rows.extend(reconstruct_set(&outcome.model, &shown, &ctx.device));
                (
                    format!("{what}: 15 test images (top) and their reconstructions (bottom)"),
                    vec!["test images".to_string(), "reconstructions".to_string()],
                )
            } else {
                // Seed 002 shows what the denoiser does: clean, noisy, and its output.
                let mut noisy = shown.to_f32();
                variant
                    .noise
                    .apply_seeded(&mut noisy, derive_seed(ctx.settings.seed, 5, v as u64));
                let denoised = reconstruct_values(
                    &outcome.model,
                    &noisy,
                    shown.pixels_per_image(),
                    &ctx.device,
                );
                rows.extend(noisy);
                rows.extend(denoised);
                (
                    format!(
                        "{what}: 15 test images (top), the same with {} (middle), and the \
                         model's output from the noisy images (bottom)",
                        variant.noise.describe()
                    ),
                    vec![
                        "test images".to_string(),
                        "noisy inputs".to_string(),
                        "denoised".to_string(),
                    ],
                )
            };
            section.figure(
                ctx.labelled_image_grid(
                    &png(ID, &format!("{run}-reconstructions")),
                    &rows,
                    &labels,
                )?,
                caption,
            );
            let all_units = first_layer_weights(&outcome.model, usize::MAX)?;
            let (rows_px, cols_px) = (data.val.rows(), data.val.cols());
            smoothness.push(findings::WeightSmoothness {
                dataset: kind.title().to_string(),
                model: variant.label.to_string(),
                correlation: all_units
                    .iter()
                    .map(|w| neighbour_correlation(w, rows_px, cols_px))
                    .sum::<f64>()
                    / all_units.len().max(1) as f64,
            });
            let weights: Vec<f32> = all_units
                .iter()
                .take(12)
                .flat_map(|w| normalise_for_display(w))
                .collect();
            section.figure(
                ctx.image_grid(&png(ID, &format!("{run}-weights")), &weights, None, 12)?,
                format!("{what}: first-layer weights of 12 units as 28x28 images"),
            );
        }
    }
    section.table("losses", seed_table(&rows));
    let losses: Vec<findings::DatasetLosses> = ends
        .iter()
        .filter_map(|(kind, list)| match list[..] {
            [shallow, deep, denoising] => Some(findings::DatasetLosses {
                dataset: kind.title().to_string(),
                shallow: (shallow.epochs, shallow.train),
                deep: (deep.epochs, deep.train),
                deep_val: deep.val,
                denoising_val: denoising.val,
            }),
            _ => None,
        })
        .collect();
    if let [mnist, fashion] = &losses[..] {
        section.findings(findings::datasets(mnist, fashion));
    }
    section.findings(findings::weight_images(&smoothness));
    for paragraph in GRADIENT_DERIVATION {
        section.text(paragraph);
    }

    let sizes = sweep_sizes(&settings);
    let mut table = Table::new(["dataset", "code size", "train BCE", "test BCE"]);
    for kind in DATASETS {
        let base = sweep_base(&settings, kind)?;
        let data = TrainData::select(&base, ctx.dataset(kind))?;
        let points = bottleneck_sweep::<B>(
            &base,
            &sizes,
            &data,
            &ctx.runs_dir.join(ID).join(sweep_folder(kind)),
            ctx.progress,
            &ctx.device,
        )?;
        section.findings(findings::sweep(
            kind.title(),
            &points
                .iter()
                .map(|p| (p.code_size, p.train_loss, p.test_loss))
                .collect::<Vec<_>>(),
        ));
        for p in &points {
            table.push([
                kind.name().to_string(),
                p.code_size.to_string(),
                Table::num(p.train_loss, 4),
                Table::num(p.test_loss, 4),
            ]);
        }
        let series = |name: &str, f: fn(&ae_analysis::SweepPoint) -> f64| Series {
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
        section.chart(
            file,
            format!(
                "{kind}: final train and test BCE of the shallow autoencoder against its code size"
            ),
            CHART_SIZE,
        );
    }
    section.table("sweep", table);
    Ok(section)
}
