//! Section 2: the convolutional autoencoder on MNIST, its 7x7x8 code shown as 28x14 images.

use ae_data::DatasetKind::Mnist;

use super::{CodeView, Context, PlannedRun, Reference, Settings, selected_data};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::report::Section;

const ID: &str = "convolutional";
const TITLE: &str = "2. Convolutional autoencoder";
/// Where the run's settings come from.
const SOURCE: &str = "Project 2 states 150 epochs; batch 128, Adam and BCE are the Keras blog's, whose model Project 2 uses";

define_experiment!(|s| Ok(vec![planned(s)?]), selected_data);
/// The Keras blog's validation BCE after 50 epochs of a similar model.
const BLOG_VAL_BCE: f64 = 0.094;

/// Lays a channel-major `8 x 7 x 7` code out as a 28x14 image: channel maps tiled
/// four down and two across.
pub(crate) fn tile_code(code: &[f32]) -> Vec<f32> {
    let mut out = vec![0.0; 28 * 14];
    for (c, map) in code.chunks(49).take(8).enumerate() {
        let (tile_row, tile_col) = (c / 2, c % 2);
        for (i, &v) in map.iter().enumerate() {
            out[(tile_row * 7 + i / 7) * 14 + tile_col * 7 + i % 7] = v;
        }
    }
    out
}

fn planned(settings: &Settings) -> Result<PlannedRun> {
    settings.planned(ID, "conv", "conv", Mnist, (1, 2, 150), 128, SOURCE)
}

/// Loss curves, the first ten test images, their codes and their reconstructions.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let planned = planned(&ctx.settings())?;
    let (mut section, data, outcome) =
        ctx.open_section(TITLE, &planned, "Conv 16@3x3, pool, Conv 8@3x3, pool (code 8x7x7), Conv 8, upsample, Conv 16, upsample, Conv 1 sigmoid")?;
    section.text(format!("The Keras blog reports a validation BCE of {BLOG_VAL_BCE} after 50 epochs of a similar model; this run trained {}.", outcome.history.len()));
    let codes = CodeView {
        shape: (28, 14),
        layout: tile_code,
        caption: "Their 8x7x7 codes as 28x14 images (the eight 7x7 channel maps tiled four down, two across)",
    };
    ctx.model_figures(
        &mut section,
        "Convolutional autoencoder, MNIST",
        &data,
        &outcome,
        codes,
        Some(Reference {
            value: BLOG_VAL_BCE,
            source: "Keras blog, a similar conv model",
            epochs: Some(50),
        }),
    )?;
    Ok(section)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tiles_channels_four_down_two_across() {
        let code: Vec<f32> = (0..392).map(|i| (i / 49) as f32).collect();
        let img = super::tile_code(&code);
        assert_eq!(img[0], 0.0);
        assert_eq!(img[7], 1.0);
        assert_eq!(img[7 * 14], 2.0);
        assert_eq!(img[27 * 14 + 13], 7.0);
    }
}
