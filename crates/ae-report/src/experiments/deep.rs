//! Section 1: the deep dense autoencoder 784-400-200-100-200-400-784 on MNIST.

use ae_analysis::encode::encode_set;
use ae_data::DatasetKind;

use super::{Context, captions, codes_for_display, first, png, reconstruct, run_text, seed_table};
use crate::error::Result;
use crate::report::Section;

const ID: &str = "deep-dense";

/// Loss curves, the first ten test images, their 10x10 codes and their reconstructions.
pub fn run(ctx: &Context<'_>) -> Result<Section> {
    let mut section = Section::new(ID, super::EXPERIMENTS[0].title);
    // The seed trains 50 epochs of batch 256 with Adam on BCE.
    let config = ctx.config("fc", None, DatasetKind::Mnist, (1, 5, 50), 256)?;
    let (data, outcome) = ctx.train(ID, "fc", &config)?;
    section.text(run_text("784-400-200-100-200-400-784, relu, sigmoid output", &config, &data, &outcome));
    let epochs = outcome.history.len();
    section.figure(ctx.loss_curves(&png(ID, "loss"), &format!("Deep dense autoencoder, MNIST ({epochs} epochs)"), "BCE", &outcome.history)?, "Training and validation BCE per epoch");
    let shown = first(&data.val, 10)?;
    let labels = captions(&shown);
    section.figure(ctx.grid(&png(ID, "originals"), &shown.to_f32(), 28, 28, Some(&labels), 10)?, "The first ten test images");
    let codes = encode_set(&outcome.model, &shown, &ctx.device);
    section.figure(ctx.grid(&png(ID, "codes"), &codes_for_display(&codes, 100), 10, 10, None, 10)?, "Their 100-value bottleneck codes as 10x10 images (each scaled to its own range)");
    let recon = reconstruct(&outcome.model, &shown, &ctx.device);
    section.figure(ctx.grid(&png(ID, "reconstructions"), &recon, 28, 28, None, 10)?, format!("Their reconstructions after {epochs} epochs"));
    let last = outcome.history.last().copied().unwrap_or_default();
    section.table("losses", seed_table(&[("train BCE (last epoch)".into(), None, last.train_loss), ("validation BCE".into(), None, last.val_loss)]));
    Ok(section)
}
