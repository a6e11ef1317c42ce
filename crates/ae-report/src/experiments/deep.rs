//! Section 1: the deep dense autoencoder 784-400-200-100-200-400-784 on MNIST.

use ae_data::DatasetKind;

use super::{CodeView, Context, run_text};
use crate::error::Result;
use crate::report::Section;

const ID: &str = "deep-dense";

/// Loss curves, the first ten test images, their 10x10 codes and their reconstructions.
pub fn run(ctx: &Context<'_>) -> Result<Section> {
    let mut section = Section::new(ID, super::EXPERIMENTS[0].title);
    // The seed trains 50 epochs of batch 256 with Adam on BCE.
    let config = ctx.config("fc", None, DatasetKind::Mnist, (1, 5, 50), 256)?;
    let (data, outcome) = ctx.train(ID, "fc", &config)?;
    section.text(run_text(
        "784-400-200-100-200-400-784, relu, sigmoid output",
        &config,
        &data,
        &outcome,
    ));
    let codes = CodeView {
        shape: (10, 10),
        layout: <[f32]>::to_vec,
        caption: "Their 100-value bottleneck codes as 10x10 images (each scaled to its own range)",
    };
    ctx.model_figures(
        &mut section,
        "Deep dense autoencoder, MNIST",
        &data,
        &outcome,
        codes,
        None,
    )?;
    Ok(section)
}
