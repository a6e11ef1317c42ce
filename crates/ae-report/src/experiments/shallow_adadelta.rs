//! Section 4: the shallow 784-32-784 autoencoder trained with Adadelta on BCE, and a
//! small CNN classifier trained on its outputs against one trained on the originals.

use ae_analysis::{ClassifierConfig, ClassifierKind, Features, train_classifier};
use ae_analysis::{reconstruct_set, reconstruct_values};
use ae_data::DatasetKind::Mnist;
use ae_data::ImageSet;
use ae_models::OptimizerKind;

use super::{CodeView, Context, PlannedRun, Settings, denoising, first, selected_data};
use burn::tensor::backend::AutodiffBackend;

use crate::error::Result;
use crate::findings;
use crate::report::Section;
use crate::table::Table;

const ID: &str = "shallow-adadelta";
const TITLE: &str = "4. Shallow 784-32-784 autoencoder (Adadelta, BCE) and a CNN on its outputs";
/// Where the run's settings come from.
const SOURCE: &str =
    "the seed notebook: Adadelta (Keras 2, learning rate 1.0), BCE, 50 epochs of batch 256";

// The CNN also uses the denoising section's model, planned (and trained) there.
define_experiment!(|s| Ok(vec![planned(s)?]), selected_data);

fn planned(settings: &Settings) -> Result<PlannedRun> {
    let mut planned =
        settings.planned(ID, "shallow", "shallow", Mnist, (1, 10, 50), 256, SOURCE)?;
    planned.config.optimizer = OptimizerKind::Adadelta;
    planned.config.learning_rate = OptimizerKind::Adadelta.default_learning_rate();
    Ok(planned)
}

/// Turns a set into the images a CNN sees (the seed varies any noise per part).
type ImageTransform<'a> = dyn Fn(&ImageSet, u64) -> Vec<f32> + 'a;

/// Originals, 8x4 codes and reconstructions; CNN accuracy on originals and outputs.
fn run<B: AutodiffBackend>(ctx: &Context<'_, B>) -> Result<Section> {
    let planned = planned(&ctx.settings())?;
    let (mut section, data, outcome) =
        ctx.open_section(TITLE, &planned, "784-32-784, relu code, sigmoid output")?;
    let codes = CodeView {
        shape: (8, 4),
        layout: <[f32]>::to_vec,
        caption: "Their 32-value codes as 8x4 images (each scaled to its own range)",
    };
    ctx.model_figures(
        &mut section,
        "Shallow autoencoder, Adadelta",
        &data,
        &outcome,
        codes,
        None,
    )?;

    // The CNN: trained and tested on each kind of image, same split, same seed.
    let (_, dae) = ctx.train_planned(&denoising::planned(&ctx.settings())?)?;
    let limit = ctx
        .settings
        .profile
        .pick(600, 10_000, 60_000)
        .min(ctx.mnist.train.len());
    let pool = ctx.mnist.train.first(limit)?;
    let (fit, held_out) = ae_data::validation_split(limit, 0.1);
    let train = pool.select(&fit.collect::<Vec<_>>())?;
    let val = pool.select(&held_out.collect::<Vec<_>>())?;
    let test = first(
        &ctx.mnist.test,
        ctx.settings.profile.test_limit().unwrap_or(usize::MAX),
    )?;
    let parts = [&train, &val, &test];
    let pixels = train.pixels_per_image();
    let variants: [(&str, Box<ImageTransform<'_>>); 4] = [
        ("original images", Box::new(|s, _| s.to_f32())),
        (
            "shallow autoencoder reconstructions",
            Box::new(|s, _| reconstruct_set(&outcome.model, s, &ctx.device)),
        ),
        (
            "noisy images (Gaussian 0.25), not denoised",
            Box::new(denoising::noisy),
        ),
        (
            "noisy images denoised by the section 3 autoencoder",
            Box::new(|s, seed| {
                reconstruct_values(&dae.model, &denoising::noisy(s, seed), pixels, &ctx.device)
            }),
        ),
    ];
    let mut cnn = ClassifierConfig::new(ClassifierKind::Cnn, ctx.settings.seed);
    cnn.max_epochs = ctx.settings.profile.pick(1, 3, 20);
    cnn.patience = 3;
    let mut table = Table::new([
        "CNN trained and tested on",
        "validation accuracy",
        "test accuracy",
        "best epoch",
    ]);
    let mut accuracy = Vec::new();
    for (name, transform) in &variants {
        let feats: Vec<Features> = parts
            .iter()
            .enumerate()
            .map(|(i, set)| {
                Features::new(
                    transform(set, ctx.settings.seed.wrapping_add(10 + i as u64)),
                    pixels,
                    set.labels().to_vec(),
                )
            })
            .collect::<std::result::Result<_, _>>()?;
        let report = train_classifier::<B>(&cnn, &feats[0], &feats[1], &feats[2], 10, &ctx.device)?;
        accuracy.push(report.test_accuracy);
        table.push([
            name.to_string(),
            Table::num(report.val_accuracy, 4),
            Table::num(report.test_accuracy, 4),
            report.best_epoch.to_string(),
        ]);
    }
    section.text(format!(
        "A CNN (Conv 8@3x3, pool, Conv 16@3x3, pool, Dense 64, softmax; Adam, early stopping with patience 3, at most {} epochs) trained on {} images, validated on {}, tested on {} test images of each kind.",
        cnn.max_epochs,
        train.len(),
        val.len(),
        test.len()
    ));
    section.table("cnn", table);
    if let [original, reconstructed, noisy, denoised] = accuracy[..] {
        section.findings(findings::cnn(findings::CnnAccuracy {
            original,
            reconstructed,
            noisy,
            denoised,
        }));
    }
    Ok(section)
}
