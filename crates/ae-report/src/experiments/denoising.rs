//! Section 3: the convolutional autoencoder trained to remove Gaussian noise (std 0.25,
//! clipped to [0, 1]) from MNIST digits.

use ae_data::DatasetKind::Mnist;
use ae_data::{ImageSet, Noise};
use ae_train::derive_seed;
use rand::SeedableRng;
use rand::rngs::StdRng;

use ae_analysis::mean_squared_error;
use ae_analysis::reconstruct_values;

use super::{Context, PlannedRun, Settings, captions, first, png, selected_data};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::findings;
use crate::report::Section;
use crate::table::Table;

const ID: &str = "denoising";
const TITLE: &str = "3. Denoising autoencoder (Gaussian noise 0.25, clipped)";
/// Where the run's settings come from.
const SOURCE: &str = "Project 2's template states 100 epochs of batch 1024; Adam and BCE as in its conv part; noise std 0.25 clipped to [0, 1]";

define_experiment!(|s| Ok(vec![planned(s)?]), selected_data);
const NOISE: Noise = Noise::Gaussian { std: 0.25 };

/// The denoising run (section 4 reuses its model).
pub(super) fn planned(settings: &Settings) -> Result<PlannedRun> {
    let mut planned = settings.planned(
        ID,
        "conv-gaussian-0.25",
        "conv",
        Mnist,
        (1, 2, 100),
        1024,
        SOURCE,
    )?;
    planned.config.noise = NOISE;
    Ok(planned)
}

/// A noisy copy of `set`, seeded.
pub(crate) fn noisy(set: &ImageSet, seed: u64) -> Vec<f32> {
    let mut values = set.to_f32();
    NOISE.apply(
        &mut values,
        &mut StdRng::seed_from_u64(derive_seed(seed, 3, 0x0d15)),
    );
    values
}

/// Clean and noisy training images, loss curves, clean, noisy and denoised test images.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let planned = planned(&ctx.settings())?;
    let (mut section, data, outcome) = ctx.open_section(
        TITLE,
        &planned,
        "The convolutional autoencoder of section 2 on noisy inputs against clean targets",
    )?;
    let train = first(&data.train, 10)?;
    section.figure(
        ctx.image_grid(
            &png(ID, "train-originals"),
            &train.to_f32(),
            Some(&captions(&train)),
            10,
        )?,
        "The first ten training images",
    );
    section.figure(
        ctx.image_grid(
            &png(ID, "train-noisy"),
            &noisy(&train, ctx.settings.seed),
            None,
            10,
        )?,
        format!("Their noisy versions ({})", NOISE.describe()),
    );
    let epochs = outcome.history.len();
    ctx.loss_figure(
        &mut section,
        "loss",
        &format!(
            "Denoising autoencoder, MNIST ({})",
            findings::epochs(epochs)
        ),
        "BCE against clean images",
        &outcome.history,
    )?;
    let test = first(&data.val, 10)?;
    let noisy_test = noisy(&test, ctx.settings.seed.wrapping_add(1));
    section.figure(
        ctx.image_grid(
            &png(ID, "test-originals"),
            &test.to_f32(),
            Some(&captions(&test)),
            10,
        )?,
        "The first ten test images",
    );
    section.figure(
        ctx.image_grid(&png(ID, "test-noisy"), &noisy_test, None, 10)?,
        "Their noisy versions",
    );
    let denoised = reconstruct_values(
        &outcome.model,
        &noisy_test,
        test.pixels_per_image(),
        &ctx.device,
    );
    section.figure(
        ctx.image_grid(&png(ID, "test-denoised"), &denoised, None, 10)?,
        format!(
            "Denoised by the autoencoder after {}",
            findings::epochs(epochs)
        ),
    );
    let clean = test.to_f32();
    let noisy_mse = mean_squared_error(&noisy_test, &clean);
    let denoised_mse = mean_squared_error(&denoised, &clean);
    let mut table = Table::new(["images", "MSE against the clean test images"]);
    table.push(["noisy".to_string(), Table::num(noisy_mse, 3)]);
    table.push(["denoised".to_string(), Table::num(denoised_mse, 3)]);
    section.table("mse", table);
    let validation: Vec<f64> = outcome.history.iter().map(|r| r.val_loss).collect();
    section.findings(findings::training(&findings::RunEnd {
        name: "Denoising autoencoder (BCE against clean images)",
        loss: "BCE",
        train: outcome.history.last().map_or(f64::NAN, |r| r.train_loss),
        validation: &validation,
    }));
    section.findings(findings::denoising(noisy_mse, denoised_mse));
    Ok(section)
}
