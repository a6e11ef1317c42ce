//! Section 1: the deep dense autoencoder 784-400-200-100-200-400-784 on MNIST.

use ae_data::DatasetKind::Mnist;

use super::{CodeView, Context, PlannedRun, Settings, selected_data};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::report::Section;

const ID: &str = "deep-dense";
const TITLE: &str = "1. Deep dense autoencoder 784-400-200-100-200-400-784";
/// Where the run's settings come from.
const SOURCE: &str = "Project 2 states 150 epochs; it leaves batch, optimizer and loss open, so the Keras blog's dense-model choice is taken (batch 256, Adam at 1e-3, BCE)";

define_experiment!(|s| Ok(vec![planned(s)?]), selected_data);

fn planned(settings: &Settings) -> Result<PlannedRun> {
    settings.planned(ID, "fc", "fc", Mnist, (1, 3, 150), 256, SOURCE)
}

/// Loss curves, the first ten test images, their 10x10 codes and their reconstructions.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let planned = planned(&ctx.settings())?;
    let (mut section, data, outcome) = ctx.open_section(
        TITLE,
        &planned,
        "784-400-200-100-200-400-784, relu, sigmoid output",
    )?;
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
