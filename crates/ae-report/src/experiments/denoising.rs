//! Section 3: the convolutional autoencoder trained to remove Gaussian noise (std 0.25,
//! clipped to [0, 1]) from MNIST digits.

use ae_data::{DatasetKind, ImageSet, Noise};
use ae_train::TrainingConfig;
use ae_train::trainer::derive_seed;
use rand::SeedableRng;
use rand::rngs::StdRng;

use ae_analysis::encode::reconstruct_values;

use super::{Context, captions, first, png, run_text};
use crate::error::Result;
use crate::report::Section;
use crate::table::Table;

pub(crate) const ID: &str = "denoising";
/// The run's name inside the section's folder (section 4 reuses it).
pub(crate) const RUN: &str = "conv-gaussian-0.25";
const NOISE: Noise = Noise::Gaussian { std: 0.25 };

/// The denoising run's config (the Keras blog trains 100 epochs of batch 128).
pub(crate) fn config(ctx: &Context<'_>) -> Result<TrainingConfig> {
    let mut config = ctx.config("conv", None, DatasetKind::Mnist, (1, 1, 100), 128)?;
    config.noise = NOISE;
    Ok(config)
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
pub fn run(ctx: &Context<'_>) -> Result<Section> {
    let mut section = Section::new(ID, super::EXPERIMENTS[2].title);
    let config = config(ctx)?;
    let (data, outcome) = ctx.train(ID, RUN, &config)?;
    section.text(run_text(
        "The convolutional autoencoder of section 2 on noisy inputs against clean targets",
        &config,
        &data,
        &outcome,
    ));
    let train = first(&data.train, 10)?;
    section.figure(
        ctx.grid(
            &png(ID, "train-originals"),
            &train.to_f32(),
            28,
            28,
            Some(&captions(&train)),
            10,
        )?,
        "The first ten training images",
    );
    section.figure(
        ctx.grid(
            &png(ID, "train-noisy"),
            &noisy(&train, ctx.seed),
            28,
            28,
            None,
            10,
        )?,
        "Their noisy versions (Gaussian, std 0.25, clipped to [0, 1])",
    );
    let epochs = outcome.history.len();
    section.figure(
        ctx.loss_curves(
            &png(ID, "loss"),
            &format!("Denoising autoencoder, MNIST ({epochs} epochs)"),
            "BCE against clean images",
            &outcome.history,
        )?,
        "Training and validation BCE per epoch",
    );
    let test = first(&data.val, 10)?;
    let noisy_test = noisy(&test, ctx.seed.wrapping_add(1));
    section.figure(
        ctx.grid(
            &png(ID, "test-originals"),
            &test.to_f32(),
            28,
            28,
            Some(&captions(&test)),
            10,
        )?,
        "The first ten test images",
    );
    section.figure(
        ctx.grid(&png(ID, "test-noisy"), &noisy_test, 28, 28, None, 10)?,
        "Their noisy versions",
    );
    let denoised = reconstruct_values(
        &outcome.model,
        &noisy_test,
        test.pixels_per_image(),
        &ctx.device,
    );
    section.figure(
        ctx.grid(&png(ID, "test-denoised"), &denoised, 28, 28, None, 10)?,
        format!("Denoised by the autoencoder after {epochs} epochs"),
    );
    let clean = test.to_f32();
    let mut table = Table::new(["images", "MSE against the clean test images"]);
    table.push([
        "noisy".to_string(),
        Table::num(
            ae_analysis::protocol::mean_squared_error(&noisy_test, &clean),
            3,
        ),
    ]);
    table.push([
        "denoised".to_string(),
        Table::num(
            ae_analysis::protocol::mean_squared_error(&denoised, &clean),
            3,
        ),
    ]);
    section.table("mse", table);
    Ok(section)
}
