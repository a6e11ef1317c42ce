//! Section 7: two-dimensional latent spaces of the 784-500-300-2 tanh autoencoder and
//! of a variational autoencoder, on digits 1, 5 and 6.

use ae_analysis::reconstruct_set;
use ae_analysis::{
    LatentBox, OCCUPIED_QUANTILE, decode_point, latent_points, manifold, prior_samples,
};
use ae_data::DatasetKind;
use ae_models::{ModelConfig, OptimizerKind, ReconstructionLoss};

use super::{Context, PlannedRun, Settings, first, png, run_text, selected_data};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::explorer::LatentExplorer;
use crate::findings;
use crate::plot::{CHART_SIZE, Labels, scatter};
use crate::report::Section;
use crate::table::Table;

const ID: &str = "latent-2d";
const TITLE: &str = "7. Two-dimensional latent spaces";

define_experiment!(runs, selected_data);
const CLASSES: [u8; 3] = [1, 5, 6];
/// The UNIST tutorial's 2500 iterations, counted as epochs of this many random batches.
const STEPS_PER_EPOCH: usize = 100;
const POINTS: usize = 500;
const STEPS: usize = 20;

/// The tutorial's 784-500-300-2 tanh model: 2500 iterations of random batches of 50,
/// Adam at 1e-4, MSE, every weight and bias drawn from N(0, 0.1^2).
fn latent2(settings: &Settings) -> Result<PlannedRun> {
    let mut config = settings.config("latent2", Some(2), DatasetKind::Mnist, (1, 25, 25), 50)?;
    config.steps_per_epoch = Some(STEPS_PER_EPOCH);
    config.optimizer = OptimizerKind::Adam;
    config.learning_rate = 1e-4;
    config.objective.loss = ReconstructionLoss::Mse;
    config.data.classes = Some(CLASSES.to_vec());
    if let ModelConfig::Dense(dense) = &mut config.model {
        dense.init_std = Some(0.1);
    }
    Ok(PlannedRun {
        section: ID,
        run: "latent2".into(),
        model: "latent2",
        config,
        train_images: None,
        source: "seed 004 (UNIST tutorial): 2500 iterations of random batches of 50 on digits {1, 5, 6}, Adam at 1e-4, MSE, weights and biases from N(0, 0.1^2); the quick profile trains it in full, as it takes seconds",
    })
}

/// The VAE, which the tutorial does not train: the Keras VAE example's settings.
fn vae(settings: &Settings) -> Result<PlannedRun> {
    let mut config = settings.config("vae", Some(2), DatasetKind::Mnist, (1, 3, 50), 128)?;
    config.objective.loss = ReconstructionLoss::Bce;
    config.data.classes = Some(CLASSES.to_vec());
    Ok(PlannedRun {
        section: ID,
        run: "vae".into(),
        model: "vae",
        config,
        train_images: None,
        source: "no seed trains a VAE; the Keras VAE example's choice: 50 epochs of batch 128, Adam at 1e-3, BCE plus KL, on the same digits {1, 5, 6}",
    })
}

fn runs(settings: &Settings) -> Result<Vec<PlannedRun>> {
    Ok(vec![latent2(settings)?, vae(settings)?])
}

/// Scatter, a decoded marked point and the 20x20 manifold for each model; VAE prior samples.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let mut section = Section::new(ID, TITLE);
    let class_names: Vec<String> = (0..10).map(|d: u8| d.to_string()).collect();
    let mut table = Table::new([
        "model",
        "marked point x",
        "marked point y",
        "final validation loss",
    ]);
    let mut separations = Vec::new();
    for (planned, title) in [
        (latent2(&ctx.settings())?, "784-500-300-2 tanh autoencoder"),
        (vae(&ctx.settings())?, "variational autoencoder, 2-D latent"),
    ] {
        let model = planned.model;
        let (data, outcome) = ctx.train_planned(&planned)?;
        section.text(run_text(title, &planned, &data, &outcome));
        // Seed 004 shows one test image beside its reconstruction.
        let test_image = first(&data.val, 1)?;
        let mut pair = test_image.to_f32();
        pair.extend(reconstruct_set(&outcome.model, &test_image, &ctx.device));
        section.figure(
            ctx.image_grid(&png(ID, &format!("{model}-test-image")), &pair, None, 2)?,
            "The first test image (left) and its reconstruction (right)",
        );
        let points = latent_points(&outcome.model, &data.val, POINTS, &ctx.device)?;
        // The marked point: the centroid of the first class's codes.
        let first_class: Vec<_> = points.iter().filter(|p| p.label == CLASSES[0]).collect();
        let n = first_class.len().max(1) as f32;
        let mark = (
            first_class.iter().map(|p| p.x).sum::<f32>() / n,
            first_class.iter().map(|p| p.y).sum::<f32>() / n,
        );
        let coords: Vec<(f32, f32, u8)> = points.iter().map(|p| (p.x, p.y, p.label)).collect();
        if let Some(ratio) = findings::separation(&coords) {
            let short = if model == "vae" {
                "variational autoencoder"
            } else {
                "784-500-300-2 autoencoder"
            };
            separations.push((short, ratio));
        }
        let file = png(ID, &format!("{model}-scatter"));
        let trained = match planned.config.steps_per_epoch {
            Some(steps) => format!("{} iterations", steps * outcome.history.len()),
            None => findings::epochs(outcome.history.len()),
        };
        scatter(
            &ctx.report_dir.join(&file),
            Labels {
                title: &format!("{title} ({trained})"),
                x: "z1",
                y: "z2",
            },
            &coords,
            &class_names,
            Some(mark),
        )?;
        section.chart(
            file,
            format!(
                "Codes of {} test images of digits 1, 5, 6; the cross marks the centroid of the 1s",
                points.len()
            ),
            CHART_SIZE,
        );
        let decoded = decode_point(&outcome.model, mark.0, mark.1, &ctx.device)?;
        section.figure(
            ctx.image_grid(
                &png(ID, &format!("{model}-decoded-point")),
                &decoded,
                None,
                1,
            )?,
            format!(
                "The image decoded from the marked point ({:.3}, {:.3})",
                mark.0, mark.1
            ),
        );
        // The VAE's box is its prior's; the autoencoder's, the region its codes occupy.
        let area = if model == "vae" {
            LatentBox {
                x_min: -3.0,
                x_max: 3.0,
                y_min: -3.0,
                y_max: 3.0,
            }
        } else {
            LatentBox::quantiles(&points, OCCUPIED_QUANTILE)
        };
        let grid = manifold(&outcome.model, area, STEPS, &ctx.device)?;
        section.figure(
            ctx.image_grid(&png(ID, &format!("{model}-manifold")), &grid,  None, STEPS)?,
            format!(
                "{STEPS}x{STEPS} images decoded over z1 in [{:.2}, {:.2}] (left to right), z2 in [{:.2}, {:.2}] (top to bottom){}",
                area.x_min,
                area.x_max,
                area.y_max,
                area.y_min,
                if model == "vae" {
                    ": three standard deviations of the prior".to_string()
                } else {
                    format!(
                        ": percentiles {:.0} to {:.0} of the codes on each axis",
                        OCCUPIED_QUANTILE * 100.0,
                        (1.0 - OCCUPIED_QUANTILE) * 100.0
                    )
                }
            ),
        );
        if let Some(decoder) = outcome.model.dense_decoder() {
            let explorer = LatentExplorer {
                id: format!("explorer-{model}"),
                decoder,
                points: coords,
                area: [area.x_min, area.x_max, area.y_min, area.y_max],
                image: (data.val.rows(), data.val.cols()),
                check: (mark, decoded),
            };
            section.html(
                explorer.to_html(),
                format!(
                    "index.html holds an explorer of this plane: the {title}'s decoder runs in the page on the point under the mouse."
                ),
            );
        }
        if model == "vae" {
            let samples = prior_samples(&outcome.model, 20, ctx.settings.seed, &ctx.device)?;
            section.figure(
                ctx.image_grid(&png(ID, "vae-prior-samples"), &samples, None, 10)?,
                "Twenty images decoded from codes drawn from the prior N(0, I)",
            );
        }
        let last = outcome.history.last().copied().unwrap_or_default();
        table.push([
            title.to_string(),
            Table::num(f64::from(mark.0), 3),
            Table::num(f64::from(mark.1), 3),
            Table::num(last.val_loss, 4),
        ]);
    }
    section.table("points", table);
    section.findings(findings::latent(&separations));
    Ok(section)
}
